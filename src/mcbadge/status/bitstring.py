"""The bitstring codec of Bitstring Status List v1.0 (and StatusList2021).

``encodedList`` is the bitstring GZIP-compressed, then base64url-encoded without padding and,
for Bitstring Status List, prefixed with the multibase ``u``. StatusList2021 lists carry the
same encoding without the prefix. Bit order is MSB-first: index 0 is the left-most (most
significant) bit of the first byte.

Decoding inflates in bounded steps, so a gzip bomb stops at ``max_decompressed`` bytes
instead of exhausting memory.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib

from mcbadge.errors import StatusError

__all__ = [
    "DEFAULT_MAX_DECOMPRESSED",
    "MIN_BITSTRING_BITS",
    "bit_at",
    "decode_bitstring",
    "encode_bitstring",
    "new_bitstring",
    "set_bit",
    "status_value_at",
]

MIN_BITSTRING_BITS = 131_072  # 16 KiB: the spec's minimum, for herd privacy
DEFAULT_MAX_DECOMPRESSED = 16 * 1024 * 1024
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_CHUNK = 64 * 1024


def new_bitstring(size: int = MIN_BITSTRING_BITS) -> bytearray:
    """An all-zero bitstring of ``size`` bits (a multiple of 8)."""
    if size <= 0 or size % 8:
        raise ValueError("a bitstring's size must be a positive multiple of 8 bits")
    return bytearray(size // 8)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    """Set (or clear) the bit at ``index``, MSB-first."""
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"bit index {index} is outside a {len(bits) * 8}-bit bitstring")
    mask = 0x80 >> (index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


def bit_at(bits: bytes | bytearray, index: int) -> bool:
    """The bit at ``index`` (MSB-first); ``StatusError(status_range.out_of_range)`` if outside."""
    if not 0 <= index < len(bits) * 8:
        raise StatusError(
            f"status index {index} is outside the list's {len(bits) * 8} entries",
            code="status_range.out_of_range",
        )
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_value_at(bits: bytes | bytearray, index: int, status_size: int = 1) -> int:
    """The ``status_size``-bit value of entry ``index`` (entry i spans bits i*size .. +size-1).

    With ``status_size`` 1 this is :func:`bit_at` as an int. The first bit is the most
    significant bit of the value.
    """
    if not 1 <= status_size <= 16:
        raise StatusError(
            f"statusSize {status_size} is not supported (1 to 16 bits)",
            code="status_list.bad_status_size",
        )
    entries = len(bits) * 8 // status_size
    if not 0 <= index < entries:
        raise StatusError(
            f"status index {index} is outside the list's {entries} entries",
            code="status_range.out_of_range",
        )
    value = 0
    start = index * status_size
    for bit_index in range(start, start + status_size):
        value = (value << 1) | bit_at(bits, bit_index)
    return value


def encode_bitstring(bits: bytes | bytearray, *, multibase: bool = True) -> str:
    """GZIP then base64url (no padding); with the multibase ``u`` prefix unless told not to.

    The GZIP header's mtime is fixed at 0 so that the same bits always encode the same way.
    """
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    text = base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")
    return "u" + text if multibase else text


def decode_bitstring(
    encoded: str,
    *,
    max_decompressed: int = DEFAULT_MAX_DECOMPRESSED,
    require_multibase: bool = False,
) -> bytes:
    """Decode an ``encodedList`` into the raw bitstring.

    Accepts the multibase ``u`` prefix (Bitstring Status List) and, unless
    ``require_multibase``, a bare base64url GZIP stream (StatusList2021, which always starts
    ``H4sI``). Raises ``StatusError`` with ``status_list.bad_encoding`` or
    ``status_list.too_large``.
    """
    if not isinstance(encoded, str):
        raise StatusError("encodedList is not a string", code="status_list.bad_encoding")
    if encoded.startswith("u"):
        body = encoded[1:]
    elif require_multibase:
        raise StatusError(
            "encodedList lacks the multibase 'u' (base64url) prefix",
            code="status_list.bad_encoding",
        )
    else:
        body = encoded
    if not body or not _BASE64URL.match(body) or len(body) % 4 == 1:
        raise StatusError("encodedList is not base64url text", code="status_list.bad_encoding")
    # Compressed input can expand at most ~1032x; refuse absurd inputs before decoding them.
    if len(body) > max_decompressed:
        raise StatusError("encodedList is too large", code="status_list.too_large")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise StatusError(
            "encodedList is not base64url text", code="status_list.bad_encoding"
        ) from None
    return _gunzip_bounded(compressed, max_decompressed)


def _gunzip_bounded(compressed: bytes, limit: int) -> bytes:
    if not compressed.startswith(b"\x1f\x8b"):
        raise StatusError("encodedList is not GZIP-compressed", code="status_list.bad_encoding")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    output = bytearray()
    pending = compressed
    try:
        while True:
            chunk = inflater.decompress(pending, _CHUNK)
            output += chunk
            if len(output) > limit:
                raise StatusError(
                    f"the decompressed status list exceeds {limit} bytes",
                    code="status_list.too_large",
                )
            pending = inflater.unconsumed_tail
            if inflater.eof or (not pending and not chunk):
                break
    except zlib.error:
        raise StatusError(
            "encodedList is not a valid GZIP stream", code="status_list.bad_encoding"
        ) from None
    if not inflater.eof:
        raise StatusError("encodedList's GZIP stream is truncated", code="status_list.bad_encoding")
    if inflater.unused_data:
        # A second GZIP member or trailing bytes: refuse rather than guess which is the list.
        raise StatusError(
            "encodedList has data after the GZIP stream", code="status_list.bad_encoding"
        )
    return bytes(output)
