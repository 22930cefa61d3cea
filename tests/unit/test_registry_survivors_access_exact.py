"""The service's access-token store (``mcbadge.registry.access``), pinned exactly where the
2026-12 mutation run of ``registry/`` found it untested:

- ``revoke`` stamps the time given (a naive one is refused and revokes nothing), keeps the
  first revocation time of a token revoked again, refuses an unknown id with
  ``access.unknown`` and its message, and with an actor writes one ``token.revoke`` record
  per call: ``ok`` the first time, ``unchanged`` after;
- ``list`` is newest first by creation time, and by default shows a token until the instant
  it expires (not at it);
- a failing database names the operation that failed.

The stored revocation time is not part of any record the store hands out, so it is read back
from the SQLite file, as in ``test_registry_exact.py``. ``list`` takes no ``now``: its clock is
set by patching the module's ``_now``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.registry_kit import DownEngine, DownReader, opened, refused_unavailable

from mcbadge.registry import AccessError, AccessTokenStore, Registry
from mcbadge.registry import access as access_module
from mcbadge.registry._util import aware_now
from mcbadge.registry.access import IssuedToken
from mcbadge.registry.audit import Actor, AuditLog

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=10)
T2 = T0 + timedelta(minutes=20)
STAMP_T1 = "2026-12-05T08:10:00.000000+00:00"
NAIVE = datetime(2026, 12, 5, 8, 30)  # no time zone: refused by every ``now=``
ISSUER = "did:web:badges.example"
ADMIN = Actor("badge-admin", "0123456789ab")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "r.db"


@pytest.fixture
def registry(db_path: Path) -> Iterator[Registry]:
    with opened(f"sqlite:///{db_path}") as registry:
        yield registry


@pytest.fixture
def store(registry: Registry) -> AccessTokenStore:
    return AccessTokenStore(registry)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The store's "now" when no ``now=`` is given (``list`` takes none): set ``clock[0]``.
    An explicit ``now=`` is still used (and a naive one still refused)."""
    current = [T0]

    def now(given: datetime | None) -> datetime:
        return aware_now(given if given is not None else current[0])

    monkeypatch.setattr(access_module, "_now", now)
    return current


def _revoked_at(db_path: Path, issued: IssuedToken) -> str | None:
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute(
            "SELECT revoked_at FROM access_tokens WHERE token_id = ?", (issued.grant.token_id,)
        ).fetchall()
    assert len(rows) == 1
    return rows[0][0]  # type: ignore[no-any-return]


def _audited(registry: Registry, token_id: str) -> list[tuple[Any, ...]]:
    """The records about ``token_id``, without their id and time."""
    return [
        (r.client, r.token_id, r.action, r.issuer_id, r.target, r.outcome, r.detail)
        for r in AuditLog(registry).records(target=token_id)
    ]


# -- revoke ---------------------------------------------------------------------------------


def test_revoking_records_the_given_time_and_keeps_the_first_one(
    store: AccessTokenStore, db_path: Path
) -> None:
    """The token is stamped with ``now`` (not the current time), and a second revocation
    leaves that first time as it was.

    Kills revoke 3 (``now`` ignored) and 10 (the UPDATE loses ``revoked_at IS NULL``, so the
    second revocation overwrites the time)."""
    issued = store.issue("badge-platform", issuer_ids=[ISSUER], now=T0)
    assert _revoked_at(db_path, issued) is None

    assert store.revoke(issued.grant.token_id, now=T1) == issued.grant
    assert _revoked_at(db_path, issued) == STAMP_T1
    assert store.revoke(issued.grant.token_id, now=T2) == issued.grant
    assert _revoked_at(db_path, issued) == STAMP_T1
    assert store.lookup(issued.value, now=T2) is None


def test_revoking_at_a_naive_time_is_refused_and_revokes_nothing(
    store: AccessTokenStore, db_path: Path
) -> None:
    """Kills revoke 3 (``now`` ignored: the naive time would be accepted)."""
    issued = store.issue("badge-platform", issuer_ids=[ISSUER], now=T0)
    with pytest.raises(ValueError, match=r"^now must be a timezone-aware datetime$"):
        store.revoke(issued.grant.token_id, now=NAIVE, actor=ADMIN)
    assert _revoked_at(db_path, issued) is None
    assert store.lookup(issued.value, now=T1) == issued.grant


def test_revoking_an_unknown_token_is_access_unknown_with_its_message_and_no_record(
    store: AccessTokenStore, registry: Registry
) -> None:
    """Kills revoke 55 (message None) and 19 (the audit branch taken for a missing row,
    which fails on ``row.client_id`` instead of refusing)."""
    with pytest.raises(AccessError) as caught:
        store.revoke("000000000000", now=T0, actor=ADMIN)
    assert caught.value.code == "access.unknown"
    assert caught.value.message == "no access token has the id '000000000000'"
    assert str(caught.value) == "no access token has the id '000000000000'"
    assert AuditLog(registry).records() == []


