"""Fail closed: a check whose work was not done is never ``passed``, and a status that exists
but could not be checked leaves the credential indeterminate (exit 2), never verified."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, FakeHost, make_credential, run
from _signer import sign_di
from _status_kit import LIST_URL, credential_with_status, status_list

import mcbadge.verify.pipeline as pipeline
from mcbadge.verify import VerificationResult


def _never_passed_without_work(result: VerificationResult) -> None:
    status_ids = ("status", "status_retrieval", "status_list", "status_range")
    if result.check("status_retrieval").status != "passed":
        assert all(result.check(cid).status != "passed" for cid in status_ids)
    if result.check("signature").status != "passed":
        # nothing the verified signature vouches for may read as passed
        for cid in ("key_resolution", "data_loss", "canonicalization"):
            assert result.check(cid).status != "passed", cid


def test_offline_status_is_skipped_and_indeterminate(host: FakeHost) -> None:
    host.put(LIST_URL, status_list(()))
    code, result = run(credential_with_status(), offline=True)
    assert code == 2
    assert result.failed_checks == ["status_retrieval", "network_policy"]
    assert result.check("status").status == "skipped"
    assert result.summary.status_state == "unknown"
    assert not result.verified
    assert host.requests == []
    _never_passed_without_work(result)


def test_no_fetcher_at_all_is_indeterminate(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(policy: Any) -> Any:
        raise OSError("no sockets here")

    monkeypatch.setattr(pipeline, "make_fetcher", broken)
    code, result = run(credential_with_status())
    assert code == 2
    assert result.failed_checks == ["status_retrieval"]
    assert result.check("status_retrieval").code == "status_retrieval.unavailable"
    _never_passed_without_work(result)


def test_unverifiable_list_never_passes_status(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), sign=False))
    code, result = run(credential_with_status())
    assert code == 2
    assert result.check("status").status == "skipped"
    assert result.check("status_range").status == "skipped"
    _never_passed_without_work(result)


def test_failed_signature_passes_nothing_it_would_vouch_for() -> None:
    document = sign_di(make_credential(), ISSUER_KEY)
    document["name"] = "Tampered"
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]
    _never_passed_without_work(result)


def test_endorsement_with_unreachable_status_is_indeterminate(host: FakeHost) -> None:
    endorsement = make_credential(
        ATTACKER_KEY,
        type=["VerifiableCredential", "EndorsementCredential"],
        credentialSubject={
            "id": "https://academy.example/achievements/csp",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Rigorous.",
        },
        credentialStatus={
            "id": f"{LIST_URL}#1",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "1",
            "statusListCredential": LIST_URL,
        },
    )
    credential = make_credential()
    credential["credentialSubject"]["achievement"]["endorsement"] = [
        sign_di(endorsement, ATTACKER_KEY)
    ]
    code, result = run(sign_di(credential, ISSUER_KEY))
    assert code == 2
    assert result.failed_checks == ["endorsements"]
    assert result.check("endorsements").indeterminate
