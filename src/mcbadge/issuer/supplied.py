"""Issuing a credential the caller supplies (the W3C VC API's ``/credentials/issue``), and
changing the status of a credential this registry issued (``/credentials/status``).

:meth:`mcbadge.issuer.Issuer.issue` builds an Open Badges credential from an achievement and
an e-mail; here the caller hands over the whole unsigned credential (an OpenBadgeCredential,
or a plain W3C VCDM 1.1 / 2.0 ``VerifiableCredential``, as the W3C test suites send) and the
issuer adds only what is its to add: an ``id`` when there is none, the ``credentialStatus``
entries, and the proof. The same durability rules as :meth:`Issuer.issue` hold: the status
indexes are reserved in the registry (one transaction, never handed out twice) before
anything is signed, and the signed credential is recorded before it is returned, so it can
be revoked or suspended later and a crash re-signs under the same id and indexes.

Naming a credential: the VC API's ``options.credentialId`` (or else the credential's own
``id``) names it for later requests and makes issuing it idempotent: asking again for the
same credential under the same name returns the credential already issued, while a
different credential under a name already used is refused (``issue.duplicate_id``). A
credential with neither is new on every call; it gets a ``urn:uuid`` id, which is also its
registry id.

Everything a verifier would reject is refused before anything is reserved: the verifier's
document checks (:func:`mcbadge.signing.presign_failures`, the same check ids and codes;
Open Badges credentials get the full Open Badges model and JSON Schema, plain credentials
the W3C data model) and the proof layer's JSON-LD data-loss check at signing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mcbadge.errors import InputError, MCBadgeError, RegistryError, ValidationError
from mcbadge.issuer.signing import sign_credential
from mcbadge.registry import PURPOSES
from mcbadge.registry.audit import Actor, AuditLog, audited
from mcbadge.signing import SigningRefusedError, presign_failures

if TYPE_CHECKING:
    from mcbadge.issuer.core import IssuedCredential, Issuer
    from mcbadge.registry import CredentialRecord as RegistryRecord

__all__ = [
    "STATUS_ENTRY_TYPES",
    "StatusChange",
    "change_status",
    "credential_issuer_id",
    "current_status_list",
    "find_issued",
    "issue_credential",
    "naming_key",
    "parse_status_request",
]

#: The credentialStatus entry types a caller may ask for (Bitstring Status List v1.0).
STATUS_ENTRY_TYPES = ("BitstringStatusListEntry",)
#: The context that defines BitstringStatusListEntry for a VCDM 1.1 credential (VCDM 2.0's
#: own context defines it).
STATUS_V1_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"
_VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
_KEY_PREFIX = "vc-api sha256:"


def credential_issuer_id(credential: Mapping[str, Any]) -> str | None:
    """The credential's ``issuer`` id (a URL string, or an object's ``id``), else ``None``."""
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return value if isinstance(value, str) and value else None


def naming_key(name: str) -> str:
    """The registry idempotency key of a credential named ``name`` (a credential id or the
    VC API's ``credentialId``): hashed, so any length fits and the key says nothing more."""
    return _KEY_PREFIX + hashlib.sha256(name.encode("utf-8")).hexdigest()


def parse_status_request(value: object) -> tuple[str, ...]:
    """The purposes asked for by ``options.credentialStatus``: one object or a list of
    objects ``{"type": "BitstringStatusListEntry", "statusPurpose": "revocation" |
    "suspension"}`` (``statusPurpose`` defaults to revocation). ``InputError`` otherwise."""
    items = value if isinstance(value, list) else [value]
    purposes: list[str] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise InputError(
                "options.credentialStatus must be an object (or a list of objects) with a "
                "type and a statusPurpose",
                code="input.bad_status_option",
            )
        kind = item.get("type")
        if kind not in STATUS_ENTRY_TYPES:
            raise InputError(
                f"options.credentialStatus type must be {' or '.join(STATUS_ENTRY_TYPES)}, "
                f"not {kind!r}",
                code="input.bad_status_option",
            )
        purpose = item.get("statusPurpose", "revocation")
        if purpose not in PURPOSES:
            raise InputError(
                f"statusPurpose must be {' or '.join(PURPOSES)}, not {purpose!r}",
                code="input.bad_status_option",
            )
        unknown = set(item) - {"type", "statusPurpose"}
        if unknown:
            raise InputError(
                f"options.credentialStatus does not take {', '.join(sorted(unknown))}: the "
                "issuer allocates the list and index",
                code="input.bad_status_option",
            )
        if purpose not in purposes:
            purposes.append(purpose)
    if not purposes:
        raise InputError(
            "options.credentialStatus names no status purpose", code="input.bad_status_option"
        )
    return tuple(purposes)


def _entry(purpose: str, list_url: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def _contexts(credential: Mapping[str, Any]) -> list[Any]:
    value = credential.get("@context")
    return list(value) if isinstance(value, list) else [value]


def _build(
    credential: Mapping[str, Any],
    credential_id: str,
    entries: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The unsigned credential: the caller's, with an ``id`` when it had none and the status
    entries (the status context added for VCDM 1.1, whose own context lacks the terms)."""
    built = copy.deepcopy(dict(credential))
    if "id" not in built:
        built = {"@context": built.get("@context"), "id": credential_id, **built}
    if entries:
        contexts = _contexts(built)
        if contexts[:1] == [_VC_V1_CONTEXT] and STATUS_V1_CONTEXT not in contexts:
            built["@context"] = [*contexts, STATUS_V1_CONTEXT]
        built["credentialStatus"] = dict(entries[0]) if len(entries) == 1 else list(entries)
    return built


def _without_proof(document: Mapping[str, Any] | str) -> dict[str, Any] | None:
    if isinstance(document, str):
        from mcbadge.verify._input import parse_input

        try:
            document = parse_input(document).credential
        except MCBadgeError:
            return None
    return {key: value for key, value in document.items() if key != "proof"}


def _check_request(issuer: Issuer, credential: object) -> Mapping[str, Any]:
    if not isinstance(credential, Mapping):
        raise InputError("the credential must be a JSON object", code="input.not_object")
    if "proof" in credential:
        raise InputError(
            "the credential to issue must not carry a proof: the issuer signs it",
            code="issue.has_proof",
        )
    if "credentialStatus" in credential:
        raise InputError(
            "the credential to issue must not carry a credentialStatus: the issuer allocates "
            "it (ask for a purpose with options.credentialStatus)",
            code="issue.has_status",
        )
    issuer_id = credential_issuer_id(credential)
    if issuer_id is None:
        raise ValidationError(
            "the credential names no issuer (a URL, or an object with an id)",
            code="data_model.invalid",
        )
    if issuer_id != issuer.issuer_id:
        raise ValidationError(
            f"the credential's issuer is {issuer_id}, not {issuer.issuer_id}",
            code="issue.wrong_issuer",
        )
    if "id" in credential and (not isinstance(credential["id"], str) or not credential["id"]):
        raise ValidationError("the credential's id must be a URL", code="data_model.invalid")
    return credential


def issue_credential(
    issuer: Issuer,
    credential: object,
    *,
    credential_id: str | None = None,
    status_purposes: Iterable[str] | None = None,
    actor: Actor | None = None,
) -> IssuedCredential:
    """Sign ``credential`` (unsigned, its ``issuer`` this issuer) with status entries
    allocated in the registry; see the module docstring. With ``actor`` the issue is audited
    (in the transaction that records it; a re-emit or a refusal in one of its own).

    ``credential_id`` is the VC API's ``options.credentialId`` (the name to refer to it by
    and to detect duplicates). ``status_purposes`` is a subset of ``("revocation",
    "suspension")`` (default: the issuer's: suspension for a suspendable issuer, else
    revocation). Raises :class:`~mcbadge.signing.SigningRefusedError` (the verifier's check
    id and code), ``InputError`` / ``ValidationError`` for a bad request (``issue.*``),
    ``RegistryError`` ``issue.duplicate_id`` when the name was used for another credential.
    """
    with audited(issuer.registry.registry, actor, "issue", issuer_id=issuer.issuer_id):
        return _issue_credential(issuer, credential, credential_id, status_purposes, actor)


def _issue_credential(
    issuer: Issuer,
    credential: object,
    credential_id: str | None,
    status_purposes: Iterable[str] | None,
    actor: Actor | None,
) -> IssuedCredential:
    from mcbadge.issuer.core import IssuedCredential
    from mcbadge.verify.checks_local import is_generic_credential

    credential = _check_request(issuer, credential)
    if credential_id is not None and (not isinstance(credential_id, str) or not credential_id):
        raise InputError("credentialId must be a non-empty string", code="input.bad_credential_id")
    purposes = tuple(
        status_purposes
        if status_purposes is not None
        else (("suspension",) if issuer.suspension else ("revocation",))
    )
    if not purposes or any(purpose not in PURPOSES for purpose in purposes):
        raise InputError(
            "status purposes must be revocation and/or suspension", code="input.bad_purpose"
        )
    generic = is_generic_credential(credential)
    # Check once under a provisional id and indexes: bad input reserves nothing.
    probe = _build(
        credential,
        f"urn:uuid:{uuid.uuid4()}",
        [_entry(p, f"{issuer.status_base_url}{p}-1.json", 0) for p in purposes],
    )
    failures = presign_failures(probe, generic=generic)
    if failures:
        raise SigningRefusedError(failures)
    if issuer.format not in ("jwt", "vc+jwt"):
        # What Data Integrity signing would refuse (a property no context defines), refused
        # before a status index is spent on it.
        from mcbadge.jsonld import check_data_loss

        check_data_loss(probe)
    name = credential_id or credential.get("id")
    key = naming_key(name) if isinstance(name, str) else f"vc-api uuid:{uuid.uuid4()}"
    # A revocation slot is always kept (revoking must always be possible); the credential
    # carries the entries asked for.
    reserved = ("revocation", "suspension") if "suspension" in purposes else ("revocation",)
    reservation = issuer.registry.registry.reserve(
        issuer.issuer_id,
        key,
        purposes=reserved,
        list_url_template=f"{issuer.status_base_url}{{purpose}}-{{n}}.json",
    )
    missing = [p for p in purposes if p not in reservation.entries]
    if missing:
        raise RegistryError(
            f"{name} was issued before without a {missing[0]} entry",
            code="issue.duplicate_id",
        )
    indexes = {p: (reservation.entries[p].list_url, reservation.entries[p].index) for p in purposes}
    unsigned = _build(
        credential,
        reservation.credential_id,
        [_entry(p, url, index) for p, (url, index) in indexes.items()],
    )
    if reservation.document is not None:
        stored = _stored(reservation.document)
        if _without_proof(stored) != unsigned:
            raise RegistryError(
                f"the credential id {name} was already used for another credential; "
                "an id names one credential",
                code="issue.duplicate_id",
            )
        if actor is not None:
            AuditLog(issuer.registry.registry).record(
                actor,
                "issue",
                issuer_id=issuer.issuer_id,
                target=reservation.credential_id,
                outcome="reemitted",
            )
        return IssuedCredential(reservation.credential_id, stored, key, indexes, reemitted=True)
    signed = sign_credential(unsigned, issuer.active_key, issuer.format)
    if generic:
        signed = _single_proof(signed)
    issuer.registry.record_issued(reservation.credential_id, signed, issuer.format, actor=actor)
    return IssuedCredential(reservation.credential_id, signed, key, indexes)


def _single_proof(signed: dict[str, Any] | str) -> dict[str, Any] | str:
    """A plain W3C credential's one proof as an object, the form VCDM and Data Integrity
    show and the W3C VC API issuer suite requires; an Open Badges credential keeps the
    one-element array its strict JSON Schema wants (in JSON-LD the two are the same graph)."""
    if isinstance(signed, dict):
        proof = signed.get("proof")
        if isinstance(proof, list) and len(proof) == 1:
            return {**signed, "proof": proof[0]}
    return signed


def _stored(text: str) -> dict[str, Any] | str:
    if text.lstrip().startswith("{"):
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            return parsed
    return text


# -- status changes ------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    """What ``/credentials/status`` asks: set (``status`` true) or clear the ``purpose`` bit
    of a credential; ``list_url`` / ``index``, when given, must be its entry's."""

    purpose: str
    status: bool
    list_url: str | None = None
    index: int | None = None


def find_issued(issuers: Mapping[str, Issuer], credential_id: str) -> RegistryRecord | None:
    """The registry record of a credential one of ``issuers`` issued, by its registry id or
    by the name it was issued under (its own ``id`` or the VC API ``credentialId``); ``None``
    when none of them issued it."""
    if not issuers or not credential_id:
        return None
    registry = next(iter(issuers.values())).registry.registry
    try:
        record = registry.get(credential_id)
    except RegistryError as exc:
        if exc.code != "registry.unknown_credential":
            raise
        record = None
    if record is not None and record.issuer_id in issuers:
        return record
    key = naming_key(credential_id)
    for issuer_id in issuers:
        found = registry.find_by_idempotency_key(issuer_id, key)
        if found is not None:
            return found
    return None


def change_status(
    issuer: Issuer,
    record: RegistryRecord,
    change: StatusChange,
    reason: str | None = None,
    *,
    actor: Actor | None = None,
) -> RegistryRecord:
    """Apply ``change`` durably through :meth:`Issuer.revoke` / ``suspend`` / ``unsuspend``.

    ``RegistryError`` codes: ``status.not_issued`` (only reserved), ``status.wrong_entry``
    (the list or index named is not this credential's), ``status.permanent`` (a revocation
    cannot be lifted), ``registry.no_suspension_entry`` / ``registry.no_revocation_entry``,
    ``registry.revoked``; suspending a suspended credential, or lifting a suspension that is
    not there, changes nothing and is not an error (the bit already has the value asked).
    With ``actor`` the change is audited (in its own transaction), and so is a refusal or a
    request that changes nothing (``unchanged``)."""
    if change.purpose == "revocation":
        action = "revoke" if change.status else "unrevoke"
    else:
        action = "suspend" if change.status else "unsuspend"
    registry = issuer.registry.registry
    with audited(registry, actor, action, issuer_id=issuer.issuer_id, target=record.credential_id):
        needed = _needed(record, change)
    if not needed:
        if actor is not None:
            AuditLog(registry).record(
                actor,
                action,
                issuer_id=issuer.issuer_id,
                target=record.credential_id,
                outcome="unchanged",
                detail=reason,
            )
        return record
    if action == "revoke":
        issuer.revoke(record.credential_id, reason, actor=actor)
    elif action == "suspend":
        issuer.suspend(record.credential_id, reason, actor=actor)
    else:
        issuer.unsuspend(record.credential_id, reason, actor=actor)
    return registry.get(record.credential_id)


def _needed(record: RegistryRecord, change: StatusChange) -> bool:
    """Whether ``change`` changes ``record``; raises when it may not be made."""
    if record.state != "issued":
        raise RegistryError(
            f"credential {record.credential_id} was reserved but never issued",
            code="status.not_issued",
        )
    entry = record.entries.get(change.purpose)
    if entry is None:
        verb = "revoked" if change.purpose == "revocation" else "suspended"
        raise RegistryError(
            f"credential {record.credential_id} was issued without a {change.purpose} status "
            f"entry, so it cannot be {verb}",
            code=f"registry.no_{change.purpose}_entry",
        )
    if (change.list_url is not None and change.list_url != entry.list_url) or (
        change.index is not None and change.index != entry.index
    ):
        raise RegistryError(
            f"the status entry named is not the {change.purpose} entry of credential "
            f"{record.credential_id}",
            code="status.wrong_entry",
        )
    if change.purpose == "revocation":
        if change.status:
            return True
        if record.revoked:
            raise RegistryError(
                f"credential {record.credential_id} is revoked, and a revocation is permanent",
                code="status.permanent",
            )
        return False
    return change.status != record.suspended


# -- the current status lists of this registry -----------------------------------------------


def current_status_list(
    issuer: Issuer, list_url: str, *, now: datetime | None = None
) -> dict[str, Any] | None:
    """The issuer's status list credential at ``list_url`` with the registry's current bits,
    signed by the one builder of publishing and hosting
    (:func:`mcbadge.publish.sign_status_list`, in the signing window of
    :func:`mcbadge.issuer.hosted.signing_window`, so it is the list the hosting routes
    serve); ``None`` when the issuer has no list there. Verification uses this to read this
    instance's lists without HTTP."""
    from mcbadge.issuer.hosted import signing_window
    from mcbadge.publish import sign_status_list

    if not list_url.startswith(issuer.status_base_url):
        return None
    registry = issuer.registry.registry
    record = registry.status_list_at(list_url)
    if record is None or record.issuer_id != issuer.issuer_id:
        return None
    valid_from, _ = signing_window(now or datetime.now(UTC), issuer.list_validity)
    bits = registry.status_list_bits(record.list_id)
    return sign_status_list(issuer, record.url, record.purpose, bits, valid_from=valid_from)
