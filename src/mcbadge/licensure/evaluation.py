"""Running a stack rule over credentials: :func:`evaluate` over already-verified
``(credential, VerificationResult)`` pairs (so presentations and CLRs plug in as they are
verified), and :func:`evaluate_documents` over files, folders or documents, each fully verified
with :func:`mcbadge.verify` first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcbadge.licensure._judge import achievement_of, award_date, level_of, subject_of
from mcbadge.licensure.decision import IssuerTrust, TrustDecision
from mcbadge.licensure.outcome import CandidateRef, Outcome
from mcbadge.licensure.rules import AchievementRequirement, StackRule
from mcbadge.verify import BundleResult, VerificationPolicy, VerificationResult

if TYPE_CHECKING:
    from mcbadge.licensure.trust import TrustLists

__all__ = [
    "Candidate",
    "EvaluationContext",
    "EvaluationResult",
    "candidates_from_bundle",
    "collect_files",
    "evaluate",
    "evaluate_documents",
    "trust_for_rule",
    "verify_documents",
]

logger = logging.getLogger(__name__)

#: What :func:`verify_documents` and :func:`evaluate_documents` take: a path (a file, or a
#: folder searched recursively), bytes, a ``(name, bytes)`` pair, or a parsed mapping.
Document = os.PathLike[str] | bytes | tuple[str, bytes] | Mapping[str, Any]

#: What a folder is searched for (recursively); anything else in it is left out and listed.
CREDENTIAL_SUFFIXES = (".json", ".jsonld", ".jwt", ".png", ".svg")
_MAX_FILES = 10_000


@dataclass(frozen=True)
class Candidate:
    """One credential offered toward a rule: the parsed credential (a VC-JWT's credential
    claims), its full verification result, where it came from, and ``sha256:<hex>`` of the
    bytes it was read from (what a micro-endorsement's evidence records)."""

    credential: Mapping[str, Any]
    result: VerificationResult
    source: str = ""
    digest: str | None = None


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class EvaluationContext:
    """What every requirement sees: the candidates, the instant, whose they must be, and
    the trust lists the rule names (by name or id, looked up in ``trust``)."""

    candidates: tuple[Candidate, ...]
    now: datetime
    trust_lists: tuple[str, ...] = ()
    trust: Mapping[str, IssuerTrust] = field(default_factory=dict)
    recipient: str | None = None
    same_teacher: bool = True
    _trust_cache: dict[int, TrustDecision | None] = field(default_factory=dict, repr=False)
    _teacher: tuple[str | None, str] | None = field(default=None, repr=False)

    def index_of(self, candidate: Candidate) -> int:
        for index, known in enumerate(self.candidates):
            if known is candidate:
                return index
        return -1

    # -- trust ------------------------------------------------------------------------------
    def trust_decision(self, candidate: Candidate) -> TrustDecision | None:
        """The rule's trust lists on this credential's issuer (``None``: the rule names none).

        Lists are asked in the rule's order; the first that trusts decides. Otherwise a list
        that could not tell (or was not loaded) makes it undecided, and only when every list
        said no is the issuer untrusted.
        """
        if not self.trust_lists:
            return None
        key = id(candidate)
        if key not in self._trust_cache:
            self._trust_cache[key] = self._decide(candidate)
        return self._trust_cache[key]

    def _decide(self, candidate: Candidate) -> TrustDecision:
        decisions: list[TrustDecision] = []
        for name in self.trust_lists:
            trust_list = self.trust.get(name)
            if trust_list is None:
                decisions.append(
                    TrustDecision(
                        None,
                        "trust.list_not_loaded",
                        f"the trust list {name!r} that the rule names was not loaded",
                        list_name=name,
                    )
                )
                continue
            try:
                decision = trust_list.decide(candidate.credential, candidate.result)
            except Exception as exc:  # fail closed: a crashing list decides nothing
                logger.debug("trust list %r crashed", name, exc_info=exc)
                decision = TrustDecision(
                    None,
                    "trust.internal_error",
                    f"the trust list {name!r} could not decide ({type(exc).__name__})",
                    list_name=name,
                )
            if decision.trusted is True:
                return decision
            decisions.append(decision)
        undecided = [d for d in decisions if d.trusted is not False]
        return undecided[0] if undecided else decisions[0]

    # -- the teacher ------------------------------------------------------------------------
    def teacher_verdict(self, candidate: Candidate) -> tuple[bool | None, str]:
        """Whether the credential is the teacher's: True, False, or None (cannot tell)."""
        if not self.same_teacher:
            return True, "the rule does not require one teacher"
        subject = subject_of(candidate.credential)
        if self.recipient is not None:
            from mcbadge.verify.checks_local import recipient_match

            wanted = {self.recipient, self.recipient.strip().lower()}
            for expected in sorted(wanted):
                how = recipient_match(subject, expected)
                if how is not None:
                    return True, how
            return False, f"it was issued to someone other than {self.recipient}"
        teacher, why = self._established_teacher()
        if teacher is None:
            return None, why
        return (True, why) if subject.get("id") == teacher else (False, why)

    def _established_teacher(self) -> tuple[str | None, str]:
        """Without a recipient: the one subject id every verified credential names."""
        if self._teacher is None:
            verified = [c for c in self.candidates if c.result.verified]
            # a non-text id (hostile: an object, a list) is no id at all, and must not be hashed
            ids = {_text(subject_of(c.credential).get("id")) for c in verified}
            if len(verified) <= 1 and all(isinstance(i, str) for i in ids):
                first = next(iter(ids), None)
                found = first if isinstance(first, str) else None
                self._teacher = (found, "the only credential handed in")
            elif len(ids) == 1 and isinstance(next(iter(ids)), str):
                self._teacher = (str(next(iter(ids))), "every credential names the same subject")
            elif len(ids) > 1 and all(isinstance(i, str) for i in ids):
                self._teacher = (
                    None,
                    f"the credentials name {len(ids)} different people; give the teacher's "
                    "e-mail address or id as the recipient",
                )
            else:
                self._teacher = (
                    None,
                    "the credentials name their holder by a hashed e-mail address only; give "
                    "the teacher's e-mail address as the recipient to check they are all theirs",
                )
        return self._teacher

    # -- naming a candidate -----------------------------------------------------------------
    def ref(self, candidate: Candidate, requirement: AchievementRequirement | None) -> CandidateRef:
        credential = candidate.credential
        issuer = credential.get("issuer")
        achievement = achievement_of(credential) or {}
        level_id: str | None = None
        rank = -1
        if requirement is not None:
            level = level_of(requirement, credential)
            if isinstance(level[0], int) and level[0] >= 0:
                rank, level_id = level[0], str(level[1])
        from mcbadge.licensure._judge import level_name

        trust = self.trust_decision(candidate) if candidate.result.verified else None
        return CandidateRef(
            index=self.index_of(candidate),
            source=candidate.source,
            credential_id=_text(credential.get("id")),
            digest=candidate.digest,
            issuer_id=_text(issuer.get("id") if isinstance(issuer, Mapping) else issuer),
            issuer_name=_text(issuer.get("name")) if isinstance(issuer, Mapping) else None,
            achievement_id=_text(achievement.get("id")),
            achievement_name=_text(achievement.get("name")),
            level_id=level_id,
            level_name=level_name(credential, level_id) if level_id else None,
            level_rank=rank,
            awarded=award_date(credential)[0],
            trust_list=trust.list_name if trust is not None and trust.trusted else None,
            trust_entry=trust.entry if trust is not None and trust.trusted else None,
        )


@dataclass(frozen=True)
class EvaluationResult:
    """The decision on a rule: ``met`` only when the whole rule is met; ``decided`` False
    when it could not be told (``met`` is then False too: undecided is never yes)."""

    rule: StackRule
    outcome: Outcome
    credentials: tuple[CandidateRef, ...]
    verified: tuple[bool, ...]
    evaluated_at: datetime
    recipient: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def met(self) -> bool:
        return self.outcome.met is True

    @property
    def decided(self) -> bool:
        return self.outcome.met is not None

    @property
    def verdict(self) -> str:
        return "met" if self.met else ("not met" if self.decided else "undecided")

    @property
    def exit_code(self) -> int:
        """0 met, 1 not met, 2 undecided (the CLI's exit status)."""
        return 0 if self.met else (1 if self.decided else 2)

    def constituents(self) -> list[CandidateRef]:
        """The credentials that met a requirement (each once, in input order)."""
        used: dict[int, CandidateRef] = {}
        for outcome in self.outcome.walk():
            if outcome.met is True:
                for ref in outcome.satisfied_by:
                    used.setdefault(ref.index, ref)
        return [used[index] for index in sorted(used)]

    def to_dict(self) -> dict[str, Any]:
        used = {ref.index for ref in self.constituents()}
        return {
            "type": "McbadgeStackRuleEvaluation",
            "rule": {
                "id": self.rule.id,
                "name": self.rule.name,
                "digest": self.rule.digest,
                "trust_lists": list(self.rule.trust_lists),
                "same_teacher": self.rule.same_teacher,
            },
            "met": self.met,
            "decided": self.decided,
            "verdict": self.verdict,
            "code": self.outcome.code,
            "reason": self.outcome.reason,
            "recipient": self.recipient,
            "evaluated_at": self.evaluated_at.astimezone(UTC)
            .replace(microsecond=0)
            .isoformat()
            .replace("+00:00", "Z"),
            "requirements": self.outcome.to_dict(),
            "credentials": [
                {**ref.to_dict(), "verified": verified, "used": ref.index in used}
                for ref, verified in zip(self.credentials, self.verified, strict=True)
            ],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    def render_text(self) -> str:
        from mcbadge.licensure.render import render_text

        return render_text(self)


def trust_for_rule(rule: StackRule, lists: TrustLists | None) -> dict[str, IssuerTrust]:
    """What :func:`evaluate` takes as ``trust``: the loaded ``lists`` for each trust list the
    rule names, matched by the list's id or name. A name no loaded list matches stays
    unloaded, so the rule is undecided for it, never met."""
    if lists is None:
        return {}
    names = {item.trust_list.id for item in lists.lists} | {
        item.trust_list.name for item in lists.lists
    }
    return {name: lists for name in rule.trust_lists if name in names}


def evaluate(
    rule: StackRule,
    candidates: Iterable[Candidate | tuple[Mapping[str, Any], VerificationResult]],
    *,
    trust: Mapping[str, IssuerTrust] | None = None,
    recipient: str | None = None,
    now: datetime | None = None,
) -> EvaluationResult:
    """Decide ``rule`` over already-verified credentials.

    ``trust`` maps the names or ids the rule's ``trustList`` uses to :class:`IssuerTrust`
    objects; ``recipient`` (an e-mail address or subject id) is the teacher every credential
    must belong to when the rule says ``sameTeacher``; ``now`` is the instant ages are
    measured at (timezone-aware; default the current time).
    """
    if now is not None and now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    items = tuple(
        item if isinstance(item, Candidate) else Candidate(item[0], item[1], f"credential {n}")
        for n, item in enumerate(candidates, start=1)
    )
    context = EvaluationContext(
        candidates=items,
        now=now if now is not None else datetime.now(UTC),
        trust_lists=rule.trust_lists,
        trust=dict(trust or {}),
        recipient=recipient,
        same_teacher=rule.same_teacher,
    )
    try:
        outcome = rule.requirements.evaluate(context)
    except Exception as exc:  # fail closed: a crash while deciding is never "met"
        logger.debug("evaluating %s crashed", rule.id, exc_info=exc)
        outcome = Outcome(
            requirement="rule",
            name=rule.name,
            kind="internal_error",
            met=False,
            code="rule.internal_error",
            reason=f"the rule could not be evaluated: mcbadge hit an internal error "
            f"({type(exc).__name__}); this is a bug, please report it",
        )
    notes: list[str] = []
    if not rule.trust_lists:
        notes.append(
            "The rule names no trust list: issuers' names are self-asserted and were not checked."
        )
    for name in rule.trust_lists:
        if name not in context.trust:
            notes.append(f"The trust list {name!r} that the rule names was not loaded.")
    if any(o.code == "rule.unsafe_no_rule" for o in outcome.walk()):
        notes.append("UNSAFE: the rule requires nothing; this result decides nothing.")
    return EvaluationResult(
        rule=rule,
        outcome=outcome,
        credentials=tuple(context.ref(c, None) for c in items),
        verified=tuple(c.result.verified for c in items),
        evaluated_at=context.now,
        recipient=recipient,
        notes=tuple(notes),
    )


# -- from files and documents -------------------------------------------------------------------
def collect_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Path]]:
    """(credential files, files left out) from files and folders (searched recursively,
    in name order; a folder's files without a credential suffix are left out)."""
    found: list[Path] = []
    skipped: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                (found if child.suffix.lower() in CREDENTIAL_SUFFIXES else skipped).append(child)
        else:
            found.append(path)
        if len(found) > _MAX_FILES:
            raise ValueError(f"more than {_MAX_FILES} files to evaluate")
    return found, skipped


