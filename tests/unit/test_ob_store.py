"""Learners of the OB 3.0 API: one-time sign-in codes (hashed, expiring, locked after five
wrong tries), profiles, and the credentials a learner's tool stores (shape-checked, never
called valid), listed with the provider's own awards."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mcbadge.keys import generate_key
from mcbadge.registry import Registry
from mcbadge.registry.ob_store import (
    LearnerError,
    LearnerStore,
    learner_key,
    parse_credential,
)

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
EMAIL = "ada@school.example"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    opened = Registry.open(f"sqlite:///{tmp_path / 'r.db'}")
    yield opened
    opened.close()


@pytest.fixture
def store(registry: Registry) -> LearnerStore:
    return LearnerStore(registry)


def _credential(reference: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (reference / "examples/ob3/validator-samples/simple.json").read_text("utf-8")
    )
    return document


def test_a_sign_in_code_works_once_and_is_stored_hashed(
    store: LearnerStore, tmp_path: Path
) -> None:
    invite = store.invite(" Ada@School.Example ", now=T0)
    assert invite.email == EMAIL
    assert len(invite.code.replace("-", "")) == 20
    assert invite.code not in repr(invite)
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert invite.code not in "\n".join(conn.iterdump())
    typed = invite.code.lower().replace("-", " ")  # as a person may type it
    assert store.sign_in("ADA@school.example", typed, now=T0) == learner_key(EMAIL)
    with pytest.raises(LearnerError) as caught:
        store.sign_in(EMAIL, invite.code, now=T0)
    assert caught.value.code == "learner.sign_in"


def test_a_sign_in_code_expires(store: LearnerStore) -> None:
    invite = store.invite(EMAIL, ttl=timedelta(days=1), now=T0)
    with pytest.raises(LearnerError):
        store.sign_in(EMAIL, invite.code, now=T0 + timedelta(days=1, seconds=1))


def test_five_wrong_codes_lock_until_a_new_invitation(store: LearnerStore) -> None:
    invite = store.invite(EMAIL, now=T0)
    for _ in range(5):
        with pytest.raises(LearnerError):
            store.sign_in(EMAIL, "00000-00000-00000-00000", now=T0)
    with pytest.raises(LearnerError):
        store.sign_in(EMAIL, invite.code, now=T0)
    renewed = store.invite(EMAIL, now=T0)
    assert store.sign_in(EMAIL, renewed.code, now=T0) == learner_key(EMAIL)


def test_unknown_and_malformed_sign_ins_get_one_answer(store: LearnerStore) -> None:
    invite = store.invite(EMAIL, now=T0)
    messages = set()
    for email, code in (
        ("nobody@school.example", invite.code),
        ("not an address", invite.code),
        (EMAIL, ""),
        (EMAIL, "x" * 100),
    ):
        with pytest.raises(LearnerError) as caught:
            store.sign_in(email, code, now=T0)
        messages.add(caught.value.message)
    assert len(messages) == 1


def test_the_default_profile_then_a_stored_one(store: LearnerStore) -> None:
    store.invite(EMAIL)
    learner = learner_key(EMAIL)
    default = store.profile(learner)
    assert default is not None
    assert default["email"] == EMAIL
    assert default["type"] == ["Profile"]
    mine = {**default, "name": "Ada"}
    assert store.put_profile(learner, mine) == (mine, True)
    assert store.put_profile(learner, mine) == (mine, False)
    assert store.profile(learner) == mine
    with pytest.raises(LearnerError) as caught:
        store.put_profile(learner, {"name": "no id"})
    assert caught.value.code == "learner.bad_profile"
    with pytest.raises(LearnerError) as unknown:
        store.put_profile(learner_key("x@y.example"), mine)
    assert unknown.value.code == "learner.unknown"
    assert store.profile(learner_key("x@y.example")) is None


def test_parse_credential_keys_json_by_id_and_checks_the_schema(reference: Path) -> None:
    credential = _credential(reference)
    key, text = parse_credential(credential)
    assert key == credential["id"]
    assert json.loads(text) == credential
    with pytest.raises(LearnerError) as caught:
        parse_credential({**credential, "credentialSubject": "nobody"})
    assert caught.value.code == "learner.bad_credential"
    without_id = {k: v for k, v in credential.items() if k != "id"}
    with pytest.raises(LearnerError):
        parse_credential(without_id)
    with pytest.raises(LearnerError):
        parse_credential(["a list"])


def test_parse_credential_reads_a_vc_jwt_without_verifying_it(reference: Path) -> None:
    from mcbadge.did import did_for_key
    from mcbadge.signing import sign

    key = generate_key("ed25519")
    credential = _credential(reference)
    credential.pop("proof", None)
    credential["issuer"] = {**credential["issuer"], "id": did_for_key(key)}
    token = sign(credential, key, format="jwt").jwt
    assert token is not None
    assert parse_credential(token) == (credential["id"], token)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    # a broken signature is stored as it came: storing is not verifying
    assert parse_credential(forged)[0] == credential["id"]
    for bad in ("a.b", "not base64.!!.x", f"{header}.e30.{signature}"):
        with pytest.raises(LearnerError):
            parse_credential(bad)


def test_upsert_outcomes_and_the_listing(store: LearnerStore, reference: Path) -> None:
    learner = learner_key(EMAIL)
    credential = _credential(reference)
    assert store.upsert_credential(learner, credential, now=T0) == "created"
    assert store.upsert_credential(learner, credential, now=T0) == "unchanged"
    renamed = {**credential, "name": "Renamed"}
    assert store.upsert_credential(learner, renamed, now=T0 + timedelta(hours=1)) == "replaced"
    second = {**credential, "id": "urn:uuid:2"}
    assert store.upsert_credential(learner, second, now=T0 + timedelta(hours=2)) == "created"
    page = store.credentials(learner, limit=10, offset=0)
    assert page.total == 2
    assert [json.loads(item.document)["id"] for item in page.items] == [
        credential["id"],
        "urn:uuid:2",
    ]
    recent = store.credentials(learner, limit=10, offset=0, since=T0 + timedelta(minutes=90))
    assert recent.total == 1
    assert store.credentials(learner, limit=1, offset=1).items[0].document == json.dumps(
        second, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert store.credentials(learner_key("other@school.example"), limit=5, offset=0).total == 0
    with pytest.raises(ValueError, match="limit"):
        store.credentials(learner, limit=0, offset=0)
