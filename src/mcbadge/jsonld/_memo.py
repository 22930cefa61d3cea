"""A pyld processor that processes each distinct JSON-LD context once per process.

pyld re-processes every property- and type-scoped context of the bundled contexts for every
node of every document; for an OB 3.0 credential that is most of the time spent. The result
of context processing depends only on the active context, the local context and a few
flags, and pyld treats processed contexts as values (it clones before changing one), so
results are memoized here:

* a local context made only of URLs is keyed by its text;
* any other local context (a scoped or inline context object) is keyed by object identity,
  and the entry keeps a reference to that object, so the identity cannot be reused while the
  entry exists;
* the active context is keyed by identity in the same way.

IRI expansion outside context processing (``_expand_iri`` without a local context) depends
only on the active context and its arguments and is memoized the same way.

pyld's RDF conversion silently skips any triple whose subject, predicate or IRI object fails
its absolute-IRI test (an IRI containing whitespace, including Unicode whitespace such as
U+0085, or a blank-node predicate). ``_graph_to_rdf`` here refuses such a graph with
``DataLossError(code="data_loss.invalid_iri")`` instead: a signature must not silently skip
data.

The memo is bounded: when full it is emptied, costing only speed. The differential tests
(tests/property/test_canon_differential.py) run many documents through one memo and compare
with a fresh pyld run.
"""

from __future__ import annotations

import threading
from typing import Any

from pyld.jsonld import JsonLdProcessor, _is_absolute_iri, _is_keyword

from mcbadge.errors import DataLossError

__all__ = ["MemoProcessor"]

_MEMO_LIMIT = 4096
_memo: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
_iri_memo: dict[tuple[Any, ...], tuple[Any, Any]] = {}
_lock = threading.Lock()


def _local_key(local_ctx: Any) -> tuple[Any, ...]:
    if isinstance(local_ctx, str):
        return ("urls", local_ctx)
    if isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
        return ("urls", *local_ctx)
    return ("object", id(local_ctx))


class MemoProcessor(JsonLdProcessor):  # type: ignore[misc]
    """JsonLdProcessor whose context processing is memoized (see the module docstring)."""

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        if cycles:
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        local_key = _local_key(local_ctx)
        key = (
            id(active_ctx),
            local_key,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base"),
            options.get("processingMode"),
        )
        hit = _memo.get(key)
        if (
            hit is not None
            and hit[0] is active_ctx
            and (local_key[0] == "urls" or hit[1] is local_ctx)
        ):
            return hit[2]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        with _lock:
            if len(_memo) >= _MEMO_LIMIT:
                _memo.clear()
            _memo[key] = (active_ctx, local_ctx, result)
        return result

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        if local_ctx is not None or defined is not None or not isinstance(value, str):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (id(active_ctx), value, base, vocab)
        hit = _iri_memo.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = super()._expand_iri(active_ctx, value, base, vocab)
        with _lock:
            if len(_iri_memo) >= _MEMO_LIMIT * 4:
                _iri_memo.clear()
            _iri_memo[key] = (active_ctx, result)
        return result

    def _graph_to_rdf(self, graph: Any, issuer: Any, options: Any) -> Any:
        check_graph(graph)
        return super()._graph_to_rdf(graph, issuer, options)


def _refuse(value: str) -> None:
    raise DataLossError(
        f"the IRI {value!r} is not valid (JSON-LD would drop its statements unsigned)",
        code="data_loss.invalid_iri",
    )


def _check_iri(value: Any) -> None:
    if not isinstance(value, str) or not _is_absolute_iri(value):
        _refuse(str(value))


def _check_values(items: Any) -> None:
    stack = list(items)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@list" in item:
                stack.extend(item["@list"])
            elif "@id" in item:
                _check_iri(item["@id"])


def check_graph(graph: Any) -> None:
    """Safe mode over a node map: refuse every IRI pyld would silently skip when writing RDF
    (node ids, types, properties, values) instead of dropping statements unsigned."""
    for id_, node in graph.items():
        _check_iri(id_)
        for prop, items in node.items():
            if prop == "@type":
                for type_ in items:
                    _check_iri(type_)
                continue
            if _is_keyword(prop):
                continue
            if prop.startswith("_:"):
                _refuse(prop)
            _check_iri(prop)
            _check_values(items)
