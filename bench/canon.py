"""JSON-LD to RDF and RDFC-1.0 canonicalization speed on the OB 3.0 spec credentials.

``run(quick=False)`` returns rows ``{"name", "document", "ms_each", "per_second", "runs"}``:
pyld expansion + URDNA2015 (the reference baseline), our ``to_rdf``, our ``canonicalize``
(RDFC-1.0 only), our ``canonize`` (both), and ``canonize`` of the document plus its
eddsa-rdfc-2022 proof configuration (what one Data Integrity sign or verify canonicalizes).
Documents: the spec's complete and sample credentials, and the credential ``mcbadge`` issues
for the first row of ``examples/roster.csv`` from ``examples/catalog`` ("issuer").
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

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference"
DOCUMENTS = {
    "07-complete": "examples/ob3/spec-rendered/07-complete-openbadgecredential/credential.json",
    "01-sample": (
        "examples/ob3/spec-rendered/01-sample-openbadgecredential-file-contents/credential.json"
    ),
}


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


def _issuer_credential() -> dict[str, Any]:
    """The unsigned credential mcbadge issues for the first roster row of examples/."""
    from datetime import UTC, datetime

    from mcbadge.models.builders import award, evidence, load_catalog, load_profile, load_roster

    examples = Path(__file__).resolve().parents[1] / "examples"
    catalog = load_catalog(examples / "catalog")
    row = next(iter(load_roster(examples / "roster.csv")))
    credential = award(
        catalog[row.achievement],
        issuer=load_profile(examples / "issuer.json"),
        recipient_email=row.email,
        achieved_level=row.achieved_level,
        evidence=[evidence(row.evidence_url, narrative=row.narrative, genre="Portfolio")],
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return dict(credential.to_json())


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
    documents: dict[str, dict[str, Any]] = {
        label: json.loads((REFERENCE / relative).read_text(encoding="utf-8"))
        for label, relative in DOCUMENTS.items()
    }
    documents["issuer"] = _issuer_credential()
    for label, document in documents.items():
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
                    "document": label,
                    "ms_each": round(ms_each, 3),
                    "per_second": round(1000 / ms_each, 1),
                    "runs": runs,
                }
            )
    return rows


if __name__ == "__main__":
    from bench.__main__ import _table

    print(_table(run()))
