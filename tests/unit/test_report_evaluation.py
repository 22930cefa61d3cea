"""The HTML and CSV reports on a stack rule's evaluation: rendering only, hostile text inert."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, datetime
from pathlib import Path

from mcbadge.licensure.evaluation import EvaluationResult
from mcbadge.licensure.outcome import CandidateRef, Outcome, Rejection
from mcbadge.licensure.rules import load_rule
from mcbadge.report import (
    EVALUATION_COLUMNS,
    render_evaluation_csv,
    render_evaluation_html,
)

RULE = Path(__file__).resolve().parents[2] / "examples" / "rules" / "k5-cs-micro-endorsement.json"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _ref(index: int, **fields: object) -> CandidateRef:
    base: dict[str, object] = {
        "index": index,
        "source": f"teacher/k5-{index}.json",
        "credential_id": f"urn:uuid:0000000{index}",
        "digest": "sha256:" + "ab" * 32,
        "issuer_id": "did:web:provider.test",
        "issuer_name": "Mountain State PD",
        "achievement_id": f"https://pd.example/a{index}",
        "achievement_name": f"Achievement {index}",
        "level_id": f"https://pd.example/a{index}#proficient",
        "level_name": "Proficient",
        "level_rank": 1,
        "awarded": "2026-01-05",
        "trust_list": "Approved providers",
        "trust_entry": "provider-1",
    }
    base.update(fields)
    return CandidateRef(**base)  # type: ignore[arg-type]


def _leaf(name: str, ref: CandidateRef, *, met: bool | None, why: str = "") -> Outcome:
    if met:
        return Outcome(name, name, "achievement", True, "rule.met", "met", satisfied_by=(ref,))
    code = "rule.level_too_low" if met is False else "rule.trust_undecided"
    return Outcome(
        name,
        name,
        "achievement",
        met,
        code,
        why,
        rejections=(Rejection(ref, code, why, undecided=met is None),),
    )


def _evaluation(*leaves: Outcome, met: bool | None, name: str | None = None) -> EvaluationResult:
    rule = load_rule(RULE)
    if name is not None:
        rule = dataclasses.replace(rule, name=name)
    code = {True: "rule.met", False: "rule.not_met", None: "rule.undecided"}[met]
    reason = {True: "all 2 are met", False: "1 of 2 is not met", None: "1 undecided"}[met]
    top = Outcome("rule", "All of", "all_of", met, code, reason, children=leaves)
    refs = tuple(
        ref
        for leaf in leaves
        for ref in (*leaf.satisfied_by, *(r.candidate for r in leaf.rejections))
    )
    return EvaluationResult(
        rule=rule,
        outcome=top,
        credentials=refs,
        verified=tuple(True for _ in refs),
        evaluated_at=NOW,
        recipient="priya.raman@randolph.k12.example.us",
    )


def test_a_met_evaluation_names_the_credential_behind_every_requirement() -> None:
    evaluation = _evaluation(
        _leaf("Digital citizenship", _ref(1), met=True),
        _leaf("Data analysis", _ref(2), met=True),
        met=True,
    )
    page = render_evaluation_html(evaluation, now=NOW)
    assert '<p class="verdict ok"><strong>MET</strong>. all 2 are met' in page
    assert page.index("<strong>MET</strong>") < page.index("Requirements")
    rule = evaluation.rule
    for text in (rule.name, rule.id, rule.digest, "priya.raman@randolph.k12.example.us"):
        assert text in page
    for text in ("teacher/k5-1.json", "teacher/k5-2.json", "Proficient", "Mountain State PD"):
        assert text in page
    assert "yes, by Approved providers entry provider-1" in page
    assert "<script" not in page
    assert "http://" not in page.split("</head>")[1]
    rows = list(csv.reader(io.StringIO(render_evaluation_csv(evaluation))))
    assert tuple(rows[0]) == EVALUATION_COLUMNS
    assert rows[1] == [
        "Digital citizenship",
        "yes",
        "rule.met",
        "met",
        "teacher/k5-1.json (urn:uuid:00000001)",
        "Mountain State PD (did:web:provider.test)",
        "Proficient",
    ]
    assert len(rows) == 3  # the header and one row per leaf, not the all-of above them


def test_a_not_met_evaluation_says_why_and_escapes_hostile_text() -> None:
    hostile = _ref(2, source=HOSTILE, issuer_name=FORMULA, level_name="@SUM(1+1)")
    evaluation = _evaluation(
        _leaf("Digital citizenship", _ref(1), met=True),
        _leaf(HOSTILE, hostile, met=False, why=f"the level is below {HOSTILE}"),
        _leaf("Lesson integration", _ref(3), met=None, why="the trust list could not tell"),
        met=False,
        name=HOSTILE,
    )
    page = render_evaluation_html(evaluation, now=NOW)
    assert '<p class="verdict fail"><strong>NOT MET</strong>. 1 of 2 is not met' in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "the level is below &lt;script&gt;" in page
    assert "(<code>rule.level_too_low</code>)" in page
    assert "[UNDECIDED]</strong> <strong>Lesson integration</strong>: the trust list" in page
    assert "(could not be decided): the trust list could not tell" in page
    assert f"Stack rule evaluation: {HOSTILE}" not in page
    rows = list(csv.reader(io.StringIO(render_evaluation_csv(evaluation))))
    assert [row[:3] for row in rows[1:]] == [
        ["Digital citizenship", "yes", "rule.met"],
        [HOSTILE, "no", "rule.level_too_low"],
        ["Lesson integration", "undecided", "rule.trust_undecided"],
    ]
    assert rows[2][5] == "'" + FORMULA + " (did:web:provider.test)"
    assert rows[2][6] == "'@SUM(1+1)"
    assert all(
        not cell.lstrip(" ").startswith(("=", "+", "-", "@")) for row in rows for cell in row
    )


def test_an_undecided_evaluation_is_never_shown_as_met() -> None:
    evaluation = _evaluation(_leaf("Data analysis", _ref(1), met=None, why="unknown"), met=None)
    page = render_evaluation_html(evaluation, now=NOW)
    assert '<p class="verdict undecided"><strong>UNDECIDED</strong>. 1 undecided' in page
    assert "<strong>MET</strong>" not in page
