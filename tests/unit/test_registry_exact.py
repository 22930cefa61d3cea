"""mcbadge.registry, pinned exactly: refusal codes and messages, the rows and indexes written,
idempotency across batches larger than one query chunk, issuer scoping of award matching,
and the retry/refusal paths of a write transaction (issue #16, mutation survivors)."""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mcbadge.errors import RegistryError
from mcbadge.registry import SCHEMA_VERSION, AwardRequest, Registry
from mcbadge.registry import core as registry_core

TPL = "https://status.example/{purpose}/{n}"
A1 = "https://provider.example/achievements/1"
H1 = "sha256$" + "1" * 64
H2 = "sha256$" + "2" * 64


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'r.db'}"


@pytest.fixture
def registry(db: str) -> Iterator[Registry]:
    with Registry.open(db) as reg:
        yield reg


def _refused(call: Callable[[], object], code: str, message: str) -> None:
    with pytest.raises(RegistryError) as info:
        call()
    assert info.value.code == code
    assert str(info.value) == message


# -- open ---------------------------------------------------------------------------------


def test_open_refusals_exact(db: str, tmp_path: Path) -> None:
    _refused(
        lambda: Registry.open(db, list_size=131_071),
        "registry.list_too_small",
        "a status list must have at least 131072 entries",
    )
    for bad in (0, 131_073):
        _refused(
            lambda bad=bad: Registry.open(db, fill_limit=bad),  # type: ignore[misc]
            "registry.bad_option",
            "fill_limit must be 1..list_size",
        )
    _refused(
        lambda: Registry.open("not a url"),
        "registry.bad_url",
        "not a database URL (expected sqlite:///path or postgresql+psycopg://…)",
    )
    _refused(
        lambda: Registry.open("mysql://u@h/db"),
        "registry.bad_url",
        "unsupported registry database 'mysql' (SQLite or PostgreSQL)",
    )
    for memory in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
        _refused(
            lambda memory=memory: Registry.open(memory),  # type: ignore[misc]
            "registry.bad_url",
            "an in-memory SQLite registry would not be durable; give a file path",
        )
    missing = tmp_path / "no" / "such" / "dir" / "r.db"
    _refused(
        lambda: Registry.open(f"sqlite:///{missing}"),
        "registry.unavailable",
        "the issuer registry could not open the database (OperationalError)",
    )


def test_open_postgresql_is_a_supported_backend_that_reports_unavailable() -> None:
    # Port 1 on localhost refuses at once: a PostgreSQL URL is accepted (not bad_url) and a
    # server that cannot be reached is registry.unavailable, never a traceback.
    _refused(
        lambda: Registry.open("postgresql+psycopg://u:p@127.0.0.1:1/db"),
        "registry.unavailable",
        "the issuer registry could not open the database (OperationalError)",
    )


def test_fill_limit_bounds_are_inclusive(db: str) -> None:
    with Registry.open(db, fill_limit=1) as reg:
        assert reg.fill_limit == 1
    with Registry.open(db, fill_limit=131_072) as reg:
        assert reg.fill_limit == 131_072
    with Registry.open(db) as reg:
        assert (reg.list_size, reg.fill_limit, reg.dialect) == (131_072, 65_536, "sqlite")


def test_schema_version_row_is_single_and_migrations_run_once(db: str, tmp_path: Path) -> None:
    with Registry.open(db) as reg:
        # A key in the default "<e-mail> <achievement>" form reserved without a recipient:
        # migration 2 would fill it in; it must not run again on the next open.
        rec = reg.reserve("did:web:i.test", f"ada@example.org {A1}", list_url_template=TPL)
    with Registry.open(db) as reg:
        assert reg.schema_version() == SCHEMA_VERSION
        assert reg.get(rec.credential_id).recipient_hash is None
    with sqlite3.connect(tmp_path / "r.db") as conn:
        rows = conn.execute("SELECT id, version FROM schema_version").fetchall()
        assert rows == [(1, SCHEMA_VERSION)]
        conn.execute("UPDATE schema_version SET version = 99")
    _refused(
        lambda: Registry.open(db),
        "registry.schema_too_new",
        "the registry database is schema version 99, newer than this mcbadge "
        f"({SCHEMA_VERSION}); upgrade mcbadge",
    )


# -- argument refusals ----------------------------------------------------------------------


