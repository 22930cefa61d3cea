"""Signing and proof-verification throughput for each format, the raw signature ceiling, and
where Data Integrity time goes (JSON-LD expansion + RDFC-1.0 vs hashing vs the signature).

``run(quick=False)`` returns rows ``{"name", "format", "per_second", "ms_each", "runs"}``;
each figure is the median of several timed runs on the OB 3.0 spec's complete example
credential (issuer replaced by the key's DID).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference"
EXAMPLE = "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json"
# (row label, sign format, key type): VC-JWT is measured with each of its three algorithms.
FORMAT_KEYS = (
    ("eddsa-rdfc-2022", "eddsa-rdfc-2022", "ed25519"),
    ("ecdsa-rdfc-2019", "ecdsa-rdfc-2019", "p256"),
    ("ed25519-2020", "ed25519-2020", "ed25519"),
    ("jwt EdDSA", "jwt", "ed25519"),
    ("jwt ES256", "jwt", "p256"),
    ("jwt RS256", "jwt", "rsa"),
)


def _credential() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFERENCE / EXAMPLE).read_text())
    return data


def _median_rate(action: Callable[[], object], count: int, runs: int) -> float:
    """Median over ``runs`` of the operations per second of ``count`` calls."""
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(count):
            action()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def _row(name: str, fmt: str, rate: float, runs: int) -> dict[str, Any]:
    return {
        "name": name,
        "format": fmt,
        "per_second": round(rate, 1),
        "ms_each": round(1000 / rate, 3),
        "runs": runs,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    from mcbadge.did import OfflineResolver, did_for_key
    from mcbadge.keys import generate_key
    from mcbadge.proofs import canonize, sign, verify_proof
    from mcbadge.proofs.di import proof_config

    runs = 3 if quick else 5
    count = 3 if quick else 20
    raw_count = 50 if quick else 2000
    rows: list[dict[str, Any]] = []
    resolver = OfflineResolver()
    for label, fmt, kind in FORMAT_KEYS:
        key = generate_key(kind)  # type: ignore[arg-type]
        cred = _credential()
        cred["issuer"] = dict(cred["issuer"], id=did_for_key(key))
        signed = sign(cred, key, format=fmt)  # type: ignore[arg-type]
        target: Any = signed.jwt if fmt == "jwt" else signed.document
        assert verify_proof(target, resolver).verified
        n = count * 10 if fmt == "jwt" else count
        rate = _median_rate(partial(sign, cred, key, format=fmt), n, runs)  # type: ignore[arg-type]
        rows.append(_row("sign", label, rate, runs))
        rate = _median_rate(partial(verify_proof, target, resolver), n, runs)
        rows.append(_row("verify", label, rate, runs))
    message = b"m" * 64
    for kind, alg in (("ed25519", "Ed25519"), ("p256", "P-256")):
        key = generate_key(kind)  # type: ignore[arg-type]
        signature = key.sign(message)
        rate = _median_rate(partial(key.sign, message), raw_count, runs)
        rows.append(_row("raw sign", alg, rate, runs))
        rate = _median_rate(partial(key.verify, signature, message), raw_count, runs)
        rows.append(_row("raw verify", alg, rate, runs))
    # Split of one eddsa-rdfc-2022 signature: canonicalization (document + proof config),
    # hashing, signing.
    key = generate_key("ed25519")
    cred = _credential()
    cred["issuer"] = dict(cred["issuer"], id=did_for_key(key))
    options = sign(cred, key, format="eddsa-rdfc-2022").document["proof"]
    config = proof_config(cred, options)
    canon = canonize(cred)
    canon_rate = _median_rate(lambda: (canonize(cred), canonize(config)), count, runs)
    hash_rate = _median_rate(
        lambda: hashlib.sha256(canon.encode()).digest() + hashlib.sha256(canon.encode()).digest(),
        raw_count,
        runs,
    )
    sig_rate = _median_rate(lambda: key.sign(b"h" * 64), raw_count, runs)
    rows.append(_row("DI split: expand+canonicalize", "eddsa-rdfc-2022", canon_rate, runs))
    rows.append(_row("DI split: SHA-256 hashing", "eddsa-rdfc-2022", hash_rate, runs))
    rows.append(_row("DI split: Ed25519 signature", "eddsa-rdfc-2022", sig_rate, runs))
    return rows
