"""sign() / verify_proof(): every format round-trips; binding, purpose, time and set rules."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcbadge.did import OfflineResolver, build_did_web_document, did_for_key
from mcbadge.errors import MCBadgeError
from mcbadge.keys import Key, generate_key
from mcbadge.proofs import SignedCredential, sign, verify_proof

FORMAT_KEYS = {"eddsa-rdfc-2022": "ed25519", "ecdsa-rdfc-2019": "p256", "ed25519-2020": "ed25519"}
KEYS = {kind: generate_key(kind) for kind in ("ed25519", "p256", "rsa")}  # type: ignore[arg-type]


def credential(issuer: str, v1: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1"
            if v1
            else "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2d5e4b0a-4bd5-4a43-8d0a-3b1b1b4b1b1b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Teacher Academy"},
        "name": "CS Pedagogy I",
        "credentialSubject": {
            "id": "did:example:teacher1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/cs1",
                "type": ["Achievement"],
                "name": "CS Pedagogy I",
                "description": "Teaching introductory programming.",
                "criteria": {"narrative": "Completed the course."},
            },
        },
    }
    if v1:
        doc["issuanceDate"] = "2024-01-01T00:00:00Z"
    else:
        doc["validFrom"] = "2024-01-01T00:00:00Z"
    return doc


@pytest.mark.parametrize("fmt", [*FORMAT_KEYS, "jwt"])
@pytest.mark.parametrize("v1", [False, True])
def test_round_trip(fmt: str, v1: bool) -> None:
    key = KEYS[FORMAT_KEYS.get(fmt, "rsa")]
    signed = sign(credential(did_for_key(key), v1), key, format=fmt)  # type: ignore[arg-type]
    assert isinstance(signed, SignedCredential)
    target: Any = signed.jwt if fmt == "jwt" else signed.document
    result = verify_proof(target, OfflineResolver())
    assert result.verified, result.codes
    assert result.format == fmt
    assert result.proofs[0].controller == did_for_key(key)
    assert verify_proof(signed.to_text(), OfflineResolver()).verified


@pytest.mark.parametrize("fmt", ["jwt"])
@pytest.mark.parametrize("kind", ["ed25519", "p256", "rsa"])
def test_jwt_every_key_type(fmt: str, kind: str) -> None:
    key = KEYS[kind]
    signed = sign(credential(did_for_key(key)), key, format="jwt")
    assert signed.jwt is not None
    assert verify_proof(signed.jwt, OfflineResolver()).verified


def test_issuer_must_be_key_did_or_named_method() -> None:
    key = KEYS["ed25519"]
    with pytest.raises(MCBadgeError) as info:
        sign(credential("https://example.edu/issuers/1"), key, format="eddsa-rdfc-2022")
    assert info.value.code == "key_binding.issuer_mismatch"
    with pytest.raises(MCBadgeError) as info:
        sign(
            credential("https://example.edu/issuers/1"),
            key,
            format="eddsa-rdfc-2022",
            verification_method="https://other.example/#k",
        )
    assert info.value.code == "key_binding.not_issuer_key"
    with pytest.raises(MCBadgeError) as info:
        sign(
            credential("https://example.edu/issuers/1"),
            KEYS["p256"],
            format="eddsa-rdfc-2022",
            verification_method="https://example.edu/issuers/1#k",
        )
    assert info.value.code == "cryptosuite.key_mismatch"


def test_url_issuer_with_preloaded_method() -> None:
    key = KEYS["ed25519"]
    issuer = "https://example.edu/issuers/1"
    vm_id = f"{issuer}#key-1"
    signed = sign(credential(issuer), key, format="eddsa-rdfc-2022", verification_method=vm_id)
    doc = {
        "id": issuer,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": key.public_multibase(),
            }
        ],
        "assertionMethod": [vm_id],
    }
    assert verify_proof(signed.document, OfflineResolver({issuer: doc})).verified
    doc_no_assert = dict(doc, assertionMethod=[])
    result = verify_proof(signed.document, OfflineResolver({issuer: doc_no_assert}))
    assert result.codes == ["key_binding.not_assertion_method"]


def test_did_web_issuer_binding() -> None:
    key, attacker = KEYS["ed25519"], generate_key()
    did_doc = build_did_web_document("example.edu", [key])
    issuer = did_doc["id"]
    vm = did_doc["assertionMethod"][0]
    signed = sign(credential(issuer), key, format="eddsa-rdfc-2022", verification_method=vm)
    assert verify_proof(signed.document, OfflineResolver({issuer: did_doc})).verified
    # an attacker's did:key signature over a did:web issuer's credential
    forged = sign(
        credential(issuer), attacker, format="eddsa-rdfc-2022", verification_method=vm
    )  # names the issuer's VM, signs with another key
    assert verify_proof(forged.document, OfflineResolver({issuer: did_doc})).codes == [
        "signature.invalid"
    ]
    doc = copy.deepcopy(signed.document)
    doc["proof"]["verificationMethod"] = f"{did_for_key(attacker)}#{attacker.public_multibase()}"
    assert verify_proof(doc, OfflineResolver({issuer: did_doc})).codes == [
        "key_binding.not_issuer_key"
    ]


def test_attacker_did_key_over_other_issuer() -> None:
    victim, attacker = KEYS["ed25519"], generate_key()
    doc = credential(did_for_key(victim))
    signed = sign(
        dict(doc, issuer=did_for_key(attacker)), attacker, format="eddsa-rdfc-2022"
    ).document
    signed["issuer"] = did_for_key(victim)
    assert verify_proof(signed, OfflineResolver()).codes[0].startswith("key_binding.")


def _signed(fmt: str = "eddsa-rdfc-2022", **kw: Any) -> dict[str, Any]:
    key = KEYS[FORMAT_KEYS[fmt]]
    return sign(credential(did_for_key(key)), key, format=fmt, **kw).document  # type: ignore[arg-type]


def test_purpose_time_and_suite_rules() -> None:
    now = datetime.now(UTC)
    doc = _signed(created=now + timedelta(days=1))
    assert verify_proof(doc, OfflineResolver(), now=now).codes == ["proof_time.created_in_future"]
    doc = _signed(created=now - timedelta(days=2), expires=now - timedelta(days=1))
    assert verify_proof(doc, OfflineResolver(), now=now).codes == ["proof_time.expired"]
    doc = _signed()
    doc["proof"]["proofPurpose"] = "authentication"
    assert verify_proof(doc, OfflineResolver()).codes == ["proof_purpose.mismatch"]
    doc = _signed()
    doc["proof"]["cryptosuite"] = "eddsa-jcs-2022"
    assert verify_proof(doc, OfflineResolver()).codes == ["cryptosuite.unsupported"]
    doc = _signed()
    doc["proof"]["created"] = "yesterday"
    assert verify_proof(doc, OfflineResolver()).codes == ["proof_time.bad_created"]


def test_legacy_cryptosuite_name_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcbadge.proofs import di
    from mcbadge.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022

    legacy = di.Suite("eddsa-rdfc-2022", "DataIntegrityProof", "eddsa-2022", "ed25519", None)
    key = KEYS["ed25519"]
    doc = di.sign_di(
        credential(did_for_key(key)),
        key,
        legacy,
        verification_method=f"{did_for_key(key)}#{key.public_multibase()}",
        created=datetime.now(UTC),
    )
    result = verify_proof(doc, OfflineResolver())
    assert result.verified, result.codes
    assert [w.code for w in result.all_warnings] == ["cryptosuite.legacy_name"]
    assert EDDSA_RDFC_2022.legacy_names == ("eddsa-2022",)


def test_proof_set_all_must_verify() -> None:
    ed, p256 = KEYS["ed25519"], KEYS["p256"]
    doc = _signed()
    both = sign(doc, ed, format="ed25519-2020").document
    assert len(both["proof"]) == 2
    result = verify_proof(both, OfflineResolver())
    assert result.verified
    assert result.proof_set_policy == "all"
    assert result.format == "mixed"
    # a second proof by a key that is not the issuer's makes the set fail
    foreign = copy.deepcopy(doc)
    foreign["issuer"]["id"] = did_for_key(p256)
    other = sign(foreign, p256, format="ecdsa-rdfc-2019").document["proof"]
    doc["proof"] = [doc["proof"], other]
    result = verify_proof(doc, OfflineResolver())
    assert not result.verified
    assert result.proofs[0].verified
    assert not result.proofs[1].verified


def test_never_raises_on_junk() -> None:
    for junk in ("", "{", "[]", "a.b.c", "{}", '{"proof": 3}', '{"proof": [1]}'):
        result = verify_proof(junk, OfflineResolver())
        assert not result.verified
        assert result.codes


def test_tampering_fails_each_suite() -> None:
    for fmt in FORMAT_KEYS:
        doc = _signed(fmt)
        doc["credentialSubject"]["achievement"]["name"] = "Forged"
        assert verify_proof(doc, OfflineResolver()).codes == ["signature.invalid"], fmt


def test_undefined_term_is_data_loss() -> None:
    key = KEYS["ed25519"]
    doc = credential(did_for_key(key))
    signed = sign(doc, key, format="eddsa-rdfc-2022").document
    doc["credentialSubject"]["favouriteColour"] = "green"
    with pytest.raises(MCBadgeError) as info:
        sign(doc, key, format="eddsa-rdfc-2022")
    assert info.value.code == "data_loss.undefined_term"
    signed["credentialSubject"]["favouriteColour"] = "green"
    assert verify_proof(signed, OfflineResolver()).codes == ["data_loss.undefined_term"]


def test_public_key_cannot_sign() -> None:
    key: Key = KEYS["ed25519"].public_key()
    with pytest.raises(MCBadgeError):
        sign(credential(did_for_key(key)), key, format="eddsa-rdfc-2022")


def test_did_web_document_fetched_through_resolve() -> None:
    """A verifier-side resolver whose resolve(did) fetches did:web documents is used when the
    offline lookup says the document is not available offline."""
    key = KEYS["ed25519"]
    did_doc = build_did_web_document("example.edu", [key])
    signed = sign(
        credential(did_doc["id"]),
        key,
        format="eddsa-rdfc-2022",
        verification_method=did_doc["assertionMethod"][0],
    )
    fetched: list[str] = []

    class Fetching(OfflineResolver):
        def resolve(self, did: str) -> dict[str, Any]:
            if did == did_doc["id"]:
                fetched.append(did)
                return did_doc
            return super().resolve(did)

    class OnlyOffline:
        def __init__(self) -> None:
            self.offline = OfflineResolver()

        def resolve_verification_method(self, vm_id: str) -> Any:
            return self.offline.resolve_verification_method(vm_id)

        def resolve(self, did: str) -> dict[str, Any]:
            fetched.append(did)
            return did_doc

    assert verify_proof(signed.document, Fetching()).verified
    assert verify_proof(signed.document, OnlyOffline()).verified
    assert fetched == [did_doc["id"]] * 2
    assert verify_proof(signed.document, OfflineResolver()).codes == ["key_resolution.offline"]


def test_ecdsa_proof_value_encodings_are_strict() -> None:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from mcbadge.multibase import multibase_decode, multibase_encode

    doc = _signed("ecdsa-rdfc-2019")
    raw = multibase_decode(doc["proof"]["proofValue"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    high_s = raw[:32] + (n - int.from_bytes(raw[32:], "big")).to_bytes(32, "big")
    cases = {
        der: "signature.bad_encoding",
        raw[:63]: "signature.bad_encoding",
        b"\0" * 32 + raw[32:]: "signature.out_of_range",
        raw[:32] + n.to_bytes(32, "big"): "signature.out_of_range",
    }
    for value, code in cases.items():
        bad = copy.deepcopy(doc)
        bad["proof"]["proofValue"] = multibase_encode(value)
        assert verify_proof(bad, OfflineResolver()).codes == [code]
    # (r, n - s) is the other valid ECDSA signature; P-256 proofs do not forbid it.
    other = copy.deepcopy(doc)
    other["proof"]["proofValue"] = multibase_encode(high_s)
    assert verify_proof(other, OfflineResolver()).verified
    bad = copy.deepcopy(doc)
    bad["proof"]["proofValue"] = "u" + doc["proof"]["proofValue"][1:]
    assert verify_proof(bad, OfflineResolver()).codes == ["signature.bad_encoding"]


def test_jwt_omits_sub_without_subject_id() -> None:
    from mcbadge.proofs import decode_jwt

    key = KEYS["p256"]
    doc = credential(did_for_key(key))
    del doc["credentialSubject"]["id"]
    token = sign(doc, key, format="jwt").jwt
    assert token is not None
    header, payload, _, _ = decode_jwt(token)
    assert header["alg"] == "ES256"
    assert "sub" not in payload
    assert verify_proof(token, OfflineResolver()).verified


def test_trusted_embedded_key_never_overrides_a_known_controller_document() -> None:
    key, other = KEYS["ed25519"], generate_key()
    issuer = "https://example.edu/issuers/9"
    vm_id = f"{issuer}#{key.public_multibase()}"
    signed = sign(credential(issuer), key, format="eddsa-rdfc-2022", verification_method=vm_id)
    assert verify_proof(signed.document, OfflineResolver(), trust_embedded_keys=True).verified
    listed = f"{issuer}#key-1"
    doc = {
        "id": issuer,
        "verificationMethod": [
            {
                "id": listed,
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": other.public_multibase(),
            }
        ],
        "assertionMethod": [listed],
    }
    result = verify_proof(signed.document, OfflineResolver({issuer: doc}), trust_embedded_keys=True)
    assert result.codes == ["key_resolution.vm_not_found"]


@pytest.mark.parametrize("fmt", list(FORMAT_KEYS))
def test_signed_document_shares_nothing_with_the_input(fmt: str) -> None:
    key = KEYS[FORMAT_KEYS[fmt]]
    unsigned = credential(did_for_key(key))
    first = sign(unsigned, key, format=fmt).document  # type: ignore[arg-type]
    twice = sign(first, key, format=fmt).document  # type: ignore[arg-type]
    snapshot = copy.deepcopy(twice)
    # changing the inputs afterwards changes nothing that was signed
    unsigned["credentialSubject"]["achievement"]["name"] = "changed"
    unsigned["issuer"]["name"] = "changed"
    first["proof"]["proofValue"] = "z1"
    first["credentialSubject"]["achievement"]["criteria"]["narrative"] = "changed"
    assert twice == snapshot
    assert verify_proof(twice, OfflineResolver()).verified
    assert not verify_proof(first, OfflineResolver()).verified


def test_cyclic_or_absurdly_deep_credential_is_a_typed_refusal() -> None:
    key = KEYS["ed25519"]
    cyclic = credential(did_for_key(key))
    cyclic["credentialSubject"]["achievement"]["related"] = cyclic
    deep = credential(did_for_key(key))
    nested: dict[str, Any] = {}
    deep["evidence"] = nested
    for _ in range(5000):
        nested["x"] = {}
        nested = nested["x"]
    for document in (cyclic, deep):
        with pytest.raises(MCBadgeError) as caught:
            sign(document, key, format="eddsa-rdfc-2022")
        assert caught.value.code == "input.too_deep"


# --- proof members of the wrong JSON type: each its own code, at every entry point (#16) -------
@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("type", ["DataIntegrityProof"], "proof.bad_type"),
        ("cryptosuite", ["eddsa-rdfc-2022"], "cryptosuite.bad_cryptosuite"),
        ("proofPurpose", {"id": "assertionMethod"}, "proof_purpose.bad_proof_purpose"),
        ("verificationMethod", {"id": "did:key:z6Mk"}, "proof.bad_verification_method"),
        ("created", 1_700_000_000, "proof_time.bad_created"),
        ("expires", None, "proof_time.bad_expires"),
        ("proofValue", ["z1"], "proof.bad_proof_value"),
        ("challenge", 7, "proof.bad_challenge"),
        ("domain", [1], "proof.bad_domain"),
        ("nonce", False, "proof.bad_nonce"),
        ("previousProof", {"id": "urn:uuid:x"}, "proof.bad_previous_proof"),
        ("@context", 3, "proof.bad_context"),
        ("id", 3, "proof.bad_id"),
    ],
)
def test_proof_member_of_the_wrong_type(member: str, value: Any, code: str) -> None:
    from mcbadge.proofs.di import verify_di_proof
    from mcbadge.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022

    key = KEYS["ed25519"]
    signed = sign(credential(did_for_key(key)), key, format="eddsa-rdfc-2022").document
    signed["proof"][member] = value
    assert verify_proof(signed, None).codes == [code]
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    outcome = verify_di_proof(
        unsecured,
        signed["proof"],
        EDDSA_RDFC_2022,
        OfflineResolver(),
        index=0,
        now=datetime.now(UTC),
    )
    assert [e.code for e in outcome.errors] == [code]