def test_reserve_and_reserve_many_refusals_exact(registry: Registry) -> None:
    key_msg = "issuer id and idempotency key are required"
    purpose_msg = "purposes must be 'revocation' and/or 'suspension'"
    _refused(lambda: registry.reserve("", "k", list_url_template=TPL), "registry.bad_key", key_msg)
    _refused(
        lambda: registry.reserve("did:web:i.test", "", list_url_template=TPL),
        "registry.bad_key",
        key_msg,
    )
    _refused(
        lambda: registry.reserve("did:web:i.test", "k", purposes=("bogus",), list_url_template=TPL),
        "registry.bad_purpose",
        purpose_msg,
    )
    _refused(
        lambda: registry.reserve("did:web:i.test", "k", purposes=(), list_url_template=TPL),
        "registry.bad_purpose",
        purpose_msg,
    )
    _refused(
        lambda: registry.reserve_many("", [("k", None)], list_url_template=TPL),
        "registry.bad_key",
        key_msg,
    )
    _refused(
        lambda: registry.reserve_many("did:web:i.test", [("", None)], list_url_template=TPL),
        "registry.bad_key",
        key_msg,
    )
    _refused(
        lambda: registry.reserve_many(
            "did:web:i.test", [("k", None)], purposes=("bogus",), list_url_template=TPL
        ),
        "registry.bad_purpose",
        purpose_msg,
    )
    _refused(
        lambda: registry.reserve_many(
            "did:web:i.test", [("k", None)], purposes=(), list_url_template=TPL
        ),
        "registry.bad_purpose",
        purpose_msg,
    )
    # nothing was written by any refusal
    assert registry.list_credentials("did:web:i.test") == []


def test_record_issued_refusals_exact(registry: Registry) -> None:
    rec = registry.reserve("did:web:i.test", "k", list_url_template=TPL)
    doc_msg = "the signed document must be non-empty text"
    _refused(
        lambda: registry.record_issued(rec.credential_id, "", "ldp_vc"),
        "registry.bad_document",
        doc_msg,
    )
    _refused(
        lambda: registry.record_issued("urn:uuid:nope", "{}", "ldp_vc"),
        "registry.unknown_credential",
        "no credential urn:uuid:nope in this registry",
    )
    registry.record_issued(rec.credential_id, '{"a":1}', "ldp_vc")
    registry.record_issued(rec.credential_id, '{"a":1}', "ldp_vc")  # same document: no-op
    _refused(
        lambda: registry.record_issued(rec.credential_id, '{"a":2}', "ldp_vc"),
        "registry.already_issued",
        f"credential {rec.credential_id} was already issued with a different document",
    )
    got = registry.get(rec.credential_id)
    assert (got.state, got.document, got.format) == ("issued", '{"a":1}', "ldp_vc")
    assert got.issued_at is not None
    assert got.issued_at >= got.reserved_at


# -- what reserve_many writes and returns -----------------------------------------------------


def _fields(record: Any) -> dict[str, Any]:
    return {
        name: getattr(record, name)
        for name in (
            "credential_id",
            "issuer_id",
            "idempotency_key",
            "achievement_id",
            "recipient_hash",
            "state",
            "document",
            "format",
            "digest",
            "reserved_at",
            "issued_at",
            "entries",
            "revoked",
            "revocation_reason",
            "revoked_at",
            "suspended",
            "suspension_reason",
        )
    }


def test_reserve_many_returns_exactly_what_it_stored(registry: Registry) -> None:
    issuer = "did:web:i.test"
    out = registry.reserve_many(
        issuer,
        [("k1", A1), AwardRequest("k2", A1, H1), ("k1", A1)],
        purposes=("revocation", "suspension"),
        list_url_template=TPL,
    )
    assert [r.new for r in out] == [True, True, False]
    assert out[2].new is False
    assert out[0].credential_id == out[2].credential_id != out[1].credential_id
    for r in out[:2]:
        stored = registry.get(r.credential_id)
        assert _fields(r) == _fields(stored)
        assert stored.issuer_id == issuer
        assert stored.achievement_id == A1
        assert stored.state == "reserved"
        assert (stored.revoked, stored.suspended) == (False, False)
        assert set(stored.entries) == {"revocation", "suspension"}
        for purpose, entry in stored.entries.items():
            assert entry.purpose == purpose
            assert entry.list_url == f"https://status.example/{purpose}/1"
    assert registry.get(out[1].credential_id).recipient_hash == H1
    assert registry.get(out[0].credential_id).recipient_hash is None
    # the same batch again: every reservation found, none new, nothing re-allocated
    again = registry.reserve_many(
        issuer, [("k1", A1), AwardRequest("k2", A1, H1)], list_url_template=TPL
    )
    assert [(r.credential_id, r.new) for r in again] == [
        (out[0].credential_id, False),
        (out[1].credential_id, False),
    ]
    assert [_fields(r) for r in again] == [_fields(registry.get(r.credential_id)) for r in again]


