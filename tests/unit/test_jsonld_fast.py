"""The fast JSON-LD to RDF path: what it takes, what it leaves to pyld, and that both agree.

``fast_dataset`` returns the fast path's quads or None (pyld is then used); ``to_rdf`` must
give the same canonical N-Quads and raise the same typed errors either way.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from tests.conftest import REFERENCE

from mcbadge.errors import ContextError, DataLossError, MCBadgeError
from mcbadge.jsonld import canonicalize, canonize, offline_document_loader, to_rdf
from mcbadge.jsonld.process import _pyld_to_rdf, fast_dataset

V2 = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
V1 = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
]


def _pyld(document: Any) -> str:
    from pyld import jsonld

    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": offline_document_loader,
    }
    return str(jsonld.normalize(copy.deepcopy(document), options))


def _credential(**extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": list(V2),
        "id": "urn:uuid:6c5f7c0e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Issuer"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Badge",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/a",
                "type": ["Achievement"],
                "name": "A",
                "criteria": {"narrative": "Do it"},
            },
        },
    }
    document.update(extra)
    return document


def _agree(document: dict[str, Any]) -> None:
    fast = fast_dataset(document)
    assert fast is not None
    expected = _pyld(document)
    assert canonicalize(fast) == expected
    assert canonize(document) == expected


def test_plain_credential_takes_the_fast_path_and_agrees() -> None:
    _agree(_credential())


def test_json_literal_terms_are_jcs_canonical() -> None:
    schema = {"z": [1, 2.5, "é"], "a": {"b": None, "c": True}}
    document = _credential(
        credentialSchema={"id": "https://example.edu/s", "type": "JsonSchema"},
    )
    document["credentialSchema"]["jsonSchema"] = schema
    _agree(document)
    assert any("rdf-syntax-ns#JSON" in quad[2] for quad in to_rdf(document))


def test_json_null_is_left_to_pyld() -> None:
    document = _credential(credentialSchema={"id": "https://example.edu/s", "type": "JsonSchema"})
    document["credentialSchema"]["jsonSchema"] = None
    assert fast_dataset(document) is None
    assert canonicalize(to_rdf(document)) == canonicalize(_pyld_to_rdf(document))


def test_list_container_becomes_an_rdf_list() -> None:
    document = _credential()
    document["credentialSubject"]["achievement"]["resultDescription"] = [
        {
            "id": "urn:uuid:rd",
            "type": ["ResultDescription"],
            "name": "Level",
            "resultType": "Status",
            "allowedValue": ["b", "a", "b"],
        }
    ]
    _agree(document)
    assert any(quad[1].endswith("rdf-syntax-ns#first>") for quad in fast_dataset(document) or [])


def test_empty_list_is_rdf_nil() -> None:
    document = _credential()
    document["credentialSubject"]["achievement"]["resultDescription"] = [
        {"id": "urn:uuid:rd", "type": ["ResultDescription"], "name": "L", "allowedValue": []}
    ]
    _agree(document)


def test_document_blank_node_identifiers_agree() -> None:
    document = _credential()
    document["credentialSubject"]["id"] = "_:subject"
    document["credentialSubject"]["achievement"]["creator"] = {"id": "_:subject"}
    _agree(document)


@pytest.mark.parametrize(
    "value", [0, -7, 10**20, 10**21, 10**22, 42.0, -0.0, 1.5, 1e-7, 6.02e23, True, False]
)
def test_native_values_agree(value: Any) -> None:
    document = _credential()
    document["credentialSubject"]["achievement"]["creditsAvailable"] = value
    _agree(document)


def test_proof_graph_container_agrees() -> None:
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2024-01-01T00:00:00Z",
        "verificationMethod": "did:key:z6Mk#z6Mk",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3abc",
    }
    _agree(_credential(proof=[proof, dict(proof, proofValue="z4def")]))


def test_multikey_document_with_json_jwk_agrees() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": "did:example:123",
        "verificationMethod": [
            {
                "id": "did:example:123#key-1",
                "type": "JsonWebKey",
                "controller": "did:example:123",
                "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7T"},
            }
        ],
    }
    expected = _pyld(document)
    assert canonize(document) == expected
    fast = fast_dataset(document)
    if fast is not None:
        assert canonicalize(fast) == expected


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d.update(undefinedThing="x"), "data_loss"),
        (lambda d: d["credentialSubject"]["achievement"].update(id="relative/a"), "data_loss"),
        (lambda d: d.update(type=["VerifiableCredential", "NoSuchType"]), "data_loss"),
    ],
)
def test_safe_mode_errors_come_from_the_pyld_path(change: Any, code: str) -> None:
    document = _credential()
    document["@context"] = list(V1)
    document["issuanceDate"] = document.pop("validFrom")
    change(document)
    assert fast_dataset(document) is None
    with pytest.raises(DataLossError) as caught:
        to_rdf(document)
    assert caught.value.code.startswith(code)


def test_protected_term_redefinition_is_a_context_error() -> None:
    document = _credential()
    document["@context"] = [*V2, {"name": "https://example.org/name"}]
    assert fast_dataset(document) is None
    with pytest.raises(ContextError):
        to_rdf(document)


@pytest.mark.parametrize(
    "extra",
    [
        {"@graph": [{"id": "urn:x", "name": "n"}]},
        {"description": {"@value": "text", "@language": "en"}},
        {"@included": [{"id": "urn:y", "type": "Profile"}]},
    ],
)
def test_unsupported_shapes_fall_back_and_match_pyld(extra: dict[str, Any]) -> None:
    document = _credential(**extra)
    assert fast_dataset(document) is None
    try:
        ours = canonize(document)
    except MCBadgeError:
        return
    assert ours == _pyld(document)


def test_spec_complete_credential_takes_the_fast_path() -> None:
    path = REFERENCE / "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    _agree(document)


def test_input_is_not_mutated() -> None:
    document = _credential()
    before = copy.deepcopy(document)
    fast_dataset(document)
    assert document == before


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["type"].append("\x85"),
        lambda d: d["credentialSubject"]["achievement"].update(id="https://example.edu/a b"),
        lambda d: d.update(issuer="did:example:is suer"),
        lambda d: d["credentialSubject"].update(id="https://x.example/\u2028"),
    ],
)
def test_iris_pyld_would_silently_drop_are_data_loss(change: Any) -> None:
    # pyld skips triples whose IRIs contain (Unicode) whitespace; a signature over the rest
    # would still verify after such data was added, so both paths must refuse instead.
    document = _credential()
    change(document)
    assert fast_dataset(document) is None
    with pytest.raises(DataLossError) as caught:
        to_rdf(document)
    assert caught.value.code == "data_loss.invalid_iri"


def test_colliding_id_keys_are_refused_not_signed() -> None:
    # "@id" and "id" on one node: pyld refuses (colliding keywords); the fast path used to
    # keep one of them silently, so the other identifier would have been unsigned.
    document = _credential()
    document["@id"] = "urn:uuid:6c5f7c0e-0000-4000-8000-0000000000ff"
    assert fast_dataset(document) is None
    with pytest.raises(MCBadgeError) as caught:
        to_rdf(document)
    assert caught.value.code == "canonicalization.jsonld_colliding_keywords"


def test_cached_node_plans_follow_each_documents_types_and_ids() -> None:
    # Node plans are cached per (context, property, keys, types): documents of one shape
    # must still each get their own types, type-scoped contexts and identifiers checked.
    good = _credential()
    _agree(good)
    changed_type = _credential()
    changed_type["issuer"]["type"] = ["Profile", "NoSuchType"]
    assert fast_dataset(changed_type) is None
    with pytest.raises(DataLossError) as caught:
        to_rdf(changed_type)
    assert caught.value.code == "data_loss.undefined_type"
    relative_id = _credential()
    relative_id["credentialSubject"]["achievement"]["id"] = "achievements/a"
    assert fast_dataset(relative_id) is None
    with pytest.raises(DataLossError) as caught:
        to_rdf(relative_id)
    assert caught.value.code == "data_loss.relative_iri"
    other_types = _credential()
    other_types["credentialSubject"]["achievement"]["type"] = "Achievement"
    other_types["issuer"]["type"] = "Profile"
    _agree(other_types)
    _agree(good)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(id="relative-credential-id"),
        lambda d: d["credentialSubject"].update(id="subject"),
        lambda d: d["credentialSubject"]["achievement"].update(image={"id": "img.png"}),
    ],
)
def test_relative_iris_anywhere_leave_the_fast_path(change: Any) -> None:
    document = _credential()
    change(document)
    assert fast_dataset(document) is None
    with pytest.raises(DataLossError) as caught:
        to_rdf(document)
    assert caught.value.code == "data_loss.relative_iri"


def test_node_plan_cache_is_bounded_and_stays_correct(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcbadge.jsonld import _fast

    monkeypatch.setattr(_fast, "_PLAN_LIMIT", 6)
    monkeypatch.setattr(_fast, "_HEAD_LIMIT", 8)
    monkeypatch.setattr(_fast, "_PLANS_PER_HEAD", 2)
    names = ["description", "image", "tag", "creator", "criteria"]
    for index in range(12):
        document = _credential()
        achievement = document["credentialSubject"]["achievement"]
        # a new key order (a new shape) and a new type combination every time
        for name in names[: 1 + index % len(names)]:
            achievement.pop(name, None)
        achievement["tag"] = [f"t{index}"]
        achievement["type"] = ["Achievement"] * (1 + index % 3)
        document["type"] = ["VerifiableCredential", "OpenBadgeCredential"][: 1 + index % 2]
        _agree(document)
        plans = sum(len(head.plans) for head in _fast._heads.values())
        assert len(_fast._heads) <= 8
        assert plans <= 6
