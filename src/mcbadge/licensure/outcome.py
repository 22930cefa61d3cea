"""The values a stack rule's evaluation returns: which credential met each requirement, or
why none did. Plain data with stable ``to_dict()`` shapes (reports render them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["REASON_CODES", "CandidateRef", "Outcome", "Rejection"]

#: Every code an outcome or rejection can carry, with what it means.
REASON_CODES: dict[str, str] = {
    "rule.met": "the requirement is met",
    "rule.not_met": "not enough of the grouped requirements are met",
    "rule.undecided": "the grouped requirements could not be decided",
    "rule.not_held": "no credential for the achievement was handed in",
    "rule.not_verified": "the credential failed verification",
    "rule.revoked": "the credential was revoked",
    "rule.suspended": "the credential is suspended",
    "rule.verification_undecided": "whether the credential verifies could not be decided",
    "rule.different_teacher": "the credential belongs to another teacher",
    "rule.teacher_undecided": "whose credential it is could not be decided",
    "rule.status_not_accepted": "the result's status does not count (in progress, failed...)",
    "rule.level_missing": "the credential states no rubric level",
    "rule.level_unknown": "the credential's level is not one the rule ranks",
    "rule.level_too_low": "the achieved level is below the rule's minimum",
    "rule.too_old": "the award is older than the rule accepts",
    "rule.date_unreadable": "the award date cannot be read",
    "rule.untrusted_issuer": "the issuer is not trusted for this by the rule's trust list",
    "rule.trust_undecided": "whether the issuer is trusted could not be decided",
    "rule.unsafe_no_rule": "UNSAFE: no rule was applied",
    "rule.internal_error": "mcbadge failed while deciding (a bug); never met",
}


@dataclass(frozen=True, slots=True)
class CandidateRef:
    """One credential as a report names it: where it came from, what it is, how it did."""

    index: int
    source: str
    credential_id: str | None
    digest: str | None
    issuer_id: str | None = None
    issuer_name: str | None = None
    achievement_id: str | None = None
    achievement_name: str | None = None
    level_id: str | None = None
    level_name: str | None = None
    level_rank: int = -1
    awarded: str | None = None
    trust_list: str | None = None
    trust_entry: str | None = None

    def describe(self) -> str:
        what = self.achievement_name or self.achievement_id or "a credential"
        parts = [f"{what!s} ({self.credential_id or self.source})"]
        if self.level_name or self.level_id:
            parts.append(f"at {self.level_name or self.level_id}")
        if self.issuer_name or self.issuer_id:
            parts.append(f"from {self.issuer_name or self.issuer_id}")
        if self.trust_list:
            parts.append(f"trusted by {self.trust_list}")
        if self.awarded:
            parts.append(f"awarded {self.awarded}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one credential does not satisfy one requirement; ``undecided`` when it might."""

    candidate: CandidateRef
    code: str
    reason: str
    undecided: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "reason": self.reason,
            "undecided": self.undecided,
            "credential": self.candidate.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """The decision on one requirement: ``met`` True, False, or None (could not tell)."""

    requirement: str
    name: str
    kind: str
    met: bool | None
    code: str
    reason: str
    satisfied_by: tuple[CandidateRef, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    children: tuple[Outcome, ...] = ()

    def walk(self) -> list[Outcome]:
        """This outcome and every outcome below it, depth first."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "name": self.name,
            "kind": self.kind,
            "met": self.met,
            "code": self.code,
            "reason": self.reason,
            "satisfied_by": [ref.to_dict() for ref in self.satisfied_by],
            "rejections": [rejection.to_dict() for rejection in self.rejections],
            "children": [child.to_dict() for child in self.children],
        }
