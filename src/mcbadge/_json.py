"""Strict JSON parsing for every document that comes from outside.

Python's :mod:`json` accepts things that JSON (RFC 8259 / I-JSON, RFC 7493) does not: ``NaN``
and ``Infinity``, duplicate object keys (last one silently wins, which lets two parsers see
two different credentials), unbounded integers, and nesting deep enough to exhaust the
interpreter's recursion limit. :func:`loads_strict` closes each of those doors and raises
:class:`~mcbadge.errors.InputError` with a specific ``input.*`` code.

Decisions:

* Input must be UTF-8. A leading UTF-8 byte-order mark is refused (``input.not_utf8``):
  RFC 8259 forbids emitting one, and accepting it would let two byte strings that parse
  to the same value hash differently in logs.
* A ``\\uD800``-style escape that does not form a surrogate pair is refused
  (``input.not_utf8``): such a string cannot be encoded as UTF-8, so it could not be
  canonicalised or signed consistently.
* Integers must fit in a signed 64-bit range; numeric literals longer than 100 characters
  and floats that overflow to infinity are refused (``input.huge_number``).
* Depth: a text with more than 512 ``[``/``{`` is pre-scanned (a linear pass over quotes,
  escapes and brackets, no recursion) before parsing, so hostile nesting never reaches the
  recursive parser. Smaller texts cannot nest deeper than 512 and are parsed first and then
  measured by an iterative walk of the value, which is much cheaper; a text with no more
  openers than ``max_depth`` needs neither.
"""

from __future__ import annotations

import gc
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, final

from mcbadge.errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "StrictJSON",
    "collector_paused",
    "loads_object",
    "loads_strict",
]

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
_MAX_NUMBER_CHARS = 100
_INT_LIMIT = 2**63
_UTF8_BOM = b"\xef\xbb\xbf"
# Above this many openers the text is pre-scanned before parsing, so json's recursive C
# scanner never goes deep even if someone raised the interpreter's recursion limit.
_PRESCAN_OPENERS = 512
# Above this many objects and arrays the cycle collector is paused while the text is parsed.
_GC_PAUSE_OPENERS = 10_000
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@final
class StrictJSON:
    """A JSON value that :func:`loads_strict` has already read, within bounds no looser than
    :data:`DEFAULT_MAX_BYTES` and :data:`DEFAULT_MAX_DEPTH` (or a member of such a value).

    :func:`mcbadge.verify.verify` writes any other mapping out as JSON and reads it back
    strictly, so that a dict gets the same limits as bytes; a value wrapped in this has had
    them already, so it is taken as it is. For code that has just parsed a request body with
    :func:`loads_strict` (the service): one serialisation and one parse less. Wrapping anything
    else (a dict built in Python, a value read with looser bounds) voids that guarantee."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:  # a credential can be large; its text is not a repr's job
        return f"StrictJSON(<{type(self.value).__name__}>)"

    @staticmethod
    def within_bounds(max_bytes: int, max_depth: int) -> bool:
        """Whether a value :func:`loads_strict` read with these bounds may be wrapped."""
        return max_bytes <= DEFAULT_MAX_BYTES and max_depth <= DEFAULT_MAX_DEPTH


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a block that builds or reads a large JSON tree.

    JSON values hold no reference cycles, so the collector has nothing to find in them; left
    on, each collection of the oldest generation re-walks the whole tree, and a hostile
    document of a million small objects spends more time in collections than in being read
    and checked (parsing one: 1.46 s -> 0.82 s; verifying 100,000 evidence objects:
    1.80 s -> 0.67 s). Only the block that paused the collector turns it back on, so nested
    use and an application that keeps it off are left as they were.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(
                    f"the JSON object has the member {key[:80]!r} more than once",
                    code="input.duplicate_key",
                )
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise InputError(
        f"the JSON contains {name}, which is not a JSON number", code="input.non_finite_number"
    )


def _parse_int(text: str) -> int:
    if len(text) > 20:
        raise InputError("the JSON contains an integer that is too large", code="input.huge_number")
    value = int(text)
    if not -_INT_LIMIT <= value < _INT_LIMIT:
        raise InputError("the JSON contains an integer that is too large", code="input.huge_number")
    return value


def _parse_float(text: str) -> float:
    if len(text) > _MAX_NUMBER_CHARS:
        raise InputError("the JSON contains a number that is too long", code="input.huge_number")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InputError(
            "the JSON contains a number too large to represent", code="input.huge_number"
        )
    return value


# One decoder for every call: json.loads with hooks builds a new JSONDecoder each time.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs_to_dict,
    parse_constant=_reject_constant,
    parse_int=_parse_int,
    parse_float=_parse_float,
)


def _too_deep(max_depth: int) -> InputError:
    return InputError(
        f"the JSON is nested more than {max_depth} levels deep", code="input.too_deep"
    )


def _check_depth(value: Any, max_depth: int) -> None:
    # Iterative walk over containers only, for texts too small to have nested dangerously.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise _too_deep(max_depth)
        # exact type checks: the parser only ever builds plain dicts and lists
        for child in node.values() if type(node) is dict else node:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))


# A whole string (escapes included), or an escape outside one (invalid JSON, skipped as the
# token scan did): removed before the brackets are counted.
_STRING_OR_ESCAPE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|\\.', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


def _prescan_depth(text: str, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` without parsing: strings are cut out and the
    running depth of the remaining brackets is taken, all in C (regex, accumulate, max); a
    7 MB text takes ~0.1 s where a Python loop over its tokens took ~0.6 s."""
    outside = _STRING_OR_ESCAPE.sub("", text)
    quote = outside.find('"')
    if quote >= 0:  # an unterminated string: everything after its quote is inside it
        outside = outside[:quote]
    brackets = _NOT_BRACKET.sub("", outside)
    if brackets and max(itertools.accumulate(map(_DELTA.__getitem__, brackets))) > max_depth:
        raise _too_deep(max_depth)


