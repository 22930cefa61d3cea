"""Checks that need nothing but the document: data model, schema, contexts, validity, recipient."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mcbadge.errors import SchemaError, ValidationError
from mcbadge.schema import schema_for_url, validate_parsed
from mcbadge.verify._context import RunContext
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
from mcbadge.verify.result import Check
from mcbadge.verify.vcdm import member_problems

__all__ = [
    "END_TERMS",
    "EVENT_TERMS",
    "START_TERMS",
    "VC_V1",
    "VC_V2",
    "check_context",
    "check_data_model",
    "check_recipient",
    "check_schema",
    "check_validity",
    "credential_dates",
    "is_vcdm_v1",
    "recipient_match",
    "required_start",
    "validity_window",
]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
_CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}
#: Types that make a credential one of the 1EdTech or status kinds the verifier checks by their
#: own model; a credential with none of them is a plain W3C credential (kind ``"vc"``).
_PROFILED_TYPES = _CREDENTIAL_TYPES | {
    "ClrCredential",
    "BitstringStatusListCredential",
    "StatusList2021Credential",
}


def is_generic_credential(credential: Mapping[str, Any]) -> bool:
    """True for a plain W3C Verifiable Credential (VCDM 1.1 or 2.0) that names none of the
    Open Badges, CLR or status list types: with ``VerificationPolicy.generic_credentials`` it
    gets the W3C data model checks only (kind ``"vc"``)."""
    types = credential.get("type")
    names = types if isinstance(types, list) else [types]
    return not any(isinstance(name, str) and name in _PROFILED_TYPES for name in names)


_SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"


def is_vcdm_v1(credential: dict[str, Any]) -> bool:
    contexts = as_list(credential.get("@context"))
    return bool(contexts) and contexts[0] == VC_V1


def _id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _document_facts(ctx: RunContext) -> tuple[str | None, list[Any]]:
    """One walk of the credential, shared by the data model and context checks (memoized).

    Returns where the first null or empty array sits (OB 3.0 §A.1: such members are omitted,
    never sent; JSON-LD silently drops them, so an undefined term carrying one would slip
    past the data-loss check and the signature alike) and every ``@context`` entry found,
    at any depth, in document order (an inline context's own ``@context`` is not collected:
    the inline context itself already fails).
    """
    memo = ctx.memo.get("document_facts")
    if memo is None:
        memo = ctx.memo["document_facts"] = _scan(ctx.credential)
    facts: tuple[str | None, list[Any]] = memo
    return facts


def _scan(credential: dict[str, Any]) -> tuple[str | None, list[Any]]:
    # One lean pass finds the @context entries and whether any member is null or an empty
    # list; only then (a document that fails anyway) does a second pass build the path of
    # the first one. Keeping paths out of the common pass halves its cost per node, which is
    # what a document of a million small objects spends its time on.
    contexts: list[Any] = []
    has_empty = False

    def walk(value: Any, depth: int, collect: bool) -> None:
        nonlocal has_empty
        if depth > 80:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if item is None:
                    has_empty = True
                    continue
                if collect and key == "@context":
                    contexts.extend(as_list(item))
                    if isinstance(item, dict | list):
                        if not item and isinstance(item, list):
                            has_empty = True
                        walk(item, depth + 1, False)
                elif isinstance(item, dict):
                    walk(item, depth + 1, collect)
                elif isinstance(item, list):
                    if not item:
                        has_empty = True
                    walk(item, depth + 1, collect)
        elif isinstance(value, list):
            for item in value:
                if item is None:
                    has_empty = True
                elif isinstance(item, dict | list):
                    walk(item, depth + 1, collect)

    walk(credential, 0, True)
    return (_first_empty(credential) if has_empty else None), contexts


def _first_empty(credential: dict[str, Any]) -> str | None:
    """The dotted path of the first null member or empty list, in document order."""
    trail: list[str] = []

    def walk(value: Any, depth: int) -> str | None:
        if depth > 80:
            return None
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in pairs:
            if item is None or (isinstance(item, list) and not item and isinstance(value, dict)):
                return ".".join([*trail, str(key)])
            if isinstance(item, dict | list):
                trail.append(str(key))
                found = walk(item, depth + 1)
                trail.pop()
                if found is not None:
                    return found
        return None

    return walk(credential, 0)


def structural_problems(ctx: RunContext) -> list[str]:
    credential, kind = ctx.credential, ctx.kind
    problems: list[str] = []
    empty, _ = _document_facts(ctx)
    if empty is not None:
        problems.append(f"{empty} is null or an empty list; such members must be omitted")
    contexts = as_list(credential.get("@context"))
    if not contexts or contexts[0] not in (VC_V1, VC_V2):
        problems.append("@context must start with the W3C credentials context")
    types = as_list(credential.get("type"))
    if "VerifiableCredential" not in types:
        problems.append("type must include VerifiableCredential")
    if kind == "status_list":
        list_issuer = _id_of(credential.get("issuer"))
        if not isinstance(list_issuer, str) or not list_issuer:
            problems.append("issuer must have an id")
        return problems
    if kind == "vc":
        return problems + _generic_problems(credential)
    if kind == "endorsement" and "EndorsementCredential" not in types:
        problems.append("an endorsement must be an EndorsementCredential")
    if kind == "clr":
        if "ClrCredential" not in types:
            problems.append("a CLR learner record must be a ClrCredential")
    elif not _CREDENTIAL_TYPES.intersection(t for t in types if isinstance(t, str)):
        problems.append(
            "type must include OpenBadgeCredential, AchievementCredential or EndorsementCredential"
        )
    issuer_id = _id_of(credential.get("issuer"))
    if not isinstance(issuer_id, str) or not issuer_id:
        problems.append("issuer must have an id")
    subjects = credential.get("credentialSubject")
    if not isinstance(subjects, dict):
        problems.append("credentialSubject must be one object")
    elif "EndorsementCredential" not in types and not (
        isinstance(subjects.get("id"), str) or as_list(subjects.get("identifier"))
    ):
        problems.append("credentialSubject needs an id or at least one identifier")
    start = required_start(credential)
    if start not in credential:
        problems.append(f"{start} is required")
    return problems


def _generic_problems(credential: Mapping[str, Any]) -> list[str]:
    """The W3C data model rules (VCDM 1.1 and 2.0) of a plain credential: an issuer with an
    id, one or more subject objects, the start date VCDM 1.1 requires (2.0 makes it optional),
    and the rules on its optional members (:mod:`mcbadge.verify.vcdm`)."""
    problems: list[str] = []
    issuer_id = _id_of(credential.get("issuer"))
    if not isinstance(issuer_id, str) or not issuer_id:
        problems.append("issuer must be a URL or an object with an id")
    subjects = as_list(credential.get("credentialSubject"))
    if not subjects or not all(isinstance(subject, dict) and subject for subject in subjects):
        problems.append("credentialSubject must be one or more non-empty objects")
    if is_vcdm_v1(dict(credential)) and "issuanceDate" not in credential:
        problems.append("issuanceDate is required")
    problems.extend(member_problems(credential))
    return problems


def check_data_model(ctx: RunContext) -> Check:
    credential = ctx.credential
    problems = structural_problems(ctx)
    if problems:
        return failed("data_model", "invalid", "; ".join(problems))
    if ctx.kind == "status_list":
        return passed("data_model", "status list credential structure is valid")
    if ctx.kind == "vc":
        version = "1.1" if is_vcdm_v1(credential) else "2.0"
        return passed("data_model", f"follows the W3C Verifiable Credentials {version} data model")
    from mcbadge.models import parse_clr, parse_credential  # pydantic: loaded when verifying

    try:
        if ctx.kind == "clr":
            parse_clr(credential)
        else:
            parse_credential(credential)
    except ValidationError as exc:
        where = "; ".join(f"{e.get('loc')}: {e.get('message')}" for e in exc.errors[:5])
        return Check("data_model", "failed", _own(exc.code, "data_model"), where or exc.message)
    if ctx.kind == "clr":
        return passed("data_model", "follows the CLR 2.0 data model")
    return passed("data_model", "follows the Open Badges 3.0 data model")


def _own(code: str, check_id: str) -> str:
    return code if code.startswith(f"{check_id}.") else f"{check_id}.invalid"


def check_schema(ctx: RunContext) -> Check:
    entries = [
        entry
        for entry in as_list(ctx.credential.get("credentialSchema"))
        if isinstance(entry, dict) and entry.get("type") == _SCHEMA_VALIDATOR
    ]
    if not entries:
        return skipped("schema", "the credential names no 1EdTech JSON Schema")
    unknown: list[str] = []
    for entry in entries:
        url = entry.get("id")
        try:
            schema = schema_for_url(url)
        except SchemaError:
            schema = None
        if schema is None:
            unknown.append(str(url))
            continue
        try:
            validate_parsed(ctx.credential, schema)
        except SchemaError as exc:
            detail = "; ".join(f"{e.get('loc')}: {e.get('message')}" for e in exc.errors[:3])
            return Check("schema", "failed", _own(exc.code, "schema"), detail or exc.message)
    if unknown:
        # Never fetched: a schema we do not bundle cannot be checked, but it says nothing
        # about authenticity (the proof does), so it is a warning, not a failure.
        return warning(
            "schema", "unknown_url", f"schema not bundled, not checked: {', '.join(unknown)}"
        )
    return passed("schema", "valid against the 1EdTech JSON Schema")


def check_context(ctx: RunContext) -> Check:
    from mcbadge.jsonld import BUNDLED_CONTEXT_URLS

    _, found = _document_facts(ctx)
    if not found:
        return failed("context", "missing", "the credential has no @context")
    for entry in found:
        if isinstance(entry, str):
            if entry not in BUNDLED_CONTEXT_URLS:
                return failed(
                    "context",
                    "not_allowed",
                    f"JSON-LD context {entry!r} is not bundled; contexts are never fetched",
                )
        else:
            # An inline context can redefine protected terms, @base or @vocab.
            return failed("context", "inline", "inline JSON-LD contexts are not accepted")
    contexts = as_list(ctx.credential.get("@context"))
    if ctx.kind not in ("status_list", "vc") and not any(
        isinstance(c, str) and c.startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
        for c in contexts
    ):
        return failed("context", "no_ob_context", "the Open Badges 3.0 context is missing")
    return passed("context", "only bundled JSON-LD contexts are used")


#: The dates a credential can carry at its top level, under any bundled context, and what each
#: one means for its validity. Every one present is read, whatever the credential's VCDM version:
#: VCDM 1.1's context also defines validFrom/validUntil, and a VCDM 2.0 credential that carries
#: issuanceDate/expirationDate (undefined there: ``data_loss`` reports them) still means them.
#: Reading every bound can only narrow the window an issuer signed, never widen it.
START_TERMS = ("issuanceDate", "validFrom")  # not valid before
END_TERMS = ("expirationDate", "validUntil")  # not valid after
EVENT_TERMS = ("issued", "awardedDate")  # instants that must already have happened
_EVENT_CODES = {"issued": "issued_in_future", "awardedDate": "awarded_in_future"}


def required_start(credential: dict[str, Any]) -> str:
    """The start date VCDM requires: ``issuanceDate`` in 1.1, ``validFrom`` in 2.0."""
    return "issuanceDate" if is_vcdm_v1(credential) else "validFrom"


def credential_dates(credential: dict[str, Any]) -> dict[str, tuple[str, datetime]]:
    """Every top-level date the credential carries (see START/END/EVENT_TERMS), parsed.

    Raises :class:`DateTimeError` naming the first one that is not an RFC 3339 date-time with
    a time zone.
    """
    found: dict[str, tuple[str, datetime]] = {}
    for name in (*START_TERMS, *END_TERMS, *EVENT_TERMS):
        if name in credential:
            raw = credential[name]
            found[name] = (raw, parse_datetime(raw, name))
    return found


def validity_window(
    dates: dict[str, tuple[str, datetime]],
) -> tuple[tuple[str, str, datetime] | None, tuple[str, str, datetime] | None]:
    """The binding bounds: the latest start and the earliest end, as (term, raw, instant)."""
    starts = [(name, *dates[name]) for name in START_TERMS if name in dates]
    ends = [(name, *dates[name]) for name in END_TERMS if name in dates]
    start = max(starts, key=lambda item: item[2]) if starts else None
    end = min(ends, key=lambda item: item[2]) if ends else None
    return start, end


def check_validity(ctx: RunContext) -> Check:
    credential = ctx.credential
    start_name = required_start(credential)
    # VCDM 2.0 makes validFrom optional; only the Open Badges profile requires it.
    optional_start = ctx.kind == "vc" and start_name == "validFrom"
    if start_name not in credential and not optional_start:
        return failed("validity", "missing_start", f"{start_name} is missing")
    try:
        dates = ctx.memo["dates"] = credential_dates(credential)  # the summary shows them too
    except DateTimeError as exc:
        detail = "naive_datetime" if "time zone" in str(exc) else "bad_datetime"
        return failed("validity", detail, str(exc))
    start, end = validity_window(dates)
    skew, now = ctx.policy.clock_skew, ctx.now
    if start is not None:  # (a plain VCDM 2.0 credential may have no validFrom)
        if end is not None and end[2] < start[2]:
            return failed(
                "validity", "inverted", f"{end[0]} ({end[1]}) is before {start[0]} ({start[1]})"
            )
        # Overflow-safe: the skew is compared with a difference, never added to a date.
        if exceeds(start[2], now, skew):
            return failed("validity", "not_yet_valid", f"not valid before {start[1]} ({start[0]})")
    if end is not None and exceeds(now, end[2], skew):
        return failed("validity", "expired", f"expired at {end[1]} ({end[0]})")
    for name in EVENT_TERMS:
        if name in dates and exceeds(dates[name][1], now, skew):
            return failed(
                "validity", _EVENT_CODES[name], f"{name} {dates[name][0]} is in the future"
            )
    if start is None:
        return passed("validity", "valid now: no start date" + (f", until {end[1]}" if end else ""))
    until = f" until {end[1]}" if end is not None else ", with no end date"
    return passed("validity", f"valid now: from {start[1]}{until}")


def _hash_matches(expected: str, identity_hash: str, salt: str) -> bool:
    algorithm, sep, digest = identity_hash.partition("$")
    if not sep or algorithm.lower() not in ("sha256", "md5"):
        return False
    hasher = hashlib.new(algorithm.lower(), usedforsecurity=False)
    hasher.update(expected.encode("utf-8") + salt.encode("utf-8"))
    return hmac.compare_digest(hasher.hexdigest(), digest.lower())


def recipient_match(
    subject: Mapping[str, Any], expected: str, identity_type: str = "emailAddress"
) -> str | None:
    """How ``subject`` names ``expected``, in words, or ``None`` when it does not.

    The subject ``id`` equal to ``expected``, or an IdentityObject of ``identity_type`` whose
    hashed (``sha256$``/``md5$`` of value + salt) or plain value is ``expected``.
    """
    if subject.get("id") == expected:
        return "the subject id matches the expected recipient"
    for identity in as_list(subject.get("identifier")):
        if not isinstance(identity, dict) or identity.get("identityType") != identity_type:
            continue
        value = identity.get("identityHash")
        if not isinstance(value, str):
            continue
        salt = identity.get("salt") or ""
        if identity.get("hashed") is True:
            if isinstance(salt, str) and _hash_matches(expected, value, salt):
                return f"a hashed {identity_type} matches the expected recipient"
        elif identity.get("hashed") is False and hmac.compare_digest(
            value.encode("utf-8"), expected.encode("utf-8")
        ):
            return f"the {identity_type} matches the expected recipient"
    return None


def check_recipient(ctx: RunContext) -> Check:
    expected = ctx.policy.expected_recipient
    if expected is None:
        return skipped("recipient", "no expected recipient was given")
    subject = ctx.credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return failed("recipient", "no_subject", "the credential has no subject")
    how = recipient_match(subject, expected, ctx.policy.recipient_identity_type)
    if how is not None:
        return passed("recipient", how)
    return failed(
        "recipient", "mismatch", "the credential was not issued to the expected recipient"
    )
