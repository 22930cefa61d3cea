"""Unit tests of the verifier pipeline that need no signing layer: input, data model, contexts,
validity, recipient, structural proof and JWT rules, report shape and exit codes."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcbadge.verify import (
    CHECK_IDS,
    VerificationPolicy,
    exit_code_for,
    render_text,
    verify,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def credential(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:4f2a7a4e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "State CS Academy"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Teaching CS Principles",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "pepper",
                    "identityHash": "sha256$"
                    + hashlib.sha256(b"teacher@example.org" + b"pepper").hexdigest(),
                }
            ],
            "achievement": {
                "id": "https://example.org/achievements/csp",
                "type": ["Achievement"],
                "name": "Teaching CS Principles",
                "description": "d",
                "criteria": {"narrative": "n"},
            },
        },
        "proof": [
            {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2026-01-01T00:00:00Z",
                "verificationMethod": ISSUER + "#" + ISSUER.split(":")[-1],
                "proofPurpose": "assertionMethod",
                "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6"
                "a22gkfUKods5D2UAUL5n2Brbx",
            }
        ],
    }
    document.update(overrides)
    return document


def policy(**options: Any) -> VerificationPolicy:
    return VerificationPolicy(now=NOW, offline=True, **options)


def by_id(result: Any, check_id: str) -> Any:
    return result.check(check_id)


def test_every_check_id_appears_once_in_order() -> None:
    result = verify(credential(), policy())
    assert tuple(check.id for check in result.checks) == CHECK_IDS


def test_report_json_shape() -> None:
    result = verify(credential(), policy())
    report = json.loads(result.to_json())
    assert set(report) == {"verified", "indeterminate", "failed_checks", "summary", "checks"}
    assert report["summary"]["issuer_name"] == "State CS Academy"
    assert report["summary"]["achievement_name"] == "Teaching CS Principles"
    assert report["summary"]["recipient"] == "identifier (emailAddress)"
    assert all(
        set(c) == {"id", "status", "code", "message", "indeterminate"} for c in report["checks"]
    )
    assert all(c["code"].startswith(c["id"] + ".") for c in report["checks"])


def test_without_a_verifying_signature_nothing_is_verified() -> None:
    # Whatever the signing layer's state, this made-up proofValue never verifies.
    result = verify(credential(), policy())
    assert not result.verified
    assert "signature" in result.failed_checks
    assert exit_code_for(result) == 1


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b'{"a": 1', "input."),
        (b'{"a": 1, "a": 2}', "input.duplicate_key"),
        (b'{"a": NaN}', "input."),
        (b"[" * 100 + b"]" * 100, "input.too_deep"),
        (b'{"a": "\xff"}', "input."),
        (b"[1, 2]", "input."),
        (b" " * (8 * 1024 * 1024 + 1), "input.too_large"),
    ],
)
def test_malformed_input_fails_the_input_check(document: bytes, code: str) -> None:
    result = verify(document, policy())
    assert result.failed_checks == ["input"]
    assert by_id(result, "input").code.startswith(code)
    assert all(c.status == "skipped" for c in result.checks if c.id != "input")


def test_wrong_python_type_is_a_programmer_error() -> None:
    with pytest.raises(TypeError):
        verify(12345, policy())  # type: ignore[arg-type]


def test_naive_policy_time_is_a_programmer_error() -> None:
    with pytest.raises(ValueError, match="timezone"):
        VerificationPolicy(now=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": ["VerifiableCredential"]}, "data_model.invalid"),
        ({"issuer": {"type": ["Profile"]}}, "data_model.invalid"),
        ({"credentialSubject": {"type": ["AchievementSubject"]}}, "data_model.invalid"),
    ],
)
def test_data_model_failures(change: dict[str, Any], code: str) -> None:
    result = verify(credential(**change), policy())
    assert by_id(result, "data_model").code == code


@pytest.mark.parametrize(
    ("contexts", "code"),
    [
        (
            ["https://www.w3.org/ns/credentials/v2", "https://evil.example/context.json"],
            "context.not_allowed",
        ),
        (
            [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                {"@base": "https://evil.example/"},
            ],
            "context.inline",
        ),
        (["https://www.w3.org/ns/credentials/v2"], "context.no_ob_context"),
    ],
)
def test_context_allow_list(contexts: list[Any], code: str) -> None:
    result = verify(credential(**{"@context": contexts}), policy())
    assert by_id(result, "context").code == code


def test_nested_context_is_checked() -> None:
    document = credential()
    document["credentialSubject"]["@context"] = "https://evil.example/ctx"
    assert by_id(verify(document, policy()), "context").code == "context.not_allowed"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"validUntil": "2026-02-01T00:00:00Z"}, "validity.expired"),
        ({"validFrom": "2027-01-01T00:00:00Z"}, "validity.not_yet_valid"),
        ({"validFrom": "2026-01-01T00:00:00"}, "validity.naive_datetime"),
        ({"validFrom": "yesterday"}, "validity.bad_datetime"),
        ({"validUntil": "2025-01-01T00:00:00Z"}, "validity.inverted"),
    ],
)
def test_validity_failures(change: dict[str, Any], code: str) -> None:
    result = verify(credential(**change), policy())
    assert by_id(result, "validity").code == code


def test_validity_respects_clock_skew() -> None:
    just_started = (NOW + timedelta(seconds=200)).isoformat().replace("+00:00", "Z")
    assert (
        by_id(verify(credential(validFrom=just_started), policy()), "validity").status == "passed"
    )
    strict = policy(clock_skew=timedelta(0))
    assert by_id(verify(credential(validFrom=just_started), strict), "validity").status == "failed"


def test_vcdm_1_1_dates() -> None:
    document = credential(
        **{
            "@context": [
                "https://www.w3.org/2018/credentials/v1",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
            ],
            "issuanceDate": "2026-01-01T00:00:00Z",
            "expirationDate": "2026-03-01T00:00:00Z",
        }
    )
    del document["validFrom"]
    assert by_id(verify(document, policy()), "validity").code == "validity.expired"
    assert by_id(verify(document, policy()), "data_model").status == "passed"


def test_recipient_hashed_email_matches() -> None:
    result = verify(credential(), policy(expected_recipient="teacher@example.org"))
    assert by_id(result, "recipient").status == "passed"


def test_recipient_mismatch_fails() -> None:
    result = verify(credential(), policy(expected_recipient="someone@example.org"))
    assert by_id(result, "recipient").code == "recipient.mismatch"


def test_recipient_plaintext_and_type_filter() -> None:
    document = credential()
    document["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "a@b.org",
        },
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": False,
            "identityHash": "a@b.org",
        },
    ]
    assert (
        by_id(verify(document, policy(expected_recipient="a@b.org")), "recipient").status
        == "passed"
    )
    document["credentialSubject"]["identifier"] = document["credentialSubject"]["identifier"][:1]
    assert (
        by_id(verify(document, policy(expected_recipient="a@b.org")), "recipient").status
        == "failed"
    )


def test_recipient_by_subject_id() -> None:
    document = credential()
    document["credentialSubject"]["id"] = "did:example:teacher"
    result = verify(document, policy(expected_recipient="did:example:teacher"))
    assert by_id(result, "recipient").status == "passed"


@pytest.mark.parametrize(
    ("proof_change", "check_id", "code"),
    [
        ({"type": "RsaSignature2018"}, "proof", "proof.unknown_type"),
        ({"proofValue": None}, "proof", "proof.no_proof_value"),
        ({"cryptosuite": "bbs-2023"}, "cryptosuite", "cryptosuite.unsupported"),
        ({"cryptosuite": None}, "cryptosuite", "cryptosuite.bad_cryptosuite"),
        ({"proofPurpose": "authentication"}, "proof_purpose", "proof_purpose.wrong_purpose"),
        ({"created": "2027-01-01T00:00:00Z"}, "proof_time", "proof_time.created_in_future"),
        ({"expires": "2026-02-01T00:00:00Z"}, "proof_time", "proof_time.expired"),
        (
            {"verificationMethod": "did:key:z6MkAttacker#z6MkAttacker"},
            "key_binding",
            "key_binding.not_issuer_key",
        ),
        (
            {"verificationMethod": "https://example.org/keys/1"},
            "key_binding",
            "key_binding.untrusted_key_url",
        ),
    ],
)
def test_structural_proof_rules(proof_change: dict[str, Any], check_id: str, code: str) -> None:
    document = credential()
    document["proof"][0].update(proof_change)
    if proof_change.get("proofValue", "") is None:
        del document["proof"][0]["proofValue"]
    result = verify(document, policy())
    assert by_id(result, check_id).code == code
    assert check_id in result.failed_checks
    assert exit_code_for(result) == 1


def test_missing_proof_fails() -> None:
    document = credential()
    del document["proof"]
    assert by_id(verify(document, policy()), "proof").code == "proof.missing"


def test_trusted_issuer_allow_list() -> None:
    result = verify(credential(), policy(trusted_issuers=frozenset({"did:example:other"})))
    assert by_id(result, "key_binding").code == "key_binding.untrusted_issuer"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def jwt(header: dict[str, Any], payload: dict[str, Any], signature: str = "c2ln") -> str:
    return f"{_b64(header)}.{_b64(payload)}.{signature}"


def jwt_payload(**claims: Any) -> dict[str, Any]:
    document = credential()
    del document["proof"]
    document["credentialSubject"]["id"] = "did:example:teacher"
    payload = {
        **document,
        "iss": ISSUER,
        "jti": document["id"],
        "sub": "did:example:teacher",
        "nbf": int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
    }
    payload.update(claims)
    return payload


KID = ISSUER + "#" + ISSUER.split(":")[-1]


@pytest.mark.parametrize(
    ("header", "claims", "code"),
    [
        ({"alg": "none"}, {}, "jwt.alg_none"),
        ({"alg": "HS256", "kid": KID}, {}, "jwt.alg_symmetric"),
        ({"alg": "XX1", "kid": KID}, {}, "jwt.alg_unsupported"),
        ({"alg": "EdDSA", "kid": KID, "crit": ["exp"]}, {}, "jwt.crit"),
        ({"alg": "EdDSA", "kid": KID, "jku": "https://evil.example/k"}, {}, "jwt.header_param"),
        ({"alg": "EdDSA", "kid": KID, "typ": "JOSE+JSON"}, {}, "jwt.typ"),
        ({"alg": "EdDSA"}, {}, "jwt.no_key"),
        ({"alg": "EdDSA", "kid": KID}, {"iss": "did:example:evil"}, "jwt_claims.iss_mismatch"),
        ({"alg": "EdDSA", "kid": KID}, {"jti": "urn:uuid:other"}, "jwt_claims.jti_mismatch"),
        ({"alg": "EdDSA", "kid": KID}, {"sub": "did:example:other"}, "jwt_claims.sub_mismatch"),
        ({"alg": "EdDSA", "kid": KID}, {"nbf": 1}, "jwt_claims.nbf_mismatch"),
        ({"alg": "EdDSA", "kid": KID}, {"exp": 1}, "jwt_claims.exp_mismatch"),
        ({"alg": "EdDSA", "jwk": {"kty": "OKP"}}, {}, "key_resolution.bad_jwk"),
        ({"alg": "EdDSA", "kid": "did:key:z6MkEvil#z6MkEvil"}, {}, "key_binding.not_issuer_key"),
    ],
)
def test_jwt_header_and_claim_rules(
    header: dict[str, Any], claims: dict[str, Any], code: str
) -> None:
    result = verify(jwt(header, jwt_payload(**claims)), policy())
    check_id = code.split(".")[0]
    assert by_id(result, check_id).code == code
    assert exit_code_for(result) == 1


def test_jwt_with_valid_structure_still_needs_a_signature() -> None:
    result = verify(jwt({"alg": "EdDSA", "kid": KID}, jwt_payload()), policy())
    assert by_id(result, "jwt").status == "passed"
    assert by_id(result, "jwt_claims").status == "passed"
    assert "signature" in result.failed_checks
    assert by_id(result, "cryptosuite").status == "skipped"


def test_malformed_jwt_payload() -> None:
    result = verify("eyJhbGciOiJFZERTQSJ9.bm90LWpzb24.c2ln", policy())
    assert result.failed_checks == ["jwt"]
    assert by_id(result, "jwt").code == "jwt.malformed"


def test_status_offline_is_indeterminate() -> None:
    document = credential(
        credentialStatus={
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "7",
            "statusListCredential": "https://example.org/status/1",
        }
    )
    from mcbadge.verify._context import RunContext
    from mcbadge.verify.checks_status import run_status_checks

    ctx = RunContext(policy(), NOW)
    ctx.parsed = __import__("mcbadge.verify._input", fromlist=["x"]).parse_input(document)
    checks = run_status_checks(ctx, lambda doc, c: verify(doc, policy()))
    assert checks["status_retrieval"].status == "failed"
    assert checks["status_retrieval"].indeterminate
    assert ctx.network_refusals[0].code == "network_policy.offline"


def test_status_index_must_be_canonical() -> None:
    from mcbadge.verify._context import RunContext
    from mcbadge.verify._input import parse_input
    from mcbadge.verify.checks_status import run_status_checks

    for index in ("007", "-1", "1e3", " 1", "99999999999"):
        document = credential(
            credentialStatus={
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": index,
                "statusListCredential": "https://example.org/status/1",
            }
        )
        ctx = RunContext(policy(), NOW)
        ctx.parsed = parse_input(document)
        checks = run_status_checks(ctx, lambda doc, c: verify(doc, policy()))
        assert checks["status_range"].code == "status_range.bad_index", index
        assert not checks["status_range"].indeterminate


def test_a_crashing_check_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import mcbadge.verify.pipeline as pipeline

    def explode(ctx: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "check_validity", explode)
    monkeypatch.setattr(pipeline, "run_proof_checks", explode)
    result = verify(credential(), policy())
    assert by_id(result, "validity").code == "validity.internal_error"
    # a crash of the proof family fails the signature; the rest say they were not reached
    assert by_id(result, "signature").code == "signature.internal_error"
    assert by_id(result, "data_loss").code == "data_loss.not_reached"
    assert "RuntimeError" in by_id(result, "validity").message
    assert not result.verified


def test_require_status_policy() -> None:
    result = verify(credential(), policy(require_status=True))
    assert by_id(result, "status").code in ("status.missing", "status.not_reached")


def test_text_rendering_lists_every_check() -> None:
    result = verify(credential(), policy())
    text = render_text(result, name="a.json")
    assert text.startswith("a.json: NOT VERIFIED")
    for check_id in CHECK_IDS:
        assert f" {check_id} " in text
    assert "\x1b[" not in text
    assert "\x1b[" in render_text(result, colour=True)


def test_input_document_is_not_mutated() -> None:
    document = credential()
    snapshot = copy.deepcopy(document)
    verify(document, policy())
    assert document == snapshot


def test_a_check_that_is_never_evaluated_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import mcbadge.verify.pipeline as pipeline

    monkeypatch.setattr(pipeline, "run_proof_checks", lambda ctx: {})
    result = verify(credential(), policy())
    assert by_id(result, "signature").code == "signature.not_evaluated"
    assert not result.verified


def test_verify_many_keeps_order_and_accepts_paths(tmp_path: Any) -> None:
    from mcbadge.verify import verify_many

    paths = []
    for number in range(5):
        path = tmp_path / f"{number}.json"
        path.write_text("{" if number % 2 else json.dumps(credential()), encoding="utf-8")
        paths.append(path)
    results = list(verify_many(paths, policy(), jobs=2, chunk_size=1))
    assert [r.failed_checks == ["input"] for r in results] == [False, True, False, True, False]
    with pytest.raises(ValueError, match="jobs"):
        list(verify_many(paths, policy(), jobs=0))


def test_schema_check_against_bundled_schema() -> None:
    url = (
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
        "ob_v3p0_achievementcredential_schema.json"
    )
    schema_entry = {"id": url, "type": "1EdTechJsonSchemaValidator2019"}
    good = credential(credentialSchema=[schema_entry])
    assert by_id(verify(good, policy()), "schema").status == "passed"
    bad = credential(credentialSchema=[schema_entry])
    bad["credentialSubject"]["achievement"]["criteria"] = "not an object"
    assert by_id(verify(bad, policy()), "schema").code == "schema.invalid"


def test_unknown_schema_url_is_a_warning_and_never_fetched() -> None:
    entry = {"id": "https://evil.example/schema.json", "type": "1EdTechJsonSchemaValidator2019"}
    check = by_id(verify(credential(credentialSchema=[entry]), policy()), "schema")
    assert check.status == "warning"
    assert check.code == "schema.unknown_url"


def test_spec_examples_verify_with_embedded_keys(reference: Any) -> None:
    from pathlib import Path

    base = Path(reference) / "examples/ob3/spec-rendered"
    files = sorted(base.glob("*/signed-di.json")) + sorted(base.glob("*/credential.jwt"))
    assert len(files) >= 16
    for path in files:
        result = verify(path, policy(trust_embedded_keys=True))
        # Offline, a credential with a revocation list is indeterminate, never verified.
        assert result.verified or result.indeterminate, (path, result.failed_checks)


def test_results_survive_pickling_unchanged(tmp_path: Any) -> None:
    # verify_many's workers send results back pickled (compact constructor arguments)
    import pickle

    path = tmp_path / "one.json"
    path.write_text(json.dumps(credential()), encoding="utf-8")
    for document in (credential(), "{", path):
        result = verify(document, policy())
        again = pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == result
        assert again.to_json() == result.to_json()
        assert again.failed_checks == result.failed_checks
