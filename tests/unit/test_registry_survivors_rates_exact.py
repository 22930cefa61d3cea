"""Exact behaviour of the per-client rate counters (``mcbadge.registry.rates``) that the
mutation run showed untested: the whole :class:`RateDecision` a database write returns,
hits counted while a batch is being written (the service writes batches in a worker thread
while the event loop keeps counting), what a failed write keeps for the next one, the
error a database that cannot count raises, ``close()`` on a counter that never wrote and
``close()`` twice, and a count that emits no warning."""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcbadge.errors import RegistryError
from mcbadge.registry import Registry
from mcbadge.registry.rates import PendingWrite, RateCounter, RateDecision

T0 = 1_800_000_000.0  # a window start (divisible by 60)
WINDOW = int(T0 // 60)
NOW = T0 + 15.2  # Retry-After: ceil(60 - 15.2) = 45


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "r.db"


@pytest.fixture
def registry(db: Path) -> Iterator[Registry]:
    with Registry.open(f"sqlite:///{db}") as opened:
        yield opened


def stored(db: Path) -> list[tuple[str, int, int]]:
    """The rate_counters rows, read with a connection of the test's own."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT client_key, window, hits FROM rate_counters ORDER BY 1, 2")
        return [(str(k), int(w), int(h)) for k, w, h in rows]


def test_a_written_decision_is_exact_including_its_limit(registry: Registry, db: Path) -> None:
    """With a limit under 40 every hit is a write; the decision it returns carries the limit
    (and the count, the verdict and Retry-After), as a decision counted locally does."""
    counter = RateCounter(registry, clock=Clock())
    assert counter.hit("addr:192.0.2.1", limit=3) == RateDecision(True, 1, 3, 45)
    assert counter.hit("addr:192.0.2.1", limit=3) == RateDecision(True, 2, 3, 45)
    assert counter.hit("addr:192.0.2.1", limit=3) == RateDecision(True, 3, 3, 45)
    assert counter.hit("addr:192.0.2.1", limit=3) == RateDecision(False, 4, 3, 45)
    assert stored(db) == [("addr:192.0.2.1", WINDOW, 4)]
    counter.close()


def test_hits_counted_while_a_batch_is_written_add_to_the_written_total(
    registry: Registry, db: Path
) -> None:
    """limit 100: batches of 5. Two hits counted locally after the batch was taken (while the
    service's worker thread writes it) are added to the total the write returns: 5 + 2."""
    counter = RateCounter(registry, clock=Clock())
    key = "token:3f2a9c0b1d4e"
    before = [counter.count_locally(key, limit=100) for _ in range(4)]
    assert before == [RateDecision(True, n, 100, 45) for n in (1, 2, 3, 4)]
    batch = counter.count_locally(key, limit=100)
    assert isinstance(batch, PendingWrite)
    assert (batch.key, batch.window, batch.hits, batch.limit, batch.retry_after) == (
        key,
        WINDOW,
        5,
        100,
        45,
    )
    # counted meanwhile: the batch in flight is not known yet, only these two
    assert counter.count_locally(key, limit=100) == RateDecision(True, 1, 100, 45)
    assert counter.count_locally(key, limit=100) == RateDecision(True, 2, 100, 45)
    assert counter.write(batch) == RateDecision(True, 7, 100, 45)
    assert stored(db) == [(key, WINDOW, 5)]
    # the next hit counts on from 7, and the next batch (2 + 3 more) brings the table to 10
    assert counter.count_locally(key, limit=100) == RateDecision(True, 8, 100, 45)
    assert counter.count_locally(key, limit=100) == RateDecision(True, 9, 100, 45)
    last = counter.count_locally(key, limit=100)
    assert isinstance(last, PendingWrite)
    assert last.hits == 5
    assert counter.write(last) == RateDecision(True, 10, 100, 45)
    assert stored(db) == [(key, WINDOW, 10)]
    counter.close()


def test_a_failed_write_keeps_its_hits_and_those_counted_meanwhile(
    registry: Registry, db: Path
) -> None:
    """A batch of 5 whose write fails (the table is gone) is given back to the key's pending
    hits, on top of the 2 counted while it was in flight: the next hit takes a batch of 8,
    which the database then stores once it can count again. The failure itself is a
    ``registry.unavailable`` RegistryError naming the database error's class."""
    counter = RateCounter(registry, clock=Clock())
    key = "addr:198.51.100.7"
    for _ in range(4):
        assert isinstance(counter.count_locally(key, limit=100), RateDecision)
    batch = counter.count_locally(key, limit=100)
    assert isinstance(batch, PendingWrite)
    assert counter.count_locally(key, limit=100) == RateDecision(True, 1, 100, 45)
    assert counter.count_locally(key, limit=100) == RateDecision(True, 2, 100, 45)
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE rate_counters RENAME TO rate_counters_away")
    with pytest.raises(RegistryError) as failed:
        counter.write(batch)
    assert failed.value.code == "registry.unavailable"
    assert str(failed.value) == "the registry could not count a request (OperationalError)"
    assert failed.value.message == "the registry could not count a request (OperationalError)"
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE rate_counters_away RENAME TO rate_counters")
    again = counter.count_locally(key, limit=100)
    assert isinstance(again, PendingWrite)
    assert again.hits == 8
    assert counter.write(again) == RateDecision(True, 8, 100, 45)
    assert stored(db) == [(key, WINDOW, 8)]
    counter.close()


def test_a_failed_single_hit_write_is_counted_by_the_next_hit(registry: Registry, db: Path) -> None:
    """limit 3 (a write per hit): a hit whose write failed is not forgotten, the next hit
    writes both (count 2), and the message names the error class."""
    counter = RateCounter(registry, clock=Clock())
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE rate_counters RENAME TO rate_counters_away")
    with pytest.raises(RegistryError) as failed:
        counter.hit("addr:a", limit=3)
    assert (failed.value.code, str(failed.value)) == (
        "registry.unavailable",
        "the registry could not count a request (OperationalError)",
    )
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE rate_counters_away RENAME TO rate_counters")
    assert counter.hit("addr:a", limit=3) == RateDecision(True, 2, 3, 45)
    assert stored(db) == [("addr:a", WINDOW, 2)]
    counter.close()


def test_close_is_safe_before_any_write_and_twice_and_the_counter_reopens(
    registry: Registry, db: Path
) -> None:
    """close() on a counter that never wrote (the service's shutdown when no request came, or
    on PostgreSQL where the counter has no engine of its own) does nothing; close() twice
    is fine; a hit after close() opens the counter's connection again and counts on."""
    counter = RateCounter(registry, clock=Clock())
    counter.close()
    assert counter.hit("addr:a", limit=3) == RateDecision(True, 1, 3, 45)
    counter.close()
    counter.close()
    assert counter.hit("addr:a", limit=3) == RateDecision(True, 2, 3, 45)
    counter.close()
    assert stored(db) == [("addr:a", WINDOW, 2)]


def test_counting_emits_no_warning(registry: Registry, db: Path) -> None:
    """The first write of a key (insert) and the next (conflict update) compile and run
    without any warning (an upsert naming an unknown column makes SQLAlchemy warn)."""
    counter = RateCounter(registry, clock=Clock())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert counter.hit("addr:a", limit=3) == RateDecision(True, 1, 3, 45)
        assert counter.hit("addr:a", limit=3) == RateDecision(True, 2, 3, 45)
    counter.close()
    assert stored(db) == [("addr:a", WINDOW, 2)]
