"""Pydantic models of the Open Badges 3.0 data model and its VC envelope (both VCDM eras).

Multiplicities follow 1EdTech's spec model (``common_credentials.lines``): a ``1`` property is
required, ``0..*`` properties accept one value or an array (JSON-LD compaction). Extension
properties are kept. Datetimes are kept as the original strings; ``*_at`` helpers parse them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from mcbadge.models._base import OBModel, as_list, parse_datetime
from mcbadge.models.identity import IdentityObject

__all__ = [
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "Address",
    "Alignment",
    "BitstringStatusListEntry",
    "CredentialSchema",
    "CredentialStatus",
    "Criteria",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "Image",
    "OpenBadgeCredential",
    "Profile",
    "Proof",
    "RefreshService",
    "Related",
    "Result",
    "ResultDescription",
    "RevocationList1EdTech",
    "RubricCriterionLevel",
    "StatusList2021Entry",
    "TermsOfUse",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"

Types = str | list[str]


def _datetime(value: str | None, *, require_timezone: bool = True) -> datetime | None:
    return None if value is None else parse_datetime(value, require_timezone=require_timezone)


class Image(OBModel):
    required_type = "Image"
    type_is_single = True
    id: str
    type: str
    caption: str | None = None


class GeoCoordinates(OBModel):
    required_type = "GeoCoordinates"
    type_is_single = True
    type: str
    latitude: float
    longitude: float


class Address(OBModel):
    required_type = "Address"
    type: Types
    address_country: str | None = Field(None, alias="addressCountry")
    address_country_code: str | None = Field(None, alias="addressCountryCode")
    address_region: str | None = Field(None, alias="addressRegion")
    address_locality: str | None = Field(None, alias="addressLocality")
    street_address: str | None = Field(None, alias="streetAddress")
    post_office_box_number: str | None = Field(None, alias="postOfficeBoxNumber")
    postal_code: str | None = Field(None, alias="postalCode")
    geo: GeoCoordinates | None = None


class IdentifierEntry(OBModel):
    required_type = "IdentifierEntry"
    type_is_single = True
    type: str
    identifier: str
    identifier_type: str = Field(alias="identifierType")


class Alignment(OBModel):
    required_type = "Alignment"
    type: Types
    target_name: str = Field(alias="targetName")
    target_url: str = Field(alias="targetUrl")
    target_code: str | None = Field(None, alias="targetCode")
    target_description: str | None = Field(None, alias="targetDescription")
    target_framework: str | None = Field(None, alias="targetFramework")
    target_type: str | None = Field(None, alias="targetType")

    @field_validator("target_type")
    @classmethod
    def _known_target_type(cls, value: str | None) -> str | None:
        from mcbadge.models.enums import AlignmentTargetType, check_extensible

        return None if value is None else check_extensible(value, AlignmentTargetType)


class Criteria(OBModel):
    id: str | None = None
    narrative: str | None = None


class Related(OBModel):
    required_type = "Related"
    id: str
    type: Types
    in_language: str | None = Field(None, alias="inLanguage")
    version: str | None = None


class RubricCriterionLevel(OBModel):
    required_type = "RubricCriterionLevel"
    id: str
    type: Types
    name: str
    alignment: Alignment | list[Alignment] | None = None
    description: str | None = None
    level: str | None = None
    points: str | None = None


class ResultDescription(OBModel):
    required_type = "ResultDescription"
    id: str
    type: Types
    name: str
    result_type: str = Field(alias="resultType")
    alignment: Alignment | list[Alignment] | None = None
    allowed_value: str | list[str] | None = Field(None, alias="allowedValue")
    required_level: str | None = Field(None, alias="requiredLevel")
    required_value: str | None = Field(None, alias="requiredValue")
    rubric_criterion_level: RubricCriterionLevel | list[RubricCriterionLevel] | None = Field(
        None, alias="rubricCriterionLevel"
    )
    value_max: str | None = Field(None, alias="valueMax")
    value_min: str | None = Field(None, alias="valueMin")

    @field_validator("result_type")
    @classmethod
    def _known_result_type(cls, value: str) -> str:
        from mcbadge.models.enums import ResultType, check_extensible

        return check_extensible(value, ResultType)

    @property
    def levels(self) -> list[RubricCriterionLevel]:
        """The rubric levels, in order, as a list."""
        return as_list(self.rubric_criterion_level)


class Result(OBModel):
    required_type = "Result"
    type: Types
    achieved_level: str | None = Field(None, alias="achievedLevel")
    alignment: Alignment | list[Alignment] | None = None
    result_description: str | None = Field(None, alias="resultDescription")
    status: str | None = None
    value: str | None = None

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        from mcbadge.models.enums import ResultStatusType

        if value is not None and value not in ResultStatusType.__members__:
            raise ValueError(f"{value!r} is not a ResultStatusType")
        return value


class Evidence(OBModel):
    required_type = "Evidence"
    id: str | None = None
    type: Types
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None


class Profile(OBModel):
    required_type = "Profile"
    id: str
    type: Types
    name: str | None = None
    url: str | None = None
    phone: str | None = None
    description: str | None = None
    endorsement: EndorsementCredential | list[EndorsementCredential] | None = None
    endorsement_jwt: str | list[str] | None = Field(None, alias="endorsementJwt")
    image: Image | None = None
    email: str | None = None
    address: Address | None = None
    other_identifier: IdentifierEntry | list[IdentifierEntry] | None = Field(
        None, alias="otherIdentifier"
    )
    official: str | None = None
    parent_org: Profile | None = Field(None, alias="parentOrg")
    given_name: str | None = Field(None, alias="givenName")
    family_name: str | None = Field(None, alias="familyName")
    date_of_birth: str | None = Field(None, alias="dateOfBirth")


class Achievement(OBModel):
    required_type = "Achievement"
    id: str
    type: Types
    name: str
    description: str
    criteria: Criteria
    alignment: Alignment | list[Alignment] | None = None
    achievement_type: str | None = Field(None, alias="achievementType")
    creator: Profile | None = None
    credits_available: float | None = Field(None, alias="creditsAvailable")
    endorsement: EndorsementCredential | list[EndorsementCredential] | None = None
    endorsement_jwt: str | list[str] | None = Field(None, alias="endorsementJwt")
    field_of_study: str | None = Field(None, alias="fieldOfStudy")
    human_code: str | None = Field(None, alias="humanCode")
    image: Image | None = None
    in_language: str | None = Field(None, alias="inLanguage")
    other_identifier: IdentifierEntry | list[IdentifierEntry] | None = Field(
        None, alias="otherIdentifier"
    )
    related: Related | list[Related] | None = None
    result_description: ResultDescription | list[ResultDescription] | None = Field(
        None, alias="resultDescription"
    )
    specialization: str | None = None
    tag: str | list[str] | None = None
    version: str | None = None

    @field_validator("achievement_type")
    @classmethod
    def _known_achievement_type(cls, value: str | None) -> str | None:
        from mcbadge.models.enums import AchievementType, check_extensible

        return None if value is None else check_extensible(value, AchievementType)

    @property
    def result_descriptions(self) -> list[ResultDescription]:
        """The result descriptions this achievement defines, as a list."""
        return as_list(self.result_description)


class AchievementSubject(OBModel):
    required_type = "AchievementSubject"
    id: str | None = None
    type: Types
    achievement: Achievement
    activity_end_date: str | None = Field(None, alias="activityEndDate")
    activity_start_date: str | None = Field(None, alias="activityStartDate")
    credits_earned: float | None = Field(None, alias="creditsEarned")
    identifier: IdentityObject | list[IdentityObject] | None = None
    image: Image | None = None
    license_number: str | None = Field(None, alias="licenseNumber")
    narrative: str | None = None
    result: Result | list[Result] | None = None
    role: str | None = None
    source: Profile | None = None
    term: str | None = None

    @property
    def identifiers(self) -> list[IdentityObject]:
        return as_list(self.identifier)

    @property
    def results(self) -> list[Result]:
        return as_list(self.result)


class EndorsementSubject(OBModel):
    required_type = "EndorsementSubject"
    id: str
    type: Types
    endorsement_comment: str | None = Field(None, alias="endorsementComment")


class CredentialSchema(OBModel):
    id: str
    type: str


class CredentialStatus(OBModel):
    """A status entry: BitstringStatusListEntry, 1EdTechRevocationList, StatusList2021Entry or
    another method (kept as-is). ``id`` may be absent (VCDM 2.0 allows a blank node)."""

    id: str | None = None
    type: str | list[str]
    status_purpose: str | None = Field(None, alias="statusPurpose")
    status_list_index: str | int | None = Field(None, alias="statusListIndex")
    status_list_credential: str | None = Field(None, alias="statusListCredential")

    @model_validator(mode="after")
    def _bitstring_fields(self) -> CredentialStatus:
        if self.type in ("BitstringStatusListEntry", "StatusList2021Entry"):
            missing = [
                name
                for name, value in (
                    ("statusPurpose", self.status_purpose),
                    ("statusListIndex", self.status_list_index),
                    ("statusListCredential", self.status_list_credential),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"{self.type} needs {', '.join(missing)}")
        return self


class BitstringStatusListEntry(CredentialStatus):
    """W3C Bitstring Status List entry (``statusListIndex`` is a decimal string)."""

    required_type = "BitstringStatusListEntry"
    type_is_single = True
    status_purpose: str = Field(alias="statusPurpose")
    status_list_index: str | int = Field(alias="statusListIndex")
    status_list_credential: str = Field(alias="statusListCredential")
    status_size: int | None = Field(None, alias="statusSize")


class StatusList2021Entry(CredentialStatus):
    """The older W3C StatusList2021 entry."""

    required_type = "StatusList2021Entry"
    type_is_single = True
    status_purpose: str = Field(alias="statusPurpose")
    status_list_index: str | int = Field(alias="statusListIndex")
    status_list_credential: str = Field(alias="statusListCredential")


class RevocationList1EdTech(CredentialStatus):
    """1EdTech Revocation List status (``type: 1EdTechRevocationList``, ``id`` the list URL)."""

    required_type = "1EdTechRevocationList"
    type_is_single = True
    id: str


_STATUS_KINDS: dict[str, type[CredentialStatus]] = {
    "BitstringStatusListEntry": BitstringStatusListEntry,
    "StatusList2021Entry": StatusList2021Entry,
    "1EdTechRevocationList": RevocationList1EdTech,
}


class RefreshService(OBModel):
    id: str
    type: str


class TermsOfUse(OBModel):
    id: str | None = None
    type: str


class Proof(OBModel):
    type: str | list[str]
    created: str | None = None
    cryptosuite: str | None = None
    challenge: str | None = None
    domain: str | list[str] | None = None
    nonce: str | None = None
    proof_purpose: str | None = Field(None, alias="proofPurpose")
    proof_value: str | None = Field(None, alias="proofValue")
    verification_method: str | None = Field(None, alias="verificationMethod")


class _Credential(OBModel):
    """The Verifiable Credential envelope shared by both credential kinds and both VCDM eras."""

    context: list[str | dict[str, Any]] = Field(alias="@context", min_length=1)
    id: str | None = None
    type: Types
    issuer: str | Profile
    name: str | None = None
    description: str | None = None
    valid_from: str | None = Field(None, alias="validFrom")
    valid_until: str | None = Field(None, alias="validUntil")
    issuance_date: str | None = Field(None, alias="issuanceDate")
    expiration_date: str | None = Field(None, alias="expirationDate")
    awarded_date: str | None = Field(None, alias="awardedDate")
    proof: Proof | list[Proof] | None = None
    credential_schema: CredentialSchema | list[CredentialSchema] | None = Field(
        None, alias="credentialSchema"
    )
    # OB 3.0 says 0..1, but VCDM 2.0 allows several (e.g. revocation + suspension entries).
    credential_status: CredentialStatus | list[CredentialStatus] | None = Field(
        None, alias="credentialStatus"
    )
    refresh_service: RefreshService | None = Field(None, alias="refreshService")
    terms_of_use: TermsOfUse | list[TermsOfUse] | None = Field(None, alias="termsOfUse")
    endorsement: EndorsementCredential | list[EndorsementCredential] | None = None
    endorsement_jwt: str | list[str] | None = Field(None, alias="endorsementJwt")
    evidence: Evidence | list[Evidence] | None = None

    @property
    def vcdm_version(self) -> Literal["1.1", "2.0"]:
        """Which VC Data Model the first ``@context`` entry names."""
        return "1.1" if self.context and self.context[0] == VC_V1_CONTEXT else "2.0"

    @property
    def issuer_id(self) -> str:
        return self.issuer if isinstance(self.issuer, str) else self.issuer.id

    @property
    def valid_from_at(self) -> datetime | None:
        """Start of validity, parsed and tz-aware (validFrom, else issuanceDate)."""
        return _datetime(self.valid_from or self.issuance_date)

    @property
    def valid_until_at(self) -> datetime | None:
        """End of validity, parsed and tz-aware (validUntil, else expirationDate)."""
        return _datetime(self.valid_until or self.expiration_date)

    @property
    def proofs(self) -> list[Proof]:
        return as_list(self.proof)

    @property
    def status_entries(self) -> list[CredentialStatus]:
        """The ``credentialStatus`` entries, each as its typed subclass when the method is
        known (BitstringStatusListEntry, StatusList2021Entry, RevocationList1EdTech)."""
        entries: list[CredentialStatus] = []
        for entry in as_list(self.credential_status):
            kind = _STATUS_KINDS.get(entry.type) if isinstance(entry.type, str) else None
            entries.append(kind.model_validate(entry.to_json()) if kind else entry)
        return entries

    @model_validator(mode="after")
    def _envelope(self) -> _Credential:
        first = self.context[0]
        if first not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
            raise ValueError(f"the first @context must be {VC_V2_CONTEXT} (or {VC_V1_CONTEXT})")
        if "VerifiableCredential" not in as_list(self.type):
            raise ValueError("type must include 'VerifiableCredential'")
        return self


class AchievementCredential(_Credential):
    """An OpenBadgeCredential (a.k.a. AchievementCredential)."""

    credential_type: ClassVar[tuple[str, ...]] = ("OpenBadgeCredential", "AchievementCredential")
    id: str
    credential_subject: AchievementSubject = Field(alias="credentialSubject")
    image: Image | None = None

    @model_validator(mode="after")
    def _kind(self) -> AchievementCredential:
        if not set(self.credential_type) & set(as_list(self.type)):
            raise ValueError("type must include 'OpenBadgeCredential' or 'AchievementCredential'")
        return self


OpenBadgeCredential = AchievementCredential


class EndorsementCredential(_Credential):
    id: str
    name: str
    credential_subject: EndorsementSubject = Field(alias="credentialSubject")

    @model_validator(mode="after")
    def _kind(self) -> EndorsementCredential:
        if "EndorsementCredential" not in as_list(self.type):
            raise ValueError("type must include 'EndorsementCredential'")
        return self


for _model in (Profile, Achievement, _Credential, AchievementCredential, EndorsementCredential):
    _model.model_rebuild()
