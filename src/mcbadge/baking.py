"""Baking a credential into a badge image, and getting it back out (OB 3.0 §5.3).

PNG (§5.3.1): one ``iTXt`` chunk, keyword ``openbadgecredential``, compression flag 0, empty
language tag and translated keyword; the text is the compact credential JSON or the compact
JWS. :func:`bake_png` inserts it immediately before ``IEND`` (where the 1EdTech samples put
it) and removes any earlier credential chunk, so re-baking replaces.

SVG (§5.3.2): ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the root ``<svg>``
and one ``<openbadges:credential>`` element directly after its opening tag: a JWS goes in the
``verify`` attribute, JSON in a CDATA section. Re-baking an SVG that already holds a
credential is refused (``input.baking_already_baked``) rather than edited in place.

Unbaking is strict, because the image comes from outside: bad CRCs, truncation, trailing
bytes, two credentials, a compressed credential chunk, non-UTF-8 text, oversize input, and in
SVG any internal DTD subset or entity declaration are refused (an internal subset can inject
default attribute values, entities can expand without bound). An external DTD reference in
the DOCTYPE, as in the 1EdTech samples, is tolerated and never loaded. Every error is a
:class:`~mcbadge.errors.BakingError` with a code ``input.baking_<detail>``.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Mapping
from typing import Any

from mcbadge.errors import BakingError

__all__ = [
    "DEFAULT_MAX_IMAGE_BYTES",
    "OB_SVG_NAMESPACE",
    "PNG_KEYWORD",
    "bake",
    "bake_png",
    "bake_svg",
    "unbake",
    "unbake_png",
    "unbake_svg",
]

DEFAULT_MAX_IMAGE_BYTES = 16 * 1024 * 1024
PNG_KEYWORD = "openbadgecredential"
OB_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEYWORD_BYTES = PNG_KEYWORD.encode("latin-1")
_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_CREDENTIAL_TAG = f"{{{OB_SVG_NAMESPACE}}}credential"


def _fail(detail: str, message: str) -> BakingError:
    return BakingError(message, code=f"input.baking_{detail}")


def _credential_text(credential: str | Mapping[str, Any]) -> str:
    if isinstance(credential, Mapping):
        try:
            return json.dumps(
                credential, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
        except (TypeError, ValueError) as exc:
            raise _fail("bad_credential", f"the credential is not JSON data ({exc})") from None
    if not isinstance(credential, str):
        raise TypeError("credential must be a JSON object (mapping), JSON text or a compact JWS")
    text = credential.strip()
    if text.startswith("{") or _JWS.fullmatch(text):
        return text
    raise _fail("bad_credential", "the credential is neither JSON text nor a compact JWS")


# ----------------------------------------------------------------------------------- PNG


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's (type, data) chunks, each CRC-checked, ending with IEND and nothing after."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _fail("not_png", "the image is not a PNG file")
    chunks: list[tuple[bytes, bytes]] = []
    position = len(_PNG_SIGNATURE)
    while True:
        if position + 12 > len(data):
            raise _fail("truncated", "the PNG file is truncated (a chunk header is cut off)")
        (length,) = struct.unpack_from(">I", data, position)
        chunk_type = data[position + 4 : position + 8]
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise _fail("truncated", "the PNG file is truncated (a chunk runs past the end)")
        if not chunk_type.isalpha():
            raise _fail("bad_chunk", "the PNG file has a chunk with an invalid type")
        body = data[position + 8 : end - 4]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(chunk_type + body) != crc:
            raise _fail("bad_crc", f"the PNG chunk {chunk_type.decode('ascii')} has a bad CRC")
        chunks.append((chunk_type, body))
        position = end
        if chunk_type == b"IEND":
            break
    if position != len(data):
        raise _fail("trailing_data", "the PNG file has data after its IEND chunk")
    if chunks[0][0] != b"IHDR":
        raise _fail("bad_chunk", "the PNG file does not start with an IHDR chunk")
    return chunks


def _is_credential_chunk(chunk_type: bytes, body: bytes) -> bool:
    return chunk_type in _TEXT_CHUNKS and body.split(b"\0", 1)[0] == _KEYWORD_BYTES


def _chunk(chunk_type: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + chunk_type
        + body
        + struct.pack(">I", zlib.crc32(chunk_type + body))
    )


def bake_png(
    png_bytes: bytes,
    credential: str | Mapping[str, Any],
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> bytes:
    """Return the PNG with ``credential`` baked in (replacing any credential already there)."""
    if len(png_bytes) > max_bytes:
        raise _fail("too_large", f"the image is larger than {max_bytes} bytes")
    text = _credential_text(credential).encode("utf-8")
    chunks = [c for c in _png_chunks(bytes(png_bytes)) if not _is_credential_chunk(*c)]
    body = _KEYWORD_BYTES + b"\0" + b"\0" + b"\0" + b"\0" + b"\0" + text
    out = [_PNG_SIGNATURE]
    out.extend(_chunk(chunk_type, data) for chunk_type, data in chunks[:-1])
    out.append(_chunk(b"iTXt", body))
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def unbake_png(data: bytes, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> str:
    """The credential text (JSON or compact JWS) baked into a PNG."""
    if len(data) > max_bytes:
        raise _fail("too_large", f"the image is larger than {max_bytes} bytes")
    found = [c for c in _png_chunks(bytes(data)) if _is_credential_chunk(*c)]
    if not found:
        raise _fail("no_credential", "the PNG holds no baked credential")
    if len(found) > 1:
        raise _fail("duplicate", "the PNG holds more than one baked credential")
    chunk_type, body = found[0]
    if chunk_type != b"iTXt":
        raise _fail(
            "wrong_chunk", f"the credential is in a {chunk_type.decode()} chunk, not an iTXt chunk"
        )
    rest = body[len(_KEYWORD_BYTES) + 1 :]
    if len(rest) < 2:
        raise _fail("truncated", "the credential chunk is truncated")
    compression_flag = rest[0]
    if compression_flag != 0:
        raise _fail("compressed", "the credential chunk is compressed; OB 3.0 requires plain text")
    parts = rest[2:].split(b"\0", 2)
    if len(parts) != 3:
        raise _fail("truncated", "the credential chunk is truncated")
    try:
        return parts[2].decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _fail("not_utf8", "the baked credential is not UTF-8 text") from None


# ----------------------------------------------------------------------------------- SVG


def _parse_svg(data: bytes) -> Any:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    def refuse_internal_subset(name: str, system_id: Any, public_id: Any, internal: int) -> None:
        del name, system_id, public_id
        if internal:
            raise _fail("dtd", "the SVG declares an internal DTD subset, which is not allowed")

    parser = DefusedXMLParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    parser.parser.StartDoctypeDeclHandler = refuse_internal_subset
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException:
        raise _fail("dtd", "the SVG declares entities or external references") from None
    except ParseError as exc:
        raise _fail("malformed_xml", f"the SVG is not well-formed XML ({exc})") from None
    if not isinstance(root.tag, str) or root.tag.rsplit("}", 1)[-1] != "svg":
        raise _fail("not_svg", "the image's root element is not <svg>")
    return root


def _svg_text(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise _fail("too_large", f"the image is larger than {max_bytes} bytes")
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise _fail("not_utf8", "the SVG is not UTF-8 text") from None


def unbake_svg(data: bytes, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> str:
    """The credential text (JSON or compact JWS) baked into an SVG."""
    _svg_text(data, max_bytes)
    root = _parse_svg(bytes(data))
    found = list(root.iter(_CREDENTIAL_TAG))
    if not found:
        raise _fail("no_credential", "the SVG holds no baked credential")
    if len(found) > 1:
        raise _fail("duplicate", "the SVG holds more than one baked credential")
    element = found[0]
    jws = (element.get("verify") or "").strip()
    content = "".join(element.itertext()).strip()
    if jws and content:
        raise _fail("ambiguous", "the SVG credential has both a verify attribute and content")
    if not (jws or content):
        raise _fail("no_credential", "the SVG credential element is empty")
    return jws or content


def _root_start_tag_span(text: str) -> tuple[int, int]:
    """(start, end) of the root element's start tag; end is the index of its closing '>'."""
    position = 0
    while True:
        position = text.index("<", position)
        if text.startswith("<?", position):
            position = text.index("?>", position) + 2
        elif text.startswith("<!--", position):
            position = text.index("-->", position) + 3
        elif text.startswith("<!", position):
            position = text.index(">", position) + 1  # DOCTYPE without subset (checked)
        else:
            break
    quote = ""
    for index in range(position + 1, len(text)):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ">":
            return position, index
    raise ValueError("unterminated start tag")


