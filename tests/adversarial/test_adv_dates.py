"""Dates an issuer signed: every one a credential carries is enforced, at any edge of the
calendar, in Data Integrity and VC-JWT credentials alike, and never crashes a check.

NOW is 2026-06-01; the credentials start 2026-01-01 unless a test says otherwise.
"""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from _helpers import ISSUER_KEY, FakeHost, make_credential, run
from _signer import jwt_payload, sign_di, sign_jwt
from _status_kit import LIST_URL, credential_with_status, status_list

from mcbadge.verify import VerificationPolicy, exit_code_for, verify

EPOCH_2026 = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _jwt(credential: dict[str, Any]) -> str:
    """A VC-JWT whose nbf/exp are the dates VC-JWT maps them to (1.1: issuanceDate and
    expirationDate; 2.0: validFrom and validUntil); any other date stays in the credential."""
    payload = jwt_payload(credential)
    v1 = "vc" in payload
    body = payload["vc"] if v1 else payload
    start, end = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    payload.pop("exp", None)
    payload["nbf"] = _epoch(body[start])
    if end in body:
        payload["exp"] = _epoch(body[end])
    return sign_jwt(payload, ISSUER_KEY)


def _signed(form: str, **dates: Any) -> Any:
    v1 = dates.pop("v1", False)
    credential = make_credential(v1=v1, **dates)
    return sign_di(credential, ISSUER_KEY) if form == "di" else _jwt(credential)


FORMS = pytest.mark.parametrize("form", ["di", "jwt"])


@FORMS
def test_vcdm_1_1_validuntil_in_the_past_is_expired(form: str) -> None:
    # validUntil is defined by the VC 1.1 context too; it was ignored for 1.1 credentials
    code, result = run(_signed(form, v1=True, validUntil="2026-03-01T00:00:00Z"))
    assert code == 1
    assert result.failed_checks == ["validity"]
    assert result.check("validity").code == "validity.expired"
    assert "validUntil" in result.check("validity").message
    assert result.summary.valid_until == "2026-03-01T00:00:00Z"


@FORMS
def test_vcdm_1_1_validfrom_in_the_future_is_not_yet_valid(form: str) -> None:
    code, result = run(_signed(form, v1=True, validFrom="2030-01-01T00:00:00Z"))
    assert code == 1
    assert result.failed_checks == ["validity"]
    assert result.check("validity").code == "validity.not_yet_valid"
    assert result.summary.valid_from == "2030-01-01T00:00:00Z"  # the bound that applies


@FORMS
def test_vcdm_1_1_issued_in_the_future_fails(form: str) -> None:
    code, result = run(_signed(form, v1=True, issued="2030-01-01T00:00:00Z"))
    assert code == 1
    assert result.check("validity").code == "validity.issued_in_future"


@FORMS
def test_awarded_in_the_future_fails_and_is_shown(form: str) -> None:
    code, result = run(_signed(form, awardedDate="2030-01-01T00:00:00Z"))
    assert code == 1
    assert result.failed_checks == ["validity"]
    assert result.check("validity").code == "validity.awarded_in_future"
    assert result.summary.awarded_date == "2030-01-01T00:00:00Z"
    code, result = run(_signed(form, awardedDate="2026-01-01T00:00:00Z"))
    assert code == 0
    assert result.summary.awarded_date == "2026-01-01T00:00:00Z"


def test_vcdm_2_jwt_with_a_1_1_expiration_date_is_still_held_to_it() -> None:
    # expirationDate is not defined by the v2 context: a VC-JWT only warns about the term
    # (data_loss), so before this rule an expired VCDM 2.0 VC-JWT verified.
    code, result = run(_signed("jwt", expirationDate="2026-03-01T00:00:00Z"))
    assert code == 1
    assert result.failed_checks == ["validity"]
    assert result.check("validity").code == "validity.expired"
    assert result.check("data_loss").status == "warning"


def test_vcdm_2_di_with_a_1_1_issuance_date_fails_data_loss_and_validity() -> None:
    code, result = run(_signed("di", issuanceDate="2030-01-01T00:00:00Z"))
    assert code == 1
    assert result.check("validity").code == "validity.not_yet_valid"
    assert result.check("data_loss").status == "failed"


