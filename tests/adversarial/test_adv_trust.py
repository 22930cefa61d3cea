"""Hostile trust lists: every way a list could be swapped, edited, replayed or forged is an
error with its own code (never an empty list, never a pass), and hostile credentials cannot
borrow a listed issuer's trust."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import TrustListError
from mcbadge.licensure.trust import MAX_LIST_BYTES, load_trust_lists, sha256_hex
from trust_kit import ACH, LIST_ID, World, write, write_signed


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def resign(credential: dict[str, Any], key: Any) -> str:
    from mcbadge.signing import sign

    created = datetime(2026, 11, 1, tzinfo=UTC)
    return sign(credential, key, format="eddsa-rdfc-2022", created=created).to_text()


def refused(world: World, sources: list[Any]) -> TrustListError:
    with pytest.raises(TrustListError) as caught:
        load_trust_lists(sources, policy=world.policy())
    return caught.value


# -- plain lists: the pin ------------------------------------------------------------------
def test_a_tampered_plain_list_fails_its_pin(world: World, tmp_path: Path) -> None:
    path, digest = write(tmp_path / "list.json", world.trust_list())
    text = path.read_text().replace('"status": "active"', '"status": "active" ', 1)
    path.write_text(text)  # one space: same meaning, different bytes
    error = refused(world, [f"{path}#sha256={digest}"])
    assert error.code == "trust_list.wrong_pin"
    assert f"pins {digest}" in error.message
    assert "the file was changed, or the pin is wrong" in error.message


def test_a_list_with_an_added_issuer_fails_its_pin(world: World, tmp_path: Path) -> None:
    document = world.trust_list()
    path, digest = write(tmp_path / "list.json", document)
    document["issuers"].append(world.entry(id=world.small_did, name="Added later"))
    write(path, document)
    assert refused(world, [f"{path}#sha256={digest}"]).code == "trust_list.wrong_pin"


def test_a_wrong_pin_is_refused(world: World, tmp_path: Path) -> None:
    path, _ = write(tmp_path / "list.json", world.trust_list())
    error = refused(world, [f"{path}#sha256={'0' * 64}"])
    assert error.code == "trust_list.wrong_pin"
    assert str(path) in error.message


def test_an_unpinned_list_nobody_accepts_is_refused(world: World, tmp_path: Path) -> None:
    path, digest = write(tmp_path / "list.json", world.trust_list())
    error = refused(world, [path])
    assert error.code == "trust_list.unanchored"
    assert f"{path}#sha256={digest}" in error.message


def test_a_plain_list_cannot_be_anchored_by_an_operator_pin(world: World, tmp_path: Path) -> None:
    """Anyone can write a plain file naming any operator: only a signature proves who made it."""
    path, _ = write(tmp_path / "list.json", world.trust_list())
    error = refused(world, [f"{path}#operator={world.office_did}"])
    assert error.code == "trust_list.unsigned"
    assert "plain file, not signed by" in error.message


# -- signed lists -------------------------------------------------------------------------
def test_a_list_signed_by_someone_other_than_its_operator_is_refused(
    world: World, tmp_path: Path
) -> None:
    """The stranger signs a list that names the office as operator (the credential's issuer is
    the stranger, or the proof would not verify)."""
    document = world.trust_list()
    forged = tmp_path / "forged.json"
    from mcbadge.did import did_for_key

    credential = json.loads(
        write_signed(tmp_path / "genuine.json", document, world.office).read_text()
    )
    credential.pop("proof")
    credential["issuer"]["id"] = did_for_key(world.stranger)
    forged.write_text(resign(credential, world.stranger))
    digest = sha256_hex(forged.read_bytes())
    for pin in (f"#sha256={digest}", f"#operator={world.office_did}"):
        error = refused(world, [f"{forged}{pin}"])
        assert error.code == "trust_list.wrong_signer"
        assert f"signed by {did_for_key(world.stranger)}" in error.message
        assert f"names {world.office_did}" in error.message


def test_a_genuine_list_of_another_operator_is_not_the_one_configured(
    world: World, tmp_path: Path
) -> None:
    """A state's own, correctly signed list, offered where another state's is expected."""
    other = world.trust_list(operator_id=world_other(world), operator_name="State C")
    path = write_signed(tmp_path / "c.json", other, world.other_office)
    error = refused(world, [f"{path}#operator={world.office_did}"])
    assert error.code == "trust_list.wrong_operator"
    assert f"expects {world.office_did}" in error.message


def world_other(world: World) -> str:
    from mcbadge.did import did_for_key

    return did_for_key(world.other_office)


def test_a_tampered_signed_list_does_not_verify(world: World, tmp_path: Path) -> None:
    path = write_signed(tmp_path / "a.json", world.trust_list(), world.office)
    credential = json.loads(path.read_text())
    inner = json.loads(credential["credentialSubject"]["endorsementComment"])
    inner["issuers"].append(world.entry(id=world.small_did, name="Slipped in"))
    credential["credentialSubject"]["endorsementComment"] = json.dumps(inner)
    path.write_text(json.dumps(credential))
    error = refused(world, [f"{path}#operator={world.office_did}"])
    assert error.code == "trust_list.unverifiable"
    assert "does not verify: signature:" in error.message


def test_a_tampered_signed_jwt_list_does_not_verify(world: World, tmp_path: Path) -> None:
    path = write_signed(tmp_path / "a.jwt", world.trust_list(), world.office, "jwt")
    header, payload, signature = path.read_text().strip().split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    path.write_text(f"{header}.{payload}.{flipped}")
    error = refused(world, [f"{path}#operator={world.office_did}"])
    assert error.code == "trust_list.unverifiable"


def test_an_expired_signed_list_is_refused_as_expired(world: World, tmp_path: Path) -> None:
    document = world.trust_list(
        issued=datetime(2025, 1, 1, tzinfo=UTC), valid_until=datetime(2026, 6, 30, tzinfo=UTC)
    )
    path = write_signed(tmp_path / "old.json", document, world.office)
    error = refused(world, [f"{path}#operator={world.office_did}"])
    assert error.code == "trust_list.expired"
    assert "has expired" in error.message


def test_a_signed_list_endorsing_another_id_is_refused(world: World, tmp_path: Path) -> None:

    path = write_signed(tmp_path / "a.json", world.trust_list(), world.office)
    credential = json.loads(path.read_text())
    credential.pop("proof")
    credential["credentialSubject"]["id"] = "https://elsewhere.example/list.json"
    path.write_text(resign(credential, world.office))
    error = refused(world, [f"{path}#operator={world.office_did}"])
    assert error.code == "trust_list.subject_mismatch"


def test_an_ordinary_badge_is_not_a_trust_list(world: World, tmp_path: Path) -> None:
    badge, _ = world.credential(key=world.office, issuer=world.office_did)
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(badge))
    error = refused(world, [f"{path}#operator={world.office_did}"])
    assert error.code == "trust_list.not_a_trust_list"


# -- acceptance ---------------------------------------------------------------------------
def test_an_accepted_list_with_other_bytes_than_accepted_is_refused(
    world: World, tmp_path: Path
) -> None:
    a_path, a_digest = write(tmp_path / "a.json", world.trust_list())
    second = world.trust_list(
        [],
        list_id="urn:example:state-b",
        name="State B",
        accepted_lists=[{"id": LIST_ID, "name": "State A", "sha256": a_digest}],
    )
    b_path, b_digest = write(tmp_path / "b.json", second)
    changed = world.trust_list([world.entry(id=world.small_did, name="Swapped in")])
    write(a_path, changed)  # same id, other content
    error = refused(world, [f"{b_path}#sha256={b_digest}", a_path])
    assert error.code == "trust_list.wrong_pin"
    assert f"State B accepts it only with SHA-256 {a_digest}" in error.message


def test_an_accepted_list_signed_by_another_operator_is_refused(
    world: World, tmp_path: Path
) -> None:
    forged = world.trust_list(operator_id=world_other(world), operator_name="Impostor")
    a_path = write_signed(tmp_path / "a.json", forged, world.other_office)
    second = world.trust_list(
        [],
        list_id="urn:example:state-b",
        name="State B",
        accepted_lists=[{"id": LIST_ID, "name": "State A", "operator": world.office_did}],
    )
    b_path, b_digest = write(tmp_path / "b.json", second)
    error = refused(world, [f"{b_path}#sha256={b_digest}", a_path])
    assert error.code == "trust_list.wrong_operator"
    assert f"accepts it only signed by {world.office_did}" in error.message


def test_lists_that_only_accept_each_other_are_not_anchored(world: World, tmp_path: Path) -> None:
    a = world.trust_list(
        accepted_lists=[{"id": "urn:example:b", "name": "B", "operator": world.office_did}]
    )
    b = world.trust_list(
        list_id="urn:example:b",
        accepted_lists=[{"id": LIST_ID, "name": "A", "operator": world.office_did}],
    )
    a_path = write_signed(tmp_path / "a.json", a, world.office)
    b_path = write_signed(tmp_path / "b.json", b, world.office)
    assert refused(world, [a_path, b_path]).code == "trust_list.unanchored"


def test_the_same_list_loaded_twice_is_refused(world: World, tmp_path: Path) -> None:
    path, digest = write(tmp_path / "a.json", world.trust_list())
    copy, _ = write(tmp_path / "copy.json", world.trust_list())
    error = refused(world, [f"{path}#sha256={digest}", f"{copy}#sha256={digest}"])
    assert error.code == "trust_list.duplicate"


# -- malformed lists ----------------------------------------------------------------------
def broken(world: World, change: Any) -> dict[str, Any]:
    document = world.trust_list()
    change(document)
    return document


def first_issuer(**changes: Any) -> Any:
    return lambda d: d["issuers"][0].update(changes)


def top(**changes: Any) -> Any:
    return lambda d: d.update(changes)


def unscoped(document: dict[str, Any]) -> None:
    document["issuers"][0].pop("achievements")
    document["issuers"][0].pop("achievementTypes")


def accepting_itself(document: dict[str, Any]) -> None:
    document["acceptedLists"] = [{"id": document["id"], "name": "me", "sha256": "0" * 64}]


MALFORMED = [
    (first_issuer(status="paused"), "malformed", "issuers/0/status"),
    (first_issuer(status="suspended"), "malformed", "statusSince"),
    (unscoped, "malformed", "issuers/0"),
    (first_issuer(achievements=["https://a.example/*/x"]), "malformed", "achievements/0"),
    (top(version=0), "malformed", "version"),
    (top(formatVersion=2), "malformed", "formatVersion"),
    (top(validUntil="2027-12-31T00:00:00"), "malformed", "validUntil"),
    (top(validUntil="2027-02-30T00:00:00Z"), "malformed", "not a valid date-time"),
    (top(validUntil="2026-10-01T00:00:00Z"), "inverted_dates", "validUntil"),
    (top(extra=1), "malformed", "(top level)"),
    (lambda d: d["issuers"].append(dict(d["issuers"][0])), "duplicate_entry", "twice"),
    (accepting_itself, "malformed", "accepts itself"),
    (top(acceptedLists=[{"id": "urn:x:y", "name": "no pin"}]), "malformed", "acceptedLists/0"),
    (
        first_issuer(validFrom="2026-01-01T00:00:00Z", validUntil="2025-01-01T00:00:00Z"),
        "inverted_dates",
        "ends before it starts",
    ),
]


@pytest.mark.parametrize(("change", "code", "words"), MALFORMED)
def test_malformed_lists_are_refused_with_where(
    world: World, tmp_path: Path, change: Any, code: str, words: str
) -> None:
    path, digest = write(tmp_path / "bad.json", broken(world, change))
    error = refused(world, [f"{path}#sha256={digest}"])
    assert error.code == f"trust_list.{code}"
    assert words in error.message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"type": "McbadgeTrustList", "type": "x"}', "trust_list.malformed"),  # duplicate key
        ('{"type": "McbadgeTrustList", "version": NaN}', "trust_list.malformed"),
        ("[" * 5000 + "]" * 5000, "trust_list.not_a_trust_list"),
        ("", "trust_list.not_a_trust_list"),
        ('{"type": "Something"}', "trust_list.not_a_trust_list"),
    ],
)
def test_hostile_bytes_are_refused(world: World, tmp_path: Path, text: str, code: str) -> None:
    path, digest = write(tmp_path / "bad.json", text)
    assert refused(world, [f"{path}#sha256={digest}"]).code == code


def test_an_oversized_list_is_refused_before_parsing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_bytes(b" " * (MAX_LIST_BYTES + 1))
    error = refused(world, [f"{path}#sha256={'0' * 64}"])
    assert error.code == "trust_list.too_large"


def test_a_directory_or_missing_file_is_unreadable(world: World, tmp_path: Path) -> None:
    assert refused(world, [f"{tmp_path}#sha256={'0' * 64}"]).code == "trust_list.unreadable"
    missing = tmp_path / "missing.json"
    assert refused(world, [f"{missing}#sha256={'0' * 64}"]).code == "trust_list.unreadable"


# -- hostile credentials ------------------------------------------------------------------
def lists(world: World, tmp_path: Path, document: dict[str, Any] | None = None) -> Any:
    path, digest = write(tmp_path / "list.json", document or world.trust_list())
    return load_trust_lists([f"{path}#sha256={digest}"], policy=world.policy())


def test_a_look_alike_issuer_id_is_not_listed(world: World, tmp_path: Path) -> None:
    """Ids match exactly: another key's did:key named like the listed provider gets nothing,
    nor does a case variant of a listed did:web."""
    trust = lists(world, tmp_path)
    document, parsed = world.credential(key=world.stranger, name="Provider Academy")
    decision = trust.decide(parsed, world.verify(document))
    assert (decision.trusted, decision.code) == (False, "trust.not_listed")
    upper = dict(parsed, issuer=dict(parsed["issuer"], id=world.web_did.upper()))
    result = world.verify(document)
    assert trust.decide(upper, result).code == "trust.mismatch"


def test_a_result_for_another_credential_decides_nothing(world: World, tmp_path: Path) -> None:
    trust = lists(world, tmp_path)
    good, _good_parsed = world.credential()
    _bad, bad_parsed = world.credential(key=world.stranger)
    decision = trust.decide(bad_parsed, world.verify(good))
    assert (decision.trusted, decision.code) == (None, "trust.mismatch")


def test_a_prefix_pattern_does_not_match_a_longer_host(world: World, tmp_path: Path) -> None:
    entry = world.entry(achievements=["https://pd.provider.example/achievements/*"])
    trust = lists(world, tmp_path, world.trust_list([entry]))
    document, parsed = world.credential(
        achievement="https://pd.provider.example.attacker.example/achievements/x"
    )
    decision = trust.decide(parsed, world.verify(document))
    assert decision.code == "trust.achievement_not_allowed"


def test_every_proof_of_a_multi_proof_credential_must_use_a_pinned_key(
    world: World, tmp_path: Path
) -> None:
    """Both keys are in the issuer's DID document, so both proofs verify; only key 1 is
    pinned: the credential is not trusted, whichever proof comes first."""
    from mcbadge.proofs import sign as sign_proof

    trust = lists(world, tmp_path)
    document, _ = world.credential()
    assert isinstance(document, dict)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    second = sign_proof(
        unsigned,
        world.web_key2,
        format="eddsa-rdfc-2022",
        verification_method=world.web_vm2,
        created=datetime(2026, 11, 30, tzinfo=UTC),
    ).document["proof"]
    for proofs in ([document["proof"], second], [second, document["proof"]]):
        both = dict(unsigned, proof=proofs)
        result = world.verify(both)
        assert result.verified, result.failed_checks
        decision = trust.decide(both, result)
        assert (decision.trusted, decision.code) == (False, "trust.key_not_pinned")
        assert world.web_vm2 in decision.reason


def test_a_credential_without_an_issuance_date_is_not_trusted(world: World, tmp_path: Path) -> None:
    trust = lists(world, tmp_path)
    document, parsed = world.credential()
    result = world.verify(document)
    undated = {k: v for k, v in parsed.items() if k != "validFrom"}
    decision = trust.decide(undated, result)
    assert (decision.trusted, decision.code) == (False, "trust.no_issuance_date")


def test_an_achievement_less_credential_is_not_allowed_even_for_star(
    world: World, tmp_path: Path
) -> None:
    trust = lists(
        world, tmp_path, world.trust_list([world.entry(achievements=["*"], achievementTypes=None)])
    )
    document, parsed = world.credential()
    result = world.verify(document)
    bare = dict(parsed, credentialSubject={"id": "did:example:teacher-42"})
    decision = trust.decide(bare, result)
    assert decision.code == "trust.achievement_not_allowed"
    assert "no achievement id" in decision.reason
    assert trust.decide(parsed, result).trusted is True
    assert ACH in parsed["credentialSubject"]["achievement"]["id"]


def test_acceptance_is_not_transitive(world: World, tmp_path: Path) -> None:
    """B (pinned) accepts A; A accepts C. C is not relied on: B vouched for A's providers."""
    c = world.trust_list(list_id="urn:example:c", name="C")
    c_path, c_digest = write(tmp_path / "c.json", c)
    a = world.trust_list(accepted_lists=[{"id": "urn:example:c", "name": "C", "sha256": c_digest}])
    a_path, a_digest = write(tmp_path / "a.json", a)
    b = world.trust_list(
        [],
        list_id="urn:example:b",
        name="B",
        accepted_lists=[{"id": LIST_ID, "name": "A", "sha256": a_digest}],
    )
    b_path, b_digest = write(tmp_path / "b.json", b)
    error = refused(world, [f"{b_path}#sha256={b_digest}", a_path, c_path])
    assert error.code == "trust_list.unanchored"
    assert str(c_path) in error.message
    loaded = load_trust_lists([f"{b_path}#sha256={b_digest}", a_path], policy=world.policy())
    assert [item.anchor for item in loaded.lists] == ["sha256", "accepted"]


