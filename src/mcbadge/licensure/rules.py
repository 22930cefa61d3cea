"""Stack rules: what earns a micro-endorsement, as composable requirement objects.

A rule file (JSON, ``schemas/stack-rule-v1.schema.json``) loads with :func:`load_rule` into a
:class:`StackRule` whose ``requirements`` is a tree of small objects sharing one method,
``evaluate(context) -> Outcome``: :class:`AchievementRequirement` (one achievement, by id or
by an alignment's framework and code, at a minimum rubric level, recent enough),
:class:`AllOf`, :class:`AnyOf` and :class:`AtLeast` to combine them, and the loudly named
:class:`UnsafeNoRule`, which requires nothing. Every outcome says why: ``met`` is ``True``,
``False`` or ``None`` ("could not tell", never yes), with a stable ``code`` and a sentence a
clerk reads. Judging one credential against one requirement is
:mod:`mcbadge.licensure._judge`'s; running a rule over credentials is
:mod:`mcbadge.licensure.evaluation`'s.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, Protocol

from mcbadge.errors import InputError, RuleError
from mcbadge.licensure.outcome import CandidateRef, Outcome, Rejection

if TYPE_CHECKING:
    from mcbadge.licensure.evaluation import EvaluationContext

__all__ = [
    "DEFAULT_ACCEPTED_STATUSES",
    "RULE_TYPE",
    "RULE_VERSION",
    "AchievementRequirement",
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Requirement",
    "StackRule",
    "UnsafeNoRule",
    "load_rule",
    "parse_rule",
    "rule_digest",
]

logger = logging.getLogger(__name__)

RULE_TYPE = "McbadgeStackRule"
RULE_VERSION = "1"
#: A result that carries no ``status`` counts; one that does must carry one of these.
DEFAULT_ACCEPTED_STATUSES: frozenset[str] = frozenset({"Completed"})
_MAX_DEPTH = 12
_MAX_RULE_BYTES = 1_000_000

Kind = Literal["achievement", "all_of", "any_of", "at_least", "unsafe_no_rule"]


class Requirement(Protocol):
    """Anything a stack rule is made of: one method, returning whether and why."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...

    def evaluate(self, context: EvaluationContext) -> Outcome:
        """Decide this requirement over the credentials of ``context``."""
        ...


# -- one achievement ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AchievementRequirement:
    """One achievement held at ``min_level`` or higher, with an accepted result status,
    awarded at most ``max_age`` ago, by a trusted issuer, to the teacher.

    The achievement is named by ``achievement_id`` (``credentialSubject.achievement.id``) or by
    ``alignment`` (``(targetFramework, targetCode)`` of one of the achievement's alignments).
    ``level_order`` ranks RubricCriterionLevel ids, lowest first (a tuple of equal-rank ids per
    rank); OB 3.0 gives levels no order, so the rule states it.
    """

    key: str
    name: str
    achievement_id: str | None = None
    alignment: tuple[str, str] | None = None
    min_level: str | None = None
    level_order: tuple[tuple[str, ...], ...] = ()
    accepted_statuses: frozenset[str] = DEFAULT_ACCEPTED_STATUSES
    max_age: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.achievement_id is None) == (self.alignment is None):
            raise ValueError("name the achievement by achievement_id or by alignment, not both")
        if self.min_level is not None and self.rank_of(self.min_level) is None:
            raise ValueError(f"min_level {self.min_level!r} is not in level_order")
        if not self.accepted_statuses:
            raise ValueError("accepted_statuses must name at least one status")

    @property
    def kind(self) -> Kind:
        return "achievement"

    def rank_of(self, level_id: str) -> int | None:
        for rank, levels in enumerate(self.level_order):
            if level_id in levels:
                return rank
        return None

    def describe(self) -> str:
        """What is required, in words."""
        if self.achievement_id is not None:
            what = f"the achievement {self.achievement_id}"
        else:
            assert self.alignment is not None
            what = f"an achievement aligned to {self.alignment[1]} ({self.alignment[0]})"
        parts = [what]
        if self.min_level is not None:
            parts.append(f"at level {self.min_level} or higher")
        if self.max_age is not None:
            parts.append(f"awarded within {self.max_age.days} days")
        return ", ".join(parts)

    def matches(self, credential: Mapping[str, Any]) -> bool:
        """True when ``credential`` is for the achievement this requirement names."""
        from mcbadge.licensure._judge import achievement_of

        achievement = achievement_of(credential)
        if achievement is None:
            return False
        if self.achievement_id is not None:
            return achievement.get("id") == self.achievement_id
        assert self.alignment is not None
        framework, code = self.alignment
        aligned = achievement.get("alignment")
        for entry in aligned if isinstance(aligned, list) else [aligned]:
            if (
                isinstance(entry, dict)
                and entry.get("targetFramework") == framework
                and entry.get("targetCode") == code
            ):
                return True
        return False

    def evaluate(self, context: EvaluationContext) -> Outcome:
        from mcbadge.licensure._judge import judge

        met: list[CandidateRef] = []
        rejections: list[Rejection] = []
        for candidate in context.candidates:
            if not self.matches(candidate.credential):
                continue
            verdict = judge(self, candidate, context)
            if verdict is None:
                met.append(context.ref(candidate, self))
            else:
                rejections.append(verdict)
        if met:
            chosen = max(met, key=lambda ref: (ref.level_rank, ref.awarded or ""))
            return Outcome(
                self.key,
                self.name,
                self.kind,
                met=True,
                code="rule.met",
                reason=f"met by {chosen.describe()}",
                satisfied_by=(chosen,),
                rejections=tuple(rejections),
            )
        if not rejections:
            return Outcome(
                self.key,
                self.name,
                self.kind,
                met=False,
                code="rule.not_held",
                reason=f"no credential for this was handed in ({self.describe()})",
            )
        undecided = [r for r in rejections if r.undecided]
        headline = undecided[0] if undecided else rejections[0]
        count = len(rejections)
        prefix = "the credential" if count == 1 else f"none of the {count} credentials counts;"
        return Outcome(
            self.key,
            self.name,
            self.kind,
            met=None if undecided else False,
            code=headline.code,
            reason=f"{prefix} {headline.reason}" if count > 1 else headline.reason,
            rejections=tuple(rejections),
        )


