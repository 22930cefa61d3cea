"""Stack rules: loading, composition, and evaluation over real issued, verified credentials."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from _licensure_kit import (
    BASE,
    K5,
    K5_RULE,
    OTHER_TEACHER,
    PRE_ENGINEERING_RULE,
    TEACHER,
    TRUST_LIST_ID,
    FixedIssuers,
    Provider,
    StatusHost,
    policy,
)
from mcbadge.licensure import (
    AchievementRequirement,
    AllOf,
    AnyOf,
    AtLeast,
    Candidate,
    UnsafeNoRule,
    evaluate,
    evaluate_documents,
    load_rule,
    verify_documents,
)
from mcbadge.licensure.outcome import REASON_CODES, Outcome
from mcbadge.licensure.rules import StackRule
from mcbadge.verify import CHECK_IDS, Check, VerificationResult


class World:
    """Two providers (one the state approves, one it does not) and the K-5 credentials."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.host = StatusHost()
        self.good = Provider(tmp, self.host, "approved")
        self.rogue = Provider(tmp, self.host, "rogue")
        self.k5 = {slug: self.good.issue(slug) for slug in K5}
        self.not_yet = self.good.issue("k5-data-analysis", level="not-yet", key="not-yet")
        self.exemplary = self.good.issue("k5-data-analysis", level="exemplary", key="exemplary")
        self.other_teacher = self.good.issue("k5-data-analysis", OTHER_TEACHER)
        self.from_rogue = self.rogue.issue("k5-data-analysis")
        self.good.publish(tmp)
        self.rogue.publish(tmp)
        self.trust = {TRUST_LIST_ID: FixedIssuers({self.good.did})}

    def docs(self, **replace: bytes) -> list[bytes]:
        return [replace.get(slug, self.k5[slug]) for slug in K5]

    def run(
        self,
        documents: list[bytes],
        rule: StackRule | None = None,
        *,
        trust: Any = None,
        recipient: str | None = TEACHER,
        now: datetime | None = None,
    ) -> Any:
        candidates = verify_documents(documents, policy(self.host))
        return evaluate(
            rule or load_rule(K5_RULE),
            candidates,
            trust=self.trust if trust is None else trust,
            recipient=recipient,
            now=now,
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = World(tmp_path_factory.mktemp("rules"))
    yield made
    made.good.close()
    made.rogue.close()


def leaf(outcome: Outcome, key: str) -> Outcome:
    return next(o for o in outcome.walk() if o.requirement == key)


def credential_id(document: bytes) -> str:
    return str(json.loads(document)["id"])


# -- met, and missed for each reason ------------------------------------------------------------
def test_k5_rule_met_exactly_names_the_credential_for_each_requirement(world: World) -> None:
    result = world.run(world.docs())
    assert result.met
    assert result.decided
    assert result.exit_code == 0
    assert result.outcome.code == "rule.met"
    assert result.outcome.reason == "5 of 5 met, all needed"
    used = leaf(result.outcome, "data-analysis").satisfied_by[0]
    assert used.credential_id == credential_id(world.k5["k5-data-analysis"])
    assert used.level_name == "Proficient"
    assert used.trust_list == "test list"
    assert [ref.credential_id for ref in result.constituents()] == [
        credential_id(world.k5[slug]) for slug in K5
    ]
    assert result.notes == ()


def test_missed_by_one_level(world: World) -> None:
    result = world.run(world.docs(**{"k5-data-analysis": world.not_yet}))
    assert not result.met
    assert result.decided
    assert result.exit_code == 1
    data = leaf(result.outcome, "data-analysis")
    assert (data.met, data.code) == (False, "rule.level_too_low")
    assert data.reason == "its level is Not yet; the rule needs Proficient or higher"
    assert result.outcome.reason == "4 of 5 met, all needed"


def test_a_higher_level_meets_a_lower_minimum(world: World) -> None:
    result = world.run(world.docs(**{"k5-data-analysis": world.exemplary}))
    assert result.met
    assert leaf(result.outcome, "data-analysis").satisfied_by[0].level_name == "Exemplary"


def test_missed_by_age(world: World) -> None:
    later = datetime.now(UTC) + timedelta(days=1827)
    result = world.run(world.docs(), now=later)
    assert not result.met
    assert result.exit_code == 1
    data = leaf(result.outcome, "data-analysis")
    assert data.code == "rule.too_old"
    assert "the rule accepts awards at most 1826 days old" in data.reason


def test_missed_by_a_constituent_for_another_teacher(world: World) -> None:
    result = world.run(world.docs(**{"k5-data-analysis": world.other_teacher}))
    data = leaf(result.outcome, "data-analysis")
    assert (result.exit_code, data.code) == (1, "rule.different_teacher")
    assert data.reason.startswith(f"it was issued to someone other than {TEACHER}")


def test_recipient_is_matched_case_insensitively_like_the_issuer_normalises_it(
    world: World,
) -> None:
    assert world.run(world.docs(), recipient=TEACHER.upper()).met


def test_missed_by_an_untrusted_provider(world: World) -> None:
    result = world.run(world.docs(**{"k5-data-analysis": world.from_rogue}))
    data = leaf(result.outcome, "data-analysis")
    assert (result.exit_code, data.met, data.code) == (1, False, "rule.untrusted_issuer")
    assert world.rogue.did in data.reason


def test_trust_undecided_is_never_met(world: World) -> None:
    trust = {TRUST_LIST_ID: FixedIssuers({world.good.did}, undecided={world.rogue.did})}
    result = world.run(world.docs(**{"k5-data-analysis": world.from_rogue}), trust=trust)
    data = leaf(result.outcome, "data-analysis")
    assert (result.met, result.decided, result.exit_code) == (False, False, 2)
    assert (data.met, data.code) == (None, "rule.trust_undecided")
    assert result.outcome.code == "rule.undecided"


def test_a_trust_list_the_rule_names_but_nobody_loaded_leaves_it_undecided(world: World) -> None:
    result = world.run(world.docs(), trust={"some other list": FixedIssuers({world.good.did})})
    assert (result.met, result.exit_code) == (False, 2)
    assert leaf(result.outcome, "digital-citizenship").code == "rule.trust_undecided"
    assert f"The trust list {TRUST_LIST_ID!r} that the rule names was not loaded." in result.notes


def test_not_held(world: World) -> None:
    documents = world.docs()
    del documents[3]
    data = leaf(world.run(documents).outcome, "data-analysis")
    assert (data.met, data.code) == (False, "rule.not_held")
    assert data.reason.startswith("no credential for this was handed in")


def test_one_good_credential_among_bad_ones_meets_the_requirement(world: World) -> None:
    documents = [*world.docs(), world.not_yet, world.from_rogue, world.other_teacher]
    result = world.run(documents)
    assert result.met
    data = leaf(result.outcome, "data-analysis")
    assert {r.code for r in data.rejections} == {
        "rule.level_too_low",
        "rule.untrusted_issuer",
        "rule.different_teacher",
    }


def test_without_a_recipient_hashed_identifiers_leave_the_teacher_undecided(
    world: World,
) -> None:
    result = world.run(world.docs(), recipient=None)
    assert (result.met, result.exit_code) == (False, 2)
    code = leaf(result.outcome, "algorithms-programming").code
    assert code == "rule.teacher_undecided"


# -- any-of and at-least-N ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def pre_engineering(world: World) -> dict[str, bytes]:
    slugs = (
        "pre-engineering-design-process",
        "pre-engineering-project-based-learning",
        "pre-engineering-ethics-safety",
        "pre-engineering-project-management",
        "pre-engineering-robotics-foundations",
    )
    made = {slug: world.good.issue(slug) for slug in slugs}
    world.good.publish(world.tmp)
    return made


@pytest.mark.parametrize(
    "choice", ["pre-engineering-project-based-learning", "pre-engineering-project-management"]
)
def test_pre_engineering_any_of_either_choice(
    world: World, pre_engineering: dict[str, bytes], choice: str
) -> None:
    other = {
        "pre-engineering-project-based-learning",
        "pre-engineering-project-management",
    } - {choice}
    documents = [doc for slug, doc in pre_engineering.items() if slug not in other]
    result = world.run(documents, load_rule(PRE_ENGINEERING_RULE))
    assert result.met
    practice = leaf(result.outcome, "classroom-practice")
    assert practice.kind == "any_of"
    assert practice.reason == "1 of 2 met, at least 1 needed"


def test_pre_engineering_any_of_with_neither_choice(
    world: World, pre_engineering: dict[str, bytes]
) -> None:
    documents = [
        doc
        for slug, doc in pre_engineering.items()
        if slug
        not in ("pre-engineering-project-based-learning", "pre-engineering-project-management")
    ]
    result = world.run(documents, load_rule(PRE_ENGINEERING_RULE))
    practice = leaf(result.outcome, "classroom-practice")
    assert (result.exit_code, practice.code) == (1, "rule.not_met")
    assert practice.reason == "0 of 2 met, at least 1 needed"
    assert [c.code for c in practice.children] == ["rule.not_held", "rule.not_held"]


def _at_least_rule(needed: int) -> StackRule:
    document = json.loads(K5_RULE.read_text())
    children = document["requirements"]["allOf"]
    document["requirements"] = {"id": "three", "atLeast": needed, "of": children}
    return load_rule(document)


def test_at_least_n_met_and_missed(world: World) -> None:
    three = [world.k5[slug] for slug in K5[:3]]
    met = world.run(three, _at_least_rule(3))
    assert met.met
    assert met.outcome.reason == "3 of 5 met, at least 3 needed"
    missed = world.run(three[:2], _at_least_rule(3))
    assert (missed.exit_code, missed.outcome.code) == (1, "rule.not_met")
    assert missed.outcome.reason == "2 of 5 met, at least 3 needed"


def test_at_least_n_undecided_when_an_undecided_child_could_tip_it(world: World) -> None:
    trust = {TRUST_LIST_ID: FixedIssuers({world.good.did}, undecided={world.rogue.did})}
    documents = [world.k5[slug] for slug in K5[:2]] + [world.from_rogue]
    result = world.run(documents, _at_least_rule(3), trust=trust)
    assert (result.exit_code, result.outcome.code) == (2, "rule.undecided")
    assert result.outcome.reason == "2 of 5 met, at least 3 needed; 1 could not be decided"


def test_requirement_by_alignment_framework_and_code(world: World) -> None:
    document = json.loads(K5_RULE.read_text())
    document["requirements"] = {
        "id": "programming",
        "alignment": {
            "targetFramework": "CSTA K-12 Computer Science Standards (2017)",
            "targetCode": "1B-AP-10",
        },
        "minLevel": f"{BASE}k5-algorithms-programming#proficient",
    }
    result = world.run(
        [world.k5["k5-data-analysis"], world.k5["k5-algorithms-programming"]], load_rule(document)
    )
    assert result.met
    assert result.outcome.satisfied_by[0].achievement_id == f"{BASE}k5-algorithms-programming"
    assert result.outcome.name == "1B-AP-10 (CSTA K-12 Computer Science Standards (2017))"


# -- the objects themselves ---------------------------------------------------------------------
def test_empty_groups_and_impossible_counts_are_refused() -> None:
    requirement = AchievementRequirement("a", "A", achievement_id="urn:a")
    with pytest.raises(ValueError, match="AllOf needs at least one requirement"):
        AllOf([])
    with pytest.raises(ValueError, match="AnyOf needs at least one requirement"):
        AnyOf([])
    with pytest.raises(ValueError, match="at least 2 of 1 requirements can never be met"):
        AtLeast(2, [requirement])
    with pytest.raises(ValueError, match="not both"):
        AchievementRequirement("a", "A", achievement_id="urn:a", alignment=("f", "c"))
    with pytest.raises(ValueError, match="not in level_order"):
        AchievementRequirement("a", "A", achievement_id="urn:a", min_level="urn:l")


def test_unsafe_no_rule_is_met_by_nothing_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    rule = StackRule(id="urn:test:none", name="none", requirements=UnsafeNoRule())
    with caplog.at_level(logging.WARNING, logger="mcbadge.licensure.rules"):
        result = evaluate(rule, [])
    assert result.met
    assert result.outcome.code == "rule.unsafe_no_rule"
    assert result.outcome.reason.startswith("UNSAFE")
    assert "UNSAFE: the rule requires nothing; this result decides nothing." in result.notes
    assert "unsafe 'no rule' requirement was used" in caplog.text
    assert "UNSAFE" in result.render_text()


def _verified() -> VerificationResult:
    return VerificationResult(tuple(Check(cid, "passed", f"{cid}.ok", "ok") for cid in CHECK_IDS))


def _credential(**subject: Any) -> dict[str, Any]:
    achievement = json.loads(
        (K5_RULE.parent.parent / "catalog" / "k5-data-analysis.json").read_text()
    )
    return {
        "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "issuer": {"id": "did:example:provider", "name": "Provider"},
        "validFrom": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": "did:example:teacher", "achievement": achievement, **subject},
    }


def _no_trust_rule() -> StackRule:
    document = json.loads(K5_RULE.read_text())
    del document["trustList"]
    document["requirements"] = document["requirements"]["allOf"][3]
    return load_rule(document)


@pytest.mark.parametrize(
    ("result", "code"),
    [
        (None, "rule.level_missing"),
        ([], "rule.level_missing"),
        (
            [{"achievedLevel": f"{BASE}k5-data-analysis#proficient", "status": "InProgress"}],
            "rule.status_not_accepted",
        ),
        ([{"achievedLevel": f"{BASE}k5-algorithms-programming#exemplary"}], "rule.level_unknown"),
        ([{"achievedLevel": "urn:made-up"}], "rule.level_unknown"),
        (
            [{"achievedLevel": f"{BASE}k5-data-analysis#exemplary", "status": "Completed"}],
            "rule.met",
        ),
    ],
)
def test_result_levels_and_statuses(result: Any, code: str) -> None:
    subject = {} if result is None else {"result": result}
    outcome = evaluate(_no_trust_rule(), [(_credential(**subject), _verified())]).outcome
    assert outcome.code == code
    assert code in REASON_CODES


def test_subject_ids_establish_the_teacher_without_a_recipient() -> None:
    level = [{"achievedLevel": f"{BASE}k5-data-analysis#proficient"}]
    result = evaluate(_no_trust_rule(), [(_credential(result=level), _verified())])
    assert result.met
    assert result.notes == (
        "The rule names no trust list: issuers' names are self-asserted and were not checked.",
    )
    other = copy.deepcopy(_credential(result=level))
    other["credentialSubject"]["id"] = "did:example:someone-else"
    two = evaluate(
        _no_trust_rule(), [(_credential(result=level), _verified()), (other, _verified())]
    )
    assert (two.exit_code, two.outcome.code) == (2, "rule.teacher_undecided")
    assert "name 2 different people" in two.outcome.reason


def test_verification_failure_is_not_verified_and_names_the_check() -> None:
    checks = list(_verified().checks)
    checks[CHECK_IDS.index("signature")] = Check(
        "signature", "failed", "signature.invalid", "the signature does not match"
    )
    level = [{"achievedLevel": f"{BASE}k5-data-analysis#proficient"}]
    result = evaluate(
        _no_trust_rule(), [Candidate(_credential(result=level), VerificationResult(tuple(checks)))]
    )
    assert result.outcome.code == "rule.not_verified"
    assert "the signature does not match [signature.invalid]" in result.outcome.reason


# -- files, folders and the result's shapes -----------------------------------------------------
def test_evaluate_documents_reads_a_folder_and_the_result_serialises(
    world: World, tmp_path: Path
) -> None:
    for slug in K5:
        (tmp_path / f"{slug}.json").write_bytes(world.k5[slug])
    (tmp_path / "notes.txt").write_text("not a credential")
    result = evaluate_documents(
        load_rule(K5_RULE),
        [tmp_path],
        policy=policy(world.host),
        trust=world.trust,
        recipient=TEACHER,
    )
    assert result.met
    data = json.loads(result.to_json())
    assert data["type"] == "McbadgeStackRuleEvaluation"
    assert (data["met"], data["decided"], data["verdict"]) == (True, True, "met")
    assert data["rule"]["digest"] == load_rule(K5_RULE).digest
    assert {c["source"] for c in data["credentials"]} == {
        str(tmp_path / f"{slug}.json") for slug in K5
    }
    assert all(c["used"] and c["verified"] for c in data["credentials"])
    assert data["requirements"]["children"][0]["satisfied_by"][0]["level_name"] == "Proficient"
    text = result.render_text()
    assert "Verdict: MET: 5 of 5 met, all needed" in text
    assert "Credentials handed in: 5, used: 5" in text


def test_rule_digest_ignores_formatting_but_not_meaning() -> None:
    document = json.loads(K5_RULE.read_text())
    same = load_rule(json.dumps(document, indent=None).encode())
    assert same.digest == load_rule(K5_RULE).digest
    document["maxAgeDays"] = 1825
    assert load_rule(document).digest != same.digest


def test_packaged_schema_is_the_published_one() -> None:
    root = Path(__file__).resolve().parents[2]
    published = root / "schemas" / "stack-rule-v1.schema.json"
    packaged = root / "src" / "mcbadge" / "schemas" / "mcbadge" / "stack-rule-v1.schema.json"
    assert published.read_bytes() == packaged.read_bytes()


def test_example_rules_load() -> None:
    k5 = load_rule(K5_RULE)
    assert k5.trust_lists == (TRUST_LIST_ID,)
    assert isinstance(k5.requirements, AllOf)
    assert len(k5.requirements.children) == 5
    pre = load_rule(PRE_ENGINEERING_RULE)
    assert [type(c).__name__ for c in pre.requirements.children] == [  # type: ignore[attr-defined]
        "AchievementRequirement",
        "AchievementRequirement",
        "AnyOf",
        "AchievementRequirement",
    ]


def test_missed_by_a_revoked_constituent(tmp_path: Path) -> None:
    host = StatusHost()
    provider = Provider(tmp_path, host, "revoking")
    try:
        documents = [provider.issue(slug) for slug in K5]
        provider.publish(tmp_path)
        trust = {TRUST_LIST_ID: FixedIssuers({provider.did})}
        rule = load_rule(K5_RULE)

        def run() -> Any:
            return evaluate(
                rule, verify_documents(documents, policy(host)), trust=trust, recipient=TEACHER
            )

        assert run().met
        provider.revoke(documents[2], tmp_path)
        result = run()
    finally:
        provider.close()
    algorithms = leaf(result.outcome, "algorithms-programming")
    assert (result.exit_code, algorithms.code) == (1, "rule.revoked")
    assert algorithms.reason.startswith("it is revoked")
    assert result.to_dict()["credentials"][2]["verified"] is False


def test_credentials_of_a_bundle_plug_in_and_a_failed_outer_proof_counts_for_none() -> None:
    from mcbadge.licensure import candidates_from_bundle
    from mcbadge.verify import BundleResult, NestedResult

    level = [{"achievedLevel": f"{BASE}k5-data-analysis#proficient"}]
    bundle = {
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [_credential(result=level)],
    }
    nested = (NestedResult("/verifiableCredential/0", _verified()),)
    good = candidates_from_bundle(bundle, BundleResult("presentation", _verified(), nested), "vp")
    assert good[0].source == "vp#/verifiableCredential/0"
    assert evaluate(_no_trust_rule(), good).met
    checks = list(_verified().checks)
    checks[CHECK_IDS.index("signature")] = Check("signature", "failed", "signature.invalid", "bad")
    outer_failed = BundleResult("presentation", VerificationResult(tuple(checks)), nested)
    result = evaluate(_no_trust_rule(), candidates_from_bundle(bundle, outer_failed))
    assert (result.exit_code, result.outcome.code) == (1, "rule.not_verified")


# -- bundles: a presentation or a CLR record is a set of credentials -----------------------------
def _presented(world: World, challenge: str) -> bytes:
    from mcbadge.keys import generate_key
    from mcbadge.present import present

    signed = present(
        [json.loads(world.k5[slug]) for slug in K5], generate_key("ed25519"), challenge=challenge
    )
    return signed.to_text().encode()


def test_a_presentation_is_evaluated_credential_by_credential(world: World) -> None:
    import dataclasses

    presentation = _presented(world, "office-challenge-1")
    office = dataclasses.replace(policy(world.host), challenge="office-challenge-1")
    result = evaluate_documents(
        load_rule(K5_RULE), [presentation], policy=office, trust=world.trust, recipient=TEACHER
    )
    assert result.met, result.render_text()
    sources = {c["source"] for c in json.loads(result.to_json())["credentials"]}
    assert sources == {f"document 1#/verifiableCredential/{i}" for i in range(len(K5))}


def test_a_presentation_whose_holder_proof_fails_earns_nothing(world: World) -> None:
    import dataclasses

    presentation = _presented(world, "office-challenge-2")
    # the office's challenge is another one: the holder's proof does not answer it
    office = dataclasses.replace(policy(world.host), challenge="another-challenge")
    result = evaluate_documents(
        load_rule(K5_RULE), [presentation], policy=office, trust=world.trust, recipient=TEACHER
    )
    assert not result.met
    assert result.exit_code == 1
    assert result.outcome.code == "rule.not_met"
    assert {
        o.code for o in result.outcome.walk() if o.requirement != result.outcome.requirement
    } == {"rule.not_verified"}
    assert "the presentation holding this credential does not verify" in result.render_text()


def test_a_clr_record_is_evaluated_credential_by_credential(world: World) -> None:
    from mcbadge.clr import build_clr
    from mcbadge.did import did_key
    from mcbadge.keys import generate_key

    assembler = generate_key("ed25519")
    credentials = [json.loads(world.k5[slug]) for slug in K5]
    record = build_clr(credentials, assembler, issuer=did_key(assembler), recipient=TEACHER)
    data = json.dumps(record.document).encode()
    result = evaluate_documents(
        load_rule(K5_RULE), [data], policy=policy(world.host), trust=world.trust, recipient=TEACHER
    )
    assert result.met, result.render_text()
    # one nested credential tampered: the record fails, and the rule is not met
    tampered = json.loads(data)
    tampered["credentialSubject"]["verifiableCredential"][0]["name"] = "changed"
    result = evaluate_documents(
        load_rule(K5_RULE),
        [json.dumps(tampered).encode()],
        policy=policy(world.host),
        trust=world.trust,
        recipient=TEACHER,
    )
    assert not result.met
