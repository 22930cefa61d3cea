"""Trust lists: the format, loading, each decision and its code, the CLI, the examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mcbadge.cli.app import main
from mcbadge.errors import TrustListError
from mcbadge.licensure import IssuerTrust, NoTrustList, TrustDecision
from mcbadge.licensure.trust import (
    TrustLists,
    TrustListSource,
    decide_file,
    describe_decision,
    import_dcc_registry,
    inspect_trust_list,
    load_trust_lists,
    render_trust_list,
    sha256_hex,
    trust_list_schema,
)
from mcbadge.verify import render_text
from trust_kit import ACH, LIST_ID, World, write, write_signed

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "trust"
#: after the examples were signed (their proofs' created), before their lists expire (2029)
EXAMPLES_NOW = datetime(2027, 1, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def lists_of(world: World, tmp_path: Path, document: dict[str, Any], **load: Any) -> TrustLists:
    path, digest = write(tmp_path / "list.json", document)
    return load_trust_lists([f"{path}#sha256={digest}"], policy=world.policy(), **load)


def decide(world: World, lists: IssuerTrust, **credential: Any) -> TrustDecision:
    document, parsed = world.credential(**credential)
    result = world.verify(document)
    assert result.verified, result.failed_checks
    return lists.decide(parsed, result)


# -- the trusted path and each refusal -------------------------------------------------------
def test_a_listed_issuer_with_its_pinned_key_for_an_allowed_achievement_is_trusted(
    world: World, tmp_path: Path
) -> None:
    lists = lists_of(world, tmp_path, world.trust_list())
    decision = decide(world, lists)
    assert decision.trusted is True
    assert decision.code == "trust.trusted"
    assert (decision.list_name, decision.list_id, decision.entry) == (
        "State A providers",
        LIST_ID,
        world.web_did,
    )
    assert decision.list_version == 1
    assert decision.via is None
    assert "Provider Academy" in decision.reason
    assert ACH + "k5-data" in decision.reason


def test_a_trusted_issuer_signing_with_a_key_that_is_not_pinned_is_refused(
    world: World, tmp_path: Path
) -> None:
    """Key 2 is in the issuer's DID document (the credential verifies) but not pinned: what
    a did:web domain takeover looks like."""
    lists = lists_of(world, tmp_path, world.trust_list())
    decision = decide(world, lists, key=world.web_key2)
    assert decision.trusted is False
    assert decision.code == "trust.key_not_pinned"
    assert world.web_vm2 in decision.reason
    assert world.web_vm in decision.reason
    assert decision.entry == world.web_did


def test_the_pinned_key_of_a_vc_jwt_is_its_kid(world: World, tmp_path: Path) -> None:
    lists = lists_of(world, tmp_path, world.trust_list())
    good = decide(world, lists, fmt="jwt")
    assert (good.trusted, good.code) == (True, "trust.trusted")
    bad = decide(world, lists, key=world.web_key2, fmt="jwt")
    assert (bad.trusted, bad.code) == (False, "trust.key_not_pinned")


def test_an_issuer_trusted_for_other_achievements_only_is_refused(
    world: World, tmp_path: Path
) -> None:
    lists = lists_of(world, tmp_path, world.trust_list())
    other = decide(world, lists, achievement="https://elsewhere.example/achievements/k5-data")
    assert (other.trusted, other.code) == (False, "trust.achievement_not_allowed")
    assert "https://elsewhere.example/achievements/k5-data" in other.reason
    assert ACH + "*" in other.reason
    wrong_type = decide(world, lists, achievement_type="Certification")
    assert (wrong_type.trusted, wrong_type.code) == (False, "trust.achievement_not_allowed")
    assert "type Certification" in wrong_type.reason


def test_an_exact_achievement_id_matches_only_itself(world: World, tmp_path: Path) -> None:
    document = world.trust_list([world.entry(achievements=[ACH + "k5-data"])])
    lists = lists_of(world, tmp_path, document)
    assert decide(world, lists).trusted is True
    longer = decide(world, lists, achievement=ACH + "k5-data-advanced")
    assert longer.code == "trust.achievement_not_allowed"


def test_an_issuer_suspended_before_the_issuance_date_is_refused(
    world: World, tmp_path: Path
) -> None:
    entry = world.entry(
        status="suspended",
        statusSince="2026-10-15T00:00:00Z",
        statusReason="assessor qualifications under review",
    )
    lists = lists_of(world, tmp_path, world.trust_list([entry]))
    decision = decide(world, lists, valid_from="2026-11-16T15:00:00Z")
    assert (decision.trusted, decision.code) == (False, "trust.suspended")
    assert "suspended since 2026-10-15T00:00:00Z" in decision.reason
    assert "assessor qualifications under review" in decision.reason
    assert "issued 2026-11-16T15:00:00Z" in decision.reason


def test_a_credential_issued_before_the_suspension_stays_trusted(
    world: World, tmp_path: Path
) -> None:
    entry = world.entry(status="suspended", statusSince="2026-10-15T00:00:00Z")
    lists = lists_of(world, tmp_path, world.trust_list([entry]))
    decision = decide(world, lists, valid_from="2026-09-01T00:00:00Z")
    assert (decision.trusted, decision.code) == (True, "trust.trusted")
    assert "suspended since 2026-10-15T00:00:00Z, after this credential was issued" in (
        decision.reason
    )


def test_a_withdrawn_issuer_is_refused_whatever_the_date(world: World, tmp_path: Path) -> None:
    entry = world.entry(status="withdrawn", statusSince="2026-10-15T00:00:00Z")
    lists = lists_of(world, tmp_path, world.trust_list([entry]))
    decision = decide(world, lists, valid_from="2025-01-01T00:00:00Z")
    assert (decision.trusted, decision.code) == (False, "trust.withdrawn")
    assert "withdrawn on 2026-10-15T00:00:00Z" in decision.reason


def test_a_credential_issued_outside_the_entry_window_is_refused(
    world: World, tmp_path: Path
) -> None:
    entry = world.entry(validFrom="2025-01-01T00:00:00Z", validUntil="2026-06-30T00:00:00Z")
    lists = lists_of(world, tmp_path, world.trust_list([entry]))
    early = decide(world, lists, valid_from="2024-12-31T00:00:00Z")
    late = decide(world, lists, valid_from="2026-11-16T15:00:00Z")
    inside = decide(world, lists, valid_from="2026-01-10T00:00:00Z")
    assert (early.trusted, early.code) == (False, "trust.outside_window")
    assert (late.trusted, late.code) == (False, "trust.outside_window")
    assert "issued from 2025-01-01T00:00:00Z to 2026-06-30T00:00:00Z" in late.reason
    assert inside.trusted is True


def test_an_issuer_on_no_list_is_not_trusted_and_its_name_is_called_self_asserted(
    world: World, tmp_path: Path
) -> None:
    lists = lists_of(world, tmp_path, world.trust_list())
    decision = decide(world, lists, key=world.stranger, name="State CS Academy")
    assert (decision.trusted, decision.code) == (False, "trust.not_listed")
    assert "calling itself 'State CS Academy'" in decision.reason
    assert "State A providers" in decision.reason
    assert decision.list_id is None
    assert decision.entry is None


def test_a_credential_that_did_not_verify_is_not_decided(world: World, tmp_path: Path) -> None:
    lists = lists_of(world, tmp_path, world.trust_list())
    document, _parsed = world.credential()
    assert isinstance(document, dict)
    tampered = json.loads(json.dumps(document))
    tampered["name"] = "Something else"
    result = world.verify(tampered)
    assert not result.verified
    decision = lists.decide(tampered, result)
    assert (decision.trusted, decision.code) == (None, "trust.credential_not_verified")
    assert "did not verify" in decision.reason


def test_a_list_that_expired_after_loading_decides_nothing(world: World, tmp_path: Path) -> None:
    path, digest = write(tmp_path / "list.json", world.trust_list())
    loaded = load_trust_lists([f"{path}#sha256={digest}"], policy=world.policy())
    later = TrustLists(loaded.lists, now=datetime(2028, 1, 2, tzinfo=UTC))
    decision = decide(world, later)
    assert (decision.trusted, decision.code) == (False, "trust.list_expired")
    assert "expired at 2027-12-31T00:00:00Z" in decision.reason
    assert decision.list_id == LIST_ID


def test_without_a_list_nothing_is_decided_and_the_report_says_the_name_is_unchecked(
    world: World,
) -> None:
    document, parsed = world.credential(key=world.stranger, name="State CS Academy")
    result = world.verify(document)
    decision = NoTrustList().decide(parsed, result)
    assert (decision.trusted, decision.code) == (None, "trust.no_list")
    assert "self-asserted" in decision.reason
    assert "unchecked" in decision.reason
    text = render_text(result)
    issuer_line = next(line for line in text.splitlines() if line.strip().startswith("Issuer:"))
    assert "State CS Academy" in issuer_line
    assert "the name is self-asserted and unchecked (no trust list)" in issuer_line
    assert "Trust:" not in text


def test_the_report_names_the_decision_and_flags_an_untrusted_issuer(
    world: World, tmp_path: Path
) -> None:
    lists = lists_of(world, tmp_path, world.trust_list())
    document, parsed = world.credential(key=world.stranger, name="State CS Academy")
    result = world.verify(document)
    decision = lists.decide(parsed, result)
    text = render_text(result, trust=describe_decision(decision), trusted=decision.trusted)
    assert text.splitlines()[0] == "VERIFIED, ISSUER NOT TRUSTED"
    assert "  Trust:       NOT TRUSTED: issuer " in text
    assert "(trust.not_listed)" in text
    assert "self-asserted" not in text


def test_the_first_list_with_an_entry_decides(world: World, tmp_path: Path) -> None:
    """A state's own list suspends a provider that a list it accepts still trusts."""
    accepted = world.trust_list(list_id="https://state-b.example.gov/trust.json", name="B")
    b_path, b_digest = write(tmp_path / "b.json", accepted)
    own = world.trust_list(
        [world.entry(status="suspended", statusSince="2026-01-01T00:00:00Z")],
        accepted_lists=[{"id": accepted["id"], "name": "B", "sha256": b_digest}],
    )
    own_path, own_digest = write(tmp_path / "own.json", own)
    lists = load_trust_lists([f"{own_path}#sha256={own_digest}", b_path], policy=world.policy())
    decision = decide(world, lists)
    assert (decision.trusted, decision.code, decision.list_id) == (
        False,
        "trust.suspended",
        LIST_ID,
    )