def test_reserve_returns_exactly_what_it_stored(registry: Registry) -> None:
    rec = registry.reserve(
        "did:web:i.test", "k", achievement_id=A1, recipient_hash=H1, list_url_template=TPL
    )
    assert rec.new is True
    stored = registry.get(rec.credential_id)
    assert _fields(rec) == _fields(stored)
    assert (stored.revoked, stored.suspended, stored.state) == (False, False, "reserved")


def test_reserve_without_match_award_does_not_reuse_an_award(registry: Registry) -> None:
    first = registry.reserve(
        "did:web:i.test", "k1", achievement_id=A1, recipient_hash=H1, list_url_template=TPL
    )
    second = registry.reserve(
        "did:web:i.test", "k2", achievement_id=A1, recipient_hash=H1, list_url_template=TPL
    )
    assert second.new is True
    assert second.credential_id != first.credential_id
    third = registry.reserve(
        "did:web:i.test",
        "k3",
        achievement_id=A1,
        recipient_hash=H1,
        match_award=True,
        list_url_template=TPL,
    )
    assert third.new is False
    assert third.credential_id == first.credential_id  # the earliest award


# -- award matching: issuer scoping, legacy keys, tie-break ----------------------------------------


def test_award_matching_is_scoped_to_the_issuer(registry: Registry) -> None:
    a = registry.reserve(
        "did:web:a.test",
        "k",
        achievement_id=A1,
        recipient_hash=H1,
        list_url_template="https://a.example/{purpose}/{n}",
    )
    b = registry.reserve(
        "did:web:b.test",
        "other",
        achievement_id=A1,
        recipient_hash=H1,
        match_award=True,
        list_url_template="https://b.example/{purpose}/{n}",
    )
    assert b.new is True
    assert b.credential_id != a.credential_id
    # a legacy row of issuer A is not issuer B's
    legacy_a = registry.reserve(
        "did:web:a.test",
        "row-1",
        achievement_id=A1,
        list_url_template="https://a.example/{purpose}/{n}",
    )
    b2 = registry.reserve(
        "did:web:b.test",
        "ada",
        achievement_id=A1,
        recipient_hash=H2,
        match_award=True,
        legacy_key="row-1",
        list_url_template="https://b.example/{purpose}/{n}",
    )
    assert b2.new is True
    assert b2.credential_id != legacy_a.credential_id
    assert registry.get(legacy_a.credential_id).recipient_hash is None


def test_legacy_key_row_is_adopted_once_and_only_without_recipient(registry: Registry) -> None:
    issuer = "did:web:i.test"
    legacy = registry.reserve(issuer, "row-7", achievement_id=A1, list_url_template=TPL)
    got = registry.reserve(
        issuer,
        "ada@example.org x",
        achievement_id=A1,
        recipient_hash=H1,
        match_award=True,
        legacy_key="row-7",
        list_url_template=TPL,
    )
    assert (got.credential_id, got.new) == (legacy.credential_id, False)
    assert got.recipient_hash == H1
    assert registry.get(legacy.credential_id).recipient_hash == H1
    # row-7 now belongs to H1: another recipient naming the same legacy key gets a new award
    other = registry.reserve(
        issuer,
        "bob@example.org x",
        achievement_id=A1,
        recipient_hash=H2,
        match_award=True,
        legacy_key="row-7",
        list_url_template=TPL,
    )
    assert other.new is True
    assert other.credential_id != legacy.credential_id
    assert registry.get(legacy.credential_id).recipient_hash == H1


def test_existing_award_wins_over_a_legacy_row(registry: Registry) -> None:
    issuer = "did:web:i.test"
    award = registry.reserve(
        issuer, "k-award", achievement_id=A1, recipient_hash=H1, list_url_template=TPL
    )
    legacy = registry.reserve(issuer, "row-9", achievement_id=A1, list_url_template=TPL)
    got = registry.reserve(
        issuer,
        "k-new",
        achievement_id=A1,
        recipient_hash=H1,
        match_award=True,
        legacy_key="row-9",
        list_url_template=TPL,
    )
    assert (got.credential_id, got.new) == (award.credential_id, False)
    assert registry.get(legacy.credential_id).recipient_hash is None


