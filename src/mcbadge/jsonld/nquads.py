"""The RDF dataset representation used by mcbadge, and N-Quads parsing and serialisation.

A :data:`Dataset` is a list of :data:`Quad` tuples ``(subject, predicate, object, graph)``
whose members are RDF terms already written in canonical N-Quads form:

* an IRI is ``<http://example.org/a>``;
* a blank node is ``_:label``;
* a literal is ``"text"``, ``"text"@en`` or ``"text"^^<datatype-iri>`` with RDFC-1.0
  escaping and no ``^^<...#string>`` for plain strings;
* the default graph is the empty string ``""``.

Keeping terms as canonical strings makes canonicalization cheap: hashing a quad is string
joining, and relabelling blank nodes touches only the terms starting with ``_:``.
"""

from __future__ import annotations

import functools
import re

from mcbadge.errors import CanonicalizationError, InputError

__all__ = [
    "Dataset",
    "Quad",
    "escape_literal",
    "literal",
    "parse_nquads",
    "serialize_quad",
]

Quad = tuple[str, str, str, str]
Dataset = list[Quad]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_ECHAR_OUT = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_LANGTAG = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    replacement = _ECHAR_OUT.get(char)
    if replacement is not None:
        return replacement
    return f"\\u{ord(char):04X}"


def escape_literal(text: str) -> str:
    """Escape a literal's lexical form as RDFC-1.0 canonical N-Quads requires."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def literal(text: str, datatype: str = XSD_STRING, language: str | None = None) -> str:
    """A literal term in canonical N-Quads form.

    A language tag is written as it is, so it must be one N-Quads can carry (``LANGTAG``):
    pyld accepts any string, and a tag such as ``'en .\\n<s> <p> "y"@en'`` would forge whole
    statements in the canonical text. Anything else raises ``CanonicalizationError``
    (``canonicalization.invalid_language``).
    """
    body = '"' + escape_literal(text) + '"'
    if language is not None:
        if _LANGTAG.fullmatch(language) is None:
            raise CanonicalizationError(
                f"the language tag {language!r} is not a valid language tag",
                code="canonicalization.invalid_language",
            )
        return body + "@" + language
    if datatype == XSD_STRING:
        return body
    return body + "^^<" + datatype + ">"


def serialize_quad(quad: Quad) -> str:
    """One canonical N-Quads line, newline included."""
    subject, predicate, obj, graph = quad
    if graph:
        return f"{subject} {predicate} {obj} {graph} .\n"
    return f"{subject} {predicate} {obj} .\n"


_IRI = r"<((?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>"
_PN = "A-Za-z0-9_\u00c0-\U000effff"
_BNODE = r"_:([" + _PN + r"](?:[" + _PN + r".\-\u00b7]*[" + _PN + r"\-\u00b7])?)"
_LITERAL = r'"((?:[^"\\\n\r]|\\.)*)"(?:\^\^' + _IRI + r"|@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*))?"
_WS = r"[ \t]*"
_LINE_PATTERN = (
    "^"
    + _WS
    + f"(?:{_IRI}|{_BNODE})"
    + _WS
    + _IRI
    + _WS
    + f"(?:{_IRI}|{_BNODE}|{_LITERAL})"
    + _WS
    + f"(?:{_IRI}|{_BNODE})?"
    + _WS
    + r"\."
    + _WS
    + r"(?:#.*)?$"
)


@functools.cache
def _line() -> re.Pattern[str]:
    # compiled on first use (~40 ms: the Unicode ranges), not at import: signing and verifying
    # never parse N-Quads text, only the conformance suite and callers of parse_nquads do
    return re.compile(_LINE_PATTERN)


_UNESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf\"'\\]))")
_ECHAR_IN = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape_match(match: re.Match[str]) -> str:
    short, long_, echar = match.groups()
    if echar is not None:
        return _ECHAR_IN[echar]
    return chr(int(short or long_, 16))


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(_unescape_match, text) if "\\" in text else text


def parse_nquads(text: str) -> Dataset:
    """Parse N-Quads text into a :data:`Dataset` (terms re-written in canonical form).

    Raises :class:`~mcbadge.errors.InputError` (``input.nquads_syntax``) naming the line for
    anything that is not a valid N-Quads statement. Duplicate statements are kept once.
    """
    dataset: Dataset = []
    seen: set[Quad] = set()
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        match = _line().match(line)
        if match is None:
            raise InputError(
                f"line {number} is not a valid N-Quads statement", code="input.nquads_syntax"
            )
        groups = match.groups()
        s_iri, s_bnode, predicate, o_iri, o_bnode, lex, dtype, lang, g_iri, g_bnode = groups
        subject = f"<{_unescape(s_iri)}>" if s_iri is not None else f"_:{s_bnode}"
        if o_iri is not None:
            obj = f"<{_unescape(o_iri)}>"
        elif o_bnode is not None:
            obj = f"_:{o_bnode}"
        elif lang is not None:
            obj = literal(_unescape(lex), RDF_LANG_STRING, lang)
        else:
            obj = literal(_unescape(lex), _unescape(dtype) if dtype is not None else XSD_STRING)
        if g_iri is not None:
            graph = f"<{_unescape(g_iri)}>"
        elif g_bnode is not None:
            graph = f"_:{g_bnode}"
        else:
            graph = ""
        quad = (subject, f"<{_unescape(predicate)}>", obj, graph)
        if quad not in seen:
            seen.add(quad)
            dataset.append(quad)
    return dataset