# -- acceptance: a second state's list ------------------------------------------------------
def test_a_second_state_trusts_the_first_states_providers_through_acceptance(
    world: World, tmp_path: Path
) -> None:
    first = world.trust_list()
    signed = write_signed(tmp_path / "a.signed.json", first, world.office)
    second = world.trust_list(
        [],
        list_id="https://state-b.example.gov/trust.json",
        name="State B providers",
        operator_id=world.office_did,
        accepted_lists=[{"id": LIST_ID, "name": "State A", "operator": world.office_did}],
    )
    b_path, b_digest = write(tmp_path / "b.json", second)
    lists = load_trust_lists([f"{b_path}#sha256={b_digest}", signed], policy=world.policy())
    assert [item.anchor for item in lists.lists] == ["sha256", "accepted"]
    assert lists.lists[1].accepted_by == "https://state-b.example.gov/trust.json"
    decision = decide(world, lists)
    assert (decision.trusted, decision.code) == (True, "trust.trusted")
    assert decision.list_id == LIST_ID
    assert decision.via == "https://state-b.example.gov/trust.json"
    assert "accepted through https://state-b.example.gov/trust.json" in decision.reason


def test_acceptance_by_digest_of_a_plain_list(world: World, tmp_path: Path) -> None:
    a_path, a_digest = write(tmp_path / "a.json", world.trust_list())
    second = world.trust_list(
        [],
        list_id="urn:example:state-b",
        name="State B providers",
        accepted_lists=[{"id": LIST_ID, "name": "State A", "sha256": a_digest}],
    )
    b_path, b_digest = write(tmp_path / "b.json", second)
    lists = load_trust_lists([f"{b_path}#sha256={b_digest}", a_path], policy=world.policy())
    assert decide(world, lists).via == "urn:example:state-b"