def bake_svg(
    svg_bytes: bytes,
    credential: str | Mapping[str, Any],
    *,
    max_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
) -> bytes:
    """Return the SVG with ``credential`` baked in; the rest of the document is unchanged."""
    text = _svg_text(svg_bytes, max_bytes)
    root = _parse_svg(bytes(svg_bytes))
    if next(root.iter(_CREDENTIAL_TAG), None) is not None:
        raise _fail("already_baked", "the SVG already holds a baked credential")
    payload = _credential_text(credential)
    start, end = _root_start_tag_span(text)
    tag = text[start:end]
    self_closing = tag.endswith("/")
    if self_closing:
        tag = tag[:-1].rstrip()
    declared = re.search(r"""\sxmlns:openbadges\s*=\s*(["'])(.*?)\1""", tag)
    if declared is None:
        tag += f' xmlns:openbadges="{OB_SVG_NAMESPACE}"'
    elif declared.group(2) != OB_SVG_NAMESPACE:
        raise _fail("bad_namespace", "the SVG binds the openbadges prefix to another namespace")
    if _JWS.fullmatch(payload):
        element = f'<openbadges:credential verify="{payload}"/>'
    else:
        # ']]>' cannot appear inside CDATA: end the section and start another between ']]' and '>'.
        cdata = payload.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"
    closing = "</" + tag[1:].split(None, 1)[0] + ">" if self_closing else ""
    baked = text[:start] + tag + ">" + element + closing + text[end + 1 :]
    return baked.encode("utf-8")


# ---------------------------------------------------------------------------- either one


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip()
    return head.startswith(b"<")


def unbake(data: bytes, *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> str:
    """The credential text baked into a PNG or SVG image (sniffed from its first bytes)."""
    if data.startswith(_PNG_SIGNATURE):
        return unbake_png(data, max_bytes=max_bytes)
    if _looks_like_svg(data):
        return unbake_svg(data, max_bytes=max_bytes)
    raise _fail("unknown_format", "the image is neither a PNG nor an SVG file")


def bake(
    image: bytes, credential: str | Mapping[str, Any], *, max_bytes: int = DEFAULT_MAX_IMAGE_BYTES
) -> bytes:
    """Bake into a PNG or SVG image (sniffed from its first bytes)."""
    if image.startswith(_PNG_SIGNATURE):
        return bake_png(image, credential, max_bytes=max_bytes)
    if _looks_like_svg(image):
        return bake_svg(image, credential, max_bytes=max_bytes)
    raise _fail("unknown_format", "the image is neither a PNG nor an SVG file")
