"""Result values of verification: :class:`Check`, :class:`Summary`, :class:`VerificationResult`.

Every check the verifier knows has a stable id (:data:`CHECK_IDS`, in report order). A report
always lists every id once; a check that does not apply is ``skipped`` with a reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CHECK_IDS",
    "BundleKind",
    "BundleResult",
    "Check",
    "CheckStatus",
    "NestedResult",
    "Summary",
    "VerificationResult",
]

CheckStatus = Literal["passed", "failed", "skipped", "warning"]

CHECK_IDS: tuple[str, ...] = (
    "input",
    "data_model",
    "schema",
    "context",
    "data_loss",
    "canonicalization",
    "proof",
    "cryptosuite",
    "signature",
    "key_resolution",
    "key_binding",
    "proof_purpose",
    "proof_time",
    "jwt",
    "jwt_claims",
    "validity",
    "status",
    "status_retrieval",
    "status_list",
    "status_range",
    "recipient",
    "endorsements",
    "network_policy",
)


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check.

    ``code`` is ``<id>.<detail>`` (``"validity.expired"``); ``indeterminate`` marks a failure
    that means "could not be decided" (an unreachable status list) rather than "is bad".
    """

    id: str
    status: CheckStatus
    code: str
    message: str
    indeterminate: bool = False

    def to_dict(self) -> dict[str, Any]:
        # Built directly: every field is a str or a bool, so ``dataclasses.asdict``'s recursive
        # deep copy only cost time (it was a quarter of ``mcbadge verify``'s per-file work).
        return {
            "id": self.id,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "indeterminate": self.indeterminate,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as constructor arguments: batch workers send thousands of checks back, and
        # the slots dataclass default (__getstate__/__setstate__ in Python) costs ~4x more.
        return (Check, (self.id, self.status, self.code, self.message, self.indeterminate))


@dataclass(frozen=True, slots=True)
class Summary:
    """What a clerk wants to read first: who issued what to whom, and when."""

    issuer_id: str | None = None
    issuer_name: str | None = None
    achievement_name: str | None = None
    recipient: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    status_state: str = "unknown"
    proof_format: str | None = None
    credential_id: str | None = None
    #: OB 3.0 ``awardedDate``: when the achievement was awarded (it does not bound validity).
    awarded_date: str | None = None
    # Added after the fields above (positional construction keeps its meaning):
    #: The achievement's ``id`` and ``achievementType`` (an OB 3.0 AchievementType or ``ext:``).
    achievement_id: str | None = None
    achievement_type: str | None = None
    #: Per ``credentialSubject.result[]`` with an ``achievedLevel``: that RubricCriterionLevel's
    #: name, looked up in the achievement's ``resultDescription[].rubricCriterionLevel``
    #: (a level the achievement does not describe is shown by its id, saying so).
    achieved_levels: tuple[str, ...] = ()
    #: Per result with a ``status`` (OB 3.0 ResultStatusType: Completed, InProgress, ...).
    result_statuses: tuple[str, ...] = ()
    #: The credential's ``evidence``: ``(link, name, narrative)`` each, bounded (see _summary).
    evidence: tuple[tuple[str | None, str | None, str | None], ...] = ()
    #: The achievement's ``alignment``: ``(framework, code, name, url)`` each.
    alignments: tuple[tuple[str | None, str | None, str | None, str | None], ...] = ()
    #: The recipient the policy expected (the teacher), and whether the recipient check
    #: found them: ``True`` passed, ``False`` failed, ``None`` not decided or not asked.
    teacher: str | None = None
    teacher_matched: bool | None = None
    #: The key the proof names: a Data Integrity proof's ``verificationMethod`` (the first
    #: proof's, when there are several) or a VC-JWT's ``kid``; what a trust list pins.
    verification_method: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # the scalar fields are a str, a bool or None: no copy needed (see Check.to_dict); the
        # few tuple fields become JSON lists (of objects), and are usually empty
        out = {name: getattr(self, name) for name in _SUMMARY_FIELDS}
        out["achieved_levels"] = list(self.achieved_levels)
        out["result_statuses"] = list(self.result_statuses)
        out["evidence"] = [
            {"id": link, "name": name, "narrative": narrative}
            for link, name, narrative in self.evidence
        ]
        out["alignments"] = [
            {"framework": framework, "code": code, "name": name, "url": url}
            for framework, code, name, url in self.alignments
        ]
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        return (Summary, tuple(getattr(self, name) for name in self.__slots__))


_SUMMARY_FIELDS: tuple[str, ...] = Summary.__slots__


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The full account of one verification; ``verified`` only if nothing failed."""

    checks: tuple[Check, ...]
    summary: Summary = field(default_factory=Summary)

    def __reduce__(self) -> tuple[Any, ...]:
        return (VerificationResult, (self.checks, self.summary))

    @property
    def verified(self) -> bool:
        return not any(check.status == "failed" for check in self.checks)

    @property
    def indeterminate(self) -> bool:
        """True when nothing definitely failed but something could not be decided."""
        failed = [check for check in self.checks if check.status == "failed"]
        return bool(failed) and all(check.indeterminate for check in failed)

    @property
    def failed_checks(self) -> list[str]:
        """Ids of the failed checks, in report order."""
        return [check.id for check in self.checks if check.status == "failed"]

    def check(self, check_id: str) -> Check:
        """The check with id ``check_id`` (every known id is present)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)

    def why_not(self) -> str:
        """Why a nested credential (an endorsement, a status list) did not verify, for the
        message of the check that verified it: its first failure as a person reads it, and
        the ids of the other failed checks (``""`` when nothing failed)."""
        failed = [check for check in self.checks if check.status == "failed"]
        if not failed:
            return ""
        first, *others = failed
        why = f"{first.message} ({first.code})"
        if others:
            why += f"; also failed: {', '.join(check.id for check in others)}"
        return why

    def to_dict(self) -> dict[str, Any]:
        failed = [check for check in self.checks if check.status == "failed"]
        return {
            "verified": not failed,
            "indeterminate": bool(failed) and all(check.indeterminate for check in failed),
            "failed_checks": [check.id for check in failed],
            "summary": self.summary.to_dict(),
            "checks": [check.to_dict() for check in self.checks],
        }

    def to_json(self) -> str:
        """The report as one line of JSON (the shape documented in docs/verifying.md)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


#: What holds the credentials of a bundle: a holder-signed verifiable presentation, or a CLR 2.0
#: learner record (a ClrCredential, whose outer proof says who assembled it).
BundleKind = Literal["presentation", "clr"]


@dataclass(frozen=True, slots=True)
class NestedResult:
    """The full result of one credential inside a bundle.

    ``location`` says where it sat in the bundle, as a JSON Pointer (RFC 6901) from the
    bundle's root (``"/verifiableCredential/2"``, ``"/credentialSubject/verifiableCredential/0"``),
    so that a report names the credential a clerk must look at.
    """

    location: str
    result: VerificationResult

    def to_dict(self) -> dict[str, Any]:
        return {"location": self.location, **self.result.to_dict()}


@dataclass(frozen=True, slots=True)
class BundleResult:
    """The account of a bundle: the outer checks, then one full result per credential inside.

    The bundle is ``verified`` only when its outer checks and every nested credential verify;
    a failure anywhere is never hidden by a good outer proof. ``indeterminate`` when nothing
    failed outright but something (outer or nested) could not be decided.
    """

    kind: BundleKind
    outer: VerificationResult
    nested: tuple[NestedResult, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (BundleResult, (self.kind, self.outer, self.nested))

    def _results(self) -> list[VerificationResult]:
        return [self.outer, *(item.result for item in self.nested)]

    @property
    def verified(self) -> bool:
        return all(result.verified for result in self._results())

    @property
    def indeterminate(self) -> bool:
        """True when something is undecided and nothing definitely failed, outer or nested."""
        failing = [result for result in self._results() if not result.verified]
        return bool(failing) and all(result.indeterminate for result in failing)

    @property
    def failed_locations(self) -> list[str]:
        """Where the failures are: ``""`` for the outer checks, else each nested location."""
        failed = [""] if not self.outer.verified else []
        return failed + [item.location for item in self.nested if not item.result.verified]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "verified": self.verified,
            "indeterminate": self.indeterminate,
            "failed_locations": self.failed_locations,
            "outer": self.outer.to_dict(),
            "nested": [item.to_dict() for item in self.nested],
        }

    def to_json(self) -> str:
        """The bundle report as one line of JSON (the shape documented in docs/verifying.md)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