# -- loading ---------------------------------------------------------------------------------
def test_a_signed_list_is_verified_like_a_credential_and_anchored_by_its_operator(
    world: World, tmp_path: Path
) -> None:
    for fmt in ("eddsa-rdfc-2022", "jwt"):
        signed = write_signed(tmp_path / f"a.{fmt}", world.trust_list(), world.office, fmt)
        lists = load_trust_lists([f"{signed}#operator={world.office_did}"], policy=world.policy())
        (item,) = lists.lists
        assert (item.anchor, item.signed_by) == ("operator", world.office_did)
        assert decide(world, lists).trusted is True


def test_an_expired_list_is_an_error_not_an_empty_list(world: World, tmp_path: Path) -> None:
    document = world.trust_list(
        issued=datetime(2025, 1, 1, tzinfo=UTC), valid_until=datetime(2026, 6, 30, tzinfo=UTC)
    )
    path, digest = write(tmp_path / "old.json", document)
    with pytest.raises(TrustListError) as caught:
        load_trust_lists([f"{path}#sha256={digest}"], policy=world.policy())
    assert caught.value.code == "trust_list.expired"
    assert "expired at 2026-06-30" in caught.value.message
    assert "State A Office of Educator Licensure" in caught.value.message


def test_a_list_not_valid_yet_is_an_error(world: World, tmp_path: Path) -> None:
    document = world.trust_list(valid_from=datetime(2027, 1, 1, tzinfo=UTC))
    path, digest = write(tmp_path / "future.json", document)
    with pytest.raises(TrustListError) as caught:
        load_trust_lists([f"{path}#sha256={digest}"], policy=world.policy())
    assert caught.value.code == "trust_list.not_yet_valid"


