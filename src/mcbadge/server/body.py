"""Request bodies, bounded before they are parsed.

The declared ``Content-Length`` is checked first, then the body is read in chunks and
refused the moment it passes ``limits.max_body_bytes`` (a client that lies about, or omits,
its length gets the same 413). JSON is parsed by the library's strict parser with the
configured depth bound, so a hostile body never reaches a recursive parser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcbadge.errors import InputError
from mcbadge.server.problems import Problem

if TYPE_CHECKING:
    from fastapi import Request

    from mcbadge.server.config import LimitsConfig

__all__ = ["JSON_TYPES", "media_type", "parse_json", "read_body", "read_json", "require_media_type"]

JSON_TYPES = ("application/json", "application/ld+json")


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _too_large(limits: LimitsConfig) -> Problem:
    return Problem(
        413,
        "input.too_large",
        f"the request body is larger than {limits.max_body_bytes} bytes",
    )


async def read_body(request: Request, limits: LimitsConfig) -> bytes:
    """The raw body, at most ``limits.max_body_bytes`` (else a 413 Problem)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Problem(400, "input.bad_length", "Content-Length is not a number")
        if int(declared) > limits.max_body_bytes:
            raise _too_large(limits)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise _too_large(limits)
        chunks.append(chunk)
    return b"".join(chunks)


def require_media_type(request: Request, types: tuple[str, ...] = JSON_TYPES) -> None:
    """A 415 Problem unless the body's content type is one of ``types``."""
    kind = media_type(request)
    if kind not in types:
        raise Problem(
            415,
            "input.content_type",
            f"send the body as {' or '.join(types)}, not {kind or 'no content type'}",
        )


def parse_json(data: bytes, limits: LimitsConfig) -> Any:
    """``data`` as strict JSON: 413 when too large, 400 for malformed, duplicate-key or
    too-deep JSON (the ``input.*`` code says which)."""
    from mcbadge._json import loads_strict

    try:
        return loads_strict(data, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth)
    except InputError as exc:
        status = 413 if exc.code == "input.too_large" else 400
        raise Problem(status, exc.code, exc.message) from None


async def read_json(
    request: Request, limits: LimitsConfig, *, types: tuple[str, ...] = JSON_TYPES
) -> Any:
    """The body as strict JSON: 415 for another content type, then as :func:`read_body`
    and :func:`parse_json`."""
    require_media_type(request, types)
    return parse_json(await read_body(request, limits), limits)
