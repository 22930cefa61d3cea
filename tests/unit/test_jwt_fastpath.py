"""The VC-JWT fast path keeps every verdict: the header cache, strict JSON read from bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcbadge._json import loads_strict
from mcbadge.did import OfflineResolver, did_for_key
from mcbadge.errors import InputError, MCBadgeError
from mcbadge.keys import generate_key
from mcbadge.multibase import b64url_encode
from mcbadge.proofs import jwt as jwt_module
from mcbadge.proofs import sign, verify_proof
from mcbadge.proofs.jwt import decode_jwt


def _token() -> str:
    key = generate_key("ed25519")
    did = did_for_key(key)
    credential: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    return sign(credential, key, format="jwt").jwt or ""


def _with_header(token: str, header: Any) -> str:
    raw = json.dumps(header, separators=(",", ":")).encode()
    return b64url_encode(raw) + "." + token.split(".", 1)[1]


def test_cached_header_is_a_fresh_dict_each_time() -> None:
    token = _token()
    first = decode_jwt(token)[0]
    first["alg"] = "none"
    first["jku"] = "https://attacker.example/keys"
    second = decode_jwt(token)[0]
    assert second["alg"] == "EdDSA"
    assert "jku" not in second
    assert verify_proof(token, OfflineResolver()).verified
    assert verify_proof(token, OfflineResolver()).verified


@pytest.mark.parametrize(
    ("header_change", "code"),
    [
        ({"alg": "none"}, "jwt.alg_none"),
        ({"alg": "HS256"}, "jwt.alg_hmac"),
        ({"crit": ["x"]}, "jwt.crit_unsupported"),
        ({"jku": "https://attacker.example/k"}, "jwt.header_forbidden"),
        ({"typ": "JOSE"}, "jwt.bad_typ"),
    ],
)
def test_refused_headers_stay_refused_when_seen_again(
    header_change: dict[str, Any], code: str
) -> None:
    token = _token()
    header = dict(decode_jwt(token)[0], **header_change)
    bad = _with_header(token, header)
    for _ in range(3):
        result = verify_proof(bad, OfflineResolver())
        assert not result.verified
        assert code in result.codes


def test_header_with_duplicate_keys_is_refused_every_time() -> None:
    token = _token()
    kid = decode_jwt(token)[0]["kid"]
    text = '{"alg":"EdDSA","alg":"none","kid":' + json.dumps(kid) + "}"
    bad = b64url_encode(text.encode()) + "." + token.split(".", 1)[1]
    for _ in range(2):
        with pytest.raises(MCBadgeError) as info:
            decode_jwt(bad)
        assert info.value.code == "jwt.bad_header"


def test_nested_headers_are_not_cached() -> None:
    token = _token()
    key = generate_key("ed25519")
    header = dict(decode_jwt(token)[0], jwk=key.public_jwk())
    bad = _with_header(token, header)
    jwt_module._HEADER_CACHE.clear()
    decode_jwt(bad)
    assert not jwt_module._HEADER_CACHE
    result = verify_proof(bad, OfflineResolver())
    assert not result.verified
    assert "key_binding.jwk_mismatch" in result.codes


def test_header_cache_is_bounded() -> None:
    token = _token()
    header = decode_jwt(token)[0]
    for i in range(jwt_module._HEADER_CACHE_MAX + 10):
        decode_jwt(_with_header(token, dict(header, kid=f"{header['kid']}{i}")))
        assert len(jwt_module._HEADER_CACHE) <= jwt_module._HEADER_CACHE_MAX


@pytest.mark.parametrize("as_bytes", [True, False])
def test_depth_is_checked_from_bytes_and_text(as_bytes: bool) -> None:
    for text in (
        "[" * 65 + "]" * 65,  # deeper than 64, under the pre-scan threshold
        "[" * 600 + "]" * 600,  # pre-scanned
        '{"a":' * 70 + "1" + "}" * 70,
    ):
        data: bytes | str = text.encode() if as_bytes else text
        with pytest.raises(InputError) as info:
            loads_strict(data)
        assert info.value.code == "input.too_deep"
    ok = "[" * 64 + "]" * 64
    assert loads_strict(ok.encode() if as_bytes else ok) is not None
    # brackets inside strings count as openers but never as depth
    wide = json.dumps({"s": "[" * 1000})
    assert loads_strict(wide.encode() if as_bytes else wide) == {"s": "[" * 1000}
