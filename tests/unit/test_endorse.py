"""Micro-endorsements: issued from a met evaluation, re-evaluated from themselves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _licensure_kit import (
    K5,
    K5_RULE,
    OTHER_TEACHER,
    TEACHER,
    TRUST_LIST_ID,
    FixedIssuers,
    Provider,
    StatusHost,
    policy,
)
from mcbadge.errors import RuleError
from mcbadge.licensure import evaluate, load_rule, verify_documents
from mcbadge.licensure.endorse import (
    CONSTITUENT_GENRE,
    endorse,
    endorsement_achievement,
    reevaluate,
)
from mcbadge.verify import verify


class Office:
    """A provider, the state's endorsing body, and one teacher's five K-5 credentials."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.host = StatusHost()
        self.provider = Provider(tmp, self.host, "provider")
        self.body = Provider(tmp, self.host, "office")
        self.documents = [self.provider.issue(slug) for slug in K5]
        self.provider.publish(tmp)
        self.trust = {TRUST_LIST_ID: FixedIssuers({self.provider.did})}
        self.rule = load_rule(K5_RULE)

    def evaluation(
        self, documents: list[bytes] | None = None, recipient: str | None = TEACHER
    ) -> Any:
        return evaluate(
            self.rule,
            verify_documents(self.documents if documents is None else documents, policy(self.host)),
            trust=self.trust,
            recipient=recipient,
        )

    def endorse(self) -> bytes:
        issued = endorse(self.body.issuer, self.evaluation())
        self.body.publish(self.tmp)
        return issued.to_bytes()

    def reevaluate(
        self, endorsement: bytes, documents: list[bytes] | None = None, **kw: Any
    ) -> Any:
        return reevaluate(
            endorsement,
            self.documents if documents is None else documents,
            trust=self.trust,
            recipient=TEACHER,
            policy=policy(self.host),
            **kw,
        )


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    made = Office(tmp_path)
    yield made
    made.provider.close()
    made.body.close()


def test_the_micro_endorsement_names_the_rule_and_each_constituent(office: Office) -> None:
    endorsement = office.endorse()
    result = verify(endorsement, policy(office.host))
    assert result.verified, result.failed_checks
    credential = json.loads(endorsement)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["id"] == office.rule.target_achievement["id"]  # type: ignore[index]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["criteria"]["id"] == office.rule.id
    assert f"Rule digest: {office.rule.digest}\n" in achievement["criteria"]["narrative"]
    evidence = credential["evidence"]
    assert [entry["genre"] for entry in evidence] == [CONSTITUENT_GENRE] * 5
    assert [(entry["id"], entry["description"]) for entry in evidence] == [
        (json.loads(doc)["id"], "sha256:" + hashlib.sha256(doc).hexdigest())
        for doc in office.documents
    ]
    assert evidence[3]["narrative"].startswith("Counts toward: Data and Analysis (K-5).")


def test_reevaluated_from_itself_is_met(office: Office) -> None:
    again = office.reevaluate(office.endorse())
    assert again.met
    assert again.exit_code == 0
    assert again.problems == ()
    assert again.evaluation.rule.digest == office.rule.digest


def test_reevaluated_after_a_constituent_is_revoked_fails(office: Office) -> None:
    endorsement = office.endorse()
    office.provider.revoke(office.documents[1], office.tmp)
    again = office.reevaluate(endorsement)
    assert not again.met
    assert again.exit_code == 1
    assert again.endorsement.verified  # the endorsement itself is still good
    computing = again.evaluation.outcome.children[1]
    assert (computing.requirement, computing.code) == ("computing-systems", "rule.revoked")
    assert "Micro-endorsement: NOT MET" in again.render_text()
    assert again.to_dict()["evaluation"]["verdict"] == "not met"


def test_the_office_copy_of_the_rule_must_be_the_one_it_was_earned_under(office: Office) -> None:
    endorsement = office.endorse()
    same = office.reevaluate(endorsement, rule=load_rule(K5_RULE))
    assert same.met
    changed = json.loads(K5_RULE.read_text())
    changed["maxAgeDays"] = 3650
    again = office.reevaluate(endorsement, rule=load_rule(changed))
    assert not again.met
    assert [code for code, _ in again.problems] == ["endorsement.rule_changed"]


def test_a_missing_or_altered_constituent_is_named(office: Office) -> None:
    endorsement = office.endorse()
    altered = office.documents[4] + b"\n"  # the same credential, other bytes: another digest
    again = office.reevaluate(endorsement, [*office.documents[:4], altered])
    assert not again.met
    assert again.exit_code == 1
    assert [code for code, _ in again.problems] == ["endorsement.constituent_missing"]
    assert json.loads(office.documents[4])["id"] in again.problems[0][1]
    assert again.evaluation.outcome.children[4].code == "rule.not_held"


def test_extra_credentials_are_ignored_only_the_listed_ones_count(office: Office) -> None:
    endorsement = office.endorse()
    stray = office.provider.issue("k5-data-analysis", OTHER_TEACHER)
    office.provider.publish(office.tmp)
    again = office.reevaluate(endorsement, [*office.documents, stray])
    assert again.met
    assert len(again.evaluation.credentials) == 5


def test_endorse_refuses_what_was_not_met_or_not_for_this_teacher(office: Office) -> None:
    with pytest.raises(RuleError) as not_met:
        endorse(office.body.issuer, office.evaluation(office.documents[:4]))
    assert not_met.value.code == "rule.not_met"
    with pytest.raises(RuleError) as mismatch:
        endorse(office.body.issuer, office.evaluation(), OTHER_TEACHER)
    assert mismatch.value.code == "rule.recipient_mismatch"


def test_endorse_needs_an_evaluation_for_a_teacher_named_by_e_mail(office: Office) -> None:
    rule_document = json.loads(K5_RULE.read_text())
    rule_document["sameTeacher"] = False
    office.rule = load_rule(rule_document)
    evaluation = office.evaluation(recipient=None)
    assert evaluation.met
    with pytest.raises(RuleError) as refused:
        endorse(office.body.issuer, evaluation)
    assert refused.value.code == "rule.no_recipient"


def test_a_rule_without_a_target_achievement_awards_nothing() -> None:
    document = json.loads(K5_RULE.read_text())
    del document["targetAchievement"]
    with pytest.raises(RuleError) as refused:
        endorsement_achievement(load_rule(document))
    assert refused.value.code == "rule.no_target_achievement"


def test_a_credential_that_names_no_rule_cannot_be_reevaluated(office: Office) -> None:
    plain = office.documents[0]
    again = office.reevaluate(plain)
    assert not again.met
    assert again.exit_code == 1
    assert again.evaluation is None
    assert [code for code, _ in again.problems] == ["endorsement.no_rule"]
