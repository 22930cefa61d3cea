"""Audit records: every issue and status change done for an actor is recorded in the same
transaction as the change (a rolled-back change leaves no record), refusals are recorded
with their error code, and records never carry a token."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import MCBadgeError, RegistryError
from mcbadge.issuer import Issuer, IssuerStore, SigningKey
from mcbadge.registry import Actor, AuditLog, Registry
from mcbadge.registry import core as registry_core
from pg_fixture import pg_url_or_skip

BASE = "https://status.test/s/"
ACHIEVEMENT: dict[str, Any] = {
    "id": "https://provider.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
}
PLATFORM = Actor("badge-platform", "3f2a9c0b1d4e")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IssuerStore]:
    with IssuerStore(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        yield opened


def issuer_for(store: IssuerStore, base: str = BASE, **options: Any) -> Issuer:
    return Issuer(
        {"name": "Academy"}, SigningKey.generate(), registry=store, status_base_url=base, **options
    )


def test_issue_revoke_suspend_unsuspend_each_leave_one_record_naming_the_actor(
    store: IssuerStore,
) -> None:
    issuer = issuer_for(store, suspension=True)
    issued = issuer.issue(ACHIEVEMENT, "a@school.example", actor=PLATFORM)
    issuer.suspend(issued.credential_id, "under review", actor=PLATFORM)
    issuer.unsuspend(issued.credential_id, actor=PLATFORM)
    issuer.revoke(issued.credential_id, "withdrawn", actor=Actor("registrar"))
    records = AuditLog(store.registry).records(target=issued.credential_id)
    assert [(r.action, r.client, r.token_id, r.outcome) for r in records] == [
        ("issue", "badge-platform", "3f2a9c0b1d4e", "ok"),
        ("suspend", "badge-platform", "3f2a9c0b1d4e", "ok"),
        ("unsuspend", "badge-platform", "3f2a9c0b1d4e", "ok"),
        # a suspendable credential is suspended for good when revoked (OB 3.0: one status)
        ("suspend", "registrar", None, "ok"),
        ("revoke", "registrar", None, "ok"),
    ]
    assert {r.issuer_id for r in records} == {issuer.issuer_id}
    assert records[1].detail == "under review"
    assert records[-1].detail == "withdrawn"
    assert all(r.ok for r in records)
    assert records[0].at <= records[-1].at


def test_repeats_are_recorded_as_changing_nothing(store: IssuerStore) -> None:
    issuer = issuer_for(store)
    first = issuer.issue(ACHIEVEMENT, "a@school.example", actor=PLATFORM)
    again = issuer.issue(ACHIEVEMENT, "A@school.example", actor=PLATFORM)
    assert again.reemitted
    issuer.revoke(first.credential_id, "withdrawn", actor=PLATFORM)
    issuer.revoke(first.credential_id, "withdrawn", actor=PLATFORM)
    outcomes = [
        (r.action, r.outcome) for r in AuditLog(store.registry).records(target=first.credential_id)
    ]
    assert outcomes == [
        ("issue", "ok"),
        ("issue", "reemitted"),
        ("revoke", "ok"),
        ("revoke", "unchanged"),
    ]


def test_refusals_are_recorded_with_their_code_and_change_nothing(store: IssuerStore) -> None:
    mine = issuer_for(store)
    other = issuer_for(store)
    theirs = other.issue(ACHIEVEMENT, "b@school.example")
    with pytest.raises(RegistryError) as refused:
        mine.revoke(theirs.credential_id, "not mine", actor=PLATFORM)
    assert refused.value.code == "registry.unknown_credential"
    with pytest.raises(RegistryError):
        mine.revoke("urn:uuid:00000000-0000-4000-8000-000000000000", "nope", actor=PLATFORM)
    with pytest.raises(MCBadgeError):
        mine.issue(ACHIEVEMENT, "not an email", actor=PLATFORM)
    records = AuditLog(store.registry).records(client="badge-platform")
    assert [(r.action, r.target, r.outcome, r.ok) for r in records] == [
        ("revoke", theirs.credential_id, "registry.unknown_credential", False),
        (
            "revoke",
            "urn:uuid:00000000-0000-4000-8000-000000000000",
            "registry.unknown_credential",
            False,
        ),
        ("issue", None, records[2].outcome, False),
    ]
    assert records[2].outcome.startswith(("input.", "data_model.", "schema."))
    assert all(r.issuer_id == mine.issuer_id for r in records)
    assert not store.registry.get(theirs.credential_id).revoked


def test_without_an_actor_nothing_is_recorded(store: IssuerStore) -> None:
    issuer = issuer_for(store)
    issued = issuer.issue(ACHIEVEMENT, "a@school.example")
    issuer.revoke(issued.credential_id, "withdrawn")
    assert AuditLog(store.registry).records() == []


def test_a_change_that_rolls_back_leaves_no_record(
    store: IssuerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record is written in the change's transaction: when the transaction fails after
    the record was written, neither the change nor the record remains."""
    issuer = issuer_for(store)
    issued = issuer.issue(ACHIEVEMENT, "a@school.example")
    real_record = Registry._record

    def fail_after_writing(cls: Any, conn: Any, row: Any, **kw: Any) -> Any:
        if not row.revoked:
            return real_record(conn, row, **kw)
        raise RuntimeError("crash inside the transaction")

    monkeypatch.setattr(registry_core.Registry, "_record", classmethod(fail_after_writing))
    with pytest.raises(RuntimeError):
        store.registry.revoke(issued.credential_id, "withdrawn", actor=PLATFORM)
    monkeypatch.undo()
    assert not store.registry.get(issued.credential_id).revoked
    assert AuditLog(store.registry).records() == []


