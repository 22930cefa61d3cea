"""Red team of the fast JSON-LD to RDF path (node plans, memoized contexts) against plain pyld.

Every document runs in ONE process after the others, so node plans, term caches and context
memos are warm from earlier documents of the same shape: a cache keyed on too little shows up
as a document whose canonical N-Quads differ from a fresh, uncached pyld run
(``tests/property/_redteam_reference.py``), or that is accepted where the reference refuses.
Cases: context lists, orders and inline contexts under one key shape; property- and
type-scoped contexts (``@propagate``); value kinds changing under one shape; ``@id``/``id``;
type terms, IRIs and compact IRIs; blank nodes; keywords as keys; language, direction, ``@json``,
``@list``; whitespace, controls, non-BMP text; VCDM 1.1 and 2.0 contexts mixed; protected terms;
the node-plan bound; and hypothesis mutations of generated credentials.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.property._redteam_reference import compare, reference
from tests.property.test_canon_differential import credentials

from mcbadge.errors import MCBadgeError
from mcbadge.jsonld import _fast, canonize, parse_nquads
from mcbadge.jsonld.process import fast_dataset

# MCBADGE_REDTEAM_FULL=1: every explicit case and context pair (default: a fixed sample, to
# keep the suite fast) and 1,000 mutated credentials (default 60; MCBADGE_REDTEAM_EXAMPLES).
FULL = os.environ.get("MCBADGE_REDTEAM_FULL") == "1"
EXAMPLES = int(os.environ.get("MCBADGE_REDTEAM_EXAMPLES", "1000" if FULL else "60"))
V1 = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
]
V2 = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
OB302 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
EXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DI1 = "https://w3id.org/security/data-integrity/v1"
DI2 = "https://w3id.org/security/data-integrity/v2"
ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
SL2021 = "https://w3id.org/vc/status-list/2021/v1"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def _credential(context: Any = None, **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": list(V2) if context is None else context,
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


def _with(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``base`` (default: the credential) with the dotted ``path`` set to ``value``."""
    document = copy.deepcopy(base if base is not None else _credential())
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[part]
    node[last] = value
    return document


_VALUES: list[Any] = [
    "text",
    "",
    "line\nbreak\ttab\r",
    'quote" back\\slash',
    "\x00\x01\x08\x0c\x1f\x7f",
    "\U0001f600 \u00e9 \u2028 \u0085",
    "x" * 20_000,
    0,
    -1,
    1.5,
    42.0,
    -0.0,
    10**21,
    10**25 + 1,
    1e300,
    True,
    False,
    None,
    [],
    {},
    [None],
    ["a", None, "b"],
    [["nested"]],
    ["a", 1, True, {"id": "urn:x"}],
    {"id": "urn:x"},
    {"@id": "urn:x"},
    {"id": "urn:x", "@id": "urn:x"},
    {"id": "_:b1"},
    {"id": "relative/path"},
    {"id": "urn:x", "type": "Profile"},
    {"@value": "v"},
    {"@value": "v", "@language": "en"},
    {"@value": "v", "@language": "EN-us"},
    {"@value": "v", "@direction": "rtl"},
    {"@value": "v", "@type": "http://www.w3.org/2001/XMLSchema#token"},
    {"@value": "v", "@type": "xsd:token"},
    {"@value": {"a": 1}, "@type": "@json"},
    {"@list": ["a", "b"]},
    {"@set": ["a", "b"]},
    {"@list": []},
    {"@graph": {"id": "urn:g"}},
    {"@included": [{"id": "urn:i", "type": "Profile"}]},
    {"@reverse": {"name": "r"}},
    {"@nest": {"name": "n"}},
    {"@index": "i", "name": "n"},
    {"@context": {"name": "https://example.org/other-name"}, "name": "n"},
    {"@context": None, "name": "n"},
    {"@context": OB302, "name": "n"},
]

_PATHS = [
    "name",
    "description",
    "issuer",
    "issuer.name",
    "issuer.url",
    "validFrom",
    "credentialSubject.id",
    "credentialSubject.achievement.name",
    "credentialSubject.achievement.criteria",
    "credentialSubject.achievement.criteria.narrative",
    "credentialSubject.achievement.tag",
    "credentialSubject.achievement.creditsAvailable",
    "credentialSubject.achievement.alignment",
    "credentialSubject.achievement.image",
    "credentialSubject.result",
]


def _value_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path, value in itertools.product(_PATHS, _VALUES):
        cases.append((f"{path}={json.dumps(value)[:40]}", _with(path, value)))
    return cases


