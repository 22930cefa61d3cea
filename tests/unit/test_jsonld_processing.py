"""mcbadge.jsonld processing: to_rdf/canonize agree with pyld, safe mode, typed errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import CanonicalizationError, ContextError, DataLossError, InputError
from mcbadge.jsonld import canonicalize, canonize, parse_nquads, to_rdf

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _credential(context: list[Any]) -> dict[str, Any]:
    return {
        "@context": context,
        "id": "urn:uuid:a63a60be-f4af-491c-87fc-2c8fd3007a58",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://example.edu/issuers/565049", "type": ["Profile"], "name": "Ex"},
        "validFrom": "2010-01-01T00:00:00Z",
        "name": "Teacher CS micro-credential",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/cs/1",
                "type": ["Achievement"],
                "criteria": {"narrative": 'Line one\nline "two" \\ tab\t.'},
                "description": "Ünïcødé ✓",
                "name": "CS 1",
            },
        },
    }


def _pyld(document: dict[str, Any]) -> str:
    from pyld import jsonld

    from mcbadge.jsonld import offline_document_loader

    result = jsonld.normalize(
        copy.deepcopy(document),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": offline_document_loader,
        },
    )
    return str(result)


def test_canonize_matches_pyld_for_v2_credential() -> None:
    document = _credential([V2, OB])
    assert canonize(document) == _pyld(document)


def test_canonize_equals_canonicalize_of_to_rdf() -> None:
    document = _credential([V2, OB])
    assert canonize(document) == canonicalize(to_rdf(document))


def test_canonical_nquads_round_trip_through_parser() -> None:
    text = canonize(_credential([V2, OB]))
    assert canonicalize(parse_nquads(text)) == text


def test_spec_complete_credential_matches_pyld(reference: Path) -> None:
    base = reference / "examples" / "ob3" / "spec-rendered"
    for name in ("07-complete-openbadgecredential", "01-basic-openbadgecredential"):
        found = list(base.glob(f"{name}*/credential.json")) or list(
            base.glob(f"{name[:3]}*/credential.json")
        )
        assert found, name
        document = json.loads(found[0].read_text(encoding="utf-8"))
        assert canonize(document) == _pyld(document)


def test_unknown_context_is_context_error() -> None:
    with pytest.raises(ContextError) as caught:
        canonize(_credential([V2, "https://evil.example/context.json"]))
    assert caught.value.code.startswith("context.")


def test_protected_term_redefinition_is_context_error() -> None:
    document = _credential([V2, OB, {"name": "https://evil.example/name"}])
    with pytest.raises(ContextError) as caught:
        canonize(document)
    assert caught.value.code == "context.protected_term_redefinition"


def test_undefined_term_under_vcdm_11_is_data_loss() -> None:
    document = _credential([V1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"])
    document["issuanceDate"] = "2010-01-01T00:00:00Z"
    document["credentialSubject"]["notInAnyContext"] = "dropped by expansion"
    with pytest.raises(DataLossError) as caught:
        canonize(document)
    assert caught.value.code == "data_loss.undefined_term"
    assert "notInAnyContext" in str(caught.value)
    assert "credentialSubject" in str(caught.value)


def test_undefined_type_under_vcdm_11_is_data_loss() -> None:
    document = _credential([V1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"])
    document["credentialSubject"]["type"] = ["AchievementSubject", "MadeUpType"]
    with pytest.raises(DataLossError) as caught:
        canonize(document)
    assert caught.value.code == "data_loss.undefined_type"


def test_undefined_term_under_bundled_v2_is_data_loss() -> None:
    # The bundled VCDM 2.0 context snapshot defines no @vocab, so an undefined term would be
    # dropped by expansion (pyld drops it too): that is data loss, never silently accepted.
    document = _credential([V2, OB])
    document["credentialSubject"]["extraTerm"] = "would be dropped"
    with pytest.raises(DataLossError) as caught:
        canonize(document)
    assert caught.value.code == "data_loss.undefined_term"


def test_relative_id_is_data_loss() -> None:
    document = _credential([V2, OB])
    document["credentialSubject"]["achievement"]["id"] = "achievements/relative"
    with pytest.raises(DataLossError) as caught:
        canonize(document)
    assert caught.value.code == "data_loss.relative_iri"


def test_non_object_input_is_input_error() -> None:
    with pytest.raises(InputError):
        to_rdf([1, 2])  # type: ignore[arg-type]


def test_invalid_jsonld_is_typed_error_not_pyld() -> None:
    document = _credential([V2, OB])
    document["id"] = {"not": "an id"}
    with pytest.raises((CanonicalizationError, DataLossError, ContextError)):
        canonize(document)


def test_literal_escaping_follows_rdfc10() -> None:
    text = '<urn:s> <urn:p> "a\\bb\\fc\\u0001d\\u007Fe\\t\\n\\r\\"\\\\" .\n'
    assert canonicalize(parse_nquads(text)) == (
        '<urn:s> <urn:p> "a\\bb\\fc\\u0001d\\u007Fe\\t\\n\\r\\"\\\\" .\n'
    )


def test_bad_nquads_is_input_error() -> None:
    with pytest.raises(InputError) as caught:
        parse_nquads("<urn:s> <urn:p> .\n")
    assert caught.value.code == "input.nquads_syntax"


def test_budget_is_enforced_on_small_limit() -> None:
    quads = "".join(f"_:n{a} <urn:p> _:n{b} .\n" for a in range(6) for b in range(6) if a != b)
    with pytest.raises(CanonicalizationError) as caught:
        canonicalize(parse_nquads(quads), max_work=50)
    assert caught.value.code == "canonicalization.budget_exceeded"


def test_canonize_does_not_mutate_the_input() -> None:
    document = _credential([V2, OB])
    before = json.dumps(document, sort_keys=True)
    canonize(document)
    canonize(document)
    assert json.dumps(document, sort_keys=True) == before


def test_iri_resembling_the_internal_sentinels_is_not_data_loss() -> None:
    document = _credential([V2, OB])
    document["credentialSubject"]["achievement"]["id"] = "urn:mcbadge:achievement:1"
    assert "<urn:mcbadge:achievement:1>" in canonize(document)
    assert canonize(document) == _pyld(document)
