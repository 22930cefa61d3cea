"""The verified-status-list cache: a folder sharing one list verifies it once, and nothing
unverified, changed, expired or judged under another policy is ever reused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, NOW, FakeHost, policy
from _signer import jwt_payload, sign_di, sign_jwt
from _status_kit import LIST_URL, credential_with_status, status_list

import mcbadge.verify.pipeline as pipeline
from mcbadge.verify import VerificationPolicy, exit_code_for, verify
from mcbadge.verify import _list_cache as list_cache
from mcbadge.verify._context import RunContext
from mcbadge.verify._network import Fetched


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    list_cache.clear()
    yield
    list_cache.clear()


@pytest.fixture
def nested_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Counts the full verifications of a status list credential."""
    calls: list[Any] = []
    real = pipeline._verify_status_list

    def counting(document: Any, ctx: Any) -> Any:
        calls.append(document)
        return real(document, ctx)

    monkeypatch.setattr(pipeline, "_verify_status_list", counting)
    return calls


def list_with_ttl(
    set_indices: tuple[int, ...] = (), ttl: int | None = 300_000, **overrides: Any
) -> dict[str, Any]:
    document = status_list(set_indices, sign=False, **overrides)
    if ttl is not None:
        document["credentialSubject"]["ttl"] = ttl
    return sign_di(document, ISSUER_KEY)


def codes(result: Any) -> list[str]:
    return [result.check(c).code for c in result.failed_checks]


def test_a_folder_sharing_one_list_verifies_it_once(
    host: FakeHost, nested_calls: list[Any]
) -> None:
    host.put(LIST_URL, list_with_ttl((7,)))
    shared = policy()
    results = [verify(credential_with_status(index=i), shared) for i in (1, 2, 7, 9, 11)]
    assert len(nested_calls) == 1
    assert len(host.requests) == 5  # the fake host has no HTTP cache: fetched every time
    verdicts = [(exit_code_for(r), r.summary.status_state) for r in results]
    assert verdicts == [(0, "active"), (0, "active"), (1, "revoked"), (0, "active"), (0, "active")]
    assert codes(results[2]) == ["status.revoked"]


def test_a_list_that_does_not_verify_is_never_cached(
    host: FakeHost, nested_calls: list[Any]
) -> None:
    forged = status_list((), sign=False)
    forged["credentialSubject"]["ttl"] = 300_000
    host.put(LIST_URL, sign_di(forged, ATTACKER_KEY) | {"issuer": ISSUER_KEY.did})
    shared = policy()
    for _ in range(3):
        result = verify(credential_with_status(index=7), shared)
        assert exit_code_for(result) == 2
        assert codes(result) == ["status_list.unverified"]
    assert len(nested_calls) == 3


def test_a_tampered_copy_of_a_cached_list_is_verified_again_and_refused(
    host: FakeHost, nested_calls: list[Any]
) -> None:
    genuine = list_with_ttl((7,))
    host.put(LIST_URL, genuine)
    shared = policy()
    assert exit_code_for(verify(credential_with_status(index=7), shared)) == 1
    # Same URL, same policy, different bytes: index 7 cleared in transit, signature kept.
    tampered = json.loads(json.dumps(genuine))
    tampered["credentialSubject"]["encodedList"] = status_list(sign=False)["credentialSubject"][
        "encodedList"
    ]
    host.put(LIST_URL, tampered)
    result = verify(credential_with_status(index=7), shared)
    assert exit_code_for(result) == 2
    assert codes(result) == ["status_list.unverified"]
    assert len(nested_calls) == 2


def test_a_new_list_at_the_same_url_is_verified_again(
    host: FakeHost, nested_calls: list[Any]
) -> None:
    shared = policy()
    host.put(LIST_URL, list_with_ttl(()))
    assert exit_code_for(verify(credential_with_status(index=7), shared)) == 0
    host.put(LIST_URL, list_with_ttl((7,)))  # the issuer revoked index 7
    result = verify(credential_with_status(index=7), shared)
    assert codes(result) == ["status.revoked"]
    assert len(nested_calls) == 2


def test_another_policy_does_not_reuse_the_verdict(host: FakeHost, nested_calls: list[Any]) -> None:
    host.put(LIST_URL, list_with_ttl(()))
    verify(credential_with_status(index=7), policy())
    verify(credential_with_status(index=7), policy())
    assert len(nested_calls) == 2


def test_a_list_without_ttl_or_freshness_is_not_cached(
    host: FakeHost, nested_calls: list[Any]
) -> None:
    host.put(LIST_URL, list_with_ttl((), ttl=None))
    shared = policy()
    for _ in range(2):
        assert exit_code_for(verify(credential_with_status(index=7), shared)) == 0
    assert len(nested_calls) == 2


