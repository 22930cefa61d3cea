"""mcbadge.registry.core, pinned where surviving mutants showed a gap (mutation run of
2026-12-06 over ``src/mcbadge/registry/``, first batch of ``core.py`` survivors): the default
registry location on Windows, the audit record of a repeated issue and of a repeated
revocation, ``status_list_at`` field by field, ``revocations`` order and ``revoked_at``,
``record_issued_many`` over 1,000 items (two query chunks and more), and a list URL prefix
ending in ``X``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import platformdirs.windows
import pytest
from tests.registry_kit import DownReader, refused

from mcbadge.registry import (
    Actor,
    AuditLog,
    Registry,
    RevocationRecord,
    StatusListRecord,
)
from mcbadge.registry import core as registry_core

TPL = "https://status.example/{purpose}/{n}"
ISSUER = "did:web:i.test"
PLATFORM = Actor("badge-platform", "3f2a9c0b1d4e")
T0 = "2026-01-02T03:04:05.000006+00:00"
T1 = "2026-01-03T00:00:00.000001+00:00"
T2 = "2026-01-04T00:00:00.000002+00:00"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'r.db'}"


@pytest.fixture
def registry(db: str) -> Iterator[Registry]:
    with Registry.open(db) as reg:
        yield reg


def _urn(n: int) -> str:
    return f"urn:uuid:{uuid.UUID(int=n)}"


# -- default_url --------------------------------------------------------------------------


def test_default_url_on_windows_has_no_author_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On Windows the default registry is ``%LOCALAPPDATA%\\mcbadge\\registry.db``, not
    ``…\\mcbadge\\mcbadge\\…`` (platformdirs adds an author directory named like the app
    unless ``appauthor=False``). platformdirs' own Windows rules run here, with the
    known-folder look-up pointed at ``tmp_path``."""
    local = tmp_path / "AppData" / "Local"
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda _name: str(local))
    assert registry_core.default_url() == f"sqlite:///{local / 'mcbadge' / 'registry.db'}"
    assert (local / "mcbadge").is_dir()
    assert not (local / "mcbadge" / "mcbadge").exists()


# -- audit records of repeats -------------------------------------------------------------


def test_recording_the_same_document_again_is_audited_as_unchanged(registry: Registry) -> None:
    """A second ``record_issued`` of the same document with an actor changes nothing and
    leaves one ``issue`` record with outcome ``unchanged``, naming the actor, the issuer and
    the credential."""
    cid = registry.reserve(ISSUER, "k", list_url_template=TPL).credential_id
    registry.record_issued(cid, '{"signed":true}', "ldp_vc", actor=PLATFORM)
    registry.record_issued(cid, '{"signed":true}', "ldp_vc", actor=PLATFORM)
    records = AuditLog(registry).records()
    assert [
        (r.client, r.token_id, r.action, r.issuer_id, r.target, r.outcome, r.detail)
        for r in records
    ] == [
        ("badge-platform", "3f2a9c0b1d4e", "issue", ISSUER, cid, "ok", None),
        ("badge-platform", "3f2a9c0b1d4e", "issue", ISSUER, cid, "unchanged", None),
    ]
    got = registry.get(cid)
    assert (got.state, got.document, got.format) == ("issued", '{"signed":true}', "ldp_vc")


def test_revoking_again_is_audited_unchanged_with_the_new_reason(registry: Registry) -> None:
    """Revoking a revoked credential keeps the first reason on the credential, but its
    ``unchanged`` audit record carries the reason the repeat gave."""
    cid = registry.reserve(ISSUER, "k", list_url_template=TPL).credential_id
    registry.revoke(cid, "fraud", actor=PLATFORM)
    again = registry.revoke(cid, "second request", actor=PLATFORM)
    assert again.revocation_reason == "fraud"
    records = AuditLog(registry).records(target=cid)
    assert [(r.action, r.issuer_id, r.outcome, r.detail) for r in records] == [
        ("revoke", ISSUER, "ok", "fraud"),
        ("revoke", ISSUER, "unchanged", "second request"),
    ]


# -- status_list_at ------------------------------------------------------------------------


