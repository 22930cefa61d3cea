"""JSON-LD to RDF and RDFC-1.0 canonicalization speed on the benchmark credentials.

``run(quick=False)`` returns rows ``{"name", "credential", "ms_each", "per_second", "runs"}``:
pyld expansion + URDNA2015 (the reference baseline), our ``to_rdf``, our ``canonicalize``
(RDFC-1.0 only), our ``canonize`` (both), and ``canonize`` of the document plus its
eddsa-rdfc-2022 proof configuration (what one Data Integrity sign or verify canonicalizes).
Credentials: ``bench._fixtures.realistic_credential`` ("realistic": the Issuer's output for
roster row 1 of examples/), ``spec_complete_example`` ("spec complete") and the spec's sample
credential ("spec sample").
Each figure is the median of several timed runs.
``python -m bench.canon`` prints them.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[1] / "tests/reference"
SPEC_SAMPLE = (
    "examples/ob3/spec-rendered/01-sample-openbadgecredential-file-contents/credential.json"
)


def _median_ms(action: Callable[[], object], count: int, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(count):
            action()
        timings.append((time.perf_counter() - started) * 1000 / count)
    return statistics.median(timings)


def _pyld_normalize(document: dict[str, Any]) -> str:
    from pyld import jsonld

    from mcbadge.jsonld import offline_document_loader

    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": offline_document_loader,
    }
    return str(jsonld.normalize(copy.deepcopy(document), options))


def _documents() -> dict[str, dict[str, Any]]:
    from bench._fixtures import realistic_credential, spec_complete_example
    from mcbadge.keys import generate_key

    key = generate_key("ed25519")
    sample: dict[str, Any] = json.loads((REFERENCE / SPEC_SAMPLE).read_text(encoding="utf-8"))
    return {
        "realistic": realistic_credential(key),
        "spec complete": spec_complete_example(key),
        "spec sample": sample,
    }


def _proof_config(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": document["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6Mk",
        "proofPurpose": "assertionMethod",
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    from mcbadge.jsonld import canonicalize, canonize, to_rdf

    runs = 3 if quick else 7
    rows: list[dict[str, Any]] = []
    for label, document in _documents().items():
        dataset = to_rdf(document)
        config = _proof_config(document)
        cases: list[tuple[str, Callable[[], object], int]] = [
            ("pyld expand+URDNA2015", lambda d=document: _pyld_normalize(d), 2 if quick else 10),
            ("mcbadge to_rdf", lambda d=document: to_rdf(d), 5 if quick else 50),
            ("mcbadge canonicalize", lambda s=dataset: canonicalize(s), 5 if quick else 200),
            ("mcbadge canonize", lambda d=document: canonize(d), 5 if quick else 50),
            (
                "mcbadge canonize document + proof config",
                lambda d=document, c=config: (canonize(d), canonize(c)),
                5 if quick else 50,
            ),
        ]
        for name, action, count in cases:
            ms_each = _median_ms(action, count, runs)
            rows.append(
                {
                    "name": name,
                    "credential": label,
                    "ms_each": round(ms_each, 3),
                    "per_second": round(1000 / ms_each, 1),
                    "runs": runs,
                }
            )
    return rows


if __name__ == "__main__":
    from bench.__main__ import _table

    print(_table(run()))
