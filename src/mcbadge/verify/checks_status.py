"""Status checks: Bitstring Status List (revocation, suspension), StatusList2021, and the
1EdTech Revocation List.

A status list credential is verified with the same pipeline as the credential (proof, key,
validity), must come from the same issuer, have the right type and purpose and hold at least
131,072 entries. Anything that stops us from reading a trustworthy status is *indeterminate*.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable
from typing import Any

from mcbadge.errors import MCBadgeError
from mcbadge.verify._context import RunContext
from mcbadge.verify._network import fetch_json
from mcbadge.verify._util import as_list, check_from_error, failed, passed, skipped
from mcbadge.verify.result import Check, VerificationResult

__all__ = ["STATUS_CHECK_IDS", "decode_status_list", "run_status_checks"]

STATUS_CHECK_IDS = ("status", "status_retrieval", "status_list", "status_range")
MIN_ENTRIES = 131_072
MAX_LIST_BYTES = 16 * 1024 * 1024  # decompressed cap: 134 million entries
_CANONICAL_INDEX = re.compile(r"^(0|[1-9][0-9]{0,11})$")
_BITSTRING_TYPES = {
    "BitstringStatusListEntry": ("BitstringStatusListCredential", "BitstringStatusList"),
    "StatusList2021Entry": ("StatusList2021Credential", "StatusList2021"),
}

NestedVerify = Callable[[dict[str, Any], RunContext], VerificationResult]


class _Outcome(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.code)
        self.check = check


def _indeterminate(check_id: str, detail: str, message: str) -> _Outcome:
    return _Outcome(failed(check_id, detail, message, indeterminate=True))


def decode_status_list(encoded: Any, *, multibase: bool) -> bytes:
    """Decode an encodedList (GZIP'd bitstring, base64url; multibase ``u`` for Bitstring)."""
    if not isinstance(encoded, str) or not encoded:
        raise _indeterminate("status_list", "bad_encoding", "the status list has no encodedList")
    text = encoded
    if multibase:
        if not text.startswith("u"):
            raise _indeterminate(
                "status_list", "bad_encoding", "encodedList is not multibase base64url"
            )
        text = text[1:]
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _indeterminate(
            "status_list", "bad_encoding", "encodedList is not base64url"
        ) from None
    inflater = zlib.decompressobj(wbits=31)
    try:
        bits = inflater.decompress(compressed, MAX_LIST_BYTES)
    except zlib.error:
        raise _indeterminate(
            "status_list", "bad_encoding", "encodedList is not GZIP data"
        ) from None
    if inflater.unconsumed_tail:
        raise _indeterminate(
            "status_list", "too_large", "the status list inflates beyond the size cap"
        )
    return bits


def _retrieval_failed(ctx: RunContext, exc: MCBadgeError) -> _Outcome:
    if exc.code.startswith("network_policy."):
        ctx.network_refusals.append(check_from_error("network_policy", exc, indeterminate=True))
        return _indeterminate("status_retrieval", "refused", f"not retrieved: {exc.message}")
    return _Outcome(check_from_error("status_retrieval", exc, indeterminate=True))


def _issuer_id(document: dict[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _bitstring(ctx: RunContext, entry: dict[str, Any], nested: NestedVerify) -> dict[str, Check]:
    checks: dict[str, Check] = {}
    credential_type, subject_type = _BITSTRING_TYPES[entry["type"]]
    purpose = entry.get("statusPurpose")
    if purpose not in ("revocation", "suspension"):
        raise _Outcome(
            failed("status", "unsupported_purpose", f"status purpose {purpose!r} is not supported")
        )
    index_text = entry.get("statusListIndex")
    if not isinstance(index_text, str) or not _CANONICAL_INDEX.match(index_text):
        raise _Outcome(
            failed("status_range", "bad_index", "statusListIndex is not a canonical decimal")
        )
    index = int(index_text)
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise _Outcome(failed("status", "bad_list_url", "statusListCredential is not an https URL"))
    try:
        document = fetch_json(ctx.fetcher, url, offline=ctx.policy.offline)
    except MCBadgeError as exc:
        raise _retrieval_failed(ctx, exc) from None
    if not isinstance(document, dict):
        raise _indeterminate("status_retrieval", "bad_json", "the status list is not a JSON object")
    checks["status_retrieval"] = passed("status_retrieval", f"status list retrieved from {url}")
    if credential_type not in as_list(document.get("type")):
        raise _indeterminate(
            "status_list", "wrong_type", f"the status list is not a {credential_type}"
        )
    if _issuer_id(document) != _issuer_id(ctx.credential):
        raise _indeterminate(
            "status_list",
            "other_issuer",
            "the status list was not issued by the credential's issuer",
        )
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != subject_type:
        raise _indeterminate(
            "status_list", "wrong_type", f"the status list subject is not a {subject_type}"
        )
    if subject.get("statusPurpose") != purpose:
        raise _indeterminate(
            "status_list", "wrong_purpose", f"the status list is not for {purpose}"
        )
    list_result = nested(document, ctx)
    if not list_result.verified:
        reasons = ", ".join(list_result.failed_checks)
        raise _indeterminate(
            "status_list", "unverified", f"the status list credential does not verify ({reasons})"
        )
    bits = decode_status_list(
        subject.get("encodedList"), multibase=entry["type"] == "BitstringStatusListEntry"
    )
    if len(bits) * 8 < MIN_ENTRIES:
        raise _indeterminate(
            "status_list", "too_short", "the status list has fewer than 131,072 entries"
        )
    checks["status_list"] = passed("status_list", "the status list credential verifies")
    if index >= len(bits) * 8:
        raise _Outcome(
            failed("status_range", "out_of_range", "statusListIndex is beyond the end of the list")
        )
    checks["status_range"] = passed("status_range", f"index {index} is in range")
    if bits[index // 8] >> (7 - index % 8) & 1:
        ctx.status_state = "revoked" if purpose == "revocation" else "suspended"
        raise _Outcome(
            failed("status", ctx.status_state, f"the credential has been {ctx.status_state}")
        )
    checks["status"] = passed(
        "status", f"not {'revoked' if purpose == 'revocation' else 'suspended'}"
    )
    return checks


def _revocation_list(ctx: RunContext, entry: dict[str, Any]) -> dict[str, Check]:
    url = entry.get("id")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise _Outcome(
            failed("status", "bad_list_url", "the revocation list id is not an https URL")
        )
    try:
        document = fetch_json(ctx.fetcher, url, offline=ctx.policy.offline)
    except MCBadgeError as exc:
        raise _retrieval_failed(ctx, exc) from None
    revoked = document.get("revokedCredential") if isinstance(document, dict) else None
    if not isinstance(revoked, list):
        raise _indeterminate(
            "status_list", "malformed", "the revocation list has no revokedCredential array"
        )
    checks = {
        "status_retrieval": passed("status_retrieval", f"revocation list retrieved from {url}"),
        "status_list": passed("status_list", "the revocation list is well formed"),
        "status_range": skipped("status_range", "a revocation list has no index"),
    }
    for item in revoked:
        if (
            isinstance(item, dict)
            and item.get("id") == ctx.credential.get("id")
            and item.get("revoked", True) is not False
        ):
            ctx.status_state = "revoked"
            raise _Outcome(failed("status", "revoked", "the credential has been revoked"))
    checks["status"] = passed("status", "not on the issuer's revocation list")
    return checks


def run_status_checks(ctx: RunContext, nested: NestedVerify) -> dict[str, Check]:
    entries = as_list(ctx.credential.get("credentialStatus"))
    if not entries:
        ctx.status_state = "none"
        if ctx.policy.require_status:
            first = failed(
                "status", "missing", "the policy requires a status, and the credential has none"
            )
        else:
            first = skipped("status", "the credential has no credentialStatus")
        rest = {cid: skipped(cid, "no credentialStatus") for cid in STATUS_CHECK_IDS[1:]}
        return {"status": first, **rest}
    checks: dict[str, Check] = {}
    try:
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
                raise _Outcome(
                    failed("status", "malformed", "a credentialStatus entry has no type")
                )
            if entry["type"] in _BITSTRING_TYPES:
                checks.update(_bitstring(ctx, entry, nested))
            elif entry["type"] == "1EdTechRevocationList":
                checks.update(_revocation_list(ctx, entry))
            else:
                raise _Outcome(
                    failed("status", "unknown_type", f"unsupported status type {entry['type']!r}")
                )
    except _Outcome as outcome:
        stopped = outcome.check
        if stopped.indeterminate:
            ctx.status_state = "unknown"
        checks[stopped.id] = stopped
        for cid in STATUS_CHECK_IDS:
            checks.setdefault(cid, skipped(cid, f"not reached: {stopped.id} failed", "not_reached"))
        return checks
    if ctx.status_state == "unknown":
        ctx.status_state = "active"
    return checks
