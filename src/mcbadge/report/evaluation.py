"""The report on a stack rule's evaluation: a printable HTML page and a CSV export.

Rendering only: the verdict, every requirement's outcome and every reason come from
:class:`mcbadge.licensure.evaluation.EvaluationResult`; nothing here decides. The page reads
top to bottom: the verdict in words (MET / NOT MET / UNDECIDED, with the reason), the rule and
the teacher, every requirement with the credential that satisfied it or why none did, then
the credentials considered with their verification verdicts. The CSV has one row per leaf
requirement, every cell escaped against formula injection (:func:`safe_cell`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mcbadge.report.html import render_page
from mcbadge.report.table import safe_cell

if TYPE_CHECKING:
    from mcbadge.licensure.evaluation import EvaluationResult
    from mcbadge.licensure.outcome import CandidateRef, Outcome

__all__ = ["EVALUATION_COLUMNS", "render_evaluation_csv", "render_evaluation_html"]

#: The CSV's columns, one row per leaf requirement.
EVALUATION_COLUMNS: tuple[str, ...] = (
    "requirement",
    "met",
    "code",
    "reason",
    "credential",
    "issuer",
    "level",
)

_VERDICT = {"met": "MET", "not met": "NOT MET", "undecided": "UNDECIDED"}
_CLASS = {True: "ok", False: "fail", None: "undecided"}
_MET_WORD = {True: "met", False: "NOT MET", None: "UNDECIDED"}
_CSV_MET = {True: "yes", False: "no", None: "undecided"}


def _credential_name(ref: CandidateRef) -> str:
    return f"{ref.source} ({ref.credential_id})" if ref.credential_id else ref.source


def _issuer(ref: CandidateRef) -> str:
    if ref.issuer_name and ref.issuer_id:
        return f"{ref.issuer_name} ({ref.issuer_id})"
    return ref.issuer_name or ref.issuer_id or ""


def _level(ref: CandidateRef) -> str:
    return ref.level_name or ref.level_id or ""


def _trust(ref: CandidateRef, rule_lists: tuple[str, ...]) -> str:
    if ref.trust_list:
        entry = f" entry {ref.trust_entry}" if ref.trust_entry else ""
        return f"yes, by {ref.trust_list}{entry}"
    return "not checked: the rule names no trust list" if not rule_lists else ""


def _ref_view(ref: CandidateRef, rule_lists: tuple[str, ...]) -> dict[str, Any]:
    return {
        "file": ref.source,
        "credential_id": ref.credential_id,
        "achievement": ref.achievement_name or ref.achievement_id,
        "level": _level(ref),
        "issuer": _issuer(ref),
        "trust": _trust(ref, rule_lists),
        "awarded": ref.awarded,
    }


def _outcome_view(outcome: Outcome, rule_lists: tuple[str, ...], depth: int) -> dict[str, Any]:
    return {
        "name": outcome.name,
        "requirement": outcome.requirement,
        "kind": outcome.kind,
        "met": _MET_WORD[outcome.met],
        "class": _CLASS[outcome.met],
        "code": outcome.code,
        "reason": outcome.reason,
        "depth": depth,
        "satisfied_by": [_ref_view(ref, rule_lists) for ref in outcome.satisfied_by],
        "rejections": [
            {
                "credential": _credential_name(rejection.candidate),
                "code": rejection.code,
                "reason": rejection.reason,
                "undecided": rejection.undecided,
            }
            for rejection in outcome.rejections
        ],
        "children": [_outcome_view(child, rule_lists, depth + 1) for child in outcome.children],
    }


def render_evaluation_html(
    evaluation: EvaluationResult,
    *,
    now: datetime | None = None,
    nav: Sequence[tuple[str, str]] = (),
) -> str:
    """The HTML report on one evaluation (self-contained, no script, printable); ``nav`` as
    for :func:`~mcbadge.report.html.render_page`."""
    rule = evaluation.rule
    used = {ref.index for ref in evaluation.constituents()}
    credentials = []
    for ref, verified in zip(evaluation.credentials, evaluation.verified, strict=True):
        view = _ref_view(ref, rule.trust_lists)
        view["verdict"] = "VERIFIED" if verified else "NOT VERIFIED"
        view["class"] = "ok" if verified else "fail"
        view["used"] = ref.index in used
        credentials.append(view)
    verdict = _VERDICT[evaluation.verdict]
    return render_page(
        "evaluation.html",
        title=f"Stack rule evaluation: {rule.name}",
        now=now,
        nav=nav,
        rule=rule,
        teacher=evaluation.recipient,
        evaluated_at=evaluation.to_dict()["evaluated_at"],
        verdict=verdict,
        verdict_class=_CLASS[evaluation.outcome.met],
        reason=evaluation.outcome.reason,
        code=evaluation.outcome.code,
        outcome=_outcome_view(evaluation.outcome, rule.trust_lists, 0),
        credentials=credentials,
        used=len(used),
        notes=evaluation.notes,
    )


def _leaves(outcome: Outcome) -> list[Outcome]:
    return [item for item in outcome.walk() if not item.children]


def render_evaluation_csv(evaluation: EvaluationResult) -> str:
    """The evaluation as CSV (RFC 4180): one row per leaf requirement. A met requirement
    names the credential(s) that satisfied it; one not met names those considered and
    rejected (``met`` says which)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EVALUATION_COLUMNS)
    for leaf in _leaves(evaluation.outcome):
        refs = (
            list(leaf.satisfied_by)
            if leaf.met is True
            else [rejection.candidate for rejection in leaf.rejections]
        )
        row = [
            leaf.name,
            _CSV_MET[leaf.met],
            leaf.code,
            leaf.reason,
            "; ".join(_credential_name(ref) for ref in refs),
            "; ".join(dict.fromkeys(_issuer(ref) for ref in refs if _issuer(ref))),
            "; ".join(dict.fromkeys(_level(ref) for ref in refs if _level(ref))),
        ]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
