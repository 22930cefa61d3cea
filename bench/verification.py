"""Verifier throughput: ``mcbadge.verify()`` (every check, offline) through ``verify_many``
with one and two worker processes.

``run(quick=False)`` returns rows ``{"name", "format", "jobs", "credentials", "seconds",
"per_second", "speedup", "load", "rounds", "min", "max"}``, and a "ceiling" row per format:
the speedup two independent processes get on this machine in the same run (the most a pool
can reach). After a warm-up, three interleaved rounds (the host's speed drifts from minute
to minute); each row is the median round, with the slowest and fastest.
The credentials are eddsa-rdfc-2022 and VC-JWT (EdDSA)
signings of the realistic credential (``bench/_fixtures.py``), 2,000 of each (quick: a few),
written to files in a temporary directory and given as paths (what ``mcbadge verify`` does):
workers read and parse them, so the pool rows pay for reading, parsing and returning results,
never for pickling documents.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _documents(fmt: str, count: int, directory: Path) -> list[Path]:
    from bench._fixtures import realistic_credential
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign

    key = generate_key("ed25519")
    signed = sign(realistic_credential(key), key, format=fmt)  # type: ignore[arg-type]
    one = signed.jwt if signed.jwt is not None else json.dumps(signed.document, indent=2)
    paths = [directory / f"{fmt}-{n:05d}.json" for n in range(count)]
    for path in paths:
        path.write_text(one, encoding="utf-8")
    return paths


def _measure(fmt: str, jobs: int, documents: list[Path]) -> dict[str, Any]:
    from mcbadge.verify import VerificationPolicy, verify_many

    policy = VerificationPolicy(offline=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    results = list(verify_many(documents, policy, jobs=jobs))
    seconds = time.perf_counter() - started
    # the status list is not fetched offline (indeterminate), but the signature must verify
    bad = [r for r in results if r.check("signature").status != "passed"]
    if bad:
        raise RuntimeError(f"bench: {len(bad)} signatures did not verify")
    return {
        "name": f"verify_many[full, jobs={jobs}]",
        "format": "jwt EdDSA" if fmt == "jwt" else fmt,
        "jobs": jobs,
        "credentials": len(documents),
        "seconds": round(seconds, 3),
        "per_second": round(len(documents) / seconds, 1),
        "load": round(load, 2),
    }


def _ceiling(fmt: str, documents: list[Path]) -> dict[str, Any]:
    """What two cores give this machine at all: the same verify() loop in one process, then
    in two independent forked processes (no pool, no results sent back). A shared 2-core
    host rarely gives 2x; the pool's speedup is read against this figure from the same run."""
    from mcbadge.verify import VerificationPolicy, verify

    policy = VerificationPolicy(offline=True)

    def work() -> None:
        for path in documents:
            verify(path, policy)

    for path in documents[:20]:  # warm, as the pool rows' workers are
        verify(path, policy)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    work()
    one = time.perf_counter() - started
    started = time.perf_counter()
    children = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child only works and exits
            try:
                work()
            finally:
                os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    two = time.perf_counter() - started
    return {
        "name": "ceiling: 2 independent processes",
        "format": "jwt EdDSA" if fmt == "jwt" else fmt,
        "jobs": 2,
        "credentials": 2 * len(documents),
        "seconds": round(two, 3),
        "per_second": round(2 * len(documents) / two, 1),
        "load": round(load, 2),
        "speedup": round(2 * one / two, 2),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Per format, after a warm-up: rounds of jobs=1, jobs=2 and the two-process ceiling,
    interleaved (the host's speed drifts), each row the median round."""
    from mcbadge.verify import VerificationPolicy, verify

    rounds = 1 if quick else 3
    rows = []
    for fmt in ("eddsa-rdfc-2022", "jwt"):
        with tempfile.TemporaryDirectory(prefix="mcbadge-bench-") as temp:
            documents = _documents(fmt, 8 if quick else 2000, Path(temp))
            for path in documents[:20]:  # warm this process (the workers fork from it)
                verify(path, VerificationPolicy(offline=True))
            measured: dict[str, list[dict[str, Any]]] = {"1": [], "2": [], "ceiling": []}
            for _ in range(rounds):
                for jobs in (1, 2):
                    measured[str(jobs)].append(_measure(fmt, jobs, documents))
                if hasattr(os, "fork"):
                    measured["ceiling"].append(_ceiling(fmt, documents[: 8 if quick else 1000]))
            one = statistics.median(row["per_second"] for row in measured["1"])
            for case, results in measured.items():
                if not results:
                    continue
                ordered = sorted(results, key=lambda row: row["per_second"])
                row = dict(ordered[len(ordered) // 2])
                row["rounds"] = len(results)
                row["min"] = ordered[0]["per_second"]
                row["max"] = ordered[-1]["per_second"]
                if case != "ceiling":
                    row["speedup"] = round(row["per_second"] / one, 2)
                rows.append(row)
    return rows


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(row)
