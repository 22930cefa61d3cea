"""A direct JSON-LD to RDF walk for the common credential shapes (the fast path of to_rdf).

pyld's ``to_rdf`` expands the document into a new JSON tree (after a deep copy), builds a node
map from it, and only then writes triples. For a credential most of that work is bookkeeping.
This module walks the compacted document once and writes quads straight away, while taking
every JSON-LD decision from the same pyld processor the slow path uses (the memoized
:class:`~mcbadge.jsonld._memo.MemoProcessor`): context processing (including type- and
property-scoped contexts, ``@protected`` and ``@propagate``), IRI expansion and the
type-scoped context reverting rules are pyld's own calls, made in the same order with the
same arguments as ``JsonLdProcessor._expand``. Only the tree building, the node map and the
RDF conversion are replaced.

Anything outside the supported subset raises :class:`Unsupported`, and the caller falls back
to the full pyld path; so do sentinel IRIs (safe mode) and IRIs pyld would drop. The subset:
node objects with ``@id``/``@type`` (or their aliases), properties whose values are strings,
numbers, booleans, nulls, node objects or arrays of those, term coercion to ``@id``,
``@vocab``, ``@json`` or a datatype, and ``@set``, ``@list`` and ``@graph`` containers.
Keyword keys other than ``@context``/``@id``/``@type``, value objects, language, index,
id and type maps, ``@nest``, reverse properties and nested lists are not supported.

Blank node labels differ from pyld's (``_:f0``, ``_:f1``... in walk order); canonicalization
does not depend on labels. tests/property/test_canon_differential.py compares the canonical
N-Quads of both paths.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Any

from pyld.jsonld import (
    RDF_FIRST,
    RDF_JSON_LITERAL,
    RDF_NIL,
    RDF_REST,
    RDF_TYPE,
    XSD_BOOLEAN,
    XSD_DOUBLE,
    XSD_INTEGER,
    ContextResolver,
    JsonLdProcessor,
    _canonicalize_double,
    _resolved_context_cache,
)
from pyld.jsonld import canonicalize as _jcs

from mcbadge.jsonld._memo import MemoProcessor
from mcbadge.jsonld.loader import offline_document_loader
from mcbadge.jsonld.nquads import XSD_STRING, Dataset, Quad, literal

__all__ = ["Unsupported", "fast_to_rdf"]

_get = JsonLdProcessor.get_context_value
# pyld's test for an absolute IRI; a term failing it is dropped by pyld's to_rdf.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_HANDLED_KEYWORDS = frozenset({"@id", "@type", "@context"})


class Unsupported(Exception):
    """The document uses something the fast path does not handle: use pyld."""


_setup_lock = threading.Lock()
_TermInfo = tuple[Any, Any, Any, bool]  # @context, @container, @type, has language/direction
_term_cache: dict[tuple[int, str], tuple[Any, _TermInfo]] = {}
_TERM_CACHE_LIMIT = 16384


def _term(ctx: Any, key: str) -> _TermInfo:
    """A term's scoped context, container, type coercion and whether it sets a language or
    direction, as pyld's get_context_value reports them. Cached per (context, term); an entry
    keeps its context object alive, so the identity in the key cannot be reused."""
    cache_key = (id(ctx), key)
    hit = _term_cache.get(cache_key)
    if hit is not None and hit[0] is ctx:
        return hit[1]
    info: _TermInfo = (
        _get(ctx, key, "@context"),
        _get(ctx, key, "@container"),
        _get(ctx, key, "@type"),
        _get(ctx, key, "@language") is not None or _get(ctx, key, "@direction") is not None,
    )
    with _setup_lock:
        if len(_term_cache) >= _TERM_CACHE_LIMIT:
            _term_cache.clear()
        _term_cache[cache_key] = (ctx, info)
    return info


_setup: dict[str, Any] = {}


def _start(vocab: str, base: str) -> tuple[MemoProcessor, dict[str, Any], Any]:
    key = vocab + "\x00" + base
    found = _setup.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    with _setup_lock:
        processor = MemoProcessor()
        options: dict[str, Any] = {
            "documentLoader": offline_document_loader,
            "contextResolver": ContextResolver(_resolved_context_cache, offline_document_loader),
            "processingMode": "json-ld-1.1",
            "isFrame": False,
            "keepFreeFloatingNodes": False,
            "extractAllScripts": False,
            "base": base,
        }
        initial = processor._get_initial_context(options)
        active = processor.process_context(initial, {"@vocab": vocab}, options)
        result = (processor, options, active)
        _setup[key] = result
        return result


class _Walk:
    __slots__ = ("blank", "counter", "expand_iri", "options", "processor", "quads")

    def __init__(self, processor: MemoProcessor, options: dict[str, Any]) -> None:
        self.processor = processor
        self.options = options
        self.expand_iri = processor._expand_iri
        self.quads: list[Quad] = []
        self.counter = 0
        self.blank: dict[str, str] = {}

    def fresh(self) -> str:
        label = f"_:f{self.counter}"
        self.counter += 1
        return label

    def node_term(self, iri: Any) -> str:
        """The RDF term of an expanded @id (or @type / coerced IRI) value."""
        if not isinstance(iri, str):
            raise Unsupported
        if iri.startswith("_:"):
            label = self.blank.get(iri)
            if label is None:
                label = self.blank[iri] = self.fresh()
            return label
        if _ABSOLUTE_IRI.match(iri) is None:
            raise Unsupported
        return "<" + iri + ">"

    # -- node objects -------------------------------------------------------------------

    def node(
        self,
        active_ctx: Any,
        active_property: str | None,
        element: dict[str, Any],
        graph: str,
        type_scoped_ctx: Any = None,
    ) -> str:
        """Emit the quads of a node object; return its subject term."""
        processor = self.processor
        options = self.options
        expand_iri = self.expand_iri
        property_scoped_ctx = (
            _term(active_ctx, active_property)[0] if active_property is not None else None
        )
        if not type_scoped_ctx and active_ctx.get("previousContext"):
            type_scoped_ctx = active_ctx
        must_revert = True
        if type_scoped_ctx and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded = expand_iri(type_scoped_ctx, key, vocab=True)
                if expanded == "@value":
                    raise Unsupported
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            active_ctx = processor._revert_to_previous_context(active_ctx)
        if property_scoped_ctx is not None:
            active_ctx = processor._process_context(
                active_ctx, property_scoped_ctx, options, override_protected=True
            )
        active_ctx, _type_key, type_scoped_ctx = processor._prepare_nested_context(
            active_ctx, element, options
        )

        subject: str | None = None
        types: list[str] = []
        properties: list[tuple[str, str, Any]] = []
        for key, value in sorted(element.items()):
            if key == "@context":
                continue
            expanded = expand_iri(active_ctx, key, vocab=True)
            if not isinstance(expanded, str):
                raise Unsupported
            if expanded[:1] == "@":
                if expanded not in _HANDLED_KEYWORDS:
                    raise Unsupported
                if expanded == "@id":
                    if not isinstance(value, str):
                        raise Unsupported
                    subject = self.node_term(
                        expand_iri(active_ctx, value, base=options.get("base", ""))
                    )
                elif expanded == "@type":
                    for type_value in value if isinstance(value, list) else [value]:
                        if not isinstance(type_value, str):
                            raise Unsupported
                        iri = expand_iri(
                            type_scoped_ctx, type_value, vocab=True, base=options.get("base", "")
                        )
                        if iri == "@json" or not isinstance(iri, str) or iri[:1] == "@":
                            raise Unsupported
                        types.append(iri)
                continue
            if expanded.startswith("_:") or _ABSOLUTE_IRI.match(expanded) is None:
                raise Unsupported  # pyld drops it (blank node or relative predicate)
            properties.append((key, expanded, value))

        if subject is None:
            subject = self.fresh()
        quads = self.quads
        for iri in types:
            quads.append((subject, "<" + RDF_TYPE + ">", self.node_term(iri), graph))
        for key, expanded, value in properties:
            self.property(active_ctx, subject, key, expanded, value, graph)
        return subject

    # -- properties ---------------------------------------------------------------------

    def property(
        self, active_ctx: Any, subject: str, key: str, expanded: str, value: Any, graph: str
    ) -> None:
        scoped, raw_container, coerce, _language = _term(active_ctx, key)
        if value is None:
            if coerce == "@json":
                raise Unsupported  # a JSON null literal: leave it to pyld
            return
        term_ctx = active_ctx
        if scoped is not None:
            term_ctx = self.processor._process_context(
                active_ctx, scoped, self.options, propagate=True, override_protected=True
            )
        mapping = term_ctx["mappings"].get(key)
        if mapping is not None and mapping.get("reverse"):
            raise Unsupported
        container = [] if raw_container is None else JsonLdProcessor.arrayify(raw_container)
        for entry in container:
            if entry not in ("@set", "@list", "@graph"):
                raise Unsupported
        predicate = "<" + expanded + ">"
        quads = self.quads
        if coerce == "@json":
            if container:
                raise Unsupported
            quads.append((subject, predicate, self.json_literal(value), graph))
            return
        items = value if isinstance(value, list) else [value]
        if "@list" in container:
            if "@graph" in container:
                raise Unsupported
            terms = [self.value(term_ctx, key, item, graph, in_list=True) for item in items]
            head = "<" + RDF_NIL + ">"
            nodes = [self.fresh() for _ in terms]
            if nodes:
                head = nodes[0]
            for index, term in enumerate(terms):
                if term is None:
                    raise Unsupported
                rest = nodes[index + 1] if index + 1 < len(nodes) else "<" + RDF_NIL + ">"
                quads.append((nodes[index], "<" + RDF_FIRST + ">", term, graph))
                quads.append((nodes[index], "<" + RDF_REST + ">", rest, graph))
            quads.append((subject, predicate, head, graph))
            return
        if "@graph" in container:
            for item in items:
                if item is None:
                    continue
                if not isinstance(item, dict):
                    raise Unsupported
                name = self.fresh()
                self.node(term_ctx, key, item, name)
                quads.append((subject, predicate, name, graph))
            return
        for item in items:
            term = self.value(term_ctx, key, item, graph, in_list=False)
            if term is not None:
                quads.append((subject, predicate, term, graph))

    def value(
        self, active_ctx: Any, key: str, item: Any, graph: str, *, in_list: bool
    ) -> str | None:
        if item is None:
            return None
        if isinstance(item, dict):
            return self.node(active_ctx, key, item, graph)
        if isinstance(item, list):
            raise Unsupported  # nested arrays (lists of lists)
        _scoped, _container, coerce, language = _term(active_ctx, key)
        if isinstance(item, str):
            if coerce == "@id":
                return self.node_term(
                    self.expand_iri(active_ctx, item, base=self.options.get("base", ""))
                )
            if coerce == "@vocab":
                return self.node_term(
                    self.expand_iri(active_ctx, item, vocab=True, base=self.options.get("base", ""))
                )
        if language:
            raise Unsupported
        datatype = coerce if coerce not in (None, "@id", "@vocab", "@none") else None
        if datatype is not None and (
            not isinstance(datatype, str) or _ABSOLUTE_IRI.match(datatype) is None
        ):
            raise Unsupported
        return self.scalar(item, datatype)

    @staticmethod
    def scalar(item: Any, datatype: str | None) -> str:
        """pyld's _object_to_rdf for a value object, as a canonical N-Quads term."""
        if isinstance(item, bool):
            return literal("true" if item else "false", datatype or XSD_BOOLEAN)
        if isinstance(item, float):
            if not math.isfinite(item):
                raise Unsupported
            if not item.is_integer():
                return literal(_canonicalize_double(item), datatype or XSD_DOUBLE)
        if isinstance(item, int | float):
            # pyld writes an integral float as an integer, and large numbers as doubles.
            if datatype == XSD_DOUBLE or abs(item) >= 1e21:
                return literal(_canonicalize_double(float(item)), datatype or XSD_DOUBLE)
            return literal(str(int(item)), datatype or XSD_INTEGER)
        if isinstance(item, str):
            if datatype == XSD_DOUBLE:
                raise Unsupported
            return literal(item, datatype or XSD_STRING)
        raise Unsupported

    @staticmethod
    def json_literal(value: Any) -> str:
        return literal(_jcs(value).decode("utf-8"), RDF_JSON_LITERAL)


def fast_to_rdf(document: dict[str, Any], vocab: str, base: str) -> Dataset:
    """Quads of ``document`` (a JSON object) or :class:`Unsupported`.

    ``vocab`` and ``base`` are the safe-mode sentinels; the caller checks the result for them.
    Errors raised by pyld's context processing propagate unchanged, as in the slow path.
    """
    processor, options, active = _start(vocab, base)
    walk = _Walk(processor, options)
    walk.node(active, None, document, "")
    return list(dict.fromkeys(walk.quads))
