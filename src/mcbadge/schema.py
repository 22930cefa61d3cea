"""JSON Schema validation against the bundled 1EdTech Open Badges 3.0 schemas.

The schemas live in ``mcbadge/schemas/purl`` (the JSON-LD adaptation published at
purl.imsglobal.org, the one a ``credentialSchema`` entry names), ``mcbadge/schemas/strict``
(the 1EdTech "jsonschema1" files) and ``mcbadge/schemas/clr`` (the six CLR 2.0 schemas, purl
form). Nothing is ever fetched: a schema is found by its ``$id`` or by a short name, and a
``$ref`` outside the bundled schema fails with ``schema.unresolvable``. Compiled validators
are cached.

Two validators, one verdict. A bundled schema is first checked by ``jsonschema-rs`` (Rust,
compiled once per schema, ~10 us on a realistic credential where python ``jsonschema`` takes
~6 ms). Only when it says "invalid" does python ``jsonschema`` run, to produce the per-location
error list callers rely on. Both treat ``format`` as an annotation (draft 2019-09's default) and
search patterns unanchored. Fail closed: when the two disagree the document is invalid (the
known case is a pattern ending in ``$`` against a value ending in a newline: python's ``re``
lets ``$`` match before a final newline, ECMA-262 and the Rust engine do not). The fast path is
taken only for plain JSON data (dict, list, str, int, float, bool, None with string keys);
anything else, and any document the Rust side cannot read, is judged by python alone.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from mcbadge.errors import SchemaError

__all__ = ["SCHEMA_NAMES", "bundled_schemas", "schema_for_url", "validate", "validate_parsed"]

_PURL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
_STRICT = "https://purl.imsglobal.org/spec/ob/v3p0/schema/"

#: Short names accepted by :func:`validate` and the file each one means.
SCHEMA_NAMES: dict[str, tuple[str, str]] = {
    "achievementcredential": ("purl", "ob_v3p0_achievementcredential_schema.json"),
    "profile": ("purl", "ob_v3p0_profile_schema.json"),
    "endorsementcredential": ("strict", "ob_v3p0_endorsementcredential-jsonschema1.json"),
    "achievementcredential-strict": ("strict", "ob_v3p0_achievementcredential-jsonschema1.json"),
    "profile-strict": ("strict", "ob_v3p0_profile-jsonschema1.json"),
    "clrcredential": ("clr", "clr_v2p0_clrcredential_schema.json"),
}

_MAX_REPORTED = 20
_MAX_PLAIN_DEPTH = 200

logger = logging.getLogger(__name__)


_FOLDERS = ("purl", "strict", "clr")


@cache
def _read(folder: str, name: str) -> dict[str, Any]:
    """A bundled schema file, parsed once per process (one object per file)."""
    root = resources.files("mcbadge").joinpath("schemas").joinpath(folder)
    loaded: dict[str, Any] = json.loads(root.joinpath(name).read_bytes())
    return loaded


@cache
def _files() -> tuple[tuple[str, str], ...]:
    """(folder, file name) of every bundled schema."""
    root = resources.files("mcbadge").joinpath("schemas")
    return tuple(
        (folder, entry.name)
        for folder in _FOLDERS
        for entry in sorted(root.joinpath(folder).iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    )


@cache
def bundled_schemas() -> dict[str, dict[str, Any]]:
    """Every bundled schema keyed by its ``$id`` (the URL it is published at)."""
    schemas: dict[str, dict[str, Any]] = {}
    for folder, name in _files():
        schema = _read(folder, name)
        schemas[str(schema["$id"])] = schema
    return schemas


def _bundled(schema_id: str) -> dict[str, Any] | None:
    """The bundled schema whose ``$id`` is ``schema_id``. Each bundled ``$id`` ends in its
    file's name, so only that file is read (verifying one credential reads one schema);
    the full index answers for anything else. Only listed files are read."""
    name = schema_id.rsplit("/", 1)[-1]
    for folder, file_name in _files():
        if file_name == name:
            schema = _read(folder, file_name)
            if schema.get("$id") == schema_id:
                return schema
    return bundled_schemas().get(schema_id)


def _known(schema_id: str) -> dict[str, Any]:
    """The bundled schema ``schema_id`` (an ``$id`` already found bundled)."""
    schema = _bundled(schema_id)
    if schema is None:
        raise KeyError(schema_id)
    return schema


def schema_for_url(url: Any) -> dict[str, Any] | None:
    """The bundled schema published at ``url`` (exact ``$id`` match), else None.

    An unknown URL is never fetched; the caller decides what an unknown schema means.
    """
    if not isinstance(url, str):
        return None
    return _bundled(url)


def _refuse_remote(uri: str) -> Any:
    raise SchemaError(f"schema reference {uri!r} is not bundled", code="schema.unresolvable")


@cache
def _fast_validator_for_id(schema_id: str) -> Any:
    """The compiled ``jsonschema-rs`` validator of a bundled schema, or None if unavailable.

    ``validate_formats=False`` keeps ``format`` an annotation, as python ``jsonschema`` does
    for draft 2019-09 without a format checker; the linear-time ``regex`` engine is used
    (the bundled patterns have no look-around or back-references). No retrieval: every
    reference the bundled schemas make is internal, and any other one is refused.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a declared dependency; python alone still decides
        logger.warning("jsonschema-rs is not installed; JSON Schema validation will be slow")
        return None
    try:
        return jsonschema_rs.validator_for(
            _known(schema_id),
            validate_formats=False,
            retriever=_refuse_remote,
            pattern_options=jsonschema_rs.RegexOptions(),
        )
    except Exception:  # pragma: no cover - the bundled schemas compile; python decides otherwise
        logger.exception("jsonschema-rs could not compile %s", schema_id)
        return None


