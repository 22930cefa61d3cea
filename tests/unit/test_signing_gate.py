"""mcbadge.sign (and the Issuer) refuse to sign what every verifier rejects, with the check id
and code ``mcbadge verify`` reports; ``check=False`` is the loudly named way around it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import mcbadge
from mcbadge.did import did_for_key
from mcbadge.issuer import Issuer, IssuerStore, RosterRow, SigningKey
from mcbadge.signing import PRESIGN_CHECK_IDS, SigningRefusedError, presign_failures
from mcbadge.verify import VerificationPolicy, verify

EXAMPLE = "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json"


@pytest.fixture
def key() -> mcbadge.Key:
    return mcbadge.generate_key("ed25519")


@pytest.fixture
def credential(reference: Path, key: mcbadge.Key) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((reference / EXAMPLE).read_text())
    document.pop("proof", None)
    document["issuer"] = dict(document["issuer"], id=did_for_key(key))
    return document


def verifier_codes(document: dict[str, Any]) -> dict[str, str]:
    """The codes ``mcbadge verify`` reports for the checks signing runs first."""
    result = verify(copy.deepcopy(document), VerificationPolicy(offline=True))
    return {
        check.id: check.code
        for check in result.checks
        if check.status == "failed" and check.id in PRESIGN_CHECK_IDS
    }


BROKEN: list[tuple[str, Any, str]] = [
    ("validFrom", "not a date", "validity.bad_datetime"),
    ("validFrom", "2024-01-01T00:00:00", "validity.naive_datetime"),
    ("@context", ["https://www.w3.org/ns/credentials/v2"], "context.no_ob_context"),
    ("type", ["VerifiableCredential"], "data_model.invalid"),
    ("name", 42, "data_model.invalid"),
    ("credentialSubject", [], "data_model.invalid"),
]


@pytest.mark.parametrize(("member", "value", "code"), BROKEN)
def test_sign_refuses_with_the_verifiers_check_id_and_code(
    credential: dict[str, Any], key: mcbadge.Key, member: str, value: Any, code: str
) -> None:
    credential[member] = value
    with pytest.raises(SigningRefusedError) as caught:
        mcbadge.sign(credential, key, format="eddsa-rdfc-2022")
    refusal = caught.value
    reported = verifier_codes(credential)
    assert code in {check.code for check in refusal.checks}
    assert {check.id: check.code for check in refusal.checks} == reported
    assert (refusal.check_id, refusal.code) == next(iter(reported.items()))
    assert isinstance(refusal, mcbadge.MCBadgeError)


def test_a_vcdm_1_credential_with_issuance_date_not_a_date_is_refused(
    credential: dict[str, Any], key: mcbadge.Key
) -> None:
    credential["@context"] = ["https://www.w3.org/2018/credentials/v1", *credential["@context"][1:]]
    credential.pop("validFrom")
    credential["issuanceDate"] = "not a date"
    with pytest.raises(SigningRefusedError) as caught:
        mcbadge.sign(credential, key, format="jwt")
    codes = {check.code for check in caught.value.checks}
    assert "validity.bad_datetime" in codes
    assert {c.id: c.code for c in caught.value.checks} == verifier_codes(credential)


def test_a_good_credential_signs_and_a_future_or_past_window_is_not_refused(
    credential: dict[str, Any], key: mcbadge.Key
) -> None:
    assert presign_failures(credential) == []
    signed = mcbadge.sign(credential, key, format="eddsa-rdfc-2022")
    assert verifier_codes(signed.document) == {}
    credential.pop("validUntil", None)
    credential["validFrom"] = "2999-01-01T00:00:00Z"  # not yet valid: signing it is fine
    mcbadge.sign(credential, key, format="eddsa-rdfc-2022")
    credential["validFrom"] = "2001-01-01T00:00:00Z"
    credential["validUntil"] = "2002-01-01T00:00:00Z"  # a back-dated record
    mcbadge.sign(credential, key, format="eddsa-rdfc-2022")


def test_check_false_signs_anyway_and_the_verifier_rejects_the_result(
    credential: dict[str, Any], key: mcbadge.Key
) -> None:
    credential["validFrom"] = "not a date"
    signed = mcbadge.sign(credential, key, format="eddsa-rdfc-2022", check=False)
    result = mcbadge.verify(signed.document, VerificationPolicy(offline=True))
    assert not result.verified
    assert "validity.bad_datetime" in [c.code for c in result.checks if c.status == "failed"]


def test_the_issuer_refuses_before_reserving_what_a_verifier_would_reject(
    tmp_path: Path,
) -> None:
    """An achievement the typed model accepts but the verifier's data model check rejects
    (an empty list: OB 3.0 says omit it; JSON-LD drops it, so the signature would still
    verify) is refused with the verifier's code, and nothing is reserved."""
    achievement = {
        "id": "https://provider.test/achievements/csp",
        "type": ["Achievement"],
        "name": "Teaching CS Principles",
        "description": "Taught a unit.",
        "criteria": {"narrative": "Taught a full unit."},
        "tag": [],
    }
    with IssuerStore(f"sqlite:///{tmp_path / 'r.db'}") as store:
        issuer = Issuer(
            {"name": "Academy"},
            SigningKey.generate(),
            registry=store,
            status_base_url="https://provider.test/status/",
        )
        with pytest.raises(SigningRefusedError) as caught:
            issuer.issue(achievement, "a@school.example")
        assert caught.value.code == "data_model.invalid"
        assert "tag" in caught.value.message
        result = issuer.issue_batch(
            [RosterRow("r1", "a@school.example", "csp")], catalog={"csp": achievement}
        )
        assert [o.code for o in result.outcomes] == ["data_model.invalid"]
        assert list(store.records(issuer.issuer_id)) == []
