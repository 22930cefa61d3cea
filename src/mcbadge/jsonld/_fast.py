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

Those decisions depend only on the active context, the property a node sits under, the
node's keys, its own ``@context`` (URLs) and its ``@type`` values, so they are cached per
process as a node *plan* (:class:`_Head` per context/property/keys, :class:`_Plan` per type
values, :class:`_Info` per property): a node of a known shape is one dictionary lookup plus
its quads. Cache keys hold context identities and the entries hold the contexts; everything
is bounded; nothing that raised is cached.

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

import copy
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

__all__ = ["MAX_PLANNED_KEYS", "MAX_QUADS", "Lost", "TooLarge", "Unsupported", "fast_to_rdf"]

_get = JsonLdProcessor.get_context_value
# pyld's test for an absolute IRI (a term failing it is dropped by pyld's to_rdf), but ending
# in \Z: pyld's "$" also matches before a final newline, so it takes "urn:x\n" as absolute.
# Such an IRI goes to the pyld path, and RDFC-1.0 (rdfc.canonicalize) refuses it.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*\Z")
_HANDLED_KEYWORDS = frozenset({"@id", "@type", "@context"})


class Unsupported(Exception):
    """The document uses something the fast path does not handle: use pyld."""


class Lost(Unsupported):
    """A property or type no context defines, holding data: pyld would refuse the document
    (safe mode) with ``code``. Raised only where that is certain (see ``_carries_data``); the
    caller may still ask pyld, which names the JSON path."""

    def __init__(self, code: str, name: str) -> None:
        super().__init__(code)
        self.code = code
        self.name = name


class TooLarge(Exception):
    """The document has more statements than :data:`MAX_QUADS`, or more keys to plan than
    :data:`MAX_PLANNED_KEYS`."""


#: The most quads a document may produce (a credential has a few hundred; the OB 3.0 spec's
#: complete example 140). Past it the walk stops: its time and memory stay bounded whatever
#: an 8 MiB input holds (600,000 array items would otherwise be 600,000 quads to write,
#: sort and hash).
MAX_QUADS = 100_000
#: The most node-object keys a document may make the walk plan (keys of node shapes not
#: already cached; each costs pyld IRI expansions, ~25 us): a credential has a few hundred,
#: 400,000 distinct keys would take 20 s.
MAX_PLANNED_KEYS = 20_000


def _carries_data(value: Any) -> bool:
    """Whether JSON-LD expansion surely keeps ``value`` (as a literal or a node object) under
    a property: a string, number or boolean; a node object with a plain key holding one (no
    key is a keyword, so it is neither a value, list nor set object); or an array holding
    one of those. Anything else (null, [], {}, keywords, nested arrays) is left to pyld."""
    if type(value) is list:
        return any(_carries_data(item) for item in value if type(item) is not list)
    if type(value) is dict:
        for key in value:
            if key[:1] == "@":
                return False
        for key, item in value.items():
            if key in ("id", "type"):
                if type(item) is not str:
                    return False
            elif item is not None and type(item) in _SCALARS:
                return True
        return False
    return value is not None and type(value) in _SCALARS


_SCALARS = frozenset({str, int, float, bool})


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


class _Head:
    """A node's context decisions that do not depend on its types: the context after the
    revert and property-scoped rules (``ctx_pre``), after its own ``@context`` (``ctx_mid``),
    and which of its keys are ``@type`` keys. ``plans`` holds one :class:`_Plan` per tuple of
    type values."""

    __slots__ = ("active_ctx", "ctx_pre", "plans", "type_keys")

    def __init__(self, active_ctx: Any, ctx_pre: Any, type_keys: tuple[str, ...]) -> None:
        self.active_ctx = active_ctx  # keeps the context alive: its id() is in the cache key
        self.ctx_pre = ctx_pre
        self.type_keys = type_keys
        self.plans: dict[tuple[Any, ...], _Plan] = {}


class _Plan:
    """Everything the walk needs to write a node object with given keys and types: the final
    active context, the key holding ``@id``, the type terms and each property's predicate."""

    __slots__ = ("ctx", "id_key", "infos", "props", "types")

    def __init__(
        self, ctx: Any, id_key: str | None, types: list[str], props: list[tuple[str, str]]
    ) -> None:
        self.ctx = ctx
        self.id_key = id_key
        self.types = types
        self.props = props
        self.infos: dict[str, _Info] = {}