def test_a_version_lower_than_one_seen_is_a_rollback(world: World, tmp_path: Path) -> None:
    seen: dict[str, int] = {}
    v2_path, v2 = write(tmp_path / "v2.json", world.trust_list(version=2))
    load_trust_lists([f"{v2_path}#sha256={v2}"], policy=world.policy(), seen_versions=seen)
    assert seen == {LIST_ID: 2}
    v1_path, v1 = write(tmp_path / "v1.json", world.trust_list(version=1))
    with pytest.raises(TrustListError) as caught:
        load_trust_lists([f"{v1_path}#sha256={v1}"], policy=world.policy(), seen_versions=seen)
    assert caught.value.code == "trust_list.rollback"
    assert "version 1, older than version 2" in caught.value.message
    assert seen == {LIST_ID: 2}


def test_no_source_is_a_programmer_error() -> None:
    with pytest.raises(ValueError, match="NoTrustList"):
        load_trust_lists([])


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("list.json", ("list.json", None, None)),
        ("a#b.json", ("a#b.json", None, None)),
        ("l.json#sha256=" + "AB" * 32, ("l.json", "ab" * 32, None)),
        ("l.json#operator=did:key:z6Mk", ("l.json", None, "did:key:z6Mk")),
        (
            "l.json#sha256=" + "0" * 64 + "&operator=did:web:x.example",
            ("l.json", "0" * 64, "did:web:x.example"),
        ),
        (
            "l.json#operator=did:web:x.example&key=did:web:x.example#key-1",
            ("l.json", None, "did:web:x.example", "did:web:x.example#key-1"),
        ),
    ],
)
def test_source_pins_parse(spec: str, expected: tuple[str | None, ...]) -> None:
    source = TrustListSource.parse(spec)
    parsed = (str(source.path), source.sha256, source.operator, source.key)
    assert parsed[: len(expected)] == expected
    assert len(expected) == 4 or source.key is None


