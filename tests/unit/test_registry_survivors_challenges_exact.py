"""The verifier's challenge store (``mcbadge.registry.challenges``), pinned exactly where the
2026-12 mutation run of ``registry/`` found it untested:

- ``issue`` takes a ttl from just above zero up to and including :data:`MAX_TTL` (zero and
  negative are refused with an exact message) and hands out 256 random bits as 43 base64url
  characters;
- an expired challenge reads ``challenge.expired`` until 30 days after its expiry (that
  instant included) and is forgotten (``challenge.unknown``) by the next ``issue`` after that;
- ``consume`` honours a challenge until the instant it expires, not at it;
- ``consume`` refuses without a look-up an empty value, a non-string or one longer than 1024
  characters (a 1024-character challenge is still honoured), with its own message;
- every refusal has its exact code and message;
- a failing database names the operation that failed.

Times are injected with ``now=``; nothing sleeps.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tests.registry_kit import DownEngine, opened, refused_unavailable

from mcbadge.registry import ChallengeError, ChallengeStore, Registry
from mcbadge.registry import challenges as challenges_module
from mcbadge.registry.challenges import MAX_TTL, Challenge

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
TTL = timedelta(minutes=10)
KEEP_EXPIRED = timedelta(days=30)
US = timedelta(microseconds=1)

MSG_REFUSED_UNSEEN = "the challenge is not one this office issued"
MSG_UNKNOWN = "the challenge was not issued by this office (or is long expired)"
MSG_REUSED = (
    "the challenge was already used: a presentation answers a challenge only once "
    "(this one may be a replay)"
)
MSG_EXPIRED = "the challenge has expired; issue a new one"
MSG_TTL = "ttl must be a positive timedelta of at most 7 days, 0:00:00"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    with opened(f"sqlite:///{tmp_path / 'office.db'}") as registry:
        yield registry


@pytest.fixture
def store(registry: Registry) -> ChallengeStore:
    return ChallengeStore(registry)


def _refusal(store: ChallengeStore, value: Any, at: datetime) -> tuple[str, str]:
    """The (code, message) with which ``consume`` refuses ``value`` at ``at``."""
    with pytest.raises(ChallengeError) as caught:
        store.consume(value, now=at)
    return caught.value.code, str(caught.value)


def _issue_value(
    store: ChallengeStore, monkeypatch: pytest.MonkeyPatch, value: str, at: datetime
) -> Challenge:
    """Issue a challenge whose random value is ``value`` (the random source replaced)."""
    with monkeypatch.context() as patch:
        fake = SimpleNamespace(token_urlsafe=lambda nbytes=None: value)
        patch.setattr(challenges_module, "secrets", fake)
        issued = store.issue(TTL, now=at)
    assert issued.value == value
    return issued


# -- issue: the ttl bounds and the random value --------------------------------------------


def test_a_ttl_of_zero_or_less_is_refused_with_the_exact_message(store: ChallengeStore) -> None:
    """Kills issue 6 (``0 <= ttl``: a zero ttl accepted, the challenge born expired)."""
    for ttl in (timedelta(0), -US, MAX_TTL + US):
        with pytest.raises(ValueError, match="ttl must be") as caught:
            store.issue(ttl, now=T0)
        assert str(caught.value) == MSG_TTL


def test_a_ttl_of_exactly_max_ttl_is_accepted_and_honoured_to_its_end(
    store: ChallengeStore,
) -> None:
    """Kills issue 7 (``ttl < MAX_TTL``: the documented maximum itself refused)."""
    issued = store.issue(MAX_TTL, now=T0)
    assert issued.expires_at == T0 + timedelta(days=7)
    store.consume(issued.value, now=T0 + MAX_TTL - US)
    assert _refusal(store, issued.value, T0 + MAX_TTL) == ("challenge.reused", MSG_REUSED)


def test_the_smallest_ttl_is_accepted(store: ChallengeStore) -> None:
    """One microsecond is a positive ttl: issued, honoured before its end, expired at it."""
    first = store.issue(US, now=T0)
    second = store.issue(US, now=T0)
    assert first.expires_at == second.expires_at == T0 + US
    store.consume(first.value, now=T0)
    assert _refusal(store, second.value, T0 + US) == ("challenge.expired", MSG_EXPIRED)


def test_a_challenge_is_256_random_bits_as_43_base64url_characters(
    store: ChallengeStore,
) -> None:
    """Kills issue 13 (33 random bytes: 44 characters)."""
    values = [store.issue(TTL, now=T0).value for _ in range(8)]
    assert len(set(values)) == 8
    for value in values:
        assert len(value) == 43
        assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert len(base64.urlsafe_b64decode(value + "=")) == 32


# -- issue: expired challenges are forgotten 30 days after expiry ---------------------------


def test_an_expired_challenge_is_still_known_30_days_after_its_expiry(
    store: ChallengeStore,
) -> None:
    """Kills issue 19 (``expires_at <= cutoff``: forgotten at the 30-day instant itself).

    The next ``issue`` at exactly expiry + 30 days keeps it: it still reads "expired"."""
    old = store.issue(TTL, now=T0)
    store.issue(TTL, now=T0 + TTL + KEEP_EXPIRED)
    assert _refusal(store, old.value, T0 + TTL + KEEP_EXPIRED) == (
        "challenge.expired",
        MSG_EXPIRED,
    )


def test_an_expired_challenge_is_forgotten_by_the_next_issue_after_30_days(
    store: ChallengeStore,
) -> None:
    """Kills issue 17 (the purge's condition ``None``: ``WHERE NULL`` never forgets).

    A used and an unused challenge, both expired more than 30 days before the next ``issue``,
    read "unknown" afterwards; one expired less long ago still reads "expired", and the new
    challenge is usable."""
    used = store.issue(TTL, now=T0)
    store.consume(used.value, now=T0)
    unused = store.issue(TTL, now=T0)
    recent = store.issue(TTL, now=T0 + US)
    later = T0 + TTL + KEEP_EXPIRED + US
    assert _refusal(store, used.value, later) == ("challenge.reused", MSG_REUSED)
    assert _refusal(store, unused.value, later) == ("challenge.expired", MSG_EXPIRED)
    fresh = store.issue(TTL, now=later)
    assert _refusal(store, used.value, later) == ("challenge.unknown", MSG_UNKNOWN)
    assert _refusal(store, unused.value, later) == ("challenge.unknown", MSG_UNKNOWN)
    assert _refusal(store, recent.value, later) == ("challenge.expired", MSG_EXPIRED)
    store.consume(fresh.value, now=later)


# -- consume: the expiry instant -------------------------------------------------------------


def test_a_challenge_is_honoured_until_its_expiry_instant_not_at_it(
    store: ChallengeStore,
) -> None:
    """Kills consume 31 (``expires_at >= now``: a challenge still usable at its expiry)."""
    at_end = store.issue(TTL, now=T0)
    before_end = store.issue(TTL, now=T0)
    assert _refusal(store, at_end.value, T0 + TTL) == ("challenge.expired", MSG_EXPIRED)
    # refused without being used: still "expired", never "reused"
    assert _refusal(store, at_end.value, T0 + TTL) == ("challenge.expired", MSG_EXPIRED)
    store.consume(before_end.value, now=T0 + TTL - US)
    assert _refusal(store, before_end.value, T0 + TTL - US) == ("challenge.reused", MSG_REUSED)


# -- consume: values refused without a look-up -----------------------------------------------


def test_an_empty_or_non_string_value_is_refused_with_its_own_message(
    store: ChallengeStore,
) -> None:
    """Kills consume 1 and 2 (the empty string looked up: the other "unknown" message; 2 also
    lets a non-string through to ``len``, a TypeError), 7, 9, 11, 12, 13 and 14 (that
    refusal's message ``None``, missing or changed, or its code changed)."""
    for value in ("", 42, None, b"abc"):
        assert _refusal(store, value, T0) == ("challenge.unknown", MSG_REFUSED_UNSEEN)


def test_a_1024_character_challenge_is_honoured(
    store: ChallengeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills consume 5 (``len >= 1024``: a challenge of exactly 1024 characters refused)."""
    value = "c" * 1024
    _issue_value(store, monkeypatch, value, T0)
    store.consume(value, now=T0)
    assert _refusal(store, value, T0) == ("challenge.reused", MSG_REUSED)


def test_a_value_over_1024_characters_is_never_looked_up(
    store: ChallengeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills consume 1 and 6 (a 1025-character value looked up, and used when it is stored).

    Even when a challenge with that value is in the store, it is refused unseen, every time,
    and stays unused."""
    value = "c" * 1025
    _issue_value(store, monkeypatch, value, T0)
    for _ in range(2):
        assert _refusal(store, value, T0) == ("challenge.unknown", MSG_REFUSED_UNSEEN)
    never_stored = "d" * 1025
    assert _refusal(store, never_stored, T0) == ("challenge.unknown", MSG_REFUSED_UNSEEN)


# -- consume: every refusal's exact code and message -----------------------------------------


def test_each_refusal_has_its_exact_code_and_message(store: ChallengeStore) -> None:
    """Kills consume 62, 66, 67 (unknown: message ``None`` or changed), 73, 77, 78, 79, 80
    (reused: message ``None`` or either half changed), 86, 90, 91 (expired: message ``None``
    or changed)."""
    used = store.issue(TTL, now=T0)
    store.consume(used.value, now=T0)
    expired = store.issue(TTL, now=T0)
    assert _refusal(store, "never-issued", T0) == ("challenge.unknown", MSG_UNKNOWN)
    assert _refusal(store, used.value, T0) == ("challenge.reused", MSG_REUSED)
    assert _refusal(store, expired.value, T0 + TTL) == ("challenge.expired", MSG_EXPIRED)
    # used and then expired: a replay is still reported as a replay
    assert _refusal(store, used.value, T0 + TTL) == ("challenge.reused", MSG_REUSED)


# -- a failing database names the operation ------------------------------------------------


def test_a_failing_write_names_the_challenge_operation(
    store: ChallengeStore, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills issue 34, 38, 39 and consume 53, 57, 58 (the operation's name ``None`` or
    changed in the message)."""
    monkeypatch.setattr(registry, "_engine", DownEngine())
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: store.issue(TTL, now=T0), "issue a challenge"),
        (lambda: store.consume("c" * 43, now=T0), "use a challenge"),
    ]
    for call, what in calls:
        refused_unavailable(call, what)
