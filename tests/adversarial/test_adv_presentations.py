"""Hostile presentations: each test starts from a presentation that verifies, changes one
thing, and asserts the failed check id and code, and the exit code of ``mcbadge verify``."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from _helpers import ISSUER_KEY, NOW, FakeHost, make_credential
from _signer import sign_di
from _status_kit import LIST_URL, credential_with_status, status_entry, status_list
from _vp_kit import (
    CHALLENGE,
    DOMAIN,
    SECOND_ISSUER,
    TEACHER,
    check,
    jwt_parts,
    mc_key,
    resign_jwt,
    teacher_credential,
    vp,
)

from mcbadge.cli.app import main
from mcbadge.did import OfflineResolver
from mcbadge.multibase import multibase_encode
from mcbadge.present import create_presentation
from mcbadge.proofs.di import hash_data
from mcbadge.proofs.presentation import VP_SUITES, sign_presentation_di
from mcbadge.registry import ChallengeStore, Registry
from mcbadge.verify import verify

CLI_NOW = (NOW + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")


def cli(
    tmp_path: Path, document: Any, *extra: str, challenge: str = CHALLENGE, domain: str = DOMAIN
) -> int:
    path = tmp_path / ("vp.jwt" if isinstance(document, str) else "vp.json")
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    args = ["verify", str(path), "--now", CLI_NOW, "--offline", "--challenge", challenge]
    return main([*args, "--domain", domain, *extra])


def good_credentials() -> list[Any]:
    return [
        teacher_credential(number=1),
        teacher_credential(SECOND_ISSUER, number=2),
        teacher_credential(number=3),
    ]


def test_the_baseline_verifies(tmp_path: Path) -> None:
    document = vp(good_credentials())
    code, result = check(document)
    assert (code, result.outer.failed_checks, len(result.nested)) == (0, [], 3)
    assert cli(tmp_path, document) == 0


# --- challenge -----------------------------------------------------------------------------


def _signed_without_challenge() -> dict[str, Any]:
    """A correctly signed presentation whose proof answers no challenge at all."""
    unsecured = create_presentation([teacher_credential()], holder=TEACHER.did)
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": "2026-06-01T00:00:00Z",
        "verificationMethod": TEACHER.vm,
        "proofPurpose": "authentication",
        "domain": DOMAIN,
    }
    _, _, data = hash_data(unsecured, options)
    options["proofValue"] = multibase_encode(mc_key(TEACHER).sign(data))
    return {**unsecured, "proof": options}


def test_challenge_missing_from_the_proof(tmp_path: Path) -> None:
    document = _signed_without_challenge()
    code, result = check(document)
    assert code == 1
    assert result.outer.check("signature").status == "passed"  # the proof itself is good
    assert result.outer.failed_checks == ["challenge"]
    assert result.outer.check("challenge").code == "challenge.missing"
    assert cli(tmp_path, document) == 1


def test_verifier_without_a_challenge_fails(tmp_path: Path) -> None:
    code, result = check(vp(), challenge=None)
    assert code == 1
    assert result.outer.check("challenge").code == "challenge.not_given"


def test_wrong_challenge(tmp_path: Path) -> None:
    document = vp(challenge="an-old-challenge")
    code, result = check(document)
    assert code == 1
    assert result.outer.failed_checks == ["challenge"]
    assert result.outer.check("challenge").code == "challenge.mismatch"
    assert cli(tmp_path, document) == 1


def test_reused_unknown_and_expired_challenges(tmp_path: Path) -> None:
    with Registry.open(f"sqlite:///{tmp_path / 'office.db'}") as registry:
        store = ChallengeStore(registry)
        issued = store.issue(now=NOW)
        document = vp(challenge=issued.value)
        first = check(document, challenge=issued.value, challenge_store=store)
        again = check(document, challenge=issued.value, challenge_store=store)
        unknown = check(
            vp(challenge="never-issued"), challenge="never-issued", challenge_store=store
        )
        old = store.issue(timedelta(seconds=60), now=NOW - timedelta(hours=1))
        expired = check(vp(challenge=old.value), challenge=old.value, challenge_store=store)
    assert first[0] == 0
    assert first[1].outer.check("challenge").code == "challenge.ok"
    assert again[0] == 1
    assert again[1].outer.check("challenge").code == "challenge.reused"
    assert unknown[1].outer.check("challenge").code == "challenge.unknown"
    assert expired[1].outer.check("challenge").code == "challenge.expired"
    assert [again[1].outer.failed_checks, unknown[1].outer.failed_checks] == [["challenge"]] * 2


def test_reused_challenge_through_the_cli(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'office.db'}"
    with Registry.open(db) as registry:
        value = ChallengeStore(registry).issue(timedelta(days=1)).value
    document = vp(challenge=value)
    assert cli(tmp_path, document, "--db", db, challenge=value) == 0
    assert cli(tmp_path, document, "--db", db, challenge=value) == 1


def test_a_failed_proof_does_not_burn_the_challenge(tmp_path: Path) -> None:
    with Registry.open(f"sqlite:///{tmp_path / 'office.db'}") as registry:
        store = ChallengeStore(registry)
        value = store.issue(now=NOW).value
        document = vp(challenge=value)
        forged = copy.deepcopy(document)
        forged["proof"]["proofValue"] = vp(challenge="other")["proof"]["proofValue"]
        code, result = check(forged, challenge=value, challenge_store=store)
        assert code == 1
        assert result.outer.check("challenge").code == "challenge.not_consumed"
        assert check(document, challenge=value, challenge_store=store)[0] == 0


# --- domain --------------------------------------------------------------------------------


def test_wrong_domain(tmp_path: Path) -> None:
    document = vp(domain="https://other-office.example")
    code, result = check(document)
    assert code == 1
    assert result.outer.failed_checks == ["domain"]
    assert result.outer.check("domain").code == "domain.mismatch"
    assert cli(tmp_path, document) == 1


def test_domain_missing_when_the_verifier_has_one(tmp_path: Path) -> None:
    code, result = check(vp(domain=None))
    assert code == 1
    assert result.outer.check("domain").code == "domain.missing"


# --- keys and holder -------------------------------------------------------------------------

HOLDER_WEB = "did:web:teacher.example"


def _web_holder(relationships: tuple[str, ...]) -> dict[str, Any]:
    vm = f"{HOLDER_WEB}#key-1"
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": HOLDER_WEB,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": HOLDER_WEB,
                "publicKeyMultibase": TEACHER.multikey,
            }
        ],
    }
    for relationship in relationships:
        document[relationship] = [vm]
    return document


def _web_presentation() -> dict[str, Any]:
    credential = teacher_credential(subject=HOLDER_WEB)
    result = vp([credential], holder=HOLDER_WEB, verification_method=f"{HOLDER_WEB}#key-1")
    assert isinstance(result, dict)
    return result


def test_assertion_method_only_key_cannot_sign_a_presentation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _web_presentation()
    ok = check(document, did_documents={HOLDER_WEB: _web_holder(("authentication",))})
    assert ok[0] == 0
    issuing_only = {HOLDER_WEB: _web_holder(("assertionMethod",))}
    code, result = check(document, did_documents=issuing_only)
    assert code == 1
    assert result.outer.failed_checks[0] == "key_binding"
    assert result.outer.check("key_binding").code == "key_binding.not_authentication"
    import mcbadge.verify.presentation as presentation

    monkeypatch.setattr(
        presentation, "make_resolver", lambda policy, fetcher: OfflineResolver(issuing_only)
    )
    assert cli(tmp_path, document) == 1


def test_holder_differs_from_signer(tmp_path: Path) -> None:
    unsecured = create_presentation([teacher_credential()], holder="did:example:someone-else")
    document = sign_presentation_di(
        unsecured,
        mc_key(TEACHER),
        VP_SUITES["ecdsa-rdfc-2019"],
        verification_method=TEACHER.vm,
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=NOW,
    )
    code, result = check(document)
    assert code == 1
    assert result.outer.failed_checks == ["holder_binding"]
    assert result.outer.check("holder_binding").code == "holder_binding.signer_not_holder"
    assert cli(tmp_path, document) == 1


def test_credential_issued_to_someone_else(tmp_path: Path) -> None:
    document = vp([teacher_credential(), teacher_credential(subject="did:example:other", number=2)])
    code, result = check(document)
    assert code == 1
    binding = result.outer.check("holder_binding")
    assert binding.code == "holder_binding.subject_not_holder"
    assert "/verifiableCredential/1" in binding.message
    assert cli(tmp_path, document) == 1


def test_binding_not_established_is_its_own_failure_and_the_unsafe_mode_says_so() -> None:
    credential = make_credential(ISSUER_KEY)
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": False,
                "identityHash": "ada@school.example",
            }
        ],
        "achievement": credential["credentialSubject"]["achievement"],
    }
    document = vp([sign_di(credential, ISSUER_KEY)])
    code, result = check(document)
    assert code == 1
    assert result.outer.check("holder_binding").code == "holder_binding.not_established"
    # the office knows the teacher's e-mail: the identifier binds the credential
    assert check(document, expected_recipient="ada@school.example")[0] == 0
    wrong = check(document, expected_recipient="eve@school.example")[1]
    assert wrong.outer.check("holder_binding").code == "holder_binding.recipient_mismatch"
    code, result = check(document, holder_binding="NOT-CHECKED-UNSAFE")
    unchecked = result.outer.check("holder_binding")
    assert (code, unchecked.status, unchecked.code) == (0, "skipped", "holder_binding.not_checked")
    assert "NOT CHECKED" in unchecked.message


# --- credentials inside, with a good presentation proof ----------------------------------------


def _bad_inside(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad: Any,
    check_id: str,
    code: str,
    exit_code: int = 1,
    **options: Any,
) -> None:
    creds = good_credentials()
    creds.insert(1, bad)
    document = vp(creds)
    result_code, result = check(document, **options)
    assert result_code == exit_code
    assert result.outer.check("signature").status == "passed"
    assert result.outer.check("challenge").status != "failed"
    assert result.failed_locations[-1] == "/verifiableCredential/1"
    inner = result.nested[1].result
    assert inner.check(check_id).code == code, inner.check(check_id)
    assert [n.result.verified for n in result.nested] == [True, False, True, True]
    if not options:
        capsys.readouterr()
        assert cli(tmp_path, document) == exit_code
        out = capsys.readouterr().out
        assert "credential /verifiableCredential/1: NOT VERIFIED" in out
        assert "credential(s) at /verifiableCredential/1" in out


def test_tampered_credential_inside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tampered = teacher_credential(number=9)
    tampered["name"] = "Teaching AP Computer Science A"
    _bad_inside(tmp_path, capsys, tampered, "signature", "signature.invalid")


def test_expired_credential_inside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expired = teacher_credential(number=9, validUntil="2026-03-01T00:00:00Z")
    _bad_inside(tmp_path, capsys, expired, "validity", "validity.expired")


def test_untrusted_issuer_inside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from _helpers import ATTACKER_KEY

    trusted = frozenset({ISSUER_KEY.did, SECOND_ISSUER.did})
    stranger = teacher_credential(ATTACKER_KEY, number=9)
    _bad_inside(
        tmp_path,
        capsys,
        stranger,
        "key_binding",
        "key_binding.untrusted_issuer",
        trusted_issuers=trusted,
    )


def test_revoked_credential_inside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host = FakeHost()
    host.put(LIST_URL, status_list((7,)))
    revoked = make_credential(ISSUER_KEY, credentialStatus=status_entry(index=7))
    revoked["credentialSubject"]["id"] = TEACHER.did
    revoked["id"] = "urn:uuid:7f0d0a2e-1111-4c1e-9c55-000000000009"
    _bad_inside(
        tmp_path,
        capsys,
        sign_di(revoked, ISSUER_KEY),
        "status",
        "status.revoked",
        fetcher=host,
        offline=False,
    )
    assert host.requests == [LIST_URL]
    assert credential_with_status  # the kit's helper builds the same shape


def test_enveloped_credential_that_is_not_a_jwt() -> None:
    envelope = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": "data:application/vc+jwt,not-a-jwt",
        "type": "EnvelopedVerifiableCredential",
    }
    unsecured = create_presentation([teacher_credential()], holder=TEACHER.did)
    unsecured["verifiableCredential"].append(envelope)
    document = sign_presentation_di(
        unsecured,
        mc_key(TEACHER),
        VP_SUITES["ecdsa-rdfc-2019"],
        verification_method=TEACHER.vm,
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=NOW,
    )
    code, result = check(document)
    assert code == 1
    assert result.failed_locations == ["", "/verifiableCredential/1"]
    assert result.nested[1].result.check("input").code == "input.enveloped_not_jwt"


# --- VP-JWT ------------------------------------------------------------------------------------


def _vp_jwt() -> str:
    token = vp([teacher_credential()], format="vp+jwt")
    assert isinstance(token, str)
    return token


def test_vp_jwt_baseline(tmp_path: Path) -> None:
    token = _vp_jwt()
    assert check(token)[0] == 0
    assert cli(tmp_path, token) == 0


def test_vp_jwt_alg_none(tmp_path: Path) -> None:
    header, payload, _ = jwt_parts(_vp_jwt())
    from _vp_kit import b64

    token = f"{b64({**header, 'alg': 'none'})}.{b64(payload)}."
    code, result = check(token)
    assert code == 1
    assert result.outer.check("jwt").code == "jwt.alg_none"
    assert cli(tmp_path, token) == 1


@pytest.mark.parametrize(
    ("claim", "check_id", "code"),
    [
        ("aud", "jwt_claims", "jwt_claims.missing_aud"),
        ("nonce", "jwt_claims", "jwt_claims.missing_nonce"),
        ("exp", "jwt_claims", "jwt_claims.missing_exp"),
    ],
)
def test_vp_jwt_missing_claims(tmp_path: Path, claim: str, check_id: str, code: str) -> None:
    header, payload, _ = jwt_parts(_vp_jwt())
    del payload[claim]
    token = resign_jwt(header, payload)
    result_code, result = check(token)
    assert result_code == 1
    assert result.outer.check("signature").status == "passed"
    assert result.outer.check(check_id).code == code
    assert cli(tmp_path, token) == 1


def test_vp_jwt_missing_nonce_also_fails_the_challenge() -> None:
    header, payload, _ = jwt_parts(_vp_jwt())
    del payload["nonce"]
    assert (
        check(resign_jwt(header, payload))[1].outer.check("challenge").code == "challenge.missing"
    )


def test_vp_jwt_expired(tmp_path: Path) -> None:
    token = _vp_jwt()
    late = (NOW + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, result = check(token, now=NOW + timedelta(hours=2))
    assert code == 1
    assert result.outer.check("jwt_claims").code == "jwt_claims.expired"
    assert result.outer.check("freshness").code == "freshness.stale"
    path = tmp_path / "vp.jwt"
    path.write_text(token)
    args = ["verify", str(path), "--now", late, "--offline", "--challenge", CHALLENGE]
    assert main([*args, "--domain", DOMAIN]) == 1


def test_vp_jwt_hmac_and_wrong_signer() -> None:
    header, payload, _ = jwt_parts(_vp_jwt())
    hmac_token = resign_jwt({**header, "alg": "HS256"}, payload)
    assert check(hmac_token)[1].outer.check("jwt").code == "jwt.alg_hmac"
    forged = resign_jwt(header, payload, key=SECOND_ISSUER)  # kid still names the teacher
    assert check(forged)[1].outer.check("signature").code.startswith("signature.")


def test_stale_data_integrity_presentation() -> None:
    code, result = check(vp(), now=NOW + timedelta(hours=1))
    assert code == 1
    assert result.outer.check("freshness").code == "freshness.stale"


def test_single_credential_verifier_refuses_a_presentation() -> None:
    for document in (vp(), _vp_jwt()):
        result = verify(document)
        assert not result.verified
        assert result.check("input").code == "input.presentation"
        assert "verify_presentation" in result.check("input").message


def test_presentation_signed_in_the_future_fails_freshness() -> None:
    document = vp(now=NOW + timedelta(hours=1))  # dated an hour after the verifier's clock
    code, result = check(document)
    assert code == 1
    assert result.outer.check("freshness").code == "freshness.created_in_future"
    token = vp(format="vp+jwt", now=NOW + timedelta(hours=1))
    code, result = check(token)
    assert code == 1
    assert result.outer.check("freshness").code == "freshness.created_in_future"


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("created", "2026-06-01T03:00:00Z"),
        ("created", "yesterday"),
        ("expires", "2026-05-01T00:00:00Z"),
        ("proofPurpose", "assertionMethod"),
        ("cryptosuite", "eddsa-2022"),
        ("type", "Ed25519Signature2020"),
        ("verificationMethod", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#x"),
        ("proofValue", "z111"),
        ("challenge", None),
        ("domain", ["https://licensure.example", "https://other.example"]),
        ("previousProof", "urn:x"),
        ("@context", "https://www.w3.org/2018/credentials/v1"),
    ],
)
def test_no_change_to_the_proof_reads_verified(member: str, value: Any) -> None:
    """Siblings of the future-dated proof: a proof-layer failure is never overwritten by a
    later check's pass; whatever is changed, the presentation does not verify."""
    document = vp()
    if value is None:
        document["proof"].pop(member)
    else:
        document["proof"][member] = value
    code, result = check(document)
    assert code == 1, result.outer.to_dict()
    assert result.outer.failed_checks


@pytest.mark.parametrize(
    ("claim", "value"),
    [("aud", 5), ("nonce", 5), ("iat", "x"), ("exp", "x"), ("nbf", 9_999_999_999), ("iss", 7)],
)
def test_no_change_to_the_vp_jwt_claims_reads_verified(claim: str, value: Any) -> None:
    header, payload, _ = jwt_parts(_vp_jwt())
    payload[claim] = value
    code, result = check(resign_jwt(header, payload))
    assert code == 1, result.outer.to_dict()
