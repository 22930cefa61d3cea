"""What every report format shows about one credential, as plain values (no markup).

Rendering only: the verdict, the failed checks and the trust decision are read from the
results given, never decided here. The HTML templates and the CSV export both read these
views, so the formats cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcbadge.verify.report import _status_text
from mcbadge.verify.result import BundleResult, VerificationResult

if TYPE_CHECKING:
    from mcbadge.licensure.decision import TrustDecision

__all__ = [
    "SELF_ASSERTED",
    "Tally",
    "credential_view",
    "safe_link",
    "trust_text",
    "verdict_word",
]

#: Shown when no trust decision was made for a credential.
SELF_ASSERTED = "self-asserted, not checked against any trust list"


def verdict_word(result: VerificationResult | BundleResult) -> str:
    """``VERIFIED``, ``NOT VERIFIED`` or ``INDETERMINATE`` (nothing failed, something undecided)."""
    if result.verified:
        return "VERIFIED"
    return "INDETERMINATE" if result.indeterminate else "NOT VERIFIED"


def verdict_sentence(result: VerificationResult) -> str:
    """The verdict as a sentence a clerk can file."""
    failed = [check for check in result.checks if check.status == "failed"]
    if not failed:
        return "Every check passed: the credential is authentic, intact and in force."
    if result.indeterminate:
        return (
            f"This credential could not be verified either way: {len(failed)} check(s) could "
            "not be decided (listed below). It must not be treated as verified."
        )
    return f"This credential is not verified: {len(failed)} check(s) failed (listed below)."


def trust_text(decision: TrustDecision | None) -> str:
    """Whether the issuer is trusted, in words: by which list and entry, or why not."""
    if decision is None:
        return SELF_ASSERTED
    if decision.trusted is True:
        where = decision.list_name or decision.list_id or "a trust list"
        entry = f" entry {decision.entry}" if decision.entry else ""
        return f"yes, by {where}{entry}"
    if decision.trusted is False:
        return f"no: {decision.reason}"
    return f"not decided: {decision.reason}"


def trust_flag(decision: TrustDecision | None) -> str:
    """The trust decision in one word (for a CSV column)."""
    if decision is None:
        return "unchecked"
    return {True: "yes", False: "no"}.get(decision.trusted, "undecided")  # type: ignore[arg-type]


def safe_link(value: str | None) -> str | None:
    """``value`` when it is an http(s) URL a report may link to; never ``javascript:`` etc."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered.startswith(("https://", "http://")) and value == value.strip():
        return value
    return None


def _teacher(result: VerificationResult) -> str | None:
    summary = result.summary
    if summary.teacher is None:
        return None
    if summary.teacher_matched is True:
        return f"{summary.teacher}: the credential names this recipient"
    if summary.teacher_matched is False:
        return f"{summary.teacher}: NOT the recipient this credential names"
    return f"{summary.teacher}: not checked ({result.check('recipient').message})"


def _issuer(result: VerificationResult) -> str | None:
    summary = result.summary
    if summary.issuer_name and summary.issuer_id:
        return f"{summary.issuer_name} ({summary.issuer_id})"
    return summary.issuer_name or summary.issuer_id


def facts(result: VerificationResult, trust: TrustDecision | None) -> list[tuple[str, str]]:
    """``(label, value)`` for the summary table, only the facts the credential has."""
    summary = result.summary
    rows: list[tuple[str, str | None]] = [
        ("Issuer", _issuer(result)),
        ("Issuer trusted", trust_text(trust)),
        ("Achievement", summary.achievement_name),
        ("Achievement type", summary.achievement_type),
        ("Achievement id", summary.achievement_id),
        ("Achieved level", "; ".join(summary.achieved_levels) or None),
        ("Result status", "; ".join(summary.result_statuses) or None),
        ("Teacher", _teacher(result)),
        ("Recipient", summary.recipient),
        ("Awarded", summary.awarded_date),
        ("Valid from", summary.valid_from),
        ("Valid until", summary.valid_until),
        ("Revocation status", _status_text(result)),
        ("Proof", summary.proof_format),
        ("Credential id", summary.credential_id),
    ]
    return [(label, value) for label, value in rows if value]


@dataclass(frozen=True, slots=True)
class _Failure:
    id: str
    code: str
    message: str
    indeterminate: bool


def credential_view(
    result: VerificationResult,
    *,
    heading: str,
    anchor: str,
    trust: TrustDecision | None = None,
) -> dict[str, Any]:
    """Everything a template shows for one credential (values are plain text; the template
    escapes them)."""
    verdict = verdict_word(result)
    summary = result.summary
    return {
        "heading": heading,
        "anchor": anchor,
        "verdict": verdict,
        "verdict_class": {"VERIFIED": "ok", "NOT VERIFIED": "fail"}.get(verdict, "undecided"),
        "sentence": verdict_sentence(result),
        "trust": trust_text(trust),
        "achievement": summary.achievement_name,
        "facts": facts(result, trust),
        "failed": [
            _Failure(check.id, check.code, check.message, check.indeterminate)
            for check in result.checks
            if check.status == "failed"
        ],
        "evidence": [
            {"link": safe_link(link), "address": link, "name": name, "narrative": narrative}
            for link, name, narrative in summary.evidence
        ],
        "alignments": [
            {"framework": framework, "code": code, "name": name, "link": safe_link(url)}
            for framework, code, name, url in summary.alignments
        ],
        "checks": result.checks,
    }


@dataclass
class Tally:
    """How many files verified, did not, could not be decided, or were skipped."""

    verified: int = 0
    not_verified: int = 0
    indeterminate: int = 0
    skipped: int = 0

    def add(self, result: VerificationResult | BundleResult | None) -> None:
        """Count one file (``None``: skipped)."""
        if result is None:
            self.skipped += 1
        elif result.verified:
            self.verified += 1
        elif result.indeterminate:
            self.indeterminate += 1
        else:
            self.not_verified += 1

    @property
    def total(self) -> int:
        return self.verified + self.not_verified + self.indeterminate + self.skipped

    def text(self) -> str:
        """``12 files: 9 verified, 2 not verified, 1 indeterminate, 0 skipped``."""
        noun = "file" if self.total == 1 else "files"
        return (
            f"{self.total} {noun}: {self.verified} verified, {self.not_verified} not verified, "
            f"{self.indeterminate} indeterminate, {self.skipped} skipped"
        )
