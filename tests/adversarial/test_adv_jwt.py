"""Hostile VC-JWTs: each case names the check it fails."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from _helpers import ISSUER_KEY, make_credential, run
from _signer import b64url, jwt_payload, p256_key, sign_jwt

from mcbadge.multibase import b58decode

P256_KEY = p256_key(2)


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


def test_embedded_jwk_is_not_trusted_by_default() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(b58decode(ISSUER_KEY.multikey[1:])[2:])}
    token = sign_jwt(_payload(), ISSUER_KEY, {"alg": "EdDSA", "jwk": jwk})
    code, result = run(token, offline=True)
    assert code == 1
    assert result.check("key_binding").code == "key_binding.embedded_key"
    assert run(token, offline=True, trust_embedded_keys=True)[0] == 0


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
    from _helpers import ATTACKER_KEY

    code, result = run(sign_jwt(_payload(), ATTACKER_KEY), offline=True)
    assert code == 1
    assert result.check("key_binding").code == "key_binding.not_issuer_key"


def test_vcdm_1_1_jwt_with_vc_claim_verifies_and_expires() -> None:
    credential = make_credential(v1=True, expirationDate="2026-03-01T00:00:00Z")
    code, result = run(sign_jwt(jwt_payload(credential), ISSUER_KEY), offline=True)
    assert code == 1
    assert "validity" in result.failed_checks
    assert result.check("jwt_claims").code == "jwt_claims.expired"
