"""Status checks: Bitstring Status List (revocation, suspension), StatusList2021, and the
1EdTech Revocation List.

A status list credential is verified with the same pipeline as the credential (proof, key,
validity), must come from the same issuer, have the right type and purpose and hold at least
131,072 entries; it may come as JSON or as a VC-JWT. Anything that stops us from reading a
trustworthy status is *indeterminate*. A verified list stays in the fetcher's cache for its
``ttl``, never past its ``validUntil``, and its verdict is remembered (same policy, same
bytes, within its ``ttl``: :mod:`mcbadge.verify._list_cache`) so credentials sharing a list
do not verify it again; the checks that depend on the credential (issuer, purpose, window,
index) run every time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
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
from mcbadge.verify import _list_cache
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import parse_input
from mcbadge.verify._network import Fetched, fetch_document
from mcbadge.verify._util import (
    DateTimeError,
    as_list,
    check_from_error,
    failed,
    parse_datetime,
    passed,
    skipped,
    warning,
)
from mcbadge.verify.result import Check, VerificationResult

__all__ = ["STATUS_CHECK_IDS", "run_status_checks"]

STATUS_CHECK_IDS = ("status", "status_retrieval", "status_list", "status_range")

logger = logging.getLogger(__name__)

NestedVerify = Callable[[dict[str, Any] | str, RunContext], VerificationResult]


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


def _saved(url: str, document: Mapping[str, Any] | str) -> Fetched:
    """A saved list (``policy.status_lists``), as if fetched; its digest keys the verdict cache."""
    data = document if isinstance(document, str) else dict(document)
    text = data if isinstance(data, str) else json.dumps(data, sort_keys=True, ensure_ascii=False)
    return Fetched(url, data, digest=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _fetch(ctx: RunContext, url: str) -> Fetched:
    saved = ctx.policy.status_lists.get(url)
    if saved is None and ctx.policy.status_list_resolver is not None:
        try:
            saved = ctx.policy.status_list_resolver(url)
        except MCBadgeError as exc:
            raise _retrieval_failed(ctx, exc) from None
        except Exception as exc:  # the caller's resolver crashed (its database went away):
            logger.debug("status list resolver crashed", exc_info=exc)  # undecided, not a bug
            raise _indeterminate(
                "status_retrieval",
                "unavailable",
                f"the status list resolver could not answer for {url} ({type(exc).__name__})",
            ) from None
    if saved is not None:
        return _saved(url, saved)
    if any(url.startswith(prefix) for prefix in ctx.policy.local_status_base_urls):
        # The caller serves these lists itself and answered for none at this URL.
        raise _indeterminate(
            "status_retrieval", "unknown_list", f"no status list is served at {url}"
        )
    try:
        return fetch_document(ctx.fetcher, url, offline=ctx.policy.offline)
    except MCBadgeError as exc:
        raise _retrieval_failed(ctx, exc) from None


def _list_failure(exc: MCBadgeError) -> _Outcome:
    """A status-layer error: an index beyond the list is the credential's fault (failed);
    anything wrong with the list itself leaves the status undecided (indeterminate)."""
    if exc.code.startswith("status_range."):
        return _Outcome(check_from_error("status_range", exc))
    return _Outcome(check_from_error("status_list", exc, indeterminate=True))


def _list_credential(document: dict[str, Any] | str) -> tuple[dict[str, Any], Any]:
    """The status list credential itself (a VC-JWT's payload credential, decoded unverified)
    and, for a VC-JWT, its payload (None for a JSON document)."""
    if isinstance(document, dict):
        return document, None
    try:
        parsed = parse_input(document)
    except MCBadgeError as exc:
        raise _indeterminate(
            "status_list", "malformed", f"the status list VC-JWT cannot be read: {exc.message}"
        ) from None
    return parsed.credential, parsed.jwt_payload


def _bitstring(
    ctx: RunContext, entry: BitstringStatusEntry, nested: NestedVerify
) -> dict[str, Check]:
    url = entry.status_list_credential
    fetched = _fetch(ctx, url)
    checks = {"status_retrieval": passed("status_retrieval", f"status list retrieved from {url}")}
    list_credential, jwt_payload = _list_credential(fetched.document)
    out_of_range: MCBadgeError | None = None
    outcome: StatusOutcome | None = None
    try:
        outcome = check_bitstring_list_credential(
            list_credential,
            entry=entry,
            credential_issuer=_issuer_id(ctx.credential),
            now=ctx.now,
            skew_seconds=ctx.policy.clock_skew.total_seconds(),
        )
    except MCBadgeError as exc:
        if not exc.code.startswith("status_range."):
            raise _list_failure(exc) from None
        # Judged only once the list is known to be the issuer's: an unverified list must
        # not be able to make a credential fail outright either.
        out_of_range = exc
    if not _list_cache.verified_before(ctx, fetched):
        list_result = nested(fetched.document, ctx)
        if not list_result.verified:
            raise _indeterminate(
                "status_list",
                "unverified",
                f"the status list credential does not verify: {list_result.why_not()}",
            )
        _list_cache.remember(ctx, fetched, list_credential, jwt_payload)
    if out_of_range is not None or outcome is None:
        raise _list_failure(out_of_range or MCBadgeError("no status", code="status_list.failed"))
    _remember_freshness(ctx, fetched, list_credential)
    form = "VC-JWT " if isinstance(fetched.document, str) else ""
    checks["status_list"] = passed("status_list", f"the {form}status list credential verifies")
    checks["status_range"] = passed("status_range", f"index {entry.status_list_index} is in range")
    return {**checks, "status": _judge(ctx, outcome)}


_MAX_TTL_MS = 366 * 24 * 3600 * 1000


def _remember_freshness(ctx: RunContext, fetched: Fetched, list_credential: dict[str, Any]) -> None:
    """Let the fetcher's cache keep a verified list for its ``ttl`` (ms), capped by its
    ``validUntil``; a list with no ``ttl`` is kept only as long as the server's Cache-Control."""
    update = getattr(ctx.fetcher, "update_expiry", None)
    if fetched.fetched_at is None or not callable(update):
        return
    subject = list_credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    deadlines: list[datetime] = []
    if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0:
        # capped: a ttl of 2**62 ms would overflow timedelta (the fetcher caps it lower anyway)
        deadlines.append(fetched.fetched_at + timedelta(milliseconds=min(ttl, _MAX_TTL_MS)))
    elif fetched.expires_at is not None and fetched.expires_at > fetched.fetched_at:
        deadlines.append(fetched.expires_at)
    else:
        return
    for name in ("validUntil", "expirationDate"):
        if name in list_credential:
            try:
                deadlines.append(parse_datetime(list_credential[name], name))
            except DateTimeError:
                return  # the list verified, so this cannot happen; never cache on a guess
    update(fetched.url, min(deadlines))


def _judge(ctx: RunContext, outcome: StatusOutcome) -> Check:
    if outcome.state in ("revoked", "suspended"):
        ctx.status_state = outcome.state
        reason = f" ({outcome.reason})" if outcome.reason else ""
        raise _Outcome(
            failed("status", outcome.state, f"the credential has been {outcome.state}{reason}")
        )
    if outcome.state == "message":
        return warning("status", "message", f"status message: {outcome.message or outcome.value}")
    if outcome.purpose in ("revocation", "suspension"):
        return passed(
            "status", "not revoked" if outcome.purpose == "revocation" else "not suspended"
        )
    return passed("status", f"{outcome.purpose} status value {outcome.value}")


def _revocation_list(ctx: RunContext, entry: RevocationListEntry) -> dict[str, Check]:
    document = _fetch(ctx, entry.id).document
    if not isinstance(document, dict):
        raise _indeterminate(
            "status_list", "malformed", "the 1EdTech revocation list is not a JSON object"
        )
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
        # A 1EdTech revocation list is plain JSON with no proof: only its shape can be checked.
        "status_list": passed(
            "status_list", "the revocation list is well formed (such lists carry no proof)"
        ),
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
            parsed_entries = parse_credential_status(
                ctx.credential.get("credentialStatus"),
                http_prefixes=ctx.policy.local_status_base_urls,
            )
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
            why = "could not be decided" if stopped.indeterminate else "failed"
            checks.setdefault(cid, skipped(cid, f"not reached: {stopped.id} {why}", "not_reached"))
        return checks
    if ctx.status_state == "unknown":
        ctx.status_state = "active"
    return checks
