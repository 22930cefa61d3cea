"""Turning what the caller handed us into a credential dict, strictly.

Accepted: a mapping, JSON text or bytes, a compact JWS (VC-JWT or VC-JOSE-COSE vc+jwt), an
``EnvelopedVerifiableCredential`` (its ``data:application/vc+jwt,...`` token is read as a
vc+jwt; :mod:`mcbadge.proofs.vc_jose`), a baked PNG/SVG (bytes), or a path to any of these.
Every JSON text, including a JWT's header and payload, goes through the one strict reader
:func:`mcbadge._json.loads_strict` (size, depth, duplicate keys, NaN/Infinity, huge numbers,
UTF-8), so the verifier reports the same ``input.*`` codes as the rest of mcbadge.
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

import pybase64

from mcbadge._json import DEFAULT_MAX_BYTES, StrictJSON, loads_strict
from mcbadge.errors import InputError, MCBadgeError
from mcbadge.proofs.vc_jose import (
    ENVELOPED_CREDENTIAL,
    VC_JWT_MEDIA_TYPE,
    VP_JWT_MEDIA_TYPE,
    check_vc_jwt_payload,
    envelope_type,
    is_envelope,
    is_vc_jwt,
    unwrap_envelope,
)

__all__ = [
    "MAX_BYTES",
    "ParsedInput",
    "decode_jws_parts",
    "looks_like_jws",
    "parse_input",
    "refuse_path_like",
]

MAX_BYTES = DEFAULT_MAX_BYTES
_JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_JWS_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
_JWS_LIKE_RE = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)*$")
_JSON_VALUE_STARTS = frozenset('{["-0123456789tfn')
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: A str that is one of these, or holds a path separator, names a file rather than holding one.
_FILE_SUFFIXES = (".json", ".jsonld", ".jwt", ".png", ".svg", ".txt")


@dataclass(frozen=True)
class ParsedInput:
    """The credential, plus the JWS it came in (``None`` for an embedded-proof document).

    ``vc_jose`` is True for a VC-JOSE-COSE ``vc+jwt`` (by its header, or because it came in an
    ``EnvelopedVerifiableCredential``, then ``envelope`` is that envelope's media type)."""

    credential: dict[str, Any]
    jws: str | None = None
    jwt_header: dict[str, Any] | None = None
    jwt_payload: dict[str, Any] | None = None
    source_format: str = "json"
    vc_jose: bool = False
    envelope: str | None = None


def _is_compact_jws(text: str) -> bool:
    """Exactly ``bool(_JWS_RE.match(text))`` (a final newline allowed, as ``$`` does), in C
    passes over the text: the regex walked a VC-JWT's 7,000 characters one by one in ~30 us,
    as much as decoding its payload."""
    body = text[:-1] if text.endswith("\n") else text
    if not body.isascii() or body.encode("ascii").translate(None, _JWS_CHARS):
        return False  # a character outside base64url and "."
    first = body.find(".")
    second = body.find(".", first + 1)
    return first > 0 and second > first + 1 and body.find(".", second + 1) < 0


def looks_like_jws(text: str) -> bool:
    """True when ``text`` (stripped) has the shape of a compact JWS."""
    return _is_compact_jws(text.strip())


def _b64url_json(segment: str, what: str) -> dict[str, Any]:
    try:
        # pybase64 (SIMD): a VC-JWT payload in ~3 us, not ~19; validate: base64url only
        raw = pybase64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
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


def _from_jws(jws: str, source_format: str, envelope: str | None = None) -> ParsedInput:
    header, payload = decode_jws_parts(jws)
    if is_envelope(payload):
        # An envelope inside a token (inside an envelope): one level is the whole format.
        raise InputError(
            "the JWT's payload is itself an enveloped credential or presentation: envelopes "
            "do not nest, the payload of a vc+jwt is the credential",
            code="jwt.nested_envelope",
        )
    vc_jose = is_vc_jwt(header, media_type=envelope)
    if vc_jose:
        # A vc+jwt whose payload is not a VCDM 2.0 credential (a `vc` claim, a 1.1 context)
        # is not one at all: nothing in it can be read as the credential.
        try:
            check_vc_jwt_payload(payload)
        except MCBadgeError as exc:
            raise InputError(exc.message, code=exc.code) from None
    # VCDM 1.1 VC-JWTs carry the credential in `vc`; VCDM 2.0 ones (and vc+jwt) are the
    # credential.
    credential = payload.get("vc") if "vc" in payload else payload
    if not isinstance(credential, dict):
        raise InputError("the JWT's `vc` claim is not a JSON object", code="jwt.malformed")
    if vc_jose and source_format == "jwt":
        source_format = "vc+jwt"
    return ParsedInput(credential, jws, header, payload, source_format, vc_jose, envelope)


def _from_envelope(document: dict[str, Any], source_format: str) -> ParsedInput:
    """The vc+jwt inside an ``EnvelopedVerifiableCredential`` (``input.envelope_*`` codes)."""
    if envelope_type(document) != ENVELOPED_CREDENTIAL:
        # An EnvelopedVerifiablePresentation: its vp+jwt is read here (checked strictly, not
        # verified); the pipeline then refuses it as a presentation (input.presentation) and
        # verify_presentation verifies it.
        try:
            token = unwrap_envelope(document, media_type=VP_JWT_MEDIA_TYPE)
        except MCBadgeError as exc:
            raise InputError(exc.message, code=exc.code) from None
        parsed = _from_jws(token, "enveloped" if source_format == "json" else source_format)
        types = parsed.credential.get("type")
        types = types if isinstance(types, list) else [types]
        typed_as_credential = is_vc_jwt({"typ": (parsed.jwt_header or {}).get("typ")})
        if "VerifiablePresentation" not in types or typed_as_credential:
            # the envelope says presentation; what it holds must be one, never a credential
            # read as if it had come on its own
            raise InputError(
                "the EnvelopedVerifiablePresentation does not hold a presentation (its JWT "
                "is not a vp+jwt of type VerifiablePresentation)",
                code="input.envelope_mismatch",
            )
        return parsed
    try:
        token = unwrap_envelope(document, media_type=VC_JWT_MEDIA_TYPE)
    except MCBadgeError as exc:
        raise InputError(exc.message, code=exc.code) from None
    return _from_jws(
        token, "enveloped" if source_format == "json" else source_format, VC_JWT_MEDIA_TYPE
    )


def _looks_like_broken_jws(text: str) -> bool:
    """A JWT that lost a part or a piece: base64url segments whose first one opens ``{``.

    A JOSE header is always a JSON object, so its base64url starts ``ey`` (``{"``) or ``ew``
    (``{`` and white space); reading such text as JSON would say "Expecting value at line 1
    column 1", which tells a clerk nothing about the truncated token in front of them.
    """
    if not _JWS_LIKE_RE.match(text):
        return False
    head = text.split(".", 1)[0][:4]
    if len(head) < 4:
        return False
    try:
        return base64.urlsafe_b64decode(head).startswith(b"{")
    except (binascii.Error, ValueError):
        return False


def _from_text(text: str, source_format: str) -> ParsedInput:
    stripped = text.strip()
    if _is_compact_jws(stripped):
        return _from_jws(stripped, "jwt" if source_format == "json" else source_format)
    if not stripped:
        what = "empty" if not text else "empty (it holds only white space)"
        raise InputError(f"the document is {what}", code="input.malformed")
    if _looks_like_broken_jws(stripped):
        parts = stripped.count(".") + 1
        raise InputError(
            "the document looks like a VC-JWT that is cut short or damaged: a compact JWS "
            f"has three parts separated by dots, this one has {parts}",
            code="jwt.malformed",
        )
    if stripped[0].isascii() and stripped[0] not in _JSON_VALUE_STARTS:
        raise InputError(
            "the document is not a credential: not JSON (which starts with '{'), not a VC-JWT "
            f"and not a baked PNG or SVG image; it starts with {stripped[:20]!r}",
            code="input.malformed",
        )
    return _from_value(loads_strict(text), source_format)


def _from_value(value: Any, source_format: str) -> ParsedInput:
    if not isinstance(value, dict):
        raise InputError("the document is not a JSON object", code="input.not_object")
    if is_envelope(value):
        return _from_envelope(value, source_format)
    return ParsedInput(value, source_format=source_format)


def _unbake(data: bytes) -> ParsedInput:
    from mcbadge.baking import unbake

    return _from_text(unbake(data), "baked")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:65536].lower()


