"""Batch issuance throughput (credentials per second) against a temporary SQLite registry.

``run(quick=False)`` issues a fresh roster for each (format, jobs) pair and returns one row
per measurement: ``{"name", "format", "jobs", "credentials", "seconds", "per_second"}``.
Timing includes reservation, signing (the CPU part, on the worker pool) and recording, and
for jobs > 1 the cost of starting the worker processes.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

ACHIEVEMENT: dict[str, Any] = {
    "id": "https://provider.example/achievements/bench",
    "type": ["Achievement"],
    "name": "Bench Achievement",
    "description": "A credential issued by the benchmark.",
    "criteria": {"narrative": "Run the benchmark."},
}
CASES = (("eddsa-rdfc-2022", 1), ("eddsa-rdfc-2022", 2), ("jwt", 1), ("jwt", 2))


def _measure(fmt: str, jobs: int, count: int, directory: Path) -> dict[str, Any]:
    from mcbadge.issuer import Issuer, IssuerStore, RosterRow, SigningKey

    store = IssuerStore(f"sqlite:///{directory / f'{fmt}-{jobs}.sqlite3'}")
    issuer = Issuer(
        {"name": "Bench Provider"},
        SigningKey.generate(),
        format=fmt,
        registry=store,
        status_base_url="https://provider.example/status/",
    )
    rows = [RosterRow(f"row-{n}", f"teacher{n}@school.example", "bench") for n in range(count)]
    started = time.perf_counter()
    result = issuer.issue_batch(rows, catalog={"bench": ACHIEVEMENT}, jobs=jobs)
    seconds = time.perf_counter() - started
    store.close()
    if result.issued != count:
        raise RuntimeError(f"bench issued {result.issued} of {count}: {result.summary()}")
    return {
        "name": f"issue_batch[{fmt}, jobs={jobs}]",
        "format": fmt,
        "jobs": jobs,
        "credentials": count,
        "seconds": round(seconds, 3),
        "per_second": round(count / seconds, 1),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure every case; ``quick`` uses a small roster (for smoke tests)."""
    count = 20 if quick else 400
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-") as temp:
        return [_measure(fmt, jobs, count, Path(temp)) for fmt, jobs in CASES]


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(
            f"{row['name']:<36} {row['credentials']:>5} in {row['seconds']:>7.3f}s "
            f"= {row['per_second']:>8.1f}/s"
        )
