"""Status mechanisms' data layer: no network, no proof checking.

* :mod:`mcbadge.status.bitstring` — the GZIP + base64url bitstring codec (Bitstring Status
  List v1.0 and StatusList2021), gzip-bomb safe.
* :mod:`mcbadge.status.entries` — parsing a credential's ``credentialStatus``.
* :mod:`mcbadge.status.lists` — checking a status list credential (or a 1EdTech revocation
  list) against one entry, and the issuer-side builders.

Fetching the list and verifying its proof are the verifier's job (``mcbadge.net`` and the
proof layer); these modules only judge the JSON they are given.
"""

from __future__ import annotations

from mcbadge.status.bitstring import (
    MIN_BITSTRING_BITS,
    bit_at,
    decode_bitstring,
    encode_bitstring,
    new_bitstring,
    set_bit,
    status_value_at,
)
from mcbadge.status.entries import (
    BitstringStatusEntry,
    RevocationListEntry,
    StatusEntry,
    parse_credential_status,
    parse_status_entry,
    parse_status_index,
)
from mcbadge.status.lists import (
    StatusOutcome,
    build_revocation_list,
    build_status_list_credential,
    check_bitstring_list_credential,
    check_revocation_list,
)

__all__ = [
    "MIN_BITSTRING_BITS",
    "BitstringStatusEntry",
    "RevocationListEntry",
    "StatusEntry",
    "StatusOutcome",
    "bit_at",
    "build_revocation_list",
    "build_status_list_credential",
    "check_bitstring_list_credential",
    "check_revocation_list",
    "decode_bitstring",
    "encode_bitstring",
    "new_bitstring",
    "parse_credential_status",
    "parse_status_entry",
    "parse_status_index",
    "set_bit",
    "status_value_at",
]
