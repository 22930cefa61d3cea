"""VC-JWT: the algorithm comes from the key; hostile headers and mismatched claims are refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from mcbadge.did import OfflineResolver, did_for_key, did_jwk
from mcbadge.keys import Key, generate_key
from mcbadge.multibase import b64url_decode, b64url_encode
from mcbadge.proofs import sign, verify_proof
from mcbadge.proofs.jwt import sign_jwt

RSA = generate_key("rsa")
ED = generate_key("ed25519")


def cred(issuer: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Academy"},
        "validFrom": "2024-01-01T00:00:00Z",
        "validUntil": "2099-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:t1", "type": ["AchievementSubject"]},
    }
    doc.update(extra)
    return doc


def token_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), s


def build(
    header: dict[str, Any], payload: dict[str, Any], key: Key | None = None, sig: bytes = b""
) -> str:
    head = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(payload).encode())
    if key is not None:
        sig = key.sign(f"{head}.{body}".encode())
    return f"{head}.{body}.{b64url_encode(sig) if sig else 'AA'}"


def codes(token: str, **kw: Any) -> list[str]:
    return verify_proof(token, OfflineResolver(), **kw).codes


@pytest.fixture
def good() -> str:
    token = sign(cred(did_for_key(RSA)), RSA, format="jwt").jwt
    assert token is not None
    return token


def test_good_token_verifies(good: str) -> None:
    assert codes(good) == []
    header, payload, _ = token_parts(good)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": did_jwk(RSA) + "#0"}
    assert payload["iss"] == did_for_key(RSA)
    assert payload["jti"] == "urn:uuid:1"
    assert payload["sub"] == "did:example:t1"
    assert payload["nbf"] == 1704067200


def test_alg_none(good: str) -> None:
    header, payload, _ = token_parts(good)
    assert codes(build(dict(header, alg="none"), payload)) == ["jwt.alg_none"]


def test_hs256_with_public_key_as_secret(good: str) -> None:
    header, payload, _ = token_parts(good)
    header = dict(header, alg="HS256")
    head = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(payload).encode())
    secret = json.dumps(RSA.public_jwk()).encode()
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert codes(f"{head}.{body}.{b64url_encode(mac)}") == ["jwt.alg_hmac"]


def test_alg_key_type_mismatch(good: str) -> None:
    header, payload, _ = token_parts(good)
    assert codes(build(dict(header, alg="ES256"), payload, RSA)) == ["jwt.alg_mismatch"]
    assert codes(build(dict(header, alg="PS256"), payload, RSA)) == ["jwt.alg_unsupported"]


def test_embedded_attacker_jwk(good: str) -> None:
    attacker = generate_key("rsa")
    header, payload, _ = token_parts(good)
    # attacker's jwk and no kid: refused, even though the signature is valid (the issuer is
    # a did:jwk, and this is not its key)
    forged = build({"alg": "RS256", "typ": "JWT", "jwk": attacker.public_jwk()}, payload, attacker)
    assert codes(forged) == ["key_binding.jwk_not_issuer_key"]
    # attacker's jwk next to the issuer's kid
    forged = build(dict(header, jwk=attacker.public_jwk()), payload, attacker)
    assert codes(forged) == ["key_binding.jwk_mismatch"]
    # the issuer's own key embedded (issuer is its did:jwk): accepted
    own = build({"alg": "RS256", "typ": "JWT", "jwk": RSA.public_jwk()}, payload, RSA)
    assert codes(own) == []


@pytest.mark.parametrize("name", ["jku", "x5u", "x5c"])
def test_remote_key_headers_refused(good: str, name: str) -> None:
    header, payload, _ = token_parts(good)
    token = build(dict(header, **{name: "https://attacker.example/k"}), payload, RSA)
    assert codes(token) == ["jwt.header_forbidden"]


def test_crit_refused(good: str) -> None:
    header, payload, _ = token_parts(good)
    token = build(dict(header, crit=["exp"], exp=1), payload, RSA)
    assert codes(token) == ["jwt.crit_unsupported"]


def test_jwe_and_malformed(good: str) -> None:
    assert codes("a.b.c.d.e") == ["jwt.jwe_unsupported"]
    assert codes("a.b") == ["jwt.malformed"]
    head, body, sig = good.split(".")
    assert codes(f"{head}=.{body}.{sig}") == ["jwt.bad_base64url"]


def test_duplicate_header_keys_refused(good: str) -> None:
    _, body, _ = good.split(".")
    head = b64url_encode(b'{"alg":"RS256","alg":"none","typ":"JWT"}')
    assert codes(f"{head}.{body}.AA") == ["jwt.bad_header"]


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "did:example:other"),
        ("jti", "urn:uuid:2"),
        ("sub", "did:example:t2"),
        ("nbf", 1),
        ("exp", 4102444800 + 5),
    ],
)
def test_claim_mismatches(good: str, claim: str, value: Any) -> None:
    header, payload, _ = token_parts(good)
    payload[claim] = value
    assert codes(build(header, payload, RSA)) == [f"jwt_claims.{claim}_mismatch"]


def test_missing_nbf_warns_present_nbf_must_match(good: str) -> None:
    header, payload, _ = token_parts(good)
    del payload["nbf"]
    result = verify_proof(build(header, payload, RSA), OfflineResolver())
    assert result.verified
    assert "jwt_claims.nbf_missing" in [w.code for w in result.all_warnings]


def test_expired_and_not_yet_valid() -> None:
    c = cred(did_for_key(RSA), validUntil="2024-06-01T00:00:00Z")
    expired = sign_jwt(c, RSA, verification_method=did_jwk(RSA) + "#0")
    assert codes(expired) == ["jwt_claims.expired"]
    c = cred(did_for_key(RSA), validFrom="2098-01-01T00:00:00Z")
    future = sign_jwt(c, RSA, verification_method=did_jwk(RSA) + "#0")
    assert codes(future) == ["jwt_claims.not_yet_valid"]


def test_vcdm11_form() -> None:
    c = cred(did_for_key(ED))
    c["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    del c["validFrom"], c["validUntil"]
    c["issuanceDate"] = "2024-01-01T00:00:00Z"
    token = sign(c, ED, format="jwt").jwt
    assert token is not None
    header, payload, _ = token_parts(token)
    assert header["alg"] == "EdDSA"
    assert payload["vc"]["id"] == "urn:uuid:1"
    assert payload["nbf"] == 1704067200
    assert codes(token) == []


def test_signature_tamper(good: str) -> None:
    head, body, sig = good.split(".")
    raw = bytearray(b64url_decode(sig))
    raw[0] ^= 1
    assert codes(f"{head}.{body}.{b64url_encode(bytes(raw))}") == ["signature.invalid"]


def test_header_jwk_of_a_did_jwk_issuer_is_compared_as_key_material() -> None:
    # The issuer's did:jwk was written by another tool (sorted members, plus "use"): the
    # header's jwk is the same key in another JSON text. Refused before #16 (DID text compared).
    jwk = {**RSA.public_jwk(), "use": "sig"}
    did = "did:jwk:" + b64url_encode(json.dumps(jwk, sort_keys=True).encode())
    payload = dict(cred(did), iss=did, jti="urn:uuid:1", sub="did:example:t1")
    header = {"alg": "RS256", "jwk": dict(reversed(list(RSA.public_jwk().items())))}
    assert codes(build(header, payload, RSA)) == []
    # another RSA key in the header, the same did:jwk issuer: refused
    other = generate_key("rsa")
    forged = build({"alg": "RS256", "jwk": other.public_jwk()}, payload, other)
    assert codes(forged) == ["key_binding.jwk_not_issuer_key"]


def test_header_jwk_of_an_issuer_whose_did_jwk_is_for_encryption() -> None:
    jwk = {**RSA.public_jwk(), "use": "enc"}
    did = "did:jwk:" + b64url_encode(json.dumps(jwk).encode())
    payload = dict(cred(did), iss=did, jti="urn:uuid:1", sub="did:example:t1")
    token = build({"alg": "RS256", "jwk": RSA.public_jwk()}, payload, RSA)
    assert codes(token) == ["key_resolution.not_signing_key"]


def test_missing_iss_has_its_own_code(good: str) -> None:
    header, payload, _ = token_parts(good)
    del payload["iss"]
    assert codes(build(header, payload, RSA)) == ["jwt_claims.missing_iss"]
