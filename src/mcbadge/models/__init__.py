"""Typed, lossless Pydantic models of the Open Badges 3.0 data model (VCDM 1.1 and 2.0).

``parse_credential(data)`` parses a credential; ``model.to_json()`` gives back the exact JSON
value it was parsed from. No I/O, no crypto.
"""

from mcbadge.models._base import OBModel
from mcbadge.models._parse import check_domain_rules, parse_credential
from mcbadge.models.core import (
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Address,
    Alignment,
    CredentialSchema,
    CredentialStatus,
    Criteria,
    EndorsementCredential,
    EndorsementSubject,
    Evidence,
    GeoCoordinates,
    IdentifierEntry,
    Image,
    OpenBadgeCredential,
    Profile,
    Proof,
    RefreshService,
    Related,
    Result,
    ResultDescription,
    RubricCriterionLevel,
    TermsOfUse,
)
from mcbadge.models.enums import (
    AchievementType,
    AlignmentTargetType,
    IdentifierType,
    ResultStatusType,
    ResultType,
)
from mcbadge.models.identity import IdentityObject

__all__ = [
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "AchievementType",
    "Address",
    "Alignment",
    "AlignmentTargetType",
    "CredentialSchema",
    "CredentialStatus",
    "Criteria",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "IdentifierType",
    "IdentityObject",
    "Image",
    "OBModel",
    "OpenBadgeCredential",
    "Profile",
    "Proof",
    "RefreshService",
    "Related",
    "Result",
    "ResultDescription",
    "ResultStatusType",
    "ResultType",
    "RubricCriterionLevel",
    "TermsOfUse",
    "check_domain_rules",
    "parse_credential",
]
