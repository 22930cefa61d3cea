"""Building unsigned OpenBadgeCredentials, and reading a provider's catalog, roster and profile.

The credential follows OB 3.0 (VCDM 2.0): a ``urn:uuid`` id, the issuer Profile, ``validFrom``,
the recipient as a salted SHA-256 hash of their e-mail address (an ``IdentityObject``), the
Achievement, an optional Result with ``achievedLevel``, Evidence, the 1EdTech JSON Schema in
``credentialSchema``, and ``credentialStatus`` entries.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcbadge.errors import InputError, ValidationError

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
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines the 1EdTechJsonSchemaValidator2019 type used in credentialSchema.
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ACHIEVEMENT_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"


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
    """An OB 3.0 IdentityObject: ``sha256$hex(sha256(email + salt))``, hashed, salted."""
    salt = salt if salt is not None else secrets.token_hex(16)
    digest = hashlib.sha256((normalize_email(email) + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def _levels(achievement: Mapping[str, Any]) -> dict[str, str]:
    """rubric level id → the ResultDescription id that declares it."""
    found: dict[str, str] = {}
    for description in achievement.get("resultDescription", []) or []:
        if not isinstance(description, Mapping):
            continue
        for level in description.get("rubricCriterionLevel", []) or []:
            if isinstance(level, Mapping) and isinstance(level.get("id"), str):
                found[level["id"]] = str(description.get("id"))
    return found


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
    """An unsigned OpenBadgeCredential for one earner."""
    if not isinstance(achievement.get("id"), str) or not isinstance(achievement.get("name"), str):
        raise ValidationError(
            "the achievement needs an id and a name", code="data_model.bad_achievement"
        )
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [hashed_email_identifier(recipient_email, salt)],
        "achievement": copy.deepcopy(dict(achievement)),
    }
    if achieved_level is not None:
        levels = _levels(achievement)
        if achieved_level not in levels:
            raise ValidationError(
                f"the achievement has no rubric level {achieved_level!r}",
                code="data_model.unknown_level",
            )
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": levels[achieved_level],
                "achievedLevel": achieved_level,
            }
        ]
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": copy.deepcopy(dict(issuer)),
        "validFrom": format_time(valid_from),
    }
    if valid_until is not None:
        if valid_until <= valid_from:
            raise ValidationError("validUntil must be after validFrom", code="validity.bad_window")
        credential["validUntil"] = format_time(valid_until)
    credential["name"] = achievement["name"]
    credential["credentialSubject"] = subject
    if evidence:
        credential["evidence"] = [_evidence(item) for item in evidence]
    if credential_schema:
        credential["@context"].append(OB_EXTENSIONS_CONTEXT)
        credential["credentialSchema"] = [{"id": ACHIEVEMENT_SCHEMA_URL, "type": _SCHEMA_TYPE}]
    if credential_status:
        statuses = [dict(entry) for entry in credential_status]
        credential["credentialStatus"] = statuses[0] if len(statuses) == 1 else statuses
    return credential


def _evidence(item: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(item, str):
        return {"id": item, "type": ["Evidence"]}
    evidence = dict(item)
    evidence.setdefault("type", ["Evidence"])
    return evidence


# -- provider files -----------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", code="input.unreadable") from None
    except ValueError:
        raise InputError(f"{path} is not valid JSON", code="input.bad_json") from None


def load_profile(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The issuer Profile (``issuer.json``); its ``id`` is replaced by the issuer's DID."""
    profile = _read_json(Path(path))
    if not isinstance(profile, dict) or not isinstance(profile.get("name"), str):
        raise ValidationError(
            f"{path} is not an issuer Profile with a name", code="data_model.bad_profile"
        )
    profile.setdefault("type", ["Profile"])
    return profile


def load_achievement(path: str | os.PathLike[str]) -> dict[str, Any]:
    achievement = _read_json(Path(path))
    if not isinstance(achievement, dict) or not isinstance(achievement.get("id"), str):
        raise ValidationError(
            f"{path} is not an Achievement with an id", code="data_model.bad_achievement"
        )
    achievement.setdefault("type", ["Achievement"])
    return achievement


def load_catalog(directory: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Every ``*.json`` Achievement in ``directory``, by achievement ``id`` (and file stem)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a directory", code="input.unreadable")
    catalog: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        achievement = load_achievement(path)
        catalog[achievement["id"]] = achievement
        catalog.setdefault(path.stem, achievement)
    return catalog


@dataclass(frozen=True)
class RosterRow:
    """One line of a roster: who earned what."""

    row_id: str
    email: str
    achievement_id: str
    achieved_level: str | None = None
    evidence: tuple[str | dict[str, Any], ...] = field(default=())
    valid_until: datetime | None = None

    @property
    def idempotency_key(self) -> str:
        """The row id when given, else e-mail + achievement id."""
        return self.row_id or f"{normalize_email(self.email)} {self.achievement_id}"


def _column(row: Mapping[str, str | None], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value:
            return value.strip()
    return ""


def load_roster(path: str | os.PathLike[str]) -> list[RosterRow]:
    """Read a roster CSV. Columns: ``email`` and ``achievement`` (or ``achievement_id``)
    are required; ``row_id`` (or ``id``), ``level`` (or ``achieved_level``), ``evidence``
    (space-separated URLs; or ``evidence_url``), ``narrative`` (describes the evidence) and
    ``valid_until`` are optional."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", code="input.unreadable") from None
    return list(_roster_rows(rows, str(path)))


def _evidence_items(row: Mapping[str, str | None]) -> tuple[str | dict[str, Any], ...]:
    urls = _column(row, "evidence", "evidence_url").split()
    narrative = _column(row, "narrative", "evidence_narrative")
    if narrative and urls:
        first: dict[str, Any] = {"id": urls[0], "type": ["Evidence"], "narrative": narrative}
        return (first, *urls[1:])
    if narrative:
        return ({"type": ["Evidence"], "narrative": narrative},)
    return tuple(urls)


def _roster_rows(rows: Iterable[Mapping[str, str | None]], where: str) -> Iterable[RosterRow]:
    for number, row in enumerate(rows, start=2):
        email = _column(row, "email", "recipient", "earner_email")
        achievement = _column(row, "achievement", "achievement_id")
        if not email or not achievement:
            raise InputError(
                f"{where} line {number}: email and achievement are required",
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
        )
