"""mcbadge.status.bitstring: the encodedList codec, bit order, and gzip-bomb safety."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcbadge.errors import StatusError
from mcbadge.status.bitstring import (
    bit_at,
    decode_bitstring,
    encode_bitstring,
    new_bitstring,
    set_bit,
    status_value_at,
)


def _vectors(reference: Path) -> list[dict[str, object]]:
    path = reference / "vectors" / "status-list" / "encodedList-vectors.json"
    vectors: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))["vectors"]
    return vectors


def test_reference_vectors_decode_to_their_length_and_set_indices(reference: Path) -> None:
    vectors = _vectors(reference)
    assert len(vectors) == 4
    for vector in vectors:
        bits = decode_bitstring(str(vector["encodedList"]))
        assert len(bits) * 8 == vector["bitstringLengthBits"]
        set_indices = [i for i in range(len(bits) * 8) if bit_at(bits, i)]
        assert set_indices == vector["setIndices"]


def test_validator_list_has_index_23_revoked_and_neighbours_clear(reference: Path) -> None:
    encoded = str(_vectors(reference)[3]["encodedList"])
    bits = decode_bitstring(encoded)
    assert bit_at(bits, 23) is True
    assert bit_at(bits, 22) is False
    assert bit_at(bits, 24) is False


def test_multibase_prefix_can_be_required(reference: Path) -> None:
    bare = str(_vectors(reference)[2]["encodedList"])
    assert len(decode_bitstring(bare)) == 16384
    with pytest.raises(StatusError) as info:
        decode_bitstring(bare, require_multibase=True)
    assert info.value.code == "status_list.bad_encoding"


def test_bit_order_is_msb_first() -> None:
    bits = new_bitstring(16)
    set_bit(bits, 0)
    set_bit(bits, 9)
    assert bytes(bits) == b"\x80\x40"
    assert bit_at(bits, 0)
    assert bit_at(bits, 9)
    assert not bit_at(bits, 1)
    set_bit(bits, 0, False)
    assert bytes(bits) == b"\x00\x40"


def test_encoding_is_deterministic_and_prefixed() -> None:
    bits = new_bitstring()
    set_bit(bits, 131071)
    encoded = encode_bitstring(bits)
    assert encoded.startswith("uH4sI")
    assert "=" not in encoded
    assert encoded == encode_bitstring(bits)
    assert not encode_bitstring(bits, multibase=False).startswith("u")
    assert decode_bitstring(encoded) == bytes(bits)


def test_out_of_range_index_is_a_status_range_error() -> None:
    bits = new_bitstring(8)
    for index in (8, -1):
        with pytest.raises(StatusError) as info:
            bit_at(bits, index)
        assert info.value.code == "status_range.out_of_range"


def test_multi_bit_status_values() -> None:
    bits = new_bitstring(16)
    # entry 1 of 2-bit entries spans bits 2 and 3; value 0b10
    set_bit(bits, 2)
    assert status_value_at(bits, 1, 2) == 2
    assert status_value_at(bits, 0, 2) == 0
    with pytest.raises(StatusError) as info:
        status_value_at(bits, 8, 2)
    assert info.value.code == "status_range.out_of_range"


def _b64(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"\x00" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    with pytest.raises(StatusError) as info:
        decode_bitstring(_b64(bomb))
    assert info.value.code == "status_list.too_large"
    with pytest.raises(StatusError) as info:
        decode_bitstring(_b64(gzip.compress(b"\x00" * 5000)), max_decompressed=4096)
    assert info.value.code == "status_list.too_large"


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "u",
        "u!!!!",
        "uAAAA",  # base64 of zeros: not GZIP
        _b64(zlib.compress(b"\x00" * 100)),  # zlib, not GZIP
        _b64(gzip.compress(b"\x00" * 100)[:-6]),  # truncated
        _b64(gzip.compress(b"\x00" * 100) + gzip.compress(b"\xff" * 100)),  # two members
        _b64(gzip.compress(b"\x00" * 100) + b"junk"),
        "uH4sI" + "A" * 5,  # 9 base64 characters cannot encode whole bytes
    ],
)
def test_malformed_encodings_are_refused(encoded: str) -> None:
    with pytest.raises(StatusError) as info:
        decode_bitstring(encoded)
    assert info.value.code == "status_list.bad_encoding"


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=512), st.booleans())
def test_encode_decode_round_trip(data: bytes, multibase: bool) -> None:
    assert decode_bitstring(encode_bitstring(data, multibase=multibase)) == data


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=1023))
def test_set_bit_then_read_it_back(index: int) -> None:
    bits = new_bitstring(1024)
    set_bit(bits, index)
    assert [i for i in range(1024) if bit_at(bits, i)] == [index]
