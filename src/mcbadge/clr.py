"""Assembling a teacher's credentials into a CLR 2.0 learner record (issuer side).

:func:`build_clr` takes credentials other issuers (or this one) already signed, as JSON objects
or compact JWS strings, and returns a signed ClrCredential whose ``credentialSubject`` holds:

* ``verifiableCredential``: each credential exactly as given (never re-serialised in a way that
  could touch its proof: a JSON object is embedded as the same JSON value, a VC-JWT as the
  same compact JWS string);
* ``achievement``: every distinct achievement those credentials award (by ``id``, first seen);
* ``association``: the relations the caller names between those achievements
  (``(source_id, "isPartOf", target_id)``; the eight CLR 2.0 association types).

The record's own proof (Data Integrity ``eddsa-rdfc-2022`` / ``ecdsa-rdfc-2019`` or VC-JWT, the
formats :func:`mcbadge.sign` supports) only says who assembled it; a verifier checks every
nested credential on its own (:func:`mcbadge.verify_clr`).

:func:`registry_credentials` gives the credentials an issuer's registry holds for one teacher
(issued, neither revoked nor suspended), ready for :func:`build_clr`.

Refusals are :class:`~mcbadge.errors.MCBadgeError` with ``clr.*`` codes, or
:class:`~mcbadge.signing.SigningRefusedError` when the record fails the verifier's checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mcbadge.errors import InputError, MCBadgeError
from mcbadge.models.clr import CLR_CONTEXT, CLR_SCHEMA, AssociationType
from mcbadge.proofs.vc_jose import ENVELOPED_CREDENTIAL, envelope_type, unwrap_envelope

if TYPE_CHECKING:
    from mcbadge.keys import Key
    from mcbadge.proofs import ProofFormat, SignedCredential
    from mcbadge.registry import Registry

__all__ = ["AssociationSpec", "build_clr", "clr_document", "registry_credentials"]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Defines ``1EdTechJsonSchemaValidator2019`` (the credentialSchema type): without it JSON-LD
#: drops the type, which the verifier reports as data loss.
EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

#: An association as the caller names it: ``(source_id, association_type, target_id)`` or a
#: mapping with ``sourceId`` / ``associationType`` / ``targetId``.
AssociationSpec = tuple[str, str, str] | Mapping[str, Any]


def _refuse(code: str, message: str) -> MCBadgeError:
    return MCBadgeError(message, code=code)


def _readable(entry: Any, number: int) -> dict[str, Any]:
    """The credential an entry carries, to read (never to re-embed): a JWS is decoded, not
    verified (the verifier checks every nested proof)."""
    from mcbadge.verify._input import decode_jws_parts, looks_like_jws

    if isinstance(entry, str):
        if not looks_like_jws(entry):
            raise _refuse(
                "clr.not_a_credential",
                f"credential {number} is a string but not a compact JWS (VC-JWT)",
            )
        try:
            _, payload = decode_jws_parts(entry.strip())
        except InputError as exc:
            raise _refuse("clr.not_a_credential", f"credential {number}: {exc.message}") from None
        inner = payload.get("vc", payload)
        if not isinstance(inner, dict):
            raise _refuse("clr.not_a_credential", f"credential {number}: `vc` is not an object")
        return inner
    if not isinstance(entry, Mapping):
        raise _refuse(
            "clr.not_a_credential", f"credential {number} is not a JSON object or a VC-JWT"
        )
    if envelope_type(entry) == ENVELOPED_CREDENTIAL:
        # an EnvelopedVerifiableCredential (data:application/vc+jwt): embedded as given, read
        # through its token
        try:
            token = unwrap_envelope(entry)
        except MCBadgeError as exc:
            raise _refuse("clr.not_a_credential", f"credential {number}: {exc.message}") from None
        return _readable(token, number)
    return dict(entry)


def _types(credential: Mapping[str, Any]) -> list[Any]:
    value = credential.get("type")
    return value if isinstance(value, list) else [value]


def _subject(credential: Mapping[str, Any], number: int) -> dict[str, Any]:
    types = _types(credential)
    if "VerifiableCredential" not in types or not (
        {"OpenBadgeCredential", "AchievementCredential"} & {t for t in types if isinstance(t, str)}
    ):
        raise _refuse(
            "clr.not_a_credential",
            f"credential {number} is not an OpenBadgeCredential / AchievementCredential",
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise _refuse("clr.not_a_credential", f"credential {number} has no credentialSubject")
    return subject


def _identity_matches(identity: Any, email: str) -> bool:
    from mcbadge.models.identity import IdentityObject

    if not isinstance(identity, Mapping) or identity.get("identityType") != "emailAddress":
        return False
    try:
        return IdentityObject.model_validate(dict(identity)).matches(email)
    except Exception:  # a malformed identity names nobody
        return False


def _learner(subjects: list[dict[str, Any]], recipient: str | None) -> dict[str, Any]:
    """The ClrSubject's learner fields, checked against every nested credential's subject."""
    from mcbadge.issuer.build import hashed_email_identifier, normalize_email

    if recipient is None:
        ids = {subject.get("id") for subject in subjects}
        if len(ids) == 1 and isinstance(next(iter(ids)), str):
            return {"id": next(iter(ids))}
        raise _refuse(
            "clr.learner_unknown",
            "the credentials do not name one learner by the same id; name the learner "
            "(recipient: their e-mail address or id), and each credential is checked against it",
        )
    if "@" in recipient and ":" not in recipient:
        email = normalize_email(recipient)
        for number, subject in enumerate(subjects, 1):
            identities = subject.get("identifier")
            identity_list = identities if isinstance(identities, list) else [identities]
            if not any(_identity_matches(identity, email) for identity in identity_list):
                raise _refuse(
                    "clr.not_the_learner",
                    f"credential {number} was not issued to {email} (no identifier matches)",
                )
        return {"identifier": [hashed_email_identifier(email)]}
    for number, subject in enumerate(subjects, 1):
        if subject.get("id") != recipient:
            raise _refuse(
                "clr.not_the_learner", f"credential {number}'s subject is not {recipient}"
            )
    return {"id": recipient}


def _achievements(credentials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for credential in credentials:
        achievement = credential["credentialSubject"].get("achievement")
        if isinstance(achievement, dict) and isinstance(achievement.get("id"), str):
            found.setdefault(achievement["id"], achievement)
    return list(found.values())


def _association(spec: AssociationSpec, known: set[str]) -> dict[str, Any]:
    if isinstance(spec, Mapping):
        source = spec.get("sourceId")
        kind = spec.get("associationType")
        target = spec.get("targetId")
    else:
        source, kind, target = spec
    if kind not in AssociationType._value2member_map_:
        raise _refuse(
            "clr.bad_association",
            f"{kind!r} is not an association type (one of {', '.join(AssociationType)})",
        )
    for end in (source, target):
        if end not in known:
            raise _refuse(
                "clr.unknown_achievement",
                f"the association names {end!r}, which no credential in the record awards",
            )
    return {"type": "Association", "associationType": kind, "sourceId": source, "targetId": target}


def _timestamp(value: datetime | None) -> str:
    when = value if value is not None else datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def clr_document(
    credentials: Sequence[Mapping[str, Any] | str],
    *,
    issuer: str | Mapping[str, Any],
    recipient: str | None = None,
    associations: Iterable[AssociationSpec] = (),
    name: str = "Comprehensive Learner Record",
    description: str | None = None,
    credential_id: str | None = None,
    valid_from: datetime | None = None,
    partial: bool | None = None,
) -> dict[str, Any]:
    """The unsigned ClrCredential (see :func:`build_clr`; same arguments, same refusals)."""
    if isinstance(credentials, str | bytes) or not isinstance(credentials, Sequence):
        raise TypeError("credentials is a sequence of credentials (objects or VC-JWT strings)")
    if not credentials:
        raise _refuse("clr.empty", "a CLR holds at least one credential")
    readable = [_readable(entry, number) for number, entry in enumerate(credentials, 1)]
    subjects = [_subject(credential, number) for number, credential in enumerate(readable, 1)]
    learner = _learner(subjects, recipient)
    achievements = _achievements(readable)
    known = {achievement["id"] for achievement in achievements}
    links = [_association(spec, known) for spec in associations]
    profile: dict[str, Any] = (
        {"id": issuer, "type": ["Profile"]} if isinstance(issuer, str) else dict(issuer)
    )
    profile.setdefault("type", ["Profile"])
    subject: dict[str, Any] = {**learner, "type": ["ClrSubject"]}
    if achievements:
        subject["achievement"] = achievements
    # the very objects / strings given: embedded as they are
    subject["verifiableCredential"] = [
        entry if isinstance(entry, str) else dict(entry) for entry in credentials
    ]
    if links:
        subject["association"] = links
    record: dict[str, Any] = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": profile,
        "validFrom": _timestamp(valid_from),
        "name": name,
    }
    if description is not None:
        record["description"] = description
    if partial is not None:
        record["partial"] = partial
    record["credentialSubject"] = subject
    if all(isinstance(entry, Mapping) and envelope_type(entry) is None for entry in credentials):
        # The CLR JSON Schema wants every nested credential as an AchievementCredential object;
        # a record holding VC-JWTs (strings or envelopes) names no schema rather than one it
        # fails.
        record["@context"].append(EXTENSIONS_CONTEXT)
        record["credentialSchema"] = [{"id": CLR_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
    return record


def build_clr(
    credentials: Sequence[Mapping[str, Any] | str],
    key: Key,
    *,
    issuer: str | Mapping[str, Any],
    format: ProofFormat = "eddsa-rdfc-2022",
    verification_method: str | None = None,
    recipient: str | None = None,
    associations: Iterable[AssociationSpec] = (),
    name: str = "Comprehensive Learner Record",
    description: str | None = None,
    credential_id: str | None = None,
    valid_from: datetime | None = None,
    partial: bool | None = None,
    created: datetime | None = None,
) -> SignedCredential:
    """Assemble ``credentials`` into a ClrCredential issued by ``issuer`` and sign it.

    * ``credentials``: signed OB 3.0 credentials (objects, or VC-JWT compact strings), embedded
      untouched; they are read (not verified) to find the learner and the achievements.
    * ``issuer``: the assembler: an id (a DID) or a Profile object; ``key`` signs for it
      (``verification_method`` names the issuer's method when the issuer is not the key's DID).
    * ``recipient``: the learner's e-mail address (each credential must carry a matching hashed
      identifier; the record gets a freshly salted one) or id; ``None`` takes the one subject
      id every credential shares.
    * ``associations``: ``(source_id, association_type, target_id)`` between awarded
      achievements.
    * ``format``: ``eddsa-rdfc-2022``, ``ecdsa-rdfc-2019`` or ``jwt``.

    Returns the :class:`~mcbadge.proofs.SignedCredential` (``to_text()`` gives the file).
    """
    from mcbadge.signing import sign

    record = clr_document(
        credentials,
        issuer=issuer,
        recipient=recipient,
        associations=associations,
        name=name,
        description=description,
        credential_id=credential_id,
        valid_from=valid_from,
        partial=partial,
    )
    signed = sign(
        record, key, format=format, verification_method=verification_method, created=created
    )
    return signed


def registry_credentials(
    registry: Registry, issuer_id: str, recipient_email: str
) -> list[dict[str, Any] | str]:
    """The credentials ``issuer_id`` issued to ``recipient_email`` per its registry, oldest
    first, leaving out revoked and suspended ones; each as stored (object or VC-JWT)."""
    from mcbadge._json import loads_strict
    from mcbadge.issuer.build import normalize_email
    from mcbadge.registry import recipient_hash

    wanted = recipient_hash(normalize_email(recipient_email))
    found: list[dict[str, Any] | str] = []
    for record in registry.list_credentials(issuer_id, state="issued", revoked=False):
        if record.recipient_hash != wanted or record.suspended or record.document is None:
            continue
        text = record.document.strip()
        if text.startswith("{"):
            document = loads_strict(text)
            if isinstance(document, dict):
                found.append(document)
        else:
            found.append(text)
    if not found:
        raise _refuse(
            "clr.no_credentials",
            f"the registry holds no valid credential {issuer_id} issued to {recipient_email}",
        )
    return found
