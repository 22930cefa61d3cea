"""Behaviour of the verifier's document scan (verify/checks_local.py, _scan: the one walk that
finds a credential's null members, empty lists and @context entries) that the 2026-12-05
mutation round of verify/ found untested: how deep it reads @context entries, that it stays
bounded on a document nested thousands of levels deep, and that it reads an @context's own
content as deep as the rest of the credential. verify() re-reads every input with the strict
JSON reader (64 levels, `input.too_deep`), so these bounds show at the issuer's signing gate:
`document_checks(..., model_checked=True)` takes a builder-made dict as it is. Each test pins
one rule, and the mutants it kills are named in its docstring (numbers are those of the
round's scratch copy, made by mutmut at 8d0e924). Of the other survivors of this list, _scan
4, 47, 58 and 65 are killed by test_verify_survivors_local_exact.py too (a null 80 levels
down), and 16, 22, 26 and 68 are equivalent or only cost time."""

from __future__ import annotations

from typing import Any

import pytest
from test_verify_exact import NOW, OB, V2, credential

from mcbadge.verify import Check
from mcbadge.verify.document import document_checks

DEEP_CONTEXT = "https://contexts.example.org/deep.jsonld"
NOT_BUNDLED = Check(
    "context",
    "failed",
    "context.not_allowed",
    f"JSON-LD context {DEEP_CONTEXT!r} is not bundled; contexts are never fetched",
)
ONLY_BUNDLED = Check("context", "passed", "context.ok", "only bundled JSON-LD contexts are used")
SHAPES = pytest.mark.parametrize("shape", ["dicts", "lists", "lists-and-dicts"])


def _nested(shape: str, level: int, leaf: Any) -> Any:
    """The value of a credential member (level 1; the credential itself is level 0) that holds
    ``leaf`` as the container at ``level``: through objects ``{"deep": ...}`` ("dicts"),
    through lists ``[...]`` ("lists"), or alternately (a list at every odd level, an object at
    every even one: "lists-and-dicts")."""
    value = leaf
    for at in range(level - 1, 0, -1):
        as_list = shape == "lists" or (shape == "lists-and-dicts" and at % 2 == 1)
        value = [value] if as_list else {"deep": value}
    return value


def _gate(doc: dict[str, Any]) -> tuple[Check, ...]:
    """The issuer's signing gate on a builder-checked credential (no JSON re-read)."""
    return document_checks(doc, now=NOW, model_checked=True)


@SHAPES
@pytest.mark.parametrize(
    ("level", "context_check"),
    [(80, NOT_BUNDLED), (81, ONLY_BUNDLED)],
    ids=["level-80", "level-81"],
)
def test_the_context_check_judges_every_context_as_deep_as_the_scan_reads(
    shape: str, level: int, context_check: Check
) -> None:
    """The context check judges the @context entries the document scan collects, and the scan
    reads a credential 80 levels deep (the same bound as for null members): an unbundled
    context in an object 80 levels down fails `context` (`context.not_allowed`, naming it);
    one 81 levels down is beyond the scan and the check passes. Kills _scan 5 (`depth > 81`:
    one level more read, every shape), 35 (an object in an object read at `depth - 1`:
    "dicts", "lists-and-dicts"), 46 (a list in an object at `depth - 1`) and 57 (an item of a
    list at `depth - 1`; both "lists", "lists-and-dicts"): each collected the level-81 entry
    and failed the check. The level-80 cases also kill 4, 47, 58 and 65, which read a level
    short and passed the check."""
    doc = credential(deep=_nested(shape, level, {"@context": DEEP_CONTEXT}))
    assert _gate(doc)[2] == context_check


@SHAPES
def test_the_signing_gate_reports_on_a_credential_nested_thousands_of_levels_deep(
    shape: str,
) -> None:
    """The document scan is bounded whatever the shape of the nesting: a builder-checked
    credential carrying a member nested 3,000 levels deep gets its four document checks from
    the signing gate (nothing within the 80 levels the scan reads is wrong, so all pass, and
    no JSON Schema is named), not a RecursionError. Kills _scan 35 ("dicts"), 46
    ("lists-and-dicts") and 57 ("lists", "lists-and-dicts"), whose walks never reached the
    depth bound on those shapes and raised RecursionError out of document_checks."""
    doc = credential(deep=_nested(shape, 3000, {"note": "deep"}))
    assert _gate(doc) == (
        Check("data_model", "passed", "data_model.ok", "follows the Open Badges 3.0 data model"),
        Check(
            "schema",
            "skipped",
            "schema.not_applicable",
            "the credential names no 1EdTech JSON Schema",
        ),
        ONLY_BUNDLED,
        Check(
            "validity",
            "passed",
            "validity.ok",
            "valid now: from 2024-01-01T00:00:00Z until 2030-01-01T00:00:00Z",
        ),
    )


def test_a_null_inside_a_context_is_named_as_deep_as_the_scan_reads() -> None:
    """A null inside a credential's @context (here in an inline entry, which the context check
    refuses anyway) is read as deep as any other member: one in a list 80 levels down fails
    `data_model`, naming where it is, so the signing gate's report says both what is wrong
    with the contexts and that a null was sent. Kills _scan 27 (the @context's content read
    from `depth + 2`: the null one level short of the bound went unseen and data_model
    passed)."""
    doc = credential()
    # @context is level 1 and its third entry level 2, so the list holding the null
    # (level 79 of that entry's nesting) is level 80.
    doc["@context"] = [V2, OB, _nested("lists", 79, [None])]
    checks = _gate(doc)
    assert checks[0] == Check(
        "data_model",
        "failed",
        "data_model.invalid",
        f"@context.2{'.0' * 79} is null or an empty list; such members must be omitted",
    )
    assert checks[2] == Check(
        "context", "failed", "context.inline", "inline JSON-LD contexts are not accepted"
    )
