"""JSON-LD processing for mcbadge: the bundled contexts, the offline document loader,
expansion to RDF and RDF Dataset Canonicalization (RDFC-1.0), all without network access.

``canonize(document)`` is ``canonicalize(to_rdf(document))``: the canonical N-Quads a Data
Integrity proof signs. See docs/jsonld.md for the :data:`Dataset` shape, safe mode and the
work budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcbadge.jsonld.loader import (
    BUNDLED_CONTEXT_URLS,
    bundled_context_bytes,
    bundled_context_document,
    offline_document_loader,
)
from mcbadge.jsonld.nquads import Dataset, Quad, parse_nquads, serialize_quad
from mcbadge.jsonld.process import check_data_loss, to_rdf
from mcbadge.jsonld.rdfc import DEFAULT_MAX_WORK, canonicalize, issued_identifiers

__all__ = [
    "BUNDLED_CONTEXT_URLS",
    "DEFAULT_MAX_WORK",
    "Dataset",
    "Quad",
    "bundled_context_bytes",
    "bundled_context_document",
    "canonicalize",
    "canonize",
    "check_data_loss",
    "issued_identifiers",
    "offline_document_loader",
    "parse_nquads",
    "serialize_quad",
    "to_rdf",
]


def canonize(document: Mapping[str, Any], *, max_work: int | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (bundled contexts only, safe mode)."""
    return canonicalize(to_rdf(document), max_work=max_work)