# -- composition --------------------------------------------------------------------------------
class _Composite:
    """``needed`` of ``children`` must be met; an undecided child that could decide it makes
    the whole undecided (never met)."""

    kind: Kind

    def __init__(
        self, children: Sequence[Requirement], needed: int, *, key: str, name: str
    ) -> None:
        if not children:
            # As sigstore-python's AllOf refuses: an empty set of requirements would be met by
            # nothing at all, which is never what a rule's author meant.
            raise ValueError(f"{type(self).__name__} needs at least one requirement")
        if not 1 <= needed <= len(children):
            raise ValueError(f"at least {needed} of {len(children)} requirements can never be met")
        self.children: tuple[Requirement, ...] = tuple(children)
        self.needed = needed
        self.key = key
        self.name = name

    def evaluate(self, context: EvaluationContext) -> Outcome:
        outcomes = tuple(child.evaluate(context) for child in self.children)
        met = sum(1 for outcome in outcomes if outcome.met is True)
        undecided = sum(1 for outcome in outcomes if outcome.met is None)
        total = len(outcomes)
        wanted = "all" if self.needed == total else f"at least {self.needed}"
        counted = f"{met} of {total} met, {wanted} needed"
        if met >= self.needed:
            verdict: bool | None = True
            code, reason = "rule.met", counted
        elif met + undecided >= self.needed:
            verdict, code = None, "rule.undecided"
            reason = f"{counted}; {undecided} could not be decided"
        else:
            verdict, code = False, "rule.not_met"
            reason = counted
        return Outcome(
            requirement=self.key,
            name=self.name,
            kind=self.kind,
            met=verdict,
            code=code,
            reason=reason,
            children=outcomes,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.needed} of {len(self.children)})"


class AllOf(_Composite):
    """Every child requirement must be met (a logical AND)."""

    kind: Kind = "all_of"

    def __init__(
        self, children: Sequence[Requirement], *, key: str = "all", name: str = "All of"
    ) -> None:
        super().__init__(children, len(children) or 1, key=key, name=name)


class AnyOf(_Composite):
    """At least one child requirement must be met (a logical OR)."""

    kind: Kind = "any_of"

    def __init__(
        self, children: Sequence[Requirement], *, key: str = "any", name: str = "Any of"
    ) -> None:
        super().__init__(children, 1, key=key, name=name)


class AtLeast(_Composite):
    """At least ``needed`` of the child requirements must be met."""

    kind: Kind = "at_least"

    def __init__(
        self,
        needed: int,
        children: Sequence[Requirement],
        *,
        key: str = "at_least",
        name: str = "At least",
    ) -> None:
        super().__init__(children, needed, key=key, name=name)


