"""mcbadge.models: typed OB 3.0 models, lossless JSON, domain rules, hashed identities."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import ValidationError
from mcbadge.models import (
    Achievement,
    AchievementCredential,
    EndorsementCredential,
    IdentityObject,
    Profile,
    parse_credential,
)


def _example(reference: Path, relative: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (reference / "examples" / "ob3" / relative).read_text("utf-8")
    )
    return loaded


@pytest.fixture
def basic(reference: Path) -> dict[str, Any]:
    return _example(reference, "spec-source/basicOpenBadgeCredential.json")


@pytest.fixture
def full(reference: Path) -> dict[str, Any]:
    return _example(reference, "spec-source/fullOpenBadge.json")


def _codes(document: Any) -> tuple[str, list[dict[str, str]]]:
    with pytest.raises(ValidationError) as caught:
        parse_credential(document)
    return caught.value.code, caught.value.errors


# --- typed view --------------------------------------------------------------------------


def test_typed_view_uses_snake_case_attributes(full: dict[str, Any]) -> None:
    credential = parse_credential(full)
    assert isinstance(credential, AchievementCredential)
    achievement = credential.credential_subject.achievement
    assert isinstance(achievement, Achievement)
    assert achievement.achievement_type == "Degree"
    assert achievement.result_descriptions[1].levels[0].name
    assert credential.vcdm_version == "2.0"
    assert isinstance(credential.issuer, Profile)
    assert credential.issuer_id == credential.issuer.id


def test_datetimes_keep_their_text_and_expose_aware_values(basic: dict[str, Any]) -> None:
    basic["validFrom"] = "2024-01-01T00:00:00Z"
    basic["validUntil"] = "2030-01-01T05:00:00+05:00"
    credential = parse_credential(basic)
    assert credential.valid_from == "2024-01-01T00:00:00Z"
    assert credential.to_json()["validFrom"] == "2024-01-01T00:00:00Z"
    assert credential.valid_from_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert credential.valid_until_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_numbers_scalars_and_extensions_survive(full: dict[str, Any]) -> None:
    full["credentialSubject"]["creditsEarned"] = 3
    full["credentialSubject"]["achievement"]["creditsAvailable"] = 3.0
    full["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
    full["credentialSchema"] = full.get("credentialSchema", [{"id": "urn:x", "type": "T"}])[0]
    full["ext:provider"] = {"nested": [1, 1.5, True, None, {"deep": "x"}]}
    text = json.dumps(full)
    out = parse_credential(text).to_json()
    assert json.dumps(out) == text
    assert type(out["credentialSubject"]["creditsEarned"]) is int
    assert type(out["credentialSubject"]["achievement"]["creditsAvailable"]) is float
    assert isinstance(out["credentialSchema"], dict)


def test_to_json_is_a_copy(basic: dict[str, Any]) -> None:
    credential = parse_credential(basic)
    out = credential.to_json()
    out["credentialSubject"]["achievement"]["name"] = "changed"
    assert credential.to_json() == basic


def test_models_are_immutable(basic: dict[str, Any]) -> None:
    credential = parse_credential(basic)
    with pytest.raises(Exception, match="frozen"):
        credential.name = "changed"  # type: ignore[misc]


def test_endorsement_kind_is_chosen_by_type(reference: Path) -> None:
    document = _example(reference, "spec-source/endorsement.json")
    credential = parse_credential(document)
    assert isinstance(credential, EndorsementCredential)
    assert credential.credential_subject.endorsement_comment


def test_vcdm_1_1_credential_parses(reference: Path) -> None:
    credential = parse_credential(_example(reference, "validator-samples/simple_v1.json"))
    assert credential.vcdm_version == "1.1"
    assert credential.valid_from_at is not None


def test_from_json_on_a_nested_model(full: dict[str, Any]) -> None:
    raw = full["credentialSubject"]["achievement"]
    achievement = Achievement.from_json(json.dumps(raw))
    assert achievement.to_json() == raw


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("junk", [b"\xff", "not json", "[]", "1", b"null", [], 3])
def test_junk_raises_validation_error(junk: Any) -> None:
    code, errors = _codes(junk)
    assert code.startswith("data_model.")
    assert errors


def test_errors_use_json_names(basic: dict[str, Any]) -> None:
    basic["credentialSubject"]["achievement"]["criteria"] = "text"
    del basic["credentialSubject"]["achievement"]["name"]
    code, errors = _codes(basic)
    assert code == "data_model.invalid"
    locs = {e["loc"] for e in errors}
    assert "credentialSubject.achievement.criteria" in locs
    assert "credentialSubject.achievement.name" in locs


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("type",), ["VerifiableCredential"], "(root)"),
        (("type",), ["OpenBadgeCredential"], "(root)"),
        (("credentialSubject", "achievement", "achievementType"), "Nonsense", "achievementType"),
        (("credentialSubject", "achievement", "achievementType"), "ext:Nonsense", None),
        (("credentialSubject", "achievement", "creditsAvailable"), "3", "creditsAvailable"),
        (("@context",), ["https://example.com/ctx"], "(root)"),
        (("@context",), [], "@context"),
    ],
)
def test_field_rules(
    basic: dict[str, Any], path: tuple[str, ...], value: Any, loc: str | None
) -> None:
    target = basic
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    if loc is None:
        parse_credential(basic)
        return
    _, errors = _codes(basic)
    assert any(e["loc"].endswith(loc) for e in errors), errors


# --- domain rules ------------------------------------------------------------------------


def test_subject_needs_id_or_identifier(basic: dict[str, Any]) -> None:
    del basic["credentialSubject"]["id"]
    basic["credentialSubject"].pop("identifier", None)
    code, errors = _codes(basic)
    assert code == "data_model.missing_subject_id"
    assert errors[0]["loc"] == "credentialSubject"
    basic["credentialSubject"]["identifier"] = [IdentityObject.hashed_email("a@b.org").to_json()]
    parse_credential(basic)


def test_result_must_name_a_defined_result_description(full: dict[str, Any]) -> None:
    full["credentialSubject"]["result"][0]["resultDescription"] = "urn:uuid:not-defined"
    code, errors = _codes(full)
    assert code == "data_model.unknown_result_description"
    assert errors[0]["loc"] == "credentialSubject.result[0].resultDescription"


def test_achieved_level_must_be_a_defined_rubric_level(full: dict[str, Any]) -> None:
    full["credentialSubject"]["result"][1]["achievedLevel"] = "urn:uuid:no-such-level"
    code, errors = _codes(full)
    assert code == "data_model.unknown_achieved_level"
    assert errors[0]["loc"] == "credentialSubject.result[1].achievedLevel"


def test_status_result_needs_a_status(full: dict[str, Any]) -> None:
    descriptions = full["credentialSubject"]["achievement"]["resultDescription"]
    status_description = next(d for d in descriptions if d["resultType"] == "Status")
    result = full["credentialSubject"]["result"][2]
    result["resultDescription"] = status_description["id"]
    result["status"] = "Completed"
    parse_credential(copy.deepcopy(full))
    del result["status"]
    code, errors = _codes(full)
    assert code == "data_model.missing_result_status"
    assert errors[0]["loc"].endswith(".status")


def test_result_status_vocabulary(full: dict[str, Any]) -> None:
    full["credentialSubject"]["result"][2]["status"] = "Passed"
    _, errors = _codes(full)
    assert errors[0]["loc"] == "credentialSubject.result[2].status"


def test_valid_until_not_before_valid_from(basic: dict[str, Any]) -> None:
    basic["validFrom"] = "2024-01-02T00:00:00Z"
    basic["validUntil"] = "2024-01-01T00:00:00Z"
    code, errors = _codes(basic)
    assert code == "data_model.validity_reversed"
    assert errors[0]["loc"] == "validUntil"


def test_expiration_not_before_issuance_in_vcdm_1_1(reference: Path) -> None:
    document = _example(reference, "validator-samples/simple_v1.json")
    document["issuanceDate"] = "2024-01-02T00:00:00Z"
    document["expirationDate"] = "2023-01-01T00:00:00Z"
    code, errors = _codes(document)
    assert code == "data_model.validity_reversed"
    assert errors[0]["loc"] == "expirationDate"


@pytest.mark.parametrize("text", ["2024-01-01T00:00:00", "2024-01-01", "yesterday"])
def test_datetimes_need_a_timezone(basic: dict[str, Any], text: str) -> None:
    basic["validFrom"] = text
    code, errors = _codes(basic)
    assert code == "data_model.bad_datetime"
    assert errors[0]["loc"] == "validFrom"


def test_valid_from_is_required_in_vcdm_2(basic: dict[str, Any]) -> None:
    del basic["validFrom"]
    code, _ = _codes(basic)
    assert code == "data_model.missing_validFrom"


# --- hashed identities -------------------------------------------------------------------


def test_hashed_email_follows_the_spec() -> None:
    identity = IdentityObject.hashed_email("teacher@example.org", salt="s4lt")
    expected = hashlib.sha256(b"teacher@example.orgs4lt").hexdigest()
    assert identity.identity_hash == f"sha256${expected}"
    assert identity.to_json() == {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": f"sha256${expected}",
        "identityType": "emailAddress",
        "salt": "s4lt",
    }
    assert identity.matches("teacher@example.org")
    assert not identity.matches("other@example.org")


def test_default_salt_is_random() -> None:
    first = IdentityObject.hashed_email("t@example.org")
    second = IdentityObject.hashed_email("t@example.org")
    assert first.salt
    assert first.salt != second.salt
    assert first.matches("t@example.org")


def test_matches_md5_uppercase_and_plaintext() -> None:
    md5 = hashlib.md5(b"a@b.orgpepper", usedforsecurity=False).hexdigest().upper()
    identity = IdentityObject.model_validate(
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": f"md5${md5}",
            "identityType": "emailAddress",
            "salt": "pepper",
        }
    )
    assert identity.matches("a@b.org")
    plain = IdentityObject.model_validate(
        {
            "type": "IdentityObject",
            "hashed": False,
            "identityHash": "a@b.org",
            "identityType": "emailAddress",
        }
    )
    assert plain.matches("a@b.org")
    assert not plain.matches("A@b.org")
    unknown = copy.deepcopy(identity.to_json()) | {"identityHash": "sha1$abcd"}
    assert not IdentityObject.model_validate(unknown).matches("a@b.org")


def test_identities_in_the_spec_examples_match(full: dict[str, Any]) -> None:
    identifiers = parse_credential(full).credential_subject.identifiers  # type: ignore[union-attr]
    assert identifiers
    for identity in identifiers:
        assert identity.matches(identity.identity_hash) or identity.hashed


# --- status entries and hand-built models ------------------------------------------------


def test_status_entries_are_typed(reference: Path) -> None:
    from mcbadge.models import BitstringStatusListEntry, RevocationList1EdTech

    bitstring = parse_credential(
        _example(reference, "validator-samples/bit-string-list/credential-status-revoked.json")
    )
    (entry,) = bitstring.status_entries
    assert isinstance(entry, BitstringStatusListEntry)
    assert entry.status_purpose == "revocation"
    revocation = parse_credential(
        _example(reference, "validator-samples/credential-status-revoked.json")
    )
    assert all(isinstance(e, RevocationList1EdTech) for e in revocation.status_entries)


def test_bitstring_entry_needs_its_fields(basic: dict[str, Any]) -> None:
    basic["credentialStatus"] = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}
    _, errors = _codes(basic)
    assert errors[0]["loc"] == "credentialStatus"


def test_models_built_by_field_name_serialise_by_json_name() -> None:
    from mcbadge.models import Criteria, Image

    assert Criteria(narrative="Submit a unit plan.").to_json() == {
        "narrative": "Submit a unit plan."
    }
    assert Image(id="https://x.example/i.png", type="Image").to_json() == {
        "id": "https://x.example/i.png",
        "type": "Image",
    }