_IDS = [
    "urn:uuid:1",
    "_:b0",
    "_:",
    "relative",
    "../up",
    "#frag",
    "?q",
    "//host/x",
    "ob:Achievement",
    "xsd:string",
    "undefinedprefix:x",
    "Achievement",
    "@id",
    "@vocab",
    "urn:a b",
    "urn:a\u0085b",
    "urn:a\u2028",
    "urn:x\n",
    "urn:x\r",
    "urn:x\t",
    "https://example.org/\U0001f600",
    "urn:mcbadge:undefined-term:x",
    "urn:mcbadge:relative-iri:/x",
    "urn:" + "y" * 5000,
    "",
]


def _id_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for iri in _IDS:
        tag = json.dumps(iri)[:30]
        cases.append((f"id={tag}", _with("id", iri)))
        cases.append((f"@id={tag}", _with("id", iri) | {"@id": iri}))
        document = _credential()
        del document["id"]
        document["@id"] = iri
        cases.append((f"only @id={tag}", document))
        cases.append((f"issuer={tag}", _with("issuer", iri)))
        cases.append((f"issuer.id={tag}", _with("issuer.id", iri)))
        cases.append((f"type+={tag}", _with("credentialSubject.type", ["AchievementSubject", iri])))
        cases.append((f"type={tag}", _with("credentialSubject.type", iri)))
        cases.append((f"image={tag}", _with("credentialSubject.achievement.image", iri)))
        document = _credential()
        document["credentialSubject"]["achievement"][iri] = "v"
        cases.append((f"key={tag}", document))
    return cases


_TYPES: list[Any] = [
    "Achievement",
    ["Achievement"],
    ["Achievement", "Achievement"],
    ["Achievement", "Profile"],
    ["Profile", "Achievement"],
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement",
    "obi:Achievement",
    "UnknownType",
    ["Achievement", "UnknownType"],
    ["Achievement", "https://example.org/T"],
    ["Achievement", "_:t"],
    "_:t",
    [],
    None,
    [None],
    [1],
    {"@id": "x"},
    "@json",
    "@id",
    ["EndorsementCredential", "Achievement"],
    ["VerifiableCredential"],
    "DataIntegrityProof",
]


def _type_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for value in _TYPES:
        tag = json.dumps(value)[:40]
        cases.append(
            (f"achievement.type={tag}", _with("credentialSubject.achievement.type", value))
        )
        cases.append((f"type={tag}", _with("type", value)))
        document = _with("credentialSubject.achievement.type", value)
        achievement = document["credentialSubject"]["achievement"]
        achievement["@type"] = achievement.pop("type")
        cases.append((f"achievement.@type={tag}", document))
        document = _with("credentialSubject.achievement.type", value)
        document["credentialSubject"]["achievement"]["@type"] = "Achievement"
        cases.append((f"achievement.type+@type={tag}", document))
    return cases


_CONTEXTS: list[Any] = [
    V2,
    V1,
    [V2[0], OB302],
    [V2[0], V2[1], EXT],
    [V2[0], EXT, V2[1]],
    [V2[1], V2[0]],
    [V1[0], V2[1]],
    [V2[0], V1[1]],
    [*V1, *V2],
    [*V2, *V1],
    [V2[0]],
    [V1[0]],
    V2[0],
    [*V2, DI1],
    [*V2, DI2],
    [*V2, ED2020],
    [*V1, ED2020, SL2021],
    [*V2, CLR],
    [*V2, EXAMPLES_V2],
    [*V2, {"name": "https://example.org/name"}],
    [*V2, {"Achievement": "https://example.org/Achievement"}],
    [*V2, {"@vocab": "https://example.org/vocab#"}],
    [*V2, {"@base": "https://example.org/base/"}],
    [*V2, {"@language": "en"}],
    [*V2, {"@direction": "ltr"}],
    [*V2, {"@propagate": False}],
    [*V2, {"ex": "https://example.org/ex#"}],
    [{"@version": 1.1}, *V2],
    [*V2, {"@protected": True, "tag": "https://example.org/tag"}],
    [*V2, {"@context": {}}],
    [*V2, None],
    [None, *V2],
    [*V2, "https://example.org/not-bundled"],
    [],
    None,
]


def _context_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for context in _CONTEXTS:
        tag = json.dumps(context)[:60]
        cases.append((f"@context={tag}", _credential(context=copy.deepcopy(context))))
        document = _credential(context=copy.deepcopy(context))
        document["ex:extra"] = "value"
        document["credentialSubject"]["achievement"]["tag"] = ["a", "b"]
        cases.append((f"@context={tag} +ex:extra", document))
        document = _credential()
        document["credentialSubject"]["achievement"]["@context"] = copy.deepcopy(context)
        cases.append((f"achievement @context={tag}", document))
    return cases


