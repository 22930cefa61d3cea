"""Differential run: the fast JSON-LD to RDF path against pyld on generated credentials.

``run(quick=False)`` generates 10,000 credential-shaped documents (``quick``: 200) with the
hypothesis strategy of tests/property/test_canon_differential.py and compares, for each, the
RDFC-1.0 canonical N-Quads of the fast path's quads with pyld's URDNA2015 normalisation. It
returns one row ``{"name", "documents", "fast_path", "mismatches", "seconds"}``; ``mismatches``
counts documents whose output differs or that did not take the fast path, and must be 0.
"""

from __future__ import annotations

import time
from typing import Any


def run(quick: bool = False) -> list[dict[str, Any]]:
    from hypothesis import HealthCheck, given, settings
    from tests.property.test_canon_differential import _pyld, credentials

    from mcbadge.jsonld import canonicalize
    from mcbadge.jsonld.process import fast_dataset

    count = 200 if quick else 10_000
    seen = {"documents": 0, "fast_path": 0, "mismatches": 0}

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(credentials())
    def compare(document: dict[str, Any]) -> None:
        seen["documents"] += 1
        fast = fast_dataset(document)
        if fast is None:
            seen["mismatches"] += 1
            return
        seen["fast_path"] += 1
        if canonicalize(fast) != _pyld(document):
            seen["mismatches"] += 1

    started = time.perf_counter()
    compare()
    return [
        {
            "name": "fast to_rdf vs pyld (canonical N-Quads)",
            **seen,
            "seconds": round(time.perf_counter() - started, 1),
        }
    ]


if __name__ == "__main__":
    from bench.__main__ import _table

    print(_table(run()))
