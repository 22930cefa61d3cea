"""The verifier's built-in proof checker (used when mcbadge.proofs is not installed) keeps the
same rules: valid proofs verify; tampering, malleable Ed25519, DER ECDSA, undefined terms fail."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "adversarial"))

from _helpers import ISSUER_KEY, make_credential, run
from _signer import b58encode, jwt_payload, p256_key, sign_di, sign_jwt
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from mcbadge.verify._fallback_keys import b58decode, did_web_url

L = 2**252 + 27742317777372353535851937790883648493


@pytest.fixture(autouse=True)
def _no_proof_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mcbadge.proofs", None)  # import now raises ImportError


def _resign(document: dict[str, Any], raw: bytes) -> dict[str, Any]:
    document["proof"][0]["proofValue"] = "z" + b58encode(raw)
    return document


def test_valid_proofs_verify() -> None:
    p256 = p256_key(3)
    assert run(sign_di(make_credential(), ISSUER_KEY), offline=True)[0] == 0
    assert run(sign_di(make_credential(p256), p256), offline=True)[0] == 0
    assert run(sign_jwt(jwt_payload(make_credential()), ISSUER_KEY), offline=True)[0] == 0


def test_tampering_fails() -> None:
    document = sign_di(make_credential(), ISSUER_KEY)
    document["name"] = "Other"
    assert run(document, offline=True)[1].failed_checks == ["signature"]


def test_malleable_ed25519_signature() -> None:
    document = sign_di(make_credential(), ISSUER_KEY)
    raw = b58decode(document["proof"][0]["proofValue"][1:])
    bigger = (int.from_bytes(raw[32:], "little") + L).to_bytes(32, "little")
    result = run(_resign(document, raw[:32] + bigger), offline=True)[1]
    assert result.check("signature").code == "signature.malleable"


def test_der_ecdsa_signature() -> None:
    key = p256_key(4)
    document = sign_di(make_credential(key), key)
    raw = b58decode(document["proof"][0]["proofValue"][1:])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    assert run(_resign(document, der), offline=True)[1].check("signature").code == (
        "signature.bad_encoding"
    )


def test_undefined_term() -> None:
    document = make_credential()
    document["credentialSubject"]["favouriteColour"] = "teal"
    result = run(sign_di(document, ISSUER_KEY), offline=True)[1]
    assert result.check("data_loss").code == "data_loss.undefined_term"


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:academy.example", "https://academy.example/.well-known/did.json"),
        (
            "did:web:academy.example%3A8443:issuers:7",
            "https://academy.example:8443/issuers/7/did.json",
        ),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url