def _is_plain_json(value: Any, depth: int = 0) -> bool:
    """True for data a JSON parser could have produced (the only input both validators read
    alike: the Rust side takes a tuple for an array, python ``jsonschema`` does not)."""
    if depth > _MAX_PLAIN_DEPTH:
        return False
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            if type(item) in _SCALARS:
                continue
            if not _is_plain_json(item, depth + 1):
                return False
        return True
    if kind is list:
        return all(type(item) in _SCALARS or _is_plain_json(item, depth + 1) for item in value)
    if kind is float:
        return math.isfinite(value)  # NaN and infinities are not JSON
    return kind in _SCALARS


# float is not here: every float goes through the isfinite test above.
_SCALARS = frozenset({str, int, bool, type(None)})


def _fast_verdict(
    schema_id: str | None, document: Any, *, plain: bool | None = None
) -> bool | None:
    """The Rust validator's verdict on ``document``, or None when it cannot give one.

    ``plain=True`` vouches that ``document`` came from the strict JSON reader."""
    if schema_id is None or not (plain or _is_plain_json(document)):
        return None
    fast = _fast_validator_for_id(schema_id)
    if fast is None:
        return None
    try:
        return bool(fast.is_valid(document))
    except Exception:  # e.g. a lone surrogate in a string: python alone decides
        return None


_PY_LISTING_MAX_VALUES = 20_000  # JSON values; a credential has a few hundred


def _over_values(document: Any, limit: int) -> bool:
    """Whether ``document`` holds more than ``limit`` JSON values (stops counting there)."""
    count = 0
    stack = [document]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        if count > limit:
            return True
    return False


def _fast_errors(schema_id: str, document: Any) -> list[dict[str, str]]:
    fast = _fast_validator_for_id(schema_id)
    details: list[dict[str, str]] = []
    try:
        for error in fast.iter_errors(document):
            loc = ".".join(str(p) for p in error.instance_path) or "(root)"
            details.append({"loc": loc, "message": str(error.message)[:300]})
            if len(details) >= _MAX_REPORTED:
                break
    except Exception:  # pragma: no cover - it just judged this document
        logger.exception("jsonschema-rs could not list its errors")
    return details or [{"loc": "(root)", "message": "rejected by the JSON Schema validator"}]


@cache
def _validator_for_id(schema_id: str) -> Any:
    from jsonschema import Draft201909Validator  # type: ignore[import-untyped]
    from referencing import Registry

    registry: Any = Registry(retrieve=_refuse_remote)  # type: ignore[call-arg]
    return Draft201909Validator(_known(schema_id), registry=registry)


