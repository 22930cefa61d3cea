"""DIDs: did:key, did:jwk, did:web documents and URLs, the offline resolver."""

from __future__ import annotations

import pytest

from mcbadge.did import (
    OfflineResolver,
    Resolver,
    build_did_web_document,
    default_verification_method,
    did_for_key,
    did_jwk,
    did_key,
    did_key_document,
    did_web_url,
)
from mcbadge.errors import DIDError, MCBadgeError
from mcbadge.keys import generate_key


@pytest.mark.parametrize("kind", ["ed25519", "p256"])
def test_did_key_resolves_offline(kind: str) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    did = did_key(key)
    doc = did_key_document(did)
    vm_id = f"{did}#{key.public_multibase()}"
    assert doc["assertionMethod"] == [vm_id]
    vm = OfflineResolver().resolve_verification_method(vm_id)
    assert vm.key == key
    assert vm.controller == did
    assert "assertionMethod" in vm.relationships
    assert vm.type == "Multikey"


def test_did_key_fragment_must_repeat_key() -> None:
    key = generate_key()
    with pytest.raises(DIDError) as info:
        OfflineResolver().resolve_verification_method(did_key(key) + "#other")
    assert info.value.code == "key_resolution.bad_fragment"
    with pytest.raises(DIDError) as info:
        OfflineResolver().resolve_verification_method(did_key(key))
    assert info.value.code == "key_resolution.bad_fragment"


@pytest.mark.parametrize("kind", ["ed25519", "p256", "rsa"])
def test_did_jwk(kind: str) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    vm = OfflineResolver().resolve_verification_method(did_jwk(key) + "#0")
    assert vm.key == key
    assert did_for_key(key).startswith("did:jwk:" if kind == "rsa" else "did:key:")
    assert (
        OfflineResolver().resolve_verification_method(default_verification_method(key)).key == key
    )


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.edu", "https://example.edu/.well-known/did.json"),
        ("did:web:example.edu:issuers:1", "https://example.edu/issuers/1/did.json"),
        ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
        ("did:web:example.edu#key-1", "https://example.edu/.well-known/did.json"),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:key:z6Mk", "did:web:", "did:web:a:..:b", "did:web:a%2Fb"])
def test_did_web_url_refusals(did: str) -> None:
    with pytest.raises(DIDError):
        did_web_url(did)


def test_did_web_document_and_resolution() -> None:
    ed, rsa_key = generate_key(), generate_key("rsa")
    doc = build_did_web_document("example.edu", [ed, rsa_key], path="issuers/1", vm_type="both")
    assert doc["id"] == "did:web:example.edu:issuers:1"
    assert {m["type"] for m in doc["verificationMethod"]} == {"Multikey", "JsonWebKey"}
    assert all("d" not in m.get("publicKeyJwk", {}) for m in doc["verificationMethod"])
    resolver = OfflineResolver({doc["id"]: doc})
    assert isinstance(resolver, Resolver)
    for vm_id in doc["assertionMethod"]:
        vm = resolver.resolve_verification_method(vm_id)
        assert vm.controller == doc["id"]
        assert "assertionMethod" in vm.relationships
    # not listed under assertionMethod: resolves, but without that relationship
    doc2 = dict(doc, assertionMethod=[])
    vm = OfflineResolver({doc["id"]: doc2}).resolve_verification_method(doc["authentication"][0])
    assert "assertionMethod" not in vm.relationships


def test_resolver_errors_are_typed() -> None:
    resolver = OfflineResolver()
    for vm_id, code in [
        ("did:web:example.edu#k", "key_resolution.offline"),
        ("did:example:123#k", "key_resolution.unsupported_method"),
        ("https://example.edu/issuers/1#z6Mk", "key_resolution.offline"),
        ("did:key:zQ3notakey#zQ3notakey", "key_resolution.unsupported_multicodec"),
    ]:
        with pytest.raises(MCBadgeError) as info:
            resolver.resolve_verification_method(vm_id)
        assert info.value.code == code, vm_id


