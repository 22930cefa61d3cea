"""The verifier's one-walk document facts (first null/empty member, every @context entry)
agree with the two separate walks they replaced, on generated JSON documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mcbadge.verify import VerificationPolicy
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import ParsedInput
from mcbadge.verify._util import as_list
from mcbadge.verify.checks_local import _document_facts


def _reference_empty(value: Any, path: str = "", depth: int = 0) -> str | None:
    if depth > 80:
        return None
    items: Any = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if item is None or (isinstance(item, list) and not item and isinstance(value, dict)):
            return where
        found = _reference_empty(item, where, depth + 1)
        if found is not None:
            return found
    return None


def _reference_contexts(value: Any, found: list[Any], depth: int = 0) -> None:
    if depth > 80:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                found.extend(as_list(item))
            else:
                _reference_contexts(item, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _reference_contexts(item, found, depth + 1)


_KEYS = st.sampled_from(["@context", "id", "type", "a", "b", "0"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["x", "https://c"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)


def _ctx(document: dict[str, Any]) -> RunContext:
    ctx = RunContext(VerificationPolicy(offline=True), datetime.now(UTC))
    ctx.parsed = ParsedInput(document)
    return ctx


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=4))
def test_one_walk_equals_the_two_reference_walks(document: dict[str, Any]) -> None:
    empty, contexts = _document_facts(_ctx(document))
    assert empty == _reference_empty(document)
    expected: list[Any] = []
    _reference_contexts(document, expected)
    assert contexts == expected


def test_facts_are_computed_once_per_run() -> None:
    ctx = _ctx({"@context": ["https://c"], "a": None})
    first = _document_facts(ctx)
    assert first == ("a", ["https://c"])
    assert _document_facts(ctx) is first


def _nested(levels: int, leaf: dict[str, Any]) -> dict[str, Any]:
    from test_verify import credential

    inner = leaf
    for _ in range(levels):
        inner = {"a": inner}
    document = credential()
    document["credentialSubject"]["deep"] = inner
    return document


def test_the_walk_reaches_the_deepest_document_the_reader_accepts() -> None:
    """61 wrappers inside credentialSubject.deep is the deepest nesting the strict reader
    takes (64 levels); the walk must still see a null or an @context there, and one level
    more is refused before any check runs."""
    from test_verify import policy

    from mcbadge.verify import verify

    deepest_null = verify(_nested(61, {"x": None}), policy())
    assert deepest_null.check("input").status == "passed"
    assert deepest_null.check("data_model").code == "data_model.invalid"
    assert ".a.x is null" in deepest_null.check("data_model").message
    deepest_context = verify(_nested(61, {"@context": "https://evil.example/ctx"}), policy())
    assert deepest_context.check("context").code == "context.not_allowed"
    too_deep = verify(_nested(62, {"x": None}), policy())
    assert too_deep.check("input").code == "input.too_deep"
