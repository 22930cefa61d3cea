"""mcbadge.report and the Summary fields it shows: levels by name, evidence, alignments,
teacher; HTML escaping of hostile text; CSV cells that no spreadsheet evaluates."""

from __future__ import annotations

import copy
import csv
import io
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from mcbadge.licensure import TrustDecision
from mcbadge.report import (
    SELF_ASSERTED,
    ReportItem,
    Tally,
    render_batch_html,
    render_bundle_html,
    render_credential_html,
    render_csv,
    safe_cell,
    trust_text,
)
from mcbadge.verify import (
    BundleResult,
    Check,
    NestedResult,
    Summary,
    VerificationPolicy,
    VerificationResult,
    _facts,
    verify,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "examples" / "ob3"
COMPLETE = REFERENCE / "spec-rendered" / "07-complete-openbadgecredential" / "signed-di.json"
OFFLINE = VerificationPolicy(offline=True, trust_embedded_keys=True)


def _complete() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(COMPLETE.read_text())
    return loaded


def test_summary_of_the_spec_complete_example_names_level_status_evidence_alignments() -> None:
    summary = verify(COMPLETE, OFFLINE).summary
    assert summary.achievement_id == "https://1edtech.edu/achievements/degree"
    assert summary.achievement_type == "Degree"
    # the result points at the letter-grade description; its level is in the rubric one
    assert summary.achieved_levels == ("Mastery",)
    assert summary.result_statuses == ("Completed",)
    assert summary.evidence[0] == (
        "https://1edtech.edu/credentials/3732/evidence/1",
        "Final Project Report",
        "# Final Project Report \n This project was ...",
    )
    assert summary.evidence[1] == (
        "https://github.com/somebody/project",
        "Final Project Code",
        None,
    )
    assert summary.alignments[0] == (
        "1EdTech University Program and Course Catalog",
        "degree",
        "1EdTech University Degree",
        "https://1edtech.edu/catalog/degree",
    )
    assert summary.teacher is None
    assert summary.teacher_matched is None


def test_summary_survives_pickling_and_to_dict_is_json() -> None:
    result = verify(COMPLETE, OFFLINE)
    assert pickle.loads(pickle.dumps(result)) == result
    data = json.loads(result.to_json())["summary"]
    assert data["achieved_levels"] == ["Mastery"]
    assert data["evidence"][1] == {
        "id": "https://github.com/somebody/project",
        "name": "Final Project Code",
        "narrative": None,
    }
    assert data["alignments"][0]["code"] == "degree"


def test_teacher_is_the_expected_recipient_with_the_recipient_checks_outcome() -> None:
    document = _complete()
    wrong = verify(document, VerificationPolicy(offline=True, expected_recipient="t@s.example"))
    assert wrong.summary.teacher == "t@s.example"
    assert wrong.summary.teacher_matched is False
    assert _facts.teacher_matched(Check("recipient", "passed", "recipient.ok", "ok")) is True
    undecided = Check("recipient", "failed", "recipient.x", "x", indeterminate=True)
    assert _facts.teacher_matched(undecided) is None


def test_a_level_the_achievement_does_not_describe_is_shown_by_id_and_said_so() -> None:
    subject = {"result": [{"achievedLevel": "urn:x:nowhere", "status": "InProgress"}, "junk"]}
    levels, statuses = _facts.results(subject, {"resultDescription": "not a list of objects"})
    assert levels == ("urn:x:nowhere (a level the achievement does not describe)",)
    assert statuses == ("InProgress",)


def test_summary_facts_are_bounded_on_hostile_input() -> None:
    document = _complete()
    document["evidence"] = [{"narrative": "x" * 100_000}] + [{"name": "e"}] * 500
    summary = verify(document, OFFLINE).summary
    assert len(summary.evidence) == _facts.MAX_ITEMS
    narrative = summary.evidence[0][2]
    assert narrative is not None
    assert len(narrative) < _facts.MAX_TEXT + 20
    assert narrative.endswith("[...cut]")


def _hostile() -> VerificationResult:
    document = _complete()
    achievement = document["credentialSubject"]["achievement"]
    achievement["name"] = "<script>alert('name')</script>"
    document["issuer"]["name"] = '"><img src=x onerror=alert(1)>'
    document["evidence"][0]["id"] = "javascript:alert(1)"
    document["evidence"][0]["narrative"] = "</div><script>alert('narrative')</script>"
    return verify(document, OFFLINE)  # the proof no longer matches: NOT VERIFIED


def test_html_shows_hostile_text_as_text_and_never_links_a_script_url() -> None:
    result = _hostile()
    assert not result.verified
    html = render_credential_html(result, name="<b>file</b>.json")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;file&lt;/b&gt;.json" in html
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in html  # shown, as text
    assert "NOT VERIFIED" in html
    for check in result.checks:
        if check.status == "failed":
            assert check.message.replace("'", "&#39;") in html


def test_html_is_self_contained_and_says_the_verdict_first() -> None:
    html = render_credential_html(verify(COMPLETE, OFFLINE))
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>Verification report</title>" in html
    assert "default-src 'none'" in html
    for remote in ("<link", "<script", "src=", "@import", "url("):
        assert remote not in html
    body = html[html.index("<main>") :]
    assert body.index("INDETERMINATE") < body.index("Failed checks") < body.index("Summary")
    assert '<th scope="row">Achieved level</th><td>Mastery</td>' in html
    assert SELF_ASSERTED in html


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (None, "self-asserted, not checked against any trust list"),
        (
            TrustDecision(True, "trust.listed", "listed", list_name="WV providers", entry="msu"),
            "yes, by WV providers entry msu",
        ),
        (
            TrustDecision(False, "trust.not_listed", "the issuer is on no loaded trust list"),
            "no: the issuer is on no loaded trust list",
        ),
    ],
)
def test_trust_decision_in_words(decision: TrustDecision | None, expected: str) -> None:
    assert trust_text(decision) == expected
    html = render_credential_html(verify(COMPLETE, OFFLINE), trust=decision)
    assert f'<th scope="row">Issuer trusted</th><td>{expected}</td>' in html


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", " =", "\uff1d"])
def test_csv_cells_that_a_spreadsheet_would_evaluate_are_quoted(lead: str) -> None:
    assert safe_cell(f'{lead}HYPERLINK("http://evil")') == f'\'{lead}HYPERLINK("http://evil")'
    assert safe_cell("Teaching = fun") == "Teaching = fun"
    assert safe_cell(None) == ""


