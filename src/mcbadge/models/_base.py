"""The base of every Open Badges 3.0 model: strict, immutable, lossless.

A signature covers the exact JSON a credential arrived as, so each model keeps the JSON
object it was parsed from and :meth:`OBModel.to_json` gives that value back unchanged (same
keys and key order, scalar-vs-array form, datetime strings, int vs float, extensions).
Typed attributes are a read-only view for code; they never rewrite the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["OBModel", "as_list", "copy_json", "parse_datetime"]


def copy_json(value: Any) -> Any:
    """A copy of a JSON value (dicts and lists copied, scalars shared: they are immutable)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def as_list(value: Any) -> list[Any]:
    """A JSON-LD "array-compacted" value as a list (absent → [], single → [value])."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_datetime(text: str, *, require_timezone: bool) -> datetime:
    """Parse an XML Schema dateTime; raises ValueError (the model turns it into a field error)."""
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    if "T" not in candidate and "t" not in candidate:
        raise ValueError("must be a date-time like 2024-05-01T12:00:00Z")
    parsed = datetime.fromisoformat(candidate)
    if require_timezone and parsed.tzinfo is None:
        raise ValueError("must carry a timezone (e.g. Z or +02:00)")
    return parsed


class OBModel(BaseModel):
    """Strict base model: JSON names as aliases, extensions allowed, immutable, lossless."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        strict=True,
        populate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        revalidate_instances="never",
    )

    #: The IRI the ``type`` value must contain (None: no constraint).
    required_type: ClassVar[str | None] = None
    #: Whether ``type`` must be exactly one string equal to ``required_type``.
    type_is_single: ClassVar[bool] = False

    # The source object lives in pydantic's per-instance private store under ``_json`` (set by
    # :meth:`_keep_source`), not in a declared ``PrivateAttr``: a declared one makes pydantic
    # call ``init_private_attributes`` after every nested object's validation, wrapped once
    # more per level of subclassing (39 Python calls per realistic credential), a fifth of the
    # parse. Equality, copies and pickling still carry it (they copy ``__pydantic_private__``).

    @model_validator(mode="wrap")
    @classmethod
    def _keep_source(cls, data: Any, handler: Any) -> Any:
        # One Python call per nested object does both jobs: the ``type`` check (it was an
        # "after" validator, run at this same point: right after the fields, before any
        # subclass's own validators) and keeping the source.
        model = handler(data)
        wanted = cls.required_type
        if wanted is not None:
            value = getattr(model, "type", None)
            if cls.type_is_single:
                if value != wanted:
                    raise ValueError(f"type must be {wanted!r}")
            elif wanted not in as_list(value):
                raise ValueError(f"type must include {wanted!r}")
        if type(data) is dict:
            object.__setattr__(model, "__pydantic_private__", {"_json": data})
        elif isinstance(data, Mapping):
            object.__setattr__(model, "__pydantic_private__", {"_json": dict(data)})
        return model

    def to_json(self) -> dict[str, Any]:
        """The exact JSON object this model was parsed from (a fresh copy)."""
        private = self.__pydantic_private__
        source = None if private is None else private.get("_json")
        if source is None:  # built with model_construct / __init__ by field names
            return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        copied: dict[str, Any] = copy_json(source)
        return copied

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> Self:
        """Parse ``data`` (a JSON object, or its text) into this model.

        Raises :class:`mcbadge.errors.ValidationError` (never pydantic's exception).
        """
        from mcbadge.models._parse import load_object, validate_as

        return validate_as(cls, load_object(data))
