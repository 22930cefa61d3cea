"""Behaviour of the verifier's local checks (data model, JSON Schema, contexts, validity) that
the 2026-12-05 mutation round of verify/ found untested: the survivors of
verify/checks_local.py that changed what a user sees while no test failed. Several of them
made the verifier say "verified" for a credential that fails the JSON Schema it names (they
are marked FAIL-OPEN below). Each test pins one rule, and the mutants it kills are named in
its docstring (numbers are those of the round's scratch copy, made by mutmut at 8d0e924).
The module's other survivors are equivalent, unreachable or only change what is cached."""

from __future__ import annotations

from typing import Any

from test_verify_exact import NOW, OB, V1, V2, credential, di, status_list

from mcbadge.models.builders import EXTENSIONS_CONTEXT
from mcbadge.verify import Check, VerificationPolicy, verify
from mcbadge.verify.document import document_checks

OFFLINE = VerificationPolicy(now=NOW, offline=True)
GENERIC = VerificationPolicy(now=NOW, offline=True, generic_credentials=True)
SCHEMAS = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_SCHEMA = SCHEMAS + "ob_v3p0_achievementcredential_schema.json"
PROFILE_SCHEMA = SCHEMAS + "ob_v3p0_profile_schema.json"
UNKNOWN_SCHEMA = "https://schemas.example.edu/badge.json"
NOT_VALID_UNDER = "is not valid under any of the given schemas"


def _naming(*schema_urls: str) -> dict[str, Any]:
    """An Open Badges credential naming these 1EdTech JSON Schemas (the extensions context
    defines the ``1EdTechJsonSchemaValidator2019`` type, so a proof covers the entries)."""
    doc = credential(
        credentialSchema=[
            {"id": url, "type": "1EdTechJsonSchemaValidator2019"} for url in schema_urls
        ]
    )
    doc["@context"] = [V2, OB, EXTENSIONS_CONTEXT]
    return doc


def _plain(**members: Any) -> dict[str, Any]:
    """A plain W3C credential (no Open Badges, CLR or status list type), VCDM 2.0, with no
    validFrom (VCDM 2.0 makes it optional)."""
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        **members,
    }


def _nested_null(levels: int) -> list[Any]:
    """``[[...[None]...]]``: a null inside the list ``levels`` containers below the
    credential (the credential itself is level 0)."""
    value: list[Any] = [None]
    for _ in range(levels - 1):
        value = [value]
    return value


# ---------------------------------------------------------------- schema (JSON Schema)


def test_a_credential_failing_the_schema_it_names_is_not_verified_after_an_unknown_one() -> None:
    """FAIL-OPEN guard. A credential whose credentialSchema names a schema mcbadge does not
    bundle and then a bundled one is still checked against the bundled one: failing it fails
    `schema` (status "failed", so the credential is not verified), and the report names each
    place that fails. An unknown schema never ends the look at the others.
    Kills check_schema 33 (continue -> break: the bundled schema was never checked), 49, 58
    and 59 (the failure's status None / "XXfailedXX" / "FAILED": the credential read as
    verified), and 38, 41-46, 51, 66 (the message lost its "where: what")."""
    doc = _naming(UNKNOWN_SCHEMA, ACHIEVEMENT_SCHEMA)
    doc["credentialSubject"]["achievement"]["inLanguage"] = "english!!"
    result = verify(di(doc), OFFLINE)
    assert result.verified is False
    assert result.failed_checks == ["schema"]
    assert result.check("schema") == Check(
        "schema",
        "failed",
        "schema.invalid",
        f"credentialSubject.achievement.inLanguage: 'english!!' {NOT_VALID_UNDER}",
    )


def test_a_credential_is_checked_against_the_schema_it_names_not_its_type_s() -> None:
    """FAIL-OPEN guard. The JSON Schema a credential names is the one it is checked against:
    an Open Badges credential that names the Profile schema fails `schema` (it is no
    Profile) and is not verified, though it would pass the AchievementCredential schema its
    type suggests. Kills check_schema 35 and 37 (the named schema dropped, so the schema was
    chosen by the credential's type and the credential read as verified)."""
    result = verify(di(_naming(PROFILE_SCHEMA)), OFFLINE)
    assert result.verified is False
    assert result.failed_checks == ["schema"]
    assert result.check("schema") == Check(
        "schema",
        "failed",
        "schema.invalid",
        f"type: ['VerifiableCredential', 'OpenBadgeCredential'] {NOT_VALID_UNDER}",
    )
    assert verify(di(_naming(ACHIEVEMENT_SCHEMA)), OFFLINE).verified is True


