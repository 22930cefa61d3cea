"""mcbadge.registry on SQLite (and PostgreSQL when MCBADGE_TEST_PG_URL is set)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcbadge.errors import RegistryError
from mcbadge.registry import SCHEMA_VERSION, Registry
from pg_fixture import pg_url_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else pg_url_or_skip()
    with Registry.open(url) as reg:
        yield reg


@pytest.fixture
def issuer() -> str:
    return f"did:web:provider.test:{uuid.uuid4().hex}"


def tpl(issuer: str) -> str:
    """Status-list URLs unique per test issuer (PostgreSQL is shared between tests)."""
    return f"https://status.example/{issuer.rsplit(':', 1)[1]}/{{purpose}}/{{n}}"


def test_reserve_allocates_and_is_idempotent(registry: Registry, issuer: str) -> None:
    first = registry.reserve(
        issuer,
        "row-1",
        achievement_id="https://a/1",
        recipient_hash="sha256$ab",
        purposes=("revocation", "suspension"),
        list_url_template=tpl(issuer),
    )
    assert first.new
    assert first.state == "reserved"
    assert first.document is None
    assert first.credential_id.startswith("urn:uuid:")
    assert set(first.entries) == {"revocation", "suspension"}
    assert first.entries["revocation"].list_url == tpl(issuer).format(purpose="revocation", n=1)
    assert 0 <= first.entries["revocation"].index < 131_072
    again = registry.reserve(issuer, "row-1", list_url_template=tpl(issuer))
    assert not again.new
    assert again.credential_id == first.credential_id
    assert again.entries == first.entries
    registry.record_issued(first.credential_id, '{"signed":true}', "ldp_vc")
    issued = registry.reserve(issuer, "row-1", list_url_template=tpl(issuer))
    assert issued.document == '{"signed":true}'
    assert issued.state == "issued"
    assert issued.digest is not None
    assert len(issued.digest) == 64
    found = registry.find_by_idempotency_key(issuer, "row-1")
    assert found is not None
    assert found.credential_id == first.credential_id
    assert registry.find_by_idempotency_key(issuer, "nope") is None


def test_record_issued_rules(registry: Registry, issuer: str) -> None:
    r = registry.reserve(issuer, "k", list_url_template=tpl(issuer))
    registry.record_issued(r.credential_id, "eyJ.a.b", "jwt")
    registry.record_issued(r.credential_id, "eyJ.a.b", "jwt")  # same document: no-op
    with pytest.raises(RegistryError) as exc:
        registry.record_issued(r.credential_id, "eyJ.other", "jwt")
    assert exc.value.code == "registry.already_issued"
    with pytest.raises(RegistryError) as exc:
        registry.record_issued("urn:uuid:unknown", "x", "jwt")
    assert exc.value.code == "registry.unknown_credential"


def test_indexes_are_random_and_distinct(registry: Registry, issuer: str) -> None:
    indexes = [
        registry.reserve(issuer, f"k{n}", list_url_template=tpl(issuer)).entries["revocation"].index
        for n in range(40)
    ]
    assert len(set(indexes)) == 40
    assert indexes != sorted(indexes)  # never sequential (herd privacy)
    assert max(indexes) - min(indexes) > 1000


def test_revoke_suspend_unsuspend_and_bits(registry: Registry, issuer: str) -> None:
    both = registry.reserve(
        issuer, "a", purposes=("revocation", "suspension"), list_url_template=tpl(issuer)
    )
    plain = registry.reserve(issuer, "b", list_url_template=tpl(issuer))
    with pytest.raises(RegistryError) as exc:
        registry.suspend(plain.credential_id, "x")
    assert exc.value.code == "registry.no_suspension_entry"
    with pytest.raises(RegistryError) as exc:
        registry.unsuspend(both.credential_id, "x")
    assert exc.value.code == "registry.not_suspended"
    registry.suspend(both.credential_id, "investigation")
    with pytest.raises(RegistryError) as exc:
        registry.suspend(both.credential_id, "again")
    assert exc.value.code == "registry.already_suspended"
    lists = {lst.purpose: lst for lst in registry.status_lists(issuer)}
    susp_bits = registry.status_list_bits(lists["suspension"].list_id)
    index = both.entries["suspension"].index
    assert susp_bits[index // 8] == 0x80 >> (index % 8)
    assert sum(bin(b).count("1") for b in susp_bits) == 1
    assert len(susp_bits) == 131_072 // 8
    registry.unsuspend(both.credential_id, "cleared")
    assert not any(registry.status_list_bits(lists["suspension"].list_id))

    record = registry.revoke(plain.credential_id, "misconduct")
    assert record.revoked
    assert record.revocation_reason == "misconduct"
    registry.revoke(plain.credential_id, "twice")  # idempotent, first reason kept
    rev_bits = registry.status_list_bits(lists["revocation"].list_id)
    index = plain.entries["revocation"].index
    assert rev_bits[index // 8] & (0x80 >> (index % 8))
    assert sum(bin(b).count("1") for b in rev_bits) == 1
    revs = registry.revocations(issuer)
    assert [(r.credential_id, r.reason) for r in revs] == [(plain.credential_id, "misconduct")]

    registry.revoke(both.credential_id, "fraud")
    with pytest.raises(RegistryError) as exc:
        registry.suspend(both.credential_id, "x")
    assert exc.value.code == "registry.revoked"
    with pytest.raises(RegistryError) as exc:
        registry.unsuspend(both.credential_id, "x")
    assert exc.value.code == "registry.revoked"
    history = registry.status_events(both.credential_id)
    assert [h[0] for h in history] == ["suspend", "unsuspend", "revoke"]
    with pytest.raises(RegistryError) as exc:
        registry.revoke("urn:uuid:nope", "x")
    assert exc.value.code == "registry.unknown_credential"


def test_list_rolls_over_when_full(tmp_path: Path, issuer: str) -> None:
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}", fill_limit=3) as reg:
        for n in range(7):
            reg.reserve(issuer, f"k{n}", list_url_template="https://s.example/lists")
        lists = reg.status_lists(issuer)
        assert [(lst.url, lst.allocated, lst.full) for lst in lists] == [
            ("https://s.example/lists/revocation/1", 3, True),
            ("https://s.example/lists/revocation/2", 3, True),
            ("https://s.example/lists/revocation/3", 1, False),
        ]
        assert len(reg.list_credentials(issuer)) == 7
        assert len(reg.list_credentials(issuer, state="issued")) == 0
        assert len(reg.list_credentials(issuer, limit=2, offset=6)) == 1


def test_sqlite_settings_and_migrations(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with Registry.open(f"sqlite:///{path}") as reg:
        assert reg.schema_version() == SCHEMA_VERSION
        with reg._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
    with Registry.open(f"sqlite:///{path}") as reg:  # re-open: migrations idempotent
        assert reg.schema_version() == SCHEMA_VERSION
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version = 99")
    db.commit()
    db.close()
    with pytest.raises(RegistryError) as exc:
        Registry.open(f"sqlite:///{path}")
    assert exc.value.code == "registry.schema_too_new"


def test_allocations_are_never_deleted_by_foreign_keys(tmp_path: Path, issuer: str) -> None:
    path = tmp_path / "r.db"
    with Registry.open(f"sqlite:///{path}") as reg:
        r = reg.reserve(issuer, "k", list_url_template=tpl(issuer))
        with reg._engine.begin() as conn, pytest.raises(Exception):  # noqa: B017, PT011
            conn.exec_driver_sql(
                "INSERT INTO status_entries (list_id, status_index, credential_id, purpose) "
                f"VALUES ({r.entries['revocation'].list_id}, "
                f"{r.entries['revocation'].index}, 'urn:uuid:other', 'revocation')"
            )


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("mysql://x/y", "registry.bad_url"),
        ("not a url", "registry.bad_url"),
        ("sqlite://", "registry.bad_url"),
        ("sqlite:///:memory:", "registry.bad_url"),
        ("sqlite:////nonexistent-dir/sub/r.db", "registry.unavailable"),
    ],
)
def test_bad_urls(url: str, code: str) -> None:
    with pytest.raises(RegistryError) as exc:
        Registry.open(url)
    assert exc.value.code == code


def test_list_url_of_another_issuer_is_refused(registry: Registry, issuer: str) -> None:
    template = f"https://status.example/{uuid.uuid4().hex}/{{purpose}}/{{n}}"
    registry.reserve(issuer, "k", list_url_template=template)
    with pytest.raises(RegistryError) as exc:
        registry.reserve(issuer + ":other", "k", list_url_template=template)
    assert exc.value.code == "registry.list_url_taken"


def test_bad_arguments(registry: Registry, issuer: str) -> None:
    with pytest.raises(RegistryError) as exc:
        registry.reserve(issuer, "k", purposes=("refresh",), list_url_template=tpl(issuer))
    assert exc.value.code == "registry.bad_purpose"
    with pytest.raises(RegistryError) as exc:
        registry.reserve(issuer, "", list_url_template=tpl(issuer))
    assert exc.value.code == "registry.bad_key"
    with pytest.raises(RegistryError) as exc:
        Registry.open("sqlite:///x.db", list_size=1000)
    assert exc.value.code == "registry.list_too_small"


def test_default_url_uses_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    with Registry.open() as reg:
        assert reg.url.endswith("mcbadge/registry.db")
        assert reg.url.startswith(f"sqlite:///{tmp_path}")
