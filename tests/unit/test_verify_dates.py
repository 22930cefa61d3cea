"""The validity check's date rules, pinned at their boundaries: which dates bound the window,
where the clock skew ends (to the microsecond), and that no date can overflow the arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcbadge.verify import VerificationPolicy, verify
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import ParsedInput
from mcbadge.verify._util import exceeds
from mcbadge.verify.checks_local import check_validity

V1 = ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context"]
V2 = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context"]
SKEW = timedelta(seconds=300)
TICK = timedelta(microseconds=1)
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 3, 1, tzinfo=UTC)


def _validity(now: datetime, *, v1: bool = False, skew: timedelta = SKEW, **dates: Any) -> Any:
    credential: dict[str, Any] = {"@context": V1 if v1 else V2, **dates}
    ctx = RunContext(VerificationPolicy(now=now, clock_skew=skew), now)
    ctx.parsed = ParsedInput(credential)
    return check_validity(ctx)


def _z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (END + SKEW, "validity.ok"),  # exactly at validUntil + skew: still valid
        (END + SKEW + TICK, "validity.expired"),
        (START - SKEW, "validity.ok"),  # exactly at validFrom - skew: already valid
        (START - SKEW - TICK, "validity.not_yet_valid"),
    ],
    ids=["end+skew", "end+skew+1us", "start-skew", "start-skew-1us"],
)
def test_skew_boundaries(now: datetime, code: str) -> None:
    assert _validity(now, validFrom=_z(START), validUntil=_z(END)).code == code


def test_without_skew_the_window_is_inclusive() -> None:
    zero = timedelta(0)
    assert _validity(END, skew=zero, validFrom=_z(START), validUntil=_z(END)).code == "validity.ok"
    late = _validity(END + TICK, skew=zero, validFrom=_z(START), validUntil=_z(END))
    assert late.code == "validity.expired"


def test_exceeds_is_a_strict_margin() -> None:
    assert not exceeds(START + SKEW, START, SKEW)
    assert exceeds(START + SKEW + TICK, START, SKEW)
    # the whole calendar apart, both ways: no overflow
    first, last = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    assert exceeds(last, first, SKEW)
    assert not exceeds(first, last, SKEW)


def test_the_latest_start_and_the_earliest_end_bind() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    late_start = _validity(
        now, v1=True, issuanceDate="2026-01-01T00:00:00Z", validFrom="2026-07-01T00:00:00Z"
    )
    assert late_start.code == "validity.not_yet_valid"
    assert "validFrom" in late_start.message
    early_end = _validity(
        now,
        v1=True,
        issuanceDate="2026-01-01T00:00:00Z",
        expirationDate="2027-01-01T00:00:00Z",
        validUntil="2026-03-01T00:00:00Z",
    )
    assert early_end.code == "validity.expired"
    assert "validUntil" in early_end.message
    other_way = _validity(
        now,
        validFrom="2026-01-01T00:00:00Z",
        validUntil="2027-01-01T00:00:00Z",
        expirationDate="2026-03-01T00:00:00Z",
    )
    assert other_way.code == "validity.expired"
    assert "expirationDate" in other_way.message


def test_bounds_that_contradict_each_other_fail_as_inverted() -> None:
    check = _validity(
        datetime(2026, 6, 1, tzinfo=UTC),
        v1=True,
        issuanceDate="2026-01-01T00:00:00Z",
        validUntil="2025-01-01T00:00:00Z",
    )
    assert check.code == "validity.inverted"
    assert "validUntil" in check.message
    assert "issuanceDate" in check.message


@pytest.mark.parametrize(
    ("term", "code"),
    [("issued", "validity.issued_in_future"), ("awardedDate", "validity.awarded_in_future")],
)
def test_events_may_not_lie_in_the_future(term: str, code: str) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    at_skew = _validity(now, validFrom="2026-01-01T00:00:00Z", **{term: _z(now + SKEW)})
    assert at_skew.code == "validity.ok"
    beyond = _validity(now, validFrom="2026-01-01T00:00:00Z", **{term: _z(now + SKEW + TICK)})
    assert beyond.code == code


@pytest.mark.parametrize(
    ("term", "value", "code"),
    [
        ("validUntil", "soon", "validity.bad_datetime"),
        ("awardedDate", "2026-01-01T00:00:00", "validity.naive_datetime"),
        ("expirationDate", 20260101, "validity.bad_datetime"),
    ],
)
def test_every_date_term_must_be_readable(term: str, value: Any, code: str) -> None:
    check = _validity(
        datetime(2026, 6, 1, tzinfo=UTC), validFrom="2026-01-01T00:00:00Z", **{term: value}
    )
    assert check.code == code
    assert term in check.message


@pytest.mark.parametrize(
    "now",
    [datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)],
    ids=["now-min", "now-max"],
)
@pytest.mark.parametrize(
    "dates",
    [
        {"validFrom": "0001-01-01T00:00:00Z", "validUntil": "9999-12-31T23:59:59.999999Z"},
        {"validFrom": "0001-01-01T00:00:00+23:59", "validUntil": "9999-12-31T23:59:59-23:59"},
    ],
    ids=["utc", "offsets"],
)
def test_no_date_and_no_clock_overflows(now: datetime, dates: dict[str, str]) -> None:
    assert _validity(now, **dates).code == "validity.ok"


def test_the_summary_shows_the_bounds_that_apply() -> None:
    document = {
        "@context": V1,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2026-01-01T00:00:00Z",
        "validFrom": "2026-02-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z",
        "validUntil": "2026-12-01T00:00:00Z",
        "awardedDate": "2025-12-24T00:00:00Z",
        "credentialSubject": {"id": "did:example:teacher"},
    }
    summary = verify(document, VerificationPolicy(offline=True)).summary
    assert (summary.valid_from, summary.valid_until) == (
        "2026-02-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
    )
    assert summary.awarded_date == "2025-12-24T00:00:00Z"
    assert summary.to_dict()["awarded_date"] == "2025-12-24T00:00:00Z"


def test_a_status_list_ttl_too_large_for_a_timedelta_is_capped() -> None:
    from mcbadge.verify._network import Fetched
    from mcbadge.verify.checks_status import _remember_freshness

    now = datetime(2026, 6, 1, tzinfo=UTC)
    wanted: list[datetime] = []

    class Fetcher:
        def update_expiry(self, url: str, expires_at: datetime) -> None:
            wanted.append(expires_at)

    ctx = RunContext(VerificationPolicy(now=now), now, fetcher=Fetcher())
    fetched = Fetched("https://status.example/1", {}, fetched_at=now)
    for ttl in (2**62, 2**63 - 1):
        _remember_freshness(ctx, fetched, {"credentialSubject": {"ttl": ttl}})
    assert wanted
    assert all(now < moment <= now + timedelta(days=366) for moment in wanted)