class _Info:
    """How a property's values become RDF (computed on its first non-null value).
    ``plain_strings``: a string value is a plain ``xsd:string`` literal."""

    __slots__ = ("coerce", "ctx", "datatype", "language", "mode", "plain_strings")

    def __init__(self, ctx: Any, mode: int, coerce: Any, language: bool, datatype: Any) -> None:
        self.ctx = ctx  # the term's context (its scoped context applied)
        self.mode = mode
        self.coerce = coerce
        self.language = language
        self.datatype = datatype
        self.plain_strings = (
            mode == _PLAIN and coerce not in ("@id", "@vocab") and not language and datatype is None
        )


_PLAIN, _JSON, _LIST, _GRAPH = range(4)
_BAD_DATATYPE = object()
_HEAD_LIMIT = 4096
_PLAN_LIMIT = 8192  # plans in all heads together (a plan is a few KB): the memory bound
_PLANS_PER_HEAD = 64
_heads: dict[tuple[Any, ...], _Head] = {}
_plan_count = [0]
_RDF_TYPE_TERM = "<" + RDF_TYPE + ">"
_RDF_FIRST_TERM = "<" + RDF_FIRST + ">"
_RDF_REST_TERM = "<" + RDF_REST + ">"
_RDF_NIL_TERM = "<" + RDF_NIL + ">"
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def _type_value(value: Any) -> Any:
    """A hashable form of a node's @type value (strings only; anything else: pyld)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise Unsupported


class _Walk:
    __slots__ = (
        "base",
        "blank",
        "check_only",
        "counter",
        "expand_iri",
        "inline",
        "options",
        "planned",
        "processor",
        "quads",
        "refuse",
        "vocab",
    )

    def __init__(
        self, processor: MemoProcessor, options: dict[str, Any], refuse: str, vocab: str = ""
    ) -> None:
        self.processor = processor
        self.options = options
        self.refuse = refuse  # an IRI containing this (a safe-mode sentinel) goes to pyld
        # the undefined-term sentinel (@vocab): a property or type expanding to it is data
        # loss; "" turns that test off
        self.vocab = vocab
        self.inline = False  # an inline context was seen: keyword aliases are not known
        self.planned = 0
        self.base = options.get("base", "")
        self.expand_iri = processor._expand_iri
        self.quads: list[Quad] = []
        self.counter = 0
        self.blank: dict[str, str] = {}
        # Only the verdict is wanted (the data-loss check of a VC-JWT): a plain string's
        # literal is not written (it can neither fail nor lose anything; the quad still
        # counts towards MAX_QUADS) and the quads are not deduplicated. Every decision that
        # can refuse the document is taken exactly as when the quads are wanted.
        self.check_only = False

    def spend(self, keys: int) -> None:
        """Count keys planned (not from the cache): each costs pyld IRI expansions."""
        self.planned += keys
        if self.planned > MAX_PLANNED_KEYS:
            raise TooLarge

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
        if _ABSOLUTE_IRI.match(iri) is None or self.refuse in iri:
            raise Unsupported
        return "<" + iri + ">"

    # -- the context decisions of a node object, cached -----------------------------------

    def head(self, active_ctx: Any, active_property: str | None, element: dict[str, Any]) -> _Head:
        """pyld's context steps for a node object up to its types (see ``_expand_object``):
        the type-scoped revert rule, the property-scoped context, the node's own context."""
        processor = self.processor
        expand_iri = self.expand_iri
        property_scoped_ctx = (
            _term(active_ctx, active_property)[0] if active_property is not None else None
        )
        type_scoped_ctx = active_ctx if active_ctx.get("previousContext") else None
        must_revert = True
        if type_scoped_ctx and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded = expand_iri(type_scoped_ctx, key, vocab=True)
                if expanded == "@value":
                    raise Unsupported
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        ctx = active_ctx
        if must_revert:
            ctx = processor._revert_to_previous_context(ctx)
        if property_scoped_ctx is not None:
            ctx = processor._process_context(
                ctx, property_scoped_ctx, self.options, override_protected=True
            )
        ctx_mid = ctx
        if "@context" in element:
            ctx_mid = processor._prepare_nested_context(
                ctx, {"@context": element["@context"]}, self.options
            )[0]
        type_keys = tuple(
            key for key in sorted(element) if expand_iri(ctx_mid, key, vocab=True) == "@type"
        )
        return _Head(active_ctx, ctx, type_keys)

    def plan(self, head: _Head, element: dict[str, Any]) -> _Plan:
        """The rest of the node's decisions once its types are known."""
        expand_iri = self.expand_iri
        base = self.base
        active_ctx, _type_key, type_scoped_ctx = self.processor._prepare_nested_context(
            head.ctx_pre, element, self.options
        )
        id_key: str | None = None
        types: list[str] = []
        props: list[tuple[str, str]] = []
        for key in sorted(element):
            if key == "@context":
                continue
            expanded = expand_iri(active_ctx, key, vocab=True)
            if not isinstance(expanded, str):
                raise Unsupported
            if expanded[:1] == "@":
                if expanded not in _HANDLED_KEYWORDS:
                    raise Unsupported
                if expanded == "@id":
                    if id_key is not None:
                        raise Unsupported  # colliding keywords: pyld reports the error
                    id_key = key
                elif expanded == "@type":
                    value = element[key]
                    for type_value in value if isinstance(value, list) else [value]:
                        if not isinstance(type_value, str):
                            raise Unsupported
                        iri = expand_iri(type_scoped_ctx, type_value, vocab=True, base=base)
                        if iri == "@json" or not isinstance(iri, str) or iri[:1] == "@":
                            raise Unsupported
                        if iri.startswith("_:"):
                            types.append(iri)  # labelled per document by node_term
                        elif _ABSOLUTE_IRI.match(iri) is None or self.refuse in iri:
                            if self.vocab and iri.startswith(self.vocab):
                                raise Lost("data_loss.undefined_type", type_value)
                            raise Unsupported
                        else:
                            types.append("<" + iri + ">")
                continue
            if expanded.startswith("_:") or _ABSOLUTE_IRI.match(expanded) is None:
                raise Unsupported  # pyld drops it (blank node or relative predicate)
            if self.refuse in expanded:
                if (
                    self.vocab
                    and expanded.startswith(self.vocab)
                    and not self.inline
                    and _carries_data(element[key])
                ):
                    raise Lost("data_loss.undefined_term", key)
                raise Unsupported
            props.append((key, "<" + expanded + ">"))
        return _Plan(active_ctx, id_key, types, props)

    def info(self, active_ctx: Any, key: str) -> _Info:
        scoped, raw_container, coerce, _language = _term(active_ctx, key)
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
        if coerce == "@json":
            if container:
                raise Unsupported
            mode = _JSON
        elif "@list" in container:
            if "@graph" in container:
                raise Unsupported
            mode = _LIST
        elif "@graph" in container:
            mode = _GRAPH
        else:
            mode = _PLAIN
        _scoped, _container, value_coerce, language = _term(term_ctx, key)
        datatype: Any = (
            value_coerce if value_coerce not in (None, "@id", "@vocab", "@none") else None
        )
        if datatype is not None and (
            not isinstance(datatype, str)
            or _ABSOLUTE_IRI.match(datatype) is None
            or self.refuse in datatype
        ):
            datatype = _BAD_DATATYPE
        return _Info(term_ctx, mode, value_coerce, language, datatype)

    # -- node objects -------------------------------------------------------------------

    def node(
        self, active_ctx: Any, active_property: str | None, element: dict[str, Any], graph: str
    ) -> str:
        """Emit the quads of a node object; return its subject term."""
        local = element.get("@context")
        cacheable = True
        context_key: Any = None
        if local is not None or "@context" in element:
            if isinstance(local, str):
                context_key = (local,)
            elif isinstance(local, list) and all(isinstance(item, str) for item in local):
                context_key = tuple(local)
            else:
                # An inline context object: never cached here, and handed to pyld as a private
                # copy, because the context memo keys objects by identity and a caller may edit
                # this one in place between two calls (the pyld path deep-copies too).
                cacheable = False
                self.inline = True
                element = {**element, "@context": copy.deepcopy(local)}
        head_key = (id(active_ctx), active_property, tuple(element), context_key)
        head = _heads.get(head_key) if cacheable else None
        if head is None or head.active_ctx is not active_ctx:
            self.spend(len(element))
            head = self.head(active_ctx, active_property, element)
            if cacheable:
                with _setup_lock:
                    if len(_heads) >= _HEAD_LIMIT:
                        _heads.clear()
                        _plan_count[0] = 0
                    _heads[head_key] = head
        type_keys = head.type_keys
        if not type_keys:
            type_key: tuple[Any, ...] = ()
        elif len(type_keys) == 1:
            type_key = (_type_value(element[type_keys[0]]),)
        else:
            type_key = tuple(_type_value(element[key]) for key in type_keys)
        plans = head.plans
        plan = plans.get(type_key) if cacheable else None
        if plan is None:
            self.spend(len(element))
            plan = self.plan(head, element)
            if cacheable:
                with _setup_lock:
                    if _plan_count[0] >= _PLAN_LIMIT:
                        _heads.clear()  # every plan goes with its head
                        _plan_count[0] = 0
                    if len(plans) >= _PLANS_PER_HEAD:
                        _plan_count[0] -= len(plans)
                        plans.clear()
                    plans[type_key] = plan
                    _plan_count[0] += 1

        ctx = plan.ctx
        if plan.id_key is not None:
            id_value = element[plan.id_key]
            if not isinstance(id_value, str):
                raise Unsupported
            subject = self.node_term(self.expand_iri(ctx, id_value, base=self.base))
        else:
            subject = self.fresh()
        quads = self.quads
        for type_term in plan.types:
            if type_term[:1] != "<":
                type_term = self.node_term(type_term)
            quads.append((subject, _RDF_TYPE_TERM, type_term, graph))
        infos = plan.infos
        check_only = self.check_only
        for key, predicate in plan.props:
            value = element[key]
            if value is None:
                if _term(ctx, key)[2] == "@json":
                    raise Unsupported  # a JSON null literal: leave it to pyld
                continue
            info = infos.get(key)
            if info is None:
                info = infos[key] = self.info(ctx, key)
            mode = info.mode
            if type(value) is list and len(value) + len(quads) > MAX_QUADS:
                raise TooLarge  # about a quad per item (two in a list): past the bound
            if mode == _PLAIN:
                plain_strings = info.plain_strings
                for item in value if type(value) is list else (value,):
                    if plain_strings and type(item) is str:
                        if check_only:
                            term = ""
                        elif _NEEDS_ESCAPE.search(item) is None:
                            term = '"' + item + '"'
                        else:
                            term = literal(item)
                    elif type(item) is dict:
                        term = self.node(info.ctx, key, item, graph)
                    else:
                        other = self.value(info, key, item, graph)
                        if other is None:
                            continue
                        term = other
                    quads.append((subject, predicate, term, graph))
            elif mode == _JSON:
                quads.append((subject, predicate, self.json_literal(value), graph))
            elif mode == _LIST:
                self.list(info, subject, key, predicate, value, graph)
            else:
                for item in value if isinstance(value, list) else [value]:
                    if item is None:
                        continue
                    if not isinstance(item, dict):
                        raise Unsupported
                    name = self.fresh()
                    self.node(info.ctx, key, item, name)
                    quads.append((subject, predicate, name, graph))
        if len(quads) > MAX_QUADS:
            raise TooLarge
        return subject

    def list(
        self, info: _Info, subject: str, key: str, predicate: str, value: Any, graph: str
    ) -> None:
        items = value if isinstance(value, list) else [value]
        terms = [self.value(info, key, item, graph) for item in items]
        nodes = [self.fresh() for _ in terms]
        quads = self.quads
        for index, term in enumerate(terms):
            if term is None:
                raise Unsupported
            rest = nodes[index + 1] if index + 1 < len(nodes) else _RDF_NIL_TERM
            quads.append((nodes[index], _RDF_FIRST_TERM, term, graph))
            quads.append((nodes[index], _RDF_REST_TERM, rest, graph))
        quads.append((subject, predicate, nodes[0] if nodes else _RDF_NIL_TERM, graph))

    def value(self, info: _Info, key: str, item: Any, graph: str) -> str | None:
        if item is None:
            return None
        if isinstance(item, dict):
            return self.node(info.ctx, key, item, graph)
        if isinstance(item, list):
            raise Unsupported  # nested arrays (lists of lists)
        if isinstance(item, str):
            coerce = info.coerce
            if coerce == "@id":
                return self.node_term(self.expand_iri(info.ctx, item, base=self.base))
            if coerce == "@vocab":
                return self.node_term(self.expand_iri(info.ctx, item, vocab=True, base=self.base))
        if info.language:
            raise Unsupported
        datatype = info.datatype
        if datatype is _BAD_DATATYPE:
            raise Unsupported
        if datatype is None and type(item) is str:
            if _NEEDS_ESCAPE.search(item) is None:
                return '"' + item + '"'
            return literal(item)
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


def fast_to_rdf(
    document: dict[str, Any], vocab: str, base: str, refuse: str, *, check_only: bool = False
) -> Dataset:
    """Quads of ``document`` (a JSON object) or :class:`Unsupported`.

    ``check_only``: only whether it raises is wanted; the quads returned are then incomplete
    (plain string literals left empty, duplicates kept) and must not be used.

    ``vocab`` and ``base`` are the safe-mode sentinels; any IRI (subject, predicate, type,
    object or datatype) containing ``refuse``, their common prefix, raises
    :class:`Unsupported`. Errors raised by pyld's context processing propagate unchanged,
    as in the slow path.
    """
    if not (vocab.startswith(refuse) and base.startswith(refuse)):
        raise ValueError("refuse must be a prefix of both sentinels")
    processor, options, active = _start(vocab, base)
    walk = _Walk(processor, options, refuse, vocab)
    walk.check_only = check_only
    walk.node(active, None, document, "")
    if check_only:
        return walk.quads
    return list(dict.fromkeys(walk.quads))