@FORMS
@pytest.mark.parametrize("v1", [False, True])
@pytest.mark.parametrize(
    "dates",
    [
        {"validUntil": "9999-12-31T23:59:59Z"},
        {"validUntil": "9999-12-31T23:59:59.999999999-23:59"},
        {"validFrom": "0001-01-01T00:00:00Z"},
        {"validFrom": "0001-01-01T00:00:00+23:59"},
    ],
    ids=["until-9999", "until-9999-offset", "from-0001", "from-0001-offset"],
)
def test_dates_at_the_edges_of_the_calendar_verify(
    form: str, v1: bool, dates: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # validFrom 0001 is the binding start only in VCDM 2.0 (1.1 also has issuanceDate 2026)
    caplog.set_level(logging.DEBUG, logger="mcbadge")
    code, result = run(_signed(form, v1=v1, **dates))
    assert (code, result.failed_checks) == (0, [])
    assert result.check("validity").status == "passed"
    assert not [r for r in caplog.records if r.exc_info]  # nothing crashed on the way


@pytest.mark.parametrize(
    ("proof_option", "outcome"),
    [
        ({"created": "0001-01-01T00:00:00Z"}, None),
        ({"created": "0001-01-01T00:00:00+01:00"}, None),
        ({"expires": "9999-12-31T23:59:59Z"}, None),
        ({"created": "9999-12-31T23:59:59Z"}, "proof_time.created_in_future"),
        ({"expires": "0001-01-01T00:00:00Z"}, "proof_time.expired"),
    ],
)
def test_proof_times_at_the_edges_never_crash(
    proof_option: dict[str, str], outcome: str | None
) -> None:
    code, result = run(sign_di(make_credential(), ISSUER_KEY, **proof_option))
    codes = [c.code for c in result.checks if c.status == "failed"]
    assert not [c for c in codes if c.endswith("internal_error")], codes
    if outcome is None:
        assert (code, codes) == (0, [])
    else:
        assert code == 1
        assert codes, codes
        assert codes[0].startswith(outcome), codes


@pytest.mark.parametrize(
    "now",
    [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)],
    ids=["now-0001", "now-9999"],
)
def test_a_clock_at_the_edges_judges_without_crashing(host: FakeHost, now: datetime) -> None:
    host.put(LIST_URL, status_list((), validUntil="9999-12-31T23:59:59Z"))
    result = verify(credential_with_status(), VerificationPolicy(now=now))
    codes = [c.code for c in result.checks if c.status == "failed"]
    if now.year == 1:  # everything lies in the future
        assert "validity.not_yet_valid" in codes
        assert "proof_time.created_in_future" in codes
        assert exit_code_for(result) == 1
    else:  # valid until the end of the calendar, and so is the status list
        assert (exit_code_for(result), codes) == (0, [])


def test_status_list_valid_until_9999_is_accepted(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), validUntil="9999-12-31T23:59:59Z"))
    code, result = run(credential_with_status())
    assert (code, result.failed_checks) == (0, [])
    assert result.summary.status_state == "active"


def test_status_list_with_a_huge_ttl_is_accepted(host: FakeHost) -> None:
    document = status_list(sign=False)
    document["credentialSubject"]["ttl"] = 2**62
    host.put(LIST_URL, sign_di(document, ISSUER_KEY))
    code, result = run(credential_with_status())
    assert (code, result.failed_checks) == (0, [])


def test_definite_failure_beats_an_undecided_status(host: FakeHost) -> None:
    # offline: the status cannot be decided (indeterminate); the recipient is plainly wrong
    code, result = run(
        credential_with_status(), offline=True, expected_recipient="someone-else@example.org"
    )
    assert result.check("status_retrieval").indeterminate
    assert result.check("recipient").code == "recipient.mismatch"
    assert (code, result.verified, result.indeterminate) == (1, False, False)


def test_a_jwt_whose_credential_dates_disagree_with_exp_never_widens_validity() -> None:
    # exp far in the future, validUntil past: the credential's own date wins
    credential = make_credential(validUntil="2026-03-01T00:00:00Z")
    payload = jwt_payload(credential)
    payload["exp"] = EPOCH_2026 + 10 * 365 * 86400
    code, result = run(sign_jwt(copy.deepcopy(payload), ISSUER_KEY))
    assert code == 1
    assert "validity" in result.failed_checks or "jwt_claims" in result.failed_checks
    assert result.check("validity").code == "validity.expired"