def test_earliest_award_ties_break_on_credential_id(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two awards reserved in one batch share reserved_at; the one with the smaller id is
    # "the earliest", whatever order the rows were inserted in.
    ids = iter([uuid.UUID(int=2**128 - 1), uuid.UUID(int=1)])
    monkeypatch.setattr(registry_core.uuid, "uuid4", lambda: next(ids))
    out = registry.reserve_many(
        "did:web:i.test",
        [AwardRequest("k1", A1, H1), AwardRequest("k2", A1, H1)],
        list_url_template=TPL,
    )
    monkeypatch.undo()
    assert out[0].reserved_at == out[1].reserved_at
    got = registry.reserve(
        "did:web:i.test",
        "k3",
        achievement_id=A1,
        recipient_hash=H1,
        match_award=True,
        list_url_template=TPL,
    )
    assert got.credential_id == f"urn:uuid:{uuid.UUID(int=1)}" == out[1].credential_id


def test_lookups_cross_the_500_row_chunks(registry: Registry) -> None:
    issuer = "did:web:i.test"
    n = 501
    legacy = registry.reserve_many(
        issuer, [(f"row-{i}", f"{A1}/{i}") for i in range(n)], list_url_template=TPL
    )
    # by legacy key (501 legacy keys, 501 recipient hashes): every row adopted
    hashes = [f"sha256${i:064d}" for i in range(n)]
    adopted = registry.reserve_many(
        issuer,
        [
            AwardRequest(f"p{i}@example.org", f"{A1}/{i}", hashes[i], True, f"row-{i}")
            for i in range(n)
        ],
        list_url_template=TPL,
    )
    assert [r.credential_id for r in adopted] == [r.credential_id for r in legacy]
    assert not any(r.new for r in adopted)
    # by recipient (501 hashes): every award found under a new key
    matched = registry.reserve_many(
        issuer,
        [AwardRequest(f"new-{i}", f"{A1}/{i}", hashes[i], True) for i in range(n)],
        list_url_template=TPL,
    )
    assert [r.credential_id for r in matched] == [r.credential_id for r in legacy]
    assert not any(r.new for r in matched)
    # by idempotency key (501 keys)
    again = registry.reserve_many(
        issuer, [(f"row-{i}", f"{A1}/{i}") for i in range(n)], list_url_template=TPL
    )
    assert [(r.credential_id, r.new) for r in again] == [(r.credential_id, False) for r in legacy]
    assert len(registry.list_credentials(issuer)) == n


# -- allocation -----------------------------------------------------------------------------


def test_fill_limit_splits_a_batch_across_lists_exactly(db: str) -> None:
    issuer = "did:web:i.test"
    with Registry.open(db, fill_limit=2) as reg:
        reg.reserve(issuer, "first", list_url_template=TPL)
        out = reg.reserve_many(issuer, [(f"k{i}", None) for i in range(4)], list_url_template=TPL)
        urls = [r.entries["revocation"].list_url for r in out]
        assert urls == [
            "https://status.example/revocation/1",
            "https://status.example/revocation/2",
            "https://status.example/revocation/2",
            "https://status.example/revocation/3",
        ]
        lists = reg.status_lists(issuer)
        assert [(s.url, s.allocated, s.full) for s in lists] == [
            ("https://status.example/revocation/1", 2, True),
            ("https://status.example/revocation/2", 2, True),
            ("https://status.example/revocation/3", 1, False),
        ]


def test_a_drawn_index_already_taken_is_redrawn(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = "did:web:i.test"
    draws = itertools.chain([5], [5, 6, 7])
    monkeypatch.setattr(registry_core.secrets, "randbelow", lambda _n: next(draws))
    first = registry.reserve(issuer, "a", list_url_template=TPL)
    assert first.entries["revocation"].index == 5
    out = registry.reserve_many(issuer, [("b", None), ("c", None)], list_url_template=TPL)
    assert [r.entries["revocation"].index for r in out] == [6, 7]
    assert registry.get(out[0].credential_id).entries == out[0].entries
    assert registry.status_list_bits(first.entries["revocation"].list_id) == bytearray(16384)


# -- record_issued_many --------------------------------------------------------------------


def test_record_issued_many_per_item_outcomes_exact(registry: Registry) -> None:
    out = registry.reserve_many(
        "did:web:i.test", [("a", None), ("b", None), ("c", None)], list_url_template=TPL
    )
    a, b, c = (r.credential_id for r in out)
    result = registry.record_issued_many(
        [
            (a, "", "ldp_vc"),
            ("urn:uuid:nope", "{}", "ldp_vc"),
            (b, '{"b":1}', "ldp_vc"),
            (b, '{"b":2}', "ldp_vc"),
            (c, "eyJ.x.y", "vc+jwt"),
            (c, "eyJ.x.y", "vc+jwt"),
        ]
    )
    assert [(e.code, str(e)) if e else None for e in result] == [
        ("registry.bad_document", "the signed document must be non-empty text"),
        ("registry.unknown_credential", "no credential urn:uuid:nope in this registry"),
        None,
        ("registry.already_issued", f"credential {b} was already issued with a different document"),
        None,
        None,
    ]
    got_a, got_b, got_c = (registry.get(x) for x in (a, b, c))
    assert got_a.state == "reserved"
    assert got_a.document is None
    assert (got_b.state, got_b.document, got_b.format) == ("issued", '{"b":1}', "ldp_vc")
    assert (got_c.state, got_c.document, got_c.format) == ("issued", "eyJ.x.y", "vc+jwt")
    assert got_b.issued_at is not None
    assert got_b.issued_at == got_c.issued_at
    assert got_b.issued_at >= got_b.reserved_at
    # the whole batch again: all recorded already, same outcomes, nothing changed
    assert registry.record_issued_many([(b, '{"b":1}', "ldp_vc")]) == [None]
    assert registry.get(b).issued_at == got_b.issued_at


# -- _write: retry and refusal paths ---------------------------------------------------------


class _FlakyEngine:
    """An engine whose first ``fail`` begin() calls raise ``exc`` (then the real engine)."""

    def __init__(self, real: sa.Engine, exc: Exception, fail: int) -> None:
        self.real, self.exc, self.fail, self.calls = real, exc, fail, 0

    def begin(self) -> Any:
        self.calls += 1
        if self.calls <= self.fail:
            raise self.exc
        return self.real.begin()

    def dispose(self) -> None:
        self.real.dispose()


def _op_error(text: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("stmt", {}, Exception(text))


@pytest.mark.parametrize(
    "exc",
    [
        sa.exc.IntegrityError("stmt", {}, Exception("UNIQUE")),
        _op_error("deadlock detected"),
        _op_error("ERROR: Could Not Serialize access"),
        _op_error("DEADLOCK"),
    ],
)
def test_write_retries_lost_races(registry: Registry, exc: Exception) -> None:
    flaky = _FlakyEngine(registry._engine, exc, fail=2)
    registry._engine = flaky  # type: ignore[assignment]
    rec = registry.reserve("did:web:i.test", "k", list_url_template=TPL)
    assert flaky.calls == 3
    assert rec.new is True
    assert registry.get(rec.credential_id).idempotency_key == "k"


def test_write_gives_up_after_contention_exact(registry: Registry) -> None:
    flaky = _FlakyEngine(registry._engine, sa.exc.IntegrityError("s", {}, Exception("x")), 10**6)
    registry._engine = flaky  # type: ignore[assignment]
    _refused(
        lambda: registry.reserve("did:web:i.test", "k", list_url_template=TPL),
        "registry.contention",
        "the issuer registry could not reserve a credential: too much contention",
    )
    assert flaky.calls == 200


@pytest.mark.parametrize(
    ("exc", "name"),
    [
        (_op_error("disk I/O error"), "OperationalError"),
        (sa.exc.InterfaceError("stmt", {}, Exception("gone")), "InterfaceError"),
    ],
)
def test_write_failures_name_the_operation_exact(
    registry: Registry, exc: Exception, name: str
) -> None:
    rec = registry.reserve("did:web:i.test", "k0", list_url_template=TPL)
    flaky = _FlakyEngine(registry._engine, exc, 10**6)
    registry._engine = flaky  # type: ignore[assignment]
    calls: list[tuple[Callable[[], object], str]] = [
        (
            lambda: registry.reserve("did:web:i.test", "k", list_url_template=TPL),
            "reserve a credential",
        ),
        (
            lambda: registry.reserve_many("did:web:i.test", [("k", None)], list_url_template=TPL),
            "reserve credentials",
        ),
        (
            lambda: registry.record_issued(rec.credential_id, "{}", "ldp_vc"),
            "record the issued credential",
        ),
        (
            lambda: registry.record_issued_many([(rec.credential_id, "{}", "ldp_vc")]),
            "record the issued credentials",
        ),
        (lambda: registry.ensure_issuer("did:web:i.test", "Provider"), "record the issuer"),
    ]
    for call, what in calls:
        _refused(call, "registry.unavailable", f"the issuer registry could not {what} ({name})")
    assert flaky.calls == len(calls)  # never retried


def test_ensure_issuer_records_and_renames(registry: Registry, tmp_path: Path) -> None:
    registry.ensure_issuer("did:web:i.test")
    registry.ensure_issuer("did:web:i.test", "Provider")
    registry.ensure_issuer("did:web:j.test", "Other")
    registry.ensure_issuer("did:web:i.test")  # no name: keeps the recorded one
    registry.ensure_issuer("did:web:i.test", "Provider")  # same name: no change
    with sqlite3.connect(tmp_path / "r.db") as conn:
        rows = conn.execute("SELECT id, name FROM issuers ORDER BY id").fetchall()
    assert rows == [("did:web:i.test", "Provider"), ("did:web:j.test", "Other")]
    registry.ensure_issuer("did:web:i.test", "Renamed")
    with sqlite3.connect(tmp_path / "r.db") as conn:
        rows = conn.execute("SELECT id, name FROM issuers ORDER BY id").fetchall()
    assert rows == [("did:web:i.test", "Renamed"), ("did:web:j.test", "Other")]


# -- status changes, look-ups and publishing reads ----------------------------------------------


def test_status_changes_exact(registry: Registry) -> None:
    issuer = "did:web:i.test"
    both = registry.reserve(
        issuer, "both", purposes=("revocation", "suspension"), list_url_template=TPL
    )
    rev_only = registry.reserve(issuer, "rev", list_url_template=TPL)
    cid = both.credential_id
    _refused(
        lambda: registry.revoke(cid, "x", issuer_id="did:web:other.test"),
        "registry.unknown_credential",
        f"no credential {cid} of did:web:other.test in this registry",
    )
    _refused(
        lambda: registry.suspend(rev_only.credential_id, "x"),
        "registry.no_suspension_entry",
        f"credential {rev_only.credential_id} was issued without a suspension status entry",
    )
    _refused(
        lambda: registry.unsuspend(cid, "x"),
        "registry.not_suspended",
        f"credential {cid} is not suspended",
    )
    suspended = registry.suspend(cid, "audit")
    assert (suspended.suspended, suspended.suspension_reason) == (True, "audit")
    assert registry.get(cid).suspension_reason == "audit"
    _refused(
        lambda: registry.suspend(cid, "again"),
        "registry.already_suspended",
        f"credential {cid} is already suspended",
    )
    revoked = registry.revoke(cid, "fraud", issuer_id=issuer)
    assert (revoked.revoked, revoked.revocation_reason) == (True, "fraud")
    assert revoked.revoked_at is not None
    assert revoked.revoked_at >= both.reserved_at
    assert registry.get(cid).revoked_at == revoked.revoked_at
    _refused(
        lambda: registry.unsuspend(cid, "x"),
        "registry.revoked",
        f"credential {cid} is revoked; its suspension cannot change",
    )
    assert registry.revoke(cid, "other reason").revocation_reason == "fraud"  # no-op
    assert [e[:3] for e in registry.status_events(cid)] == [
        ("suspend", "suspension", "audit"),
        ("revoke", "revocation", "fraud"),
    ]
    assert [(r.credential_id, r.reason) for r in registry.revocations(issuer)] == [(cid, "fraud")]
    assert registry.revocations("did:web:other.test") == []


def test_status_list_bits_and_lists_exact(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = "did:web:i.test"
    draws = iter([0, 9, 1, 3, 2, 11])  # a: rev 0, sus 9; b: rev 1, sus 3; c: rev 2, sus 11
    monkeypatch.setattr(registry_core.secrets, "randbelow", lambda _n: next(draws))
    out = [
        registry.reserve(issuer, k, purposes=("revocation", "suspension"), list_url_template=TPL)
        for k in "abc"
    ]
    monkeypatch.undo()
    registry.revoke(out[0].credential_id, "r")
    registry.revoke(out[2].credential_id, "r")
    registry.suspend(out[1].credential_id, "s")
    rev_id = out[0].entries["revocation"].list_id
    sus_id = out[0].entries["suspension"].list_id
    rev_bits = registry.status_list_bits(rev_id)
    sus_bits = registry.status_list_bits(sus_id)
    assert len(rev_bits) == len(sus_bits) == 16384
    assert rev_bits[:2] == bytes([0b1010_0000, 0])
    assert not any(rev_bits[2:])
    assert sus_bits[:2] == bytes([0b0001_0000, 0])
    assert not any(sus_bits[2:])
    _refused(lambda: registry.status_list_bits(999), "registry.unknown_list", "no status list 999")
    lists = registry.status_lists(issuer)
    assert [(s.purpose, s.url, s.issuer_id, s.size, s.allocated, s.full) for s in lists] == [
        ("revocation", "https://status.example/revocation/1", issuer, 131_072, 3, False),
        ("suspension", "https://status.example/suspension/1", issuer, 131_072, 3, False),
    ]
    assert registry.status_lists("did:web:other.test") == []


def test_status_lists_order_and_empty_count(db: str) -> None:
    issuer = "did:web:i.test"
    with Registry.open(db, fill_limit=1) as reg:
        reg.reserve(issuer, "a", purposes=("suspension", "revocation"), list_url_template=TPL)
        reg.reserve(issuer, "b", purposes=("suspension", "revocation"), list_url_template=TPL)
        assert [
            (s.purpose, s.url.rsplit("/", 1)[1], s.allocated, s.full)
            for s in reg.status_lists(issuer)
        ] == [
            ("revocation", "1", 1, True),
            ("revocation", "2", 1, True),
            ("suspension", "1", 1, True),
            ("suspension", "2", 1, True),
        ]
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "INSERT INTO status_lists (issuer_id, purpose, seq, url, size, created_at, full) "
            "VALUES (?, 'revocation', 3, 'https://status.example/revocation/3', 131072, 'x', 0)",
            (issuer,),
        )
    with Registry.open(db, fill_limit=1) as reg:
        last = reg.status_lists(issuer)[2]
        assert (last.url, last.allocated, last.full) == (
            "https://status.example/revocation/3",
            0,
            False,
        )
        # the open list is used, not a fourth one
        c = reg.reserve(issuer, "c", list_url_template=TPL)
        assert c.entries["revocation"].list_url == "https://status.example/revocation/3"


def test_list_credentials_filters_order_and_paging(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = "did:web:i.test"
    ids = iter([uuid.UUID(int=3), uuid.UUID(int=1), uuid.UUID(int=2)])
    monkeypatch.setattr(registry_core.uuid, "uuid4", lambda: next(ids))
    batch = registry.reserve_many(issuer, [("x", None), ("y", None)], list_url_template=TPL)
    later = registry.reserve(issuer, "z", list_url_template=TPL)
    monkeypatch.undo()
    x, y, z = batch[0].credential_id, batch[1].credential_id, later.credential_id
    registry.record_issued(y, "{}", "ldp_vc")
    registry.revoke(z, "r")
    every = [r.credential_id for r in registry.list_credentials(issuer)]
    assert every == [y, x, z]  # same reserved_at: by id; then later ones
    assert [r.credential_id for r in registry.list_credentials(issuer, state="issued")] == [y]
    assert [r.credential_id for r in registry.list_credentials(issuer, revoked=True)] == [z]
    assert [r.credential_id for r in registry.list_credentials(issuer, revoked=False)] == [y, x]
    assert [r.credential_id for r in registry.list_credentials(issuer, limit=1, offset=1)] == [x]
    assert [r.credential_id for r in registry.list_credentials(issuer, offset=1)] == [x, z]
    assert registry.list_credentials("did:web:other.test") == []
    assert registry.find_by_idempotency_key(issuer, "x") == registry.get(x)
    assert registry.find_by_idempotency_key("did:web:other.test", "x") is None


def test_reads_name_the_operation_exact(registry: Registry) -> None:
    class Broken:
        def connect(self) -> Any:
            raise _op_error("disk I/O error")

    registry._reader = Broken()  # type: ignore[assignment]
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: registry.get("urn:uuid:x"), "read a credential"),
        (lambda: registry.find_by_idempotency_key("i", "k"), "find a credential"),
        (lambda: registry.list_credentials("i"), "list credentials"),
        (lambda: registry.status_events("urn:uuid:x"), "read status events"),
        (lambda: registry.status_lists("i"), "list status lists"),
        (lambda: registry.status_list_bits(1), "read a status list"),
        (lambda: registry.revocations("i"), "read revocations"),
        (lambda: registry.unsuspended_indexes(1), "read unsuspensions"),
    ]
    for call, what in calls:
        _refused(
            call, "registry.unavailable", f"the issuer registry could not {what} (OperationalError)"
        )


def test_status_change_failure_names_the_action(registry: Registry) -> None:
    rec = registry.reserve(
        "did:web:i.test", "k", purposes=("revocation", "suspension"), list_url_template=TPL
    )
    registry._engine = _FlakyEngine(registry._engine, _op_error("disk"), 10**6)  # type: ignore[assignment]
    for action, call in (
        ("revoke", registry.revoke),
        ("suspend", registry.suspend),
        ("unsuspend", registry.unsuspend),
    ):
        _refused(
            lambda call=call: call(rec.credential_id, "r"),  # type: ignore[misc]
            "registry.unavailable",
            f"the issuer registry could not {action} the credential (OperationalError)",
        )


def test_default_fill_limit_is_an_int_half(db: str) -> None:
    with Registry.open(db, list_size=131_073) as reg:
        assert reg.fill_limit == 65_536
        assert isinstance(reg.fill_limit, int)


def test_timestamps_are_utc_with_offset(registry: Registry) -> None:
    rec = registry.reserve("did:web:i.test", "k", list_url_template=TPL)
    registry.record_issued(rec.credential_id, "{}", "ldp_vc")
    got = registry.get(rec.credential_id)
    assert rec.reserved_at.endswith("+00:00")
    assert got.issued_at is not None
    assert got.issued_at.endswith("+00:00")


def test_migration_2_fills_only_default_form_keys(db: str, tmp_path: Path) -> None:
    from mcbadge.registry import recipient_hash

    keys = {
        "ada@example.org https://a/1 extra": "ada@example.org",
        "a@b@ https://a/1": "a@b@",
        "ada@example.org ": None,  # no achievement after the space
        "ada@example.org": None,  # no space
        "@example.org https://a/1": None,  # no local part
        "ada@ https://a/1": None,  # no domain
        "adaexample.org https://a/1": None,  # no @
        "Ada@example.org https://a/1": None,  # not normalised
        "row-17": None,  # an old roster row id
    }
    with Registry.open(db) as reg:
        ids = {
            k: reg.reserve("did:web:i.test", k, list_url_template=TPL).credential_id for k in keys
        }
    with sqlite3.connect(tmp_path / "r.db") as conn:
        conn.execute("UPDATE schema_version SET version = 1")
        conn.execute("DROP INDEX ix_credentials_award")
    with Registry.open(db) as reg:
        assert reg.schema_version() == SCHEMA_VERSION
        got = {k: reg.get(ids[k]).recipient_hash for k in keys}
    assert got == {k: None if e is None else recipient_hash(e) for k, e in keys.items()}


def test_describe_url_and_list_urls_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcbadge.registry import describe_url

    assert describe_url("not a url") == "(not a database URL)"
    assert describe_url("postgresql+psycopg://u:secret@db.example/mc") == (
        "postgresql+psycopg://u:***@db.example/mc"
    )
    assert describe_url("sqlite://") == "sqlite://"
    monkeypatch.chdir(tmp_path)
    assert describe_url("sqlite:///r.db") == f"sqlite:///{tmp_path.resolve() / 'r.db'}"
    with Registry.open("sqlite:///r.db") as reg:
        assert reg.location == f"sqlite:///{tmp_path.resolve() / 'r.db'}"
        # a template without {n} is a prefix: "{purpose}/{n}" is appended after one "/"
        a = reg.reserve("did:web:a.test", "k", list_url_template="https://s.example/lists//")
        assert a.entries["revocation"].list_url == "https://s.example/lists/revocation/1"
        _refused(
            lambda: reg.reserve("did:web:b.test", "k", list_url_template="https://s.example/lists"),
            "registry.list_url_taken",
            "status list URL https://s.example/lists/revocation/1 already belongs to another "
            "issuer",
        )
        assert reg.list_credentials("did:web:b.test") == []
