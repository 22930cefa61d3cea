"""The proof layer's exact behaviour: every refusal's code and message, the skew edges, what
signing writes, and the shared helpers. Each test pins what a surviving mutant changed (see
docs/security.md, "Mutation testing")."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from mcbadge.did import OfflineResolver, VerificationMethod, did_for_key, did_jwk
from mcbadge.errors import KeyMaterialError, MCBadgeError
from mcbadge.keys import Key, generate_key
from mcbadge.multibase import b64url_decode, b64url_encode
from mcbadge.proofs import (
    FORMATS,
    Issue,
    ProofOutcome,
    ProofResult,
    SignedCredential,
    _common,
    di,
    sign,
    verify_proof,
)
from mcbadge.proofs import jwt as jwtmod
from mcbadge.proofs.ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from mcbadge.proofs.ed25519_2020 import ED25519_2020
from mcbadge.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022

ED = generate_key("ed25519")
P256 = generate_key("p256")
RSA = generate_key("rsa")
OTHER_ED = generate_key("ed25519")
V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def credential(issuer: str, *, v1: bool = False, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V1 if v1 else V2, OB],
        "id": "urn:uuid:2d5e4b0a-4bd5-4a43-8d0a-3b1b1b4b1b1b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Teacher Academy"},
        "name": "CS Pedagogy I",
        "credentialSubject": {
            "id": "did:example:teacher1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/cs1",
                "type": ["Achievement"],
                "name": "CS Pedagogy I",
                "description": "Teaching introductory programming.",
                "criteria": {"narrative": "Completed the course."},
            },
        },
    }
    doc["issuanceDate" if v1 else "validFrom"] = "2024-01-01T00:00:00Z"
    doc.update(extra)
    return doc


def issues(result: ProofResult) -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in result.all_errors]


def signed_di(fmt: str = "eddsa-rdfc-2022", key: Key = ED, **kw: Any) -> dict[str, Any]:
    kw.setdefault("created", NOW - timedelta(days=1))
    return sign(credential(did_for_key(key)), key, format=fmt, **kw).document  # type: ignore[arg-type]


def di_issues(doc: Any, **kw: Any) -> list[tuple[str, str]]:
    kw.setdefault("now", NOW)
    return issues(verify_proof(doc, OfflineResolver(), **kw))


# ---------------------------------------------------------------- _common


def test_clock_skew_is_five_minutes() -> None:
    assert timedelta(minutes=5) == _common.CLOCK_SKEW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05+02:00", datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.25-01:30", datetime(2024, 1, 2, 4, 34, 5, 250000, tzinfo=UTC)),
    ],
)
def test_parse_datetime_gives_aware_utc(text: str, expected: datetime) -> None:
    parsed = _common.parse_datetime(text, code="x.y")
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


def test_parse_datetime_keeps_an_instant_with_no_utc_spelling() -> None:
    parsed = _common.parse_datetime("0001-01-01T00:00:00+01:00", code="x.y")
    assert parsed.utcoffset() == timedelta(hours=1)
    assert (parsed.year, parsed.month, parsed.day) == (1, 1, 1)


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-02T03:04:05",  # no zone
        "2024-01-02 03:04:05Z",
        "x2024-01-02T03:04:05Z",
        "2024-01-02T03:04:05Zx",
        "2024-01-02T03:04:05+0200",
        "24-01-02T03:04:05Z",
        "2024-01-02T03:04Z",
        "2024-01-02T03:04:05.Z",
        5,
        None,
    ],
)
def test_parse_datetime_refuses_what_is_not_xsd_datetime_with_zone(value: Any) -> None:
    with pytest.raises(MCBadgeError) as info:
        _common.parse_datetime(value, code="proof_time.bad_created")
    assert info.value.code == "proof_time.bad_created"
    assert info.value.message == f"{value!r} is not an xsd:dateTime with a time zone"


@pytest.mark.parametrize("value", ["2024-13-02T03:04:05Z", "10000-01-02T03:04:05Z"])
def test_parse_datetime_refuses_an_impossible_date(value: str) -> None:
    with pytest.raises(MCBadgeError) as info:
        _common.parse_datetime(value, code="a.b")
    assert info.value.code == "a.b"
    assert info.value.message == f"{value!r} is not a valid date and time"


def test_format_datetime() -> None:
    assert _common.format_datetime(datetime(2024, 1, 2, 3, 4, 5, 999999)) == "2024-01-02T03:04:05Z"
    plus2 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert _common.format_datetime(plus2) == "2024-01-02T01:04:05Z"


def test_issue_check_id_is_the_first_segment() -> None:
    assert Issue("a.b.c", "m").check_id == "a"
    assert Issue("plain", "m").check_id == "plain"


def test_proof_result_lists_errors_then_proof_errors() -> None:
    first, second, third = Issue("a.x", "1"), Issue("b.y", "2"), Issue("c.z", "3")
    warn1, warn2 = Issue("w.1", "w"), Issue("w.2", "w")
    result = ProofResult(
        False,
        None,
        [ProofOutcome(0, None, errors=[second, third], warnings=[warn2])],
        errors=[first],
        warnings=[warn1],
    )
    assert result.all_errors == [first, second, third]
    assert result.all_warnings == [warn1, warn2]
    assert result.code == "a.x"
    assert result.codes == ["a.x", "b.y", "c.z"]
    assert result.proof_set_policy == "all"
    assert result.document is None
    ok = ProofResult(True, "jwt")
    assert ok.code is None
    assert ok.codes == []
    outcome = ProofOutcome(3, "T")
    assert (outcome.cryptosuite, outcome.verification_method, outcome.controller) == (
        None,
        None,
        None,
    )
    assert outcome.verified is False


def test_issuer_id_forms() -> None:
    assert _common.issuer_id({"issuer": "did:x:1"}) == "did:x:1"
    assert _common.issuer_id({"issuer": {"id": "did:x:2"}}) == "did:x:2"
    assert _common.issuer_id({"issuer": {"id": 5}}) is None
    assert _common.issuer_id({"issuer": {"name": "n"}}) is None
    assert _common.issuer_id({"issuer": 5}) is None
    assert _common.issuer_id({}) is None


def vm(
    vm_id: str = "did:x:1#k", controller: str = "did:x:1", rel: frozenset[str] | None = None
) -> VerificationMethod:
    return VerificationMethod(
        vm_id, controller, "Multikey", ED, frozenset({"assertionMethod"}) if rel is None else rel
    )


def test_check_key_binding_accepts_the_issuers_assertion_key() -> None:
    _common.check_key_binding("did:x:1", vm())


@pytest.mark.parametrize(
    ("issuer", "method", "code", "message"),
    [
        (None, vm(), "key_binding.no_issuer", "the credential names no issuer id"),
        (
            "did:x:2",
            vm(),
            "key_binding.not_issuer_key",
            "the signing key does not belong to the credential's issuer",
        ),
        (
            "did:x:1",
            vm(controller="did:x:2"),
            "key_binding.not_issuer_key",
            "the signing key does not belong to the credential's issuer",
        ),
        (
            "did:x:1",
            vm(rel=frozenset({"authentication"})),
            "key_binding.not_assertion_method",
            "the issuer has not authorized that key to issue credentials (assertionMethod)",
        ),
    ],
)
def test_check_key_binding_refusals(
    issuer: str | None, method: VerificationMethod, code: str, message: str
) -> None:
    with pytest.raises(MCBadgeError) as info:
        _common.check_key_binding(issuer, method)
    assert (info.value.code, info.value.message) == (code, message)


def test_copy_json_is_deep_and_equal() -> None:
    value = {"a": [1, {"b": [2.5, None, True]}, "s"], "c": {"d": {}}, "t": (1, [2])}
    copied = _common.copy_json(value)
    assert copied == value
    assert copied["a"] is not value["a"]
    assert copied["a"][1] is not value["a"][1]
    assert copied["a"][1]["b"] is not value["a"][1]["b"]
    assert copied["c"]["d"] is not value["c"]["d"]
    assert copied["t"][1] is not value["t"][1]
    assert _common.copy_json("x") == "x"
    assert _common.copy_json([[1]])[0] is not None


# ---------------------------------------------------------------- di: members, config, hash


@pytest.mark.parametrize(
    ("member", "value", "code", "wanted"),
    [
        ("type", "", "proof.bad_type", "a non-empty string"),
        ("cryptosuite", 1, "cryptosuite.bad_cryptosuite", "a non-empty string"),
        ("proofPurpose", None, "proof_purpose.bad_proof_purpose", "a non-empty string"),
        ("verificationMethod", [], "proof.bad_verification_method", "a non-empty string"),
        ("created", 5, "proof_time.bad_created", "a date-time string"),
        ("expires", {}, "proof_time.bad_expires", "a date-time string"),
        ("proofValue", False, "proof.bad_proof_value", "a non-empty string"),
        ("id", "", "proof.bad_id", "a non-empty string"),
        ("challenge", 3, "proof.bad_challenge", "a non-empty string"),
        ("nonce", [], "proof.bad_nonce", "a non-empty string"),
        ("domain", [], "proof.bad_domain", "a string or an array of strings"),
        ("domain", ["a", ""], "proof.bad_domain", "a string or an array of strings"),
        ("previousProof", 7, "proof.bad_previous_proof", "a string or an array of strings"),
        ("@context", [], "proof.bad_context", "a context URL, object or array of them"),
        ("@context", [V2, 5], "proof.bad_context", "a context URL, object or array of them"),
        ("@context", 5, "proof.bad_context", "a context URL, object or array of them"),
    ],
)
def test_proof_member_of_the_wrong_type(member: str, value: Any, code: str, wanted: str) -> None:
    issue = di.proof_member_issue({member: value})
    assert issue == Issue(code, f"the proof's {member} is not {wanted}")


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("domain", "example.org"),
        ("domain", ["a", "b"]),
        ("previousProof", ["urn:1"]),
        ("@context", {"@vocab": "urn:x"}),
        ("@context", [V2, {"@vocab": "urn:x"}]),
        ("@context", V2),
    ],
)
def test_proof_member_of_an_accepted_type(member: str, value: Any) -> None:
    assert di.proof_member_issue({member: value}) is None


def test_proof_member_issue_reports_the_first_in_table_order() -> None:
    issue = di.proof_member_issue({"nonce": 1, "type": 1})
    assert issue is not None
    assert issue.code == "proof.bad_type"


def test_proof_config_takes_the_documents_context_and_drops_the_value() -> None:
    doc = {"@context": [V2, {"x": "urn:x"}], "id": "urn:1"}
    options = {"type": "T", "proofValue": "z1", "@context": "urn:other", "created": "c"}
    config = di.proof_config(doc, options)
    assert config == {"type": "T", "created": "c", "@context": [V2, {"x": "urn:x"}]}
    assert config["@context"] is not doc["@context"]
    assert config["@context"][1] is not doc["@context"][1]


def test_hash_data_is_two_sha256_over_the_canonical_forms() -> None:
    doc = credential(did_for_key(ED))
    doc["proof"] = {"ignored": True}
    options = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
    config_canon, doc_canon, combined = di.hash_data(doc, options)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    assert config_canon == _common.canonize(di.proof_config(unsecured, options))
    assert doc_canon == _common.canonize(unsecured)
    assert combined == (
        hashlib.sha256(config_canon.encode()).digest() + hashlib.sha256(doc_canon.encode()).digest()
    )


def test_suites() -> None:
    assert (
        di.Suite(
            "eddsa-rdfc-2022",
            "DataIntegrityProof",
            "eddsa-rdfc-2022",
            "ed25519",
            None,
            ("eddsa-2022",),
        )
        == EDDSA_RDFC_2022
    )
    assert (ECDSA_RDFC_2019.name, ECDSA_RDFC_2019.proof_type) == (
        "ecdsa-rdfc-2019",
        "DataIntegrityProof",
    )
    assert (ECDSA_RDFC_2019.cryptosuite, ECDSA_RDFC_2019.key_type) == ("ecdsa-rdfc-2019", "p256")
    assert ECDSA_RDFC_2019.extra_context is None
    assert (ED25519_2020.name, ED25519_2020.proof_type, ED25519_2020.cryptosuite) == (
        "ed25519-2020",
        "Ed25519Signature2020",
        None,
    )
    assert ED25519_2020.key_type == "ed25519"
    assert ED25519_2020.extra_context == "https://w3id.org/security/suites/ed25519-2020/v1"
    assert FORMATS == ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt", "vc+jwt")


# ---------------------------------------------------------------- di: signing


def test_sign_di_writes_exactly_these_proof_options() -> None:
    created = datetime(2024, 5, 6, 7, 8, 9, 123, tzinfo=UTC)
    expires = datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    doc = sign(
        credential(did_for_key(ED)), ED, format="eddsa-rdfc-2022", created=created, expires=expires
    ).document
    proof = doc["proof"]
    assert list(proof) == [
        "type",
        "cryptosuite",
        "created",
        "expires",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["created"] == "2024-05-06T07:08:09Z"
    assert proof["expires"] == "2029-12-31T23:00:00Z"
    assert proof["verificationMethod"] == f"{did_for_key(ED)}#{ED.public_multibase()}"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["proofValue"].startswith("z")
    assert doc["@context"] == [V2, OB]
    assert verify_proof(doc, OfflineResolver(), now=created).verified


def test_sign_di_without_created_writes_no_created() -> None:
    doc = di.sign_di(
        credential(did_for_key(ED)),
        ED,
        EDDSA_RDFC_2022,
        verification_method=f"{did_for_key(ED)}#{ED.public_multibase()}",
        created=None,
    )
    assert "created" not in doc["proof"]
    assert "expires" not in doc["proof"]
    assert verify_proof(doc, OfflineResolver()).verified


def test_sign_di_adds_the_data_integrity_context_to_a_vcdm_1_1_document() -> None:
    doc = signed_di(key=ED) | {}
    v1 = sign(credential(did_for_key(ED), v1=True), ED, format="eddsa-rdfc-2022").document
    assert v1["@context"] == [V1, OB, di.DI_V2]
    assert doc["@context"] == [V2, OB]
    # already present: not added twice
    again = credential(did_for_key(ED), v1=True)
    again["@context"] = [V1, OB, di.DI_V2]
    assert sign(again, ED, format="eddsa-rdfc-2022").document["@context"] == [V1, OB, di.DI_V2]
    # a lone context string becomes a list
    lone = credential(did_for_key(ED), v1=True)
    lone["@context"] = V1
    with pytest.raises(MCBadgeError):
        sign(lone, ED, format="eddsa-rdfc-2022")  # OB terms undefined without the OB context


def test_sign_di_adds_the_ed25519_2020_suite_context() -> None:
    doc = sign(credential(did_for_key(ED)), ED, format="ed25519-2020").document
    assert doc["@context"] == [V2, OB, ED25519_2020.extra_context]
    assert doc["proof"]["type"] == "Ed25519Signature2020"
    assert "cryptosuite" not in doc["proof"]
    assert verify_proof(doc, OfflineResolver()).verified


def test_sign_di_context_of_a_single_string_and_of_none() -> None:
    assert di._contexts({"@context": V2}) == [V2]
    assert di._contexts({}) == []
    assert di._contexts({"@context": [V2, OB]}) == [V2, OB]


def test_sign_di_appends_to_an_existing_proof_or_proof_set() -> None:
    first = signed_di()
    second = sign(first, ED, format="ed25519-2020").document
    assert isinstance(second["proof"], list)
    assert second["proof"][0] == first["proof"]
    assert second["proof"][1]["type"] == "Ed25519Signature2020"
    third = sign(second, ED, format="eddsa-rdfc-2022").document
    assert [p["type"] for p in third["proof"]] == [
        "DataIntegrityProof",
        "Ed25519Signature2020",
        "DataIntegrityProof",
    ]
    assert third["proof"][0] is not second["proof"][0]
    assert verify_proof(third, OfflineResolver()).verified


def test_sign_di_refuses_a_key_of_the_wrong_type() -> None:
    with pytest.raises(KeyMaterialError) as info:
        di.sign_di(
            credential(did_for_key(P256)),
            P256,
            EDDSA_RDFC_2022,
            verification_method="did:x:1#k",
            created=None,
        )
    assert info.value.code == "cryptosuite.key_mismatch"
    assert info.value.message == "eddsa-rdfc-2022 needs a ed25519 key, not p256"


def test_sign_di_refuses_a_cycle_as_too_deep() -> None:
    doc = credential(did_for_key(ED))
    doc["credentialSubject"]["self"] = doc["credentialSubject"]
    with pytest.raises(MCBadgeError) as info:
        sign(doc, ED, format="eddsa-rdfc-2022")
    assert (info.value.code, info.value.message) == (
        "input.too_deep",
        "the credential is nested too deeply",
    )


# ---------------------------------------------------------------- di: verifying


def test_di_proof_outcome_fields() -> None:
    doc = signed_di()
    result = verify_proof(doc, OfflineResolver(), now=NOW)
    assert result.verified
    assert result.format == "eddsa-rdfc-2022"
    [outcome] = result.proofs
    assert outcome.index == 0
    assert outcome.type == "DataIntegrityProof"
    assert outcome.cryptosuite == "eddsa-rdfc-2022"
    assert outcome.verification_method == doc["proof"]["verificationMethod"]
    assert outcome.controller == did_for_key(ED)
    assert outcome.errors == []
    assert outcome.warnings == []
    assert result.document == {k: v for k, v in doc.items() if k != "proof"}


def test_di_created_at_the_skew_edge() -> None:
    created = NOW + SKEW
    doc = signed_di(created=created)
    assert di_issues(doc, now=NOW) == []
    assert di_issues(doc, now=NOW - timedelta(seconds=1)) == [
        ("proof_time.created_in_future", "the proof was created in the future")
    ]


def test_di_expires_at_the_skew_edge() -> None:
    doc = signed_di(created=NOW - timedelta(days=2), expires=NOW - SKEW)
    assert di_issues(doc, now=NOW) == []
    assert di_issues(doc, now=NOW + timedelta(seconds=1)) == [
        ("proof_time.expired", "the proof has expired")
    ]


def test_di_custom_skew_is_used() -> None:
    doc = signed_di(created=NOW + timedelta(minutes=10))
    assert di_issues(doc, now=NOW) == [
        ("proof_time.created_in_future", "the proof was created in the future")
    ]
    assert di_issues(doc, now=NOW, clock_skew=timedelta(minutes=10)) == []
    late = signed_di(created=NOW - timedelta(days=1), expires=NOW - timedelta(minutes=10))
    assert di_issues(late, now=NOW, clock_skew=timedelta(minutes=10)) == []
    assert di_issues(late, now=NOW, clock_skew=timedelta(minutes=9))[0][0] == "proof_time.expired"


def test_di_bad_expires_string() -> None:
    doc = signed_di()
    doc["proof"]["expires"] = "soon"
    assert di_issues(doc) == [
        ("proof_time.bad_expires", "'soon' is not an xsd:dateTime with a time zone")
    ]


def test_di_naive_now_is_taken_as_utc() -> None:
    doc = signed_di(created=NOW + SKEW)
    naive = NOW.replace(tzinfo=None)
    assert di_issues(doc, now=naive) == []
    assert di_issues(doc, now=naive - timedelta(seconds=1))[0][0] == "proof_time.created_in_future"


def _tampered(**changes: Any) -> dict[str, Any]:
    doc = signed_di()
    for name, value in changes.items():
        if value is None:
            del doc["proof"][name]
        else:
            doc["proof"][name] = value
    return doc


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"cryptosuite": "ecdsa-rdfc-2019"},
            ("cryptosuite.key_mismatch", "ecdsa-rdfc-2019 needs a p256 key"),
        ),
        (
            {"proofPurpose": "authentication"},
            ("proof_purpose.mismatch", "a credential proof must have proofPurpose assertionMethod"),
        ),
        (
            {"proofPurpose": None},
            ("proof_purpose.mismatch", "a credential proof must have proofPurpose assertionMethod"),
        ),
        (
            {"previousProof": "urn:uuid:1"},
            ("proof.chain_unsupported", "proof chains (previousProof) are not supported"),
        ),
        (
            {"verificationMethod": None},
            ("proof.missing_verification_method", "the proof names no verificationMethod"),
        ),
        ({"proofValue": None}, ("proof.missing_proof_value", "the proof has no proofValue")),
        (
            {"@context": OB},
            ("proof.context_mismatch", "the proof's @context differs from the document's"),
        ),
        (
            {"@context": [V2, "urn:other"]},
            ("proof.context_mismatch", "the proof's @context differs from the document's"),
        ),
    ],
)
def test_di_refusals(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    assert di_issues(_tampered(**changes)) == [expected]


def test_di_proof_context_that_is_a_prefix_of_the_documents_passes() -> None:
    assert di_issues(_tampered(**{"@context": V2})) == []
    assert di_issues(_tampered(**{"@context": [V2, OB]})) == []


def test_di_unknown_cryptosuite_in_the_suite_check() -> None:
    doc = signed_di()
    outcome = di.verify_di_proof(
        {k: v for k, v in doc.items() if k != "proof"},
        dict(doc["proof"], cryptosuite="eddsa-jcs-2022"),
        EDDSA_RDFC_2022,
        OfflineResolver(),
        index=4,
        now=NOW,
    )
    assert outcome.index == 4
    assert outcome.verified is False
    assert outcome.errors == [
        Issue("cryptosuite.unsupported", "the proof's cryptosuite is not supported")
    ]


def test_di_verify_checks_member_types_itself() -> None:
    doc = signed_di()
    outcome = di.verify_di_proof(
        {k: v for k, v in doc.items() if k != "proof"},
        dict(doc["proof"], nonce=5),
        EDDSA_RDFC_2022,
        OfflineResolver(),
        index=0,
        now=NOW,
    )
    assert outcome.errors == [
        Issue("proof.bad_nonce", "the proof's nonce is not a non-empty string")
    ]


def test_di_verify_with_default_skew() -> None:
    doc = signed_di(created=NOW + SKEW)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    ok = di.verify_di_proof(
        unsecured, doc["proof"], EDDSA_RDFC_2022, OfflineResolver(), index=0, now=NOW
    )
    assert ok.verified, ok.errors
    late = di.verify_di_proof(
        unsecured,
        doc["proof"],
        EDDSA_RDFC_2022,
        OfflineResolver(),
        index=0,
        now=NOW - timedelta(seconds=1),
    )
    assert [e.code for e in late.errors] == ["proof_time.created_in_future"]


def test_di_bad_proof_value_encoding() -> None:
    [(code, message)] = di_issues(_tampered(proofValue="uAAAA"))
    assert code == "signature.bad_encoding"
    assert message
    [(code, _)] = di_issues(_tampered(proofValue="not multibase!"))
    assert code == "signature.bad_encoding"


def test_di_missing_suite_context() -> None:
    doc = signed_di("ed25519-2020")
    doc["@context"] = [V2, OB]
    assert di_issues(doc) == [
        ("context.missing_suite_context", "Ed25519Signature2020 needs its own @context")
    ]


def test_di_key_resolution_codes() -> None:
    doc = _tampered(verificationMethod="did:example:1#k")
    assert di_issues(doc) == [("key_resolution.unsupported_method", "unsupported DID method")]
    doc = _tampered(verificationMethod="https://example.edu/keys#k")
    assert di_issues(doc) == [
        ("key_resolution.offline", "no controller document is known for that URL")
    ]


class _Broken:
    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        raise MCBadgeError("the resolver broke", code="network.down")


def test_di_resolver_error_of_another_check_becomes_key_resolution_failed() -> None:
    result = verify_proof(signed_di(), _Broken(), now=NOW)
    assert issues(result) == [("key_resolution.failed", "the resolver broke")]


def test_di_embedded_key_warns() -> None:
    url = "https://example.edu/issuers/1"
    doc = credential(url)
    vm_id = f"{url}#{ED.public_multibase()}"
    signed = sign(
        doc, ED, format="eddsa-rdfc-2022", verification_method=vm_id, created=NOW
    ).document
    result = verify_proof(signed, OfflineResolver(trust_embedded_keys=True), now=NOW)
    assert result.verified, result.codes
    assert [(w.code, w.message) for w in result.all_warnings] == [
        ("key_resolution.embedded_key", "the key was taken from the method id (trusted)")
    ]
    assert result.proofs[0].controller == url


def test_di_signature_of_another_key_is_invalid() -> None:
    doc = signed_di()
    other = signed_di(key=OTHER_ED)
    doc["proof"]["proofValue"] = other["proof"]["proofValue"]
    assert [c for c, _ in di_issues(doc)] == ["signature.invalid"]


# ---------------------------------------------------------------- __init__: verify_proof


def test_verify_proof_without_proof() -> None:
    doc = credential(did_for_key(ED))
    assert di_issues(doc) == [("proof.missing", "the credential has no proof")]
    assert di_issues(dict(doc, proof=[])) == [("proof.missing", "the proof set is empty")]
    assert verify_proof(doc, OfflineResolver()).format is None


def test_verify_proof_of_a_non_object_proof() -> None:
    result = verify_proof(dict(credential(did_for_key(ED)), proof=[5]), OfflineResolver())
    assert issues(result) == [("proof.malformed", "a proof is not an object")]
    assert result.proofs[0].index == 0
    assert result.proofs[0].type is None
    assert result.format is None


def test_verify_proof_reports_each_proof_of_a_set_with_its_index() -> None:
    good = signed_di()
    doc = dict(good, proof=[good["proof"], 5, {"type": 3}, {"type": "Other"}])
    result = verify_proof(doc, OfflineResolver(), now=NOW)
    assert [o.index for o in result.proofs] == [0, 1, 2, 3]
    assert [o.verified for o in result.proofs] == [True, False, False, False]
    assert [o.type for o in result.proofs] == ["DataIntegrityProof", None, None, "Other"]
    assert issues(result) == [
        ("proof.malformed", "a proof is not an object"),
        ("proof.bad_type", "the proof's type is not a non-empty string"),
        ("proof.unsupported_type", "the proof type 'Other' is not supported"),
    ]
    assert result.verified is False
    assert result.format == "eddsa-rdfc-2022"


def test_verify_proof_member_issue_keeps_a_string_type() -> None:
    doc = _tampered(nonce=7)
    result = verify_proof(doc, OfflineResolver(), now=NOW)
    assert result.proofs[0].type == "DataIntegrityProof"
    assert issues(result) == [("proof.bad_nonce", "the proof's nonce is not a non-empty string")]


def test_verify_proof_unsupported_cryptosuite() -> None:
    result = verify_proof(_tampered(cryptosuite="eddsa-jcs-2022"), OfflineResolver(), now=NOW)
    assert issues(result) == [
        ("cryptosuite.unsupported", "the cryptosuite 'eddsa-jcs-2022' is not supported")
    ]
    assert result.proofs[0].type == "DataIntegrityProof"


def test_verify_proof_legacy_ecdsa_name_is_not_eddsa() -> None:
    # a proof whose cryptosuite names another suite is judged by that suite
    doc = _tampered(cryptosuite="ecdsa-rdfc-2019")
    result = verify_proof(doc, OfflineResolver(), now=NOW)
    assert result.format == "ecdsa-rdfc-2019"


def test_verify_proof_of_every_suite_reports_its_format() -> None:
    for fmt, key in (("ecdsa-rdfc-2019", P256), ("ed25519-2020", ED), ("eddsa-rdfc-2022", ED)):
        result = verify_proof(signed_di(fmt, key), OfflineResolver(), now=NOW)
        assert (result.verified, result.format) == (True, fmt)


def test_verify_proof_of_json_text_and_bytes() -> None:
    doc = signed_di()
    text = "  \n" + json.dumps(doc)
    assert verify_proof(text, OfflineResolver(), now=NOW).verified
    assert verify_proof(text.encode(), OfflineResolver(), now=NOW).verified
    # text that does not start with "{" is taken as a VC-JWT
    result = verify_proof("[1]", OfflineResolver())
    assert issues(result) == [("jwt.malformed", "the JWT does not have three non-empty parts")]
    result = verify_proof(b"\xff{", OfflineResolver())
    assert result.codes == ["jwt.malformed"]


def test_verify_proof_of_a_non_mapping() -> None:
    result = verify_proof(5, OfflineResolver())  # type: ignore[arg-type]
    assert issues(result) == [("input.not_object", "the credential is not a JSON object")]
    assert result.format is None
    assert result.verified is False


def test_verify_proof_of_invalid_json_text() -> None:
    result = verify_proof('{"a": 1, "a": 2}', OfflineResolver())
    assert result.verified is False
    assert result.errors[0].code.startswith("input.")


class _Exploding:
    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        raise RuntimeError("boom")


def test_verify_proof_turns_an_unexpected_error_into_internal_error() -> None:
    result = verify_proof(signed_di(), _Exploding(), now=NOW)
    assert issues(result) == [("proof.internal_error", "the proof could not be checked")]
    assert result.verified is False


def test_verify_proof_default_resolver_is_offline() -> None:
    assert verify_proof(signed_di(), None, now=NOW).verified
    assert di_issues(
        _tampered(verificationMethod="https://example.edu/k#" + ED.public_multibase())
    )[0][0].startswith("key_resolution.")


class _Flagged:
    """Resolves like a plain offline resolver, but says it trusts embedded keys."""

    trust_embedded_keys = True

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        return OfflineResolver().resolve_verification_method(vm_id)


def test_verify_proof_trust_follows_the_resolver_attribute_unless_given() -> None:
    url = "https://example.edu/issuers/1"
    vm_id = f"{url}#{ED.public_multibase()}"
    signed = sign(
        credential(url), ED, format="eddsa-rdfc-2022", verification_method=vm_id, created=NOW
    )
    doc = signed.document
    offline = ("key_resolution.offline", "no controller document is known for that URL")
    assert verify_proof(doc, _Flagged(), now=NOW).verified
    assert issues(verify_proof(doc, _Flagged(), now=NOW, trust_embedded_keys=False)) == [offline]
    assert issues(verify_proof(doc, OfflineResolver(), now=NOW)) == [offline]
    # the wrapper trusts the key when the inner resolver knows nothing about the URL
    assert verify_proof(doc, OfflineResolver(), now=NOW, trust_embedded_keys=True).verified
    assert verify_proof(doc, None, now=NOW, trust_embedded_keys=True).verified
    assert verify_proof(doc, object(), now=NOW).codes[0] == "proof.internal_error"  # type: ignore[arg-type]


class _Fetching:
    """A resolver that can fetch documents but resolves no method itself."""

    def __init__(self, document: Any, code: str = "key_resolution.offline") -> None:
        self.document = document
        self.code = code
        self.fetched: list[str] = []

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        raise MCBadgeError("not here", code=self.code)

    def resolve(self, did: str) -> Any:
        self.fetched.append(did)
        return self.document


def test_document_fallback_fetches_the_controller_document() -> None:
    from mcbadge.did import build_did_web_document

    did = "did:web:example.edu"
    document = build_did_web_document("example.edu", [ED])
    vm_id = document["assertionMethod"][0]
    doc = sign(
        credential(did), ED, format="eddsa-rdfc-2022", verification_method=vm_id, created=NOW
    ).document
    fetching = _Fetching(document)
    assert verify_proof(doc, fetching, now=NOW).verified
    assert fetching.fetched == [did]


def test_document_fallback_refuses_a_non_object_document() -> None:
    vm_id = "did:web:example.edu#key-1"
    doc = _tampered(verificationMethod=vm_id)
    assert issues(verify_proof(doc, _Fetching(["x"]), now=NOW)) == [
        ("key_resolution.document_invalid", "the DID document is not a JSON object")
    ]


def test_document_fallback_only_for_offline_errors() -> None:
    doc = _tampered(verificationMethod="did:web:example.edu#key-1")
    fetching = _Fetching({}, code="key_resolution.not_found")
    assert issues(verify_proof(doc, fetching, now=NOW)) == [
        ("key_resolution.not_found", "not here")
    ]
    assert fetching.fetched == []


def test_trusting_resolver_keeps_a_non_offline_error() -> None:
    url = "https://example.edu/issuers/1"
    vm_id = f"{url}#{ED.public_multibase()}"
    doc = sign(
        credential(url), ED, format="eddsa-rdfc-2022", verification_method=vm_id, created=NOW
    ).document
    fetching = _Fetching({}, code="key_resolution.not_found")
    fetching.resolve = None  # type: ignore[assignment,method-assign]
    result = verify_proof(doc, fetching, now=NOW, trust_embedded_keys=True)
    assert issues(result) == [("key_resolution.not_found", "not here")]
    # a did (not https) id is never taken from its fragment
    did_doc = _tampered(verificationMethod="did:web:example.edu#" + ED.public_multibase())
    offline = _Fetching({}, code="key_resolution.offline")
    offline.resolve = None  # type: ignore[assignment,method-assign]
    assert issues(verify_proof(did_doc, offline, now=NOW, trust_embedded_keys=True)) == [
        ("key_resolution.offline", "not here")
    ]


# ---------------------------------------------------------------- __init__: sign


def test_sign_refuses_a_non_mapping() -> None:
    with pytest.raises(MCBadgeError) as info:
        sign([1], ED, format="jwt")  # type: ignore[arg-type]
    assert (info.value.code, info.value.message) == (
        "input.not_object",
        "the credential must be a JSON object",
    )


def test_sign_refuses_a_public_key() -> None:
    with pytest.raises(KeyMaterialError) as info:
        sign(credential(did_for_key(ED)), ED.public_key(), format="jwt")
    assert (info.value.code, info.value.message) == (
        "key.no_private",
        "signing needs a private key",
    )


def test_sign_refuses_an_unknown_format() -> None:
    with pytest.raises(MCBadgeError) as info:
        sign(credential(did_for_key(ED)), ED, format="bbs")  # type: ignore[arg-type]
    assert (info.value.code, info.value.message) == (
        "cryptosuite.unsupported",
        "unknown proof format 'bbs'",
    )


def test_sign_needs_an_issuer_id() -> None:
    doc = credential(did_for_key(ED))
    del doc["issuer"]
    with pytest.raises(MCBadgeError) as info:
        sign(doc, ED, format="jwt")
    assert (info.value.code, info.value.message) == (
        "key_binding.no_issuer",
        "the credential has no issuer id",
    )


def test_sign_issuer_mismatch_message_names_both() -> None:
    with pytest.raises(MCBadgeError) as info:
        sign(credential("did:web:example.edu"), ED, format="jwt")
    assert info.value.code == "key_binding.issuer_mismatch"
    assert info.value.message == (
        f"the credential's issuer (did:web:example.edu) is not this key's DID "
        f"({did_for_key(ED)}); name the issuer's verification method for this key"
    )


@pytest.mark.parametrize(
    "vm_id",
    ["did:web:example.edu", "did:web:other.edu#k", "did:web:example.edu.evil#k"],
)
def test_sign_method_must_belong_to_the_issuer(vm_id: str) -> None:
    with pytest.raises(MCBadgeError) as info:
        sign(credential("did:web:example.edu"), ED, format="jwt", verification_method=vm_id)
    assert (info.value.code, info.value.message) == (
        "key_binding.not_issuer_key",
        "the verification method does not belong to the credential's issuer",
    )


@pytest.mark.parametrize("did", [did_for_key(OTHER_ED), did_jwk(OTHER_ED)])
def test_sign_method_of_a_self_describing_did_must_be_this_key(did: str) -> None:
    fragment = did[len("did:key:") :] if did.startswith("did:key:") else "0"
    with pytest.raises(MCBadgeError) as info:
        sign(credential(did), ED, format="jwt", verification_method=f"{did}#{fragment}")
    assert (info.value.code, info.value.message) == (
        "key_binding.wrong_key",
        "the verification method names a different key",
    )


def test_sign_with_a_named_self_describing_method_of_this_key() -> None:
    did = did_jwk(ED)
    signed = sign(credential(did), ED, format="jwt", verification_method=f"{did}#0")
    header = json.loads(b64url_decode(signed.jwt.split(".")[0]))  # type: ignore[union-attr]
    assert header["kid"] == f"{did}#0"
    assert verify_proof(signed.jwt, OfflineResolver(), now=NOW).verified  # type: ignore[arg-type]


def test_sign_default_method_is_cached_per_key() -> None:
    from mcbadge import proofs

    key = generate_key("ed25519")
    first = proofs._key_ids(key)
    assert first == (did_for_key(key), f"{did_for_key(key)}#{key.public_multibase()}")
    assert proofs._key_ids(key) is first
    same_public = Key(key.public)
    assert proofs._key_ids(same_public) == first


def test_signed_credential_text_forms() -> None:
    di_signed = sign(credential(did_for_key(ED)), ED, format="eddsa-rdfc-2022")
    assert di_signed.jwt is None
    text = di_signed.to_text()
    assert text.endswith("}\n")
    assert text == json.dumps(di_signed.document, indent=2, ensure_ascii=False) + "\n"
    named = SignedCredential("x", {"name": "é"})
    assert named.to_text() == '{\n  "name": "é"\n}\n'
    jwt_signed = sign(credential(did_for_key(ED)), ED, format="jwt")
    assert jwt_signed.to_text() == jwt_signed.jwt
    assert jwt_signed.format == "jwt"


def test_sign_jwt_document_of_a_vcdm_2_credential_keeps_the_registered_members() -> None:
    doc = credential(did_for_key(ED), iss="kept", proof={"old": 1})
    signed = sign(doc, ED, format="jwt")
    assert "proof" not in signed.document
    assert signed.document["iss"] == "kept"
    assert signed.document["name"] == "CS Pedagogy I"
    assert signed.document["credentialSubject"] == doc["credentialSubject"]
    assert signed.document["credentialSubject"] is not doc["credentialSubject"]


def test_sign_jwt_document_of_a_vcdm_1_1_credential_is_the_vc_claim() -> None:
    doc = credential(did_for_key(ED), v1=True)
    signed = sign(doc, ED, format="jwt")
    assert signed.document == doc
    _, payload, _ = _parts(signed.jwt)  # type: ignore[arg-type]
    assert payload["vc"] == doc


# ---------------------------------------------------------------- jwt: signing


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), s


def test_jwt_v2_payload_claims() -> None:
    doc = credential(did_for_key(ED), validUntil="2030-01-01T00:00:00Z")
    token = jwtmod.sign_jwt(doc, ED, verification_method=None)
    header, payload, _ = _parts(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "jwk": ED.public_jwk()}
    assert payload["iss"] == did_for_key(ED)
    assert payload["jti"] == doc["id"]
    assert payload["sub"] == "did:example:teacher1"
    assert payload["nbf"] == int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert "vc" not in payload
    assert {k: v for k, v in payload.items() if k not in jwtmod._REGISTERED} == doc


def test_jwt_v1_payload_claims() -> None:
    doc = credential(did_for_key(ED), v1=True, expirationDate="2030-01-01T00:00:00Z")
    vm_id = f"{did_for_key(ED)}#{ED.public_multibase()}"
    token = jwtmod.sign_jwt(doc, ED, verification_method=vm_id)
    header, payload, _ = _parts(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": vm_id}
    assert set(payload) == {"iss", "jti", "sub", "nbf", "exp", "vc"}
    assert payload["vc"] == doc
    assert payload["nbf"] == int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())


def test_jwt_payload_is_compact_and_not_ascii_escaped() -> None:
    doc = credential(did_for_key(ED), name="Pédagogie")
    token = jwtmod.sign_jwt(doc, ED, verification_method=None)
    raw_header = b64url_decode(token.split(".")[0]).decode()
    raw_payload = b64url_decode(token.split(".")[1]).decode()
    assert '"name":"Pédagogie"' in raw_payload
    assert ", " not in raw_header
    assert raw_header.startswith('{"alg":"EdDSA","typ":"JWT"')


def test_jwt_signing_without_issuer_id_subject_id_or_string_id() -> None:
    doc = credential("placeholder")
    doc["issuer"] = {"name": "no id"}
    doc["id"] = 5
    doc["credentialSubject"] = {"type": ["AchievementSubject"]}
    token = jwtmod.sign_jwt(doc, ED, verification_method="did:x:1#k")
    _, payload, _ = _parts(token)
    assert "iss" not in payload
    assert "jti" not in payload
    assert "sub" not in payload
    doc["credentialSubject"] = [{"id": "did:x:s"}]
    _, payload, _ = _parts(jwtmod.sign_jwt(doc, ED, verification_method="did:x:1#k"))
    assert "sub" not in payload


def test_jwt_signing_refuses_a_bad_date_with_its_field_code() -> None:
    doc = credential(did_for_key(ED), validFrom="not a date")
    with pytest.raises(MCBadgeError) as info:
        jwtmod.sign_jwt(doc, ED, verification_method=None)
    assert info.value.code == "jwt_claims.bad_validFrom"
    doc = credential(did_for_key(ED), v1=True, expirationDate="never")
    with pytest.raises(MCBadgeError) as info:
        jwtmod.sign_jwt(doc, ED, verification_method=None)
    assert info.value.code == "jwt_claims.bad_expirationDate"


def test_jwt_embed_jwk_with_a_kid() -> None:
    vm_id = f"{did_for_key(ED)}#{ED.public_multibase()}"
    token = jwtmod.sign_jwt(
        credential(did_for_key(ED)), ED, verification_method=vm_id, embed_jwk=True
    )
    header, _, _ = _parts(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": vm_id, "jwk": ED.public_jwk()}
    # the cached plain header is not the embedded one
    plain = jwtmod.sign_jwt(credential(did_for_key(ED)), ED, verification_method=vm_id)
    assert _parts(plain)[0] == {"alg": "EdDSA", "typ": "JWT", "kid": vm_id}
    again = jwtmod.sign_jwt(
        credential(did_for_key(ED)), ED, verification_method=vm_id, embed_jwk=True
    )
    assert "jwk" in _parts(again)[0]


def test_jwt_header_segment_cache_is_keyed_by_alg_and_kid() -> None:
    jwtmod._HEADER_SEGMENTS.clear()
    a = jwtmod._header_segment(ED, "did:x:1#a", False)
    b = jwtmod._header_segment(ED, "did:x:1#b", False)
    p = jwtmod._header_segment(P256, "did:x:1#a", False)
    assert json.loads(b64url_decode(a)) == {"alg": "EdDSA", "typ": "JWT", "kid": "did:x:1#a"}
    assert json.loads(b64url_decode(b))["kid"] == "did:x:1#b"
    assert json.loads(b64url_decode(p))["alg"] == "ES256"
    assert set(jwtmod._HEADER_SEGMENTS) == {
        ("EdDSA", "did:x:1#a", "JWT"),
        ("EdDSA", "did:x:1#b", "JWT"),
        ("ES256", "did:x:1#a", "JWT"),
    }
    assert jwtmod._header_segment(ED, "did:x:1#a", False) == a
    jwtmod._header_segment(ED, "did:x:1#c", True)
    assert ("EdDSA", "did:x:1#c", "JWT") not in jwtmod._HEADER_SEGMENTS


def test_jwt_header_segment_cache_is_bounded() -> None:
    jwtmod._HEADER_SEGMENTS.clear()
    for i in range(jwtmod._HEADER_CACHE_MAX):
        jwtmod._header_segment(ED, f"did:x:1#{i}", False)
    assert len(jwtmod._HEADER_SEGMENTS) == jwtmod._HEADER_CACHE_MAX
    jwtmod._header_segment(ED, "did:x:1#last", False)
    assert list(jwtmod._HEADER_SEGMENTS) == [("EdDSA", "did:x:1#last", "JWT")]
    assert jwtmod._HEADER_CACHE_MAX == 256


# ---------------------------------------------------------------- jwt: decoding


def _token(header: dict[str, Any], payload: dict[str, Any], key: Key | None = ED) -> str:
    head = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(payload).encode())
    sig = key.sign(f"{head}.{body}".encode()) if key is not None else b"\x00"
    return f"{head}.{body}.{b64url_encode(sig)}"


def _payload(issuer: str | None = None, **extra: Any) -> dict[str, Any]:
    issuer = issuer or did_for_key(ED)
    doc = credential(issuer)
    doc.update(
        iss=issuer,
        jti=doc["id"],
        sub="did:example:teacher1",
        nbf=int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()),
    )
    doc.update(extra)
    return {k: v for k, v in doc.items() if v is not None}


def _header_for(key: Key = ED, **extra: Any) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": key.alg, "typ": "JWT", "kid": f"{did_jwk(key)}#0"}
    header.update(extra)
    return {k: v for k, v in header.items() if v is not None}


def _payload_jwk(key: Key = ED, **extra: Any) -> dict[str, Any]:
    return _payload(did_jwk(key), **extra)


def jwt_issues(token: str, **kw: Any) -> list[tuple[str, str]]:
    kw.setdefault("now", NOW)
    return issues(verify_proof(token, OfflineResolver(), **kw))


def test_jwt_good_token_outcome() -> None:
    token = _token(_header_for(), _payload_jwk())
    result = verify_proof(token, OfflineResolver(), now=NOW)
    assert result.verified, result.codes
    assert result.format == "jwt"
    [outcome] = result.proofs
    assert (outcome.index, outcome.type, outcome.cryptosuite) == (0, "JWT", "EdDSA")
    assert outcome.verification_method == f"{did_jwk(ED)}#0"
    assert outcome.controller == did_jwk(ED)
    assert result.document == {
        k: v for k, v in _payload_jwk().items() if k not in ("iss", "jti", "sub", "nbf")
    }
    assert outcome.warnings == []


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("a.b.c.d.e", ("jwt.jwe_unsupported", "encrypted JWTs (JWE) are not accepted")),
        ("a.b", ("jwt.malformed", "the JWT does not have three non-empty parts")),
        ("a..c", ("jwt.malformed", "the JWT does not have three non-empty parts")),
        ("a.b.c.d", ("jwt.malformed", "the JWT does not have three non-empty parts")),
        ("a=.b.c", ("jwt.bad_base64url", "the JWT header is not canonical base64url")),
    ],
)
def test_jwt_structure_refusals(token: str, expected: tuple[str, str]) -> None:
    assert jwt_issues(token) == [expected]


def test_jwt_token_size_limit() -> None:
    assert jwtmod._MAX_TOKEN == 2_000_000
    with pytest.raises(MCBadgeError) as info:
        jwtmod.decode_jwt("a" * 2_000_001)
    assert (info.value.code, info.value.message) == (
        "jwt.malformed",
        "the JWT is not a string of acceptable size",
    )
    with pytest.raises(MCBadgeError) as info:
        jwtmod.decode_jwt(5)  # type: ignore[arg-type]
    assert info.value.code == "jwt.malformed"
    # exactly at the limit: judged on its structure, not its size
    with pytest.raises(MCBadgeError) as info:
        jwtmod.decode_jwt("a" * 2_000_000)
    assert info.value.message == "the JWT does not have three non-empty parts"


def test_jwt_surrounding_whitespace_is_stripped() -> None:
    token = _token(_header_for(), _payload_jwk())
    header, payload, signing_input, signature = jwtmod.decode_jwt(f"\n {token} \n")
    assert header == _header_for()
    assert payload == _payload_jwk()
    assert signing_input == token.rsplit(".", 1)[0].encode("ascii")
    assert signature == b64url_decode(token.rsplit(".", 1)[1])


def test_jwt_payload_and_signature_encoding_refusals() -> None:
    head = b64url_encode(json.dumps(_header_for()).encode())
    body = b64url_encode(json.dumps(_payload_jwk()).encode())
    assert jwt_issues(f"{head}.{body}=.AA") == [
        ("jwt.bad_base64url", "the JWT payload is not canonical base64url")
    ]
    assert jwt_issues(f"{head}.{body}.A") == [
        ("jwt.bad_base64url", "the JWT signature is not canonical base64url")
    ]
    array = b64url_encode(b"[1]")
    assert jwt_issues(f"{head}.{array}.AA") == [
        ("jwt.bad_payload", "the JWT payload is not a JSON object")
    ]
    assert jwt_issues(f"{array}.{body}.AA") == [
        ("jwt.bad_header", "the JWT header is not a JSON object")
    ]
    broken = b64url_encode(b'{"a":')
    [(code, message)] = jwt_issues(f"{head}.{broken}.AA")
    assert code == "jwt.bad_payload"
    assert message.startswith("the JWT payload is not acceptable JSON: ")


def test_jwt_header_cache_keeps_only_flat_headers_and_hands_out_copies() -> None:
    jwtmod._HEADER_CACHE.clear()
    flat = b64url_encode(json.dumps({"alg": "EdDSA", "kid": "did:x:1#k"}).encode())
    first = jwtmod._header(flat)
    first["alg"] = "changed"
    assert jwtmod._header(flat) == {"alg": "EdDSA", "kid": "did:x:1#k"}
    assert {flat: {"alg": "EdDSA", "kid": "did:x:1#k"}} == jwtmod._HEADER_CACHE
    nested = b64url_encode(json.dumps({"alg": "EdDSA", "jwk": {"kty": "OKP"}}).encode())
    jwtmod._header(nested)
    assert nested not in jwtmod._HEADER_CACHE
    for i in range(jwtmod._HEADER_CACHE_MAX - 1):
        jwtmod._header(b64url_encode(json.dumps({"alg": "EdDSA", "n": str(i)}).encode()))
    assert len(jwtmod._HEADER_CACHE) == jwtmod._HEADER_CACHE_MAX
    jwtmod._header(flat + "")
    last = b64url_encode(json.dumps({"alg": "EdDSA", "n": "last"}).encode())
    jwtmod._header(last)
    assert list(jwtmod._HEADER_CACHE) == [last]


@pytest.mark.parametrize(
    ("where", "name", "value", "code", "wanted"),
    [
        ("header", "alg", "", "jwt.bad_alg", "a string"),
        ("header", "kid", 5, "jwt.bad_kid", "a non-empty string"),
        ("header", "jwk", "x", "jwt.bad_jwk", "a JSON object"),
        ("header", "typ", 1, "jwt.bad_typ", "a string"),
        ("header", "cty", None, "jwt.bad_cty", "a string"),
        ("header", "crit", [], "jwt.bad_crit", "an array of strings"),
        ("header", "crit", ["b64", ""], "jwt.bad_crit", "an array of strings"),
        ("header", "crit", "b64", "jwt.bad_crit", "an array of strings"),
        ("claim", "iss", 5, "jwt_claims.bad_iss", "a string"),
        ("claim", "sub", "", "jwt_claims.bad_sub", "a string"),
        ("claim", "jti", None, "jwt_claims.bad_jti", "a string"),
        ("claim", "aud", 5, "jwt_claims.bad_aud", "a string or an array of strings"),
        ("claim", "aud", [], "jwt_claims.bad_aud", "a string or an array of strings"),
        ("claim", "nbf", "1", "jwt_claims.bad_nbf", "a NumericDate"),
        ("claim", "exp", True, "jwt_claims.bad_exp", "a NumericDate"),
        ("claim", "exp", float("nan"), "jwt_claims.bad_exp", "a NumericDate"),
        ("claim", "iat", None, "jwt_claims.bad_iat", "a NumericDate"),
        ("claim", "vc", [], "jwt.bad_payload", "a JSON object"),
    ],
)
def test_jwt_member_of_the_wrong_type(
    where: str, name: str, value: Any, code: str, wanted: str
) -> None:
    header = {name: value} if where == "header" else {}
    payload = {name: value} if where == "claim" else {}
    assert jwtmod.jwt_member_issue(header, payload) == Issue(
        code, f"the JWT {where} {name} is not {wanted}"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("aud", "x"), ("aud", ["x", "y"]), ("nbf", 1.5), ("exp", 0), ("iat", 10**12)],
)
def test_jwt_claim_of_an_accepted_type(name: str, value: Any) -> None:
    assert jwtmod.jwt_member_issue({}, {name: value}) is None


def test_jwt_member_issue_checks_the_header_first() -> None:
    issue = jwtmod.jwt_member_issue({"typ": 1}, {"iss": 1})
    assert issue is not None
    assert issue.code == "jwt.bad_typ"


def test_jwt_member_issue_through_verify() -> None:
    token = _token(_header_for(cty=5), _payload_jwk())
    assert jwt_issues(token) == [("jwt.bad_cty", "the JWT header cty is not a string")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"typ": "JWT"}, ("jwt.alg_missing", "the JWT header has no alg")),
        ({"alg": "none"}, ("jwt.alg_none", "unsigned JWTs (alg none) are refused")),
        ({"alg": "NONE"}, ("jwt.alg_none", "unsigned JWTs (alg none) are refused")),
        (
            {"alg": "HS256"},
            ("jwt.alg_hmac", "HMAC JWTs are refused: credentials need a public-key signature"),
        ),
        (
            {"alg": "hs512"},
            ("jwt.alg_hmac", "HMAC JWTs are refused: credentials need a public-key signature"),
        ),
        ({"alg": "ES384"}, ("jwt.alg_unsupported", "the JWT algorithm 'ES384' is not supported")),
        ({"alg": "eddsa"}, ("jwt.alg_unsupported", "the JWT algorithm 'eddsa' is not supported")),
        (
            {"alg": "EdDSA", "crit": ["exp"]},
            ("jwt.crit_unsupported", "the JWT has critical header extensions"),
        ),
        (
            {"alg": "EdDSA", "x5t#S256": "x"},
            ("jwt.header_forbidden", "the JWT header 'x5t#S256' is not accepted"),
        ),
        (
            {"alg": "EdDSA", "b64": False},
            ("jwt.header_forbidden", "the JWT header 'b64' is not accepted"),
        ),
        # JOSE is a JWS that is not a JWT (RFC 7515 §9.2.1); media types, not spellings,
        # are compared, so "jwt" is accepted (test_jwt_header_accepted)
        ({"alg": "EdDSA", "typ": "JOSE"}, ("jwt.bad_typ", "the JWT typ is not JWT")),
        ({"alg": "EdDSA", "typ": "application/json"}, ("jwt.bad_typ", "the JWT typ is not JWT")),
        ({"alg": "EdDSA", "typ": "text/jwt"}, ("jwt.bad_typ", "the JWT typ is not JWT")),
        ({"alg": "EdDSA", "typ": "vc+sd-jwt"}, ("jwt.bad_typ", "the JWT typ is not JWT")),
    ],
)
def test_jwt_header_refusals(header: dict[str, Any], expected: tuple[str, str]) -> None:
    with pytest.raises(MCBadgeError) as info:
        jwtmod._check_header(header)
    assert (info.value.code, info.value.message) == expected


@pytest.mark.parametrize(
    "typ",
    # RFC 7515 §4.1.9: media types compare case-insensitively, "application/" may be left out
    [None, "JWT", "jwt", "application/jwt", "Application/JWT", "vc+jwt", "vc+ld+json+jwt"],
)
@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_jwt_header_accepted(alg: str, typ: str | None) -> None:
    header: dict[str, Any] = {"alg": alg}
    if typ is not None:
        header["typ"] = typ
    assert jwtmod._check_header(header) == alg


@pytest.mark.parametrize("name", ["jku", "x5u", "x5c", "x5t"])
def test_jwt_remote_key_headers_named_in_the_message(name: str) -> None:
    with pytest.raises(MCBadgeError) as info:
        jwtmod._check_header({"alg": "EdDSA", name: "x"})
    assert info.value.message == f"the JWT header {name!r} is not accepted"


def test_jwt_alg_must_be_the_keys() -> None:
    token = _token(_header_for(alg="ES256"), _payload_jwk())
    assert jwt_issues(token) == [
        ("jwt.alg_mismatch", "the JWT says ES256 but the key is a ed25519 key")
    ]


def test_jwt_vc_claim_that_is_not_an_object() -> None:
    # past the member-type table (vc is an object there), via _check_header order
    token = _token(_header_for(), {"iss": "x", "vc": {"issuer": did_jwk(ED)}})
    result = verify_proof(token, OfflineResolver(), now=NOW)
    assert result.document == {"issuer": did_jwk(ED)}
    assert result.codes == ["jwt_claims.iss_mismatch"]


# ---------------------------------------------------------------- jwt: keys


def test_jwt_relative_kid_is_taken_against_the_issuer() -> None:
    token = _token(_header_for(kid="#0"), _payload_jwk())
    result = verify_proof(token, OfflineResolver(), now=NOW)
    assert result.verified, result.codes
    assert result.proofs[0].verification_method == f"{did_jwk(ED)}#0"


def test_jwt_relative_kid_without_issuer() -> None:
    payload = _payload_jwk()
    payload["issuer"] = {"name": "x"}
    token = _token(_header_for(kid="#0"), payload)
    assert jwt_issues(token) == [
        ("key_resolution.bad_fragment", "the verification method id has no fragment")
    ] or jwt_issues(token)[0][0].startswith("key_resolution.")


def test_jwt_kid_resolution_error_of_another_kind_becomes_failed() -> None:
    token = _token(_header_for(), _payload_jwk())
    assert issues(verify_proof(token, _Broken(), now=NOW)) == [
        ("key_resolution.failed", "the resolver broke")
    ]


def test_jwt_kid_of_another_issuer() -> None:
    token = _token(_header_for(OTHER_ED), _payload_jwk(), OTHER_ED)
    assert jwt_issues(token) == [
        (
            "key_binding.not_issuer_key",
            "the signing key does not belong to the credential's issuer",
        )
    ]


def test_jwt_kid_with_a_different_jwk() -> None:
    token = _token(_header_for(jwk=OTHER_ED.public_jwk()), _payload_jwk())
    assert jwt_issues(token) == [
        ("key_binding.jwk_mismatch", "the JWT's jwk is not the key named by kid")
    ]
    same = _token(_header_for(jwk=ED.public_jwk()), _payload_jwk())
    assert jwt_issues(same) == []


def test_jwt_without_kid_or_jwk() -> None:
    token = _token(_header_for(kid=None), _payload_jwk())
    assert jwt_issues(token) == [("jwt.no_key", "the JWT names no key (kid or jwk)")]


@pytest.mark.parametrize("did_of", [did_jwk, did_for_key])
def test_jwt_issuers_own_key_in_the_header(did_of: Any) -> None:
    issuer = did_of(ED)
    token = _token(_header_for(kid=None, jwk=ED.public_jwk()), _payload(issuer))
    result = verify_proof(token, OfflineResolver(), now=NOW)
    assert result.verified, result.codes
    fragment = issuer[len("did:key:") :] if issuer.startswith("did:key:") else "0"
    assert result.proofs[0].verification_method == f"{issuer}#{fragment}"
    assert result.proofs[0].controller == issuer
    assert result.all_warnings == []


def test_jwt_header_key_not_the_issuers_did_key() -> None:
    token = _token(_header_for(kid=None, jwk=OTHER_ED.public_jwk()), _payload_jwk(), OTHER_ED)
    assert jwt_issues(token) == [
        ("key_binding.jwk_not_issuer_key", "the JWT's jwk is not the key of the issuer's DID")
    ]


def test_jwt_header_key_of_a_did_with_a_fragment_or_bad_did() -> None:
    assert jwtmod.issuer_own_key(f"{did_jwk(ED)}#0", ED) is None
    assert jwtmod.issuer_own_key("did:web:example.edu", ED) is None
    assert jwtmod.issuer_own_key(None, ED) is None
    with pytest.raises(MCBadgeError) as info:
        jwtmod.issuer_own_key("did:key:zBad", ED)
    assert info.value.code.startswith("key_resolution.")


def test_jwt_embedded_key_of_a_url_issuer() -> None:
    url = "https://example.edu/issuers/1"
    token = _token(_header_for(kid=None, jwk=ED.public_jwk()), _payload(url))
    assert jwt_issues(token) == [
        (
            "key_binding.untrusted_embedded_key",
            "the JWT carries its own key, which is not a key the issuer is known to control",
        )
    ]
    result = verify_proof(token, OfflineResolver(), now=NOW, trust_embedded_keys=True)
    assert result.verified, result.codes
    assert result.proofs[0].controller == url
    assert result.proofs[0].verification_method is None
    assert [(w.code, w.message) for w in result.all_warnings] == [
        ("key_resolution.embedded_key", "the key was taken from the JWT header (trusted)")
    ]


@pytest.mark.parametrize(
    ("jwk", "expected"),
    [
        ("x", ("jwt.bad_jwk", "the JWT's jwk header is not a public key")),
        (
            dict(OTHER_ED.private_jwk()),
            ("jwt.bad_jwk", "the JWT's jwk header is not a public key"),
        ),
        (
            dict(ED.public_jwk(), use="enc"),
            ("jwt.bad_jwk", "the JWT's jwk is not a signature key (use / key_ops)"),
        ),
        (
            dict(ED.public_jwk(), key_ops=["encrypt"]),
            ("jwt.bad_jwk", "the JWT's jwk is not a signature key (use / key_ops)"),
        ),
    ],
)
def test_jwt_header_key_refusals(jwk: Any, expected: tuple[str, str]) -> None:
    with pytest.raises(MCBadgeError) as info:
        jwtmod.header_key(jwk)
    assert (info.value.code, info.value.message) == expected


def test_jwt_header_key_material_errors() -> None:
    with pytest.raises(MCBadgeError) as info:
        jwtmod.header_key({"kty": "OKP", "crv": "Ed25519", "x": "AA"})
    assert info.value.code == "key_resolution.bad_jwk"
    with pytest.raises(MCBadgeError) as info:
        jwtmod.header_key(dict(ED.public_jwk(), alg="ES256"))
    assert info.value.code == "key_resolution.jwk_alg_mismatch"
    assert jwtmod.header_key(ED.public_jwk()) == ED


# ---------------------------------------------------------------- jwt: claims


def test_jwt_missing_iss() -> None:
    token = _token(_header_for(), _payload_jwk(iss=None))
    assert jwt_issues(token) == [("jwt_claims.missing_iss", "the JWT has no iss claim")]


def test_jwt_iss_mismatch() -> None:
    token = _token(_header_for(), _payload_jwk(iss="did:example:other"))
    assert jwt_issues(token) == [
        ("jwt_claims.iss_mismatch", "the JWT iss is not the credential's issuer")
    ]


@pytest.mark.parametrize(
    ("claim", "what"), [("jti", "the credential id"), ("sub", "the credential subject's id")]
)
def test_jwt_id_claims_mismatch(claim: str, what: str) -> None:
    token = _token(_header_for(), _payload_jwk(**{claim: "urn:other"}))
    assert jwt_issues(token) == [(f"jwt_claims.{claim}_mismatch", f"the JWT {claim} is not {what}")]


def test_jwt_id_claim_present_without_a_credential_value() -> None:
    payload = _payload_jwk()
    del payload["id"]
    assert jwt_issues(_token(_header_for(), payload)) == [
        ("jwt_claims.jti_mismatch", "the JWT jti is not the credential id")
    ]


def test_jwt_missing_id_claims_warn() -> None:
    token = _token(_header_for(), _payload_jwk(jti=None, sub=None, nbf=None))
    result = verify_proof(token, OfflineResolver(), now=NOW)
    assert result.verified
    assert [(w.code, w.message) for w in result.all_warnings] == [
        ("jwt_claims.jti_missing", "the JWT has no jti"),
        ("jwt_claims.sub_missing", "the JWT has no sub"),
        ("jwt_claims.nbf_missing", "the JWT has no nbf (validFrom is used)"),
    ]


def test_jwt_no_warning_when_the_credential_has_no_value_either() -> None:
    payload = _payload_jwk(jti=None, sub=None, nbf=None, validFrom=None)
    del payload["id"]
    payload["credentialSubject"] = [{"id": "did:x:s"}]
    result = verify_proof(_token(_header_for(), payload), OfflineResolver(), now=NOW)
    assert result.codes == []
    assert result.all_warnings == []


def test_jwt_exp_must_match_valid_until() -> None:
    until = "2030-01-01T00:00:00Z"
    exp = int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert jwt_issues(_token(_header_for(), _payload_jwk(validUntil=until, exp=exp))) == []
    assert jwt_issues(_token(_header_for(), _payload_jwk(validUntil=until, exp=exp + 1))) == [
        ("jwt_claims.exp_mismatch", "the JWT exp is not the credential's validUntil")
    ]
    assert jwt_issues(_token(_header_for(), _payload_jwk(exp=exp))) == [
        ("jwt_claims.exp_mismatch", "the JWT exp is not the credential's validUntil")
    ]
    result = verify_proof(
        _token(_header_for(), _payload_jwk(validUntil=until)), OfflineResolver(), now=NOW
    )
    assert [(w.code, w.message) for w in result.all_warnings] == [
        ("jwt_claims.exp_missing", "the JWT has no exp (validUntil is used)")
    ]


def test_jwt_nbf_mismatch_message_names_the_field() -> None:
    assert jwt_issues(_token(_header_for(), _payload_jwk(nbf=5))) == [
        ("jwt_claims.nbf_mismatch", "the JWT nbf is not the credential's validFrom")
    ]


def test_jwt_fractional_nbf_is_compared_as_whole_seconds() -> None:
    nbf = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()) + 0.5
    assert jwt_issues(_token(_header_for(), _payload_jwk(nbf=nbf))) == []


def test_jwt_claims_of_a_vcdm_1_1_token_use_issuance_and_expiration_dates() -> None:
    doc = credential(did_jwk(ED), v1=True, expirationDate="2030-01-01T00:00:00Z")
    exp = int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    nbf = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    base = {"iss": did_jwk(ED), "jti": doc["id"], "sub": "did:example:teacher1", "vc": doc}
    assert jwt_issues(_token(_header_for(), dict(base, nbf=nbf, exp=exp))) == []
    assert jwt_issues(_token(_header_for(), dict(base, nbf=nbf + 1, exp=exp))) == [
        ("jwt_claims.nbf_mismatch", "the JWT nbf is not the credential's issuanceDate")
    ]
    result = verify_proof(_token(_header_for(), base), OfflineResolver(), now=NOW)
    assert [w.message for w in result.all_warnings] == [
        "the JWT has no nbf (issuanceDate is used)",
        "the JWT has no exp (expirationDate is used)",
    ]
    # a 1.1 token's validFrom is not its nbf's field
    assert result.document == doc


def test_jwt_claim_bad_credential_date() -> None:
    token = _token(_header_for(), _payload_jwk(validFrom="soon"))
    assert jwt_issues(token) == [
        ("jwt_claims.bad_validFrom", "'soon' is not an xsd:dateTime with a time zone")
    ]


def test_jwt_nbf_at_the_skew_edge() -> None:
    start = NOW + SKEW
    stamp = int(start.timestamp())
    token = _token(
        _header_for(), _payload_jwk(validFrom=start.strftime("%Y-%m-%dT%H:%M:%SZ"), nbf=stamp)
    )
    assert jwt_issues(token, now=NOW) == []
    assert jwt_issues(token, now=NOW - timedelta(seconds=1)) == [
        ("jwt_claims.not_yet_valid", "the JWT is not valid yet (nbf)")
    ]
    assert jwt_issues(token, now=NOW - timedelta(seconds=1), clock_skew=SKEW * 2) == []


def test_jwt_exp_at_the_skew_edge() -> None:
    end = NOW - SKEW
    stamp = int(end.timestamp())
    token = _token(
        _header_for(), _payload_jwk(validUntil=end.strftime("%Y-%m-%dT%H:%M:%SZ"), exp=stamp)
    )
    assert jwt_issues(token, now=NOW) == []
    assert jwt_issues(token, now=NOW + timedelta(seconds=1)) == [
        ("jwt_claims.expired", "the JWT has expired (exp)")
    ]
    assert jwt_issues(token, now=NOW + timedelta(seconds=1), clock_skew=SKEW * 2) == []


def test_verify_jwt_defaults() -> None:
    token = _token(_header_for(), _payload_jwk())
    outcome, credential_ = jwtmod.verify_jwt(token, OfflineResolver(), now=NOW)
    assert outcome.verified
    assert credential_ is not None
    embedded = _token(_header_for(kid=None, jwk=ED.public_jwk()), _payload("https://x.example"))
    outcome, _ = jwtmod.verify_jwt(embedded, OfflineResolver(), now=NOW)
    assert [e.code for e in outcome.errors] == ["key_binding.untrusted_embedded_key"]
    start = NOW + SKEW
    late = _token(
        _header_for(),
        _payload_jwk(validFrom=start.strftime("%Y-%m-%dT%H:%M:%SZ"), nbf=int(start.timestamp())),
    )
    outcome, _ = jwtmod.verify_jwt(late, OfflineResolver(), now=NOW)
    assert outcome.verified, outcome.errors
    outcome, _ = jwtmod.verify_jwt(late, OfflineResolver(), now=NOW - timedelta(seconds=1))
    assert [e.code for e in outcome.errors] == ["jwt_claims.not_yet_valid"]


def test_verify_jwt_returns_no_credential_when_undecodable() -> None:
    outcome, credential_ = jwtmod.verify_jwt("a.b", OfflineResolver(), now=NOW)
    assert credential_ is None
    assert outcome.verified is False
    assert (outcome.index, outcome.type) == (0, "JWT")


def test_jwt_signature_by_another_key_fails() -> None:
    token = _token(_header_for(), _payload_jwk(), OTHER_ED)
    assert [c for c, _ in jwt_issues(token)] == ["signature.invalid"]


def test_jwt_copy_of_token_is_not_mutated() -> None:
    payload = _payload_jwk()
    kept = copy.deepcopy(payload)
    verify_proof(_token(_header_for(), payload), OfflineResolver(), now=NOW)
    assert payload == kept


# ---------------------------------------------------------------- second round: survivors


def test_jwt_form_follows_a_lone_context_string() -> None:
    doc = credential(did_for_key(ED))
    doc["@context"] = V2
    _, payload, _ = _parts(jwtmod.sign_jwt(doc, ED, verification_method=None))
    assert "vc" not in payload
    assert payload["@context"] == V2
    doc["@context"] = []
    _, payload, _ = _parts(jwtmod.sign_jwt(doc, ED, verification_method=None))
    assert payload["vc"]["@context"] == []


def test_jwt_payload_never_carries_a_proof() -> None:
    doc = credential(did_for_key(ED), proof={"type": "DataIntegrityProof"})
    _, payload, _ = _parts(jwtmod.sign_jwt(doc, ED, verification_method=None))
    assert "proof" not in payload
    v1 = credential(did_for_key(ED), v1=True, proof={"type": "DataIntegrityProof"})
    _, payload, _ = _parts(jwtmod.sign_jwt(v1, ED, verification_method=None))
    assert "proof" not in payload["vc"]


def test_jwt_header_segment_cache_is_read_and_holds_the_segment() -> None:
    jwtmod._HEADER_SEGMENTS.clear()
    segment = jwtmod._header_segment(ED, "did:x:1#a", False)
    assert jwtmod._HEADER_SEGMENTS[("EdDSA", "did:x:1#a", "JWT")] == segment
    jwtmod._HEADER_SEGMENTS[("EdDSA", "did:x:1#z", "JWT")] = "cached"
    assert jwtmod._header_segment(ED, "did:x:1#z", False) == "cached"
    jwtmod._HEADER_SEGMENTS.clear()


def test_jwt_header_key_material_error_keeps_its_message() -> None:
    with pytest.raises(MCBadgeError) as info:
        jwtmod.header_key({"kty": "OKP", "crv": "Ed25519", "x": "AA"})
    assert (info.value.code, info.value.message) == (
        "key_resolution.bad_jwk",
        "the JWK member 'x' has the wrong length",
    )


def test_issuer_own_key_resolution_error_keeps_its_message() -> None:
    with pytest.raises(MCBadgeError) as info:
        jwtmod.issuer_own_key("did:key:zBad", ED)
    assert (info.value.code, info.value.message) == (
        "key_resolution.unsupported_multicodec",
        "the did:key does not hold a usable key: the key uses an unsupported multicodec type",
    )


class _Failing:
    def __init__(self, code: str) -> None:
        self.code = code

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        raise MCBadgeError("no", code=self.code)


def test_issuer_own_key_maps_a_foreign_error_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jwtmod, "OfflineResolver", lambda: _Failing("did.broken"))
    with pytest.raises(MCBadgeError) as info:
        jwtmod.issuer_own_key(did_jwk(ED), ED)
    assert (info.value.code, info.value.message) == ("key_resolution.failed", "no")
    monkeypatch.setattr(jwtmod, "OfflineResolver", lambda: _Failing("key_resolution.x"))
    with pytest.raises(MCBadgeError) as info:
        jwtmod.issuer_own_key(did_jwk(ED), ED)
    assert info.value.code == "key_resolution.x"


@pytest.mark.parametrize("kid", [5, ""])
def test_resolve_key_refuses_a_kid_that_is_not_a_string(kid: Any) -> None:
    # verify_jwt refuses it earlier (jwt_member_issue); this copy of the rule is tested too
    with pytest.raises(MCBadgeError) as info:
        jwtmod._resolve_key(
            {"kid": kid}, "did:x:1", OfflineResolver(), False, ProofOutcome(0, "JWT")
        )
    assert (info.value.code, info.value.message) == ("jwt.bad_kid", "the JWT kid is not a string")


@pytest.mark.parametrize("claim", ["nbf", "exp"])
@pytest.mark.parametrize("value", ["1", True, None])
def test_check_claims_refuses_a_date_claim_that_is_not_a_number(claim: str, value: Any) -> None:
    # verify_jwt refuses it earlier (jwt_member_issue); this copy of the rule is tested too
    payload = {"iss": "did:x:1", claim: value}
    with pytest.raises(MCBadgeError) as info:
        jwtmod._check_claims(
            payload, {"issuer": "did:x:1"}, True, ProofOutcome(0, "JWT"), NOW, SKEW
        )
    assert (info.value.code, info.value.message) == (
        f"jwt_claims.{claim}_mismatch",
        f"the JWT {claim} is not a NumericDate",
    )


def test_check_claims_nbf_of_zero_matches_the_epoch() -> None:
    outcome = ProofOutcome(0, "JWT")
    jwtmod._check_claims(
        {"iss": "did:x:1", "nbf": 0},
        {"issuer": "did:x:1", "validFrom": "1970-01-01T00:00:00Z"},
        True,
        outcome,
        NOW,
        SKEW,
    )
    assert outcome.errors == []


# ---------------------------------------------------------------- third round: survivors


def test_an_empty_or_missing_proof_set_is_never_verified() -> None:
    doc = credential(did_for_key(ED))
    assert verify_proof(doc, OfflineResolver()).verified is False
    assert verify_proof(dict(doc, proof=[]), OfflineResolver()).verified is False


def test_every_proof_of_a_set_is_judged_after_an_unsupported_one() -> None:
    good = signed_di()
    doc = dict(good, proof=[{"type": "Other"}, good["proof"]])
    result = verify_proof(doc, OfflineResolver(), now=NOW)
    assert [o.index for o in result.proofs] == [0, 1]
    assert [o.verified for o in result.proofs] == [False, True]


def test_a_method_id_with_two_hashes_is_split_at_the_first() -> None:
    did = "did:web:example.edu"
    vm_id = f"{did}#key#2"
    signed = sign(credential(did), ED, format="jwt", verification_method=vm_id)
    assert _parts(signed.jwt)[0]["kid"] == vm_id  # type: ignore[arg-type]
    _common.check_key_binding(did, vm(vm_id, did))
    fetching = _Fetching({"id": did})
    verify_proof(_tampered(verificationMethod=vm_id), fetching, now=NOW)
    assert fetching.fetched == [did]


def test_legacy_cryptosuite_warning_message() -> None:
    legacy = di.Suite("eddsa-rdfc-2022", "DataIntegrityProof", "eddsa-2022", "ed25519", None)
    doc = di.sign_di(
        credential(did_for_key(ED)),
        ED,
        legacy,
        verification_method=f"{did_for_key(ED)}#{ED.public_multibase()}",
        created=NOW,
    )
    result = verify_proof(doc, OfflineResolver(), now=NOW)
    assert [(w.code, w.message) for w in result.all_warnings] == [
        ("cryptosuite.legacy_name", "the old cryptosuite name 'eddsa-2022' was used")
    ]


def test_jwt_kid_resolution_keeps_a_key_resolution_code() -> None:
    token = _token(_header_for(kid="did:example:1#k"), _payload_jwk())
    assert jwt_issues(token) == [("key_resolution.unsupported_method", "unsupported DID method")]


def test_sign_passes_embed_jwk_and_the_format_and_a_default_created() -> None:
    signed = sign(credential(did_for_key(ED)), ED, format="jwt", embed_jwk=True)
    assert _parts(signed.jwt)[0]["jwk"] == ED.public_jwk()  # type: ignore[arg-type]
    di_signed = sign(credential(did_for_key(ED)), ED, format="eddsa-rdfc-2022")
    assert di_signed.format == "eddsa-rdfc-2022"
    created = _common.parse_datetime(di_signed.document["proof"]["created"], code="x.y")
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)


def test_sign_jwt_document_copies_registered_members_deeply() -> None:
    doc = credential(did_for_key(ED), iat={"n": [1]})
    signed = sign(doc, ED, format="jwt")
    assert signed.document["iat"] == {"n": [1]}
    assert signed.document["iat"]["n"] is not doc["iat"]["n"]


@pytest.mark.usefixtures("far_east_local_time")
def test_times_are_utc_whatever_the_local_zone() -> None:
    now = datetime.now(UTC)
    doc = sign(
        credential(did_for_key(ED)), ED, format="eddsa-rdfc-2022", expires=now + timedelta(hours=1)
    ).document
    created = _common.parse_datetime(doc["proof"]["created"], code="x.y")
    assert abs(created - now) < timedelta(minutes=1)
    assert verify_proof(doc, OfflineResolver()).verified
    assert _common.format_datetime(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"
    parsed = _common.parse_datetime("2024-01-02T03:04:05+02:00", code="x.y")
    assert parsed.utcoffset() == timedelta(0)
    assert _common.format_datetime(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == (
        "2024-01-02T03:04:05Z"
    )
