"""Status checks: Bitstring Status List (revocation, suspension), StatusList2021, and the
1EdTech Revocation List.

A status list credential is verified with the same pipeline as the credential (proof, key,
validity), must come from the same issuer, have the right type and purpose and hold at least
131,072 entries. Anything that stops us from reading a trustworthy status is *indeterminate*.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcbadge.errors import MCBadgeError
from mcbadge.status import (
    BitstringStatusEntry,
    RevocationListEntry,
    StatusOutcome,
    check_bitstring_list_credential,
    check_revocation_list,
    parse_credential_status,
)
from mcbadge.verify._context import RunContext
from mcbadge.verify._network import fetch_json
from mcbadge.verify._util import as_list, check_from_error, failed, passed, skipped, warning
from mcbadge.verify.result import Check, VerificationResult

__all__ = ["STATUS_CHECK_IDS", "run_status_checks"]

STATUS_CHECK_IDS = ("status", "status_retrieval", "status_list", "status_range")

NestedVerify = Callable[[dict[str, Any], RunContext], VerificationResult]


class _Outcome(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.code)
        self.check = check


def _indeterminate(check_id: str, detail: str, message: str) -> _Outcome:
    return _Outcome(failed(check_id, detail, message, indeterminate=True))


def _retrieval_failed(ctx: RunContext, exc: MCBadgeError) -> _Outcome:
    if exc.code.startswith("network_policy."):
        ctx.network_refusals.append(check_from_error("network_policy", exc, indeterminate=True))
        return _indeterminate("status_retrieval", "refused", f"not retrieved: {exc.message}")
    return _Outcome(check_from_error("status_retrieval", exc, indeterminate=True))


def _issuer_id(document: dict[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _fetch(ctx: RunContext, url: str) -> Any:
    try:
        return fetch_json(ctx.fetcher, url, offline=ctx.policy.offline)
    except MCBadgeError as exc:
        raise _retrieval_failed(ctx, exc) from None


def _list_failure(exc: MCBadgeError) -> _Outcome:
    """A status-layer error: an index beyond the list is the credential's fault (failed);
    anything wrong with the list itself leaves the status undecided (indeterminate)."""
    if exc.code.startswith("status_range."):
        return _Outcome(check_from_error("status_range", exc))
    return _Outcome(check_from_error("status_list", exc, indeterminate=True))


def _bitstring(
    ctx: RunContext, entry: BitstringStatusEntry, nested: NestedVerify
) -> dict[str, Check]:
    url = entry.status_list_credential
    document = _fetch(ctx, url)
    checks = {"status_retrieval": passed("status_retrieval", f"status list retrieved from {url}")}
    try:
        outcome = check_bitstring_list_credential(
            document,
            entry=entry,
            credential_issuer=_issuer_id(ctx.credential),
            now=ctx.now,
            skew_seconds=ctx.policy.clock_skew.total_seconds(),
        )
    except MCBadgeError as exc:
        raise _list_failure(exc) from None
    list_result = nested(document, ctx)
    if not list_result.verified:
        reasons = ", ".join(list_result.failed_checks)
        raise _indeterminate(
            "status_list", "unverified", f"the status list credential does not verify ({reasons})"
        )
    checks["status_list"] = passed("status_list", "the status list credential verifies")
    checks["status_range"] = passed("status_range", f"index {entry.status_list_index} is in range")
    return {**checks, "status": _judge(ctx, outcome)}


def _judge(ctx: RunContext, outcome: StatusOutcome) -> Check:
    if outcome.state in ("revoked", "suspended"):
        ctx.status_state = outcome.state
        reason = f" ({outcome.reason})" if outcome.reason else ""
        raise _Outcome(
            failed("status", outcome.state, f"the credential has been {outcome.state}{reason}")
        )
    if outcome.state == "message":
        return warning("status", "message", f"status message: {outcome.message or outcome.value}")
    return passed("status", f"not {'revoked' if outcome.purpose == 'revocation' else 'suspended'}")


def _revocation_list(ctx: RunContext, entry: RevocationListEntry) -> dict[str, Check]:
    document = _fetch(ctx, entry.id)
    credential_id = ctx.credential.get("id")
    if not isinstance(credential_id, str):
        raise _Outcome(failed("status", "no_credential_id", "the credential has no id to look up"))
    try:
        outcome = check_revocation_list(document, credential_id, list_url=entry.id)
    except MCBadgeError as exc:
        raise _list_failure(exc) from None
    checks = {
        "status_retrieval": passed(
            "status_retrieval", f"revocation list retrieved from {entry.id}"
        ),
        "status_list": passed("status_list", "the revocation list is well formed"),
        "status_range": skipped("status_range", "a revocation list has no index"),
    }
    return {**checks, "status": _judge(ctx, outcome)}


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
        try:
            parsed_entries = parse_credential_status(ctx.credential.get("credentialStatus"))
        except MCBadgeError as exc:
            prefix = exc.code.split(".", 1)[0]
            raise _Outcome(
                check_from_error(prefix if prefix in STATUS_CHECK_IDS else "status", exc)
            ) from None
        for entry in parsed_entries:
            if isinstance(entry, RevocationListEntry):
                checks.update(_revocation_list(ctx, entry))
            else:
                checks.update(_bitstring(ctx, entry, nested))
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
