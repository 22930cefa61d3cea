"""Turning what the caller handed us into a credential dict, strictly.

Accepted: a mapping, JSON text or bytes, a compact JWS (VC-JWT), a baked PNG/SVG (bytes), or a
path to any of these. JSON is parsed with :func:`mcbadge._json.loads_strict` when that module
is present, otherwise with the equivalent strict parser below (size, depth, duplicate keys,
NaN/Infinity, huge numbers, UTF-8).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcbadge.errors import InputError

__all__ = ["ParsedInput", "decode_jws_parts", "loads_strict", "parse_input"]

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
_MAX_NUMBER_CHARS = 100
_JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class ParsedInput:
    """The credential, plus the JWS it came in (``None`` for an embedded-proof document)."""

    credential: dict[str, Any]
    jws: str | None = None
    jwt_header: dict[str, Any] | None = None
    jwt_payload: dict[str, Any] | None = None
    source_format: str = "json"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError(
                f"the JSON object has the key {key!r} twice", code="input.duplicate_key"
            )
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise InputError(f"the JSON contains {name}, which is not valid JSON", code="input.nan")


def _parse_int(text: str) -> int:
    if len(text) > _MAX_NUMBER_CHARS:
        raise InputError("the JSON contains an absurdly large number", code="input.huge_number")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > _MAX_NUMBER_CHARS:
        raise InputError("the JSON contains an absurdly large number", code="input.huge_number")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InputError(
            "the JSON contains a number too large to represent", code="input.huge_number"
        )
    return value


def _check_depth(text: str, max_depth: int) -> None:
    # Measured on the text before parsing, so deep nesting never reaches the recursive parser.
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise InputError(
                    f"the JSON is nested deeper than {max_depth} levels", code="input.too_deep"
                )
        elif char in "]}":
            depth -= 1


def _fallback_loads_strict(data: str | bytes, max_bytes: int, max_depth: int) -> Any:
    if isinstance(data, str):
        if len(data) > max_bytes:
            raise InputError("the document is larger than 8 MiB", code="input.too_large")
        raw = data.encode("utf-8", errors="surrogatepass")
    else:
        raw = bytes(data)
    if len(raw) > max_bytes:
        raise InputError("the document is larger than 8 MiB", code="input.too_large")
    try:
        text = raw.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    except UnicodeDecodeError:
        raise InputError("the document is not valid UTF-8 text", code="input.bad_utf8") from None
    if text.startswith("\ufeff"):
        raise InputError("the document starts with a byte-order mark", code="input.bad_utf8")
    _check_depth(text, max_depth)
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except InputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise InputError(f"the document is not valid JSON ({exc})", code="input.bad_json") from None


def loads_strict(data: str | bytes, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON strictly; raises :class:`InputError` with an ``input.*`` code."""
    try:
        from mcbadge._json import loads_strict as shared_loads_strict  # type: ignore[import-not-found,attr-defined,unused-ignore]
    except ImportError:
        return _fallback_loads_strict(data, max_bytes, max_depth)
    return shared_loads_strict(data, max_bytes=max_bytes, max_depth=max_depth)


def _b64url_json(segment: str, what: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InputError(f"the JWT {what} is not base64url", code="jwt.malformed") from None
    try:
        value = loads_strict(raw)
    except InputError as exc:
        raise InputError(
            f"the JWT {what} is not acceptable JSON: {exc.message}", code="jwt.malformed"
        ) from None
    if not isinstance(value, dict):
        raise InputError(f"the JWT {what} is not a JSON object", code="jwt.malformed")
    return value


def decode_jws_parts(jws: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, decoded strictly but NOT verified."""
    parts = jws.split(".")
    if len(parts) != 3:
        raise InputError("a compact JWS has exactly three parts", code="jwt.malformed")
    return _b64url_json(parts[0], "header"), _b64url_json(parts[1], "payload")


def _from_jws(jws: str, source_format: str) -> ParsedInput:
    header, payload = decode_jws_parts(jws)
    # VCDM 1.1 VC-JWTs carry the credential in `vc`; VCDM 2.0 ones are the credential.
    credential = payload.get("vc") if "vc" in payload else payload
    if not isinstance(credential, dict):
        raise InputError("the JWT's `vc` claim is not a JSON object", code="jwt.malformed")
    return ParsedInput(credential, jws, header, payload, source_format)


def _from_text(text: str, source_format: str) -> ParsedInput:
    stripped = text.strip()
    if _JWS_RE.match(stripped):
        return _from_jws(stripped, "jwt" if source_format == "json" else source_format)
    value = loads_strict(text)
    if not isinstance(value, dict):
        raise InputError("the document is not a JSON object", code="input.not_object")
    return ParsedInput(value, source_format=source_format)


def _unbake(data: bytes) -> ParsedInput:
    try:
        from mcbadge.baking import unbake  # type: ignore[import-not-found,attr-defined,unused-ignore]
    except ImportError:
        raise InputError(
            "this is a baked badge image, but image unbaking is not available",
            code="input.baking_unavailable",
        ) from None
    payload = unbake(data)
    if isinstance(payload, Mapping):
        return ParsedInput(dict(payload), source_format="baked")
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    if not isinstance(payload, str):
        raise InputError("the baked image holds no credential", code="input.baking")
    return _from_text(payload, "baked")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:65536].lower()


def parse_input(document: object) -> ParsedInput:
    """Parse the caller's document; raises InputError (code ``input.*``/``jwt.*``) on bad input."""
    if isinstance(document, Mapping):
        # Round-trip through strict JSON so a dict gets the same limits as bytes.
        try:
            text = json.dumps(document, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            raise InputError(
                "the document is not plain JSON data", code="input.not_json_data"
            ) from None
        return _from_text(text, "json")
    if isinstance(document, os.PathLike):
        try:
            with open(document, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise InputError(
                f"cannot read {os.fspath(document)!s}: {exc.strerror}", code="input.unreadable"
            ) from None
        document = data
    if isinstance(document, bytes | bytearray | memoryview):
        data = bytes(document)
        if len(data) > MAX_BYTES:
            raise InputError("the document is larger than 8 MiB", code="input.too_large")
        if data.startswith(_PNG_MAGIC) or _looks_like_svg(data):
            return _unbake(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                "the document is not valid UTF-8 text", code="input.bad_utf8"
            ) from None
        return _from_text(text, "json")
    if isinstance(document, str):
        if len(document) > MAX_BYTES:
            raise InputError("the document is larger than 8 MiB", code="input.too_large")
        if document.lstrip().startswith("<"):
            return _unbake(document.encode("utf-8"))
        return _from_text(document, "json")
    raise TypeError(
        "verify() takes a mapping, JSON str/bytes, a compact JWS, baked PNG/SVG bytes or a path"
    )
