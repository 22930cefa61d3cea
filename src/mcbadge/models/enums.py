"""Open Badges 3.0 vocabularies. Extensible ones also accept ``ext:``-prefixed terms."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AchievementType",
    "AlignmentTargetType",
    "IdentifierType",
    "ResultStatusType",
    "ResultType",
    "check_extensible",
]


class AchievementType(StrEnum):
    Achievement = "Achievement"
    ApprenticeshipCertificate = "ApprenticeshipCertificate"
    Assessment = "Assessment"
    Assignment = "Assignment"
    AssociateDegree = "AssociateDegree"
    Award = "Award"
    Badge = "Badge"
    BachelorDegree = "BachelorDegree"
    Certificate = "Certificate"
    CertificateOfCompletion = "CertificateOfCompletion"
    Certification = "Certification"
    CommunityService = "CommunityService"
    Competency = "Competency"
    Course = "Course"
    CoCurricular = "CoCurricular"
    Degree = "Degree"
    Diploma = "Diploma"
    DoctoralDegree = "DoctoralDegree"
    Fieldwork = "Fieldwork"
    GeneralEducationDevelopment = "GeneralEducationDevelopment"
    JourneymanCertificate = "JourneymanCertificate"
    LearningProgram = "LearningProgram"
    License = "License"
    Membership = "Membership"
    ProfessionalDoctorate = "ProfessionalDoctorate"
    QualityAssuranceCredential = "QualityAssuranceCredential"
    MasterCertificate = "MasterCertificate"
    MasterDegree = "MasterDegree"
    MicroCredential = "MicroCredential"
    ResearchDoctorate = "ResearchDoctorate"
    SecondarySchoolDiploma = "SecondarySchoolDiploma"


class AlignmentTargetType(StrEnum):
    CeasnCompetency = "ceasn:Competency"
    CetermsCredential = "ceterms:Credential"
    CFItem = "CFItem"
    CFRubric = "CFRubric"
    CFRubricCriterion = "CFRubricCriterion"
    CFRubricCriterionLevel = "CFRubricCriterionLevel"
    CTDL = "CTDL"


class ResultType(StrEnum):
    GradePointAverage = "GradePointAverage"
    LetterGrade = "LetterGrade"
    Percent = "Percent"
    PerformanceLevel = "PerformanceLevel"
    PredictedScore = "PredictedScore"
    RawScore = "RawScore"
    Result = "Result"
    RubricCriterion = "RubricCriterion"
    RubricCriterionLevel = "RubricCriterionLevel"
    RubricScore = "RubricScore"
    ScaledScore = "ScaledScore"
    Status = "Status"


class ResultStatusType(StrEnum):
    Completed = "Completed"
    Enrolled = "Enrolled"
    Failed = "Failed"
    InProgress = "InProgress"
    OnHold = "OnHold"
    Provisional = "Provisional"
    Withdrew = "Withdrew"


class IdentifierType(StrEnum):
    """IdentifierTypeEnum of the CDM (extensible)."""

    Name = "name"
    sourcedId = "sourcedId"
    systemId = "systemId"
    productId = "productId"
    userName = "userName"
    accountId = "accountId"
    emailAddress = "emailAddress"
    nationalIdentityNumber = "nationalIdentityNumber"
    isbn = "isbn"
    issn = "issn"
    lisSourcedId = "lisSourcedId"
    oneRosterSourcedId = "oneRosterSourcedId"
    sisSourcedId = "sisSourcedId"
    ltiContextId = "ltiContextId"
    ltiDeploymentId = "ltiDeploymentId"
    ltiToolId = "ltiToolId"
    ltiPlatformId = "ltiPlatformId"
    ltiUserId = "ltiUserId"
    identifier = "identifier"


def check_extensible(value: str, vocabulary: type[StrEnum]) -> str:
    """``value`` if it is a term of ``vocabulary`` or an ``ext:`` extension term."""
    if value in vocabulary._value2member_map_ or (value.startswith("ext:") and len(value) > 4):
        return value
    raise ValueError(f"{value!r} is not a {vocabulary.__name__} (nor an ext: extension term)")
