"""Batch issuance throughput (credentials per second) against a temporary SQLite registry.

``run(quick=False)`` issues a generated roster (rows cycling through the ``examples/``
roster's achievements, levels and evidence, with fresh row ids and e-mails) with the
``examples/`` issuer profile and catalog, for each (format, jobs) pair, and returns one row
per measurement: ``{"name", "format", "jobs", "credentials", "seconds", "per_second",
"load"}``. Timing includes the check build, reservation and recording transactions, build
and signing (on the worker pool for jobs > 1) and, for jobs > 1, starting the workers.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASES = (("eddsa-rdfc-2022", 1), ("eddsa-rdfc-2022", 2), ("jwt", 1), ("jwt", 2))


def roster(count: int) -> list[Any]:
    """``count`` rows modelled on examples/roster.csv (distinct ids and e-mails)."""
    from mcbadge.issuer.build import load_roster

    base = load_roster(ROOT / "examples/roster.csv")
    return [
        dataclasses.replace(
            base[n % len(base)], row_id=f"bench-{n:06d}", email=f"teacher{n}@school.example"
        )
        for n in range(count)
    ]


def _measure(fmt: str, jobs: int, count: int, directory: Path) -> dict[str, Any]:
    from mcbadge.issuer import Issuer, IssuerStore, SigningKey
    from mcbadge.issuer.build import load_catalog, load_profile

    store = IssuerStore(f"sqlite:///{directory / f'{fmt}-{jobs}-{count}.sqlite3'}")
    issuer = Issuer(
        load_profile(ROOT / "examples/issuer.json"),
        SigningKey.generate(),
        format=fmt,
        registry=store,
        status_base_url="https://provider.example/status/",
    )
    catalog = load_catalog(ROOT / "examples/catalog")
    rows = roster(count)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    result = issuer.issue_batch(rows, catalog=catalog, jobs=jobs)
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
        "load": round(load, 2),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure every case; ``quick`` uses a small roster (for smoke tests)."""
    count = 20 if quick else 2000
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-") as temp:
        rows = [_measure(fmt, jobs, count, Path(temp)) for fmt, jobs in CASES]
    one = {row["format"]: row["per_second"] for row in rows if row["jobs"] == 1}
    for row in rows:
        row["speedup"] = round(row["per_second"] / one[row["format"]], 2)
    return rows


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(
            f"{row['name']:<36} {row['credentials']:>5} in {row['seconds']:>7.3f}s "
            f"= {row['per_second']:>8.1f}/s  x{row['speedup']:<5} load {row['load']}"
        )