def test_the_verdict_lapses_with_the_ttl(
    host: FakeHost, nested_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(list_cache, "clock", lambda: now[0])
    host.put(LIST_URL, list_with_ttl((), ttl=60_000))
    shared = policy()
    verify(credential_with_status(index=7), shared)
    now[0] += 59
    verify(credential_with_status(index=7), shared)
    assert len(nested_calls) == 1
    now[0] += 2
    verify(credential_with_status(index=7), shared)
    assert len(nested_calls) == 2


def test_an_earlier_or_too_late_instant_is_judged_again(
    host: FakeHost, nested_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    instants = iter([NOW, NOW - timedelta(hours=1), NOW + timedelta(hours=2)])
    monkeypatch.setattr(pipeline, "_now", lambda _policy: next(instants))
    until = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    host.put(LIST_URL, list_with_ttl((), validUntil=until))
    shared = VerificationPolicy(clock_skew=timedelta(0))
    assert exit_code_for(verify(credential_with_status(index=7), shared)) == 0
    assert exit_code_for(verify(credential_with_status(index=7), shared)) == 0  # earlier
    assert len(nested_calls) == 2
    late = verify(credential_with_status(index=7), shared)  # past the list's validUntil
    assert codes(late) == ["status_list.expired"]


def test_a_vc_jwt_list_verdict_ends_at_its_exp(
    host: FakeHost, nested_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A service keeps one policy (now=None): a day's ttl must not let it read a status bit
    # from a VC-JWT list after its exp. (jwt_claims requires exp to equal validUntil, so the
    # list credential's own validUntil and the JWT's exp end the verdict at the same instant.)
    instants = iter([NOW, NOW + timedelta(hours=2)])
    monkeypatch.setattr(pipeline, "_now", lambda _policy: next(instants))
    until = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = jwt_payload(status_list((), sign=False, validUntil=until))
    assert payload["exp"] == int((NOW + timedelta(hours=1)).timestamp())
    payload["credentialSubject"]["ttl"] = 86_400_000
    host.put(LIST_URL, sign_jwt(payload, ISSUER_KEY).encode())
    shared = VerificationPolicy(clock_skew=timedelta(0))
    assert exit_code_for(verify(credential_with_status(index=7), shared)) == 0
    late = verify(credential_with_status(index=7), shared)
    assert len(nested_calls) == 1  # refused before the remembered verdict is consulted
    assert codes(late) == ["status_list.expired"]
    assert exit_code_for(late) == 2  # an expired list cannot say the credential is active


def _ctx(shared: VerificationPolicy, now: Any) -> RunContext:
    return RunContext(shared, now)


def test_proof_expiry_and_jwt_exp_bound_the_verdict() -> None:
    shared = policy()
    fetched = Fetched(LIST_URL, {}, digest="d")
    expires = (NOW + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "credentialSubject": {"ttl": 600_000},
        "proof": {"type": "DataIntegrityProof", "expires": expires},
    }
    list_cache.remember(_ctx(shared, NOW), fetched, document, None)
    skew = shared.clock_skew
    assert list_cache.verified_before(_ctx(shared, NOW + timedelta(minutes=9)), fetched)
    assert not list_cache.verified_before(_ctx(shared, NOW + timedelta(minutes=10) + skew), fetched)
    list_cache.clear()
    payload = {"exp": int((NOW + timedelta(minutes=5)).timestamp())}
    list_cache.remember(
        _ctx(shared, NOW), fetched, {"credentialSubject": {"ttl": 600_000}}, payload
    )
    assert list_cache.verified_before(_ctx(shared, NOW + timedelta(minutes=4)), fetched)
    assert not list_cache.verified_before(_ctx(shared, NOW + timedelta(minutes=6) + skew), fetched)


def test_an_unreadable_date_is_never_cached() -> None:
    shared = policy()
    fetched = Fetched(LIST_URL, {}, digest="d")
    document = {"credentialSubject": {"ttl": 600_000}, "validUntil": "soon"}
    list_cache.remember(_ctx(shared, NOW), fetched, document, None)
    assert not list_cache.verified_before(_ctx(shared, NOW), fetched)


def test_the_cache_is_bounded() -> None:
    shared = policy()
    document = {"credentialSubject": {"ttl": 600_000}}
    for number in range(list_cache.MAX_ENTRIES + 10):
        list_cache.remember(
            _ctx(shared, NOW), Fetched(f"{LIST_URL}/{number}", {}, digest="d"), document, None
        )
    assert len(list_cache._entries) == list_cache.MAX_ENTRIES
    first = Fetched(f"{LIST_URL}/0", {}, digest="d")
    assert not list_cache.verified_before(_ctx(shared, NOW), first)