class UnsafeNoRule:
    """The "no rule" requirement: met by anything, even by no credential at all.

    **It decides nothing.** It exists for tests and for wiring code that needs a requirement
    before the real rule is known; a licensure decision taken with it is no decision. Its
    outcome says so in its code (``rule.unsafe_no_rule``) and its reason, and every evaluation
    that uses it logs a warning.
    """

    kind: Kind = "unsafe_no_rule"
    key = "UNSAFE-NO-RULE"
    name = "UNSAFE: no rule, nothing was required"

    def evaluate(self, context: EvaluationContext) -> Outcome:
        logger.warning("the unsafe 'no rule' requirement was used: nothing was checked")
        return Outcome(
            requirement=self.key,
            name=self.name,
            kind=self.kind,
            met=True,
            code="rule.unsafe_no_rule",
            reason="UNSAFE: no rule was applied; this result does not mean anything was earned",
        )


# -- the rule -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StackRule:
    """A loaded stack rule: its identity, the trust lists it names, and its requirements.

    ``document`` is the rule as parsed (what :attr:`digest` covers); ``trust_lists`` are names
    or ids of the trust lists that apply (empty: issuers are not checked, which the result
    says); ``same_teacher`` requires every credential used to belong to one teacher.
    """

    id: str
    name: str
    requirements: Requirement
    trust_lists: tuple[str, ...] = ()
    same_teacher: bool = True
    description: str | None = None
    endorsing_body: str | None = None
    target_achievement: Mapping[str, Any] | None = None
    document: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the rule's canonical JSON (see :func:`rule_digest`)."""
        return rule_digest(self.document)


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """The rule's canonical bytes: sorted keys, no white space, UTF-8."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def rule_digest(document: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of :func:`canonical_json` of a rule document: the same rule however
    its file is indented, a different digest for any change of meaning."""
    return "sha256:" + hashlib.sha256(canonical_json(document)).hexdigest()


# -- loading ------------------------------------------------------------------------------------
@cache
def _validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]

    raw = (
        resources.files("mcbadge")
        .joinpath("schemas", "mcbadge", "stack-rule-v1.schema.json")
        .read_bytes()
    )
    schema = json.loads(raw)
    return jsonschema.Draft202012Validator(schema)


def _where(path: Sequence[Any]) -> str:
    if not path:
        return "the rule"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_errors(document: Any) -> None:
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

    errors = list(_validator().iter_errors(document))
    if not errors:
        return
    best = best_match(errors)
    assert best is not None
    # A oneOf over requirement kinds says only "not valid under any"; its own context has
    # the sentence that helps ("'minLevel' is a required property" ...).
    while best.context:
        deeper = best_match(best.context)
        if deeper is None:
            break
        best = deeper
    where = _where(list(best.absolute_path))
    more = f" ({len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    raise RuleError(
        f"the rule file does not follow the stack rule format: at {where}: {best.message}{more}",
        code="rule.schema",
    )


def load_rule(source: str | os.PathLike[str] | bytes | Mapping[str, Any]) -> StackRule:
    """Load a rule from a path, JSON bytes or text, or a parsed mapping.

    Raises :class:`~mcbadge.errors.RuleError`: ``rule.unreadable`` (no such file, not JSON),
    ``rule.schema`` (against the JSON Schema, naming where) or ``rule.invalid`` (inconsistent:
    a minimum level not in the level order, a repeated requirement id...).
    """
    if isinstance(source, Mapping):
        return parse_rule(source)
    if isinstance(source, os.PathLike):
        where = os.fspath(source)
        try:
            with open(source, "rb") as handle:
                source = handle.read(_MAX_RULE_BYTES + 1)
        except OSError as exc:
            raise RuleError(
                f"cannot read the rule file {where!s}: {exc.strerror}",
                code="rule.unreadable",
            ) from None
    if isinstance(source, str):
        source = source.encode("utf-8")
    if len(source) > _MAX_RULE_BYTES:
        raise RuleError("the rule file is larger than 1 MB", code="rule.unreadable")
    from mcbadge._json import loads_strict

    try:
        document = loads_strict(source)
    except InputError as exc:
        raise RuleError(
            f"the rule file is not readable JSON: {exc.message}", code="rule.unreadable"
        ) from None
    return parse_rule(document)