def test_a_schema_failure_lists_its_first_three_places_in_path_order() -> None:
    """A credential that fails its JSON Schema in five places: the report lists the first
    three, in path order, each as "where: what", separated by "; ".
    Kills check_schema 40 (the "; " separator) and 47 (four places listed)."""
    doc = _naming(ACHIEVEMENT_SCHEMA)
    achievement = doc["credentialSubject"]["achievement"]
    achievement.update(achievementType="Nope", humanCode=7, inLanguage="english!!", version=5)
    doc["description"] = 5
    check = verify(doc, OFFLINE).check("schema")
    assert check == Check(
        "schema",
        "failed",
        "schema.invalid",
        f"credentialSubject.achievement.achievementType: 'Nope' {NOT_VALID_UNDER}; "
        f"credentialSubject.achievement.humanCode: 7 {NOT_VALID_UNDER}; "
        f"credentialSubject.achievement.inLanguage: 'english!!' {NOT_VALID_UNDER}",
    )


def test_every_schema_that_is_not_bundled_is_named_in_the_warning() -> None:
    """Schemas mcbadge does not bundle are never fetched: `schema` warns, naming each of
    them, separated by ", ". Kills check_schema 78 (the ", " separator)."""
    other = "https://schemas.example.org/other.json"
    check = verify(di(_naming(UNKNOWN_SCHEMA, other)), OFFLINE).check("schema")
    assert check == Check(
        "schema",
        "warning",
        "schema.unknown_url",
        f"schema not bundled, not checked: {UNKNOWN_SCHEMA}, {other}",
    )


# ---------------------------------------------------------------- context


def test_an_unbundled_context_of_an_unsigned_credential_is_named_in_the_context_check() -> None:
    """A credential (here with no proof, so the proof checks do not restate it) whose
    @context lists a context mcbadge does not bundle fails `context` (`context.not_allowed`),
    naming that context and saying contexts are never fetched.
    Kills check_context 19 (the message lost: None)."""
    evil = "https://evil.example/ctx.json"
    doc = credential()
    doc["@context"] = [V2, OB, evil]
    assert verify(doc, OFFLINE).check("context") == Check(
        "context",
        "failed",
        "context.not_allowed",
        f"JSON-LD context {evil!r} is not bundled; contexts are never fetched",
    )


# ---------------------------------------------------------------- data model


def test_a_status_list_credential_s_structure_is_reported_as_the_data_model_check() -> None:
    """The document checks of a status list credential (what the issuer's signing gate runs)
    report its structure under the `data_model` id, passed, `data_model.ok`.
    Kills check_data_model 19, 23 and 24 (the check's id None / "XXdata_modelXX" /
    "DATA_MODEL")."""
    checks = document_checks(status_list(signed="no"), now=NOW)
    assert checks[0] == Check(
        "data_model", "passed", "data_model.ok", "status list credential structure is valid"
    )