@pytest.mark.parametrize(
    "spec", ["l.json#sha256=abc", "l.json#sha256=", "l.json#sha256=" + "0" * 64 + "&key=x"]
)
def test_malformed_pins_are_usage_errors(spec: str) -> None:
    with pytest.raises(ValueError, match="trust list"):
        TrustListSource.parse(spec)


# -- the summary carries the key -------------------------------------------------------------
def test_the_summary_names_the_verification_method(world: World) -> None:
    document, _ = world.credential()
    assert world.verify(document).summary.verification_method == world.web_vm
    token, _ = world.credential(key=world.web_key2, fmt="jwt")
    summary = world.verify(token).summary
    assert summary.verification_method == world.web_vm2
    assert summary.to_dict()["verification_method"] == world.web_vm2


# -- DCC import ------------------------------------------------------------------------------
DCC: dict[str, Any] = {
    "meta": {"created": "2022-10-27T17:57:31+00:00", "updated": "2025-03-25T18:29:52+00:00"},
    "registry": {
        "did:web:credentials.myschool.example": {
            "name": "My School",
            "location": "Ancaster, ON, Canada",
            "url": "https://some.domain.example",
        },
        "did:key:z6MkpLDL3RoAoMRTwTgo3rs39ZwssfaPKtGdZw7AGRN7CK4W": {
            "name": "My University",
            "location": "Cambridge, MA, USA",
            "url": "https://digitalcredentials.example.edu",
        },
    },
}


