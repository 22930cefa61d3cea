"""JSON Schema validation against the bundled 1EdTech Open Badges 3.0 schemas.

The schemas live in ``mcbadge/schemas/purl`` (the JSON-LD adaptation published at
purl.imsglobal.org, the one a ``credentialSchema`` entry names) and ``mcbadge/schemas/strict``
(the 1EdTech "jsonschema1" files). Nothing is ever fetched: a schema is found by its ``$id``
or by a short name, and a ``$ref`` outside the bundled schema fails with
``schema.unresolvable``. Compiled validators are cached.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from mcbadge.errors import SchemaError

__all__ = ["SCHEMA_NAMES", "bundled_schemas", "schema_for_url", "validate"]

_PURL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
_STRICT = "https://purl.imsglobal.org/spec/ob/v3p0/schema/"

#: Short names accepted by :func:`validate` and the file each one means.
SCHEMA_NAMES: dict[str, tuple[str, str]] = {
    "achievementcredential": ("purl", "ob_v3p0_achievementcredential_schema.json"),
    "profile": ("purl", "ob_v3p0_profile_schema.json"),
    "endorsementcredential": ("strict", "ob_v3p0_endorsementcredential-jsonschema1.json"),
    "achievementcredential-strict": ("strict", "ob_v3p0_achievementcredential-jsonschema1.json"),
    "profile-strict": ("strict", "ob_v3p0_profile-jsonschema1.json"),
}

_MAX_REPORTED = 20


def _read(folder: str, name: str) -> dict[str, Any]:
    root = resources.files("mcbadge").joinpath("schemas").joinpath(folder)
    loaded: dict[str, Any] = json.loads(root.joinpath(name).read_bytes())
    return loaded


@cache
def bundled_schemas() -> dict[str, dict[str, Any]]:
    """Every bundled schema keyed by its ``$id`` (the URL it is published at)."""
    schemas: dict[str, dict[str, Any]] = {}
    root = resources.files("mcbadge").joinpath("schemas")
    for folder in ("purl", "strict"):
        for entry in root.joinpath(folder).iterdir():
            if entry.name.endswith(".json"):
                schema = _read(folder, entry.name)
                schemas[str(schema["$id"])] = schema
    return schemas


def schema_for_url(url: Any) -> dict[str, Any] | None:
    """The bundled schema published at ``url`` (exact ``$id`` match), else None.

    An unknown URL is never fetched; the caller decides what an unknown schema means.
    """
    if not isinstance(url, str):
        return None
    return bundled_schemas().get(url)


@cache
def _validator_for_id(schema_id: str) -> Any:
    from jsonschema import Draft201909Validator  # type: ignore[import-untyped]
    from referencing import Registry

    def no_remote(uri: str) -> Any:
        raise SchemaError(f"schema reference {uri!r} is not bundled", code="schema.unresolvable")

    registry: Any = Registry(retrieve=no_remote)  # type: ignore[call-arg]
    return Draft201909Validator(bundled_schemas()[schema_id], registry=registry)


def _validator(schema: str | Mapping[str, Any] | None, document: Any) -> Any:
    if schema is None:
        schema = _auto_name(document)
    if isinstance(schema, str):
        if schema in SCHEMA_NAMES:
            folder, name = SCHEMA_NAMES[schema]
            schema_id = str(_read(folder, name)["$id"])
        elif schema in bundled_schemas():
            schema_id = schema
        else:
            raise ValueError(f"unknown schema {schema!r}; use one of {sorted(SCHEMA_NAMES)}")
        return _validator_for_id(schema_id)
    given_id = schema.get("$id")
    if isinstance(given_id, str) and bundled_schemas().get(given_id) == schema:
        return _validator_for_id(given_id)
    from jsonschema import Draft201909Validator
    from referencing import Registry

    def no_remote(uri: str) -> Any:
        raise SchemaError(f"schema reference {uri!r} is not bundled", code="schema.unresolvable")

    registry: Any = Registry(retrieve=no_remote)  # type: ignore[call-arg]
    return Draft201909Validator(dict(schema), registry=registry)


def _auto_name(document: Any) -> str:
    types: Any = document.get("type") if isinstance(document, Mapping) else None
    type_list = types if isinstance(types, list) else [types]
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
    validator = _validator(schema, document)
    from referencing.exceptions import Unresolvable

    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    except Unresolvable as exc:
        # jsonschema wraps our retrieve refusal; the schema points outside the bundle.
        raise SchemaError(
            "the schema refers to another schema that is not bundled (never fetched)",
            code="schema.unresolvable",
        ) from exc
    if not errors:
        return
    details = [
        {
            "loc": ".".join(str(p) for p in error.absolute_path) or "(root)",
            "message": str(error.message)[:300],
        }
        for error in errors[:_MAX_REPORTED]
    ]
    where = ", ".join(d["loc"] for d in details[:3])
    raise SchemaError(
        f"the document does not match the Open Badges 3.0 JSON Schema (at {where})",
        errors=details,
    )
