"""Hostile stack rules, hostile credentials and hostile trust lists: every one gets a specific
code and a clear sentence, never a traceback and never a "met"."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from _licensure_kit import (
    BASE,
    K5,
    K5_RULE,
    TEACHER,
    TRUST_LIST_ID,
    FixedIssuers,
    Provider,
    StatusHost,
)
from mcbadge.cli.app import main
from mcbadge.errors import RuleError
from mcbadge.licensure import evaluate, load_rule
from mcbadge.licensure.decision import TrustDecision
from mcbadge.verify import CHECK_IDS, Check, VerificationResult


def _k5() -> dict[str, Any]:
    return json.loads(K5_RULE.read_text())


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        holder: Any = document
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        holder: Any = document
        for part in path[:-1]:
            holder = holder[part]
        del holder[path[-1]]

    return change


def _nest(depth: int) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node = document["requirements"]["allOf"][0]
        for level in range(depth):
            node = {"id": f"g{level}", "allOf": [node]}
        document["requirements"] = node

    return change


FIRST = ("requirements", "allOf", 0)

MALFORMED = [
    (
        "no requirements",
        _drop(("requirements",)),
        "rule.schema",
        "at the rule: 'requirements' is a required property",
    ),
    (
        "wrong type",
        _set(("type",), "StackRule"),
        "rule.schema",
        "at type: 'McbadgeStackRule' was expected",
    ),
    (
        "future format version",
        _set(("version",), "2"),
        "rule.schema",
        "at version: '1' was expected",
    ),
    (
        "unknown top-level term",
        _set(("requirement",), {}),
        "rule.schema",
        "Additional properties are not allowed ('requirement' was unexpected)",
    ),
    (
        "relative rule id",
        _set(("id",), "k5-rule"),
        "rule.schema",
        "at id: 'k5-rule' does not match",
    ),
    (
        "misspelled minLevel",
        _set((*FIRST, "minlevel"), "x"),
        "rule.schema",
        "at requirements.allOf[0]: Additional properties are not allowed "
        "('minlevel' was unexpected)",
    ),
    (
        "empty allOf",
        _set(("requirements", "allOf"), []),
        "rule.schema",
        "at requirements.allOf: [] should be non-empty",
    ),
    (
        "achievement and alignment",
        _set((*FIRST, "alignment"), {"targetFramework": "CSTA", "targetCode": "1A-AP-10"}),
        "rule.schema",
        "at requirements",
    ),
    (
        "negative age",
        _set(("maxAgeDays",), -1),
        "rule.schema",
        "at maxAgeDays: -1 is less than the minimum of 1",
    ),
    (
        "unknown result status",
        _set(("acceptedStatuses",), ["Done"]),
        "rule.schema",
        "at acceptedStatuses[0]: 'Done' is not one of",
    ),
    (
        "atLeast without of",
        _set(("requirements",), {"atLeast": 1}),
        "rule.schema",
        "'of' is a dependency of 'atLeast'",
    ),
    (
        "minLevel outside the order",
        _set((*FIRST, "minLevel"), f"{BASE}k5-x#proficient"),
        "rule.invalid",
        "at requirements.allOf[0]: minLevel 'https://pd.mountainstate.example.edu/"
        "cs-pd/achievements/k5-x#proficient' is not one of the levels in the rule's levelOrder",
    ),
    (
        "minLevel without any order",
        _drop(("levelOrder",)),
        "rule.invalid",
        "minLevel needs a levelOrder (on the requirement or the rule)",
    ),
    (
        "a level ranked twice",
        _set(("levelOrder",), [[f"{BASE}a#1"], [f"{BASE}a#1"]]),
        "rule.invalid",
        "the level 'https://pd.mountainstate.example.edu/cs-pd/achievements/a#1' "
        "appears twice in levelOrder",
    ),
    (
        "duplicate requirement id",
        _set(("requirements", "allOf", 1, "id"), "digital-citizenship"),
        "rule.invalid",
        "the requirement id 'digital-citizenship' is used twice",
    ),
    (
        "atLeast more than there are",
        _set(("requirements",), {"atLeast": 6, "of": _k5()["requirements"]["allOf"]}),
        "rule.invalid",
        "atLeast 6 of 5 requirements can never be met",
    ),
    (
        "minLevel on a group",
        _set(("requirements", "minLevel"), f"{BASE}k5-data-analysis#proficient"),
        "rule.invalid",
        "'minLevel' belongs on an achievement requirement, not on a group",
    ),
    ("nested too deep", _nest(14), "rule.invalid", "requirements are nested more than 12 deep"),
]


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_rule_files_get_a_code_and_a_clear_message(
    change: Callable[[dict[str, Any]], None], code: str, message: str
) -> None:
    document = _k5()
    change(document)
    with pytest.raises(RuleError) as refused:
        load_rule(json.dumps(document).encode())
    assert refused.value.code == code
    assert message in refused.value.message
    prefix = "does not follow the stack rule format" if code == "rule.schema" else "inconsistent"
    assert prefix in refused.value.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the rule file is not readable JSON"),
        (b"{'type': 1}", "the rule file is not readable JSON"),
        (b'{"id": "urn:a", "id": "urn:b"}', "has the member 'id' more than once"),
        (b"[]", "at the rule: [] is not of type 'object'"),
        (b" " * 1_000_001, "larger than 1 MB"),
    ],
)
def test_unreadable_rule_files(data: bytes, message: str) -> None:
    with pytest.raises(RuleError) as refused:
        load_rule(data)
    assert message in refused.value.message
    assert refused.value.code in ("rule.unreadable", "rule.schema")


def test_a_missing_rule_file(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as refused:
        load_rule(tmp_path / "nope.json")
    assert refused.value.code == "rule.unreadable"
    assert "cannot read the rule file" in refused.value.message


# -- hostile credentials ------------------------------------------------------------------------
def _verified() -> VerificationResult:
    return VerificationResult(tuple(Check(cid, "passed", f"{cid}.ok", "ok") for cid in CHECK_IDS))


def _good() -> dict[str, Any]:
    achievement = json.loads((K5_RULE.parents[1] / "catalog" / "k5-data-analysis.json").read_text())
    return {
        "id": "urn:uuid:00000000-0000-4000-8000-000000000002",
        "issuer": {"id": "did:example:provider"},
        "validFrom": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": "did:example:teacher",
            "achievement": achievement,
            "result": [{"achievedLevel": f"{BASE}k5-data-analysis#proficient"}],
        },
    }


def _one_requirement_rule() -> Any:
    document = _k5()
    document["requirements"] = document["requirements"]["allOf"][3]
    return load_rule(document)


HOSTILE: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("subject is a string", lambda c: c.update(credentialSubject="did:example:x")),
    ("subject is an empty list", lambda c: c.update(credentialSubject=[])),
    ("achievement is a list", lambda c: c["credentialSubject"].update(achievement=[1])),
    ("result is a number", lambda c: c["credentialSubject"].update(result=7)),
    ("result entries are junk", lambda c: c["credentialSubject"].update(result=[None, 1, "x"])),
    ("level is an object", lambda c: c["credentialSubject"]["result"][0].update(achievedLevel={})),
    ("status is a list", lambda c: c["credentialSubject"]["result"][0].update(status=["x"])),
    (
        "rubric levels are junk",
        lambda c: c["credentialSubject"]["achievement"]["resultDescription"][0].update(
            rubricCriterionLevel=[None, {"id": 5}]
        ),
    ),
    ("awardedDate is junk", lambda c: c.update(awardedDate="yesterday")),
    ("awardedDate is a number", lambda c: c.update(awardedDate=1e308)),
    ("issuer is a list", lambda c: c.update(issuer=["did:example:a"])),
    (
        "alignment is junk",
        lambda c: c["credentialSubject"]["achievement"].update(alignment=[None, 3, {"x": 1}]),
    ),
]


@pytest.mark.parametrize("change", [case[1] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_credential_shapes_never_crash_and_never_meet_wrongly(
    change: Callable[[dict[str, Any]], Any],
) -> None:
    credential = _good()
    change(credential)
    document = _k5()
    document["requirements"] = document["requirements"]["allOf"][3]
    del document["trustList"]
    result = evaluate(load_rule(document), [(credential, _verified())])
    data = json.loads(result.to_json())
    assert data["verdict"] in ("met", "not met", "undecided")
    if result.met:  # only a level that the rule ranks, declared by the achievement, counts
        level = credential["credentialSubject"]["result"][0]["achievedLevel"]
        assert level == f"{BASE}k5-data-analysis#proficient"
    assert result.render_text()


def test_junk_award_date_is_a_definite_failure_when_age_matters() -> None:
    credential = _good()
    credential["awardedDate"] = "yesterday"
    document = _k5()
    document["requirements"] = document["requirements"]["allOf"][3]
    del document["trustList"]
    outcome = evaluate(load_rule(document), [(credential, _verified())]).outcome
    assert (outcome.met, outcome.code) == (False, "rule.date_unreadable")


class Exploding:
    def decide(self, credential: Mapping[str, Any], result: VerificationResult) -> TrustDecision:
        raise RuntimeError("boom")


class TrustsEverything:
    def decide(self, credential: Mapping[str, Any], result: VerificationResult) -> TrustDecision:
        return TrustDecision(True, "trust.yes", "yes", "careless list")


def test_a_crashing_trust_list_decides_nothing() -> None:
    result = evaluate(
        _one_requirement_rule(), [(_good(), _verified())], trust={TRUST_LIST_ID: Exploding()}
    )
    assert (result.exit_code, result.outcome.code) == (2, "rule.trust_undecided")
    assert "could not decide (RuntimeError)" in result.outcome.reason


def test_a_trusted_issuer_does_not_rescue_a_credential_that_does_not_verify() -> None:
    checks = list(_verified().checks)
    checks[CHECK_IDS.index("signature")] = Check("signature", "failed", "signature.invalid", "bad")
    result = evaluate(
        _one_requirement_rule(),
        [(_good(), VerificationResult(tuple(checks)))],
        trust={TRUST_LIST_ID: TrustsEverything()},
    )
    assert (result.exit_code, result.outcome.code) == (1, "rule.not_verified")


def test_an_undecided_verification_is_undecided_not_met() -> None:
    checks = list(_verified().checks)
    checks[CHECK_IDS.index("status")] = Check(
        "status", "failed", "status.unreachable", "the status list could not be fetched", True
    )
    result = evaluate(
        _one_requirement_rule(),
        [(_good(), VerificationResult(tuple(checks)))],
        trust={TRUST_LIST_ID: TrustsEverything()},
    )
    assert (result.exit_code, result.outcome.code) == (2, "rule.verification_undecided")


def test_a_forged_copy_of_a_real_achievement_from_a_fresh_key_is_untrusted() -> None:
    forged = copy.deepcopy(_good())
    forged["issuer"] = {"id": "did:key:z6MkForger", "name": "Mountain State University"}
    result = evaluate(
        _one_requirement_rule(),
        [(forged, _verified())],
        trust={TRUST_LIST_ID: FixedIssuers({"did:example:provider"})},
    )
    assert (result.exit_code, result.outcome.code) == (1, "rule.untrusted_issuer")


# -- the command line ---------------------------------------------------------------------------
@pytest.fixture
def issued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Provider]]:
    import mcbadge.verify.pipeline as pipeline

    host = StatusHost()
    monkeypatch.setattr(pipeline, "make_fetcher", lambda policy: host)
    provider = Provider(tmp_path, host, "cli")
    folder = tmp_path / "teacher"
    folder.mkdir()
    for slug in K5:
        (folder / f"{slug}.json").write_bytes(provider.issue(slug))
    provider.publish(tmp_path)
    yield folder, provider
    provider.close()


def _rule_file(tmp_path: Path, trust: bool = False, **changes: Any) -> Path:
    document = _k5()
    if not trust:
        del document["trustList"]
    document.update(changes)
    path = tmp_path / "rule.json"
    path.write_text(json.dumps(document))
    return path


def test_cli_evaluate_met_not_met_and_json(
    issued: tuple[Path, Provider], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = issued
    rule = _rule_file(tmp_path)
    assert main(["evaluate", str(rule), str(folder), "--recipient", TEACHER]) == 0
    out = capsys.readouterr().out
    assert "Verdict: MET: 5 of 5 met, all needed" in out
    assert "issuers' names are self-asserted" in out
    (folder / "k5-data-analysis.json").unlink()
    code = main(["evaluate", str(rule), str(folder), "--recipient", TEACHER, "--format", "json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "not met"
    assert report["requirements"]["children"][3]["code"] == "rule.not_held"


def test_cli_evaluate_undecided_exit_2_and_out_file(
    issued: tuple[Path, Provider], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = issued
    out = tmp_path / "evaluation.json"
    code = main(
        [
            "evaluate",
            str(_rule_file(tmp_path, trust=True)),
            str(folder),
            "--recipient",
            TEACHER,
            "--format",
            "json",
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert capsys.readouterr().out == ""
    report = json.loads(out.read_text())
    assert report["verdict"] == "undecided"
    assert report["requirements"]["children"][0]["code"] == "rule.trust_undecided"


def test_cli_evaluate_html_and_csv_reports(
    issued: tuple[Path, Provider], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = issued
    (folder / "k5-data-analysis.json").unlink()
    rule = str(_rule_file(tmp_path))
    page, table = tmp_path / "report.html", tmp_path / "report.csv"
    base = ["evaluate", rule, str(folder), "--recipient", TEACHER]
    assert main([*base, "--format", "html", "--out", str(page)]) == 1
    assert main([*base, "--format", "csv", "--out", str(table)]) == 1
    assert capsys.readouterr().out == ""
    html = page.read_text()
    assert '<p class="verdict fail"><strong>NOT MET</strong>.' in html
    assert "(<code>rule.not_held</code>)" in html
    rows = table.read_text().splitlines()
    assert rows[0] == "requirement,met,code,reason,credential,issuer,level"
    assert len(rows) == 6
    assert sum(",no,rule.not_held," in row for row in rows) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trust-list", "list.json#sha256=00"], "sha256 must be 64 hexadecimal digits"),
        (["--format", "pdf"], "--format must be text, json, html or csv"),
        (["--now", "yesterday"], "is not an RFC 3339 date-time"),
    ],
)
def test_cli_evaluate_usage_errors(
    issued: tuple[Path, Provider],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    folder, _ = issued
    assert main(["evaluate", str(_rule_file(tmp_path)), str(folder), *args]) == 64
    assert message in capsys.readouterr().err


def _trust_list_file(tmp_path: Path, issuer: str, *, name: str = "providers") -> str:
    """A plain trust list with the rule's id listing ``issuer``, pinned by its SHA-256."""
    import hashlib

    document = {
        "type": "McbadgeTrustList",
        "formatVersion": 1,
        "id": TRUST_LIST_ID,
        "name": name,
        "version": 1,
        "operator": {"id": "did:example:office", "name": "Office of Educator Licensure"},
        "issued": "2020-01-01T00:00:00Z",
        "validUntil": "2099-01-01T00:00:00Z",
        "issuers": [
            {"id": issuer, "name": "A provider", "status": "active", "achievements": ["*"]}
        ],
    }
    path = tmp_path / f"{name}.trust-list.json"
    path.write_text(json.dumps(document))
    return f"{path}#sha256={hashlib.sha256(path.read_bytes()).hexdigest()}"


