"""Verifying a verifiable presentation: the holder's proof, then every credential inside.

``verify_presentation(document, policy)`` returns a :class:`BundleResult` of kind
``"presentation"``: the outer checks (:data:`PRESENTATION_CHECK_IDS`, every id reported once,
in that order) and one full credential result per entry of ``verifiableCredential``, located
by its JSON Pointer (``/verifiableCredential/2``). The bundle verifies only when the outer
checks and every credential do.

Outer checks, fail-closed:

* ``input`` / ``data_model`` / ``context``: a JSON object, a Data Integrity-signed presentation
  or a VP-JWT (VC-JWT 1.1 ``vp`` claim, or VC-JOSE-COSE ``typ vp+jwt``); ``type`` includes
  ``VerifiablePresentation``; credentials are objects (or, in a 1.1 ``vp`` claim, compact JWS);
  only bundled JSON-LD contexts.
* ``proof`` .. ``proof_purpose``: every proof (a proof set: all of them) has
  ``proofPurpose: authentication``, its key is listed under the controller's ``authentication``
  (an ``assertionMethod``-only key fails ``key_binding.not_authentication``), the signature
  verifies.
* ``challenge``: equal to ``policy.challenge`` (no challenge on either side fails); with a
  ``policy.challenge_store``, consumed once (``challenge.reused`` / ``.unknown`` /
  ``.expired``). ``domain``: equal to ``policy.domain`` when the verifier has one.
  ``freshness``: the proof's ``created`` (JWT: ``iat``) within ``policy.presentation_max_age``.
* ``jwt`` / ``jwt_claims`` (VP-JWT only): alg allow-list (``none`` and HMAC refused), header,
  ``iss`` = holder, ``nonce`` and ``aud`` present, ``exp`` required and not past, ``nbf``/``iat``.
* ``holder_binding``: the signer is the holder and each credential's subject is the holder
  (``credentialSubject.id``) or the recipient the verifier knows (``policy.expected_recipient``,
  matched as the ``recipient`` check does, hashed ``identifier`` included). When it cannot be
  established the check fails (``holder_binding.not_established``); with
  ``holder_binding="NOT-CHECKED-UNSAFE"`` it is skipped with ``holder_binding.not_checked``.
* ``credentials``: how many credentials are inside (none fails; more than
  :data:`MAX_CREDENTIALS` fails without verifying them).
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from mcbadge._json import collector_paused
from mcbadge.errors import InputError, MCBadgeError
from mcbadge.proofs._common import ProofOutcome
from mcbadge.proofs.presentation import verify_authentication_proof, verify_presentation_jwt
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import ParsedInput, parse_input, refuse_path_like
from mcbadge.verify._network import budgeted, make_fetcher, make_resolver
from mcbadge.verify._util import (
    DateTimeError,
    as_list,
    exceeds,
    failed,
    parse_datetime,
    passed,
    skipped,
    warning,
)
from mcbadge.verify.checks_local import VC_V1, VC_V2, check_recipient
from mcbadge.verify.pipeline import looks_like_presentation, verify_in_context
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import (
    CHECK_IDS,
    BundleResult,
    Check,
    NestedResult,
    Summary,
    VerificationResult,
)

__all__ = ["MAX_CREDENTIALS", "PRESENTATION_CHECK_IDS", "is_presentation", "verify_presentation"]

logger = logging.getLogger(__name__)

PRESENTATION_CHECK_IDS: tuple[str, ...] = (
    "input",
    "data_model",
    "context",
    "data_loss",
    "canonicalization",
    "proof",
    "cryptosuite",
    "signature",
    "key_resolution",
    "key_binding",
    "proof_purpose",
    "challenge",
    "domain",
    "freshness",
    "jwt",
    "jwt_claims",
    "holder_binding",
    "credentials",
)
#: More credentials than this in one presentation are refused without verifying any.
MAX_CREDENTIALS = 1000
_ENVELOPED_MEDIA = ("application/vc+jwt", "application/jwt")
_VP_MEDIA = ("application/vp+jwt", "application/jwt")
_PROOF_IDS = (
    "data_loss",
    "canonicalization",
    "proof",
    "cryptosuite",
    "signature",
    "key_resolution",
    "key_binding",
    "proof_purpose",
)


class _Read:
    """What was read of the presentation: the VP object, and the JWT it came in."""

    def __init__(self, vp: dict[str, Any], jws: str | None) -> None:
        self.vp = vp
        self.jws = jws


def _types(value: Mapping[str, Any]) -> list[Any]:
    return as_list(value.get("type"))


def _id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, Mapping) else value


def is_presentation(document: object) -> bool:
    """True when ``document`` reads as a verifiable presentation (any form); False for a
    credential and for anything that cannot be read (the verifier then says why)."""
    try:
        return looks_like_presentation(parse_input(document))
    except MCBadgeError:
        return False


def _read(document: object) -> _Read:
    parsed = parse_input(document)
    if parsed.jws is not None:
        return _Read(parsed.credential, parsed.jws)
    # an EnvelopedVerifiablePresentation was unwrapped by the input reader (parsed.jws)
    vp = parsed.credential
    return _Read(vp, None)


# --- the outer checks ----------------------------------------------------------------------


def _data_model(vp: dict[str, Any], jwt_form: str | None) -> tuple[Check, list[Any]]:
    problems: list[str] = []
    contexts = as_list(vp.get("@context"))
    if not contexts or contexts[0] not in (VC_V1, VC_V2):
        problems.append("@context must start with the W3C credentials context")
    if "VerifiablePresentation" not in _types(vp):
        problems.append("type must include VerifiablePresentation")
    holder = vp.get("holder")
    if holder is not None and not isinstance(_id_of(holder), str):
        problems.append("holder must be a URL or an object with an id")
    raw = vp.get("verifiableCredential")
    entries = as_list(raw)
    strings_allowed = jwt_form == "vp"
    for index, entry in enumerate(entries):
        if isinstance(entry, str) and strings_allowed:
            continue
        if not isinstance(entry, dict):
            what = "an object or a compact JWS" if strings_allowed else "an object"
            problems.append(f"verifiableCredential/{index} is not {what}")
            break
    if problems:
        return failed("data_model", "invalid", "; ".join(problems)), entries
    return passed("data_model", "follows the VCDM presentation data model"), entries


def _context(vp: dict[str, Any], entries: list[Any]) -> Check:
    from mcbadge.jsonld import BUNDLED_CONTEXT_URLS

    found = list(as_list(vp.get("@context")))
    for entry in entries:
        if isinstance(entry, dict) and "EnvelopedVerifiableCredential" in _types(entry):
            found.extend(as_list(entry.get("@context")))
    for proof in as_list(vp.get("proof")):
        if isinstance(proof, dict):
            found.extend(as_list(proof.get("@context")))
    for item in found:
        if not isinstance(item, str):
            return failed("context", "inline", "inline JSON-LD contexts are not accepted")
        if item not in BUNDLED_CONTEXT_URLS:
            return failed(
                "context",
                "not_allowed",
                f"JSON-LD context {item!r} is not bundled; contexts are never fetched",
            )
    return passed("context", "only bundled JSON-LD contexts are used")


def _issue_check(
    code: str, message: str, ids: tuple[str, ...] = PRESENTATION_CHECK_IDS, resolver: Any = None
) -> Check:
    prefix = code.split(".", 1)[0]
    check_id = prefix if prefix in ids else "signature"
    fetch_failures = getattr(resolver, "fetch_failures", None)
    if check_id == "key_resolution" and fetch_failures:
        # the holder's did:web document could not be fetched: undecided, as for an issuer's
        # key (checks_proof._unreachable_key), not a key that is wrong
        first = fetch_failures[0]
        return failed(
            "key_resolution",
            "unreachable",
            f"the holder's DID document could not be retrieved: {first.message}",
            indeterminate=True,
        )
    detail = code.split(".", 1)[1] if prefix == check_id and "." in code else code
    return failed(check_id, detail, message, indeterminate=code.endswith(".offline"))


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _challenge(
    policy: VerificationPolicy,
    now: datetime,
    values: list[Any],
    signed: bool,
) -> Check:
    expected = policy.challenge
    if expected is None:
        return failed(
            "challenge",
            "not_given",
            "the verifier gave no challenge: a presentation without one can be replayed "
            "(issue one with `mcbadge challenge new`)",
        )
    if not values or any(not isinstance(v, str) or not v for v in values):
        return failed("challenge", "missing", "the presentation does not answer a challenge")
    if not all(_same(v, expected) for v in values):
        return failed("challenge", "mismatch", "the presentation answers a different challenge")
    store = policy.challenge_store
    if store is None:
        return warning(
            "challenge",
            "not_single_use",
            "the challenge matches; no challenge store was given, so single use was not enforced",
        )
    if not signed:
        return skipped(
            "challenge",
            "the challenge matches, but it was not consumed: the presentation's proof failed",
            "not_consumed",
        )
    try:
        store.consume(expected, now=now)
    except MCBadgeError as exc:
        code = exc.code if exc.code.startswith("challenge.") else "challenge.store_unavailable"
        return failed(
            "challenge",
            code.split(".", 1)[1],
            exc.message,
            indeterminate=code == "challenge.store_unavailable",
        )
    except Exception as exc:  # a caller's store that crashed: we could not tell, never a pass
        logger.debug("challenge store crashed", exc_info=exc)
        return failed(
            "challenge",
            "store_unavailable",
            f"the challenge store could not be used ({type(exc).__name__}), so single use "
            "could not be checked",
            indeterminate=True,
        )
    return passed("challenge", "the challenge matches and was used for the first time")


def _domain(policy: VerificationPolicy, values: list[Any], what: str) -> Check:
    expected = policy.domain
    if expected is None:
        if any(v is not None for v in values):
            return warning(
                "domain",
                "not_compared",
                f"the presentation names a {what}, but the verifier gave none to compare",
            )
        return skipped("domain", "the verifier gave no domain")
    if not values:  # no proof at all: nothing names a domain (never a pass by omission)
        return failed("domain", "missing", f"the presentation names no {what}")
    for value in values:
        if value is None:
            return failed("domain", "missing", f"the presentation names no {what}")
        names = value if isinstance(value, list) else [value]
        if any(not isinstance(n, str) for n in names) or set(names) != {expected}:
            return failed("domain", "mismatch", f"the presentation's {what} is not {expected!r}")
    return passed("domain", f"the {what} is {expected!r}")


def _fresh(policy: VerificationPolicy, now: datetime, instants: list[datetime]) -> Check:
    window = policy.presentation_max_age
    if not instants:  # no proof at all: nothing says when it was signed
        return failed("freshness", "no_created", "the presentation does not say when it was made")
    for when in instants:
        if exceeds(when, now, policy.clock_skew):
            return failed(
                "freshness",
                "created_in_future",
                f"the presentation says it was signed at {when.isoformat()}, in the future",
            )
        if exceeds(now, when, window + policy.clock_skew):
            return failed(
                "freshness",
                "stale",
                f"the presentation was signed at {when.isoformat()}, more than "
                f"{int(window.total_seconds())} s ago",
            )
    return passed("freshness", f"signed within the last {int(window.total_seconds())} s")


def _proof_checks(
    read: _Read, resolver: Any, policy: VerificationPolicy, now: datetime
) -> tuple[dict[str, Check], str | None, bool]:
    """The Data Integrity proof(s): (checks, signer DID, signature verified)."""
    checks: dict[str, Check] = {}
    proofs = as_list(read.vp.get("proof"))
    for cid in ("jwt", "jwt_claims"):
        checks[cid] = skipped(cid, "a Data Integrity presentation, not a VP-JWT")
    if not proofs:
        checks["proof"] = failed(
            "proof", "missing", "the presentation is not signed by its holder (no proof)"
        )
        return checks, None, False
    unsecured = {k: v for k, v in read.vp.items() if k != "proof"}
    outcomes: list[ProofOutcome] = []
    for index, proof in enumerate(proofs):
        try:
            outcomes.append(
                verify_authentication_proof(
                    unsecured, proof, resolver, index=index, now=now, skew=policy.clock_skew
                )
            )
        except Exception as exc:  # fail closed: never a traceback, never a pass
            logger.debug("presentation proof crashed", exc_info=exc)
            checks["signature"] = failed(
                "signature", "internal_error", "the presentation's proof could not be checked"
            )
            return checks, None, False
    signers = {o.controller for o in outcomes}
    for outcome in outcomes:
        if outcome.errors:
            issue = outcome.errors[0]
            where = f"proof {outcome.index + 1}: " if len(outcomes) > 1 else ""
            check = _issue_check(issue.code, where + issue.message, resolver=resolver)
            checks[check.id] = check
            return checks, None, False
    if len(signers) != 1:
        checks["key_binding"] = failed(
            "key_binding", "several_signers", "the proofs of the presentation name different DIDs"
        )
        return checks, None, False
    signer = signers.pop()
    count = f"{len(outcomes)} proofs" if len(outcomes) > 1 else "the proof"
    suites = sorted({str(o.cryptosuite) for o in outcomes})
    checks["proof"] = passed("proof", f"{count}: DataIntegrityProof")
    checks["cryptosuite"] = passed("cryptosuite", ", ".join(suites))
    checks["key_resolution"] = passed("key_resolution", f"resolved the key of {signer}")
    checks["key_binding"] = passed(
        "key_binding", "the key is listed under the signer's authentication"
    )
    checks["proof_purpose"] = passed("proof_purpose", "authentication")
    checks["signature"] = passed("signature", f"{count} verified")
    checks["data_loss"] = passed("data_loss", "every term is defined by the bundled contexts")
    checks["canonicalization"] = passed("canonicalization", "RDFC-1.0")
    return checks, signer, True


def _di_expectations(
    read: _Read, policy: VerificationPolicy, now: datetime, signed: bool
) -> dict[str, Check]:
    proofs = [p for p in as_list(read.vp.get("proof")) if isinstance(p, dict)]
    checks = {
        "challenge": _challenge(policy, now, [p.get("challenge") for p in proofs], signed),
        "domain": _domain(policy, [p.get("domain") for p in proofs], "domain"),
    }
    instants: list[datetime] = []
    for proof in proofs:
        if "created" not in proof:
            checks["freshness"] = failed(
                "freshness", "no_created", "the presentation's proof does not say when it was made"
            )
            return checks
        try:
            instants.append(parse_datetime(proof["created"], "created"))
        except DateTimeError as exc:
            checks["freshness"] = failed("freshness", "bad_created", str(exc))
            return checks
    checks["freshness"] = _fresh(policy, now, instants)
    return checks


def _numeric(payload: Mapping[str, Any], claim: str) -> float | None:
    value = payload.get(claim)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _jwt_checks(
    read: _Read, resolver: Any, policy: VerificationPolicy, now: datetime
) -> tuple[dict[str, Check], str | None, str | None, str | None]:
    """The VP-JWT: (checks, signer DID, holder claimed by iss/holder, form)."""
    assert read.jws is not None
    checks: dict[str, Check] = {}
    for cid in ("cryptosuite", "data_loss", "canonicalization"):
        checks[cid] = skipped(cid, "a VP-JWT, not a Data Integrity proof")
    outcome, header, payload, vp = verify_presentation_jwt(read.jws, resolver)
    form = outcome.type
    if vp is not None:
        read.vp = vp
    elif form == "vp" and payload is not None and isinstance(payload.get("vp"), dict):
        # refused before the vp claim was read: judge the presentation, not the payload
        read.vp = payload["vp"]
    if payload is None or header is None or vp is None:
        issue = outcome.errors[0]
        check = _issue_check(issue.code, issue.message, resolver=resolver)
        checks[check.id] = check
        return checks, None, None, form
    signer: str | None = None
    if outcome.errors:
        issue = outcome.errors[0]
        check = _issue_check(issue.code, issue.message, resolver=resolver)
        checks[check.id] = check
        if check.id != "jwt":
            checks["jwt"] = passed("jwt", f"{form} header acceptable (alg {outcome.cryptosuite})")
    else:
        checks["jwt"] = passed("jwt", f"{form} header acceptable (alg {outcome.cryptosuite})")
        checks["proof"] = passed("proof", "VP-JWT (vp claim)" if form == "vp" else "vp+jwt")
        signer = outcome.controller
        checks["key_resolution"] = passed("key_resolution", f"resolved the key of {signer}")
        checks["key_binding"] = passed(
            "key_binding", "the key is listed under the signer's authentication"
        )
        checks["proof_purpose"] = passed("proof_purpose", "authentication (VP-JWT)")
        checks["signature"] = passed("signature", "the JWS verified")
    # claims
    holder = _id_of(vp.get("holder"))
    iss = payload.get("iss")
    problems: list[Check] = []
    skew = policy.clock_skew.total_seconds()
    stamp = now.timestamp()
    exp, nbf, iat = (_numeric(payload, c) for c in ("exp", "nbf", "iat"))
    if iss is None and holder is None:
        problems.append(failed("jwt_claims", "missing_iss", "the VP-JWT names no holder (iss)"))
    elif iss is not None and holder is not None and iss != holder:
        problems.append(
            failed("jwt_claims", "iss_mismatch", "the JWT iss is not the presentation's holder")
        )
    if "jti" in payload and "id" in vp and payload["jti"] != vp["id"]:
        problems.append(failed("jwt_claims", "jti_mismatch", "the JWT jti is not the VP's id"))
    if "nonce" not in payload:
        problems.append(failed("jwt_claims", "missing_nonce", "the VP-JWT has no nonce"))
    if "aud" not in payload:
        problems.append(failed("jwt_claims", "missing_aud", "the VP-JWT has no aud"))
    if exp is None:
        problems.append(failed("jwt_claims", "missing_exp", "the VP-JWT has no exp"))
    elif exp + skew < stamp:
        problems.append(failed("jwt_claims", "expired", "the VP-JWT has expired (exp)"))
    if nbf is not None and nbf - skew > stamp:
        problems.append(failed("jwt_claims", "not_yet_valid", "the VP-JWT is not valid yet"))
    if iat is not None and iat - skew > stamp:
        problems.append(failed("jwt_claims", "iat_in_future", "the VP-JWT was issued later"))
    later: dict[str, Check] = {}
    later["jwt_claims"] = problems[0] if problems else passed("jwt_claims", "claims consistent")
    later["challenge"] = _challenge(policy, now, [payload.get("nonce")], signer is not None)
    later["domain"] = _domain(policy, [payload.get("aud")], "aud")
    if iat is None:
        later["freshness"] = failed(
            "freshness", "no_iat", "the VP-JWT does not say when it was made (iat)"
        )
    else:
        try:
            when = datetime.fromtimestamp(iat, UTC)
        except (OverflowError, OSError, ValueError):
            later["freshness"] = failed("freshness", "bad_iat", "the VP-JWT iat is out of range")
        else:
            later["freshness"] = _fresh(policy, now, [when])
    _merge(checks, later)
    claimed = holder if isinstance(holder, str) else iss if isinstance(iss, str) else None
    return checks, signer, claimed, form


def _bound(
    credential: dict[str, Any] | None, holder: str, policy: VerificationPolicy, now: datetime
) -> str | None:
    """Why the credential is not bound to the holder (None when it is)."""
    if credential is None:
        return "not_established"
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if subject_id == holder:
        return None
    if policy.expected_recipient is not None:
        ctx = RunContext(policy, now, parsed=ParsedInput(credential))
        if check_recipient(ctx).status == "passed":
            return None
        return "recipient_mismatch"
    return "subject_not_holder" if isinstance(subject_id, str) else "not_established"


_BINDING_WORDS = {
    "subject_not_holder": "its subject is someone other than the holder",
    "recipient_mismatch": "its subject is neither the holder nor the expected recipient",
    "not_established": "it names no subject id and no expected recipient was given to match",
}


def _holder_binding(
    policy: VerificationPolicy,
    signer: str | None,
    claimed: str | None,
    credentials: list[tuple[str, dict[str, Any] | None]],
    now: datetime,
) -> Check:
    if policy.holder_binding != "required":
        return skipped(
            "holder_binding",
            "NOT CHECKED (holder_binding NOT-CHECKED-UNSAFE): nobody checked that the signer "
            "is the holder or that these credentials were issued to the person presenting them",
            "not_checked",
        )
    if signer is None:
        return skipped(
            "holder_binding", "not checked: the presentation's proof failed", "not_reached"
        )
    holder = claimed if claimed is not None else signer
    if holder != signer:
        return failed(
            "holder_binding",
            "signer_not_holder",
            f"the presentation names {holder} as its holder but was signed by {signer}",
        )
    reasons: dict[str, list[str]] = {}
    for location, credential in credentials:
        why = _bound(credential, holder, policy, now)
        if why is not None:
            reasons.setdefault(why, []).append(location)
    if reasons:
        # the most specific reason first: a different subject is worse than an unknown one
        for code in ("subject_not_holder", "recipient_mismatch", "not_established"):
            if code in reasons:
                where = ", ".join(reasons[code])
                return failed(
                    "holder_binding",
                    code,
                    f"not bound to the holder: {where} ({_BINDING_WORDS[code]})",
                )
    how = "the holder or the expected recipient" if policy.expected_recipient else "the holder"
    return passed("holder_binding", f"signed by the holder; every credential's subject is {how}")


# --- the credentials inside --------------------------------------------------------------------


def _input_failed(code: str, message: str) -> VerificationResult:
    detail = code.split(".", 1)[1] if code.startswith("input.") else code
    checks = [failed("input", detail, message)]
    checks += [
        skipped(cid, "not reached: the credential could not be read", "not_reached")
        for cid in CHECK_IDS[1:]
    ]
    return VerificationResult(tuple(checks), Summary(status_state="not_checked"))


def _unwrap(entry: Any) -> Any:
    """What the credential pipeline gets for one entry; an InputError for a bad envelope."""
    if isinstance(entry, dict) and "EnvelopedVerifiableCredential" in _types(entry):
        url = entry.get("id")
        if not isinstance(url, str) or not url.startswith("data:"):
            raise InputError(
                "the EnvelopedVerifiableCredential's id is not a data: URL",
                code="input.enveloped_not_jwt",
            )
        media, comma, token = url[5:].partition(",")
        if not comma or media not in _ENVELOPED_MEDIA:
            raise InputError(
                f"the enveloped credential is {media!r}, not a VC-JWT "
                f"({' or '.join(_ENVELOPED_MEDIA)})",
                code="input.enveloped_not_jwt",
            )
        if len(token.split(".")) != 3:
            raise InputError(
                "the enveloped credential's data: URL does not hold a compact JWS",
                code="input.enveloped_not_jwt",
            )
        if media == "application/vc+jwt":
            # the credential pipeline reads this envelope itself, holding the token to the
            # VC-JOSE-COSE rules whatever its own header says
            return entry
        return token
    return entry


def _nested(
    entries: list[Any],
    policy: VerificationPolicy,
    now: datetime,
    resolver: Any,
    fetcher: Any,
) -> tuple[list[NestedResult], list[tuple[str, dict[str, Any] | None]]]:
    nested_policy = dataclasses.replace(
        policy, expected_recipient=None, challenge=None, challenge_store=None
    )
    results: list[NestedResult] = []
    read: list[tuple[str, dict[str, Any] | None]] = []
    for index, entry in enumerate(entries):
        location = f"/verifiableCredential/{index}"
        try:
            document = _unwrap(entry)
        except InputError as exc:
            results.append(NestedResult(location, _input_failed(exc.code, exc.message)))
            read.append((location, None))
            continue
        ctx = RunContext(nested_policy, now, resolver=resolver, fetcher=fetcher)
        result = verify_in_context(document, ctx)
        results.append(NestedResult(location, result))
        read.append((location, ctx.parsed.credential if ctx.parsed is not None else None))
    return results, read


# --- the entry point ---------------------------------------------------------------------------


def _outer(checks: dict[str, Check], reason: str, summary: Summary) -> VerificationResult:
    ordered = tuple(
        checks.get(cid) or skipped(cid, reason, "not_reached") for cid in PRESENTATION_CHECK_IDS
    )
    return VerificationResult(ordered, summary)


def _merge(checks: dict[str, Check], more: Mapping[str, Check]) -> None:
    """Add ``more``; a check that already failed (the proof layer's verdict) is kept."""
    for cid, check in more.items():
        held = checks.get(cid)
        if held is None or held.status != "failed":
            checks[cid] = check


def _first_failure(checks: Mapping[str, Check]) -> str | None:
    for cid in PRESENTATION_CHECK_IDS:
        check = checks.get(cid)
        if check is not None and check.status == "failed":
            return cid
    return None


def _run(document: object, policy: VerificationPolicy, now: datetime, fetcher: Any) -> BundleResult:
    checks: dict[str, Check] = {}
    try:
        read = _read(document)
    except MCBadgeError as exc:
        prefix = exc.code.split(".", 1)[0]
        cid = prefix if prefix in ("input", "jwt") else "input"
        detail = exc.code.split(".", 1)[1] if exc.code.startswith(f"{cid}.") else exc.code
        checks[cid] = failed(cid, detail, exc.message)
        return BundleResult(
            "presentation",
            _outer(checks, "not reached: the presentation could not be read", Summary()),
        )
    resolver = _safe(make_resolver, policy, fetcher)
    what = "a VP-JWT" if read.jws is not None else "JSON"
    checks["input"] = passed("input", f"read a presentation as {what}")
    if read.jws is not None:
        jwt_checks, signer, claimed, form = _jwt_checks(read, resolver, policy, now)
        checks.update(jwt_checks)
        if signer is None and _first_failure(checks) is None:  # never a pass by omission
            checks["signature"] = failed(
                "signature", "not_verified", "the presentation's JWT was not verified"
            )
    else:
        signer, claimed, form = None, None, None
    model, entries = _data_model(read.vp, form)
    checks["data_model"] = model
    if model.status == "failed":
        summary = Summary(proof_format=_format_name(read, form))
        return BundleResult(
            "presentation",
            _outer(checks, "not reached: the presentation is not well formed", summary),
        )
    checks["context"] = _context(read.vp, entries)
    if read.jws is None:
        if checks["context"].status == "failed":
            checks["proof"] = skipped(
                "proof", "not checked: the presentation's contexts are not allowed", "not_reached"
            )
            di_checks: dict[str, Check] = {}
            signed = False
        else:
            di_checks, signer, signed = _proof_checks(read, resolver, policy, now)
        checks.update(di_checks)
        _merge(checks, _di_expectations(read, policy, now, signed))
        if not signed and _first_failure(checks) is None:  # never a pass by omission
            checks["signature"] = failed(
                "signature", "not_verified", "the presentation's proof was not verified"
            )
        holder = _id_of(read.vp.get("holder"))
        claimed = holder if isinstance(holder, str) else None
    if len(entries) > MAX_CREDENTIALS:
        checks["credentials"] = failed(
            "credentials",
            "too_many",
            f"the presentation holds {len(entries)} credentials; at most {MAX_CREDENTIALS} "
            "are verified",
        )
        entries = []
    elif not entries:
        checks["credentials"] = failed(
            "credentials", "none", "the presentation holds no credentials"
        )
    nested, read_credentials = _nested(entries, policy, now, resolver, fetcher)
    checks["holder_binding"] = _holder_binding(policy, signer, claimed, read_credentials, now)
    if "credentials" not in checks:
        bad = [item.location for item in nested if not item.result.verified]
        checks["credentials"] = (
            passed("credentials", f"{len(nested)} credential(s) inside, each verified below")
            if not bad
            else failed(
                "credentials",
                "not_verified",
                f"{len(bad)} of {len(nested)} credential(s) do not verify: {', '.join(bad)}",
                indeterminate=all(
                    item.result.indeterminate for item in nested if not item.result.verified
                ),
            )
        )
    stop = _first_failure(checks)
    reason = f"not reached: {stop} failed" if stop else "not applicable"
    summary = Summary(
        recipient=claimed if claimed is not None else signer,
        proof_format=_format_name(read, form),
        credential_id=read.vp.get("id") if isinstance(read.vp.get("id"), str) else None,
    )
    return BundleResult("presentation", _outer(checks, reason, summary), tuple(nested))


def _format_name(read: _Read, form: str | None) -> str | None:
    if read.jws is not None:
        return "VP-JWT (vp claim)" if form == "vp" else "vp+jwt"
    for proof in as_list(read.vp.get("proof")):
        if isinstance(proof, dict):
            return str(proof.get("cryptosuite") or proof.get("type"))
    return None


def verify_presentation(
    document: Mapping[str, Any] | str | bytes | Any,
    policy: VerificationPolicy | None = None,
) -> BundleResult:
    """Verify a verifiable presentation and every credential inside (see the module docs).

    ``document``: a mapping, JSON text or bytes, a VP-JWT (compact JWS), an
    ``EnvelopedVerifiablePresentation`` or a path (:class:`os.PathLike`). Raises only for
    programmer errors (a document of an unsupported Python type, a str naming a file).
    """
    policy = policy if policy is not None else VerificationPolicy()
    if not isinstance(policy, VerificationPolicy):
        raise TypeError("policy must be a VerificationPolicy")
    if isinstance(document, str):
        refuse_path_like(document)
    if not isinstance(document, Mapping | str | bytes | bytearray | memoryview | os.PathLike):
        raise TypeError(
            "verify_presentation() takes a mapping, JSON str/bytes, a compact JWS or a path"
        )
    now = policy.now if policy.now is not None else datetime.now(UTC)
    own_fetcher = policy.fetcher is None and not policy.offline
    fetcher = budgeted(policy.fetcher if not own_fetcher else _safe(make_fetcher, policy), policy)
    try:
        with collector_paused():
            return _run(document, policy, now, fetcher)
    except Exception as exc:  # fail closed: a crash is a failure, never a traceback
        logger.debug("presentation verification crashed", exc_info=exc)
        checks = {
            "input": failed(
                "input",
                "internal_error",
                f"the presentation could not be verified: mcbadge hit an internal error "
                f"({type(exc).__name__}); this is a bug, please report it",
            )
        }
        return BundleResult("presentation", _outer(checks, "not reached", Summary()))
    finally:
        close = getattr(fetcher, "close", None)
        if own_fetcher and callable(close):
            _safe(close)


def _safe(function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except Exception:
        logger.debug("could not build %s", getattr(function, "__name__", "helper"), exc_info=True)
        return None