def _check_strings_encodable(value: Any) -> None:
    # Only reached when the text contains a surrogate escape (rare); iterative, no recursion.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings: list[str] = [item]
        elif isinstance(item, dict):
            strings = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(
                    "the JSON contains a \\u escape for an unpaired surrogate, "
                    "which is not a Unicode character",
                    code="input.not_utf8",
                ) from None


def _to_text(data: bytes | bytearray | memoryview | str, max_bytes: int) -> str:
    if isinstance(data, str):
        if len(data) > max_bytes:
            raise InputError(
                f"the document is larger than {max_bytes} bytes", code="input.too_large"
            )
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError:
            raise InputError(
                "the document contains text that is not valid Unicode", code="input.not_utf8"
            ) from None
        if size > max_bytes:
            raise InputError(
                f"the document is larger than {max_bytes} bytes", code="input.too_large"
            )
        text = data
    elif isinstance(data, bytes | bytearray | memoryview):
        if len(data) > max_bytes:
            raise InputError(
                f"the document is larger than {max_bytes} bytes", code="input.too_large"
            )
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the document is not valid UTF-8 text (byte {exc.start})", code="input.not_utf8"
            ) from None
    else:
        raise TypeError(f"expected bytes or str, not {type(data).__name__}")
    if text.startswith("\ufeff"):
        raise InputError(
            "the document starts with a byte-order mark; JSON text must not", code="input.not_utf8"
        )
    return text


_JSON_STARTS = frozenset('{["-0123456789tfn')


def _not_json(text: str, exc: json.JSONDecodeError) -> str:
    """What a person is told about text that is not JSON: an empty file, or one that is
    plainly something else (an HTML error page, a PEM file), is named as such; the decoder's
    line and column are given only for text that starts like JSON and breaks later."""
    stripped = text.lstrip()
    if not stripped:
        return (
            "the document is empty"
            if not text
            else "the document is empty (it holds only white space)"
        )
    if stripped[0] not in _JSON_STARTS:
        return f"the document is not JSON: it starts with {stripped[:20]!r}"
    return f"the document is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


def loads_strict(
    data: bytes | bytearray | memoryview | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Parse one JSON text strictly.

    Raises :class:`InputError` with code ``input.too_large``, ``input.too_deep``,
    ``input.duplicate_key``, ``input.non_finite_number``, ``input.huge_number``,
    ``input.not_utf8`` or ``input.malformed`` (the message gives line and column).
    """
    if isinstance(data, bytes):
        # "[" and "{" are single bytes in UTF-8 (never inside a multi-byte sequence), and
        # counting bytes is cheaper than counting characters of the decoded text
        text = _to_text(data, max_bytes)
        openers = data.count(b"[") + data.count(b"{")
    else:
        text = _to_text(data, max_bytes)
        openers = text.count("[") + text.count("{")
    if openers > _PRESCAN_OPENERS:
        _prescan_depth(text, max_depth)
    try:
        with collector_paused() if openers > _GC_PAUSE_OPENERS else nullcontext():
            value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(_not_json(text, exc), code="input.malformed") from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    if max_depth < openers <= _PRESCAN_OPENERS:
        _check_depth(value, max_depth)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        _check_strings_encodable(value)
    return value


def loads_object(
    data: bytes | bytearray | memoryview | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[str, Any]:
    """Like :func:`loads_strict`, but the value must be a JSON object (``input.not_object``)."""
    value = loads_strict(data, max_bytes=max_bytes, max_depth=max_depth)
    if not isinstance(value, dict):
        raise InputError(
            f"the document is a JSON {_json_kind(value)}, not a JSON object",
            code="input.not_object",
        )
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool) or value is None:
        return "literal"
    return "number"
