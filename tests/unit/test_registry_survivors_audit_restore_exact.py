"""Exact behaviour of the audit log and of the restore seal: the mutation survivors of
``mcbadge.registry.audit`` and ``mcbadge.registry.restore``.

Pinned here:

- the exact refusal messages (an actor without a client, a skip below 1);
- the operator actor the CLI writes into records (``operator ada (mcbadge CLI)``, or
  ``unknown user`` when the process has no user name);
- a record read back field by field: its id, its UTC time, its ``None`` fields staying
  ``None``, the default outcome ``ok``, the detail it was given, and the client name and
  outcome cut to their column sizes;
- ``records`` filtered by issuer, and keeping the newest 1000 by default;
- the seal: ``skip=1`` is allowed, the list holding the skipped numbers is closed, stamped
  in UTC and skipped by the next credential, a fallback URL loses only its trailing
  slashes, and a registry with no open list reports 0 lists closed;
- a failing database names the operation that failed (what the CLI prints, and what
  ``audited`` logs when it cannot record a refusal).
"""

from __future__ import annotations

import getpass
import importlib
import logging
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.registry_kit import DownEngine, DownReader, opened

from mcbadge.errors import MCBadgeError, RegistryError
from mcbadge.registry import Registry
from mcbadge.registry.audit import (
    Actor,
    AuditLog,
    AuditRecord,
    audited,
    operator_actor,
    write_record,
)
from mcbadge.registry.restore import SealedLists, _skipped_url, seal_after_restore

ISSUER = "did:example:restored-issuer"
OTHER = "did:example:other-issuer"
TEMPLATE = "https://provider.example/status/{purpose}-{n}.json"
TEMPLATES = {ISSUER: TEMPLATE, OTHER: "https://other.example/status/{purpose}-{n}.json"}


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    # fill_limit 3: a list closes after 3 entries, so lists start within a test
    with opened(f"sqlite:///{tmp_path / 'r.db'}", fill_limit=3) as registry:
        yield registry


def _reserve(registry: Registry, key: str, issuer_id: str = ISSUER, **options: Any) -> str:
    """The revocation list URL the new credential ``key`` was given."""
    template = TEMPLATES[issuer_id]
    reservation = registry.reserve(issuer_id, key, list_url_template=template, **options)
    return reservation.entries["revocation"].list_url


# -- a failing database ---------------------------------------------------------------------


# -- Actor and operator_actor ----------------------------------------------------------------


def test_an_actor_without_a_client_name_is_refused_with_its_message() -> None:
    """Kills Actor.__post_init__ 3 (message changed)."""
    with pytest.raises(ValueError, match=r"^an actor needs a client name$") as refused:
        Actor(" \t")
    assert str(refused.value) == "an actor needs a client name"