@pytest.mark.parametrize("key", ["registry", "entries"])
def test_a_dcc_registry_imports_into_a_list_that_loads(
    world: World, tmp_path: Path, key: str
) -> None:
    registry = {"meta": DCC["meta"], key: DCC["registry"]}
    document = import_dcc_registry(
        json.dumps(registry).encode(),
        list_id="urn:example:dcc-import",
        name="DCC community issuers",
        operator_id=world.office_did,
        operator_name="State A Office",
        valid_until=datetime(2027, 6, 30, tzinfo=UTC),
        achievement_types=["MicroCredential"],
        issued=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert [entry["id"] for entry in document["issuers"]] == list(DCC["registry"])
    assert document["issuers"][0] == {
        "id": "did:web:credentials.myschool.example",
        "name": "My School",
        "status": "active",
        "url": "https://some.domain.example",
        "location": "Ancaster, ON, Canada",
        "achievementTypes": ["MicroCredential"],
    }
    path, digest = write(tmp_path / "dcc.json", document)
    item = inspect_trust_list(f"{path}#sha256={digest}", policy=world.policy())
    assert len(item.trust_list.issuers) == 2


def test_a_dcc_import_needs_a_scope_and_a_registry(world: World) -> None:
    common: dict[str, Any] = {
        "list_id": "urn:example:x",
        "name": "x",
        "operator_id": world.office_did,
        "operator_name": "x",
        "valid_until": datetime(2027, 6, 30, tzinfo=UTC),
    }
    with pytest.raises(ValueError, match="achievements or achievement types"):
        import_dcc_registry(DCC, **common)
    with pytest.raises(TrustListError) as caught:
        import_dcc_registry({"meta": {}}, achievements=["*"], **common)
    assert caught.value.code == "trust_list.bad_import"
    with pytest.raises(TrustListError) as caught:
        import_dcc_registry(b"{", achievements=["*"], **common)
    assert caught.value.code == "trust_list.bad_import"


# -- schema and examples ---------------------------------------------------------------------
def test_the_published_schema_is_the_bundled_one() -> None:
    published = ROOT / "schemas" / "trust-list-v1.schema.json"
    bundled = ROOT / "src" / "mcbadge" / "schemas" / "mcbadge" / "trust-list-v1.schema.json"
    assert published.read_bytes() == bundled.read_bytes()
    Draft202012Validator.check_schema(trust_list_schema())


def test_the_example_lists_follow_the_schema() -> None:
    validator = Draft202012Validator(trust_list_schema())
    for name in ("mountain-state.trust-list.json", "blue-ridge.trust-list.json"):
        document = json.loads((EXAMPLES / name).read_text())
        assert list(validator.iter_errors(document)) == [], name
    signed = json.loads((EXAMPLES / "mountain-state.trust-list.signed.json").read_text())
    inner = json.loads(signed["credentialSubject"]["endorsementComment"])
    assert inner == json.loads((EXAMPLES / "mountain-state.trust-list.json").read_text())


def example_policy() -> Any:
    from mcbadge.verify import VerificationPolicy

    did = json.loads(
        (EXAMPLES / "dids" / "pd.mountainstate.example.edu-cs-pd.did.json").read_text()
    )
    return VerificationPolicy(offline=True, now=EXAMPLES_NOW, did_documents={did["id"]: did})


def test_the_examples_second_state_accepts_the_first_states_providers() -> None:
    second = EXAMPLES / "blue-ridge.trust-list.json"
    first = EXAMPLES / "mountain-state.trust-list.signed.json"
    lists = load_trust_lists(
        [f"{second}#sha256={sha256_hex(second.read_bytes())}", first], policy=example_policy()
    )
    expected = {
        "msu-k5-algorithms.json": (True, "trust.trusted"),
        "allegheny-k5-data-analysis.json": (True, "trust.trusted"),
        "ridge-k5-data-analysis.json": (False, "trust.suspended"),
        "self-asserted-academy.json": (False, "trust.not_listed"),
    }
    from mcbadge import verify

    for name, verdict in expected.items():
        path = EXAMPLES / "credentials" / name
        result = verify(path, example_policy())
        assert result.verified, (name, result.failed_checks)
        decision = decide_file(lists, path, result)
        assert (decision.trusted, decision.code) == verdict, (name, decision.reason)
        if decision.trusted:
            assert (
                decision.via == "https://educatorstandards.blueridge.example.gov/trust/issuers.json"
            )


# -- CLI -------------------------------------------------------------------------------------
def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_create_sign_inspect_and_verify(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "office.json"
    from mcbadge.keys import save_key

    save_key(world.office, key_file)
    small = tmp_path / "input.json"
    small.write_text(json.dumps({"issuers": [world.entry()]}))
    plain, signed = tmp_path / "list.json", tmp_path / "list.signed.json"
    code, _, err = run(
        [
            "trust", "create", str(small), "--id", LIST_ID, "--name", "State A providers",
            "--operator", world.office_did, "--operator-name", "State A Office",
            "--valid-until", "2099-12-31T00:00:00Z", "--version", "4", "--out", str(plain),
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(plain.read_text())["version"] == 4
    code, _, err = run(
        ["trust", "sign", str(plain), "--key", str(key_file), "-o", str(signed)], capsys
    )
    assert code == 0, err
    code, out, err = run(
        [
            "trust",
            "inspect",
            str(signed),
            "--operator",
            world.office_did,
        ],
        capsys,
    )
    assert code == 0, err
    assert "Form:        signed by " + world.office_did in out
    assert "Anchor:      signed by the operator the configuration names" in out
    assert "keys: " + world.web_vm in out
    # verify: a trusted credential exits 0, an untrusted one 1, with the decision printed
    good, _ = world.credential(key=world.small, issuer=world.small_did)
    stranger, _ = world.credential(key=world.stranger, name="State CS Academy")
    small_entry = world.entry(id=world.small_did, verificationMethods=None)
    small.write_text(json.dumps({"issuers": [small_entry]}))
    run(
        [
            "trust", "create", str(small), "--id", LIST_ID, "--name", "State A providers",
            "--operator", world.office_did, "--operator-name", "State A Office",
            "--valid-until", "2099-12-31T00:00:00Z", "--issued", "2026-11-01T00:00:00Z",
            "--out", str(plain),
        ],
        capsys,
    )  # fmt: skip
    pin = f"{plain}#sha256={sha256_hex(plain.read_bytes())}"
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "stranger.json").write_text(json.dumps(stranger))
    common = ["verify", "--offline", "--now", "2026-12-01T00:00:00Z", "--trust-list", pin]
    code, out, err = run([*common, str(tmp_path / "good.json")], capsys)
    assert code == 0, out + err
    assert ": VERIFIED\n" in out
    assert "Trust:       TRUSTED: " in out
    code, out, _ = run([*common, str(tmp_path / "stranger.json")], capsys)
    assert code == 1
    assert "VERIFIED, ISSUER NOT TRUSTED" in out
    assert "(trust.not_listed)" in out
    code, out, _ = run([*common, "--format", "json", str(tmp_path / "stranger.json")], capsys)
    record = json.loads(out)
    assert code == 1
    assert record["verified"] is True
    assert record["trust"]["code"] == "trust.not_listed"
    assert record["trust"]["trusted"] is False


def test_cli_verify_refuses_a_list_it_cannot_rely_on(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, digest = write(tmp_path / "list.json", world.trust_list())
    credential, _ = world.credential(key=world.small, issuer=world.small_did)
    (tmp_path / "c.json").write_text(json.dumps(credential))
    code, out, err = run(
        ["verify", "--offline", "--trust-list", str(path), str(tmp_path / "c.json")], capsys
    )
    assert code == 1
    assert out == ""
    assert "is not anchored" in err
    assert "[trust_list.unanchored]" in err
    assert f"#sha256={digest}" in err  # the pin to add, if the office checked the file
    code, _, err = run(
        ["verify", "--trust-list", f"{path}#sha256=zz", str(tmp_path / "c.json")], capsys
    )
    assert code == 64
    assert "sha256 must be 64 hexadecimal digits" in err


def test_cli_import_dcc(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps(DCC))
    common = [
        "trust", "import", "dcc", str(registry), "--id", "urn:example:dcc", "--name", "DCC",
        "--operator", world.office_did, "--operator-name", "State A Office",
        "--valid-until", "2027-06-30T00:00:00Z",
    ]  # fmt: skip
    code, _, err = run(common, capsys)
    assert code == 64
    assert "--achievement" in err
    code, out, err = run([*common, "--achievement", "*"], capsys)
    assert code == 0, err
    assert [e["achievements"] for e in json.loads(out)["issuers"]] == [["*"], ["*"]]


# -- docs/licensure.md: the "Trust lists" section runs, top to bottom ----------------------
def test_the_trust_list_section_of_the_licensure_docs_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its sh blocks in a shell and its python blocks in Python, in order, in a fresh
    directory with examples/ linked (as tests/test_docs_examples.py runs python blocks)."""
    import os
    import re
    import subprocess
    import sys

    text = (ROOT / "docs" / "licensure.md").read_text("utf-8")
    start = text.index("## Trust lists")
    following = text.find("\n## ", start + 1)
    section = text[start : following if following != -1 else len(text)]
    blocks = re.findall(r"^```(python|sh)\n(.*?)^```\s*$", section, re.MULTILINE | re.DOTALL)
    assert sum(1 for language, _ in blocks if language == "sh") >= 5
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    namespace: dict[str, object] = {"__name__": "docs_licensure_trust"}
    for language, code in blocks:
        if language == "python":
            exec(compile(code, "docs/licensure.md", "exec"), namespace)
            continue
        shell = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", code],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert shell.returncode == 0, f"{code}\n{shell.stdout}\n{shell.stderr}"
    signed = json.loads((tmp_path / "providers.signed.json").read_text())
    assert signed["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert json.loads((tmp_path / "dcc.json").read_text())["issuers"][0]["name"] == "My School"


# -- a list published at an https URL ----------------------------------------------------------
class _Published:
    """Serves one list's bytes at one URL, as the hardened fetcher would return them."""

    def __init__(self, url: str, body: bytes) -> None:
        self.url, self.body = url, body
        self.asked: list[str] = []

    def get_bytes(self, url: str, *, accept: str = "*/*", max_bytes: int | None = None) -> Any:
        from types import SimpleNamespace

        from mcbadge.errors import FetchError

        self.asked.append(url)
        if url != self.url:
            raise FetchError(f"{url} is unreachable", code="status_retrieval.unreachable")
        return SimpleNamespace(body=self.body)


def test_a_list_published_at_a_url_is_fetched_and_pinned(world: World, tmp_path: Path) -> None:
    import dataclasses

    _, digest = write(tmp_path / "list.json", world.trust_list())
    body = (tmp_path / "list.json").read_bytes()
    url = "https://licensure.state-a.example.gov/trust/providers.json"
    host = _Published(url, body)
    policy = dataclasses.replace(world.policy(), fetcher=host)
    lists = load_trust_lists([f"{url}#sha256={digest}"], policy=policy)
    assert host.asked == [url]
    assert lists.lists[0].source == url
    assert decide(world, lists).trusted is True
    # the pin still holds for a fetched list, and an unreachable one is an error
    with pytest.raises(TrustListError) as wrong:
        load_trust_lists([f"{url}#sha256={'0' * 64}"], policy=policy)
    assert wrong.value.code == "trust_list.wrong_pin"
    with pytest.raises(TrustListError) as gone:
        load_trust_lists([f"{url}x#sha256={digest}"], policy=policy)
    assert gone.value.code == "trust_list.unreadable"
    assert "cannot fetch trust list" in gone.value.message
    # offline, the hardened fetcher refuses: an error, never an empty list
    offline = dataclasses.replace(world.policy(), fetcher=None, offline=True)
    with pytest.raises(TrustListError) as refused:
        load_trust_lists([f"{url}#sha256={digest}"], policy=offline)
    assert refused.value.code == "trust_list.unreadable"


def test_the_text_of_a_list_cannot_add_lines_to_its_rendering(world: World, tmp_path: Path) -> None:
    """A list's names are the operator's words: a line break in one would put a forged entry
    (or a forged 'Form: signed') into what `mcbadge trust inspect` shows the office."""
    forged = "Provider Academy\n  - Forged Board (did:web:forged.example): active\u2028"
    document = world.trust_list(
        [world.entry(name=forged)],
        name="State A providers\r\n  Form:        signed by the state",
        operator_name="State A Office\x1b[2J of Educator Licensure",
    )
    path, _ = write(tmp_path / "list.json", document)
    text = render_trust_list(inspect_trust_list(str(path), policy=world.policy()))
    lines = text.splitlines()
    assert lines[0] == f"{path}: State A providers\\r\\n  Form:        signed by the state"
    assert "  Operator:    State A Office\\x1b[2J of Educator Licensure (" in text
    assert [line for line in lines if line.startswith("  - ")] == [
        "  - Provider Academy\\n  - Forged Board (did:web:forged.example): active\\u2028 "
        f"({world.web_did}): active"
    ]
    assert sum(line.startswith("  Form:") for line in lines) == 1
    assert "\x1b" not in text
