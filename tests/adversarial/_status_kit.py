"""Building status lists and credentials that point at them (test-only)."""

from __future__ import annotations

import gzip
from typing import Any
from urllib.parse import quote

from _helpers import ISSUER_KEY, make_credential
from _signer import TestKey, b64url, sign_di

from mcbadge.status import build_status_list_credential, new_bitstring, set_bit

LIST_URL = "https://status.test/lists/1"


def status_entry(
    index: int | str = 7, purpose: str = "revocation", url: str = LIST_URL
) -> dict[str, Any]:
    return {
        # quoted: an IRI with a space is refused by JSON-LD safe mode (data_loss.invalid_iri)
        "id": f"{url}#{quote(str(index))}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def credential_with_status(key: TestKey = ISSUER_KEY, **entry: Any) -> dict[str, Any]:
    return sign_di(make_credential(key, credentialStatus=status_entry(**entry)), key)


def status_list(
    set_indices: tuple[int, ...] = (),
    purpose: str = "revocation",
    *,
    key: TestKey = ISSUER_KEY,
    url: str = LIST_URL,
    size: int = 131_072,
    sign: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    bits = new_bitstring(max(size, 131_072))
    for index in set_indices:
        set_bit(bits, index)
    document = build_status_list_credential(
        url, key.did, purpose, bits, valid_from="2026-01-01T00:00:00Z"
    )
    if size < 131_072:
        raw = bytes(bits[: size // 8])
        document["credentialSubject"]["encodedList"] = "u" + b64url(gzip.compress(raw))
    document.update(overrides)
    return sign_di(document, key) if sign else document


def gzip_bomb_list(key: TestKey = ISSUER_KEY) -> dict[str, Any]:
    document = status_list(sign=False, key=key)
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    document["credentialSubject"]["encodedList"] = "u" + b64url(bomb)
    return sign_di(document, key)
