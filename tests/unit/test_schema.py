"""mcbadge.schema: bundled 1EdTech schemas, never fetched, typed SchemaError."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from mcbadge import schema
from mcbadge.errors import SchemaError

PURL_CREDENTIAL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SRC_SCHEMAS = Path(__file__).resolve().parents[2] / "src" / "mcbadge" / "schemas"

VALID_V2 = [
    "spec-source/basicOpenBadgeCredential.json",
    "spec-source/fullOpenBadge.json",
    "spec-source/achievementAlignmentCase.json",
    "spec-source/skillAssertionCtdl.json",
    "spec-rendered/07-complete-openbadgecredential/credential.json",
    "spec-rendered/07-complete-openbadgecredential/signed-di.json",
    "spec-rendered/06-sample-openbadgecredential/jwt-payload.json",
    "validator-samples/simple.json",
    "validator-samples/complete.json",
]


def _load(reference: Path, relative: str) -> Any:
    return json.loads((reference / "examples" / "ob3" / relative).read_text("utf-8"))


@pytest.mark.parametrize("relative", VALID_V2)
def test_spec_examples_validate(reference: Path, relative: str) -> None:
    schema.validate(_load(reference, relative))
    schema.validate(_load(reference, relative), "achievementcredential")


def test_endorsement_examples_validate_by_auto_choice(reference: Path) -> None:
    document = _load(reference, "spec-source/endorsement.json")
    schema.validate(document)
    schema.validate(document, schema="endorsementcredential")


def test_missing_issuer_sample_fails_naming_the_field(reference: Path) -> None:
    with pytest.raises(SchemaError) as caught:
        schema.validate(_load(reference, "validator-samples/simple-err-issuer.json"))
    assert caught.value.code == "schema.invalid"
    assert any("'issuer' is a required property" in e["message"] for e in caught.value.errors)
    assert all(set(e) == {"loc", "message"} for e in caught.value.errors)


def test_wrong_subject_type_reports_json_location(reference: Path) -> None:
    sample = "validator-samples/simple-err-credential-subject-type.json"
    with pytest.raises(SchemaError) as caught:
        schema.validate(_load(reference, sample))
    assert [e["loc"] for e in caught.value.errors] == ["credentialSubject.type"]


def test_schema_for_url_maps_purl_urls_and_refuses_unknown() -> None:
    found = schema.schema_for_url(PURL_CREDENTIAL)
    assert found is not None
    assert found["$id"] == PURL_CREDENTIAL
    assert schema.schema_for_url("https://example.com/schema.json") is None
    assert schema.schema_for_url(None) is None


def test_validate_accepts_a_schema_dict_from_schema_for_url(reference: Path) -> None:
    found = schema.schema_for_url(PURL_CREDENTIAL)
    assert found is not None
    schema.validate(_load(reference, "validator-samples/simple.json"), found)
    with pytest.raises(SchemaError):
        schema.validate({"type": "nothing"}, found)


def test_unbundled_remote_ref_is_not_fetched() -> None:
    remote = {"$ref": "https://example.invalid/never-fetched.json"}
    with pytest.raises(SchemaError) as caught:
        schema.validate({}, remote)
    assert caught.value.code == "schema.unresolvable"


def test_unknown_schema_name_is_a_programmer_error() -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        schema.validate({}, "no-such-schema")


def test_bundled_schemas_are_byte_identical_to_reference(reference: Path) -> None:
    upstream = reference / "schemas" / "ob_v3p0"
    pairs = {
        "purl": upstream / "purl",
        "strict": upstream / "gh-pages",
        "clr": reference / "clr2",
    }
    checked = 0
    for folder, origin in pairs.items():
        for bundled in sorted((SRC_SCHEMAS / folder).glob("*.json")):
            original = origin / bundled.name
            assert (
                hashlib.sha256(bundled.read_bytes()).hexdigest()
                == hashlib.sha256(original.read_bytes()).hexdigest()
            ), bundled.name
            checked += 1
    assert checked == 13


def test_a_url_finds_the_very_schema_object_of_the_bundled_index() -> None:
    index = schema.bundled_schemas()
    assert len(index) == 13
    for schema_id, bundled in index.items():
        assert schema.schema_for_url(schema_id) is bundled


@pytest.mark.parametrize(
    "url",
    [
        # a bundled file's name under another URL is not that schema
        "https://evil.example/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/../strict/ob_v3p0_profile_schema.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/..",
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/",
        "ob_v3p0_profile_schema.json",
        "",
    ],
)
def test_an_unbundled_url_finds_no_schema(url: str) -> None:
    assert schema.schema_for_url(url) is None