def test_records_filter_and_keep_the_newest(store: IssuerStore) -> None:
    log = AuditLog(store.registry)
    for n in range(5):
        log.record(Actor(f"client-{n % 2}"), "token.create", target=f"tok{n}", issuer_id="did:x:1")
    assert [r.target for r in log.records(limit=2)] == ["tok3", "tok4"]
    assert [r.target for r in log.records(client="client-1")] == ["tok1", "tok3"]
    assert log.records(action="revoke") == []
    assert [r.target for r in log.records(since=log.records()[2].at)][:1] == ["tok2"]
    with pytest.raises(ValueError, match="unknown audit action"):
        log.record(PLATFORM, "delete everything")
    with pytest.raises(ValueError, match="client name"):
        Actor(" ")


def test_records_hold_no_token(store: IssuerStore, tmp_path: Path) -> None:
    from mcbadge.registry import AccessTokenStore

    issued = AccessTokenStore(store.registry).issue("badge-platform", issuer_ids=["did:x:1"])
    issuer = issuer_for(store)
    actor = Actor(issued.grant.client_id, issued.grant.token_id)
    credential = issuer.issue(ACHIEVEMENT, "a@school.example", actor=actor)
    issuer.revoke(credential.credential_id, "withdrawn", actor=actor)
    with sqlite3.connect(tmp_path / "registry.db") as conn:
        rows = conn.execute("SELECT * FROM audit_log").fetchall()
    assert len(rows) == 2
    assert issued.value not in repr(rows)
    assert issued.value[4:] not in repr(rows)
    assert issued.grant.token_id in repr(rows)


@pytest.mark.postgres
def test_audit_records_on_postgresql() -> None:
    with IssuerStore(pg_url_or_skip()) as store:
        # a database shared by runs: lists of a folder of their own
        issuer = issuer_for(store, f"{BASE}{uuid.uuid4().hex}/")
        issued = issuer.issue(ACHIEVEMENT, "pg@school.example", actor=PLATFORM)
        issuer.revoke(issued.credential_id, "withdrawn", actor=PLATFORM)
        records = AuditLog(store.registry).records(target=issued.credential_id)
        assert [(r.action, r.outcome, r.client) for r in records] == [
            ("issue", "ok", "badge-platform"),
            ("revoke", "ok", "badge-platform"),
        ]
