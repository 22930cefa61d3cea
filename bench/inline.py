"""How long the service's event loop can be held by one credential it verifies inline
(``[limits] inline_verification_bytes``, see ``mcbadge.server.deps.verifies_inline``).

A request body at most that size is verified on the worker's event loop, with no hand-off to
a thread; the worker answers nothing else meanwhile. ``run(quick=False)`` builds each hostile
payload of ``bench/hostile.py`` into the realistic credential (signed eddsa-rdfc-2022, the
payload added after signing), scaled so that the ``POST /credentials/verify`` body is just
under each bound, and at three smaller sizes too (the general JSON-LD processor's time is not
monotonic in the size: a larger payload can pass its budget and be refused at once). Each
document is verified offline in this process, as the service does; the row is the slowest
CPU time per bound (best of two runs each), with its payload, body size and verdict.

Rows: ``{"name", "bound_bytes", "body_bytes", "payload", "cpu_ms", "verified"}``.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from bench._fixtures import realistic_credential
from bench.hostile import PAYLOADS

BOUNDS = (6144, 8192, 16384)  # the realistic credential's body alone is ~5,000 bytes
_SEARCH_STEPS = 25
_FRACTIONS = (1.0, 0.75, 0.5, 0.25)


def _cpu_ms(document: bytes, policy: Any) -> tuple[float, bool]:
    from mcbadge.verify import verify

    best, verified = float("inf"), True
    for _ in range(2):
        started = time.process_time()
        verified = verify(document, policy).verified
        best = min(best, time.process_time() - started)
    return best * 1000, verified


def run(quick: bool = False) -> list[dict[str, Any]]:
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign
    from mcbadge.verify import VerificationPolicy

    policy = VerificationPolicy(offline=True, generic_credentials=True)
    key = generate_key("ed25519")
    unsigned = realistic_credential(key)
    unsigned.pop("credentialStatus")
    signed = sign(unsigned, key, format="eddsa-rdfc-2022").document
    _cpu_ms(json.dumps(signed).encode(), policy)  # warm: contexts, schemas

    def built(name: str, scale: float) -> tuple[int, bytes]:
        document = copy.deepcopy(signed)
        PAYLOADS[name][1](document, scale)
        body = json.dumps({"verifiableCredential": document}).encode()
        return len(body), json.dumps(document).encode()

    bounds = (8192,) if quick else BOUNDS
    names = ["undefined array", "undefined deep in subject"] if quick else list(PAYLOADS)
    rows = []
    for bound in bounds:
        slowest: tuple[float, int, str, bool] = (0.0, 0, "", True)
        for name in names:
            fits, over = 0.0, 0.02  # the largest scale whose body fits the bound
            for _ in range(_SEARCH_STEPS):
                middle = (fits + over) / 2
                if built(name, middle)[0] <= bound:
                    fits = middle
                else:
                    over = middle
            for fraction in (1.0,) if quick else _FRACTIONS:
                size, document = built(name, fits * fraction)
                if size > bound:  # not even the smallest payload fits
                    continue
                cpu, verified = _cpu_ms(document, policy)
                slowest = max(slowest, (cpu, size, name, verified))
        cpu, size, name, verified = slowest
        rows.append(
            {
                "name": "slowest hostile body verified inline",
                "bound_bytes": bound,
                "body_bytes": size,
                "payload": name,
                "cpu_ms": round(cpu, 1),
                "verified": verified,
            }
        )
    return rows
