"""Judging one verified credential against one achievement requirement.

The order is fixed so a clerk reads the reason that matters: a definite failure (not
verified, revoked, another teacher, wrong status, level too low, too old, untrusted issuer)
is reported before anything merely undecided (verification, teacher or trust could not be
decided), because a definite failure cannot be mended by deciding the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mcbadge.licensure.outcome import Rejection

if TYPE_CHECKING:
    from mcbadge.licensure.evaluation import Candidate, EvaluationContext
    from mcbadge.licensure.rules import AchievementRequirement

__all__ = ["achievement_of", "award_date", "judge", "level_of", "subject_of"]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def subject_of(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    """The credential's subject (the first, when it lists several), or an empty mapping."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject if isinstance(subject, Mapping) else {}


def achievement_of(credential: Mapping[str, Any]) -> Mapping[str, Any] | None:
    achievement = subject_of(credential).get("achievement")
    return achievement if isinstance(achievement, Mapping) else None


def _declared_levels(
    achievement: Mapping[str, Any], description_id: Any
) -> dict[str, str | None] | None:
    """Level id -> name the achievement declares for a result (``None``: it declares none)."""
    descriptions = [d for d in _list(achievement.get("resultDescription")) if isinstance(d, dict)]
    chosen = [d for d in descriptions if d.get("id") == description_id] or descriptions
    levels: dict[str, str | None] = {}
    for description in chosen:
        for level in _list(description.get("rubricCriterionLevel")):
            if isinstance(level, dict) and isinstance(level.get("id"), str):
                name = level.get("name")
                levels[level["id"]] = name if isinstance(name, str) else None
    return levels or None


def level_name(credential: Mapping[str, Any], level_id: str) -> str:
    """A level's name as the credential's achievement declares it, else its id."""
    achievement = achievement_of(credential) or {}
    declared = _declared_levels(achievement, None) or {}
    return declared.get(level_id) or level_id


def _accepted(requirement: AchievementRequirement, status: Any) -> bool:
    return isinstance(status, str) and status in requirement.accepted_statuses


def level_of(
    requirement: AchievementRequirement, credential: Mapping[str, Any]
) -> tuple[str, str] | tuple[int, str]:
    """The best accepted level: ``(rank, level id)``, or ``(code, reason)`` when there is none."""
    achievement = achievement_of(credential) or {}
    ranked: list[tuple[int, str]] = []
    unknown: list[str] = []
    refused: list[str] = []
    for result in _list(subject_of(credential).get("result")):
        if not isinstance(result, dict):
            continue
        level = result.get("achievedLevel")
        status = result.get("status")
        if not isinstance(level, str):
            if (
                requirement.min_level is None
                and status is not None
                and not _accepted(requirement, status)
            ):
                refused.append(str(status))
            continue
        declared = _declared_levels(achievement, result.get("resultDescription"))
        rank = requirement.rank_of(level)
        if rank is None or (declared is not None and level not in declared):
            unknown.append(level)
            continue
        if status is not None and not _accepted(requirement, status):
            refused.append(str(status))
            continue
        ranked.append((rank, level))
    accepted = ", ".join(sorted(requirement.accepted_statuses))
    if refused and (requirement.min_level is None or not ranked):
        return (
            "rule.status_not_accepted",
            f"its result status is {refused[0]}; the rule accepts only {accepted}",
        )
    if requirement.min_level is None:
        return max(ranked) if ranked else (-1, "")
    if not ranked:
        if unknown:
            return (
                "rule.level_unknown",
                f"its level {unknown[0]} is not a level of its achievement that the rule ranks",
            )
        return "rule.level_missing", "it states no rubric level, and the rule requires one"
    best = max(ranked)
    minimum = requirement.rank_of(requirement.min_level)
    assert minimum is not None
    if best[0] < minimum:
        return (
            "rule.level_too_low",
            f"its level is {level_name(credential, best[1])}; the rule needs "
            f"{level_name(credential, requirement.min_level)} or higher",
        )
    return best


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def award_date(credential: Mapping[str, Any]) -> tuple[str | None, datetime | None]:
    """(the date as written, parsed): ``awardedDate``, else ``validFrom``/``issuanceDate``."""
    for term in ("awardedDate", "validFrom", "issuanceDate"):
        if term in credential:
            value = credential[term]
            return (value if isinstance(value, str) else None), _parse_date(value)
    return None, None


def _age(
    requirement: AchievementRequirement, credential: Mapping[str, Any], now: datetime
) -> tuple[str, str] | None:
    if requirement.max_age is None:
        return None
    written, when = award_date(credential)
    if when is None:
        return "rule.date_unreadable", f"its award date {written!r} cannot be read"
    age = now - when
    if age > requirement.max_age:
        return (
            "rule.too_old",
            f"it was awarded {written}, {age.days} days ago; the rule accepts awards at most "
            f"{requirement.max_age.days} days old",
        )
    return None


def _verification(candidate: Candidate) -> tuple[str, str, bool] | None:
    result = candidate.result
    if result.verified:
        return None
    status = result.check("status")
    if status.status == "failed" and status.code in ("status.revoked", "status.suspended"):
        code = "rule.revoked" if status.code == "status.revoked" else "rule.suspended"
        return code, f"it is {code.split('.')[1]}: {status.message}", False
    failed = [c for c in result.checks if c.status == "failed"]
    detail = "; ".join(f"{c.message} [{c.code}]" for c in failed[:3])
    if result.indeterminate:
        return "rule.verification_undecided", f"whether it verifies is undecided: {detail}", True
    return "rule.not_verified", f"it does not verify: {detail}", False


def judge(
    requirement: AchievementRequirement, candidate: Candidate, context: EvaluationContext
) -> Rejection | None:
    """``None`` when ``candidate`` satisfies ``requirement``, else why not."""
    ref = context.ref(candidate, requirement)

    def reject(code: str, reason: str, undecided: bool = False) -> Rejection:
        return Rejection(ref, code, reason, undecided)

    verification = _verification(candidate)
    if verification is not None and not verification[2]:
        return reject(verification[0], verification[1])
    teacher, teacher_reason = context.teacher_verdict(candidate)
    if teacher is False:
        return reject("rule.different_teacher", teacher_reason)
    level = level_of(requirement, candidate.credential)
    if isinstance(level[0], str):
        return reject(level[0], str(level[1]))
    too_old = _age(requirement, candidate.credential, context.now)
    if too_old is not None:
        return reject(*too_old)
    trust = context.trust_decision(candidate)
    if trust is not None and trust.trusted is False:
        return reject("rule.untrusted_issuer", f"its issuer is not trusted: {trust.reason}")
    if verification is not None:
        return reject(verification[0], verification[1], True)
    if teacher is None:
        return reject("rule.teacher_undecided", teacher_reason, True)
    if trust is not None and trust.trusted is None:
        return reject(
            "rule.trust_undecided",
            f"whether its issuer is trusted is undecided: {trust.reason}",
            True,
        )
    return None
