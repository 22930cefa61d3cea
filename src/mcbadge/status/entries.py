"""Parsing and validating a credential's ``credentialStatus``.

Three entry types are understood:

* ``BitstringStatusListEntry`` (Bitstring Status List v1.0),
* ``StatusList2021Entry`` (its VCDM 1.1 predecessor, same fields),
* ``1EdTechRevocationList`` (OB 3.0 §B.1.21: ``id`` is the revocation list's URL).

``statusListIndex`` must be a canonical non-negative decimal string ("0", "23"; no sign,
no leading zeros, no spaces) below 2**31. A JSON integer is also accepted, because the
1EdTech validator's own samples use one; it is unambiguous, so accepting it cannot make a
revoked credential look active. Anything else fails with ``status_range.bad_index``.
An unknown entry type fails with ``status.unsupported_type``: the verifier cannot
check a status it does not understand, so it must not report the credential as active.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mcbadge.errors import StatusError

__all__ = [
    "BITSTRING_ENTRY_TYPES",
    "MAX_STATUS_INDEX",
    "BitstringStatusEntry",
    "RevocationListEntry",
    "StatusEntry",
    "parse_credential_status",
    "parse_status_entry",
    "parse_status_index",
]

BITSTRING_ENTRY = "BitstringStatusListEntry"
STATUS_LIST_2021_ENTRY = "StatusList2021Entry"
REVOCATION_LIST_ENTRY = "1EdTechRevocationList"
BITSTRING_ENTRY_TYPES = frozenset({BITSTRING_ENTRY, STATUS_LIST_2021_ENTRY})
MAX_STATUS_INDEX = 2**31
_CANONICAL_INDEX = re.compile(r"0|[1-9][0-9]{0,9}")
_MAX_STATUS_SIZE = 16


@dataclass(frozen=True)
class BitstringStatusEntry:
    """A ``BitstringStatusListEntry`` or ``StatusList2021Entry``."""

    type: str
    status_purpose: str
    status_list_index: int
    status_list_credential: str
    id: str | None = None
    status_size: int = 1
    status_messages: tuple[tuple[int, str], ...] = field(default=())

    @property
    def is_status_list_2021(self) -> bool:
        """True for the VCDM 1.1-era ``StatusList2021Entry``."""
        return self.type == STATUS_LIST_2021_ENTRY

    @property
    def list_url(self) -> str:
        """Where the status list credential is fetched from."""
        return self.status_list_credential


@dataclass(frozen=True)
class RevocationListEntry:
    """A ``1EdTechRevocationList`` entry; ``id`` is the revocation list's URL."""

    id: str
    type: str = REVOCATION_LIST_ENTRY

    @property
    def list_url(self) -> str:
        """Where the revocation list is fetched from."""
        return self.id


StatusEntry = BitstringStatusEntry | RevocationListEntry


def parse_credential_status(
    value: Any, *, http_prefixes: tuple[str, ...] = ()
) -> list[StatusEntry]:
    """Parse ``credentialStatus`` (one object or a non-empty list of them), in order.

    Status URLs must be https, except under ``http_prefixes``: the ``http://`` base URLs of a
    service on loopback that answers for its own lists (never fetched over the network)."""
    if isinstance(value, Mapping):
        return [parse_status_entry(value, http_prefixes=http_prefixes)]
    if isinstance(value, list) and value:
        return [parse_status_entry(item, http_prefixes=http_prefixes) for item in value]
    raise StatusError(
        "credentialStatus must be an object or a non-empty list of objects",
        code="status.bad_entry",
    )


def parse_status_entry(entry: Any, *, http_prefixes: tuple[str, ...] = ()) -> StatusEntry:
    """Parse one status entry object (``http_prefixes`` as in :func:`parse_credential_status`)."""
    if not isinstance(entry, Mapping):
        raise StatusError("a credentialStatus entry must be an object", code="status.bad_entry")
    entry_type = _single_type(entry.get("type"))
    if entry_type == REVOCATION_LIST_ENTRY:
        return RevocationListEntry(
            id=_https_url(entry.get("id"), "the revocation list id", http_prefixes)
        )
    if entry_type not in BITSTRING_ENTRY_TYPES:
        raise StatusError(
            f"credentialStatus type {entry_type!r} is not supported",
            code="status.unsupported_type",
        )
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise StatusError(
            "credentialStatus.statusPurpose must be a non-empty string", code="status.bad_entry"
        )
    entry_id = entry.get("id")
    if entry_id is not None and not isinstance(entry_id, str):
        raise StatusError("credentialStatus.id must be a string", code="status.bad_entry")
    status_size = _status_size(entry.get("statusSize", 1))
    if status_size > 1 and purpose != "message":
        raise StatusError(
            "statusSize above 1 is only allowed with the 'message' status purpose",
            code="status.bad_entry",
        )
    return BitstringStatusEntry(
        type=entry_type,
        status_purpose=purpose,
        status_list_index=parse_status_index(entry.get("statusListIndex")),
        status_list_credential=_https_url(
            entry.get("statusListCredential"),
            "credentialStatus.statusListCredential",
            http_prefixes,
        ),
        id=entry_id,
        status_size=status_size,
        status_messages=_status_messages(entry.get("statusMessage")),
    )


def parse_status_index(value: Any) -> int:
    """A ``statusListIndex``: canonical decimal string (or JSON integer), 0 <= i < 2**31."""
    if isinstance(value, int) and not isinstance(value, bool):
        index = value
    elif isinstance(value, str) and _CANONICAL_INDEX.fullmatch(value):
        index = int(value)
    else:
        raise StatusError(
            f"statusListIndex {str(value)[:40]!r} is not a canonical non-negative decimal number",
            code="status_range.bad_index",
        )
    if not 0 <= index < MAX_STATUS_INDEX:
        raise StatusError(
            f"statusListIndex {index} is outside 0 .. 2^31-1", code="status_range.bad_index"
        )
    return index


def _single_type(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise StatusError(
            "credentialStatus.type must name exactly one status type", code="status.bad_entry"
        )
    return value


def _https_url(value: Any, what: str, http_prefixes: tuple[str, ...] = ()) -> str:
    if not isinstance(value, str):
        raise StatusError(f"{what} must be an https URL", code="status.bad_url")
    if any(prefix.startswith("http://") and value.startswith(prefix) for prefix in http_prefixes):
        return value
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme != "https" or not host or parts.username is not None:
        raise StatusError(f"{what} must be an https URL", code="status.bad_url")
    return value


def _status_size(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _MAX_STATUS_SIZE:
        return value
    raise StatusError(
        f"statusSize must be an integer from 1 to {_MAX_STATUS_SIZE}", code="status.bad_entry"
    )


def _status_messages(value: Any) -> tuple[tuple[int, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise StatusError("statusMessage must be a list", code="status.bad_entry")
    messages: list[tuple[int, str]] = []
    for item in value:
        status = item.get("status") if isinstance(item, Mapping) else None
        message = item.get("message") if isinstance(item, Mapping) else None
        if not isinstance(status, str) or not isinstance(message, str):
            raise StatusError(
                "each statusMessage needs a hex 'status' and a 'message'", code="status.bad_entry"
            )
        try:
            messages.append((int(status, 16), message))
        except ValueError:
            raise StatusError(
                f"statusMessage status {status[:20]!r} is not hexadecimal", code="status.bad_entry"
            ) from None
    return tuple(messages)