def test_a_plain_vcdm_1_1_credential_follows_the_1_1_data_model() -> None:
    """With generic credentials accepted, a plain W3C credential whose first context is the
    VCDM 1.1 one passes `data_model` saying it follows the 1.1 data model (not 2.0).
    Kills check_data_model 31 (always "2.0") and 33 ("XX1.1XX")."""
    doc = {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    assert verify(doc, GENERIC).check("data_model") == Check(
        "data_model",
        "passed",
        "data_model.ok",
        "follows the W3C Verifiable Credentials 1.1 data model",
    )


def test_a_data_model_failure_lists_its_first_five_problems() -> None:
    """An Open Badges credential that breaks the typed data model in seven places fails
    `data_model` listing the first five, each as "where: what", separated by "; ".
    Kills check_data_model 56 (six places listed)."""
    doc = credential(name=4, description=5)
    achievement = doc["credentialSubject"]["achievement"]
    achievement.update(name=6, description=7, achievementType="Nope", humanCode=8, version=9)
    check = verify(doc, OFFLINE).check("data_model")
    assert check == Check(
        "data_model",
        "failed",
        "data_model.invalid",
        "name: Input should be a valid string; "
        "description: Input should be a valid string; "
        "credentialSubject.achievement.name: Input should be a valid string; "
        "credentialSubject.achievement.description: Input should be a valid string; "
        "credentialSubject.achievement.achievementType: "
        "'Nope' is not a AchievementType (nor an ext: extension term)",
    )


def test_the_signing_gate_names_a_null_member_as_deep_as_the_scan_reads() -> None:
    """A builder-checked credential (the issuer's signing gate: no JSON re-read, so no
    64-level input limit) with a null member 80 levels down fails `data_model`, naming where
    the null is: every null the document scan finds is reported, so none is signed.
    Kills _first_empty 2 (depth >= 80) and 30 (the walk starts at depth 1): the path finder
    stopped a level short of the scan, the null went unreported and data_model passed."""
    doc = credential(deep=_nested_null(80))
    checks = document_checks(doc, now=NOW, model_checked=True)
    assert checks[0] == Check(
        "data_model",
        "failed",
        "data_model.invalid",
        f"deep{'.0' * 80} is null or an empty list; such members must be omitted",
    )


def test_the_signing_gate_names_the_first_null_member_the_scan_reads() -> None:
    """The null member named is the first, in document order, within the 80 levels the
    document scan reads: one deeper than that, even earlier in the document, is not the one
    named. Kills _first_empty 3 (depth > 81) and 23 (depth - 1: no depth bound), which
    named the deeper null."""
    doc = {"deep": _nested_null(81), **credential(), "description": None}
    checks = document_checks(doc, now=NOW, model_checked=True)
    assert checks[0] == Check(
        "data_model",
        "failed",
        "data_model.invalid",
        "description is null or an empty list; such members must be omitted",
    )


# ---------------------------------------------------------------- validity


def test_a_plain_credential_without_a_start_date_expires_at_its_end_date() -> None:
    """A plain VCDM 2.0 credential with no validFrom whose validUntil has passed fails
    `validity` (`validity.expired`) saying when, as the credential wrote it, and which term.
    Kills check_validity 64 (message None), 72 (the parsed instant shown) and 73 (the date
    shown twice, no term)."""
    doc = _plain(validUntil="2025-01-01T00:00:00Z")
    assert verify(doc, GENERIC).check("validity") == Check(
        "validity", "failed", "validity.expired", "expired at 2025-01-01T00:00:00Z (validUntil)"
    )


def test_a_plain_credential_without_a_start_date_is_valid_until_its_end_date() -> None:
    """A plain VCDM 2.0 credential with no validFrom and a validUntil still ahead passes
    `validity`, saying it has no start date and until when, as the credential wrote it.
    Kills check_validity 75 (message None), 81 and 82 (the words changed), 83 (the end
    dropped) and 85 (the parsed instant shown)."""
    doc = _plain(validUntil="2030-01-01T00:00:00Z")
    assert verify(doc, GENERIC).check("validity") == Check(
        "validity", "passed", "validity.ok", "valid now: no start date, until 2030-01-01T00:00:00Z"
    )


def test_a_plain_credential_without_any_date_is_valid_now() -> None:
    """A plain VCDM 2.0 credential with neither validFrom nor validUntil passes `validity`
    saying only that it has no start date. Kills check_validity 86 ("XXXX" appended)."""
    assert verify(_plain(), GENERIC).check("validity") == Check(
        "validity", "passed", "validity.ok", "valid now: no start date"
    )


def test_a_credential_valid_for_one_instant_is_not_inverted() -> None:
    """A credential whose validUntil equals its validFrom is a (short) window, not an
    inverted one: once that instant has passed it is `validity.expired`.
    Kills check_validity 90 (end <= start read as inverted)."""
    doc = di(credential(validFrom="2024-06-01T00:00:00Z", validUntil="2024-06-01T00:00:00Z"))
    result = verify(doc, OFFLINE)
    assert result.failed_checks == ["validity"]
    assert result.check("validity") == Check(
        "validity", "failed", "validity.expired", "expired at 2024-06-01T00:00:00Z (validUntil)"
    )
