"""What one verification may fetch: each document once, at most ``max_fetches`` distinct
documents, no new fetch after ``fetch_seconds`` (a credential naming many status lists must
not make the verifier, or a service verifying for anyone, send requests without end)."""

from __future__ import annotations

import pytest
from _helpers import ISSUER_KEY, FakeHost, make_credential, run
from _signer import sign_di
from _status_kit import status_entry, status_list

from mcbadge.errors import FetchError, NetworkPolicyError
from mcbadge.net import FetchBudget
from mcbadge.verify import VerificationPolicy

URLS = [f"https://status.test/lists/{number}" for number in (1, 2, 3)]


def three_lists(host: FakeHost) -> dict[str, object]:
    for url in URLS:
        host.put(url, status_list((), url=url))
    entries = [status_entry(index=7, url=url) for url in URLS]
    return sign_di(make_credential(ISSUER_KEY, credentialStatus=entries), ISSUER_KEY)


def test_within_the_bound_every_list_is_fetched_and_the_credential_verifies(
    host: FakeHost,
) -> None:
    code, result = run(three_lists(host), max_fetches=3)
    assert code == 0, result.failed_checks
    assert sorted(host.requests) == URLS


def test_beyond_the_bound_the_status_is_undecided_never_passed(host: FakeHost) -> None:
    code, result = run(three_lists(host), max_fetches=2)
    assert code == 2
    assert not result.verified
    assert result.indeterminate
    assert len(host.requests) == 2  # the third list was never asked for
    refusal = result.check("network_policy")
    assert (refusal.status, refusal.code) == ("failed", "network_policy.fetch_limit")
    assert "already looked up 2 documents" in refusal.message
    assert result.check("status_retrieval").status == "failed"


def test_one_list_named_twice_is_fetched_once(host: FakeHost) -> None:
    host.put(URLS[0], status_list((), url=URLS[0]))
    entries = [status_entry(index=7, url=URLS[0]), status_entry(index=9, url=URLS[0])]
    credential = sign_di(make_credential(ISSUER_KEY, credentialStatus=entries), ISSUER_KEY)
    code, result = run(credential, max_fetches=1)
    assert code == 0, result.failed_checks
    assert host.requests == [URLS[0]]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_new_fetch_after_the_time_bound_but_earlier_answers_still_count() -> None:
    host, clock = FakeHost(), Clock()
    host.put(URLS[0], b"{}")
    host.put(URLS[1], b"{}")
    budget = FetchBudget(host, max_documents=None, seconds=5, clock=clock)
    assert budget.get(URLS[0]) == b"{}"
    clock.now += 6
    assert budget.get(URLS[0]) == b"{}"  # looked up before: the same answer, no request
    with pytest.raises(NetworkPolicyError) as refused:
        budget.get(URLS[1])
    assert refused.value.code == "network_policy.fetch_limit"
    assert "more than 5 s" in refused.value.message
    assert host.requests == [URLS[0]]


def test_a_failed_lookup_is_not_retried_within_one_verification() -> None:
    host = FakeHost()
    budget = FetchBudget(host, max_documents=4, seconds=None)
    for _ in range(3):
        with pytest.raises(FetchError) as failed:
            budget.get(URLS[2])
        assert failed.value.code == "status_retrieval.unreachable"
    assert host.requests == [URLS[2]]
    budget.close()  # everything else is the wrapped fetcher's


def test_the_budget_only_has_the_lookups_its_fetcher_has() -> None:
    # the verifier tells a real Fetcher (get_bytes) from a test double (get) by hasattr
    budget = FetchBudget(FakeHost(), max_documents=1, seconds=None)
    assert hasattr(budget, "get")
    assert not hasattr(budget, "get_bytes")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_fetches": 0}, "max_fetches must be at least 1"),
        ({"fetch_seconds": 0}, "fetch_seconds must be positive"),
        ({"fetch_seconds": -1.5}, "fetch_seconds must be positive"),
    ],
)
def test_bounds_that_would_refuse_everything_are_refused(
    options: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        VerificationPolicy(**options)  # type: ignore[arg-type]