_SCOPED: list[dict[str, Any]] = [
    # a property-scoped context for one property name under two different parents
    {"s": {"@id": "https://example.org/s", "@context": {"v": "https://example.org/s-v"}}},
    {"t": {"@id": "https://example.org/t", "@context": {"v": "https://example.org/t-v"}}},
    # a type-scoped context that propagates, and one that does not
    {"T": {"@id": "https://example.org/T", "@context": {"v": "https://example.org/T-v"}}},
    {
        "T": {
            "@id": "https://example.org/T",
            "@context": {"@propagate": True, "v": "https://example.org/T-v"},
        }
    },
    {
        "T": {
            "@id": "https://example.org/T",
            "@context": {"@propagate": False, "v": "https://example.org/T-v"},
        }
    },
    # two levels of scoped contexts
    {
        "s": {
            "@id": "https://example.org/s",
            "@context": {
                "t": {"@id": "https://example.org/t", "@context": {"v": "https://example.org/st-v"}}
            },
        }
    },
    # a scoped context that makes v a @json / @id / @list / datatype term
    {
        "s": {
            "@id": "https://example.org/s",
            "@context": {"v": {"@id": "https://example.org/v", "@type": "@json"}},
        }
    },
    {
        "s": {
            "@id": "https://example.org/s",
            "@context": {"v": {"@id": "https://example.org/v", "@type": "@id"}},
        }
    },
    {
        "s": {
            "@id": "https://example.org/s",
            "@context": {"v": {"@id": "https://example.org/v", "@container": "@list"}},
        }
    },
    {
        "s": {
            "@id": "https://example.org/s",
            "@context": {
                "v": {
                    "@id": "https://example.org/v",
                    "@type": "http://www.w3.org/2001/XMLSchema#double",
                }
            },
        }
    },
    {
        "s": {
            "@id": "https://example.org/s",
            "@context": {"v": {"@id": "https://example.org/v", "@language": "de"}},
        }
    },
    {
        "s": {
            "@id": "https://example.org/s",
            "@context": {
                "v": {"@id": "https://example.org/v", "@reverse": "https://example.org/r"}
            },
        }
    },
    # the term redefines itself inside its own scoped context
    {
        "v": {
            "@id": "https://example.org/v1",
            "@context": {"v": {"@id": "https://example.org/v2", "@type": "@id"}},
        }
    },
    {
        "v": {
            "@id": "https://example.org/v1",
            "@context": {"v": {"@id": "https://example.org/v2", "@container": "@list"}},
        }
    },
    # a type-scoped context that redefines @type / id aliases
    {"T": {"@id": "https://example.org/T", "@context": {"kind": "@type", "ident": "@id"}}},
    # redefine a protected VCDM term (must be refused)
    {"name": "https://example.org/not-schema-name"},
    {"issuer": "https://example.org/issuer"},
    {"@protected": False, "id": "@id", "type": "@type", "Profile": "https://example.org/P"},
]

_SCOPED_BODIES: list[dict[str, Any]] = [
    {"s": {"v": "x"}, "t": {"v": "y"}},
    {"s": {"v": "x", "t": {"v": "y"}}},
    {"s": {"t": {"v": "y"}}},
    {"s": {"v": {"v": "z"}}},
    {"s": {"v": ["a", "b"]}},
    {"s": {"v": {"a": [1, {"b": None}]}}},
    {"s": {"v": None}},
    {"s": {"v": 1.5}},
    {"s": {"v": "urn:r"}},
    {"s": {"v": "relative"}},
    {"v": "x"},
    {"v": ["a", "b"]},
    {"v": {"v": "n"}},
    {"type": "T", "v": "x"},
    {"type": "T", "v": {"v": "nested"}},
    {"type": "T", "v": {"id": "urn:only-id"}},
    {"type": "T", "v": {"id": "urn:id", "v": "and value"}},
    {"type": ["T", "Profile"], "v": {"v": "w"}},
    {"type": ["Profile", "T"], "v": {"v": "w"}},
    {"kind": "T", "ident": "urn:k", "v": "x"},
    {"type": "T", "kind": "Profile", "ident": "urn:k"},
    {"s": {"type": "T", "v": "x"}},
    {"name": "n", "issuer": "urn:i"},
]