def _bundled_id(schema: str | Mapping[str, Any] | None, document: Any) -> str | None:
    """The ``$id`` of the bundled schema ``schema`` names (None for a caller's own schema)."""
    if schema is None:
        schema = _auto_name(document)
    if isinstance(schema, str):
        if schema in SCHEMA_NAMES:
            return _id_of_name(schema)
        if _bundled(schema) is not None:
            return schema
        raise ValueError(f"unknown schema {schema!r}; use one of {sorted(SCHEMA_NAMES)}")
    given_id = schema.get("$id")
    if isinstance(given_id, str):
        bundled = _bundled(given_id)
        if bundled is schema or (bundled is not None and bundled == schema):
            return given_id
    return None


@cache
def _id_of_name(name: str) -> str:
    folder, file_name = SCHEMA_NAMES[name]
    return str(_read(folder, file_name)["$id"])


def _python_validator(schema_id: str | None, schema: Any) -> Any:
    if schema_id is not None:
        return _validator_for_id(schema_id)
    from jsonschema import Draft201909Validator
    from referencing import Registry

    registry: Any = Registry(retrieve=_refuse_remote)  # type: ignore[call-arg]
    return Draft201909Validator(dict(schema), registry=registry)


def _auto_name(document: Any) -> str:
    types: Any = document.get("type") if isinstance(document, Mapping) else None
    type_list = types if isinstance(types, list) else [types]
    if "ClrCredential" in type_list:
        return "clrcredential"
    if "EndorsementCredential" in type_list:
        return "endorsementcredential"
    if "Profile" in type_list:
        return "profile"
    return "achievementcredential"


def validate(document: Any, schema: str | Mapping[str, Any] | None = None) -> None:
    """Check ``document`` (a parsed JSON value) against a bundled 1EdTech schema.

    ``schema`` is a short name from :data:`SCHEMA_NAMES` (``"achievementcredential"``,
    ``"endorsementcredential"``, ``"profile"``, ...), a bundled schema's ``$id`` URL, a schema
    dict (e.g. from :func:`schema_for_url`), or None to choose by the document's ``type``.
    Raises :class:`~mcbadge.errors.SchemaError` (``schema.invalid``) whose ``errors`` list
    ``{"loc": "credentialSubject.type", "message": ...}`` entries, JSON names, dot-joined.
    """
    _validate(document, schema, plain=None)


def validate_parsed(document: Any, schema: str | Mapping[str, Any] | None = None) -> None:
    """:func:`validate` for a value produced by :func:`mcbadge._json.loads_strict` (plain
    JSON data by construction, so the walk proving it is skipped)."""
    _validate(document, schema, plain=True)


def _validate(document: Any, schema: str | Mapping[str, Any] | None, *, plain: bool | None) -> None:
    schema_id = _bundled_id(schema, document)
    fast = _fast_verdict(schema_id, document, plain=plain)
    if fast is True:
        return
    if fast is False and schema_id is not None and _over_values(document, _PY_LISTING_MAX_VALUES):
        # Listing where a hostile 7 MB document fails (a oneOf over 150,000 items) takes
        # python jsonschema minutes and GiBs, and jsonschema-rs's iter_errors (which builds
        # every error) 45 s and 4 GiB: the Rust verdict stands alone.
        raise SchemaError(
            "the document does not match the 1EdTech JSON Schema (it is too large to list where)",
            errors=[{"loc": "(root)", "message": "rejected by the JSON Schema validator"}],
        )
    validator = _python_validator(schema_id, schema)
    from referencing.exceptions import Unresolvable

    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    except Unresolvable as exc:
        # jsonschema wraps our retrieve refusal; the schema points outside the bundle.
        raise SchemaError(
            "the schema refers to another schema that is not bundled (never fetched)",
            code="schema.unresolvable",
        ) from exc
    if errors:
        details = [
            {
                "loc": ".".join(str(p) for p in error.absolute_path) or "(root)",
                "message": str(error.message)[:300],
            }
            for error in errors[:_MAX_REPORTED]
        ]
    elif fast is False and schema_id is not None:
        # The validators disagree: fail closed, and say where the fast one objected.
        logger.warning("JSON Schema validators disagree on a document; treated as invalid")
        details = _fast_errors(schema_id, document)
    else:
        return
    where = ", ".join(d["loc"] for d in details[:3])
    raise SchemaError(
        f"the document does not match the 1EdTech JSON Schema (at {where})",
        errors=details,
    )