def _read(path: Path) -> bytes:
    data: bytes
    from mcbadge.verify._input import MAX_BYTES

    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    return data


def verify_documents(
    documents: Iterable[Document],
    policy: VerificationPolicy | None = None,
    *,
    recipient: str | None = None,
) -> list[Candidate]:
    """Verify each document fully and return it as a :class:`Candidate`.

    Paths (files, or folders searched recursively) are read as bytes; mappings are taken as
    their compact JSON; a ``(name, bytes)`` pair is bytes named as the report shows them (an
    uploaded file's name), where plain bytes are "document N". The policy's
    ``expected_recipient`` is not used here: whose credential it is, is the rule's question,
    answered per requirement.

    A presentation or a CLR record gives one candidate per credential inside (see
    :func:`candidates_from_bundle`); for a presentation's holder binding, ``recipient`` (the
    teacher) is the recipient the office knows, and the policy's challenge and domain apply.
    """
    bundle_policy = dataclasses.replace(
        policy if policy is not None else VerificationPolicy(), expected_recipient=recipient
    )
    from mcbadge.errors import MCBadgeError
    from mcbadge.verify._input import parse_input
    from mcbadge.verify.detect import verify_any

    policy = dataclasses.replace(
        policy if policy is not None else VerificationPolicy(), expected_recipient=None
    )
    sources: list[tuple[str, bytes | None, str | None]] = []
    for document in documents:
        if isinstance(document, Mapping):
            raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
            sources.append((f"document {len(sources) + 1}", raw, None))
        elif isinstance(document, bytes):
            sources.append((f"document {len(sources) + 1}", document, None))
        elif (
            isinstance(document, tuple)
            and len(document) == 2
            and isinstance(document[0], str)
            and isinstance(document[1], bytes)
        ):
            sources.append((document[0] or f"document {len(sources) + 1}", document[1], None))
        elif isinstance(document, os.PathLike):
            files, _ = collect_files([document])
            for path in files:
                try:
                    sources.append((str(path), _read(path), None))
                except OSError as exc:
                    sources.append((str(path), None, f"cannot read {path}: {exc.strerror}"))
        else:
            raise TypeError(
                "documents are paths (pathlib.Path, files or folders), bytes, (name, bytes) "
                "pairs or mappings; a str is never opened as a file"
            )
    candidates: list[Candidate] = []
    for source, data, problem in sources:
        if data is None:
            candidates.append(Candidate({}, _unreadable(problem or "unreadable"), source))
            continue
        result = verify_any(data, policy, bundle_policy=bundle_policy)
        try:
            credential: Mapping[str, Any] = parse_input(data).credential
        except MCBadgeError:
            credential = {}
        if isinstance(result, BundleResult):
            # a presentation or CLR: each credential inside is a candidate, judged with the
            # bundle (a failing holder proof or record proof makes none of them count)
            candidates.extend(candidates_from_bundle(credential, result, source))
            continue
        candidates.append(Candidate(credential, result, source, digest_of(data)))
    return candidates