def test_a_signed_list_its_operator_revoked_is_refused(
    world: World, tmp_path: Path, host: Any
) -> None:
    """The list's own credentialStatus is checked like any credential's."""
    from mcbadge.licensure.trust import sign_trust_list
    from mcbadge.proofs import sign as sign_proof
    from mcbadge.status import build_status_list_credential, new_bitstring, set_bit
    from mcbadge.verify import VerificationPolicy

    url = "https://licensure.state-a.example.gov/status/1"
    bits = new_bitstring(131_072)
    set_bit(bits, 3)
    status_list = build_status_list_credential(
        url, world.office_did, "revocation", bits, valid_from="2026-11-01T00:00:00Z"
    )
    created = datetime(2026, 11, 1, tzinfo=UTC)
    host.put(
        url,
        sign_proof(status_list, world.office, format="eddsa-rdfc-2022", created=created).document,
    )
    online = VerificationPolicy(now=world.policy().now)
    for index, revoked in ((3, True), (4, False)):
        entry = {
            "id": f"{url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": url,
        }
        signed = sign_trust_list(
            world.trust_list(), world.office, created=created, credential_status=entry
        )
        path = tmp_path / f"list-{index}.json"
        path.write_text(signed.to_text())
        source = f"{path}#operator={world.office_did}"
        if not revoked:
            assert len(load_trust_lists([source], policy=online).lists) == 1
            continue
        with pytest.raises(TrustListError) as caught:
            load_trust_lists([source], policy=online)
        assert caught.value.code == "trust_list.revoked"
        assert "has been revoked by its operator" in caught.value.message
    assert host.requests == [url, url]


