"""Building unsigned OpenBadgeCredentials, and reading a provider's catalog, roster and profile.

The credential is built by :func:`mcbadge.models.builders.award` (OB 3.0, VCDM 2.0: a
``urn:uuid`` id, the issuer Profile, ``validFrom``, the recipient as a salted SHA-256 hash of
their e-mail address, the Achievement, an optional Result with ``achievedLevel``, Evidence and
the 1EdTech JSON Schema in ``credentialSchema``), so it passes the same typed model and domain
rules as everything else; this module adds the ``credentialStatus`` entries the registry
allocated. The issuer works on JSON objects (what it signs and stores), so the loaders here
validate each Achievement with the typed model and return its exact JSON.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcbadge.errors import InputError, ValidationError
from mcbadge.models import VC_V2_CONTEXT, Achievement, Evidence, IdentityObject, Profile
from mcbadge.models._parse import validate_as
from mcbadge.models.builders import ACHIEVEMENT_SCHEMA_URL, OB_CONTEXT, award
from mcbadge.models.builders import EXTENSIONS_CONTEXT as OB_EXTENSIONS_CONTEXT
from mcbadge.models.builders import load_catalog as load_model_catalog

__all__ = [
    "ACHIEVEMENT_SCHEMA_URL",
    "OB_CONTEXT",
    "OB_EXTENSIONS_CONTEXT",
    "VC_V2_CONTEXT",
    "RosterRow",
    "build_credential",
    "format_time",
    "hashed_email_identifier",
    "load_achievement",
    "load_catalog",
    "load_profile",
    "load_roster",
    "normalize_email",
    "place",
]


def format_time(value: datetime) -> str:
    """XML Schema dateTime in UTC with a ``Z``, to the second."""
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def normalize_email(email: str) -> str:
    """Trim and lower-case an e-mail address (what is hashed into the credential)."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not at or not local or not domain or any(c.isspace() for c in cleaned):
        raise InputError(f"{email!r} is not an e-mail address", code="input.bad_email")
    return cleaned


def hashed_email_identifier(email: str, salt: str | None = None) -> dict[str, Any]:
    """An OB 3.0 IdentityObject for the normalised address: ``sha256$hex(sha256(email + salt))``."""
    return IdentityObject.hashed_email(normalize_email(email), salt).to_json()