def test_embedded_multikey_only_when_trusted() -> None:
    key = generate_key()
    vm_id = f"https://example.edu/issuers/1#{key.public_multibase()}"
    with pytest.raises(MCBadgeError):
        OfflineResolver().resolve_verification_method(vm_id)
    vm = OfflineResolver(trust_embedded_keys=True).resolve_verification_method(vm_id)
    assert vm.embedded
    assert vm.key == key


# --- did:jwk: what the JWK says the key is for (did:jwk spec §2.2, RFC 7517 §4.2-4.3) ---------
def _did_jwk_of(jwk: dict[str, object]) -> str:
    import json

    from mcbadge.multibase import b64url_encode

    return "did:jwk:" + b64url_encode(json.dumps(jwk).encode())


def test_did_jwk_with_use_enc_is_only_for_key_agreement() -> None:
    from mcbadge.did import did_jwk_document

    key = generate_key("p256")
    did = _did_jwk_of({**key.public_jwk(), "use": "enc"})
    doc = did_jwk_document(did)
    assert doc["keyAgreement"] == [did + "#0"]
    assert not {"assertionMethod", "authentication"} & set(doc)
    with pytest.raises(DIDError) as info:
        OfflineResolver().resolve_verification_method(did + "#0")
    assert info.value.code == "key_resolution.not_signing_key"


def test_did_jwk_with_use_sig_has_no_key_agreement() -> None:
    from mcbadge.did import did_jwk_document

    key = generate_key("ed25519")
    did = _did_jwk_of({**key.public_jwk(), "use": "sig"})
    doc = did_jwk_document(did)
    assert doc["assertionMethod"] == [did + "#0"]
    assert "keyAgreement" not in doc
    vm = OfflineResolver().resolve_verification_method(did + "#0")
    assert vm.key == key
    assert "assertionMethod" in vm.relationships


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"key_ops": ["encrypt", "deriveKey"]}, "key_resolution.not_signing_key"),
        ({"key_ops": []}, "key_resolution.not_signing_key"),
        ({"key_ops": "verify"}, "key_resolution.bad_jwk"),
        ({"key_ops": ["verify", "verify"]}, "key_resolution.bad_jwk"),
        ({"use": ["sig"]}, "key_resolution.bad_jwk"),
        ({"alg": "ES256"}, "key_resolution.jwk_alg_mismatch"),
        ({"alg": "RS256"}, "key_resolution.jwk_alg_mismatch"),
        ({"d": "AAAA"}, "key_resolution.private_key"),
        ({"p": "AAAA"}, "key_resolution.private_key"),
    ],
)
def test_did_jwk_that_is_not_a_public_signature_key(extra: dict[str, object], code: str) -> None:
    from mcbadge.proofs import verify_proof

    key = generate_key("ed25519")
    did = _did_jwk_of({**key.public_jwk(), **extra})
    with pytest.raises(DIDError) as info:
        OfflineResolver().resolve_verification_method(did + "#0")
    assert info.value.code == code
    # and a credential that issuer signs does not verify
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Academy"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:t1", "type": ["AchievementSubject"]},
    }
    from mcbadge.proofs.jwt import sign_jwt

    token = sign_jwt(credential, key, verification_method=did + "#0")
    assert verify_proof(token, OfflineResolver()).codes == [code]


@pytest.mark.parametrize("alg", ["EdDSA", "Ed25519"])
def test_did_jwk_with_the_alg_of_its_key(alg: str) -> None:
    key = generate_key("ed25519")
    did = _did_jwk_of({**key.public_jwk(), "alg": alg, "key_ops": ["verify"]})
    assert OfflineResolver().resolve_verification_method(did + "#0").key == key


def test_did_web_json_web_key_with_use_enc_is_not_a_signing_key() -> None:
    key = generate_key("p256")
    did = "did:web:academy.example"
    document = build_did_web_document("academy.example", [key], vm_type="JsonWebKey")
    document["verificationMethod"][0]["publicKeyJwk"]["use"] = "enc"
    resolver = OfflineResolver({did: document})
    with pytest.raises(DIDError) as info:
        resolver.resolve_verification_method(document["verificationMethod"][0]["id"])
    assert info.value.code == "key_resolution.not_signing_key"
