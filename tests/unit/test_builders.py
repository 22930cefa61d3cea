"""mcbadge.models.builders: achievements, rubrics, awards, and the example catalog/roster."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mcbadge import schema
from mcbadge.errors import InputError, ValidationError
from mcbadge.models import Achievement, AchievementCredential, Profile, parse_credential
from mcbadge.models.builders import (
    ACHIEVEMENT_SCHEMA_URL,
    EXTENSIONS_CONTEXT,
    OB_CONTEXT,
    achievement,
    alignment,
    award,
    evidence,
    load_catalog,
    load_profile,
    load_roster,
    profile,
    rubric,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
A = "https://pd.example.edu/achievements/algo"


def _achievement() -> tuple[Achievement, Profile]:
    levels = rubric(
        f"{A}#rubric",
        "Portfolio review",
        [(f"{A}#not-yet", "Not yet", 1), (f"{A}#proficient", "Proficient", 2)],
        required_level="Proficient",
    )
    built = achievement(
        A,
        "K-5 Algorithms and Programming",
        "Teaches loops.",
        criteria="Submit a unit plan and student programs.",
        alignments=[
            alignment(
                "Develop programs with sequences and simple loops.",
                "https://csteachers.org/k12standards/interactive/#1A-AP-10",
                target_code="1A-AP-10",
                target_framework="CSTA K-12 Computer Science Standards (2017)",
            )
        ],
        rubrics=[levels],
    )
    issuer = profile("https://pd.example.edu/issuer", "PD Center")
    return built, issuer


def test_award_builds_a_schema_valid_vcdm2_credential() -> None:
    built, issuer = _achievement()
    start = datetime(2026, 9, 1, 12, tzinfo=UTC)
    credential = award(
        built,
        issuer=issuer,
        recipient_email="t@school.example",
        achieved_level="Proficient",
        evidence=[
            evidence("https://portfolio.example/x", narrative="Unit plan", genre="Portfolio")
        ],
        valid_from=start,
        valid_until=start + timedelta(days=365),
        salt="abc",
    )
    document = credential.to_json()
    schema.validate(document)
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        OB_CONTEXT,
        EXTENSIONS_CONTEXT,
    ]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["validFrom"] == "2026-09-01T12:00:00Z"
    assert document["validUntil"] == "2027-09-01T12:00:00Z"
    assert document["id"].startswith("urn:uuid:")
    assert document["credentialSchema"] == [
        {"id": ACHIEVEMENT_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    subject = document["credentialSubject"]
    digest = hashlib.sha256(b"t@school.exampleabc").hexdigest()
    assert subject["identifier"][0]["identityHash"] == f"sha256${digest}"
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": f"{A}#rubric", "achievedLevel": f"{A}#proficient"}
    ]
    assert isinstance(parse_credential(document), AchievementCredential)
    assert credential.credential_subject.identifiers[0].matches("t@school.example")


def test_award_defaults() -> None:
    built, issuer = _achievement()
    before = datetime.now(UTC).replace(microsecond=0)
    credential = award(built, issuer=issuer, recipient_email="a@b.example")
    assert credential.valid_from_at is not None
    assert credential.valid_from_at >= before
    assert credential.name == "K-5 Algorithms and Programming"
    assert "result" not in credential.to_json()["credentialSubject"]
    other = award(built, issuer=issuer, recipient_email="a@b.example")
    assert other.id != credential.id


def test_unknown_level_is_refused() -> None:
    built, issuer = _achievement()
    with pytest.raises(ValidationError) as caught:
        award(built, issuer=issuer, recipient_email="a@b.example", achieved_level="Gold")
    assert caught.value.code == "data_model.unknown_achieved_level"


def test_rubric_required_level_must_be_one_of_its_levels() -> None:
    with pytest.raises(ValidationError) as caught:
        rubric(f"{A}#r", "R", [(f"{A}#1", "One")], required_level="Two")
    assert caught.value.code == "data_model.unknown_required_level"


def test_naive_datetimes_are_refused() -> None:
    built, issuer = _achievement()
    with pytest.raises(ValueError, match="timezone"):
        award(
            built,
            issuer=issuer,
            recipient_email="a@b.example",
            valid_from=datetime(2026, 1, 1),
        )


def test_example_catalog_roster_and_issuer_award_cleanly() -> None:
    catalog = load_catalog(EXAMPLES / "catalog")
    issuer = load_profile(EXAMPLES / "issuer.json")
    roster = load_roster(EXAMPLES / "roster.csv")
    files = list((EXAMPLES / "catalog").glob("*.json"))
    assert len(files) >= 7
    assert len(roster) == 12
    for achievement_model in {a.id: a for a in catalog.values()}.values():
        assert achievement_model.achievement_type == "MicroCredential"
        assert achievement_model.result_descriptions[0].required_level
        codes = [a.target_code for a in achievement_model.alignment or []]  # type: ignore[union-attr]
        assert codes
    for row in roster:
        credential = award(
            catalog[row.achievement],
            issuer=issuer,
            recipient_email=row.email,
            achieved_level=row.achieved_level,
            evidence=[evidence(row.evidence_url, narrative=row.narrative)],
        )
        schema.validate(credential.to_json())


def test_roster_needs_email_and_achievement(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("row_id,name,email,achievement\n1,A,,algo\n")
    with pytest.raises(InputError) as caught:
        load_roster(roster)
    assert caught.value.code == "input.bad_roster"


def test_catalog_entries_are_checked(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"id": "urn:x", "type": ["Achievement"]}')
    with pytest.raises(ValidationError):
        load_catalog(tmp_path)
    with pytest.raises(InputError):
        load_catalog(tmp_path / "missing")
