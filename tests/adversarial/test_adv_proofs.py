"""Tampering with signed credentials, under every proof format: each case names its check."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, make_credential, run
from _signer import b58encode, b64url, jwt_payload, p256_key, sign_di, sign_jwt
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from mcbadge.multibase import b58decode

P256_KEY = p256_key(1)
L = 2**252 + 27742317777372353535851937790883648493


def eddsa() -> dict[str, Any]:
    return sign_di(make_credential(), ISSUER_KEY)


def ecdsa() -> dict[str, Any]:
    return sign_di(make_credential(P256_KEY), P256_KEY)


def _proof_bytes(document: dict[str, Any]) -> bytes:
    return b58decode(document["proof"][0]["proofValue"][1:])


def _set_proof_bytes(document: dict[str, Any], raw: bytes) -> dict[str, Any]:
    document["proof"][0]["proofValue"] = "z" + b58encode(raw)
    return document


def test_fresh_credentials_verify() -> None:
    for document in (eddsa(), ecdsa()):
        assert run(document, offline=True)[0] == 0
    for key in (ISSUER_KEY, P256_KEY):
        assert run(sign_jwt(jwt_payload(make_credential(key)), key), offline=True)[0] == 0


@pytest.mark.parametrize("factory", [eddsa, ecdsa], ids=["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda d: d["credentialSubject"]["achievement"].update(name="PhD"),
            id="achievement-name",
        ),
        pytest.param(
            lambda d: d["credentialSubject"].update(id="did:example:mallory"), id="recipient"
        ),
        pytest.param(lambda d: d.update(validFrom="2025-01-01T00:00:00Z"), id="validFrom"),
        pytest.param(lambda d: d["issuer"].update(name="Harvard"), id="issuer-name"),
        pytest.param(
            lambda d: d["proof"][0].update(created="2026-01-02T00:00:00Z"), id="proof-created"
        ),
    ],
)
def test_tampered_content_fails_the_signature(factory: Any, tamper: Any) -> None:
    document = factory()
    tamper(document)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


@pytest.mark.parametrize("factory", [eddsa, ecdsa], ids=["eddsa", "ecdsa"])
@pytest.mark.parametrize("bit", [0, 100, 511])
def test_proof_value_bit_flip(factory: Any, bit: int) -> None:
    document = factory()
    raw = bytearray(_proof_bytes(document))
    raw[bit // 8] ^= 1 << (bit % 8)
    code, result = run(_set_proof_bytes(document, bytes(raw)), offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda raw: "u" + b64url(raw), id="base64url-multibase"),
        pytest.param(lambda raw: b58encode(raw), id="no-multibase-prefix"),
        pytest.param(lambda raw: "z" + b58encode(raw[:40]), id="truncated"),
        pytest.param(lambda raw: "z" + b58encode(raw) + "0OIl", id="bad-base58-characters"),
    ],
)
def test_proof_value_wrong_encoding(encode: Any) -> None:
    document = eddsa()
    document["proof"][0]["proofValue"] = encode(_proof_bytes(document))
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_ecdsa_der_signature_is_rejected() -> None:
    document = ecdsa()
    raw = _proof_bytes(document)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    code, result = run(_set_proof_bytes(document, der), offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]  # DER is not the raw r||s encoding


def test_ecdsa_zero_signature_is_rejected() -> None:
    code, result = run(_set_proof_bytes(ecdsa(), b"\0" * 64), offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_ed25519_s_plus_l_malleability_is_rejected() -> None:
    document = eddsa()
    raw = _proof_bytes(document)
    s = int.from_bytes(raw[32:], "little") + L
    assert s < 2**256
    code, result = run(
        _set_proof_bytes(document, raw[:32] + s.to_bytes(32, "little")), offline=True
    )
    assert code == 1
    assert result.failed_checks == ["signature"]  # S >= L must be rejected, never accepted


@pytest.mark.parametrize(
    ("change", "check_id"),
    [
        pytest.param({"type": "Ed25519Signature2018"}, "proof", id="unknown-proof-type"),
        # the typed model already requires a proof type
        pytest.param({"type": None}, "data_model+proof", id="missing-proof-type"),
        pytest.param({"cryptosuite": "eddsa-jcs-2022"}, "cryptosuite", id="unknown-cryptosuite"),
        pytest.param({"cryptosuite": "ecdsa-rdfc-2019"}, "cryptosuite", id="cryptosuite-swap"),
        pytest.param({"cryptosuite": None}, "cryptosuite", id="missing-cryptosuite"),
    ],
)
def test_proof_type_and_suite(change: dict[str, Any], check_id: str) -> None:
    document = eddsa()
    for key, value in change.items():
        if value is None:
            del document["proof"][0][key]
        else:
            document["proof"][0][key] = value
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == check_id.split("+")


def _ed25519_2020() -> dict[str, Any]:
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign

    key = generate_key("ed25519")
    credential = make_credential()
    credential["issuer"]["id"] = did_for_key(key)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return sign(credential, key, format="ed25519-2020", created=created).document


def test_tampered_ed25519_signature_2020_fails_the_signature() -> None:
    document = _ed25519_2020()
    assert run(document, offline=True)[0] == 0
    document["credentialSubject"]["achievement"]["name"] = "PhD"
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_ed25519_signature_2020_without_its_context() -> None:
    document = _ed25519_2020()
    document["@context"] = document["@context"][:2]
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["context"]
    assert result.check("context").code == "context.missing_suite_context"


def test_missing_proof() -> None:
    code, result = run(make_credential(), offline=True)
    assert code == 1
    assert result.failed_checks == ["proof"]


@pytest.mark.parametrize("purpose", ["authentication", "capabilityInvocation", None])
def test_wrong_proof_purpose_even_when_signed(purpose: str | None) -> None:
    document = sign_di(make_credential(), ISSUER_KEY, proofPurpose=purpose)
    if purpose is None:
        del document["proof"][0]["proofPurpose"]
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["proof_purpose"]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"created": "2026-12-01T00:00:00Z"}, "proof_time.created_in_future"),
        ({"expires": "2026-03-01T00:00:00Z"}, "proof_time.expired"),
        ({"created": "2026-01-01T00:00:00"}, "proof_time.bad_datetime"),
    ],
)
def test_proof_times(options: dict[str, str], code: str) -> None:
    code_out, result = run(sign_di(make_credential(), ISSUER_KEY, **options), offline=True)
    assert code_out == 1
    assert result.failed_checks == ["proof_time"]
    assert result.check("proof_time").code == code


def test_attacker_key_with_valid_signature_fails_key_binding() -> None:
    # The attacker signs correctly, with their own key, a credential naming our issuer.
    document = sign_di(make_credential(ISSUER_KEY), ATTACKER_KEY)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["key_binding"]
    assert result.check("key_binding").code == "key_binding.not_issuer_key"


def test_attacker_names_issuer_key_but_signs_with_own() -> None:
    document = sign_di(make_credential(ISSUER_KEY), ATTACKER_KEY, vm=ISSUER_KEY.vm)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_untrusted_issuer_allow_list() -> None:
    code, result = run(eddsa(), offline=True, trusted_issuers=frozenset({ATTACKER_KEY.did}))
    assert code == 1
    assert result.check("key_binding").code == "key_binding.untrusted_issuer"


def _did_web_document(relationship: str) -> dict[str, Any]:
    did = "did:web:academy.example"
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ISSUER_KEY.multikey,
            }
        ],
        relationship: [f"{did}#key-1"],
    }


def _did_web_credential() -> dict[str, Any]:
    did = "did:web:academy.example"
    credential = make_credential()
    credential["issuer"]["id"] = did
    return sign_di(credential, ISSUER_KEY, vm=f"{did}#key-1")


def test_did_web_key_under_assertion_method_verifies() -> None:
    documents = {"did:web:academy.example": _did_web_document("assertionMethod")}
    assert run(_did_web_credential(), offline=True, did_documents=documents)[0] == 0


def test_did_web_key_not_under_assertion_method() -> None:
    documents = {"did:web:academy.example": _did_web_document("authentication")}
    code, result = run(_did_web_credential(), offline=True, did_documents=documents)
    assert code == 1
    assert result.failed_checks == ["key_binding"]
    assert result.check("key_binding").code == "key_binding.not_assertion_method"


def test_did_web_unresolvable_offline_is_indeterminate() -> None:
    code, result = run(_did_web_credential(), offline=True)
    assert code == 2
    assert result.failed_checks == ["key_resolution"]
    assert result.indeterminate


def test_spec_https_verification_method_needs_trust_embedded_keys(reference: Any) -> None:
    path = reference / "examples/ob3/spec-rendered/06-sample-openbadgecredential/signed-di.json"
    document = json.loads(path.read_text())
    assert run(copy.deepcopy(document), offline=True)[1].failed_checks == ["key_binding"]
    assert run(document, offline=True, trust_embedded_keys=True)[0] == 0
