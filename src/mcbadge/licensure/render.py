"""The plain-text view of a stack rule evaluation: what a clerk reads on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcbadge._display import one_line
from mcbadge.licensure.outcome import Outcome

if TYPE_CHECKING:
    from mcbadge.licensure.evaluation import EvaluationResult

__all__ = ["render_text"]

_MARK = {True: "[met]      ", False: "[NOT MET]  ", None: "[UNDECIDED]"}


def _lines(outcome: Outcome, depth: int) -> list[str]:
    indent = "  " * depth
    lines = [f"{indent}{_MARK[outcome.met]} {one_line(outcome.name)}: {one_line(outcome.reason)}"]
    if outcome.met is not True and len(outcome.rejections) == 1:
        ref = outcome.rejections[0].candidate
        lines[0] += f" ({one_line(ref.credential_id or 'no id')}, {one_line(ref.source)})"
    elif outcome.met is not True and outcome.kind == "achievement":
        for rejection in outcome.rejections:
            ref = rejection.candidate
            where = ref.credential_id or ref.source
            lines.append(
                f"{indent}    - {one_line(where)} ({one_line(ref.source)}): "
                f"{one_line(rejection.reason)}"
            )
    for child in outcome.children:
        lines.extend(_lines(child, depth + 1))
    return lines


def render_text(evaluation: EvaluationResult) -> str:
    rule = evaluation.rule
    verdict = {"met": "MET", "not met": "NOT MET", "undecided": "UNDECIDED"}[evaluation.verdict]
    lines = [
        f"Stack rule: {one_line(rule.name)}",
        f"  id {one_line(rule.id)} ({rule.digest})",
        f"Teacher: {one_line(evaluation.recipient or '(not given)')}",
        f"Evaluated at: {evaluation.to_dict()['evaluated_at']}",
        f"Verdict: {verdict}: {one_line(evaluation.outcome.reason)}",
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
        lines.append(f"  {one_line(ref.source)}: {one_line(what)} [{state}]")
    for note in evaluation.notes:
        lines.append(f"Note: {one_line(note)}")
    return "\n".join(lines) + "\n"
