"""Verifier throughput: ``mcbadge.verify()`` (every check, offline) one at a time and through
``verify_many`` with one and two worker processes.

``run(quick=False)`` returns rows ``{"name", "format", "jobs", "credentials", "seconds",
"per_second"}``. The credentials are eddsa-rdfc-2022 and VC-JWT (EdDSA) signings of the OB 3.0
spec's complete example (issuer replaced by the key's DID); the documents are in memory, so
the pool rows include pickling them and starting the workers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference"
EXAMPLE = "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json"


def _documents(fmt: str, count: int) -> list[Any]:
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign

    key = generate_key("ed25519")
    cred = json.loads((REFERENCE / EXAMPLE).read_text())
    cred["issuer"] = dict(cred["issuer"], id=did_for_key(key))
    signed = sign(cred, key, format=fmt)  # type: ignore[arg-type]
    one: Any = signed.jwt if fmt == "jwt" else signed.document
    return [one] * count


def _measure(fmt: str, jobs: int, documents: list[Any]) -> dict[str, Any]:
    from mcbadge.verify import VerificationPolicy, verify_many

    policy = VerificationPolicy(offline=True, trust_embedded_keys=True)
    started = time.perf_counter()
    results = list(verify_many(documents, policy, jobs=jobs))
    seconds = time.perf_counter() - started
    # the spec example names a revocation list that is not fetched offline: indeterminate,
    # but the signature must verify
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
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    rows = []
    for fmt, count in (("eddsa-rdfc-2022", 6 if quick else 400), ("jwt", 10 if quick else 600)):
        documents = _documents(fmt, count)
        for jobs in (1, 2):
            rows.append(_measure(fmt, jobs, documents))
    return rows