def _read_path(path: os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as handle:
            # One byte over the cap is enough to refuse it; /dev/zero never gets read whole.
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"cannot read {os.fspath(path)!s}: {exc.strerror}", code="input.unreadable"
        ) from None


def refuse_path_like(document: str) -> None:
    """A str is the document's text, never a file name: one that looks like a path is refused.

    Opening a file because of what a str says would let text a server received (a form field,
    a request body decoded to str) make the verifier read the server's own files; so a path
    must come as :class:`os.PathLike`, and a str that can only be a file name is a programmer
    error rather than a document that fails ``input``. Only the public entry point
    (:func:`mcbadge.verify.verify`) asks this: a str found inside a credential (an
    endorsement, a status list) is data, and fails ``input`` like any other bad text.
    """
    candidate = document.strip()
    if not candidate or len(candidate) > 4096 or "\n" in candidate:
        return
    if candidate[0] in '{[<"' or _is_compact_jws(candidate):
        return
    if "/" in candidate or "\\" in candidate or candidate.lower().endswith(_FILE_SUFFIXES):
        raise TypeError(
            f"verify() got a str that looks like a file name ({candidate[:80]!r}); a str is "
            "read as the credential's own text. To verify a file, pass a path object: "
            "verify(pathlib.Path(...))"
        )


def parse_input(document: object) -> ParsedInput:
    """Parse the caller's document; raises InputError (code ``input.*``/``jwt.*``) on bad input."""
    if isinstance(document, StrictJSON):  # read strictly already: see StrictJSON
        return _from_value(document.value, "json")
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
        document = _read_path(document)
    if isinstance(document, bytes | bytearray | memoryview):
        data = bytes(document)
        if len(data) > MAX_BYTES:
            raise InputError(
                f"the document is larger than {MAX_BYTES} bytes", code="input.too_large"
            )
        if data.startswith(_PNG_MAGIC):
            return _unbake(data)
        if _looks_like_svg(data):
            # white space before an XML declaration is a copy-and-paste slip, not a new image
            return _unbake(data.lstrip())
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the document is not valid UTF-8 text (byte {exc.start})", code="input.not_utf8"
            ) from None
        return _from_text(text, "json")
    if isinstance(document, str):
        if len(document) > MAX_BYTES:
            raise InputError(
                f"the document is larger than {MAX_BYTES} bytes", code="input.too_large"
            )
        if document.lstrip().startswith("<"):
            return _unbake(document.lstrip().encode("utf-8"))
        return _from_text(document, "json")
    raise TypeError(
        "verify() takes a mapping, JSON str/bytes, a compact JWS, baked PNG/SVG bytes or a path"
    )