def _bundle_failed(bundle: BundleResult) -> VerificationResult:
    """A credential's result (every check id once) saying its bundle's own checks failed."""
    from mcbadge.verify.result import CHECK_IDS, Check

    what = "presentation" if bundle.kind == "presentation" else "learner record (CLR)"
    failed = ", ".join(
        f"{check.id} ({check.code})" for check in bundle.outer.checks if check.status == "failed"
    )
    checks = [
        Check(
            "input",
            "failed",
            "input.bundle_not_verified",
            f"the {what} holding this credential does not verify: {failed}",
            indeterminate=bundle.outer.indeterminate,
        )
    ]
    checks += [
        Check(cid, "skipped", f"{cid}.not_reached", f"not reached: the {what} does not verify")
        for cid in CHECK_IDS[1:]
    ]
    return VerificationResult(tuple(checks))


def _unreadable(problem: str) -> VerificationResult:
    from mcbadge.verify.result import CHECK_IDS, Check

    checks = [Check("input", "failed", "input.unreadable", problem)]
    checks += [
        Check(cid, "skipped", f"{cid}.not_reached", "not reached: the file could not be read")
        for cid in CHECK_IDS[1:]
    ]
    return VerificationResult(tuple(checks))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 JSON Pointer (``None`` when it leads nowhere)."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        return None
    value = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, Mapping):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
    return value


