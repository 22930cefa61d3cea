"""Per-client request counters: counted in the registry database so that several processes
share one count, exact with one process or a small limit, batched (bounded leniency) with a
large limit, a fresh window every minute, old windows forgotten."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcbadge.errors import RegistryError
from mcbadge.registry import Registry
from mcbadge.registry.rates import BATCH_SHARE, RateCounter
from pg_fixture import pg_url_or_skip

T0 = 1_800_000_000.0  # a window start (divisible by 60)


class Clock:
    def __init__(self, now: float = T0 + 15) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else pg_url_or_skip()
    with Registry.open(url) as opened:
        if opened.dialect == "postgresql":
            opened._write("empty", lambda conn: conn.exec_driver_sql("DELETE FROM rate_counters"))
        yield opened


def test_a_small_limit_is_exact_and_refusals_say_when_to_retry(registry: Registry) -> None:
    clock = Clock(T0 + 15.2)
    counter = RateCounter(registry, clock=clock)
    decisions = [counter.hit("addr:192.0.2.1", limit=3) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4, 5]
    assert decisions[3].retry_after == 45  # ceil(60 - 15.2)
    # another client is counted apart
    assert counter.hit("addr:192.0.2.2", limit=3).allowed
    # the next minute is a new window
    clock.now = T0 + 60
    assert counter.hit("addr:192.0.2.1", limit=3).count == 1
    assert counter.hit("addr:192.0.2.1", limit=3).retry_after == 60
    counter.close()


def test_two_processes_share_one_count(registry: Registry) -> None:
    """Two counters (as two workers or hosts would have) on one database."""
    clock = Clock()
    first, second = RateCounter(registry, clock=clock), RateCounter(registry, clock=clock)
    assert first.hit("token:abc", limit=3).allowed
    assert second.hit("token:abc", limit=3).allowed
    assert first.hit("token:abc", limit=3).allowed
    refused = second.hit("token:abc", limit=3)
    assert (refused.allowed, refused.count) == (False, 4)
    assert not first.hit("token:abc", limit=3).allowed
    first.close()
    second.close()


def test_a_large_limit_is_counted_in_batches_with_bounded_leniency(registry: Registry) -> None:
    limit = 200
    batch = limit // BATCH_SHARE
    clock = Clock()
    workers = [RateCounter(registry, clock=clock) for _ in range(3)]
    allowed = 0
    for n in range(3 * limit):
        allowed += workers[n % 3].hit("addr:198.51.100.7", limit=limit).allowed
    # never more than (processes - 1) * (batch - 1) above the limit, and the limit itself is
    # reached (nothing is refused early)
    assert limit <= allowed <= limit + 2 * (batch - 1)
    stored = registry._read(
        "read",
        lambda conn: conn.exec_driver_sql("SELECT hits FROM rate_counters").scalar_one(),
    )
    # every hit reaches the database but the last partial batch of each process
    assert 3 * limit - 3 * (batch - 1) <= stored <= 3 * limit


def test_one_process_with_a_large_limit_is_exact(registry: Registry) -> None:
    counter = RateCounter(registry, clock=Clock())
    allowed = [counter.hit("addr:203.0.113.9", limit=100).allowed for _ in range(130)]
    assert allowed == [True] * 100 + [False] * 30


def test_old_windows_are_forgotten(tmp_path: Path) -> None:
    registry = Registry.open(f"sqlite:///{tmp_path / 'r.db'}")
    clock = Clock()
    counter = RateCounter(registry, clock=clock)
    for minute in range(5):
        clock.now = T0 + 60 * minute
        counter.hit("addr:a", limit=5)
        counter.hit("addr:b", limit=5)
    counter.close()
    with sqlite3.connect(tmp_path / "r.db") as conn:
        windows = sorted(conn.execute("SELECT DISTINCT window FROM rate_counters"))
    assert windows == [(int(T0 // 60) + 3,), (int(T0 // 60) + 4,)]
    registry.close()


def test_a_database_that_cannot_count_fails_closed(tmp_path: Path) -> None:
    registry = Registry.open(f"sqlite:///{tmp_path / 'r.db'}")
    counter = RateCounter(registry, clock=Clock())
    counter.hit("addr:a", limit=1)
    with sqlite3.connect(tmp_path / "r.db") as conn:
        conn.execute("DROP TABLE rate_counters")
    with pytest.raises(RegistryError) as failed:
        counter.hit("addr:a", limit=1)
    assert failed.value.code == "registry.unavailable"
    with pytest.raises(ValueError, match="at least 1"):
        counter.hit("addr:a", limit=0)
    counter.close()
    registry.close()
