"""Pydantic models of CLR 2.0 (Comprehensive Learner Record): data only, like ``core.py``.

A :class:`ClrCredential` is a Verifiable Credential whose subject (:class:`ClrSubject`) holds
other credentials (``verifiableCredential``), the achievements the record covers and the
:class:`Association` s between them. Its proof only says who assembled the record; each nested
credential carries its own issuer and proof, so the nested entries are kept as the exact JSON
they arrived as (a JSON object, or a compact JWS string) and are never re-modelled here: the
verifier hands each one, untouched, to the full credential pipeline.

Multiplicities follow the CLR 2.0 JSON Schema (``clr_v2p0_clrcredential_schema.json``):
``verifiableCredential`` is one credential or an array of at least one.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from mcbadge.models._base import OBModel, as_list
from mcbadge.models.core import Achievement, Image, _Credential
from mcbadge.models.identity import IdentityObject

__all__ = [
    "CLR_CONTEXT",
    "CLR_SCHEMA",
    "Association",
    "AssociationType",
    "ClrCredential",
    "ClrSubject",
]

#: The CLR 2.0 context mcbadge writes (the one with the ``partial`` term).
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
#: The ``credentialSchema`` id of a ClrCredential (``1EdTechJsonSchemaValidator2019``).
CLR_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)


class AssociationType(StrEnum):
    """The CLR 2.0 AssociationType vocabulary (closed: exactly these eight)."""

    exactMatchOf = "exactMatchOf"
    isChildOf = "isChildOf"
    isParentOf = "isParentOf"
    isPartOf = "isPartOf"
    isPeerOf = "isPeerOf"
    isRelatedTo = "isRelatedTo"
    precedes = "precedes"
    replacedBy = "replacedBy"


class Association(OBModel):
    """How two achievements of the record relate: ``sourceId`` ``associationType`` ``targetId``
    (e.g. a micro-credential ``isPartOf`` an endorsement pathway). The ids are achievement ids."""

    required_type = "Association"
    type_is_single = True
    type: str
    association_type: AssociationType = Field(alias="associationType")
    source_id: str = Field(alias="sourceId")
    target_id: str = Field(alias="targetId")

    @field_validator("association_type", mode="before")
    @classmethod
    def _known_association_type(cls, value: Any) -> Any:
        if not isinstance(value, str) or value not in AssociationType._value2member_map_:
            known = ", ".join(AssociationType)
            raise ValueError(f"{value!r} is not an AssociationType (one of {known})")
        return AssociationType(value)


#: A nested credential as it sits in the record: a credential object or a compact JWS.
NestedCredential = dict[str, Any] | str

_COMPACT_JWS = re.compile(r"^\s*[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\s*$")


class ClrSubject(OBModel):
    """The learner and their record: the credentials, achievements and associations."""

    required_type = "ClrSubject"
    id: str | None = None
    type: str | list[str]
    identifier: IdentityObject | list[IdentityObject] | None = None
    achievement: Achievement | list[Achievement] | None = None
    # fail_fast: a hostile list of millions of non-credentials stops at the first one
    # (pydantic would otherwise build two errors per item, seconds per 100,000 items)
    verifiable_credential: (
        NestedCredential | Annotated[list[NestedCredential], Field(fail_fast=True)]
    ) = Field(alias="verifiableCredential")
    association: Association | list[Association] | None = None

    @field_validator("verifiable_credential")
    @classmethod
    def _at_least_one(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("a CLR holds at least one credential")
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, str) and not _COMPACT_JWS.match(entry):
                raise ValueError("a credential given as a string must be a compact JWS (VC-JWT)")
        return value

    @property
    def credentials(self) -> list[NestedCredential]:
        """The nested credentials, in order, exactly as they arrived."""
        return as_list(self.verifiable_credential)

    @property
    def achievements(self) -> list[Achievement]:
        return as_list(self.achievement)

    @property
    def associations(self) -> list[Association]:
        return as_list(self.association)

    @property
    def identifiers(self) -> list[IdentityObject]:
        return as_list(self.identifier)


class ClrCredential(_Credential):
    """A CLR 2.0 ClrCredential (VCDM 2.0 envelope; ``type`` includes ``ClrCredential``)."""

    id: str
    name: str
    credential_subject: ClrSubject = Field(alias="credentialSubject")
    image: Image | None = None
    partial: bool | None = None

    @model_validator(mode="after")
    def _kind(self) -> ClrCredential:
        if "ClrCredential" not in as_list(self.type):
            raise ValueError("type must include 'ClrCredential'")
        subject = self.credential_subject
        if subject.id is None and not subject.identifiers:
            raise ValueError("the learner (credentialSubject) needs an id or an identifier")
        return self


ClrCredential.model_rebuild()
