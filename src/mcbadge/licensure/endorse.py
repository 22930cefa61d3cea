"""Micro-endorsements: the credential an endorsing body issues when a stack rule is met, and
re-running the rule from that credential alone.

The micro-endorsement is an ordinary OB 3.0 OpenBadgeCredential issued with
:class:`mcbadge.issuer.Issuer`:

* its Achievement is the rule's ``targetAchievement``, whose ``criteria.id`` is the rule's id
  and whose ``criteria.narrative`` says in words what was required, states the rule's digest
  (``Rule digest: sha256:<hex>``, see :func:`mcbadge.licensure.rules.rule_digest`) and carries
  the rule itself as a fenced JSON block, so a verifier needs nothing else to re-run it;
* its ``evidence`` lists each constituent credential: ``id`` the constituent's id,
  ``genre`` ``"Constituent credential"``, ``description`` ``sha256:<hex>`` of the exact bytes
  the constituent was handed in as.

:func:`reevaluate` verifies the micro-endorsement, takes the rule from it (or checks a
caller's copy against the stated digest), keeps only the constituents whose digest the
evidence lists, verifies each of them afresh (so a revoked constituent now fails) and
evaluates the rule again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcbadge._display import one_line
from mcbadge.errors import MCBadgeError, RuleError
from mcbadge.licensure.decision import IssuerTrust
from mcbadge.licensure.evaluation import (
    Candidate,
    EvaluationResult,
    evaluate,
    verify_documents,
)
from mcbadge.licensure.rules import StackRule, canonical_json, parse_rule
from mcbadge.verify import VerificationPolicy, VerificationResult

if TYPE_CHECKING:
    from mcbadge.issuer import IssuedCredential, Issuer

__all__ = [
    "CONSTITUENT_GENRE",
    "Reevaluation",
    "endorse",
    "endorsement_achievement",
    "endorsement_evidence",
    "reevaluate",
]

CONSTITUENT_GENRE = "Constituent credential"
_DIGEST_LINE = re.compile(r"^Rule digest: (sha256:[0-9a-f]{64})$", re.MULTILINE)
_RULE_BLOCK = re.compile(r"^```json\n(\{.*\})\n```$", re.MULTILINE | re.DOTALL)


def endorsement_achievement(rule: StackRule) -> dict[str, Any]:
    """The Achievement a micro-endorsement awards: the rule's ``targetAchievement`` with
    ``criteria`` naming the rule (id, digest, and the rule itself)."""
    target = rule.target_achievement
    if target is None:
        raise RuleError(
            f"the rule {rule.id} names no targetAchievement, so it awards nothing",
            code="rule.no_target_achievement",
        )
    narrative = (
        f"Earned by meeting the stack rule {rule.name!r} ({rule.id}), evaluated by "
        f"mcbadge over the constituent credentials listed as evidence.\n\n"
        f"{rule.description or ''}\n\n"
        f"Rule digest: {rule.digest}\n\n"
        f"```json\n{canonical_json(rule.document).decode('utf-8')}\n```"
    )
    achievement: dict[str, Any] = {
        "id": target["id"],
        "type": ["Achievement"],
        "achievementType": target.get("achievementType", "MicroCredential"),
        "name": target["name"],
        "description": target["description"],
        "criteria": {"id": rule.id, "narrative": narrative},
    }
    for term in ("fieldOfStudy", "tag"):
        if term in target:
            achievement[term] = target[term]
    return achievement


def endorsement_evidence(evaluation: EvaluationResult) -> list[dict[str, Any]]:
    """One Evidence entry per constituent credential (its id and the digest of its bytes)."""
    entries = []
    for ref in evaluation.constituents():
        if ref.credential_id is None or ref.digest is None:
            raise RuleError(
                f"the constituent {ref.source} has no credential id or digest to cite as evidence",
                code="rule.constituent_unnamed",
            )
        met = [
            outcome.name
            for outcome in evaluation.outcome.walk()
            if outcome.met is True and any(r.index == ref.index for r in outcome.satisfied_by)
        ]
        entries.append(
            {
                "id": ref.credential_id,
                "type": ["Evidence"],
                "name": ref.achievement_name or ref.achievement_id or ref.credential_id,
                "genre": CONSTITUENT_GENRE,
                "description": ref.digest,
                "narrative": f"Counts toward: {'; '.join(met)}. {ref.describe()}.",
            }
        )
    return entries


def _same_email(left: str, right: str) -> bool:
    return left.strip().lower() == right.strip().lower()


def endorse(
    issuer: Issuer, evaluation: EvaluationResult, recipient_email: str | None = None
) -> IssuedCredential:
    """Issue the micro-endorsement for a met evaluation, to the teacher it was evaluated for.

    Refuses (:class:`RuleError`) an evaluation that is not met (``rule.not_met``), one whose
    teacher is not known by e-mail (``rule.no_recipient``), and a ``recipient_email`` other
    than the evaluated teacher (``rule.recipient_mismatch``).
    """
    if not evaluation.met:
        raise RuleError(
            f"the rule {evaluation.rule.id} is {evaluation.verdict} "
            f"({evaluation.outcome.reason}); nothing to endorse",
            code="rule.not_met",
        )
    evaluated = evaluation.recipient
    if evaluated is None or "@" not in evaluated:
        raise RuleError(
            "the evaluation was not made for a teacher named by e-mail address; evaluate the "
            "rule with the teacher's e-mail address as the recipient before endorsing",
            code="rule.no_recipient",
        )
    email = recipient_email if recipient_email is not None else evaluated
    if not _same_email(email, evaluated):
        raise RuleError(
            f"the evaluation was made for {evaluated}, not {email}",
            code="rule.recipient_mismatch",
        )
    achievement = endorsement_achievement(evaluation.rule)
    return issuer.issue(achievement, email, evidence=endorsement_evidence(evaluation))


# -- re-running the rule ------------------------------------------------------------------------
@dataclass(frozen=True)
class Reevaluation:
    """The micro-endorsement checked again: its own verification, the rule re-run over the
    constituents its evidence lists, and any problem binding the two (stable codes)."""

    endorsement: VerificationResult
    evaluation: EvaluationResult | None
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def met(self) -> bool:
        return (
            self.endorsement.verified
            and not self.problems
            and self.evaluation is not None
            and self.evaluation.met
        )

    @property
    def exit_code(self) -> int:
        if self.met:
            return 0
        undecided_endorsement = not self.endorsement.verified and self.endorsement.indeterminate
        if self.problems or (not self.endorsement.verified and not undecided_endorsement):
            return 1
        if self.evaluation is not None and self.evaluation.decided and not undecided_endorsement:
            return 1
        return 2

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "McbadgeMicroEndorsementCheck",
            "met": self.met,
            "endorsement": self.endorsement.to_dict(),
            "problems": [{"code": code, "message": message} for code, message in self.problems],
            "evaluation": self.evaluation.to_dict() if self.evaluation is not None else None,
        }

    def render_text(self) -> str:
        verdict = {0: "MET", 1: "NOT MET"}.get(self.exit_code, "UNDECIDED")
        own = self.endorsement
        state = "verified" if own.verified else ("UNDECIDED" if own.indeterminate else "FAILED")
        lines = [
            f"Micro-endorsement: {verdict}",
            f"  the endorsement itself: {state}"
            + "".join(f" [{cid}]" for cid in own.failed_checks),
        ]
        lines += [f"  problem: {one_line(message)} [{code}]" for code, message in self.problems]
        text = "\n".join(lines) + "\n"
        if self.evaluation is not None:
            text += "\n" + self.evaluation.render_text()
        return text


def _load(document: os.PathLike[str] | bytes | Mapping[str, Any]) -> bytes:
    if isinstance(document, Mapping):
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if isinstance(document, os.PathLike):
        with open(document, "rb") as handle:
            return handle.read()
    if isinstance(document, bytes):
        return document
    raise TypeError("the micro-endorsement is a path, JSON bytes or a mapping")


def _criteria(credential: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if not isinstance(achievement, Mapping):
        return None, None, None
    criteria = achievement.get("criteria")
    if not isinstance(criteria, Mapping):
        return achievement.get("id"), None, None
    return achievement.get("id"), criteria.get("id"), criteria.get("narrative")


def _rule_from(
    credential: Mapping[str, Any], given: StackRule | None
) -> tuple[StackRule | None, list[tuple[str, str]]]:
    achievement_id, rule_id, narrative = _criteria(credential)
    text = narrative if isinstance(narrative, str) else ""
    stated = _DIGEST_LINE.search(text)
    if not isinstance(rule_id, str) or stated is None:
        return None, [
            (
                "endorsement.no_rule",
                "the credential's criteria do not name a stack rule and its digest",
            )
        ]
    digest = stated.group(1)
    rule = given
    if rule is None:
        block = _RULE_BLOCK.search(text)
        if block is None:
            return None, [
                ("endorsement.no_rule", "the credential does not carry its rule; supply the rule")
            ]
        try:
            rule = parse_rule(json.loads(block.group(1)))
        except (ValueError, MCBadgeError) as exc:
            return None, [("endorsement.bad_rule", f"the rule it carries is unusable: {exc}")]
    problems = []
    if rule.id != rule_id:
        problems.append(
            (
                "endorsement.rule_mismatch",
                f"the credential was earned under {rule_id}, not {rule.id}",
            )
        )
    if rule.digest != digest:
        problems.append(
            (
                "endorsement.rule_changed",
                f"the rule's digest is {rule.digest}, but the credential states {digest}: the "
                "rule is not the one it was earned under",
            )
        )
    target = rule.target_achievement
    if target is not None and target.get("id") != achievement_id:
        problems.append(
            (
                "endorsement.rule_mismatch",
                f"the rule awards {target.get('id')}, the credential {achievement_id}",
            )
        )
    return rule, problems


def _evidence(credential: Mapping[str, Any]) -> dict[str, str]:
    """``digest -> constituent id`` from the evidence entries of genre Constituent credential."""
    found: dict[str, str] = {}
    entries = credential.get("evidence")
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, Mapping) or entry.get("genre") != CONSTITUENT_GENRE:
            continue
        digest, identifier = entry.get("description"), entry.get("id")
        if isinstance(digest, str) and isinstance(identifier, str):
            found[digest] = identifier
    return found


def reevaluate(
    endorsement: os.PathLike[str] | bytes | Mapping[str, Any],
    constituents: Iterable[os.PathLike[str] | bytes | Mapping[str, Any]],
    *,
    rule: StackRule | None = None,
    trust: Mapping[str, IssuerTrust] | None = None,
    recipient: str | None = None,
    policy: VerificationPolicy | None = None,
) -> Reevaluation:
    """Check a micro-endorsement again, from itself and its constituents.

    ``constituents`` are matched to the evidence by the SHA-256 of their bytes (extra ones
    are ignored); each is verified afresh with ``policy``, so a constituent revoked since the
    endorsement was issued fails its requirement and the re-evaluation is not met.
    ``rule`` is the office's own copy (checked against the stated digest); without it, the
    rule the credential carries is used. ``recipient``: the teacher's e-mail address.
    """
    from mcbadge.verify import verify
    from mcbadge.verify._input import parse_input

    policy = policy if policy is not None else VerificationPolicy()
    raw = _load(endorsement)
    own = verify(raw, dataclasses.replace(policy, expected_recipient=recipient))
    try:
        credential: Mapping[str, Any] = parse_input(raw).credential
    except MCBadgeError:
        credential = {}
    stack_rule, problems = _rule_from(credential, rule)
    if stack_rule is None:
        return Reevaluation(own, None, tuple(problems))
    listed = _evidence(credential)
    if not listed:
        problems.append(("endorsement.no_evidence", "the credential lists no constituents"))
    candidates: list[Candidate] = [
        candidate
        for candidate in verify_documents(constituents, policy)
        if candidate.digest in listed
    ]
    for candidate in candidates:
        if candidate.credential.get("id") != listed[candidate.digest or ""]:
            problems.append(
                (
                    "endorsement.evidence_mismatch",
                    f"{candidate.source} has the listed digest but not the listed id",
                )
            )
    supplied = {candidate.digest for candidate in candidates}
    for digest, identifier in listed.items():
        if digest not in supplied:
            problems.append(
                (
                    "endorsement.constituent_missing",
                    f"the constituent {identifier} ({digest}) was not supplied",
                )
            )
    evaluation = evaluate(stack_rule, candidates, trust=trust, recipient=recipient, now=policy.now)
    return Reevaluation(own, evaluation, tuple(problems))
