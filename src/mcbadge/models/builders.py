"""Concise builders for a provider's micro-credential workflow, and the catalog/roster loaders.

Define an achievement with its criteria, alignments and rubric, then :func:`award` it to a
teacher: the result is an unsigned VCDM 2.0 OpenBadgeCredential that passes the 1EdTech JSON
Schema and the data-model rules. Builders produce JSON first and parse it, so every model
they return is lossless like a parsed one.
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcbadge.errors import InputError, ValidationError
from mcbadge.models._parse import validate_as
from mcbadge.models.core import (
    VC_V2_CONTEXT,
    Achievement,
    AchievementCredential,
    Alignment,
    Evidence,
    Profile,
    ResultDescription,
)
from mcbadge.models.identity import IdentityObject

__all__ = [
    "ACHIEVEMENT_SCHEMA_URL",
    "EXTENSIONS_CONTEXT",
    "OB_CONTEXT",
    "RosterRow",
    "achievement",
    "alignment",
    "award",
    "evidence",
    "load_catalog",
    "load_profile",
    "load_roster",
    "profile",
    "rubric",
]

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Defines ``1EdTechJsonSchemaValidator2019``, the credentialSchema type.
EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ACHIEVEMENT_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def alignment(
    target_name: str,
    target_url: str,
    *,
    target_code: str | None = None,
    target_framework: str | None = None,
    target_description: str | None = None,
    target_type: str | None = None,
) -> Alignment:
    """An alignment to a standard, e.g. CSTA K-12 ``1A-AP-10``."""
    data = _drop_none(
        {
            "type": ["Alignment"],
            "targetName": target_name,
            "targetUrl": target_url,
            "targetCode": target_code,
            "targetFramework": target_framework,
            "targetDescription": target_description,
            "targetType": target_type,
        }
    )
    return validate_as(Alignment, data)


def rubric(
    id: str,
    name: str,
    levels: Sequence[tuple[str, str] | tuple[str, str, str | int | float | None]],
    *,
    required_level: str | None = None,
) -> ResultDescription:
    """A rubric: a ResultDescription of resultType ``RubricCriterionLevel``.

    ``levels`` are ``(level_id, name)`` or ``(level_id, name, points)`` in order, lowest
    first; ``required_level`` is the id (or name) of the level needed to earn the badge.
    """
    rendered = []
    by_name: dict[str, str] = {}
    for level in levels:
        level_id, level_name = level[0], level[1]
        points = level[2] if len(level) > 2 else None
        by_name[level_name] = level_id
        entry: dict[str, Any] = {
            "id": level_id,
            "type": ["RubricCriterionLevel"],
            "name": level_name,
        }
        if points is not None:
            entry["points"] = str(points)
        rendered.append(entry)
    data: dict[str, Any] = {
        "id": id,
        "type": ["ResultDescription"],
        "name": name,
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": rendered,
    }
    if required_level is not None:
        required = by_name.get(required_level, required_level)
        if required not in {entry["id"] for entry in rendered}:
            raise ValidationError(
                f"the required level {required_level!r} is not one of the rubric's levels",
                code="data_model.unknown_required_level",
                errors=[{"loc": "requiredLevel", "message": "not a level of this rubric"}],
            )
        data["requiredLevel"] = required
    return validate_as(ResultDescription, data)


def achievement(
    id: str,
    name: str,
    description: str,
    *,
    criteria: str,
    achievement_type: str = "MicroCredential",
    alignments: Iterable[Alignment] = (),
    rubrics: Iterable[ResultDescription] = (),
    image: str | None = None,
    tags: Sequence[str] = (),
    human_code: str | None = None,
    field_of_study: str | None = None,
) -> Achievement:
    """An Achievement: ``criteria`` is the narrative (Markdown) of what earners submit."""
    data: dict[str, Any] = {
        "id": id,
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": name,
        "description": description,
        "criteria": {"narrative": criteria},
    }
    if image is not None:
        data["image"] = {"id": image, "type": "Image"}
    if human_code is not None:
        data["humanCode"] = human_code
    if field_of_study is not None:
        data["fieldOfStudy"] = field_of_study
    if tags:
        data["tag"] = list(tags)
    aligned = [a.to_json() for a in alignments]
    if aligned:
        data["alignment"] = aligned
    described = [r.to_json() for r in rubrics]
    if described:
        data["resultDescription"] = described
    return validate_as(Achievement, data)


def profile(
    id: str, name: str, *, url: str | None = None, email: str | None = None, **extra: Any
) -> Profile:
    """An issuer Profile (``extra`` holds further JSON properties by their JSON names)."""
    data = _drop_none({"id": id, "type": ["Profile"], "name": name, "url": url, "email": email})
    data.update(extra)
    return validate_as(Profile, data)


def evidence(
    url: str | None = None,
    *,
    narrative: str | None = None,
    name: str | None = None,
    genre: str | None = None,
    description: str | None = None,
) -> Evidence:
    """Evidence of the work: a portfolio artifact URL and/or a narrative."""
    data = _drop_none(
        {
            "id": url,
            "type": ["Evidence"],
            "name": name,
            "narrative": narrative,
            "description": description,
            "genre": genre,
        }
    )
    return validate_as(Evidence, data)


def _level_id(achievement: Achievement, level: str) -> tuple[str, str]:
    """(level id, result description id) for a level given by id or by name."""
    for description in achievement.result_descriptions:
        for candidate in description.levels:
            if level in (candidate.id, candidate.name):
                return candidate.id, description.id
    raise ValidationError(
        f"the achievement {achievement.name!r} has no rubric level {level!r}",
        code="data_model.unknown_achieved_level",
        errors=[{"loc": "credentialSubject.result[0].achievedLevel", "message": "unknown level"}],
    )


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def award(
    achievement: Achievement,
    *,
    issuer: Profile,
    recipient_email: str,
    achieved_level: str | None = None,
    evidence: Iterable[Evidence] = (),
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
    name: str | None = None,
    salt: str | None = None,
    credential_schema: bool = True,
) -> AchievementCredential:
    """An unsigned VCDM 2.0 OpenBadgeCredential awarding ``achievement``.

    The recipient is a salted ``sha256$`` hash of ``recipient_email`` (random ``salt`` unless
    given). ``achieved_level`` (a rubric level's id or name) adds a Result pointing at it and its
    ResultDescription. ``valid_from`` defaults to now (UTC, whole seconds); ``credential_id`` to
    ``urn:uuid:<uuid4>``. With ``credential_schema`` the 1EdTech JSON Schema is named (and the OB
    extensions context that defines its type is added).
    """
    start = valid_from or datetime.now(UTC).replace(microsecond=0)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [IdentityObject.hashed_email(recipient_email, salt).to_json()],
        "achievement": achievement.to_json(),
    }
    if achieved_level is not None:
        level_id, description_id = _level_id(achievement, achieved_level)
        subject["result"] = [
            {"type": ["Result"], "resultDescription": description_id, "achievedLevel": level_id}
        ]
    contexts = [VC_V2_CONTEXT, OB_CONTEXT]
    if credential_schema:
        contexts.append(EXTENSIONS_CONTEXT)
    data: dict[str, Any] = {
        "@context": contexts,
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name or achievement.name,
        "issuer": issuer.to_json(),
        "validFrom": _timestamp(start),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        data["validUntil"] = _timestamp(valid_until)
    gathered = [item.to_json() for item in evidence]
    if gathered:
        data["evidence"] = gathered
    if credential_schema:
        data["credentialSchema"] = [
            {"id": ACHIEVEMENT_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
        ]
    return validate_as(AchievementCredential, data)


# --- a provider's files ------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", code="input.unreadable") from None
    except ValueError:
        raise InputError(f"{path} is not valid JSON", code="input.bad_json") from None


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """The issuer Profile in a JSON file (e.g. ``examples/issuer.json``)."""
    return validate_as(Profile, _read_json(Path(path)))


def load_catalog(directory: str | os.PathLike[str]) -> dict[str, Achievement]:
    """Every ``*.json`` Achievement in ``directory``, keyed by its id and by its file stem."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a directory", code="input.unreadable")
    catalog: dict[str, Achievement] = {}
    for path in sorted(folder.glob("*.json")):
        data = _read_json(path)
        if not isinstance(data, Mapping):
            raise InputError(f"{path} is not a JSON object", code="input.bad_json")
        loaded = validate_as(Achievement, data)
        catalog[loaded.id] = loaded
        catalog.setdefault(path.stem, loaded)
    return catalog


@dataclass(frozen=True)
class RosterRow:
    """One roster line: ``row_id,name,email,achievement,achieved_level,evidence_url,narrative``."""

    row_id: str
    name: str
    email: str
    achievement: str
    achieved_level: str | None
    evidence_url: str | None
    narrative: str | None


def load_roster(path: str | os.PathLike[str]) -> list[RosterRow]:
    """Read a roster CSV; ``email`` and ``achievement`` (id or catalog file stem) are required."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", code="input.unreadable") from None
    result: list[RosterRow] = []
    for number, row in enumerate(rows, start=2):

        def cell(column: str, row: Mapping[str, str | None] = row) -> str:
            return (row.get(column) or "").strip()

        if not cell("email") or not cell("achievement"):
            raise InputError(
                f"{path} line {number}: email and achievement are required",
                code="input.bad_roster",
            )
        result.append(
            RosterRow(
                row_id=cell("row_id") or str(number - 1),
                name=cell("name"),
                email=cell("email"),
                achievement=cell("achievement"),
                achieved_level=cell("achieved_level") or None,
                evidence_url=cell("evidence_url") or None,
                narrative=cell("narrative") or None,
            )
        )
    return result
