"""Judging a status list credential (or a 1EdTech revocation list) for one entry; builders.

:func:`check_bitstring_list_credential` takes a list credential whose proof the caller has
already verified and answers for one :class:`~mcbadge.status.entries.BitstringStatusEntry`.
Every way the list could be the wrong list (type, purpose, issuer, validity window, size,
encoding) raises :class:`~mcbadge.errors.StatusError`, so the verifier never reads a bit
from a list it should not trust.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mcbadge.errors import StatusError
from mcbadge.status.bitstring import (
    DEFAULT_MAX_DECOMPRESSED,
    MIN_BITSTRING_BITS,
    decode_bitstring,
    encode_bitstring,
    status_value_at,
)
from mcbadge.status.entries import BitstringStatusEntry

__all__ = [
    "StatusOutcome",
    "build_revocation_list",
    "build_status_list_credential",
    "check_bitstring_list_credential",
    "check_revocation_list",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_LIST_TYPES = {
    "BitstringStatusListEntry": ("BitstringStatusListCredential", "BitstringStatusList"),
    "StatusList2021Entry": ("StatusList2021Credential", "StatusList2021"),
}


@dataclass(frozen=True)
class StatusOutcome:
    """What one status entry says about a credential.

    ``state`` is ``"revoked"``, ``"suspended"``, ``"active"`` or, for the ``message``
    purpose, ``"message"`` (see ``value`` and ``message``).
    """

    purpose: str
    state: str
    value: int
    list_url: str
    message: str | None = None
    reason: str | None = None

    @property
    def is_revoked(self) -> bool:
        return self.state == "revoked"

    @property
    def is_suspended(self) -> bool:
        return self.state == "suspended"


def check_bitstring_list_credential(
    list_vc: Mapping[str, Any],
    *,
    entry: BitstringStatusEntry,
    credential_issuer: str,
    now: datetime,
    skew_seconds: float = 300,
    min_bits: int = MIN_BITSTRING_BITS,
    max_decompressed: int = DEFAULT_MAX_DECOMPRESSED,
) -> StatusOutcome:
    """Read ``entry``'s status from an (already proof-checked) status list credential.

    ``min_bits`` may be lowered for legacy lists shorter than the spec's 131,072 bits.
    Raises ``StatusError`` with ``status_list.wrong_type``, ``status_list.wrong_purpose``,
    ``status_list.wrong_issuer``, ``status_list.not_yet_valid``, ``status_list.expired``,
    ``status_list.malformed``, ``status_list.bad_encoding``, ``status_list.too_large``,
    ``status_list.too_small`` or ``status_range.out_of_range``.
    """
    if not isinstance(list_vc, Mapping):
        raise StatusError("the status list is not a JSON object", code="status_list.malformed")
    credential_type, subject_type = _LIST_TYPES[entry.type]
    if credential_type not in _types(list_vc.get("type")):
        raise StatusError(
            f"the status list credential is not a {credential_type}", code="status_list.wrong_type"
        )
    subject = list_vc.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping) or subject_type not in _types(subject.get("type")):
        raise StatusError(
            f"the status list's credentialSubject is not a {subject_type}",
            code="status_list.wrong_type",
        )
    purposes = subject.get("statusPurpose")
    purpose_list = purposes if isinstance(purposes, list) else [purposes]
    if entry.status_purpose not in purpose_list:
        raise StatusError(
            f"the status list is not for the {entry.status_purpose!r} purpose",
            code="status_list.wrong_purpose",
        )
    if _issuer_id(list_vc.get("issuer")) != credential_issuer:
        raise StatusError(
            "the status list was not issued by the credential's issuer",
            code="status_list.wrong_issuer",
        )
    _check_window(list_vc, now, skew_seconds)
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusError("the status list has no encodedList", code="status_list.malformed")
    bits = decode_bitstring(
        encoded,
        max_decompressed=max_decompressed,
        require_multibase=not entry.is_status_list_2021,
    )
    if len(bits) * 8 < min_bits:
        raise StatusError(
            f"the status list has {len(bits) * 8} entries, fewer than the required {min_bits}",
            code="status_list.too_small",
        )
    value = status_value_at(bits, entry.status_list_index, entry.status_size)
    return _outcome(entry, value)


def _outcome(entry: BitstringStatusEntry, value: int) -> StatusOutcome:
    purpose = entry.status_purpose
    url = entry.status_list_credential
    if purpose == "revocation":
        return StatusOutcome(purpose, "revoked" if value else "active", value, url)
    if purpose == "suspension":
        return StatusOutcome(purpose, "suspended" if value else "active", value, url)
    message = dict(entry.status_messages).get(value)
    return StatusOutcome(
        purpose, "message" if purpose == "message" else "active", value, url, message
    )


def check_revocation_list(
    list_json: Any, credential_id: str, *, list_url: str = ""
) -> StatusOutcome:
    """Look ``credential_id`` up in a 1EdTech revocation list (OB 3.0 §B.1.21, VCRL-10).

    Revoked when an entry has that ``id`` and ``revoked`` is absent or true. A list that is
    not of the expected shape raises ``StatusError(status_list.malformed)``.
    """
    if not isinstance(list_json, Mapping):
        raise StatusError("the revocation list is not a JSON object", code="status_list.malformed")
    entries = list_json.get("revokedCredential")
    if not isinstance(entries, list):
        raise StatusError(
            "the revocation list has no revokedCredential array", code="status_list.malformed"
        )
    for item in entries:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise StatusError(
                "a revokedCredential entry has no string id", code="status_list.malformed"
            )
        revoked = item.get("revoked", True)
        reason = item.get("revocationReason")
        if not isinstance(revoked, bool) or (reason is not None and not isinstance(reason, str)):
            raise StatusError(
                "a revokedCredential entry has a malformed revoked/revocationReason",
                code="status_list.malformed",
            )
        if item["id"] == credential_id and revoked:
            return StatusOutcome("revocation", "revoked", 1, list_url, reason=reason)
    return StatusOutcome("revocation", "active", 0, list_url)


def build_status_list_credential(
    list_id: str,
    issuer_id: str,
    purpose: str,
    bits: bytes | bytearray,
    *,
    valid_from: datetime | str,
    valid_until: datetime | str | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned VCDM 2.0 ``BitstringStatusListCredential`` (sign it with the proof layer)."""
    if len(bits) * 8 < MIN_BITSTRING_BITS:
        raise ValueError(f"a status list needs at least {MIN_BITSTRING_BITS} bits")
    subject: dict[str, Any] = {
        "id": f"{list_id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_bitstring(bits),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": _format_time(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = _format_time(valid_until)
    credential["credentialSubject"] = subject
    return credential


def build_revocation_list(revoked: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
    """A 1EdTech revocation list document from ``(credential_id, reason)`` pairs."""
    entries: list[dict[str, Any]] = []
    for credential_id, reason in revoked:
        item: dict[str, Any] = {"id": credential_id, "revoked": True}
        if reason:
            item["revocationReason"] = reason
        entries.append(item)
    return {"revokedCredential": entries}


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _issuer_id(issuer: Any) -> Any:
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def parse_datetime(value: Any, what: str) -> datetime:
    """An XML Schema dateTime with a time zone (as used by validFrom / validUntil)."""
    if not isinstance(value, str) or "T" not in value:
        raise StatusError(
            f"the status list's {what} is not a date-time", code="status_list.malformed"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise StatusError(
            f"the status list's {what} is not a date-time", code="status_list.malformed"
        ) from None
    if parsed.tzinfo is None:
        raise StatusError(
            f"the status list's {what} has no time zone", code="status_list.malformed"
        )
    return parsed


def _check_window(list_vc: Mapping[str, Any], now: datetime, skew_seconds: float) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    skew = timedelta(seconds=skew_seconds)
    for key in ("validFrom", "issuanceDate"):
        # differences, never now ± skew: a --now near 0001 or 9999 would overflow
        if key in list_vc and parse_datetime(list_vc[key], key) - now > skew:
            raise StatusError("the status list is not valid yet", code="status_list.not_yet_valid")
    for key in ("validUntil", "expirationDate"):
        if key in list_vc and now - parse_datetime(list_vc[key], key) > skew:
            raise StatusError("the status list has expired", code="status_list.expired")


def _format_time(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
