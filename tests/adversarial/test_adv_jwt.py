"""Hostile VC-JWTs: each case names the check it fails."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, NOW, make_credential, run
from _signer import b64url, jwt_payload, p256_key, sign_jwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbadge.multibase import b58decode

P256_KEY = p256_key(2)
INTEROP = Path(__file__).resolve().parents[1] / "interop" / "openbadgeslib"


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _payload(**claims: Any) -> dict[str, Any]:
    payload = jwt_payload(make_credential())
    payload.update(claims)
    return payload


def _unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url(signature)}"


def test_alg_none() -> None:
    code, result = run(_unsigned({"alg": "none", "kid": ISSUER_KEY.vm}, _payload()), offline=True)
    assert code == 1
    assert result.check("jwt").code == "jwt.alg_none"


def test_hs256_with_the_public_key_as_secret() -> None:
    # The classic confusion attack: HMAC keyed with the issuer's public key bytes.
    header = {"alg": "HS256", "kid": ISSUER_KEY.vm}
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(_payload()).encode())
    secret = b58decode(ISSUER_KEY.multikey[1:])[2:]
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    code, result = run(f"{head}.{body}.{b64url(mac)}", offline=True)
    assert code == 1
    assert result.check("jwt").code == "jwt.alg_symmetric"


def test_alg_key_mismatch() -> None:
    # Claims ES256 but the issuer's key is Ed25519.
    token = sign_jwt(_payload(), ISSUER_KEY, {"alg": "ES256", "kid": ISSUER_KEY.vm})
    code, result = run(token, offline=True)
    assert code == 1
    assert result.failed_checks == ["jwt"]


def _jwk(key: Any, **extra: Any) -> dict[str, Any]:
    if key.kind == "Ed25519":
        raw = b58decode(key.multikey[1:])[2:]
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), **extra}
    numbers = key.private.public_key().public_numbers()
    x, y = (b64url(v.to_bytes(32, "big")) for v in (numbers.x, numbers.y))
    return {"kty": "EC", "crv": "P-256", "x": x, "y": y, **extra}


def test_jwk_header_of_the_did_key_issuer_is_its_own_key() -> None:
    # OB 3.0 §8.2.3: the header carries the key as kid OR jwk. With a did:key issuer whose key
    # the jwk is, that is the issuer's key (not an embedded one): accepted without trust.
    from mcbadge.proofs import verify_proof

    # members reordered, optional ones added: key material is compared, not JSON text
    jwk = dict(reversed(list(_jwk(ISSUER_KEY, use="sig", alg="EdDSA").items())))
    token = sign_jwt(_payload(), ISSUER_KEY, {"typ": "JWT", "jwk": jwk, "alg": "EdDSA"})
    code, result = run(token, offline=True)
    assert code == 0, result.failed_checks
    assert result.check("key_binding").status == "passed"
    assert verify_proof(token, None, now=NOW).codes == []


def test_jwk_header_of_a_did_jwk_issuer_with_members_in_another_order() -> None:
    from mcbadge.proofs import verify_proof

    jwk = _jwk(P256_KEY)
    did = "did:jwk:" + b64url(json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode())
    credential = make_credential(P256_KEY)
    credential["issuer"]["id"] = did
    header = {"alg": "ES256", "jwk": dict(reversed(list(jwk.items())))}
    token = sign_jwt(jwt_payload(credential), P256_KEY, header)
    assert verify_proof(token, None, now=NOW).codes == []
    assert run(token, offline=True)[0] == 0


def test_attacker_jwk_header_is_refused() -> None:
    from mcbadge.proofs import verify_proof

    # the attacker's key, which is also the key of the attacker's own did:key: a different
    # did:key than the issuer's
    token = sign_jwt(_payload(), ATTACKER_KEY, {"alg": "EdDSA", "jwk": _jwk(ATTACKER_KEY)})
    for options in ({}, {"trust_embedded_keys": True}):
        code, result = run(token, offline=True, **options)
        assert code == 1
        assert result.failed_checks == ["key_binding"]
        assert result.check("key_binding").code == "key_binding.jwk_not_issuer_key"
    assert verify_proof(token, None, now=NOW).codes == ["key_binding.jwk_not_issuer_key"]


def test_jwk_header_when_the_issuer_is_not_a_did_key() -> None:
    # An https issuer cannot be checked against the key: the embedded-key policy decides.
    from mcbadge.proofs import verify_proof

    credential = make_credential(
        issuer={"id": "https://academy.example/issuer", "type": ["Profile"]}
    )
    token = sign_jwt(jwt_payload(credential), ISSUER_KEY, {"alg": "EdDSA", "jwk": _jwk(ISSUER_KEY)})
    code, result = run(token, offline=True)
    assert code == 1
    assert result.check("key_binding").code == "key_binding.embedded_key"
    assert verify_proof(token, None, now=NOW).codes == ["key_binding.untrusted_embedded_key"]
    assert run(token, offline=True, trust_embedded_keys=True)[0] == 0


def test_kid_and_jwk_that_disagree() -> None:
    from mcbadge.proofs import verify_proof

    header = {"alg": "EdDSA", "kid": ISSUER_KEY.vm, "jwk": _jwk(ATTACKER_KEY)}
    for signer in (ISSUER_KEY, ATTACKER_KEY):
        token = sign_jwt(_payload(), signer, header)
        code, result = run(token, offline=True)
        assert code == 1
        assert result.check("key_binding").code == "key_binding.jwk_mismatch"
        assert verify_proof(token, None, now=NOW).codes == ["key_binding.jwk_mismatch"]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        pytest.param({"use": "enc"}, "jwt.bad_jwk", id="use-enc"),
        pytest.param({"key_ops": ["encrypt"]}, "jwt.bad_jwk", id="key-ops-without-verify"),
        pytest.param({"use": 1}, "key_resolution.bad_jwk", id="use-not-a-string"),
        pytest.param({"alg": "ES256"}, "key_resolution.jwk_alg_mismatch", id="alg-of-another-key"),
        pytest.param({"d": "AAAA"}, "jwt.bad_jwk", id="private-key"),
    ],
)
def test_jwk_header_that_is_not_a_public_signature_key(extra: dict[str, Any], code: str) -> None:
    from mcbadge.proofs import verify_proof

    token = sign_jwt(_payload(), ISSUER_KEY, {"alg": "EdDSA", "jwk": _jwk(ISSUER_KEY, **extra)})
    code_out, result = run(token, offline=True)
    assert code_out == 1
    assert result.check(code.split(".")[0]).code == code
    assert verify_proof(token, None, now=NOW).codes == [code]


@pytest.mark.parametrize("name", ["ed25519-did-key", "p256-did-jwk"])
def test_openbadgeslib_credentials_verify(name: str) -> None:
    # VC-JWTs issued by openbadgeslib 4.6.3 (tests/interop/openbadgeslib/README.md): the
    # issuer's key is in the header as jwk. Refused before issue #16.
    from mcbadge.proofs import verify_proof

    token = (INTEROP / f"{name}.jwt").read_text().strip()
    code, result = run(token, offline=True)
    assert code == 0, result.failed_checks
    assert result.check("key_binding").status == "passed"
    assert verify_proof(token, None, now=NOW).codes == []
    # and the same token with a payload byte changed still fails the signature
    head, body, signature = token.split(".")
    payload = json.loads(_b64url_decode(body))
    payload["name"] = "PhD"
    forged = f"{head}.{b64url(json.dumps(payload).encode())}.{signature}"
    assert run(forged, offline=True)[1].failed_checks == ["signature"]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"jku": "https://evil.example/jwks.json"}, "jwt.header_param"),
        ({"x5u": "https://evil.example/cert.pem"}, "jwt.header_param"),
        ({"crit": ["b64"], "b64": False}, "jwt.crit"),
        ({"typ": "JOSE"}, "jwt.typ"),
    ],
)
def test_forbidden_header_parameters(extra: dict[str, Any], code: str) -> None:
    token = sign_jwt(_payload(), ISSUER_KEY, {"alg": "EdDSA", "kid": ISSUER_KEY.vm, **extra})
    code_out, result = run(token, offline=True)
    assert code_out == 1
    assert result.check("jwt").code == code


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"iss": "did:example:someone-else"}, "jwt_claims.iss_mismatch"),
        ({"sub": "did:example:mallory"}, "jwt_claims.sub_mismatch"),
        ({"jti": "urn:uuid:another"}, "jwt_claims.jti_mismatch"),
        ({"nbf": 1_700_000_000}, "jwt_claims.nbf_mismatch"),
        ({"exp": 1_700_000_000}, "jwt_claims.exp_mismatch"),
        ({"nbf": "soon"}, "jwt_claims.bad_nbf"),
    ],
)
def test_claim_mismatch(claims: dict[str, Any], code: str) -> None:
    code_out, result = run(sign_jwt(_payload(**claims), ISSUER_KEY), offline=True)
    assert code_out == 1
    assert result.check("jwt_claims").code == code


@pytest.mark.parametrize("key", [ISSUER_KEY, P256_KEY], ids=["EdDSA", "ES256"])
def test_tampered_jwt_payload(key: Any) -> None:
    token = sign_jwt(jwt_payload(make_credential(key)), key)
    head, _, signature = token.split(".")
    forged = jwt_payload(make_credential(key))
    forged["credentialSubject"]["achievement"]["name"] = "PhD"
    code, result = run(f"{head}.{b64url(json.dumps(forged).encode())}.{signature}", offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_es256_der_signature_is_rejected() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    payload = jwt_payload(make_credential(P256_KEY))
    header = {"alg": "ES256", "kid": P256_KEY.vm}
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    der = P256_KEY.private.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    code, result = run(f"{head}.{body}.{b64url(der)}", offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]  # DER is not the raw r||s JOSE encoding


def test_jwt_signature_with_padding_is_rejected() -> None:
    token = sign_jwt(_payload(), ISSUER_KEY) + "=="
    code, result = run(token, offline=True)
    assert code == 1
    assert result.failed_checks in (["input"], ["jwt"], ["signature"])


def test_attacker_key_jwt() -> None:
    code, result = run(sign_jwt(_payload(), ATTACKER_KEY), offline=True)
    assert code == 1
    assert result.check("key_binding").code == "key_binding.not_issuer_key"


def test_vcdm_1_1_jwt_with_vc_claim_verifies_and_expires() -> None:
    credential = make_credential(v1=True, expirationDate="2026-03-01T00:00:00Z")
    code, result = run(sign_jwt(jwt_payload(credential), ISSUER_KEY), offline=True)
    assert code == 1
    assert "validity" in result.failed_checks
    assert result.check("jwt_claims").code == "jwt_claims.expired"


# --- JOSE header members and registered claims of the wrong JSON type (issue #16) -------------
HEADER_CODES = {
    "alg": "jwt.bad_alg",
    "kid": "jwt.bad_kid",
    "jwk": "jwt.bad_jwk",
    "typ": "jwt.bad_typ",
    "cty": "jwt.bad_cty",
    "crit": "jwt.bad_crit",
}
CLAIM_CODES = {
    "iss": "jwt_claims.bad_iss",
    "sub": "jwt_claims.bad_sub",
    "jti": "jwt_claims.bad_jti",
    "aud": "jwt_claims.bad_aud",
    "nbf": "jwt_claims.bad_nbf",
    "exp": "jwt_claims.bad_exp",
    "iat": "jwt_claims.bad_iat",
}
# numbers within what strict JSON input accepts (integers beyond 64 bits, NaN and Infinity are
# refused before any member is read, as jwt.malformed)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(""),
)
_ANY = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=4), _SCALARS, max_size=2),
)


def _wrong(name: str) -> st.SearchStrategy[Any]:
    if name == "jwk":  # any non-object
        return st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3))
    if name in ("nbf", "exp", "iat"):  # anything but a number
        return _ANY.filter(lambda v: isinstance(v, bool) or not isinstance(v, int | float))
    if name in ("crit", "aud"):  # not a non-empty array of non-empty strings (aud: nor a string)
        return _ANY.filter(
            lambda v: not (isinstance(v, list) and v and all(isinstance(x, str) and x for x in v))
        )
    return _ANY


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_jwt_member_of_the_wrong_type_fails_with_its_own_code(data: st.DataObject) -> None:
    from mcbadge.proofs import verify_proof

    name = data.draw(st.sampled_from(sorted({**HEADER_CODES, **CLAIM_CODES})))
    value = data.draw(_wrong(name))
    header: dict[str, Any] = {"alg": "EdDSA", "kid": ISSUER_KEY.vm}
    payload = _payload()
    if name in HEADER_CODES:
        header[name] = value
        expected = HEADER_CODES[name]
    else:
        payload[name] = value
        expected = CLAIM_CODES[name]
    token = sign_jwt(payload, ISSUER_KEY, header)
    code, result = run(token, offline=True)
    assert code == 1
    assert not [c.code for c in result.checks if c.code.endswith("internal_error")]
    assert result.check(expected.split(".")[0]).code == expected
    assert verify_proof(token, None, now=NOW).codes == [expected]


# --- rules enforced by the verifier AND by verify_proof: each copy tested on its own -----------
def _proof_layer_says_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verifier with a proof layer that verifies everything: only its own rules remain."""
    import mcbadge.verify.checks_proof as checks_proof
    from mcbadge.proofs import ProofResult

    monkeypatch.setattr(checks_proof, "verify_proof", lambda *a, **k: ProofResult(True, "jwt"))