def build_credential(
    *,
    credential_id: str,
    issuer: Mapping[str, Any],
    achievement: Mapping[str, Any],
    recipient_email: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    achieved_level: str | None = None,
    evidence: Sequence[str | Mapping[str, Any]] = (),
    credential_status: Sequence[Mapping[str, Any]] = (),
    credential_schema: bool = True,
    salt: str | None = None,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential for one earner (:func:`mcbadge.models.builders.award`
    plus ``credentialStatus``). ``achieved_level`` is a rubric level's id or name; evidence items
    are URLs or Evidence objects. The e-mail address is normalised before it is hashed."""
    if not isinstance(achievement, Mapping) or not isinstance(issuer, Mapping):
        raise ValidationError(
            "the achievement and the issuer must be JSON objects", code="data_model.invalid"
        )
    credential = award(
        validate_as(Achievement, achievement),
        issuer=validate_as(Profile, issuer),
        recipient_email=normalize_email(recipient_email),
        achieved_level=achieved_level,
        evidence=[_evidence(item) for item in evidence],
        valid_from=valid_from,
        valid_until=valid_until,
        credential_id=credential_id,
        salt=salt,
        credential_schema=credential_schema,
    ).to_json()
    return place(credential, credential_id, credential_status)


def place(
    credential: Mapping[str, Any],
    credential_id: str,
    credential_status: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A built credential under ``credential_id`` with its ``credentialStatus`` entries (one
    entry as an object, several as an array): exactly what :func:`build_credential` gives for
    them. A batch checks each row by building it under a provisional id before anything is
    reserved, then places the reserved id and status entries on that same build."""
    placed = dict(credential)  # only top-level members change; "id" keeps its position
    placed["id"] = credential_id
    if credential_status:
        statuses = [dict(entry) for entry in credential_status]
        placed["credentialStatus"] = statuses[0] if len(statuses) == 1 else statuses
    return placed


def _evidence(item: str | Mapping[str, Any]) -> Evidence:
    if isinstance(item, str):
        return validate_as(Evidence, {"id": item, "type": ["Evidence"]})
    if not isinstance(item, Mapping):
        raise ValidationError("evidence must be a URL or an object", code="data_model.invalid")
    return validate_as(Evidence, {"type": ["Evidence"], **item})


# -- provider files -----------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", code="input.unreadable") from None
    except ValueError:
        raise InputError(f"{path} is not valid JSON", code="input.bad_json") from None


def load_profile(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The issuer Profile (``issuer.json``) as JSON; its ``id`` is replaced by the issuer's DID.

    Unlike :func:`mcbadge.models.builders.load_profile` this does not require an ``id`` (the
    issuer supplies its DID); the full Profile is checked when each credential is built."""
    profile = _read_json(Path(path))
    if not isinstance(profile, dict) or not isinstance(profile.get("name"), str):
        raise ValidationError(
            f"{path} is not an issuer Profile with a name", code="data_model.bad_profile"
        )
    profile.setdefault("type", ["Profile"])
    return profile


def load_achievement(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An Achievement JSON file, checked against the typed model; returns its JSON."""
    achievement = _read_json(Path(path))
    if not isinstance(achievement, dict) or not isinstance(achievement.get("id"), str):
        raise ValidationError(
            f"{path} is not an Achievement with an id", code="data_model.bad_achievement"
        )
    achievement.setdefault("type", ["Achievement"])
    return validate_as(Achievement, achievement).to_json()


def load_catalog(directory: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """:func:`mcbadge.models.builders.load_catalog` as JSON: every ``*.json`` Achievement in
    ``directory``, by achievement ``id`` and by file stem (both keys share one object)."""
    catalog: dict[str, dict[str, Any]] = {}
    as_json: dict[int, dict[str, Any]] = {}
    for name, achievement in load_model_catalog(directory).items():
        catalog[name] = as_json.setdefault(id(achievement), achievement.to_json())
    return catalog


@dataclass(frozen=True)
class RosterRow:
    """One line of a roster: who earned what.

    Deliberately not :class:`mcbadge.models.builders.RosterRow` (the quickstart's fixed
    seven-column row): an issuing batch also needs an optional explicit idempotency ``key``,
    several evidence URLs, an optional ``valid_until`` and the column aliases providers'
    exports use; the evidence narrative is folded into the first Evidence object, ready for
    :func:`build_credential`.

    ``row_id`` labels the row (output file names, the manifest); it is NOT its idempotency
    key. Without ``key`` the row is the award (issuer, achievement, e-mail), the same rule as
    ``Issuer.issue``; with ``key`` it is the award that key names.
    """

    row_id: str
    email: str
    achievement_id: str
    achieved_level: str | None = None
    evidence: tuple[str | dict[str, Any], ...] = field(default=())
    valid_until: datetime | None = None
    key: str = ""

    @property
    def idempotency_key(self) -> str:
        """The explicit key when given, else the award's key for the achievement as the
        roster names it (the batch uses the catalog Achievement's id):
        ``"sha256$<hex of the normalised e-mail> <achievement>"``."""
        from mcbadge.registry import recipient_hash

        return self.key or f"{recipient_hash(normalize_email(self.email))} {self.achievement_id}"


def _column(row: Mapping[str, str | None], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value:
            return value.strip()
    return ""


def load_roster(path: str | os.PathLike[str], *, key_column: str | None = None) -> list[RosterRow]:
    """Read a roster CSV. Columns: ``email`` and ``achievement`` (or ``achievement_id``)
    are required; ``row_id`` (or ``id``), ``level`` (or ``achieved_level``), ``evidence``
    (space-separated URLs; or ``evidence_url``), ``narrative`` (describes the evidence),
    ``valid_until`` and ``idempotency_key`` are optional.

    A row's explicit idempotency key is its ``idempotency_key`` column, or the column named
    by ``key_column`` (e.g. ``"row_id"`` to keep a provider's award ids as keys; the column
    must exist and every row must fill it). Without one, a row is keyed by its award
    (issuer, achievement, e-mail)."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = list(reader.fieldnames or ())
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", code="input.unreadable") from None
    if key_column is not None and key_column not in columns:
        raise InputError(
            f"{path}: the key column {key_column!r} is not in the roster",
            code="input.bad_roster",
        )
    return list(_roster_rows(rows, str(path), key_column))


def _evidence_items(row: Mapping[str, str | None]) -> tuple[str | dict[str, Any], ...]:
    urls = _column(row, "evidence", "evidence_url").split()
    narrative = _column(row, "narrative", "evidence_narrative")
    if narrative and urls:
        first: dict[str, Any] = {"id": urls[0], "type": ["Evidence"], "narrative": narrative}
        return (first, *urls[1:])
    if narrative:
        return ({"type": ["Evidence"], "narrative": narrative},)
    return tuple(urls)


def _roster_rows(
    rows: Iterable[Mapping[str, str | None]], where: str, key_column: str | None
) -> Iterable[RosterRow]:
    for number, row in enumerate(rows, start=2):
        email = _column(row, "email", "recipient", "earner_email")
        achievement = _column(row, "achievement", "achievement_id")
        if not email or not achievement:
            raise InputError(
                f"{where} line {number}: email and achievement are required",
                code="input.bad_roster",
            )
        key = _column(row, key_column) if key_column else _column(row, "idempotency_key")
        if key_column and not key:
            raise InputError(
                f"{where} line {number}: the key column {key_column!r} is empty",
                code="input.bad_roster",
            )
        until = _column(row, "valid_until")
        try:
            valid_until = datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None
        except ValueError:
            raise InputError(
                f"{where} line {number}: valid_until is not a date-time", code="input.bad_roster"
            ) from None
        if valid_until is not None and valid_until.tzinfo is None:
            valid_until = valid_until.replace(tzinfo=UTC)
        yield RosterRow(
            row_id=_column(row, "row_id", "id"),
            email=email,
            achievement_id=achievement,
            achieved_level=_column(row, "level", "achieved_level") or None,
            evidence=_evidence_items(row),
            valid_until=valid_until,
            key=key,
        )