def test_csv_of_a_hostile_credential_has_no_live_formula_and_round_trips() -> None:
    document = _complete()
    document["credentialSubject"]["achievement"]["name"] = '=HYPERLINK("http://x","a,b\nc")'
    document["issuer"]["name"] = "@SUM(A1:A9)"
    result = verify(document, OFFLINE)
    text = render_csv([ReportItem("-evil.json", result), ReportItem("n.txt", skipped="not one")])
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    assert rows[0]["achievement"] == '\'=HYPERLINK("http://x","a,b\nc")'
    assert rows[0]["issuer"] == "'@SUM(A1:A9)"
    assert rows[0]["file"] == "'-evil.json"
    assert rows[0]["verdict"] == "NOT VERIFIED"
    assert rows[0]["failed_checks"].split()[0] == "signature"
    assert rows[0]["level"] == "Mastery"
    assert rows[0]["trusted"] == "unchecked"
    assert rows[1]["verdict"] == "SKIPPED"
    assert rows[1]["note"] == "not one"
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r"


def _bundle() -> BundleResult:
    good = verify(COMPLETE, VerificationPolicy(offline=True, trust_embedded_keys=True))
    bad = _hostile()
    return BundleResult("presentation", good, (NestedResult("/verifiableCredential/0", bad),))


def test_bundle_html_and_csv_show_the_outer_record_and_every_credential_inside() -> None:
    bundle = _bundle()
    decision = TrustDecision(False, "trust.not_listed", "not on the WV list")
    html = render_bundle_html(bundle, name="vp.json", nested_trust=[decision])
    assert "a verifiable presentation" in html
    assert "Credential 1 of 1 (/verifiableCredential/0)" in html
    assert "Not verified: the outer record, /verifiableCredential/0." in html
    assert "no: not on the WV list" in html
    text = render_csv([ReportItem("vp.json", bundle, nested_trust=[decision])])
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["location"] for r in rows] == ["(outer record)", "/verifiableCredential/0"]
    assert rows[1]["trusted"] == "no"


def test_batch_html_counts_and_lists_every_file() -> None:
    good = verify(COMPLETE, OFFLINE)
    items = [
        ReportItem("a.json", good),
        ReportItem("b.json", _hostile()),
        ReportItem("notes.txt", skipped="not a credential file"),
        ReportItem("vp.json", _bundle()),
    ]
    html = render_batch_html(items)
    tally = "4 files: 0 verified, 2 not verified, 1 indeterminate, 1 skipped."
    assert f"<strong>NOT VERIFIED</strong>. {tally}" in html
    assert 'href="#f1"' in html
    assert "skipped: not a credential file" in html


def test_tally_counts_each_kind_once() -> None:
    tally = Tally()
    ok = VerificationResult((Check("input", "passed", "input.ok", "ok"),), Summary())
    undecided = VerificationResult(
        (Check("status", "failed", "status.x", "x", indeterminate=True),), Summary()
    )
    bad = VerificationResult((Check("signature", "failed", "signature.invalid", "x"),), Summary())
    for result in (ok, ok, undecided, bad, None):
        tally.add(result)
    assert tally.text() == "5 files: 2 verified, 1 not verified, 1 indeterminate, 1 skipped"


def test_summary_defaults_keep_old_positional_fields_readable() -> None:
    summary = copy.copy(Summary(issuer_id="did:example:i"))
    assert summary.to_dict()["evidence"] == []
    assert summary.to_dict()["teacher_matched"] is None