def parse_rule(document: Any) -> StackRule:
    """A :class:`StackRule` from a parsed rule document (checked against the schema first)."""
    _schema_errors(document)
    defaults = {
        "levelOrder": document.get("levelOrder"),
        "acceptedStatuses": document.get("acceptedStatuses"),
        "maxAgeDays": document.get("maxAgeDays"),
    }
    keys: set[str] = set()
    requirements = _node(document["requirements"], defaults, keys, ("requirements",), 0)
    trust = document.get("trustList")
    return StackRule(
        id=document["id"],
        name=document["name"],
        requirements=requirements,
        trust_lists=(trust,) if isinstance(trust, str) else tuple(trust or ()),
        same_teacher=document.get("sameTeacher", True),
        description=document.get("description"),
        endorsing_body=document.get("endorsingBody"),
        target_achievement=document.get("targetAchievement"),
        document=document,
    )


_LEAF_ONLY = ("minLevel", "levelOrder", "acceptedStatuses", "maxAgeDays")


def _invalid(path: tuple[Any, ...], message: str) -> RuleError:
    return RuleError(f"the rule is inconsistent: at {_where(path)}: {message}", code="rule.invalid")


def _key(node: Mapping[str, Any], keys: set[str], path: tuple[Any, ...], fallback: str) -> str:
    key = node.get("id") or fallback
    if key in keys:
        raise _invalid(path, f"the requirement id {key!r} is used twice")
    keys.add(key)
    return str(key)


def _node(
    node: Mapping[str, Any],
    defaults: Mapping[str, Any],
    keys: set[str],
    path: tuple[Any, ...],
    depth: int,
) -> Requirement:
    if depth > _MAX_DEPTH:
        raise _invalid(path, f"requirements are nested more than {_MAX_DEPTH} deep")
    fallback = _where(path)
    if "achievement" in node or "alignment" in node:
        return _leaf(node, defaults, _key(node, keys, path, fallback), path)
    misplaced = [name for name in _LEAF_ONLY if name in node]
    if misplaced:
        raise _invalid(
            path, f"{misplaced[0]!r} belongs on an achievement requirement, not on a group"
        )
    key = _key(node, keys, path, fallback)
    for word in ("allOf", "anyOf", "of"):
        if word in node:
            children = [
                _node(child, defaults, keys, (*path, word, index), depth + 1)
                for index, child in enumerate(node[word])
            ]
            break
    if "allOf" in node:
        return AllOf(children, key=key, name=node.get("name", "All of these"))
    if "anyOf" in node:
        return AnyOf(children, key=key, name=node.get("name", "Any one of these"))
    needed = node["atLeast"]
    if needed > len(children):
        raise _invalid(path, f"atLeast {needed} of {len(children)} requirements can never be met")
    return AtLeast(needed, children, key=key, name=node.get("name", f"At least {needed} of these"))


def _leaf(
    node: Mapping[str, Any], defaults: Mapping[str, Any], key: str, path: tuple[Any, ...]
) -> AchievementRequirement:
    raw_order = node.get("levelOrder", defaults["levelOrder"]) or []
    order = tuple((item,) if isinstance(item, str) else tuple(item) for item in raw_order)
    seen: set[str] = set()
    for rank in order:
        for level in rank:
            if level in seen:
                raise _invalid(path, f"the level {level!r} appears twice in levelOrder")
            seen.add(level)
    min_level = node.get("minLevel")
    if min_level is not None and min_level not in seen:
        where = "its levelOrder" if "levelOrder" in node else "the rule's levelOrder"
        if not order:
            raise _invalid(path, "minLevel needs a levelOrder (on the requirement or the rule)")
        raise _invalid(path, f"minLevel {min_level!r} is not one of the levels in {where}")
    statuses = node.get("acceptedStatuses", defaults["acceptedStatuses"])
    max_age = node.get("maxAgeDays", defaults["maxAgeDays"])
    alignment: Mapping[str, str] | None = node.get("alignment")
    label = node.get("name") or node.get("achievement")
    if label is None and alignment is not None:
        label = f"{alignment['targetCode']} ({alignment['targetFramework']})"
    return AchievementRequirement(
        key=key,
        name=str(label),
        achievement_id=node.get("achievement"),
        alignment=(alignment["targetFramework"], alignment["targetCode"]) if alignment else None,
        min_level=min_level,
        level_order=order,
        accepted_statuses=frozenset(statuses) if statuses else DEFAULT_ACCEPTED_STATUSES,
        max_age=timedelta(days=max_age) if max_age is not None else None,
    )
