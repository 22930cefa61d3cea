"""JSON-LD processing for mcbadge: the bundled contexts, the offline document loader,
expansion to RDF and RDF Dataset Canonicalization (RDFC-1.0), all without network access."""

from __future__ import annotations

from mcbadge.jsonld.loader import (
    BUNDLED_CONTEXT_URLS,
    bundled_context_bytes,
    bundled_context_document,
    offline_document_loader,
)

__all__ = [
    "BUNDLED_CONTEXT_URLS",
    "bundled_context_bytes",
    "bundled_context_document",
    "offline_document_loader",
]
