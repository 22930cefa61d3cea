"""The verification pipeline: runs every check in order, fail-closed, and builds the report.

Each check runs under a guard: a typed error becomes a failed check with the error's code, and
any other exception becomes a failed check coded ``<id>.internal_error``; nothing escapes
:func:`verify` except programmer errors (a document of the wrong Python type, a bad policy).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from mcbadge._json import collector_paused
from mcbadge.errors import InputError, MCBadgeError
from mcbadge.proofs.presentation import VP_JOSE_TYP
from mcbadge.proofs.vc_jose import typ_allowed
from mcbadge.verify import _facts
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import ParsedInput, parse_input, refuse_path_like
from mcbadge.verify._network import budgeted, make_fetcher, make_resolver
from mcbadge.verify._util import (
    DateTimeError,
    as_list,
    check_from_error,
    failed,
    passed,
    skipped,
)
from mcbadge.verify.checks_local import (
    END_TERMS,
    check_context,
    check_data_model,
    check_recipient,
    check_schema,
    check_validity,
    credential_dates,
    is_generic_credential,
    required_start,
    validity_window,
)
from mcbadge.verify.checks_proof import PROOF_CHECK_IDS, run_proof_checks
from mcbadge.verify.checks_status import STATUS_CHECK_IDS, run_status_checks
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import CHECK_IDS, Check, Summary, VerificationResult

__all__ = ["verify", "verify_in_context"]

logger = logging.getLogger(__name__)

_FORMATS = {
    "json": "JSON",
    "jwt": "a VC-JWT (compact JWS)",
    "vc+jwt": "a VC-JOSE-COSE credential (vc+jwt compact JWS)",
    "enveloped": "an EnvelopedVerifiableCredential (data:application/vc+jwt)",
    "baked": "a credential baked into an image",
}
_BEFORE_STATUS = ("input", "data_model", "schema", "context", *PROOF_CHECK_IDS, "validity")


def _crashed(check_id: str, what: str, exc: Exception) -> Check:
    # A crash is a bug in mcbadge, never the document's fault: the person reading the report
    # gets a plain sentence; the traceback goes to the debug log only (`mcbadge --debug`), so
    # hostile input can never put a Python traceback on a user's screen.
    logger.debug("%s crashed", what, exc_info=exc)
    return failed(
        check_id,
        "internal_error",
        f"the {what} could not be completed: mcbadge hit an internal error "
        f"({type(exc).__name__}); this is a bug, please report it",
    )


def _guard_one(check_id: str, function: Callable[[RunContext], Check], ctx: RunContext) -> Check:
    try:
        return function(ctx)
    except MCBadgeError as exc:
        return check_from_error(check_id, exc)
    except Exception as exc:  # fail closed: a crash in a check is a failure, never a pass
        return _crashed(check_id, f"{check_id} check", exc)


def _guard_many(
    ids: tuple[str, ...],
    lead: str,
    family: str,
    function: Callable[[RunContext], dict[str, Check]],
    ctx: RunContext,
) -> dict[str, Check]:
    """Run a family of checks; a typed error that escapes fails the check its code names (or
    ``lead``), a crash fails ``lead``; the rest of the family is marked not reached."""
    try:
        return function(ctx)
    except MCBadgeError as exc:  # fail closed, as above
        named = exc.code.split(".", 1)[0]
        first = check_from_error(named if named in ids else lead, exc)
    except Exception as exc:
        first = _crashed(lead, f"{family} checks", exc)
    rest = {
        cid: skipped(cid, f"not reached: the {family} checks failed", "not_reached")
        for cid in ids
        if cid != first.id
    }
    return {first.id: first, **rest}


def _input_failure(exc: MCBadgeError) -> dict[str, Check]:
    prefix = exc.code.split(".", 1)[0]
    check_id = prefix if prefix in CHECK_IDS else "input"
    checks = {check_id: check_from_error(check_id, exc)}
    if check_id == "jwt":
        checks["input"] = passed("input", "read as a VC-JWT (compact JWS)")
        reason = "not reached: the JWT could not be decoded"
    else:
        reason = "not reached: the document could not be read"
    for cid in CHECK_IDS:
        checks.setdefault(cid, skipped(cid, reason, "not_reached"))
    return checks


def _first_stop(checks: Mapping[str, Check], ids: tuple[str, ...]) -> str | None:
    """Why later checks were not run: the first failed check among ``ids``, in words."""
    for cid in ids:
        check = checks.get(cid)
        if check is not None and check.status == "failed":
            return f"{cid} could not be decided" if check.indeterminate else f"{cid} failed"
    return None


def _unconfirmed_key_binding(checks: dict[str, Check]) -> None:
    """``key_binding`` reads ``passed`` only together with a verified signature.

    The binding is judged from the key id the proof *names*; until the signature verifies
    with that key, nothing was signed by it (a key that never resolved, a forged signature),
    so a pass would tell the reader something nobody checked.
    """
    binding, signature = checks.get("key_binding"), checks.get("signature")
    if binding is None or binding.status != "passed":
        return
    if signature is not None and signature.status == "passed":
        return
    why = _first_stop(checks, ("key_resolution", "signature")) or "the signature was not checked"
    checks["key_binding"] = skipped(
        "key_binding",
        f"not confirmed: the proof names one of the issuer's keys, but {why}",
        "not_reached",
    )


def _summary(ctx: RunContext, recipient_check: Check | None = None) -> Summary:
    teacher = ctx.policy.expected_recipient if ctx.kind in ("credential", "vc") else None
    matched = _facts.teacher_matched(recipient_check) if teacher is not None else None
    if ctx.parsed is None:
        return Summary(status_state=ctx.status_state, teacher=teacher)
    credential = ctx.credential
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    recipient = subject.get("id")
    if recipient is None:
        types = [
            i.get("identityType") for i in as_list(subject.get("identifier")) if isinstance(i, dict)
        ]
        recipient = f"identifier ({', '.join(str(t) for t in types)})" if types else None
    start, end = _summary_window(credential, ctx.memo.get("dates"))

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    levels, statuses = _facts.results(subject, achievement)
    achievement = achievement if isinstance(achievement, dict) else {}
    return Summary(
        issuer_id=text(issuer.get("id") if isinstance(issuer, dict) else issuer),
        issuer_name=text(issuer.get("name")) if isinstance(issuer, dict) else None,
        achievement_name=text(achievement.get("name")),
        recipient=text(recipient),
        valid_from=text(start),
        valid_until=text(end),
        status_state=ctx.status_state,
        achievement_id=text(achievement.get("id")),
        achievement_type=text(achievement.get("achievementType")),
        achieved_levels=levels,
        result_statuses=statuses,
        evidence=_facts.evidence(credential),
        alignments=_facts.alignments(achievement),
        teacher=teacher,
        teacher_matched=matched,
        proof_format=_proof_format(ctx.parsed, credential),
        credential_id=text(credential.get("id")),
        awarded_date=text(credential.get("awardedDate")),
        verification_method=text(_verification_method(ctx.parsed, credential)),
    )


def _verification_method(parsed: ParsedInput, credential: dict[str, Any]) -> Any:
    """The key the proof names (the JWT ``kid``, or the first Data Integrity proof's)."""
    if parsed.jws is not None:
        return (parsed.jwt_header or {}).get("kid")
    proof = next((p for p in as_list(credential.get("proof")) if isinstance(p, dict)), None)
    return proof.get("verificationMethod") if proof is not None else None


def _summary_window(credential: dict[str, Any], dates: Any) -> tuple[Any, Any]:
    """The dates that bound validity: the latest start and the earliest end the credential
    carries (``validity`` reads every one; see checks_local.START_TERMS / END_TERMS)."""
    try:
        start, end = validity_window(dates if dates is not None else credential_dates(credential))
    except DateTimeError:  # unreadable: show what the credential says (validity fails it)
        name = required_start(credential)
        ends = [credential[n] for n in END_TERMS if n in credential]
        return credential.get(name), ends[0] if ends else None
    return (start[1] if start else None), (end[1] if end else None)


def _proof_format(parsed: ParsedInput, credential: dict[str, Any]) -> str | None:
    if parsed.jws is None:
        return _di_format(credential)
    if not parsed.vc_jose:
        return "VC-JWT"
    return "VC-JOSE-COSE (vc+jwt, enveloped)" if parsed.envelope else "VC-JOSE-COSE (vc+jwt)"


def _di_format(credential: dict[str, Any]) -> str | None:
    for proof in as_list(credential.get("proof")):
        if isinstance(proof, dict):
            return str(proof.get("cryptosuite") or proof.get("type"))
    return None


def _trusted_issuer(ctx: RunContext, checks: dict[str, Check]) -> None:
    allowed = ctx.policy.trusted_issuers
    if allowed is None or ctx.kind not in ("credential", "vc"):
        return
    issuer = ctx.credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id not in allowed:
        checks["key_binding"] = failed(
            "key_binding", "untrusted_issuer", f"issuer {issuer_id!r} is not on the trusted list"
        )


def _nested_ctx(ctx: RunContext, kind: str) -> RunContext:
    policy = dataclasses.replace(
        ctx.policy,
        expected_recipient=None,
        trusted_issuers=None,
        require_status=False,
        check_endorsements=kind == "endorsement",
    )
    return RunContext(
        policy, ctx.now, ctx.depth + 1, resolver=ctx.resolver, fetcher=ctx.fetcher, kind=kind
    )


def _verify_status_list(document: dict[str, Any] | str, ctx: RunContext) -> VerificationResult:
    return verify_in_context(document, _nested_ctx(ctx, "status_list"))


_ENDORSEMENT_HOLDERS = (
    (),
    ("issuer",),
    ("credentialSubject", "achievement"),
    ("credentialSubject", "achievement", "creator"),
)


def _endorsements(credential: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for path in _ENDORSEMENT_HOLDERS:
        holder: Any = credential
        for key in path:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            found.extend(as_list(holder.get("endorsement")))
            found.extend(as_list(holder.get("endorsementJwt")))
    return found


def _check_endorsements(ctx: RunContext) -> Check:
    endorsements = _endorsements(ctx.credential)
    if not endorsements:
        return skipped("endorsements", "the credential carries no endorsements")
    if not ctx.policy.check_endorsements:
        return skipped("endorsements", "endorsement checking is turned off", "disabled")
    if ctx.depth >= ctx.policy.max_endorsement_depth:
        return failed("endorsements", "too_deep", "endorsements are nested too deeply to verify")
    undecided = False
    for number, endorsement in enumerate(endorsements, start=1):
        result = verify_in_context(endorsement, _nested_ctx(ctx, "endorsement"))
        if result.indeterminate:
            undecided = True
        elif not result.verified:
            return failed(
                "endorsements",
                "invalid",
                f"endorsement {number} does not verify: {result.why_not()}",
            )
    if undecided:
        return failed(
            "endorsements",
            "indeterminate",
            "an endorsement's status could not be determined",
            indeterminate=True,
        )
    return passed("endorsements", f"{len(endorsements)} endorsement(s) verified")


def _network_policy(ctx: RunContext, checks: dict[str, Check]) -> Check:
    if ctx.network_refusals:
        return ctx.network_refusals[0]
    for check in checks.values():
        if check.code.startswith("network_policy.") or ".network_policy." in check.code:
            return failed("network_policy", "refused", check.message, indeterminate=True)
    return passed("network_policy", "no request broke the network policy")


def _refuse_clr(ctx: RunContext) -> None:
    """A CLR learner record is a bundle: one credential's checks would say nothing of the
    credentials inside it, so outside :func:`mcbadge.verify.clr.verify_clr` it is refused."""
    if ctx.kind == "clr" or ctx.parsed is None:
        return
    if "ClrCredential" in as_list(ctx.parsed.credential.get("type")):
        raise InputError(
            "this is a CLR learner record (ClrCredential): it holds other credentials, each "
            "with its own issuer and proof, and checking only the record would skip them; "
            "verify it with mcbadge.verify_clr() or `mcbadge verify`, which check every "
            "credential inside",
            code="input.clr",
        )


def looks_like_presentation(parsed: ParsedInput) -> bool:
    """True for a verifiable presentation in any form (JSON, VP-JWT, enveloped)."""
    types = as_list(parsed.credential.get("type"))
    header, payload = parsed.jwt_header or {}, parsed.jwt_payload or {}
    return (
        "VerifiablePresentation" in types
        or "EnvelopedVerifiablePresentation" in types
        or "vp" in payload
        or typ_allowed(header.get("typ"), VP_JOSE_TYP)
    )


def _refuse_presentation(parsed: ParsedInput) -> None:
    """A presentation is not a credential: it never reads as verified here (its holder's proof
    and the credentials inside are checked by :func:`mcbadge.verify.verify_presentation`)."""
    if looks_like_presentation(parsed):
        raise InputError(
            "this is a verifiable presentation, not a single credential: verify it with "
            "mcbadge.verify_presentation() or `mcbadge verify` (which checks the holder's "
            "proof and each credential inside)",
            code="input.presentation",
        )


def verify_in_context(document: object, ctx: RunContext) -> VerificationResult:
    """Verify one document with an existing run context (used for nested credentials)."""
    checks: dict[str, Check] = {}
    try:
        ctx.parsed = parse_input(document)
        _refuse_clr(ctx)
        _refuse_presentation(ctx.parsed)
        if (
            ctx.kind == "credential"
            and ctx.policy.generic_credentials
            and is_generic_credential(ctx.parsed.credential)
        ):
            ctx.kind = "vc"
    except MCBadgeError as exc:
        ctx.parsed = None
        checks = _input_failure(exc)
        ctx.status_state = "not_checked"
    if ctx.parsed is not None:
        checks["input"] = passed(
            "input", f"read as {_FORMATS.get(ctx.parsed.source_format, ctx.parsed.source_format)}"
        )
        checks["data_model"] = _guard_one("data_model", check_data_model, ctx)
        checks["schema"] = _guard_one("schema", check_schema, ctx)
        checks["context"] = _guard_one("context", check_context, ctx)
        checks.update(_guard_many(PROOF_CHECK_IDS, "signature", "proof", run_proof_checks, ctx))
        _trusted_issuer(ctx, checks)
        _unconfirmed_key_binding(checks)
        checks["validity"] = _guard_one("validity", check_validity, ctx)
        stop = _first_stop(checks, _BEFORE_STATUS)
        if stop is not None:
            for cid in STATUS_CHECK_IDS:
                checks[cid] = skipped(cid, f"not checked: {stop}", "not_reached")
            has_status = bool(as_list(ctx.credential.get("credentialStatus")))
            ctx.status_state = "not_checked" if has_status else "none"
        elif ctx.kind == "status_list":
            for cid in STATUS_CHECK_IDS:
                checks[cid] = skipped(cid, "a status list's own status is not checked")
        else:
            checks.update(
                _guard_many(
                    STATUS_CHECK_IDS,
                    "status",
                    "status",
                    lambda c: run_status_checks(c, _verify_status_list),
                    ctx,
                )
            )
        checks["recipient"] = _guard_one("recipient", check_recipient, ctx)
        stop = _first_stop(checks, CHECK_IDS)
        if stop is not None:
            checks["endorsements"] = skipped("endorsements", f"not checked: {stop}", "not_reached")
        else:
            checks["endorsements"] = _guard_one("endorsements", _check_endorsements, ctx)
        checks["network_policy"] = _guard_one(
            "network_policy", lambda c: _network_policy(c, checks), ctx
        )
    if ctx.parsed is not None:
        # Safety net: a check that was silently never evaluated must not read as "skipped".
        for cid in CHECK_IDS:
            if cid not in checks:  # (not setdefault: that would build a Check per id each run)
                checks[cid] = failed(cid, "not_evaluated", f"the {cid} check was not run")
    ordered = tuple(
        checks.get(cid)
        or skipped(cid, "not reached: the document could not be read", "not_reached")
        for cid in CHECK_IDS
    )
    return VerificationResult(ordered, _summary(ctx, checks.get("recipient")))


def _now(policy: VerificationPolicy) -> datetime:
    return policy.now if policy.now is not None else datetime.now(UTC)


def verify(
    document: Mapping[str, Any] | str | bytes | Any,
    policy: VerificationPolicy | None = None,
) -> VerificationResult:
    """Verify one Open Badges 3.0 credential and return a full report.

    ``document`` may be a mapping, JSON text or bytes, a compact JWS (VC-JWT), baked PNG/SVG
    bytes or a path (:class:`os.PathLike`, e.g. :class:`pathlib.Path`). A ``str`` is always
    the document's own text, never opened as a file: a ``str`` that looks like a file name
    (``"badge.png"``, ``"in/badge.json"``) raises :class:`TypeError`; pass ``Path(...)``.
    Raises only for programmer errors (:class:`TypeError` for an unsupported document type or
    such a str); everything about the document itself is in the result.
    """
    policy = policy if policy is not None else VerificationPolicy()
    if not isinstance(policy, VerificationPolicy):
        raise TypeError("policy must be a VerificationPolicy")
    if isinstance(document, str):
        refuse_path_like(document)
    own_fetcher = policy.fetcher is None and not policy.offline
    fetcher = budgeted(policy.fetcher if not own_fetcher else _safe(make_fetcher, policy), policy)
    ctx = RunContext(policy, _now(policy), fetcher=fetcher)
    ctx.resolver = _safe(make_resolver, policy, fetcher)
    try:
        with collector_paused():  # a large credential is a large tree; see collector_paused
            return verify_in_context(document, ctx)
    finally:
        close = getattr(fetcher, "close", None)
        if own_fetcher and callable(close):
            _safe(close)


def _safe(function: Callable[..., Any], *args: Any) -> Any:
    # Building optional machinery must not crash verification; a missing resolver or
    # fetcher makes the checks that need it fail closed instead.
    try:
        return function(*args)
    except Exception:
        logger.debug("could not build %s", getattr(function, "__name__", "helper"), exc_info=True)
        return None
