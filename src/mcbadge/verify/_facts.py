"""What an officer reads about the achievement, read from the credential for the Summary:
the achieved rubric level by name, result statuses, evidence and alignments.

Only reading, never judging: a value of the wrong type is left out (the data_model and schema
checks are what fail such a credential). Everything is bounded, because the credential is
hostile input and the Summary goes into every report: at most :data:`MAX_ITEMS` entries per
list and :data:`MAX_TEXT` characters per string (cut with an ellipsis that says so).
"""

from __future__ import annotations

from typing import Any

from mcbadge.verify._util import as_list
from mcbadge.verify.result import Check

__all__ = [
    "MAX_ITEMS",
    "MAX_TEXT",
    "alignments",
    "evidence",
    "results",
    "teacher_matched",
]

MAX_ITEMS = 50
MAX_TEXT = 2000
_CUT = " [...cut]"


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + _CUT


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in as_list(value) if isinstance(item, dict)][:MAX_ITEMS]


def _levels(achievement: Any) -> tuple[dict[tuple[Any, str], str], dict[str, str]]:
    """RubricCriterionLevel names by (resultDescription id, level id), and by level id alone."""
    by_description: dict[tuple[Any, str], str] = {}
    by_id: dict[str, str] = {}
    if not isinstance(achievement, dict):
        return by_description, by_id
    for description in _objects(achievement.get("resultDescription")):
        for level in _objects(description.get("rubricCriterionLevel")):
            level_id, name = level.get("id"), _text(level.get("name"))
            if isinstance(level_id, str) and name is not None:
                by_description.setdefault((description.get("id"), level_id), name)
                by_id.setdefault(level_id, name)
    return by_description, by_id


def results(subject: dict[str, Any], achievement: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The achieved levels by name and the result statuses, one per result that has one.

    A level is looked up first in the rubric of the result's own ``resultDescription``, then in
    any rubric of the achievement (the OB 3.0 spec's own complete example points a result at
    one description and its level at another's rubric).
    """
    found = _objects(subject.get("result"))
    if not found:
        return (), ()
    by_description, by_id = _levels(achievement)
    levels: list[str] = []
    statuses: list[str] = []
    for result in found:
        level = result.get("achievedLevel")
        if isinstance(level, str):
            name = by_description.get((result.get("resultDescription"), level)) or by_id.get(level)
            shown = name or f"{_text(level)} (a level the achievement does not describe)"
            levels.append(shown)
        status = _text(result.get("status"))
        if status is not None:
            statuses.append(status)
    return tuple(levels), tuple(statuses)


def evidence(credential: dict[str, Any]) -> tuple[tuple[str | None, str | None, str | None], ...]:
    """``(link, name, narrative)`` per Evidence of the credential."""
    return tuple(
        (_text(item.get("id")), _text(item.get("name")), _text(item.get("narrative")))
        for item in _objects(credential.get("evidence"))
    )


def alignments(
    achievement: Any,
) -> tuple[tuple[str | None, str | None, str | None, str | None], ...]:
    """``(framework, code, name, url)`` per Alignment of the achievement."""
    if not isinstance(achievement, dict):
        return ()
    return tuple(
        (
            _text(item.get("targetFramework")),
            _text(item.get("targetCode")),
            _text(item.get("targetName")),
            _text(item.get("targetUrl")),
        )
        for item in _objects(achievement.get("alignment"))
    )


def teacher_matched(recipient_check: Check | None) -> bool | None:
    """The recipient check's outcome: True passed, False failed outright, None otherwise."""
    if recipient_check is None:
        return None
    if recipient_check.status == "passed":
        return True
    if recipient_check.status == "failed" and not recipient_check.indeterminate:
        return False
    return None
