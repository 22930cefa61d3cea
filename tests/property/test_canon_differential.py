"""Differential test: mcbadge.jsonld.canonize equals pyld's URDNA2015 normalisation.

Hypothesis builds OB 3.0 credential-shaped documents (both VCDM eras, nested achievements,
results, alignments, unicode with escapes, ints/floats/booleans, arrays vs scalars, blank
nodes, proofs). ``MCBADGE_DIFF_EXAMPLES`` sets the example count (default 300). Strings avoid
C0 controls other than tab/newline/return: pyld leaves those unescaped where RDFC-1.0 requires
``\\b``, ``\\f`` and ``\\uXXXX`` (tests/unit/test_jsonld_processing.py pins our behaviour).
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import REFERENCE

from mcbadge.errors import MCBadgeError
from mcbadge.jsonld import canonize, offline_document_loader

EXAMPLES = int(os.environ.get("MCBADGE_DIFF_EXAMPLES", "300"))
V1 = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
]
V2 = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _pyld(document: Any) -> str:
    from pyld import jsonld

    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": offline_document_loader,
    }
    return str(jsonld.normalize(copy.deepcopy(document), options))


_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10, 13)] + ["\x7f"],
    ),
    max_size=12,
)
_iri = st.sampled_from(
    ["https://example.edu/a", "urn:uuid:1b2c", "did:example:xyz", "https://example.org/a?b=c#d"]
)
_number = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


def _maybe_list(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=3))


_alignment = st.fixed_dictionaries(
    {"type": st.just(["Alignment"]), "targetName": _text, "targetUrl": _iri},
    optional={"targetCode": _text, "targetDescription": _text},
)
_result_description = st.fixed_dictionaries(
    {
        "id": _iri,
        "type": st.just(["ResultDescription"]),
        "name": _text,
        "resultType": st.just("Status"),
    },
    optional={"alignment": st.lists(_alignment, max_size=2)},
)
_achievement = st.fixed_dictionaries(
    {
        "id": _iri,
        "type": st.just(["Achievement"]),
        "name": _text,
        "criteria": st.fixed_dictionaries({}, optional={"narrative": _text, "id": _iri}),
    },
    optional={
        "description": _text,
        "alignment": st.lists(_alignment, max_size=3),
        "resultDescription": st.lists(_result_description, max_size=2),
        "tag": _maybe_list(_text),
        "creditsAvailable": _number,
        "humanCode": _text,
    },
)
_result = st.fixed_dictionaries(
    {"type": st.just(["Result"])},
    optional={"value": _text, "status": st.just("Completed"), "resultDescription": _iri},
)
_subject = st.fixed_dictionaries(
    {"type": st.just(["AchievementSubject"]), "achievement": _achievement},
    optional={
        "id": _iri,
        "result": st.lists(_result, max_size=3),
        "creditsEarned": _number,
        "activityStartDate": st.just("2024-01-01T00:00:00Z"),
    },
)
_issuer = st.one_of(
    _iri,
    st.fixed_dictionaries(
        {"id": _iri, "type": st.just(["Profile"])},
        optional={"name": _text, "email": st.just("a@example.edu"), "url": _iri},
    ),
)
_proof = st.fixed_dictionaries(
    {
        "type": st.just("DataIntegrityProof"),
        "cryptosuite": st.just("eddsa-rdfc-2022"),
        "created": st.just("2024-01-01T00:00:00Z"),
        "verificationMethod": st.just("did:key:z6Mk#z6Mk"),
        "proofPurpose": st.just("assertionMethod"),
        "proofValue": st.just("z3abc"),
    }
)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    era = draw(st.sampled_from(["v1", "v2"]))
    document: dict[str, Any] = {
        "@context": V1 if era == "v1" else V2,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": draw(_issuer),
        "credentialSubject": draw(_subject),
        "name": draw(_text),
    }
    if draw(st.booleans()):
        document["id"] = draw(_iri)
    document["issuanceDate" if era == "v1" else "validFrom"] = "2024-01-01T00:00:00Z"
    if draw(st.booleans()):
        document["description"] = draw(_text)
    if era == "v2" and draw(st.booleans()):
        document["proof"] = draw(_maybe_list(_proof))
    return document


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(credentials())
def test_canonize_equals_pyld_on_generated_credentials(document: dict[str, Any]) -> None:
    assert canonize(document) == _pyld(document)


def _reference_json_documents() -> list[Path]:
    found = []
    for path in sorted(REFERENCE.glob("**/*.json")):
        if "schemas" in path.parts or "contexts" in path.parts or "rdf-canon" in path.parts:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and "@context" in data:
            found.append(path)
    return found


@pytest.mark.parametrize(
    "path", _reference_json_documents(), ids=lambda p: str(p.relative_to(REFERENCE))
)
def test_reference_documents_agree_with_pyld_or_fail_typed(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    refused: MCBadgeError | None = None
    try:
        ours = canonize(document)
    except MCBadgeError as error:
        refused = error
    if refused is not None:
        # A refused document must be one pyld cannot process or would process lossily.
        assert refused.code.split(".")[0] in {"context", "data_loss", "canonicalization", "input"}
        return
    assert ours == _pyld(document)