def test_cli_evaluate_takes_the_rules_trust_list(
    issued: tuple[Path, Provider], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, provider = issued
    rule = str(_rule_file(tmp_path, trust=True))
    listed = _trust_list_file(tmp_path, provider.did)
    args = ["evaluate", rule, str(folder), "--recipient", TEACHER, "--format", "json"]
    assert main([*args, "--trust-list", listed]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "met"
    # the same list without the provider: a definite no, not "undecided"
    other = _trust_list_file(tmp_path, "did:example:someone-else", name="others")
    assert main([*args, "--trust-list", other]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["requirements"]["children"][0]["code"] == "rule.untrusted_issuer"
    # a list that cannot be relied on (wrong pin) is an error, never an empty list
    wrong = listed.split("#")[0] + "#sha256=" + "0" * 64
    assert main([*args, "--trust-list", wrong]) == 1
    assert "trust_list." in capsys.readouterr().err


def test_cli_evaluate_malformed_rule_is_a_usage_error(
    issued: tuple[Path, Provider], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = issued
    rule = _rule_file(tmp_path, maxAgeDays="five years")
    assert main(["evaluate", str(rule), str(folder)]) == 64
    err = capsys.readouterr().err
    assert "at maxAgeDays: 'five years' is not of type 'integer' [rule.schema]" in err
    assert "Traceback" not in err
    assert main(["evaluate", str(tmp_path / "none.json"), str(folder)]) == 64
    assert "no such file" in capsys.readouterr().err


def test_cli_endorse_issues_only_when_met(
    issued: tuple[Path, Provider], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcbadge.issuer import SigningKey

    folder, _ = issued
    key = SigningKey.generate("Ed25519").save(tmp_path / "office-key.json")
    profile = tmp_path / "office.json"
    profile.write_text(
        json.dumps(
            {
                "type": ["Profile"],
                "name": "Office of Educator Licensure",
                "url": "https://licensure.mountainstate.example.gov",
            }
        )
    )
    out = tmp_path / "endorsement.json"
    common = [
        "--issuer",
        str(profile),
        "--key",
        str(key),
        "--recipient",
        TEACHER,
        "--db",
        f"sqlite:///{tmp_path / 'office.sqlite3'}",
        "--out",
        str(out),
    ]
    rule = _rule_file(tmp_path)
    assert main(["endorse", str(rule), str(folder), *common]) == 0
    credential = json.loads(out.read_text())
    assert credential["credentialSubject"]["achievement"]["criteria"]["id"] == load_rule(rule).id
    assert len(credential["evidence"]) == 5
    out.unlink()
    (folder / "k5-cs-lesson-integration.json").unlink()
    assert main(["endorse", str(rule), str(folder), *common]) == 1
    assert "the rule is not met; nothing was issued" in capsys.readouterr().err
    assert not out.exists()


class Crashing:
    key = "crash"
    name = "crashes"

    def evaluate(self, context: Any) -> Any:
        raise KeyError("bug")


def test_a_requirement_that_crashes_is_never_met() -> None:
    from mcbadge.licensure.rules import StackRule

    rule = StackRule(id="urn:test:crash", name="crash", requirements=Crashing())
    result = evaluate(rule, [(_good(), _verified())])
    assert (result.met, result.exit_code, result.outcome.code) == (False, 1, "rule.internal_error")
    assert "internal error (KeyError)" in result.outcome.reason


def test_a_subject_id_that_is_not_text_does_not_crash_the_teacher_check() -> None:
    credential = _good()
    credential["credentialSubject"]["id"] = {"not": "an id"}
    result = evaluate(_one_requirement_rule(), [(credential, _verified()), (_good(), _verified())])
    assert result.outcome.code == "rule.teacher_undecided"


def test_cli_evaluate_a_presentation_needs_the_offices_challenge(
    issued: tuple[Path, Provider],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mcbadge.verify.pipeline as pipeline
    import mcbadge.verify.presentation as presentation
    from mcbadge.keys import generate_key
    from mcbadge.present import present

    folder, _ = issued
    # the presentation verifier fetches status lists through the same served host
    monkeypatch.setattr(presentation, "make_fetcher", pipeline.make_fetcher)
    credentials = [json.loads((folder / f"{slug}.json").read_bytes()) for slug in K5]
    signed = present(credentials, generate_key("ed25519"), challenge="office-42")
    vp = tmp_path / "presentation.json"
    vp.write_text(signed.to_text())
    rule = str(_rule_file(tmp_path))
    args = ["evaluate", rule, str(vp), "--recipient", TEACHER, "--format", "json"]
    assert main([*args, "--challenge", "office-42"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "met"
    assert main([*args, "--challenge", "another"]) == 1  # the holder did not answer this one
    assert "rule.not_verified" in capsys.readouterr().out
