"""The plain-text view of a stack rule evaluation: what a clerk reads on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcbadge.licensure.outcome import Outcome

if TYPE_CHECKING:
    from mcbadge.licensure.evaluation import EvaluationResult

__all__ = ["render_text"]

_MARK = {True: "[met]      ", False: "[NOT MET]  ", None: "[UNDECIDED]"}


def _lines(outcome: Outcome, depth: int) -> list[str]:
    indent = "  " * depth
    lines = [f"{indent}{_MARK[outcome.met]} {outcome.name}: {outcome.reason}"]
    if outcome.met is not True and len(outcome.rejections) == 1:
        ref = outcome.rejections[0].candidate
        lines[0] += f" ({ref.credential_id or 'no id'}, {ref.source})"
    elif outcome.met is not True and outcome.kind == "achievement":
        for rejection in outcome.rejections:
            ref = rejection.candidate
            where = ref.credential_id or ref.source
            lines.append(f"{indent}    - {where} ({ref.source}): {rejection.reason}")
    for child in outcome.children:
        lines.extend(_lines(child, depth + 1))
    return lines


def render_text(evaluation: EvaluationResult) -> str:
    rule = evaluation.rule
    verdict = {"met": "MET", "not met": "NOT MET", "undecided": "UNDECIDED"}[evaluation.verdict]
    lines = [
        f"Stack rule: {rule.name}",
        f"  id {rule.id} ({rule.digest})",
        f"Teacher: {evaluation.recipient or '(not given)'}",
        f"Evaluated at: {evaluation.to_dict()['evaluated_at']}",
        f"Verdict: {verdict}: {evaluation.outcome.reason}",
        "",
        *_lines(evaluation.outcome, 0),
        "",
    ]
    used = {ref.index for ref in evaluation.constituents()}
    total = len(evaluation.credentials)
    lines.append(f"Credentials handed in: {total}, used: {len(used)}")
    for ref, verified in zip(evaluation.credentials, evaluation.verified, strict=True):
        state = "used" if ref.index in used else ("verified" if verified else "does not verify")
        what = ref.achievement_name or ref.achievement_id or "not a credential"
        lines.append(f"  {ref.source}: {what} [{state}]")
    for note in evaluation.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"
