"""Differential test: mcbadge.jsonld.canonize equals pyld's URDNA2015 normalisation.

Hypothesis builds OB 3.0 credential-shaped documents (both VCDM eras, nested achievements,
results, alignments, evidence, endorsements, hashed identifiers, credential schemas, status
entries of both eras, proofs of both eras, unicode with escapes, ints (negative, big,
beyond 1e21) and floats (integral, exponents), booleans, arrays vs scalars, blank nodes).
Every generated document must take the fast to_rdf path (``fast_dataset`` is not None), so
the test cannot pass by silently comparing pyld with itself; no bundled context defines a
language map, and the @json terms (jsonSchema, jwk) are exercised in
tests/unit/test_jsonld_fast.py. ``MCBADGE_DIFF_EXAMPLES`` sets the example count (default
300). Strings avoid C0 controls other than tab/newline/return: pyld leaves those unescaped
where RDFC-1.0 requires
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
from mcbadge.jsonld import canonicalize, canonize, offline_document_loader
from mcbadge.jsonld.process import fast_dataset

EXAMPLES = int(os.environ.get("MCBADGE_DIFF_EXAMPLES", "300"))
V1 = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
]
V2 = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


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
    st.integers(min_value=-(10**25), max_value=10**25),
    st.sampled_from([0, -1, 2**53 + 1, 10**21, -(10**21), 42.0, -0.0, 1e21, 1.5e-7, 6.02e23]),
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
_identity = st.fixed_dictionaries(
    {
        "type": st.just("IdentityObject"),
        "hashed": st.booleans(),
        "identityHash": _text,
        "identityType": st.sampled_from(["emailAddress", "sourcedId"]),
    },
    optional={"salt": _text},
)
_subject = st.fixed_dictionaries(
    {"type": st.just(["AchievementSubject"]), "achievement": _achievement},
    optional={
        "id": _iri,
        "identifier": st.lists(_identity, max_size=2),
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
_evidence = st.fixed_dictionaries(
    {"type": st.just(["Evidence"])},
    optional={"id": _iri, "narrative": _text, "name": _text, "genre": _text, "audience": _text},
)
_schema = st.fixed_dictionaries({"id": _iri, "type": st.just("1EdTechJsonSchemaValidator2019")})
_status_v1 = st.fixed_dictionaries(
    {
        "id": _iri,
        "type": st.just("StatusList2021Entry"),
        "statusPurpose": st.sampled_from(["revocation", "suspension"]),
        "statusListIndex": st.integers(min_value=0, max_value=10**6).map(str),
        "statusListCredential": _iri,
    }
)
_status_v2 = st.fixed_dictionaries(
    {
        "type": st.just("BitstringStatusListEntry"),
        "statusPurpose": st.sampled_from(["revocation", "suspension"]),
        "statusListIndex": st.integers(min_value=0, max_value=10**6).map(str),
        "statusListCredential": _iri,
    },
    optional={"id": _iri},
)
_status_1edtech = st.fixed_dictionaries({"id": _iri, "type": st.just("1EdTechRevocationList")})
_proof_v1 = st.fixed_dictionaries(
    {
        "type": st.just("Ed25519Signature2020"),
        "created": st.just("2024-01-01T00:00:00Z"),
        "verificationMethod": st.just("did:key:z6Mk#z6Mk"),
        "proofPurpose": st.just("assertionMethod"),
        "proofValue": st.just("z3abc"),
    }
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
    if draw(st.booleans()):
        document["evidence"] = draw(st.lists(_evidence, min_size=1, max_size=2))
    extensions = False  # 1EdTech's validator and revocation list types live only there
    if draw(st.booleans()):
        document["credentialSchema"] = draw(_maybe_list(_schema))
        extensions = True
    status = draw(st.sampled_from(["none", "list", "1edtech"]))
    if status == "list":
        if era == "v1":
            document["@context"] = [*V1, "https://w3id.org/vc/status-list/2021/v1"]
        document["credentialStatus"] = draw(_status_v1 if era == "v1" else _status_v2)
    elif status == "1edtech":
        document["credentialStatus"] = draw(_status_1edtech)
        extensions = True
    if extensions:
        document["@context"] = [*document["@context"], EXTENSIONS]
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        endorsement = {
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": draw(_issuer),
            "name": draw(_text),
            "credentialSubject": {
                "id": draw(_iri),
                "type": ["EndorsementSubject"],
                "endorsementComment": draw(_text),
            },
        }
        endorsement["issuanceDate" if era == "v1" else "validFrom"] = "2024-01-01T00:00:00Z"
        document["credentialSubject"]["achievement"]["endorsement"] = [endorsement]
    if draw(st.booleans()):
        if era == "v2":
            document["proof"] = draw(_maybe_list(_proof))
        else:
            document["@context"] = [
                *document["@context"],
                "https://w3id.org/security/suites/ed25519-2020/v1",
            ]
            document["proof"] = draw(_proof_v1)
    return document


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(credentials())
def test_canonize_equals_pyld_on_generated_credentials(document: dict[str, Any]) -> None:
    fast = fast_dataset(document)
    assert fast is not None, "a generated credential must take the fast to_rdf path"
    expected = _pyld(document)
    assert canonicalize(fast) == expected
    assert canonize(document) == expected


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
        # A refused document must be one pyld cannot process or would process lossily; the
        # fast path never accepts it (refusals always come from the pyld path).
        assert refused.code.split(".")[0] in {"context", "data_loss", "canonicalization", "input"}
        assert fast_dataset(document) is None
        return
    assert ours == _pyld(document)
    fast = fast_dataset(document)
    if fast is not None:
        assert canonicalize(fast) == ours
