"""An independent reference for the red-team tests of the fast JSON-LD path.

``reference(document)`` runs plain pyld (a fresh ``JsonLdProcessor`` subclass, a fresh context
resolver, a deep copy of the document: none of mcbadge's memos or node plans) with mcbadge's
safe-mode sentinels and its invalid-IRI refusal, and returns the RDFC-1.0 canonical N-Quads, or
None when mcbadge must refuse the document (a pyld error, a sentinel in the RDF, an IRI pyld
would drop). ``compare(document)`` checks the fast path and ``canonize`` against it.
"""

from __future__ import annotations

import copy
from typing import Any

from cachetools import LRUCache
from pyld.jsonld import ContextResolver, JsonLdProcessor

from mcbadge.errors import MCBadgeError
from mcbadge.jsonld import (
    canonicalize,
    canonize,
    check_data_loss,
    offline_document_loader,
    to_rdf,
)
from mcbadge.jsonld._memo import check_graph
from mcbadge.jsonld.process import (
    _RELATIVE_BASE,
    _UNDEFINED_VOCAB,
    _rdf_has_sentinel,
    _term,
    fast_dataset,
)


class _Reference(JsonLdProcessor):  # type: ignore[misc]
    """Plain pyld, plus the refusal of IRIs pyld would silently skip (as mcbadge does)."""

    def _graph_to_rdf(self, graph: Any, issuer: Any, options: Any) -> Any:
        check_graph(graph)
        return super()._graph_to_rdf(graph, issuer, options)


def reference(document: dict[str, Any]) -> str | None:
    try:
        rdf = _Reference().to_rdf(
            copy.deepcopy(document),
            {
                "documentLoader": offline_document_loader,
                "contextResolver": ContextResolver(LRUCache(maxsize=64), offline_document_loader),
                "expandContext": {"@vocab": _UNDEFINED_VOCAB},
                "base": _RELATIVE_BASE,
            },
        )
        if _rdf_has_sentinel(rdf):
            return None
        dataset = []
        for graph_name, triples in rdf.items():
            graph = (
                ""
                if graph_name == "@default"
                else (graph_name if graph_name.startswith("_:") else f"<{graph_name}>")
            )
            for triple in triples:
                dataset.append(
                    (
                        _term(triple["subject"]),
                        _term(triple["predicate"]),
                        _term(triple["object"]),
                        graph,
                    )
                )
        return canonicalize(dataset)
    except Exception:  # pyld errors, DataLossError, CanonicalizationError: all refusals
        return None


def _verdict(function: Any, document: dict[str, Any]) -> str:
    try:
        function(copy.deepcopy(document))
    except MCBadgeError as error:
        return error.code
    except Exception as error:  # a crash is a verdict too: both must crash alike
        return type(error).__name__
    return "accepted"


def compare(document: dict[str, Any]) -> list[str]:
    """Disagreements between mcbadge (fast path and canonize) and the reference, and between
    the verdict-only walk (``check_data_loss``, a VC-JWT's data-loss check) and ``to_rdf``."""
    expected = reference(document)
    problems: list[str] = []
    verdicts = {_verdict(to_rdf, document), _verdict(check_data_loss, document)}
    if len(verdicts) != 1:
        problems.append(f"check_data_loss and to_rdf disagree: {sorted(verdicts)}")
    fast = fast_dataset(document)
    try:
        ours: str | None = canonize(document)
    except MCBadgeError:
        ours = None
    if expected is None:
        if ours is not None:
            problems.append("canonize accepted a document the reference refuses")
        if fast is not None:
            try:
                canonicalize(fast)
            except MCBadgeError:
                pass
            else:
                problems.append("the fast path accepted a document the reference refuses")
        return problems
    if ours is None:
        problems.append("canonize refused a document the reference accepts")
    elif ours != expected:
        problems.append("canonize differs from the reference")
    if fast is not None and canonicalize(fast) != expected:
        problems.append("the fast path differs from the reference")
    return problems