def candidates_from_bundle(
    bundle: Mapping[str, Any], result: BundleResult, source: str = "bundle"
) -> list[Candidate]:
    """The credentials of a verified presentation or CLR, as candidates for a rule.

    Each nested credential is found at its result's ``location`` in ``bundle`` (the parsed
    presentation or CLR). When the bundle's own checks did not pass (a holder's proof that
    fails, a CLR signed by someone else), no credential in it counts on its own: each
    candidate then carries the outer result, so every requirement reports that failure.
    """
    from mcbadge.errors import MCBadgeError
    from mcbadge.verify._input import parse_input

    candidates = []
    for item in result.nested:
        value = _resolve_pointer(bundle, item.location)
        credential: Mapping[str, Any] = {}
        raw = b""
        if isinstance(value, Mapping):
            credential = value
            raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
            if "type" in value and not ({"VerifiableCredential"} & set(_as_list(value["type"]))):
                try:  # an EnvelopedVerifiableCredential: the credential is its token's payload
                    credential = parse_input(value).credential
                except MCBadgeError:
                    credential = {}
        elif isinstance(value, str):
            raw = value.encode("utf-8")
            try:
                credential = parse_input(value).credential
            except MCBadgeError:
                credential = {}
        verdict = item.result if result.outer.verified else _bundle_failed(result)
        candidates.append(
            Candidate(credential, verdict, f"{source}#{item.location}", digest_of(raw))
        )
    return candidates


def evaluate_documents(
    rule: StackRule,
    documents: Iterable[Document],
    *,
    policy: VerificationPolicy | None = None,
    trust: Mapping[str, IssuerTrust] | None = None,
    recipient: str | None = None,
) -> EvaluationResult:
    """Verify every document (offline and other options from ``policy``), then evaluate."""
    policy = policy if policy is not None else VerificationPolicy()
    documents = list(documents)
    folders = [d for d in documents if isinstance(d, os.PathLike) and Path(d).is_dir()]
    left_out = collect_files(folders)[1] if folders else []
    candidates = verify_documents(documents, policy, recipient=recipient)
    result = evaluate(rule, candidates, trust=trust, recipient=recipient, now=policy.now)
    if not left_out:
        return result
    names = ", ".join(str(path) for path in left_out[:10])
    more = f" and {len(left_out) - 10} more" if len(left_out) > 10 else ""
    note = f"Left out, not credential files ({', '.join(CREDENTIAL_SUFFIXES)}): {names}{more}."
    return dataclasses.replace(result, notes=(*result.notes, note))
