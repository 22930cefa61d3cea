"""Verifying a CLR 2.0 learner record: the outer ClrCredential, then every credential inside.

The outer proof says only who *assembled* the record (a provider, a registrar); it proves
nothing about the achievements the nested credentials claim, which their own issuers signed.
So :func:`verify_clr` runs the outer ClrCredential through the full credential pipeline (CLR
data model, its JSON Schema, contexts, proof, dates, status), then hands every nested
credential, untouched, to the same pipeline on its own (its own issuer, proof, dates, status,
recipient), and returns a :class:`~mcbadge.verify.result.BundleResult` with one
:class:`~mcbadge.verify.result.NestedResult` per nested credential, located by a JSON Pointer
(``/credentialSubject/verifiableCredential/2``). The record is verified only when the outer
credential and every nested one verify; a failure inside is never hidden by a good outer proof.

Policy knobs that judge a *credential* (``trusted_issuers``, ``require_status``) apply to the
nested credentials; the outer record is judged as the assembler's signed statement
(``expected_recipient`` applies to both: the learner is the subject of each).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mcbadge._json import collector_paused
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import looks_like_jws, refuse_path_like
from mcbadge.verify._network import budgeted, make_fetcher, make_resolver
from mcbadge.verify._util import failed, skipped
from mcbadge.verify.pipeline import _safe, verify_in_context
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import (
    CHECK_IDS,
    BundleResult,
    NestedResult,
    Summary,
    VerificationResult,
)

__all__ = ["MAX_NESTED", "NESTED_POINTER", "verify_clr"]

#: Where a CLR keeps its credentials, as a JSON Pointer (RFC 6901).
NESTED_POINTER = "/credentialSubject/verifiableCredential"
#: The most nested credentials one record is verified with. Past it, one more nested result
#: (at the first entry not checked) fails ``input.too_many``: the record fails and says where,
#: and an 8 MB array of a million tiny entries costs one result, not a million.
MAX_NESTED = 1000


def _refused(code: str, message: str) -> VerificationResult:
    """The result of a nested entry that is not a credential at all (never read further)."""
    checks = [failed("input", code.split(".", 1)[1], message)]
    checks.extend(
        skipped(cid, "not reached: the entry is not a credential", "not_reached")
        for cid in CHECK_IDS[1:]
    )
    return VerificationResult(tuple(checks), Summary(status_state="not_checked"))


def _entries(credential: Mapping[str, Any]) -> tuple[list[tuple[str, Any]], int]:
    """(location, entry) of the nested credentials, at most ``MAX_NESTED + 1`` of them, and
    how many there are; none when the subject holds nothing there (the outer ``data_model``
    check already fails such a record)."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or "verifiableCredential" not in subject:
        return [], 0
    held = subject["verifiableCredential"]
    if isinstance(held, list):
        located = [
            (f"{NESTED_POINTER}/{index}", entry)
            for index, entry in enumerate(held[: MAX_NESTED + 1])
        ]
        return located, len(held)
    return [(NESTED_POINTER, held)], 1


def _nested_ctx(outer: RunContext) -> RunContext:
    return RunContext(
        outer.policy, outer.now, resolver=outer.resolver, fetcher=outer.fetcher, kind="credential"
    )


def _verify_entry(entry: Any, outer: RunContext) -> VerificationResult:
    if isinstance(entry, str):
        if not looks_like_jws(entry):
            return _refused(
                "input.malformed",
                "a credential inside a CLR given as a string must be a compact JWS (VC-JWT)",
            )
        return verify_in_context(entry.strip(), _nested_ctx(outer))
    if not isinstance(entry, Mapping):
        what = "an array" if isinstance(entry, list) else type(entry).__name__
        if entry is None:
            what = "null"
        return _refused(
            "input.not_object", f"a credential inside a CLR must be a JSON object, not {what}"
        )
    return verify_in_context(entry, _nested_ctx(outer))


def verify_clr(
    document: Mapping[str, Any] | str | bytes | Any,
    policy: VerificationPolicy | None = None,
) -> BundleResult:
    """Verify a CLR 2.0 ClrCredential and each credential inside it; see the module text.

    ``document`` is anything :func:`mcbadge.verify` accepts (a mapping, JSON text or bytes, a
    VC-JWT, a path object). Raises only for programmer errors (:class:`TypeError`); everything
    about the document is in the result: ``exit_code_for(result)`` is 0 only when the outer
    record and every nested credential verify.
    """
    policy = policy if policy is not None else VerificationPolicy()
    if not isinstance(policy, VerificationPolicy):
        raise TypeError("policy must be a VerificationPolicy")
    if isinstance(document, str):
        refuse_path_like(document)
    own_fetcher = policy.fetcher is None and not policy.offline
    fetcher = budgeted(policy.fetcher if not own_fetcher else _safe(make_fetcher, policy), policy)
    now = policy.now if policy.now is not None else datetime.now(UTC)
    outer_policy = dataclasses.replace(policy, trusted_issuers=None, require_status=False)
    ctx = RunContext(outer_policy, now, fetcher=fetcher, kind="clr")
    ctx.resolver = _safe(make_resolver, policy, fetcher)
    nested_base = RunContext(policy, now, resolver=ctx.resolver, fetcher=fetcher)
    try:
        with collector_paused():
            outer = verify_in_context(document, ctx)
            parsed = ctx.parsed
            entries, count = _entries(parsed.credential) if parsed is not None else ([], 0)
            nested = [
                NestedResult(location, _verify_entry(entry, nested_base))
                for location, entry in entries[:MAX_NESTED]
            ]
            if count > MAX_NESTED:
                message = (
                    f"the record holds {count} credentials, more than the {MAX_NESTED} "
                    "mcbadge checks in one record; this one and the rest were not checked"
                )
                nested.append(
                    NestedResult(entries[MAX_NESTED][0], _refused("input.too_many", message))
                )
    finally:
        close = getattr(fetcher, "close", None)
        if own_fetcher and callable(close):
            _safe(close)
    return BundleResult("clr", outer, tuple(nested))