def test_status_list_at_reads_one_list_exactly(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``status_list_at`` returns the list at that URL with its own size, creation time,
    ``full`` flag and number of allocated entries (entries of other lists not counted), and
    ``None`` for a URL no list has."""
    monkeypatch.setattr(registry_core, "_now", lambda: T0)
    other = "did:web:j.test"
    with Registry.open(db, fill_limit=2) as reg:
        a = reg.reserve(ISSUER, "a", purposes=("revocation", "suspension"), list_url_template=TPL)
        reg.reserve(ISSUER, "b", list_url_template=TPL)  # the revocation list is full at 2
        reg.reserve_many(
            other,
            [("c", None), ("d", None)],
            list_url_template="https://other.example/{purpose}/{n}",
        )
        rev, sus = a.entries["revocation"], a.entries["suspension"]
        assert reg.status_list_at(rev.list_url) == StatusListRecord(
            rev.list_id, ISSUER, "revocation", rev.list_url, 131_072, T0, True, 2
        )
        assert reg.status_list_at(sus.list_url) == StatusListRecord(
            sus.list_id, ISSUER, "suspension", sus.list_url, 131_072, T0, False, 1
        )
        theirs = reg.status_list_at("https://other.example/revocation/1")
        assert theirs is not None
        assert (theirs.issuer_id, theirs.full, theirs.allocated) == (other, True, 2)
        assert reg.status_list_at("https://status.example/revocation/2") is None
        assert [reg.status_list_at(s.url) for s in reg.status_lists(ISSUER)] == (
            reg.status_lists(ISSUER)
        )


def test_status_list_at_failure_names_the_operation(registry: Registry) -> None:
    """A database error while looking a list up is ``registry.unavailable`` saying "find a
    status list"."""

    registry._reader = DownReader()  # type: ignore[assignment]
    refused(
        lambda: registry.status_list_at("https://status.example/revocation/1"),
        "registry.unavailable",
        "the issuer registry could not find a status list (OperationalError)",
    )


# -- revocations ---------------------------------------------------------------------------


def test_revocations_oldest_first_ties_by_id_with_their_time(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``revocations`` is ordered by ``revoked_at``, then by credential id (not by id alone,
    not in insertion order), and each record carries the time of its revocation."""
    clock = [T0]
    monkeypatch.setattr(registry_core, "_now", lambda: clock[0])
    ids = iter([uuid.UUID(int=3), uuid.UUID(int=1), uuid.UUID(int=2)])
    monkeypatch.setattr("mcbadge.registry.core.uuid.uuid4", lambda: next(ids))
    c3, c1, c2 = (
        registry.reserve(ISSUER, key, list_url_template=TPL).credential_id for key in "abc"
    )
    assert (c1, c2, c3) == (_urn(1), _urn(2), _urn(3))
    clock[0] = T1
    registry.revoke(c2, "first")
    clock[0] = T2
    registry.revoke(c3, "tie, larger id, revoked before")
    registry.revoke(c1, "tie, smaller id, revoked after")
    assert registry.revocations(ISSUER) == [
        RevocationRecord(c2, "first", T1),
        RevocationRecord(c1, "tie, smaller id, revoked after", T2),
        RevocationRecord(c3, "tie, larger id, revoked before", T2),
    ]


# -- record_issued_many over several query chunks -----------------------------------------------


def test_record_issued_many_finds_every_item_of_1000(registry: Registry) -> None:
    """1,000 items (the current state is read 500 ids at a time): every one is recorded,
    including item 500 (the first of the second chunk) and item 999 (the last)."""
    n = 1000
    out = registry.reserve_many(ISSUER, [(f"k{i}", None) for i in range(n)], list_url_template=TPL)
    items = [(r.credential_id, f'{{"n":{i}}}', "ldp_vc") for i, r in enumerate(out)]
    assert registry.record_issued_many(items) == [None] * n
    issued = registry.list_credentials(ISSUER, state="issued")
    assert {r.credential_id: r.document for r in issued} == {cid: doc for cid, doc, _ in items}
    assert registry.list_credentials(ISSUER, state="reserved") == []


# -- list URLs --------------------------------------------------------------------------------


def test_prefix_template_keeps_a_trailing_capital_x(registry: Registry) -> None:
    """A template without ``{n}`` loses only trailing ``/`` before ``{purpose}/{n}`` is
    appended: a prefix ending in ``X`` keeps it."""
    box = registry.reserve("did:web:a.test", "k", list_url_template="https://s.example/BOX")
    assert box.entries["revocation"].list_url == "https://s.example/BOX/revocation/1"
    lists = registry.reserve("did:web:b.test", "k", list_url_template="https://s.example/X//")
    assert lists.entries["revocation"].list_url == "https://s.example/X/revocation/1"
