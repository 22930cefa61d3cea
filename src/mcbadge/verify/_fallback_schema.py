"""JSON Schema checking against the bundled 1EdTech schemas, used only while
:mod:`mcbadge.schema` is not installed. Schemas are matched by their ``$id`` (exact URL) and
never fetched; ``$ref`` stays inside the bundled schema."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from mcbadge.errors import SchemaError

__all__ = ["schema_for_url", "validate"]


@cache
def _bundled() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    root = resources.files("mcbadge").joinpath("schemas")
    for folder in ("purl", "strict"):
        for entry in root.joinpath(folder).iterdir():
            if entry.name.endswith(".json"):
                schema = json.loads(entry.read_bytes())
                schemas[schema["$id"]] = schema
    return schemas


def schema_for_url(url: Any) -> Any:
    """The bundled schema published at ``url``, or None."""
    return _bundled().get(url) if isinstance(url, str) else None


def validate(document: Any, schema: Any) -> None:
    """Raise SchemaError (``schema.invalid``) listing where ``document`` breaks ``schema``."""
    from jsonschema import Draft201909Validator  # type: ignore[import-untyped]
    from referencing import Registry

    def no_remote(uri: str) -> Any:
        raise SchemaError(f"schema reference {uri!r} is not bundled", code="schema.unresolvable")

    registry: Any = Registry(retrieve=no_remote)  # type: ignore[call-arg]
    validator = Draft201909Validator(schema, registry=registry)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))[:5]
    if errors:
        details = [
            {
                "loc": ".".join(str(p) for p in e.absolute_path) or "(root)",
                "message": e.message[:200],
            }
            for e in errors
        ]
        raise SchemaError("the credential does not match its JSON Schema", errors=details)
