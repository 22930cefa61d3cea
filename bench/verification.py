"""Verifier throughput: ``mcbadge.verify()`` (every check, offline) through ``verify_many``
with one and two worker processes.

``run(quick=False)`` returns rows ``{"name", "format", "jobs", "credentials", "seconds",
"per_second", "speedup", "load"}``. The credentials are eddsa-rdfc-2022 and VC-JWT (EdDSA)
signings of the realistic credential (``bench/_fixtures.py``), 2,000 of each (quick: a few),
written to files in a temporary directory and given as paths (what ``mcbadge verify`` does):
workers read and parse them, so the pool rows pay for reading, parsing and returning results,
never for pickling documents.
"""

from __future__ import annotations

import json
import os
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


def run(quick: bool = False) -> list[dict[str, Any]]:
    rows = []
    for fmt in ("eddsa-rdfc-2022", "jwt"):
        with tempfile.TemporaryDirectory(prefix="mcbadge-bench-") as temp:
            documents = _documents(fmt, 8 if quick else 2000, Path(temp))
            pair = [_measure(fmt, jobs, documents) for jobs in (1, 2)]
        for row in pair:
            row["speedup"] = round(row["per_second"] / pair[0]["per_second"], 2)
        rows += pair
    return rows


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(row)
