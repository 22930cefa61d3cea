"""The verifier reads documents with the one strict JSON reader (mcbadge._json): the same
inputs fail with the same ``input.*`` codes, whichever door they come through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcbadge._json import loads_strict
from mcbadge.errors import InputError
from mcbadge.verify._input import parse_input

HOSTILE = [
    b"",
    b'{"a": 1, "a": 2}',
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": 1' + b"0" * 200 + b"}",
    b'{"a": 99999999999999999999}',
    b'{"a": ' * 100 + b"1" + b"}" * 100,
    b'{"a": "\\ud800"}',
    b"\xef\xbb\xbf{}",
    b'{"a": "\xc3\x28"}',
    b'{"a": ',
    b"[1, 2]",
]


def _code(function: object, data: object) -> str:
    with pytest.raises(InputError) as caught:
        function(data)  # type: ignore[operator]
    return caught.value.code


@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_same_codes_as_the_shared_reader(data: bytes, tmp_path: Path) -> None:
    try:
        value = loads_strict(data)
    except InputError as exc:
        expected = exc.code
    else:
        assert not isinstance(value, dict)
        expected = "input.not_object"
    assert _code(parse_input, data) == expected
    path = tmp_path / "doc.json"
    path.write_bytes(data)
    assert _code(parse_input, path) == expected
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert _code(parse_input, text) == expected


def test_oversize_through_every_door(tmp_path: Path) -> None:
    big = b" " * (8 * 1024 * 1024) + b"{}"
    path = tmp_path / "big.json"
    path.write_bytes(big)
    for door in (big, big.decode(), path):
        assert _code(parse_input, door) == "input.too_large"


def test_a_device_is_read_only_up_to_the_cap() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    assert _code(parse_input, Path("/dev/zero")) == "input.too_large"


def test_jwt_parts_use_the_strict_reader() -> None:
    import base64

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part(b'{"alg":"EdDSA","alg":"none"}')
    token = f"{header}.{part(b'{}')}.c2ln"
    with pytest.raises(InputError) as caught:
        parse_input(token)
    assert caught.value.code == "jwt.malformed"
    assert "more than once" in caught.value.message


_SHAPE_ALPHABET = "aZ09-_.\n =+/{é"


@settings(max_examples=2_000, deadline=None)
@given(st.text(alphabet=_SHAPE_ALPHABET, max_size=40))
def test_the_jws_shape_test_is_the_regex(text: str) -> None:
    """``_is_compact_jws`` (C string passes) decides exactly what the regex it replaced did,
    for every text: a final newline, empty parts, a fourth part, other characters."""
    from mcbadge.verify._input import _JWS_RE, _is_compact_jws

    assert _is_compact_jws(text) is bool(_JWS_RE.match(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b.c", True),
        ("a.b.", True),
        ("a.b.c\n", True),  # "$" allows one final newline
        ("a.b.c\n\n", False),
        (".b.c", False),
        ("a..c", False),
        ("a.b.c.d", False),
        ("a.b", False),
        ("a.b.c=", False),
        ("a.b.c ", False),
        ("a.b.cé", False),
        ("eyJ" + "A" * 7000 + ".eyJ" + "B" * 7000 + ".sig", True),
    ],
)
def test_the_jws_shape_test_on_edges(text: str, expected: bool) -> None:
    from mcbadge.verify._input import _JWS_RE, _is_compact_jws

    assert _is_compact_jws(text) is expected is bool(_JWS_RE.match(text))
