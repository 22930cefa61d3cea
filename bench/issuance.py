"""Batch issuance throughput (credentials per second) against a temporary SQLite registry.

``run(quick=False)`` issues a generated roster (rows cycling through the ``examples/``
roster's achievements, levels and evidence, with fresh row ids and e-mails) with the
``examples/`` issuer profile and catalog, per format, in interleaved rounds: one worker, two
workers, and two independent one-worker batches at the same time (each its own process and
registry: what this shared 2-core host gives two processes in that minute, with no pool at
all; both rosters over the time from the first start to the last end). On a shared host the
speed drifts from minute to minute, so each round measures every case once and the rows give
the median over the rounds. One row per (format, case): ``{"name", "format", "jobs",
"credentials", "rounds", "per_second", "min", "max", "speedup", "load"}``; ``speedup`` is
the median against one worker's median. Timing includes the check build, reservation and
recording transactions, signing and, for jobs > 1, starting the workers.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("eddsa-rdfc-2022", "jwt")


def roster(count: int, prefix: str = "bench") -> list[Any]:
    """``count`` rows modelled on examples/roster.csv (distinct ids and e-mails)."""
    from mcbadge.issuer.build import load_roster

    base = load_roster(ROOT / "examples/roster.csv")
    return [
        dataclasses.replace(
            base[n % len(base)],
            row_id=f"{prefix}-{n:06d}",
            email=f"{prefix}.teacher{n}@school.example",
        )
        for n in range(count)
    ]


def _issue(fmt: str, jobs: int, count: int, database: Path) -> float:
    """Issue ``count`` new rows into a fresh registry; credentials per second."""
    started, finished = _timed_issue(fmt, jobs, count, database)
    return count / (finished - started)


def _timed_issue(fmt: str, jobs: int, count: int, database: Path) -> tuple[float, float]:
    """Issue ``count`` new rows into a fresh registry; when the batch started and ended
    (``time.perf_counter``, one clock for every process on the machine)."""
    from mcbadge.issuer import Issuer, IssuerStore, SigningKey
    from mcbadge.issuer.build import load_catalog, load_profile

    store = IssuerStore(f"sqlite:///{database}")
    issuer = Issuer(
        load_profile(ROOT / "examples/issuer.json"),
        SigningKey.generate(),
        format=fmt,
        registry=store,
        status_base_url="https://provider.example/status/",
    )
    catalog = load_catalog(ROOT / "examples/catalog")
    rows = roster(count, prefix=database.stem)
    started = time.perf_counter()
    result = issuer.issue_batch(rows, catalog=catalog, jobs=jobs)
    finished = time.perf_counter()
    store.close()
    if result.issued != count:
        raise RuntimeError(f"bench issued {result.issued} of {count}: {result.summary()}")
    return started, finished


def _issue_in_child(args: tuple[str, int, Path]) -> tuple[float, float]:
    return _timed_issue(args[0], 1, args[1], args[2])


def _pair(fmt: str, count: int, directory: Path, tag: str) -> float:
    """Two one-worker batches in two processes at once: both rosters over the time from the
    first start to the last end (summing the two rates would overstate it: whichever ends
    first leaves the other to finish alone, and faster)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        spans = pool.map(
            _issue_in_child,
            [(fmt, count, directory / f"{tag}-{side}.sqlite3") for side in ("a", "b")],
        )
    return 2 * count / (max(end for _, end in spans) - min(start for start, _ in spans))


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure every case; ``quick`` uses a small roster and one round (smoke tests)."""
    count, rounds = (20, 1) if quick else (2000, 3)
    load = round(os.getloadavg()[0], 2)
    rates: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-") as temp:
        directory = Path(temp)
        for fmt in FORMATS:  # warm this process (contexts, models): workers fork from it
            _issue(fmt, 1, min(count, 50), directory / f"warm-{fmt}.sqlite3")
        for round_number in range(rounds):
            for fmt in FORMATS:
                for jobs in (1, 2):
                    database = directory / f"{fmt}-{jobs}-{round_number}.sqlite3"
                    rates.setdefault((fmt, f"jobs={jobs}"), []).append(
                        _issue(fmt, jobs, count, database)
                    )
                rates.setdefault((fmt, "two processes"), []).append(
                    _pair(fmt, count, directory, f"{fmt}-pair-{round_number}")
                )
    rows: list[dict[str, Any]] = []
    for fmt in FORMATS:
        one = statistics.median(rates[(fmt, "jobs=1")])
        for case in ("jobs=1", "jobs=2", "two processes"):
            measured = rates[(fmt, case)]
            median = statistics.median(measured)
            rows.append(
                {
                    "name": f"issue_batch[{fmt}, {case}]",
                    "format": fmt,
                    "jobs": 2 if case != "jobs=1" else 1,
                    "credentials": count * (2 if case == "two processes" else 1),
                    "rounds": len(measured),
                    "per_second": round(median, 1),
                    "min": round(min(measured), 1),
                    "max": round(max(measured), 1),
                    "speedup": round(median / one, 2),
                    "load": load,
                }
            )
    return rows


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(
            f"{row['name']:<44} {row['credentials']:>5} x{row['rounds']} "
            f"median {row['per_second']:>8.1f}/s ({row['min']}-{row['max']})  "
            f"x{row['speedup']:<5} load {row['load']}"
        )
