"""The two JSON Schema validators give the same verdict.

``mcbadge.schema`` trusts jsonschema-rs's "valid" without asking python ``jsonschema``, so the
Rust validator must never accept what the python one (today's behaviour) rejects. Checked on
every JSON document under ``tests/reference/examples`` against every bundled schema, on the
realistic issuer credential, and on hypothesis mutations of valid credentials. The one known
difference is python ``re``'s ``$`` matching before a final newline (ECMA-262 does not): the
Rust side is the stricter one there, and :func:`mcbadge.schema.validate` then fails closed.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbadge import schema
from mcbadge.errors import SchemaError

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
REPO = Path(__file__).resolve().parents[2]
SCHEMA_IDS = sorted(schema.bundled_schemas())
ACHIEVEMENT = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
STRICT = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json"


def _example_paths() -> list[Path]:
    return sorted((REFERENCE / "examples").rglob("*.json"))


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *_strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def _assert_agree(document: Any, schema_id: str) -> bool:
    """Both verdicts, compared; returns the python verdict."""
    fast = schema._fast_verdict(schema_id, document)
    slow = bool(schema._validator_for_id(schema_id).is_valid(document))
    if fast is None:  # not plain JSON or unreadable by Rust: python alone decides
        return slow
    if fast != slow:
        # Only the documented difference, only in the strict direction, and fail closed.
        assert slow is True, (schema_id, document)
        assert fast is False, (schema_id, document)
        assert any(s.endswith("\n") for s in _strings(document)), (schema_id, document)
        with pytest.raises(SchemaError):
            schema.validate(document, schema_id)
    return slow


@pytest.mark.parametrize("path", _example_paths(), ids=lambda p: str(p.relative_to(REFERENCE)))
def test_reference_examples_same_verdict_under_every_bundled_schema(path: Path) -> None:
    document = json.loads(path.read_text("utf-8"))
    for schema_id in SCHEMA_IDS:
        _assert_agree(document, schema_id)


def test_the_examples_include_valid_and_invalid_documents() -> None:
    verdicts = [
        _assert_agree(json.loads(path.read_text("utf-8")), ACHIEVEMENT) for path in _example_paths()
    ]
    assert any(verdicts)
    assert not all(verdicts)


def _seeds() -> list[dict[str, Any]]:
    seeds = []
    for relative in (
        "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json",
        "examples/ob3/spec-source/basicOpenBadgeCredential.json",
        "examples/ob3/spec-source/fullOpenBadge.json",
        "examples/ob3/spec-source/endorsement.json",
        "examples/ob3/validator-samples/complete.json",
    ):
        seeds.append(json.loads((REFERENCE / relative).read_text("utf-8")))
    sys.path.insert(0, str(REPO))
    try:
        from bench._fixtures import realistic_credential

        from mcbadge.keys import generate_key

        seeds.append(realistic_credential(generate_key("ed25519")))
    finally:
        sys.path.remove(str(REPO))
    return seeds


SEEDS = _seeds()


def test_seeds_are_valid() -> None:
    for seed in SEEDS:
        schema.validate(seed)
        assert schema._fast_verdict(schema._bundled_id(None, seed), seed) is True


_WORDS = st.sampled_from(
    [
        "en",
        "en-US",
        "en\n",
        "EN",
        "e",
        "en-us",
        "zh-Hant-TW",
        "",
        " ",
        "ext:Thing",
        "ext:",
        "Achievement",
        "AchievementSubject",
        "Profile",
        "Image",
        "IdentityObject",
        "VerifiableCredential",
        "OpenBadgeCredential",
        "EndorsementCredential",
        "Evidence",
        "Result",
        "Alignment",
        "emailAddress",
        "sha256$abc",
        "2026-01-01T00:00:00Z",
        "2026-01-01",
        "not a date",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\n",
        "https://www.w3.org/ns/credentials/v2",
        "aaa.bbb.ccc",
        "aaa..ccc",
        "aaa.bbb.ccc\n",
        "did:example:1",
        "id",
        "type",
        "name",
        "description",
        "achievement",
        "identifier",
        "criteria",
        "narrative",
        "inLanguage",
        "alignment",
        "evidence",
        "result",
        "resultDescription",
        "achievedLevel",
        "status",
        "credentialSchema",
        "\u00e9",
        "\ud83d\ude00",
    ]
)
_SCALAR = st.one_of(
    _WORDS,
    st.text(max_size=6),
    st.integers(-3, 3),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(_WORDS | st.text(max_size=4), inner, max_size=3),
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutate(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        path = data.draw(st.sampled_from(_paths(document)), label="path")
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        holder = document if not path else parent[path[-1]]
        action = data.draw(
            st.sampled_from(["replace", "delete", "add", "wrap", "unwrap", "rename"]),
            label="action",
        )
        if not path:
            action = "add"
        if action == "replace":
            parent[path[-1]] = data.draw(_VALUE, label="value")
        elif action == "delete" and isinstance(parent, dict | list):
            del parent[path[-1]]
        elif action == "add" and isinstance(holder, dict):
            holder[data.draw(_WORDS, label="key")] = data.draw(_VALUE, label="value")
        elif action == "add" and isinstance(holder, list):
            holder.append(data.draw(_VALUE, label="value"))
        elif action == "wrap":
            parent[path[-1]] = [holder]
        elif action == "unwrap" and isinstance(holder, list) and holder:
            parent[path[-1]] = holder[0]
        elif action == "rename" and isinstance(parent, dict):
            parent[data.draw(_WORDS, label="new key")] = parent.pop(path[-1])
    return document


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_credentials_same_verdict(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    document = _mutate(seed, data)
    _assert_agree(document, schema._bundled_id(None, document))
    _assert_agree(document, STRICT)


@settings(max_examples=60, deadline=None)
@given(_VALUE)
def test_any_json_value_same_verdict(value: Any) -> None:
    _assert_agree(value, ACHIEVEMENT)


def test_validate_agrees_with_python_on_a_valid_and_an_invalid_document() -> None:
    seed = SEEDS[-1]
    schema.validate(seed)
    broken = copy.deepcopy(seed)
    broken["credentialSubject"]["type"] = 5
    with pytest.raises(SchemaError) as caught:
        schema.validate(broken)
    assert caught.value.code == "schema.invalid"
    assert [e["loc"] for e in caught.value.errors] == ["credentialSubject.type"]


def test_trailing_newline_in_a_language_code_fails_closed() -> None:
    document = copy.deepcopy(SEEDS[-1])
    document["name"] = {"en\n": "A name"}
    assert schema._validator_for_id(ACHIEVEMENT).is_valid(document)  # python's lenient `$`
    assert schema._fast_verdict(ACHIEVEMENT, document) is False
    with pytest.raises(SchemaError) as caught:
        schema.validate(document, ACHIEVEMENT)
    assert caught.value.code == "schema.invalid"
    assert caught.value.errors
    assert all(set(e) == {"loc", "message"} for e in caught.value.errors)


def test_format_is_an_annotation_in_both() -> None:
    document = copy.deepcopy(SEEDS[-1])
    document["validFrom"] = "not a date-time"
    assert schema._fast_verdict(ACHIEVEMENT, document) is True
    assert schema._validator_for_id(ACHIEVEMENT).is_valid(document)
    schema.validate(document, ACHIEVEMENT)


@pytest.mark.parametrize(
    "odd",
    [
        {"type": ("VerifiableCredential",)},  # a tuple: Rust would read it as an array
        {1: "non-string key"},
        {"name": float("nan")},
    ],
)
def test_non_json_data_is_judged_by_python_alone(odd: dict[Any, Any]) -> None:
    document = {**copy.deepcopy(SEEDS[-1]), **odd}
    assert schema._fast_verdict(ACHIEVEMENT, document) is None
    python_says_valid = schema._validator_for_id(ACHIEVEMENT).is_valid(document)
    try:
        schema.validate(document, ACHIEVEMENT)
    except SchemaError:
        assert not python_says_valid
    else:
        assert python_says_valid
    if "type" in odd:
        assert not python_says_valid


@pytest.mark.parametrize(
    "odd",
    [
        {"name": "\ud800"},
        {"name": {"\ud800": "x"}},  # a key a pattern is matched against
        {"name": {"en": "\ud800"}},
        {"credentialSubject": {"type": "\ud800"}},
    ],
)
def test_lone_surrogates_never_make_the_fast_validator_lenient(odd: dict[str, Any]) -> None:
    # Rust strings cannot hold them: it either reads around them or gives no verdict.
    _assert_agree({**copy.deepcopy(SEEDS[-1]), **odd}, ACHIEVEMENT)
