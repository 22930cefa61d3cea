"""mcbadge._json: strict JSON refuses what Python's json module would quietly accept."""

from __future__ import annotations

import contextlib
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcbadge._json import loads_object, loads_strict
from mcbadge.errors import InputError


def _code(data: bytes | str, **kwargs: int) -> str:
    with pytest.raises(InputError) as info:
        loads_strict(data, **kwargs)
    return info.value.code


def test_parses_ordinary_json_from_bytes_and_str() -> None:
    doc = {"a": [1, 2.5, "é", None, True], "b": {"c": "\U0001f600"}}
    text = json.dumps(doc, ensure_ascii=False)
    assert loads_strict(text) == doc
    assert loads_strict(text.encode("utf-8")) == doc


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"a": 1, "a": 2}', "input.duplicate_key"),
        (b'{"x": {"a": 1, "b": 2, "a": 3}}', "input.duplicate_key"),
        (b"[NaN]", "input.non_finite_number"),
        (b'{"n": Infinity}', "input.non_finite_number"),
        (b"[-Infinity]", "input.non_finite_number"),
        (b"[9223372036854775808]", "input.huge_number"),
        (b"[-9223372036854775809]", "input.huge_number"),
        (b"[" + b"9" * 5000 + b"]", "input.huge_number"),
        (b"[1e400]", "input.huge_number"),
        (b"[-1e999]", "input.huge_number"),
        (b"[0." + b"1" * 200 + b"]", "input.huge_number"),
        (b'{"a": "\xff"}', "input.not_utf8"),
        (b'\xef\xbb\xbf{"a": 1}', "input.not_utf8"),
        (b'{"a": "\\ud800"}', "input.not_utf8"),
        (b'{"\\udc00x": 1}', "input.not_utf8"),
        (b'{"a": 1,}', "input.malformed"),
        (b"{'a': 1}", "input.malformed"),
        (b"", "input.malformed"),
        (b'{"a": 1} {"b": 2}', "input.malformed"),
        (b'{"a": "tab\there"}', "input.malformed"),
    ],
)
def test_hostile_json_is_refused_with_its_code(data: bytes, code: str) -> None:
    assert _code(data) == code


def test_largest_allowed_integers_parse() -> None:
    assert loads_strict(b"[9223372036854775807, -9223372036854775808]") == [2**63 - 1, -(2**63)]


def test_valid_surrogate_pair_escape_is_accepted() -> None:
    assert loads_strict(b'["\\ud83d\\ude00"]') == ["\U0001f600"]


def test_escaped_backslash_before_u_is_not_a_surrogate_escape() -> None:
    assert loads_strict(b'["\\\\ud800"]') == ["\\ud800"]


def test_malformed_message_gives_line_and_column() -> None:
    with pytest.raises(InputError) as info:
        loads_strict(b'{\n  "a": 1\n  "b": 2\n}')
    assert info.value.code == "input.malformed"
    assert "line 3 column 3" in info.value.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the document is empty"),
        (" \n\t", "the document is empty (it holds only white space)"),
        (
            b"<html><body>502 Bad Gateway</body></html>",
            "the document is not JSON: it starts with '<html><body>502 Bad '",
        ),
        ("\n  Not Found", "the document is not JSON: it starts with 'Not Found'"),
        # text that starts like JSON keeps the decoder's line and column
        ("nul", "the document is not valid JSON: Expecting value at line 1 column 1"),
        (
            '{"a": 1,}',
            "the document is not valid JSON: Expecting property name enclosed in double quotes"
            " at line 1 column 9",
        ),
    ],
)
def test_what_is_not_json_is_named_for_a_person(data: bytes | str, message: str) -> None:
    with pytest.raises(InputError) as info:
        loads_strict(data)
    assert (info.value.code, info.value.message) == ("input.malformed", message)


def test_too_large_is_refused_before_parsing() -> None:
    assert _code(b"[" + b" " * 100 + b"]", max_bytes=50) == "input.too_large"
    # a str is measured in UTF-8 bytes, not characters
    assert _code('["' + "é" * 30 + '"]', max_bytes=50) == "input.too_large"
    assert loads_strict(b"[1]", max_bytes=3) == [1]


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    deep = "[" * 200_000 + "]" * 200_000
    assert _code(deep) == "input.too_deep"
    assert _code('{"a":' * 100_000 + "1" + "}" * 100_000) == "input.too_deep"


def test_depth_limit_is_exact() -> None:
    assert loads_strict("[" * 64 + "]" * 64) is not None
    assert _code("[" * 65 + "]" * 65) == "input.too_deep"


def test_both_depth_paths_agree_on_the_limit() -> None:
    # few openers: parsed, then walked; many openers: pre-scanned before parsing
    padding = ",[]" * 600
    assert _code("[" * 65 + "]" * 65) == "input.too_deep"
    assert _code("[" * 65 + "]" * 64 + padding + "]") == "input.too_deep"
    assert len(loads_strict("[" * 64 + "]" * 63 + padding + "]")) == 601


def test_wide_documents_are_not_too_deep() -> None:
    wide = json.dumps([{"a": [1, {"b": []}]} for _ in range(2000)])
    assert len(loads_strict(wide)) == 2000


def test_deep_text_is_refused_even_with_a_raised_recursion_limit() -> None:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    try:
        assert _code("[" * 500_000 + "]" * 500_000) == "input.too_deep"
    finally:
        sys.setrecursionlimit(old)


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    text = json.dumps({"s": "[" * 1000 + '\\"{' * 100})
    assert loads_strict(text)["s"].startswith("[[[")


def test_loads_object_requires_an_object() -> None:
    assert loads_object(b'{"a": 1}') == {"a": 1}
    for data in (b"[1]", b'"s"', b"1", b"null"):
        with pytest.raises(InputError) as info:
            loads_object(data)
        assert info.value.code == "input.not_object"


def test_non_text_input_is_a_programmer_error() -> None:
    with pytest.raises(TypeError):
        loads_strict(123)  # type: ignore[arg-type]


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_json_values)
def test_round_trips_everything_standard_json_can_say(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert loads_strict(text.encode("utf-8")) == json.loads(text)
    assert loads_strict(json.dumps(value)) == json.loads(text)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_either_parse_or_raise_input_error(data: bytes) -> None:
    with contextlib.suppress(InputError):
        loads_strict(data)
