"""How every benchmark times a piece of work: ``runs`` timed loops of ``count`` calls."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def rates(action: Callable[[], object], count: int, runs: int, *, warm: int = 0) -> list[float]:
    """Calls per second of ``count`` calls, ``runs`` times, after ``warm`` untimed calls."""
    for _ in range(warm):
        action()
    measured = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(count):
            action()
        measured.append(count / (time.perf_counter() - started))
    return measured


def median_rate(action: Callable[[], object], count: int, runs: int, *, warm: int = 0) -> float:
    """The median of :func:`rates`."""
    return statistics.median(rates(action, count, runs, warm=warm))
