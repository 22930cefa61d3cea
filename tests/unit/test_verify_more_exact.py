"""More of the verifier's parts, exactly: document checks and the credential kind, verify_any's
policies, the folder walk's skips, recipient hashes, the Summary's rubric levels, the status
list verdict's end, vc+jwt claims, the did:web resolver and the VCDM member rules. Each test
pins what a surviving mutant changed (see docs/security.md, "Mutation testing")."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_verify_exact import (
    ED,
    NOW,
    OB,
    V1,
    V2,
    Host,
    credential,
    di,
    raw_jwt,
)

from mcbadge.did import build_did_web_document, did_for_key
from mcbadge.errors import FetchError, MCBadgeError, NetworkPolicyError
from mcbadge.proofs.vc_jose import envelope
from mcbadge.verify import (
    BundleResult,
    Check,
    NestedResult,
    Summary,
    VerificationPolicy,
    VerificationResult,
    _list_cache,
    _network,
    verify,
    verify_any,
)
from mcbadge.verify._facts import MAX_TEXT, _levels, _text, results
from mcbadge.verify._util import DateTimeError
from mcbadge.verify.checks_local import (
    _generic_problems,
    _hash_matches,
    is_generic_credential,
    recipient_match,
)
from mcbadge.verify.document import _kind, document_checks
from mcbadge.verify.files import _head, find_credential_files
from mcbadge.verify.result import CHECK_IDS
from mcbadge.verify.vcdm import member_problems

OFFLINE = VerificationPolicy(now=NOW, offline=True)
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


def _plain(**extra: Any) -> dict[str, Any]:
    """A plain W3C credential: no Open Badges, CLR or status list type."""
    doc: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
        "validFrom": "2024-01-01T00:00:00Z",
    }
    for name, value in extra.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


SCHEMA_SKIPPED = Check(
    "schema", "skipped", "schema.not_applicable", "the credential names no 1EdTech JSON Schema"
)
CONTEXT_OK = Check("context", "passed", "context.ok", "only bundled JSON-LD contexts are used")
VALID_NO_END = Check(
    "validity", "passed", "validity.ok", "valid now: from 2024-01-01T00:00:00Z, with no end date"
)


# ---------------------------------------------------------------- document.py


@pytest.mark.parametrize(
    ("types", "generic", "kind"),
    [
        (["VerifiableCredential", "ClrCredential"], False, "clr"),
        (["VerifiableCredential", "EndorsementCredential"], False, "endorsement"),
        (["VerifiableCredential", "EndorsementCredential"], True, "endorsement"),
        (["VerifiableCredential", "BitstringStatusListCredential"], False, "status_list"),
        (["VerifiableCredential", "StatusList2021Credential"], False, "status_list"),
        (["VerifiableCredential", "OpenBadgeCredential"], False, "credential"),
        (["VerifiableCredential", "OpenBadgeCredential"], True, "credential"),
        (["VerifiableCredential"], False, "credential"),
        (["VerifiableCredential"], True, "vc"),
        # a string type is one name, never searched as text
        ("XEndorsementCredential", False, "credential"),
        ("EndorsementCredential", False, "endorsement"),
        (None, False, "credential"),
    ],
)
def test_kind_names_each_kind(types: Any, generic: bool, kind: str) -> None:
    doc = {} if types is None else {"type": types}
    assert _kind(doc, generic) == kind


def test_kind_is_not_generic_unless_asked() -> None:
    assert _kind({"type": ["VerifiableCredential"]}) == "credential"


def test_document_checks_judge_a_plain_credential_by_open_badges_unless_generic() -> None:
    assert document_checks(_plain(), now=NOW) == (
        Check(
            "data_model",
            "failed",
            "data_model.invalid",
            "type must include OpenBadgeCredential, AchievementCredential or EndorsementCredential",
        ),
        SCHEMA_SKIPPED,
        Check(
            "context", "failed", "context.no_ob_context", "the Open Badges 3.0 context is missing"
        ),
        VALID_NO_END,
    )
    assert document_checks(_plain(), now=NOW, generic=True) == (
        Check(
            "data_model",
            "passed",
            "data_model.ok",
            "follows the W3C Verifiable Credentials 2.0 data model",
        ),
        SCHEMA_SKIPPED,
        CONTEXT_OK,
        VALID_NO_END,
    )


def test_document_checks_keep_a_jwt_code_as_the_jwt_check() -> None:
    # an envelope whose token's payload is no JSON object: a jwt.* code
    assert document_checks(envelope("e30.WzFd.AA"), now=NOW) == (
        Check("jwt", "failed", "jwt.malformed", "the JWT payload is not a JSON object"),
    )
    token = raw_jwt({"alg": "EdDSA", "typ": "vc+jwt"}, {"vc": {}})
    (check,) = document_checks(envelope(token), now=NOW)
    assert (check.id, check.status, check.code) == ("jwt", "failed", "jwt.vc_claim_forbidden")


def test_document_checks_give_other_codes_to_the_input_check() -> None:
    (check,) = document_checks(envelope("e30.e30.AA") | {"x": 1}, now=NOW)
    assert check == Check(
        "input",
        "failed",
        "input.envelope_malformed",
        "the EnvelopedVerifiableCredential is malformed: it carries members outside the "
        "signed token (x); only @context, type and id are allowed",
    )
    assert document_checks({"a": {1, 2}}, now=NOW) == (
        Check("input", "failed", "input.not_json_data", "the document is not plain JSON data"),
    )
    assert document_checks("{}", now=NOW) == (
        Check("input", "failed", "input.not_object", "the credential must be a JSON object"),
    )


def test_the_structure_only_data_model_check_names_every_problem() -> None:
    doc = credential(validFrom=None, type=["OpenBadgeCredential"])
    assert document_checks(doc, now=NOW, model_checked=True) == (
        Check(
            "data_model",
            "failed",
            "data_model.invalid",
            "type must include VerifiableCredential; validFrom is required",
        ),
        SCHEMA_SKIPPED,
        CONTEXT_OK,
        Check("validity", "failed", "validity.missing_start", "validFrom is missing"),
    )
    good = document_checks(credential(), now=NOW, model_checked=True)
    assert good[0] == Check(
        "data_model", "passed", "data_model.ok", "follows the Open Badges 3.0 data model"
    )


# ---------------------------------------------------------------- checks_local.py


def test_generic_data_model_problems_exactly() -> None:
    bad = {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": {"id": 5},
        "credentialSubject": [{}],
        "credentialStatus": {"type": "X", "id": "a b"},
        "evidence": [{"type": ["Evidence", 5]}],
        "relatedResource": [5, {"id": "no url"}],
    }
    data_model, _, _, validity = document_checks(bad, now=NOW, generic=True)
    assert data_model == Check(
        "data_model",
        "failed",
        "data_model.invalid",
        "issuer must be a URL or an object with an id; "
        "credentialSubject must be one or more non-empty objects; "
        "issuanceDate is required; "
        "a credentialStatus id must be a single URL; "
        "each evidence must have a type; "
        "each relatedResource must be an object; "
        "each relatedResource must have an id that is a URL; "
        "each relatedResource must have a digestSRI or a digestMultibase",
    )
    assert validity == Check(
        "validity", "failed", "validity.missing_start", "issuanceDate is missing"
    )


@pytest.mark.parametrize(
    ("issuer", "problems"),
    [
        ({"id": 5}, ["issuer must be a URL or an object with an id"]),
        ({"id": ""}, ["issuer must be a URL or an object with an id"]),
        ("", ["issuer must be a URL or an object with an id"]),
        ({"id": "did:example:1"}, []),
        ("did:example:1", []),
    ],
)
def test_generic_issuer_rule(issuer: Any, problems: list[str]) -> None:
    assert _generic_problems(_plain(issuer=issuer)) == problems


@pytest.mark.parametrize(
    ("types", "generic"),
    [
        ("OpenBadgeCredential", False),
        ("ClrCredential", False),
        (["VerifiableCredential", "AchievementCredential"], False),
        ("VerifiableCredential", True),
        (["VerifiableCredential", 5], True),
        (None, True),
    ],
)
def test_is_generic_credential(types: Any, generic: bool) -> None:
    doc = {} if types is None else {"type": types}
    assert is_generic_credential(doc) is generic


def _digest(name: str, text: str) -> str:
    return hashlib.new(name, text.encode(), usedforsecurity=False).hexdigest()


def test_hash_matches_only_sha256_and_md5() -> None:
    expected, salt = "a@example.edu", "pepper"
    assert _hash_matches(expected, "sha256$" + _digest("sha256", expected + salt), salt)
    assert _hash_matches(expected, "MD5$" + _digest("md5", expected + salt).upper(), salt)
    assert not _hash_matches(expected, "sha1$" + _digest("sha1", expected + salt), salt)
    assert not _hash_matches(expected, "sha256" + _digest("sha256", expected + salt), salt)
    assert not _hash_matches(expected, "sha256$" + _digest("sha256", expected), salt)


def _identity(value: Any, *, hashed: bool = False, kind: str = "emailAddress") -> dict[str, Any]:
    return {"type": "IdentityObject", "identityType": kind, "hashed": hashed, "identityHash": value}


def test_recipient_match_reads_email_addresses_by_default() -> None:
    subject = {"identifier": [_identity("a@example.edu")]}
    assert recipient_match(subject, "a@example.edu") == (
        "the emailAddress matches the expected recipient"
    )
    assert recipient_match({"identifier": [_identity("a", kind="name")]}, "a") is None
    assert recipient_match(subject, "b@example.edu") is None


def test_recipient_match_reads_past_an_identity_it_cannot_use() -> None:
    hashed = "sha256$" + _digest("sha256", "a@example.edu")
    subject = {
        "identifier": [
            "not an object",
            _identity("a@example.edu", kind="name"),
            _identity(5),
            _identity(hashed, hashed=True),
        ]
    }
    assert recipient_match(subject, "a@example.edu") == (
        "a hashed emailAddress matches the expected recipient"
    )
    assert recipient_match({"id": "did:x", **subject}, "did:x") == (
        "the subject id matches the expected recipient"
    )


# ---------------------------------------------------------------- _facts.py


def test_text_is_cut_only_beyond_the_limit() -> None:
    assert _text("x" * MAX_TEXT) == "x" * MAX_TEXT
    assert _text("x" * (MAX_TEXT + 1)) == "x" * MAX_TEXT + " [...cut]"
    assert _text(5) is None


RUBRIC = {
    "resultDescription": [
        {
            "id": "urn:d1",
            "rubricCriterionLevel": [
                {"id": "urn:l1", "name": "Gold"},
                {"id": 5, "name": "Numbered"},
                {"id": "urn:l2", "name": 7},
            ],
        },
        {"id": "urn:d2", "rubricCriterionLevel": [{"id": "urn:l1", "name": "Silver"}]},
    ]
}


def test_levels_by_description_and_by_id() -> None:
    assert _levels(RUBRIC) == (
        {("urn:d1", "urn:l1"): "Gold", ("urn:d2", "urn:l1"): "Silver"},
        {"urn:l1": "Gold"},
    )
    assert _levels("not an achievement") == ({}, {})


def test_a_result_reads_its_level_in_its_own_description_first() -> None:
    subject = {
        "result": [
            {"resultDescription": "urn:d2", "achievedLevel": "urn:l1", "status": "Completed"},
            {"resultDescription": "urn:d9", "achievedLevel": "urn:l1"},
            {"achievedLevel": "urn:l2"},
        ]
    }
    assert results(subject, RUBRIC) == (
        ("Silver", "Gold", "urn:l2 (a level the achievement does not describe)"),
        ("Completed",),
    )


# ---------------------------------------------------------------- _list_cache.py


@pytest.mark.parametrize(
    ("list_credential", "message"),
    [
        ({"validUntil": 5}, "validUntil is not a date-time string"),
        ({"expirationDate": "x"}, "expirationDate ('x') is not an RFC 3339 date-time"),
        ({"proof": {"expires": "bad"}}, "expires ('bad') is not an RFC 3339 date-time"),
        ({"proof": [{"expires": 7}]}, "expires is not a date-time string"),
    ],
)
def test_holds_until_names_the_date_it_cannot_read(
    list_credential: dict[str, Any], message: str
) -> None:
    with pytest.raises(DateTimeError) as info:
        _list_cache._holds_until(list_credential, None, timedelta(0))
    assert str(info.value) == message


def test_holds_until_is_the_earliest_end_plus_the_skew() -> None:
    skew = timedelta(minutes=5)
    listed = {
        "validUntil": "2030-01-01T00:00:00Z",
        "expirationDate": "2029-01-01T00:00:00Z",
        "proof": [{"expires": "2028-01-01T00:00:00Z"}, "not a proof"],
    }
    assert _list_cache._holds_until(listed, None, skew) == datetime(2028, 1, 1, 0, 5, tzinfo=UTC)
    exp = datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    assert _list_cache._holds_until(listed, {"exp": exp}, skew) == datetime(
        2027, 1, 1, 0, 5, tzinfo=UTC
    )
    assert _list_cache._holds_until({}, {"iat": 5}, skew) is None
    with pytest.raises(TypeError, match=r"^exp is not a NumericDate$"):
        _list_cache._holds_until({}, {"exp": True}, skew)


class _FrozenClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return NOW


def test_fresh_seconds_of_a_list_without_ttl_is_what_http_freshness_has_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_list_cache, "datetime", _FrozenClock)

    def fresh(expires_at: datetime) -> float | None:
        return _list_cache._fresh_seconds(_network.Fetched("u", {}, expires_at=expires_at), {})

    assert fresh(NOW + timedelta(seconds=0.5)) == 0.5
    assert fresh(NOW + timedelta(days=2)) == 24 * 3600.0
    assert fresh(NOW) is None
    assert fresh(NOW - timedelta(seconds=1)) is None


# ---------------------------------------------------------------- checks_proof.py (vc+jwt)


def _vc_jwt(**claims: Any) -> str:
    header = {"alg": ED.alg, "typ": "vc+jwt", "kid": f"{did_for_key(ED)}#{ED.public_multibase()}"}
    return raw_jwt(header, credential() | claims)


def test_a_vc_jwt_without_iss_passes_its_claims_naming_the_kid() -> None:
    result = verify(_vc_jwt(), OFFLINE)
    assert result.verified, result.failed_checks
    assert result.check("jwt_claims") == Check(
        "jwt_claims",
        "passed",
        "jwt_claims.ok",
        "no iss claim (optional in a vc+jwt); the kid names the key",
    )
    with_iss = verify(_vc_jwt(iss=did_for_key(ED)), OFFLINE)
    assert with_iss.check("jwt_claims") == Check(
        "jwt_claims", "passed", "jwt_claims.ok", "JWT claims agree with the credential"
    )


# ---------------------------------------------------------------- _network.py

DID_JSON = "https://example.edu/.well-known/did.json"


def test_fetch_json_refuses_offline_and_empty_answers() -> None:
    host = Host({"https://x.example/a": {"a": 1}})
    assert _network.fetch_json(host, "https://x.example/a", offline=False) == {"a": 1}
    with pytest.raises(NetworkPolicyError) as offline:
        _network.fetch_json(host, "https://x.example/a", offline=True)
    assert (offline.value.code, offline.value.message) == (
        "network_policy.offline",
        "offline mode: https://x.example/a was not fetched",
    )

    class Nothing:
        def get(self, url: str) -> Any:
            return None

    with pytest.raises(FetchError) as empty:
        _network.fetch_json(Nothing(), "https://x.example/a", offline=False)
    assert (empty.value.code, empty.value.message) == (
        "status_retrieval.failed",
        "no content from https://x.example/a",
    )


def test_the_web_resolver_fetches_did_web_keys() -> None:
    document = build_did_web_document("example.edu", [ED])
    resolver = _network.make_resolver(VerificationPolicy(), Host({DID_JSON: document}))
    vm_id = document["assertionMethod"][0]
    method = resolver.resolve_verification_method(vm_id)
    assert (method.id, method.controller) == (vm_id, "did:web:example.edu")
    assert method.key.public_multibase() == ED.public_multibase()
    # the DID is what comes before the first '#'
    assert resolver.resolve("did:web:example.edu#a#b") == document
    with pytest.raises(MCBadgeError) as info:
        resolver.resolve_verification_method(f"{vm_id}#x")
    assert info.value.code == "key_resolution.vm_not_found"
    assert resolver.fetch_failures == []


# ---------------------------------------------------------------- vcdm.py


@pytest.mark.parametrize(
    ("member", "value", "problems"),
    [
        ("evidence", [{"type": ["Evidence", ""]}], ["each evidence must have a type"]),
        ("evidence", [{"type": ""}], ["each evidence must have a type"]),
        ("evidence", [{"type": []}], ["each evidence must have a type"]),
        ("evidence", [{"type": "Evidence"}, {"type": ["Evidence"]}], []),
        ("credentialStatus", {"type": "X", "id": "urn:x:1"}, []),
        (
            "credentialStatus",
            {"type": "X", "id": ["urn:x:1"]},
            ["a credentialStatus id must be a single URL"],
        ),
        (
            "relatedResource",
            [
                {"id": "https://x.example/a", "digestSRI": "sha384-x"},
                {"id": "https://x.example/a", "digestMultibase": "ux"},
            ],
            ["relatedResource https://x.example/a is listed twice"],
        ),
        (
            "relatedResource",
            [{"id": 5, "digestSRI": "x"}],
            ["each relatedResource must have an id that is a URL"],
        ),
    ],
)
def test_member_rules(member: str, value: Any, problems: list[str]) -> None:
    assert member_problems({member: value}) == problems


# ---------------------------------------------------------------- files.py


def test_head_reads_one_byte_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(10)))
    assert _head(path, 4) == bytes(range(5))
    assert _head(path, 9) == bytes(range(10))
    assert _head(path, 20) == bytes(range(10))


def test_folder_skips_name_their_reason(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("x")
    (tmp_path / "noise.png").write_bytes(b"hello, not an image")
    (tmp_path / "plain.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    found = {item.path.name: item.skipped for item in find_credential_files([tmp_path])}
    assert found == {
        "README": "not a credential file: the name ends in no suffix",
        "noise.png": "not a credential: an image with no credential baked in",
        "plain.svg": "not a credential: an image with no credential baked in",
    }


# ---------------------------------------------------------------- detect.py


def test_verify_any_verifies_a_credential_under_the_policy_given() -> None:
    policy = VerificationPolicy(now=NOW, offline=True, expected_recipient="nobody@example.edu")
    result = verify_any(di(credential()), policy)
    assert isinstance(result, VerificationResult)
    assert result.check("recipient").code == "recipient.mismatch"


def _record() -> Any:
    return di(
        {
            "@context": [V2, CLR_CONTEXT, OB],
            "id": "urn:uuid:c0000000-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": credential()["issuer"],
            "name": "Record",
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:example:teacher1",
                "type": ["ClrSubject"],
                "verifiableCredential": [di(credential())],
            },
        }
    )


def test_verify_any_verifies_a_learner_record_under_the_bundle_policy_or_the_policy() -> None:
    record = _record()
    strict = VerificationPolicy(now=NOW, offline=True, expected_recipient="nobody@example.edu")
    under_policy = verify_any(record, strict)
    assert isinstance(under_policy, BundleResult)
    assert under_policy.kind == "clr"
    assert under_policy.outer.check("recipient").code == "recipient.mismatch"
    assert under_policy.failed_locations == ["", under_policy.nested[0].location]
    under_bundle = verify_any(record, strict, bundle_policy=OFFLINE)
    assert isinstance(under_bundle, BundleResult)
    assert under_bundle.verified
    assert under_bundle.outer.check("recipient").code == "recipient.not_applicable"


# ---------------------------------------------------------------- result.py


def test_bundle_json_is_one_compact_line_with_its_own_characters() -> None:
    checks = tuple(Check(cid, "passed", f"{cid}.ok", "fine") for cid in CHECK_IDS)
    outer = VerificationResult(checks, Summary(issuer_name="Académie"))
    bundle = BundleResult("clr", outer, (NestedResult("/é", outer),))
    text = bundle.to_json()
    assert text.startswith('{"kind":"clr","verified":true,')
    assert '"issuer_name":"Académie"' in text
    assert '"location":"/é"' in text
    assert json.loads(text) == bundle.to_dict()
    assert outer.to_json().startswith('{"verified":true,"indeterminate":false,"failed_checks":[]')