def test_the_key_of_a_signed_list_can_be_pinned(world: World, tmp_path: Path) -> None:
    """For a did:web operator the DID alone is not enough (its domain could be taken over):
    the configuration, or an accepting list, may pin the key the list's proof uses."""
    from mcbadge.did import default_verification_method

    good_key = default_verification_method(world.office)
    other_key = default_verification_method(world.other_office)
    path = write_signed(tmp_path / "a.json", world.trust_list(), world.office)
    pinned = f"{path}#operator={world.office_did}&key={good_key}"
    assert load_trust_lists([pinned], policy=world.policy()).lists[0].signed_by == world.office_did
    error = refused(world, [f"{path}#operator={world.office_did}&key={other_key}"])
    assert error.code == "trust_list.key_not_pinned"
    assert f"the configuration pins {other_key}" in error.message
    with pytest.raises(ValueError, match="key=VM pins the key of operator=DID"):
        load_trust_lists([f"{path}#key={good_key}"])
    for methods, ok in (([good_key], True), ([other_key], False)):
        second = world.trust_list(
            [],
            list_id="urn:example:b",
            name="State B",
            accepted_lists=[
                {
                    "id": LIST_ID,
                    "name": "A",
                    "operator": world.office_did,
                    "verificationMethods": methods,
                }
            ],
        )
        b_path, b_digest = write(tmp_path / "b.json", second)
        sources = [f"{b_path}#sha256={b_digest}", path]
        if ok:
            assert load_trust_lists(sources, policy=world.policy()).lists[1].anchor == "accepted"
        else:
            assert refused(world, sources).code == "trust_list.key_not_pinned"