def test_revoking_with_an_actor_writes_one_record_ok_then_unchanged(
    store: AccessTokenStore, registry: Registry
) -> None:
    """Each revocation by an actor writes exactly one ``token.revoke`` record naming the
    actor, the token and its client: ``ok`` when it revoked the token, ``unchanged`` when the
    token was already revoked. Another token's revocation is not recorded under this one.

    Kills revoke 10 (a repeat would be ``ok``), 19 (no record), 21 to 34 (an argument of
    ``write_record`` None, dropped or changed), 35 to 42 (the outcome always ``ok`` or
    ``unchanged``, swapped, or spelled otherwise)."""
    issued = store.issue("badge-platform", issuer_ids=[ISSUER], now=T0)
    other = store.issue("other-platform", issuer_ids=[ISSUER], now=T0)
    token_id = issued.grant.token_id

    store.revoke(token_id, now=T1, actor=ADMIN)
    ok = (
        "badge-admin",
        "0123456789ab",
        "token.revoke",
        None,
        token_id,
        "ok",
        "token of badge-platform",
    )
    assert _audited(registry, token_id) == [ok]

    store.revoke(token_id, now=T2, actor=Actor("operator ada (mcbadge CLI)"))
    unchanged = (
        "operator ada (mcbadge CLI)",
        None,
        "token.revoke",
        None,
        token_id,
        "unchanged",
        "token of badge-platform",
    )
    assert _audited(registry, token_id) == [ok, unchanged]

    store.revoke(other.grant.token_id, now=T1)  # no actor: no record
    assert _audited(registry, other.grant.token_id) == []
    assert len(AuditLog(registry).records()) == 2


# -- list -----------------------------------------------------------------------------------


def test_list_is_newest_first_by_creation_time(store: AccessTokenStore) -> None:
    """Tokens created out of order (T1, then T0, then T2) are listed T2, T1, T0, valid or
    not. Kills list 5 (no ``ORDER BY``: SQLite returns them as inserted)."""
    middle = store.issue("middle", issuer_ids=[ISSUER], now=T1)
    oldest = store.issue("oldest", issuer_ids=[ISSUER], now=T0)
    newest = store.issue("newest", issuer_ids=[ISSUER], now=T2)
    expected = [newest.grant, middle.grant, oldest.grant]
    assert store.list() == expected
    assert store.list(include_inactive=True) == expected


def test_list_shows_a_token_until_the_instant_it_expires(
    store: AccessTokenStore, clock: list[datetime]
) -> None:
    """By default ``list`` shows a token that has not expired yet, and from the instant it
    expires on shows it only with ``include_inactive``.

    Kills list 12 (no expiry condition: an expired token listed), 14 and 16 (the condition
    reduced to "never expires": a token with an expiry never listed) and 17 (``>=``: listed
    at the instant it expires)."""
    forever = store.issue("operator", issuer_ids=[ISSUER], now=T0)
    hourly = store.issue(
        "oauth-client", issuer_ids=[ISSUER], ttl=timedelta(hours=1), kind="oauth", now=T1
    )
    assert hourly.grant.expires_at == T1 + timedelta(hours=1)

    clock[0] = T1 + timedelta(minutes=59, seconds=59)
    assert store.list() == [hourly.grant, forever.grant]

    clock[0] = T1 + timedelta(hours=1)
    assert store.list() == [forever.grant]
    assert store.list(include_inactive=True) == [hourly.grant, forever.grant]

    clock[0] = T1 + timedelta(days=30)
    assert store.list() == [forever.grant]


# -- a failing database names the operation ------------------------------------------------


def test_a_failing_write_names_the_revoke_operation(
    store: AccessTokenStore, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills revoke 48, 52, 53 (the operation's name None or changed in the message)."""
    token_id = store.issue("badge-platform", issuer_ids=[ISSUER], now=T0).grant.token_id
    monkeypatch.setattr(registry, "_engine", DownEngine())
    refused_unavailable(lambda: store.revoke(token_id, now=T1), "revoke an access token")
    refused_unavailable(
        lambda: store.issue("c", issuer_ids=[ISSUER], now=T1), "store an access token"
    )


def test_a_failing_read_names_the_list_operation(
    store: AccessTokenStore, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills list 20, 24, 25 (the operation's name None or changed in the message)."""
    monkeypatch.setattr(registry, "_reader", DownReader())
    refused_unavailable(store.list, "list access tokens")
    refused_unavailable(lambda: store.list(include_inactive=True), "list access tokens")
    refused_unavailable(lambda: store.lookup("mcb_x", now=T0), "look up an access token")