def _expired_jwt() -> str:
    credential = make_credential(validUntil="2026-03-01T00:00:00Z")
    return sign_jwt(jwt_payload(credential), ISSUER_KEY)


def _jwt_without_iss() -> str:
    payload = _payload()
    del payload["iss"]
    return sign_jwt(payload, ISSUER_KEY)


def test_jwt_exp_refused_by_verify_proof() -> None:
    from datetime import UTC, datetime

    from mcbadge.proofs import verify_proof

    assert verify_proof(_expired_jwt(), None, now=NOW).codes == ["jwt_claims.expired"]
    earlier = datetime(2026, 2, 1, tzinfo=UTC)
    assert verify_proof(_expired_jwt(), None, now=earlier).codes == []


def test_jwt_exp_refused_by_the_verifier_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    _proof_layer_says_yes(monkeypatch)
    code, result = run(_expired_jwt(), offline=True)
    assert code == 1
    assert result.check("jwt_claims").code == "jwt_claims.expired"


def test_missing_iss_refused_by_verify_proof() -> None:
    from mcbadge.proofs import verify_proof

    assert verify_proof(_jwt_without_iss(), None, now=NOW).codes == ["jwt_claims.missing_iss"]


def test_missing_iss_refused_by_the_verifier_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    _proof_layer_says_yes(monkeypatch)
    code, result = run(_jwt_without_iss(), offline=True)
    assert code == 1
    assert result.check("jwt_claims").code == "jwt_claims.missing_iss"


@pytest.mark.parametrize("typ", ["JWT", "vc+jwt", "vc+ld+jwt", "vc+ld+json+jwt"])
def test_typ_values_accepted_by_both_layers_alike(typ: str) -> None:
    # the verifier and verify_proof each kept their own list, and the lists differed
    from mcbadge.proofs import verify_proof

    token = sign_jwt(_payload(), ISSUER_KEY, {"alg": "EdDSA", "kid": ISSUER_KEY.vm, "typ": typ})
    assert verify_proof(token, None, now=NOW).codes == []
    assert run(token, offline=True)[0] == 0