def test_the_operator_actor_names_the_process_user_and_the_cli(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the CLI records as the actor: ``operator <user> (mcbadge CLI)``, no token id.
    Kills operator_actor 1, 2, 3 (default tool name changed) and 4 (user name None)."""
    monkeypatch.setattr(getpass, "getuser", lambda: "ada")
    assert operator_actor() == Actor("operator ada (mcbadge CLI)", None)
    assert operator_actor("mcbadge restore") == Actor("operator ada (mcbadge restore)")


@pytest.mark.parametrize("failure", [KeyError("LOGNAME"), OSError("no password entry")])
def test_the_operator_actor_without_a_user_name_is_an_unknown_user(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    """Kills operator_actor 5, 6, 7 (the fallback user name None or changed)."""

    def no_user() -> str:
        raise failure

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert operator_actor() == Actor("operator unknown user (mcbadge CLI)")


# -- one record, read back field by field --------------------------------------------------------


def test_a_bare_record_reads_back_exactly(registry: Registry) -> None:
    """A record written with only an actor and an action: id 1 (the first record), outcome
    ``ok`` by default, and no issuer, target, token or detail (``None``, not ``"None"``).
    Kills _record 2 (id None), 40 (issuer_id "None"), 59 (detail "None") and
    AuditLog.record 1, 2 (default outcome changed)."""
    log = AuditLog(registry)
    log.record(Actor("badge-platform"), "token.create")
    [record] = log.records()
    assert record == AuditRecord(
        record_id=1,
        at=record.at,
        client="badge-platform",
        token_id=None,
        action="token.create",
        issuer_id=None,
        target=None,
        outcome="ok",
        detail=None,
    )
    assert record.ok


def test_a_full_record_reads_back_with_its_detail(registry: Registry) -> None:
    """Every field given to AuditLog.record is read back, the record ids counting up.
    Kills AuditLog.record 9 (detail None) and 16 (detail dropped), and _record 2."""
    log = AuditLog(registry)
    log.record(Actor("registrar"), "token.create", target="tok0")
    log.record(
        Actor("badge-platform", "3f2a9c0b1d4e"),
        "revoke",
        issuer_id=ISSUER,
        target="urn:uuid:1",
        outcome="registry.unknown_credential",
        detail="no such credential",
    )
    first, second = log.records()
    assert first.record_id == 1
    assert second == AuditRecord(
        record_id=2,
        at=second.at,
        client="badge-platform",
        token_id="3f2a9c0b1d4e",
        action="revoke",
        issuer_id=ISSUER,
        target="urn:uuid:1",
        outcome="registry.unknown_credential",
        detail="no such credential",
    )
    assert not second.ok


def test_records_are_stamped_in_utc(registry: Registry, far_east_local_time: None) -> None:
    """``at`` is an ISO 8601 UTC time (``+00:00``) even where the local zone is UTC+9, so
    ``since`` compares like with like. Kills _now 2 (a naive local time)."""
    log = AuditLog(registry)
    log.record(Actor("badge-platform"), "token.create")
    [record] = log.records()
    assert record.at.endswith("+00:00")
    assert datetime.fromisoformat(record.at).utcoffset() == timedelta(0)
    assert len(record.at) == len("2026-01-02T03:04:05.123456+00:00")


def test_a_long_client_name_and_outcome_are_cut_to_their_columns(registry: Registry) -> None:
    """The client name is kept to 256 characters, the outcome to 64, the detail to 2000.
    Kills write_record 23 (client cut at 257) and 24 (outcome cut at 65)."""
    log = AuditLog(registry)
    client = "".join(chr(ord("a") + n % 26) for n in range(300))
    outcome = "".join(chr(ord("A") + n % 26) for n in range(100))
    log.record(Actor(client), "revoke", outcome=outcome, detail="d" * 2500)
    [record] = log.records()
    assert record.client == client[:256]
    assert record.outcome == outcome[:64]
    assert record.detail == "d" * 2000


# -- reading records -----------------------------------------------------------------------------


def test_records_filtered_by_issuer_are_that_issuers_only(registry: Registry) -> None:
    """Kills AuditLog.records 5 (query None), 6 (where None) and 7 (``!=`` the issuer)."""
    log = AuditLog(registry)
    actor = Actor("badge-platform")
    log.record(actor, "issue", issuer_id=ISSUER, target="c1")
    log.record(actor, "issue", issuer_id=OTHER, target="c2")
    log.record(actor, "token.create", target="tok")  # no issuer
    log.record(actor, "revoke", issuer_id=ISSUER, target="c1")
    assert [(r.action, r.target) for r in log.records(issuer_id=ISSUER)] == [
        ("issue", "c1"),
        ("revoke", "c1"),
    ]
    assert [r.target for r in log.records(issuer_id=OTHER)] == ["c2"]
    assert log.records(issuer_id="did:example:nobody") == []


def test_records_keep_the_newest_1000_by_default(registry: Registry) -> None:
    """Of 1001 records, ``records()`` returns the newest 1000, oldest first; ``limit=None``
    returns all. Kills AuditLog.records 1 (default limit 1001)."""
    actor = Actor("badge-platform")

    def seed(conn: sa.Connection) -> None:
        for n in range(1001):
            write_record(conn, actor, "token.create", target=f"tok{n}")

    registry._write("seed audit records", seed)
    log = AuditLog(registry)
    newest = log.records()
    assert len(newest) == 1000
    assert (newest[0].target, newest[-1].target) == ("tok1", "tok1000")
    assert len(log.records(limit=None)) == 1001


# -- a failing database names the audit operation ---------------------------------------------


def test_a_failing_audit_write_names_the_operation(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills AuditLog.record 17, 21, 22 (the operation's name None or changed)."""
    monkeypatch.setattr(registry, "_engine", DownEngine())
    with pytest.raises(RegistryError) as caught:
        AuditLog(registry).record(Actor("badge-platform"), "token.create")
    assert caught.value.code == "registry.unavailable"
    assert str(caught.value) == (
        "the issuer registry could not write an audit record (OperationalError)"
    )


def test_a_refusal_that_cannot_be_audited_logs_why_and_keeps_its_error(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """What an operator reads in the log when the refusal's record cannot be written: the
    failed audit write, by name. Kills AuditLog.record 17, 21, 22 through ``audited``."""
    monkeypatch.setattr(registry, "_engine", DownEngine())
    refusal = MCBadgeError("no such credential", code="registry.unknown_credential")
    with (
        caplog.at_level(logging.WARNING, logger="mcbadge.registry.audit"),
        pytest.raises(MCBadgeError) as caught,
        audited(registry, Actor("badge-platform"), "revoke", issuer_id=ISSUER, target="c1"),
    ):
        raise refusal
    assert caught.value is refusal
    assert [r.getMessage() for r in caplog.records if r.name == "mcbadge.registry.audit"] == [
        "could not audit a refused revoke: "
        "the issuer registry could not write an audit record (OperationalError)"
    ]


def test_a_failing_audit_read_names_the_operation(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills AuditLog.records 32, 36, 37 (the operation's name None or changed)."""
    monkeypatch.setattr(registry, "_reader", DownReader())
    with pytest.raises(RegistryError) as caught:
        AuditLog(registry).records()
    assert caught.value.code == "registry.unavailable"
    assert str(caught.value) == (
        "the issuer registry could not read the audit records (OperationalError)"
    )


# -- the restore seal ------------------------------------------------------------------------------


def test_a_fallback_url_loses_only_its_trailing_slashes() -> None:
    """When the URL's last number is not the list's, ``/retired-<n>`` is appended after the
    URL without its trailing slashes, and nothing else is taken off. Kills _skipped_url 9
    (``rstrip()``), 10 (``lstrip('/')``) and 11 (``rstrip('XX/XX')``)."""
    assert _skipped_url("https://p.example/status/list/", 3, 1003) == (
        "https://p.example/status/list/retired-1003"
    )
    assert _skipped_url("https://p.example/status/list//", 3, 1003) == (
        "https://p.example/status/list/retired-1003"
    )
    assert _skipped_url("https://p.example/status/LISTX", 3, 1003) == (
        "https://p.example/status/LISTX/retired-1003"
    )
    assert _skipped_url("https://p.example/status/list ", 3, 1003) == (
        "https://p.example/status/list /retired-1003"
    )


def test_a_seal_holds_a_list_named_by_an_unnumbered_template_at_a_retired_url(
    registry: Registry,
) -> None:
    """A template whose last number is not the list number (``…/{n}/v2/``): the held list
    is at ``…/1/v2/retired-11``. Kills _skipped_url 9 and 10 through the seal."""
    template = "https://p.example/status/{purpose}/{n}/v2/"
    registry.reserve(ISSUER, "a", list_url_template=template)
    sealed = seal_after_restore(registry, skip=10)
    assert sealed == SealedLists(closed=1, next_numbers={(ISSUER, "revocation"): 12})
    assert [r.url for r in registry.status_lists(ISSUER)] == [
        "https://p.example/status/revocation/1/v2/",
        "https://p.example/status/revocation/1/v2/retired-11",
    ]


def test_skip_below_one_is_refused_with_its_message(registry: Registry) -> None:
    """Kills seal_after_restore 4 (message changed)."""
    for skip in (0, -5):
        with pytest.raises(ValueError, match=r"^skip must be at least 1$") as refused:
            seal_after_restore(registry, skip=skip)
        assert str(refused.value) == "skip must be at least 1"


def test_a_seal_may_skip_a_single_number(registry: Registry) -> None:
    """``skip=1`` is allowed: list 2 is held and the next list is 3. Kills
    seal_after_restore 1 (``skip <= 1``) and 2 (``skip < 2``)."""
    assert _reserve(registry, "a").endswith("/revocation-1.json")
    sealed = seal_after_restore(registry, skip=1)
    assert sealed == SealedLists(closed=1, next_numbers={(ISSUER, "revocation"): 3})
    assert _reserve(registry, "b") == "https://provider.example/status/revocation-3.json"


def test_the_held_list_is_closed_empty_and_stamped_in_utc(
    registry: Registry, far_east_local_time: None
) -> None:
    """The list holding the skipped numbers is closed (no index is ever handed out in it),
    empty, as large as the list it follows, and created at a UTC time; the next credential
    starts the list after it. Kills seal_after_restore 49 (``full`` dropped: an open list),
    58 (``full=False``) and 28 (a naive local ``created_at``)."""
    _reserve(registry, "a")
    seal_after_restore(registry, skip=10)
    held = registry.status_list_at("https://provider.example/status/revocation-11.json")
    assert held is not None
    assert (held.issuer_id, held.purpose, held.full, held.allocated) == (
        ISSUER,
        "revocation",
        True,
        0,
    )
    assert held.size == registry.list_size
    assert held.created_at.endswith("+00:00")
    assert datetime.fromisoformat(held.created_at).utcoffset() == timedelta(0)
    assert _reserve(registry, "b") == "https://provider.example/status/revocation-12.json"
    assert [
        (r.url.rsplit("/", 1)[1], r.full, r.allocated) for r in registry.status_lists(ISSUER)
    ] == [
        ("revocation-1.json", True, 1),
        ("revocation-11.json", True, 0),
        ("revocation-12.json", False, 1),
    ]


def test_a_registry_with_no_open_list_reports_none_closed(registry: Registry) -> None:
    """An empty registry: nothing closed, nothing held. A second seal: nothing left to
    close, the numbers skipped again. Kills seal_after_restore 68 (``closed or 1``)."""
    assert seal_after_restore(registry) == SealedLists(closed=0, next_numbers={})
    _reserve(registry, "a")
    assert seal_after_restore(registry, skip=10) == SealedLists(
        closed=1, next_numbers={(ISSUER, "revocation"): 12}
    )
    assert seal_after_restore(registry, skip=10) == SealedLists(
        closed=0, next_numbers={(ISSUER, "revocation"): 22}
    )


def _seal_many(registry: Registry) -> SealedLists:
    """Two issuers, each with revocation and suspension lists of different lengths."""
    for n in range(7):  # ISSUER: 3 lists of each purpose (3 entries a list)
        _reserve(registry, f"i-{n}", purposes=("revocation", "suspension"))
    for n in range(4):  # OTHER: 2 revocation lists
        _reserve(registry, f"o-{n}", OTHER)
    return seal_after_restore(registry, skip=5)


def test_a_seal_skips_after_the_last_list_of_every_issuer_and_purpose(
    registry: Registry,
) -> None:
    """Every (issuer, purpose) is sealed after its own last list. (Pins the behaviour the
    ordering mutants 16 to 21 of seal_after_restore keep on SQLite.)"""
    assert _seal_many(registry) == SealedLists(
        closed=3,
        next_numbers={
            (OTHER, "revocation"): 8,
            (ISSUER, "revocation"): 9,
            (ISSUER, "suspension"): 9,
        },
    )
    assert [(r.purpose, r.url.rsplit("/", 1)[1], r.full) for r in registry.status_lists(OTHER)] == [
        ("revocation", "revocation-1.json", True),
        ("revocation", "revocation-2.json", True),
        ("revocation", "revocation-7.json", True),
    ]


def test_a_failing_seal_names_the_operation(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills seal_after_restore 69, 73, 74 (the operation's name None or changed)."""
    monkeypatch.setattr(registry, "_engine", DownEngine())
    with pytest.raises(RegistryError) as caught:
        seal_after_restore(registry)
    assert caught.value.code == "registry.unavailable"
    assert str(caught.value) == (
        "the issuer registry could not seal the status lists after a restore (OperationalError)"
    )


def _pg_url() -> str:
    """The throwaway PostgreSQL server's URL (``tests/pg_fixture.py``: the test is skipped
    locally, and fails under ``CI=true``, when none is set). Imported by name so that mypy
    run on this file alone needs no path to ``tests/``."""
    return str(importlib.import_module("pg_fixture").pg_url_or_skip())


@pytest.mark.postgres
def test_a_seal_on_postgresql() -> None:
    """The seal's query runs on PostgreSQL, which refuses ``ORDER BY NULL`` (seal_after_restore
    16, 17, 18 are PostgreSQL-only). The seal closes every list of the database, so it runs
    in a database of its own, dropped afterwards."""
    base = sa.make_url(_pg_url())
    name = f"mcbadge_seal_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        registry = Registry.open(
            base.set(database=name).render_as_string(hide_password=False), fill_limit=3
        )
        try:
            sealed = _seal_many(registry)
            assert sealed.next_numbers == {
                (OTHER, "revocation"): 8,
                (ISSUER, "revocation"): 9,
                (ISSUER, "suspension"): 9,
            }
            assert sealed.closed == 3
        finally:
            registry.close()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()
