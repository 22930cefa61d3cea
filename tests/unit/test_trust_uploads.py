"""Trust for what a service receives: a trust list in hand (an upload) anchored by its pin,
decisions for the credentials inside a bundle, the rule's lists matched by id or name, and
named documents in an evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.page_kit import K5, K5_RULE, LIST_ID, TEACHER, Kit, make_kit

from mcbadge.errors import TrustListError
from mcbadge.licensure import load_rule
from mcbadge.licensure.evaluation import evaluate_documents, trust_for_rule, verify_documents
from mcbadge.licensure.trust import (
    NoTrustList,
    TrustListSource,
    decide_bundle,
    load_trust_lists,
)
from mcbadge.verify import BundleResult, VerificationPolicy, verify_any

OFFLINE = VerificationPolicy(offline=True)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("uploads"))


def _in_hand(kit: Kit, **pins: str) -> TrustListSource:
    return TrustListSource(
        Path("uploaded.json"), data=kit.read("providers.trust-list.json"), **pins
    )


def test_a_list_in_hand_is_read_from_its_bytes_not_from_its_path(kit: Kit) -> None:
    lists = load_trust_lists([_in_hand(kit, sha256=kit.trust_list_sha256)], policy=OFFLINE)
    [loaded] = lists.lists
    assert loaded.source == "uploaded.json"  # the name in messages; no such file exists
    assert loaded.anchor == "sha256"
    assert loaded.trust_list.id == LIST_ID


def test_a_list_in_hand_is_still_pinned_and_bounded(kit: Kit) -> None:
    with pytest.raises(TrustListError) as wrong:
        load_trust_lists([_in_hand(kit, sha256="0" * 64)], policy=OFFLINE)
    assert wrong.value.code == "trust_list.wrong_pin"
    assert "uploaded.json" in wrong.value.message
    with pytest.raises(TrustListError) as unanchored:
        load_trust_lists([_in_hand(kit)], policy=OFFLINE)
    assert unanchored.value.code == "trust_list.unanchored"
    from mcbadge.licensure.trust import MAX_LIST_BYTES

    huge = TrustListSource(Path("huge.json"), data=b" " * (MAX_LIST_BYTES + 1), sha256="0" * 64)
    with pytest.raises(TrustListError) as too_large:
        load_trust_lists([huge], policy=OFFLINE)
    assert too_large.value.code == "trust_list.too_large"


def test_every_credential_inside_a_bundle_gets_its_decision(kit: Kit) -> None:
    data = kit.read("record.clr.json")
    result = verify_any(data, OFFLINE)
    assert isinstance(result, BundleResult)
    lists = load_trust_lists([_in_hand(kit, sha256=kit.trust_list_sha256)], policy=OFFLINE)
    decisions = decide_bundle(lists, data, result)
    assert [d.trusted for d in decisions] == [True] * len(K5)
    assert {d.entry for d in decisions} == {kit.provider_did}
    unknown = decide_bundle(NoTrustList(), data, result)
    assert [(d.trusted, d.code) for d in unknown] == [(None, "trust.no_list")] * len(K5)


def test_inside_a_bundle_that_fails_nothing_is_trusted(kit: Kit) -> None:
    record = json.loads(kit.read("record.clr.json"))
    record["name"] = "A record someone edited"
    data = json.dumps(record).encode()
    result = verify_any(data, OFFLINE)
    assert isinstance(result, BundleResult)
    assert not result.outer.verified
    lists = load_trust_lists([_in_hand(kit, sha256=kit.trust_list_sha256)], policy=OFFLINE)
    decisions = decide_bundle(lists, data, result)
    assert len(decisions) == len(K5)
    assert all(d.trusted is None for d in decisions)
    assert {d.code for d in decisions} == {"trust.credential_not_verified"}


def test_trust_for_rule_matches_the_lists_the_rule_names(kit: Kit) -> None:
    rule = load_rule(K5_RULE)
    assert trust_for_rule(rule, None) == {}
    lists = load_trust_lists([_in_hand(kit, sha256=kit.trust_list_sha256)], policy=OFFLINE)
    assert trust_for_rule(rule, lists) == {LIST_ID: lists}
    other = load_rule({**rule.document, "trustList": "Some other list"})
    assert trust_for_rule(other, lists) == {}
    by_name = load_rule(
        {**rule.document, "trustList": "Mountain State approved micro-credential providers"}
    )
    assert list(trust_for_rule(by_name, lists)) == [
        "Mountain State approved micro-credential providers"
    ]


def test_named_documents_keep_their_names_in_the_evaluation(kit: Kit) -> None:
    named = [(f"{slug}.json", kit.read(f"{slug}.json")) for slug in K5]
    candidates = verify_documents([*named, kit.read("badge.png")], OFFLINE)
    assert [c.source for c in candidates] == [name for name, _ in named] + ["document 6"]
    rule = load_rule(K5_RULE)
    lists = load_trust_lists([_in_hand(kit, sha256=kit.trust_list_sha256)], policy=OFFLINE)
    result = evaluate_documents(
        rule, named, policy=OFFLINE, trust=trust_for_rule(rule, lists), recipient=TEACHER
    )
    assert result.met
    assert {ref.source for ref in result.constituents()} == {name for name, _ in named}
    clr = evaluate_documents(
        rule,
        [("record.json", kit.read("record.clr.json"))],
        policy=OFFLINE,
        trust=trust_for_rule(rule, lists),
        recipient=TEACHER,
    )
    assert clr.met
    assert all(ref.source.startswith("record.json#/") for ref in clr.constituents())


def test_a_pair_that_is_not_a_name_and_bytes_is_refused() -> None:
    with pytest.raises(TypeError, match=r"\(name, bytes\) pairs"):
        verify_documents([("name", "text, not bytes")], OFFLINE)  # type: ignore[list-item]