def _scoped_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for index, (scoped, body) in enumerate(itertools.product(_SCOPED, _SCOPED_BODIES)):
        document = {"@context": [*V2, copy.deepcopy(scoped)], "id": "urn:doc", **body}
        cases.append((f"scoped#{index} {json.dumps(body)[:50]}", document))
        nested = _credential(context=[*V2, copy.deepcopy(scoped)])
        nested["credentialSubject"]["achievement"].update(copy.deepcopy(body))
        cases.append((f"scoped-in-achievement#{index}", nested))
    return cases


def _json_and_list_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for value in [None, {}, [], {"b": 1, "a": [2.5, "\u00e9", None]}, "text", 1e21, [None]]:
        schema = {"id": "https://example.edu/s", "type": "1EdTechJsonSchemaValidator2019"}
        document = _credential(context=[*V2, EXT], credentialSchema=schema)
        document["credentialSchema"]["jsonSchema"] = value
        cases.append((f"jsonSchema={json.dumps(value)}", document))
    for value in [[], ["a"], ["a", "b"], [None], [["a"]], [{"id": "urn:x"}], "a", {"v": 1}]:
        context = [*V2, {"L": {"@id": "https://example.org/L", "@container": "@list"}}]
        cases.append((f"@list={json.dumps(value)}", _credential(context=context, L=value)))
    for proof in [
        {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z1"},
        [{"type": "DataIntegrityProof"}, {"type": "DataIntegrityProof", "id": "urn:p"}],
        {"id": "urn:p"},
        {},
        [],
        "urn:p",
        {"type": "DataIntegrityProof", "proofValue": {"@value": "z1"}},
        {"type": "DataIntegrityProof", "previousProof": "urn:p0", "id": "urn:p1"},
    ]:
        cases.append((f"proof={json.dumps(proof)[:40]}", _credential(proof=proof)))
    return cases


_ALL_CASES: list[tuple[str, dict[str, Any]]] = [
    *_value_cases(),
    *_id_cases(),
    *_type_cases(),
    *_context_cases(),
    *_scoped_cases(),
    *_json_and_list_cases(),
]


def test_explicit_cases_agree_with_uncached_pyld() -> None:
    """Every case (by default every 4th, ~600; MCBADGE_REDTEAM_FULL=1: all ~2,000), then again
    in reverse order (by default every 5th of those), in one process (the second pass runs with
    every cache warm); collected so one run reports every disagreement."""
    failures = []
    cases = _ALL_CASES if FULL else _ALL_CASES[::4]
    again = cases if FULL else cases[::5]
    for label, document in [*cases, *reversed(again)]:
        problems = compare(document)
        if problems:
            failures.append(f"{label}: {problems}")
    assert not failures, "\n".join(sorted(set(failures))[:40])


def test_same_shape_different_contexts_in_sequence() -> None:
    """One key shape, many context lists: a plan of one must never serve another."""
    for first, second in itertools.permutations(_CONTEXTS[: 20 if FULL else 8], 2):
        for context in (first, second):
            document = _credential(context=copy.deepcopy(context))
            document["credentialSubject"]["achievement"]["tag"] = "t"
            assert not compare(document), context


def test_inline_context_changed_in_place_is_not_served_from_the_memo() -> None:
    """Context memos keyed by object identity: a caller who edits an inline context (of the
    document, or of a node) in place and canonizes again must get the new meaning."""
    document = _credential(context=[*V2, {"extra": "https://example.org/one"}], extra="x")
    assert not compare(document)
    before = canonize(document)
    document["@context"][2]["extra"] = "https://example.org/two"
    assert not compare(document)
    assert canonize(document) != before
    assert "https://example.org/two" in canonize(document)

    node = _credential()
    subject = node["credentialSubject"]
    subject["@context"] = {"extra": "https://example.org/three"}
    subject["extra"] = "y"
    assert not compare(node)
    subject["@context"]["extra"] = "https://example.org/four"
    assert not compare(node)
    assert "https://example.org/four" in canonize(node)

    scoped = {"s": {"@id": "https://example.org/s", "@context": {"v": "https://example.org/v1"}}}
    nested = _credential(context=[*V2, scoped], s={"v": "z"})
    assert not compare(nested)
    scoped["s"]["@context"]["v"] = "https://example.org/v2"
    assert not compare(nested)
    assert "https://example.org/v2" in canonize(nested)


def test_language_tag_cannot_forge_extra_statements() -> None:
    """A language tag is written raw into N-Quads: one that is not a BCP 47-shaped tag could
    carry ' .\\n<s> <p> "y"@en' and make one value canonicalize exactly like two values
    (two different documents, the same signed bytes). Such a tag must be refused."""
    forged = _credential()
    forged["credentialSubject"]["achievement"]["name"] = {
        "@value": "x",
        "@language": 'en .\n<https://example.edu/a> <https://schema.org/name> "y"@en',
    }
    honest = _credential()
    honest["credentialSubject"]["achievement"]["name"] = [
        {"@value": "x", "@language": "en"},
        {"@value": "y", "@language": "en"},
    ]
    expected = canonize(honest)
    with pytest.raises(MCBadgeError):
        canonize(forged)
    assert canonize(honest) == expected
    for tag in ["en <https://example.org/g>", "en\t", "en-", "-en", "e n", "en^^<urn:x>", ""]:
        document = _credential()
        document["name"] = {"@value": "x", "@language": tag}
        with pytest.raises(MCBadgeError):
            canonize(document)
    for tag in ["en", "EN-us", "zh-Hant-TW", "x-private1"]:
        document = _credential()
        document["name"] = {"@value": "x", "@language": tag}
        parse_nquads(canonize(document))


def test_an_iri_ending_in_a_newline_is_refused() -> None:
    """pyld's absolute-IRI test ends in ``$``, which in Python also matches before a final
    newline: 'urn:x\\n' passes it and would be written raw into N-Quads (not parseable, and
    dropped by implementations whose ``$`` is strict). Both paths must refuse it."""
    documents = [
        _with("id", "urn:x\n"),
        _with("issuer", "did:example:i\n"),
        _with("credentialSubject.achievement.type", ["Achievement", "https://example.org/T\n"]),
        _credential(context=[*V2, {"extra": "https://example.org/extra\n"}], extra="x"),
        _credential(
            context=[*V2, {"when": {"@id": "https://example.org/w", "@type": "urn:dt\n"}}],
            when="x",
        ),
    ]
    for document in documents:
        assert fast_dataset(document) is None
        with pytest.raises(MCBadgeError):
            canonize(document)


def test_node_plan_bound_then_old_shapes_again() -> None:
    """More node shapes than the bound (the real limits, URL contexts only, so every shape is
    cached), then the first shapes again, then more type combinations than one shape keeps."""
    first = [_credential(), _with("credentialSubject.achievement.tag", ["x"])]
    for document in first:
        assert not compare(document)
    terms = [
        "achievementType", "creator", "creditsAvailable", "fieldOfStudy", "humanCode",
        "image", "related", "specialization", "tag", "version", "inLanguage", "name",
        "description", "otherIdentifier", "alignment", "resultDescription",
    ]  # fmt: skip
    count = 0
    limit = _fast._PLAN_LIMIT + 200
    for size in range(1, len(terms)):
        for keys in itertools.combinations(terms, size):
            achievement = {"id": "urn:a", "type": ["Achievement"], **dict.fromkeys(keys, "urn:v")}
            document = _with("credentialSubject.achievement", achievement)
            assert fast_dataset(document) is not None
            count += 1
            if count % 997 == 0:
                assert not compare(document)
            if count >= limit:
                break
        if count >= limit:
            break
    assert count >= limit
    assert _fast._plan_count[0] <= _fast._PLAN_LIMIT
    assert len(_fast._heads) <= _fast._HEAD_LIMIT
    for document in first:
        assert not compare(document)
    for index in range(_fast._PLANS_PER_HEAD + 5):
        document = _with("credentialSubject.achievement.type", ["Achievement", f"urn:t:{index}"])
        assert not compare(document)
    assert not compare(_credential())


_MUTATIONS: list[Callable[[Any, st.DrawFn], Any]] = []


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    document = draw(credentials())
    nodes: list[dict[str, Any]] = []
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            nodes.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        node = draw(st.sampled_from(nodes))
        keys = [key for key in node if key != "@context"] or ["name"]
        key = draw(st.sampled_from([*keys, "id", "@id", "type", "@type", "name", "tag"]))
        node[key] = draw(
            st.one_of(
                st.sampled_from(_VALUES[:30] + _IDS + _TYPES),
                st.just(copy.deepcopy(node.get(key))),
            )
        )
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            node["@context"] = draw(st.sampled_from(_CONTEXTS[:30]))
    return document


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(_mutated())
def test_mutated_credentials_agree_with_uncached_pyld(document: dict[str, Any]) -> None:
    assert not compare(document)


def test_reference_is_independent_of_mcbadge_caches() -> None:
    """The reference must see an edited inline context (it deep-copies and has no memo)."""
    document = _credential(context=[*V2, {"extra": "https://example.org/r1"}], extra="x")
    first = reference(document)
    document["@context"][2]["extra"] = "https://example.org/r2"
    second = reference(document)
    assert first is not None
    assert second is not None
    assert first != second
