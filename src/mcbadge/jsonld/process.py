"""JSON-LD to RDF for credentials, with safe mode, over the bundled contexts only.

Processing uses pyld with :func:`~mcbadge.jsonld.loader.offline_document_loader`. Before any
RDF is produced the document is expanded with two sentinels: an ``@vocab`` that only applies
where no context defines a term (VCDM 1.1 documents, which have no ``@vocab``) and a base IRI
that only shows up where an IRI was relative. Any sentinel left in the expanded form is data
that a signature would silently not cover, and raises :class:`~mcbadge.errors.DataLossError`
naming where it was found. pyld's exceptions never escape: they become typed mcbadge errors.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mcbadge.errors import (
    CanonicalizationError,
    ContextError,
    DataLossError,
    InputError,
    MCBadgeError,
)
from mcbadge.jsonld.loader import offline_document_loader
from mcbadge.jsonld.nquads import RDF_LANG_STRING, XSD_STRING, Dataset, Quad, literal

__all__ = ["PYLD_MAX_SQUARES", "PYLD_MAX_VALUES", "check_data_loss", "fast_dataset", "to_rdf"]

_UNDEFINED_VOCAB = "urn:mcbadge:undefined-term:"
_RELATIVE_BASE = "urn:mcbadge:relative-iri:/"
_SENTINEL_PREFIX = "urn:mcbadge:"  # common to both sentinels: one test per term


def _is_sentinel(value: Any) -> bool:
    return isinstance(value, str) and (
        value.startswith(_UNDEFINED_VOCAB) or value.startswith(_RELATIVE_BASE)
    )


def _describe(value: str) -> str:
    if value.startswith(_UNDEFINED_VOCAB):
        return value[len(_UNDEFINED_VOCAB) :]
    return value[len(_RELATIVE_BASE) :]


def _scan_expanded(node: Any, path: str) -> None:
    """Raise DataLossError for any sentinel left by expansion (iterative walk)."""
    stack: list[tuple[Any, str]] = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
            continue
        if not isinstance(item, dict):
            continue
        if "@value" in item:
            datatype = item.get("@type")
            if isinstance(datatype, str) and _is_sentinel(datatype):
                raise DataLossError(
                    f"a value at {where} has a datatype {_describe(datatype)!r} "
                    "that no context defines",
                    code="data_loss.undefined_datatype",
                )
            continue
        for key, value in item.items():
            if _is_sentinel(key):
                name = _describe(key)
                code = (
                    "data_loss.relative_iri"
                    if key.startswith(_RELATIVE_BASE)
                    else "data_loss.undefined_term"
                )
                raise DataLossError(
                    f"the property {name!r} at {where} is not defined by the credential's JSON-LD "
                    "contexts, so a signature would not cover it",
                    code=code,
                )
            if key == "@type":
                for type_value in value if isinstance(value, list) else [value]:
                    if _is_sentinel(type_value):
                        code = (
                            "data_loss.relative_iri"
                            if type_value.startswith(_RELATIVE_BASE)
                            else "data_loss.undefined_type"
                        )
                        raise DataLossError(
                            f"the type {_describe(type_value)!r} at {where} is not defined by the "
                            "credential's JSON-LD contexts",
                            code=code,
                        )
            elif key == "@id":
                if _is_sentinel(value):
                    raise DataLossError(
                        f"the identifier {_describe(value)!r} at {where} is not an absolute IRI",
                        code="data_loss.relative_iri",
                    )
            else:
                stack.append((value, f"{where}.{key}"))


def _rdf_has_sentinel(rdf: Mapping[str, Any]) -> bool:
    prefix = _SENTINEL_PREFIX
    for graph_name, triples in rdf.items():
        if graph_name.startswith(prefix) and _is_sentinel(graph_name):
            return True
        for triple in triples:
            for value in (triple["subject"]["value"], triple["predicate"]["value"]):
                if value.startswith(prefix) and _is_sentinel(value):
                    return True
            obj = triple["object"]
            if obj["type"] == "literal":
                datatype = obj.get("datatype", "")
                if datatype.startswith(prefix) and _is_sentinel(datatype):
                    return True
            elif obj["value"].startswith(prefix) and _is_sentinel(obj["value"]):
                return True
    return False


def _unwrap(exc: BaseException) -> MCBadgeError:
    """Turn a pyld JsonLdError chain into the most specific typed mcbadge error."""
    cause: Any = exc
    seen = 0
    codes: list[str] = []
    while cause is not None and seen < 50:
        seen += 1
        if isinstance(cause, MCBadgeError):
            return cause
        code = getattr(cause, "code", None)
        if isinstance(code, str):
            codes.append(code)
        details = getattr(cause, "details", None)
        inner = details.get("cause") if isinstance(details, dict) else None
        cause = inner if inner is not None else (cause.__cause__ or cause.__context__)
    if "protected term redefinition" in codes:
        return ContextError(
            "the credential redefines a protected term of its JSON-LD contexts",
            code="context.protected_term_redefinition",
        )
    if any("context" in c for c in codes) or any("loading" in c for c in codes):
        return ContextError(
            "a JSON-LD context of the credential is invalid or not available offline",
            code="context.invalid",
        )
    if any("relative" in c for c in codes):
        return DataLossError(
            "the credential contains a relative IRI", code="data_loss.relative_iri"
        )
    detail = codes[0].replace(" ", "_") if codes else "failed"
    return CanonicalizationError(
        "the credential is not valid JSON-LD and cannot be canonicalized",
        code=f"canonicalization.jsonld_{detail}" if codes else "canonicalization.failed",
    )


def _term(node: Mapping[str, Any]) -> str:
    kind = node["type"]
    value = node["value"]
    if kind == "IRI":
        return f"<{value}>"
    if kind == "blank node":
        return str(value)
    language = node.get("language")
    if language is not None:
        return literal(value, RDF_LANG_STRING, language)
    return literal(value, node.get("datatype") or XSD_STRING)


def _expand(document: Mapping[str, Any]) -> Any:
    from pyld import jsonld

    return jsonld.expand(
        copy.deepcopy(dict(document)),
        {
            "documentLoader": offline_document_loader,
            "expandContext": {"@vocab": _UNDEFINED_VOCAB},
            "base": _RELATIVE_BASE,
        },
    )


def fast_dataset(document: Mapping[str, Any]) -> Dataset | None:
    """The fast path's quads for ``document``, or None when it must go through pyld.

    None for anything the fast path does not support, for any error (pyld then raises the
    typed error) and for any IRI containing the safe-mode sentinels' common prefix, which the
    walk checks as it writes each IRI (pyld then names the data loss).
    """
    return _fast(document)[0]


def _fast(
    document: Mapping[str, Any], *, check_only: bool = False
) -> tuple[Dataset | None, MCBadgeError | None]:
    """The fast path's quads, else None and, when the walk met a property or type that no
    context defines and that holds data, the DataLossError pyld's path would raise (or the
    budget error when the document has too many statements). ``check_only``: the quads are
    incomplete (see ``fast_to_rdf``); only whether they are None counts."""
    from mcbadge.jsonld._fast import MAX_PLANNED_KEYS, MAX_QUADS, Lost, TooLarge, fast_to_rdf

    try:
        dataset = fast_to_rdf(
            dict(document),
            _UNDEFINED_VOCAB,
            _RELATIVE_BASE,
            _SENTINEL_PREFIX,
            check_only=check_only,
        )
    except TooLarge:
        return None, CanonicalizationError(
            f"the credential has more than {MAX_QUADS:,} statements (RDF quads) or "
            f"{MAX_PLANNED_KEYS:,} distinct properties to process, more than any credential "
            "needs; it is not processed further",
            code="canonicalization.budget_exceeded",
        )
    except Lost as lost:
        what = "type" if lost.code == "data_loss.undefined_type" else "property"
        return None, DataLossError(
            f"the {what} {lost.name[:80]!r} is not defined by the credential's JSON-LD "
            "contexts, so a signature would not cover it",
            code=lost.code,
        )
    except RecursionError:
        return None, None
    except Exception:  # Unsupported, or a JSON-LD error pyld reports with its own type
        return None, None
    return dataset, None


#: The general (pyld) path's budget. pyld's time grows with the number of JSON values
#: (objects, arrays, their members, strings, numbers...) and with the SQUARE of the number
#: of distinct items under one property (each value added is compared with those already
#: there): 1,000 strings in one array take 0.3 s, 4,000 take 4.9 s. A document the fast path
#: cannot take (value objects, language maps, ``@nest``...) goes to pyld only within both
#: limits; a credential has a few hundred values and short arrays. See docs/jsonld.md.
PYLD_MAX_VALUES = 5_000
PYLD_MAX_SQUARES = 1_000_000  # sum over arrays and objects of (number of members) squared


def _over_pyld_budget(document: Any) -> bool:
    """Whether ``document`` exceeds :data:`PYLD_MAX_VALUES` or :data:`PYLD_MAX_SQUARES`
    (stops counting there); a long string counts once per 4 KiB (pyld copies and escapes
    it)."""
    values = 0
    squares = 0
    stack = [document]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict or kind is list:
            size = len(item)
            values += 1 + size
            squares += size * size
            stack.extend(item.values() if kind is dict else item)
            if values > PYLD_MAX_VALUES or squares > PYLD_MAX_SQUARES:
                return True
        elif kind is str:
            values += 1 + (len(item) >> 12)
        else:
            values += 1
    return values > PYLD_MAX_VALUES


def to_rdf(document: Mapping[str, Any]) -> Dataset:
    """Deserialize a JSON-LD document into a :data:`Dataset`, refusing any data loss.

    Raises :class:`ContextError` for a context that is not bundled or redefines a protected
    term, :class:`DataLossError` (``data_loss.*``) for undefined terms or types and relative
    IRIs, :class:`InputError` for a non-object input, and :class:`CanonicalizationError` for
    any other JSON-LD failure.
    """
    if not isinstance(document, Mapping):
        raise InputError("a credential must be a JSON object", code="input.not_an_object")
    fast, lost = _fast(document)
    if fast is not None:
        return fast
    return _general_to_rdf(document, lost)


def check_data_loss(document: Mapping[str, Any]) -> None:
    """Raise what :func:`to_rdf` would raise for ``document``, without keeping its quads.

    The same walk and the same decisions (undefined terms and types, relative IRIs, the work
    budget, contexts), with the general processor where the fast walk cannot decide; only
    the literals of plain strings are not written and the quads are not deduplicated. For a
    check that wants the verdict alone (a VC-JWT's data-loss check: its signature covers the
    bytes, not the quads).
    """
    if not isinstance(document, Mapping):
        raise InputError("a credential must be a JSON object", code="input.not_an_object")
    fast, lost = _fast(document, check_only=True)
    if fast is None:
        _general_to_rdf(document, lost)


def _general_to_rdf(document: Mapping[str, Any], lost: MCBadgeError | None) -> Dataset:
    """:func:`to_rdf` past the fast walk: its refusal, the budget, or pyld."""
    if isinstance(lost, CanonicalizationError):
        raise lost
    if _over_pyld_budget(document):
        # pyld's time and memory grow with the document: a large one is refused, with the
        # data loss the fast path found when it found one (pyld would refuse it the same).
        if lost is not None:
            raise lost
        raise CanonicalizationError(
            "the credential is too large for the general JSON-LD processor (it needs that "
            f"processor, and has over {PYLD_MAX_VALUES:,} JSON values or arrays too long)",
            code="canonicalization.budget_exceeded",
        )
    return _pyld_to_rdf(document)


def _pyld_to_rdf(document: Mapping[str, Any]) -> Dataset:
    """The reference path: pyld's toRdf with the safe-mode sentinels."""
    try:
        # One pass with the sentinels in place: a sentinel IRI in the RDF is data loss. Only
        # then is the (slower) expanded-form walk run, to name the JSON path in the error.
        from mcbadge.jsonld._memo import MemoProcessor

        # pyld deep-copies the input document itself before expanding it.
        rdf = MemoProcessor().to_rdf(
            dict(document),
            {
                "documentLoader": offline_document_loader,
                "expandContext": {"@vocab": _UNDEFINED_VOCAB},
                "base": _RELATIVE_BASE,
            },
        )
        if _rdf_has_sentinel(rdf):
            _scan_expanded(_expand(document), "$")
            raise DataLossError(
                "the credential has terms or IRIs its JSON-LD contexts do not define",
                code="data_loss.dropped",
            )
    except MCBadgeError:
        raise
    except RecursionError:
        raise InputError("the credential is nested too deeply", code="input.too_deep") from None
    except Exception as exc:  # pyld raises JsonLdError and assorted built-ins
        raise _unwrap(exc) from None
    dataset: Dataset = []
    for graph_name, triples in rdf.items():
        graph = (
            ""
            if graph_name == "@default"
            else (graph_name if graph_name.startswith("_:") else f"<{graph_name}>")
        )
        for triple in triples:
            quad: Quad = (
                _term(triple["subject"]),
                _term(triple["predicate"]),
                _term(triple["object"]),
                graph,
            )
            dataset.append(quad)
    return dataset
