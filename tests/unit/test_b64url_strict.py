"""Strict base64url (JWT parts, JWK members): the decoder accepts exactly the canonical,
unpadded base64url texts, the same verdict as decoding and re-encoding for comparison."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcbadge.errors import MCBadgeError
from mcbadge.multibase import b64url_decode, b64url_encode

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _reference(text: str) -> bytes | None:
    """Decode by the definition: url alphabet only, no padding, and re-encoding gives the text."""
    if any(c not in ALPHABET for c in text) or len(text) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == text else None


def _ours(text: str) -> bytes | None:
    try:
        return b64url_decode(text)
    except MCBadgeError as exc:
        if exc.code != "jwt.bad_base64url":
            raise
        return None


@given(st.binary(max_size=80))
def test_every_encoding_decodes_back(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


@settings(max_examples=3000)
@given(st.text(alphabet=ALPHABET + "+/= \n\t.\u00e9\uff21", max_size=24))
def test_same_verdict_as_the_definition(text: str) -> None:
    assert _ours(text) == _reference(text)


@pytest.mark.parametrize(
    "text",
    ["QR", "QUF", "QQ==", "Q+", "Q/", "Q Q", "QUJD\n", "\uff21\uff21", "A", "AAAAA"],
)
def test_non_canonical_or_foreign_texts_are_refused(text: str) -> None:
    assert _ours(text) is None


@given(st.binary(max_size=300))
def test_encoder_matches_the_standard_library(data: bytes) -> None:
    assert b64url_encode(data) == base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
