"""The OAuth 2.0 store of the registry (``mcbadge.registry.oauth.store``), pinned exactly where
the 2026-12 mutation run of ``registry/`` found it untested:

- revoking a client revokes its own tokens only, at the time given, and leaves the time of a
  token revoked earlier as it was; an unknown client is ``oauth.unknown``;
- a client credentials token: only for a machine client (``oauth.kind``), with the scope, the
  lifetime, the kind and the issue time asked for;
- a refresh token is honoured up to 512 characters (and not longer, nor empty, nor a non-string),
  until the instant it expires (not at it), and ``refresh_grant`` reports only a usable one,
  with its whole grant;
- revoking a family touches that family only and keeps earlier revocation times;
- ``family_of`` of an unknown token id is ``None``;
- a failing database names the operation that failed.

The stored revocation times are not part of any record the store hands out, so they are read
back from the SQLite file, as in ``test_registry_exact.py``.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.registry_kit import DownEngine, DownReader, opened, refused_unavailable

from mcbadge.registry import AccessTokenStore, Registry
from mcbadge.registry._util import aware_now, digest
from mcbadge.registry.access import AccessGrant
from mcbadge.registry.audit import Actor, AuditLog
from mcbadge.registry.oauth import (
    OB_SCOPES,
    REFRESH_TOKEN_TTL,
    OAuthClient,
    OAuthError_,
    OAuthStore,
    RefreshGrant,
    TokenPair,
    check_registration,
)
from mcbadge.registry.oauth import store as oauth_store

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=10)
T2 = T0 + timedelta(minutes=20)
STAMP_T1 = "2026-12-05T08:10:00.000000+00:00"
STAMP_T2 = "2026-12-05T08:20:00.000000+00:00"
NAIVE = datetime(2026, 12, 5, 8, 30)  # no time zone: refused by every ``now=``
LEARNER = "sha256$" + "a" * 64
ISSUER = "did:web:i.test"
SCOPE = " ".join(OB_SCOPES)
METADATA: dict[str, Any] = {
    "client_name": "Wallet",
    "client_uri": "https://wallet.example/",
    "logo_uri": "https://wallet.example/logo.png",
    "tos_uri": "https://wallet.example/terms",
    "policy_uri": "https://wallet.example/privacy",
    "software_id": "wallet",
    "software_version": "1",
    "redirect_uris": ["https://wallet.example/cb"],
    "scope": SCOPE + " offline_access",
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "r.db"


@pytest.fixture
def registry(db_path: Path) -> Iterator[Registry]:
    with opened(f"sqlite:///{db_path}") as registry:
        yield registry


@pytest.fixture
def store(registry: Registry) -> OAuthStore:
    return OAuthStore(registry)


@pytest.fixture
def tokens(registry: Registry) -> AccessTokenStore:
    return AccessTokenStore(registry)


@pytest.fixture
def client(store: OAuthStore) -> OAuthClient:
    return store.register_client(check_registration(METADATA))[0]


@pytest.fixture
def machine(store: OAuthStore) -> OAuthClient:
    return store.register_client(
        {"client_name": "Issuing robot"}, kind="machine", issuer_ids=[ISSUER]
    )[0]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The store's "now" when no ``now=`` is given (``refresh_grant`` takes none): set
    ``clock[0]``. An explicit ``now=`` is still used (and a naive one still refused)."""
    current = [T0]

    def now(given: datetime | None) -> datetime:
        return aware_now(given if given is not None else current[0])

    monkeypatch.setattr(oauth_store, "_now", now)
    return current


def _rows(db_path: Path, sql: str, *args: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(sql, args).fetchall()


def _access_revoked_at(db_path: Path, pair: TokenPair) -> str | None:
    rows = _rows(
        db_path,
        "SELECT revoked_at FROM access_tokens WHERE token_id = ?",
        pair.access.grant.token_id,
    )
    assert len(rows) == 1
    return rows[0][0]  # type: ignore[no-any-return]


def _refresh_revoked_at(db_path: Path, pair: TokenPair) -> str | None:
    assert pair.refresh_token is not None
    rows = _rows(
        db_path,
        "SELECT revoked_at FROM oauth_refresh_tokens WHERE digest = ?",
        digest(pair.refresh_token),
    )
    assert len(rows) == 1
    return rows[0][0]  # type: ignore[no-any-return]


def _pair(store: OAuthStore, client: OAuthClient, family: str, now: datetime = T0) -> TokenPair:
    pair = store.issue_tokens(
        client, learner=LEARNER, scope=SCOPE, refresh=True, family=family, now=now
    )
    assert pair.refresh_token is not None
    return pair


def _grant(client: OAuthClient, family: str) -> RefreshGrant:
    return RefreshGrant(family=family, client_id=client.client_id, learner=LEARNER, scope=SCOPE)


# -- revoke_client ------------------------------------------------------------------------


def test_revoking_an_unknown_client_is_oauth_unknown_with_its_message(store: OAuthStore) -> None:
    """Kills revoke_client 36 (message None), 37 and 39 (code None / dropped: the class
    default ``oauth.invalid``), 40 and 41 (the code changed)."""
    with pytest.raises(OAuthError_) as caught:
        store.revoke_client("nobody")
    assert caught.value.code == "oauth.unknown"
    assert caught.value.message == "no OAuth client has the id 'nobody'"
    assert str(caught.value) == "no OAuth client has the id 'nobody'"


def test_revoking_a_client_leaves_other_clients_and_service_tokens_valid(
    store: OAuthStore, tokens: AccessTokenStore, client: OAuthClient, machine: OAuthClient
) -> None:
    """Only the revoked client's access and refresh tokens stop working: another learner
    client's pair, a machine client's token and an operator's service token stay valid.

    Kills revoke_client 14 (every access token revoked) and 22 (every refresh token)."""
    other = store.register_client(check_registration(METADATA))[0]
    mine = _pair(store, client, "fam-mine")
    theirs = _pair(store, other, "fam-theirs")
    robot = store.issue_machine_token(machine, scope="x", now=T0)
    service = tokens.issue("ops", issuer_ids=[ISSUER], now=T0)

    store.revoke_client(client.client_id, now=T1)

    assert store.client(client.client_id) is None
    assert store.client(other.client_id) == other
    assert tokens.lookup(mine.access.value, now=T1) is None
    assert tokens.lookup(theirs.access.value, now=T1) == theirs.access.grant
    assert tokens.lookup(robot.access.value, now=T1) == robot.access.grant
    assert tokens.lookup(service.value, now=T1) == service.grant
    assert mine.refresh_token is not None
    assert theirs.refresh_token is not None
    assert store.rotate_refresh(mine.refresh_token, client.client_id, now=T1) is None
    assert store.rotate_refresh(theirs.refresh_token, other.client_id, now=T1) == _grant(
        other, "fam-theirs"
    )


def test_revoking_a_client_records_the_given_time_and_keeps_earlier_revocations(
    store: OAuthStore, client: OAuthClient, db_path: Path
) -> None:
    """The client and its live tokens are stamped with ``now``; a family revoked before keeps
    its own revocation time (access and refresh token alike).

    Kills revoke_client 3 (the current time instead of ``now``), 15 (an access token revoked
    earlier re-stamped) and 23 (a refresh token revoked earlier re-stamped)."""
    old = _pair(store, client, "fam-old")
    live = _pair(store, client, "fam-live")
    store.revoke_family("fam-old", now=T1)

    store.revoke_client(client.client_id, now=T2)

    assert _rows(
        db_path, "SELECT revoked_at FROM oauth_clients WHERE client_id = ?", client.client_id
    ) == [(STAMP_T2,)]
    assert (_access_revoked_at(db_path, old), _refresh_revoked_at(db_path, old)) == (
        STAMP_T1,
        STAMP_T1,
    )
    assert (_access_revoked_at(db_path, live), _refresh_revoked_at(db_path, live)) == (
        STAMP_T2,
        STAMP_T2,
    )


def test_revoking_a_client_at_a_naive_time_is_refused_and_revokes_nothing(
    store: OAuthStore, tokens: AccessTokenStore, client: OAuthClient
) -> None:
    """``now`` must be timezone-aware, as everywhere in the registry: a naive one is a
    ValueError before anything is written. Kills revoke_client 3 (``now`` ignored)."""
    pair = _pair(store, client, "fam-1")
    with pytest.raises(ValueError, match=r"^now must be a timezone-aware datetime$"):
        store.revoke_client(client.client_id, now=NAIVE)
    assert store.client(client.client_id) == client
    assert tokens.lookup(pair.access.value, now=T1) == pair.access.grant


def test_a_refused_client_revocation_revokes_no_service_token_of_the_same_name(
    store: OAuthStore, tokens: AccessTokenStore
) -> None:
    """``oauth.unknown`` changes nothing: an operator's service token whose client is named
    like the id asked for (``mcbadge serve-token create --client ops``) is not an OAuth client's and
    stays valid. (Before, the tokens were revoked and the refusal raised afterwards.)"""
    service = tokens.issue("ops", issuer_ids=[ISSUER], now=T0)
    with pytest.raises(OAuthError_) as caught:
        store.revoke_client("ops", now=T1)
    assert caught.value.code == "oauth.unknown"
    assert tokens.lookup(service.value, now=T1) == service.grant


def test_revoking_a_client_spares_a_service_token_that_shares_its_name(
    store: OAuthStore, tokens: AccessTokenStore
) -> None:
    """A library caller may choose a client id equal to a service token's client name:
    revoking the OAuth client revokes only the OAuth client's own tokens."""
    machine = store.register_client(
        {"client_name": "robot"}, kind="machine", issuer_ids=[ISSUER], client_id="ops"
    )[0]
    robot = store.issue_machine_token(machine, scope="x", now=T0)
    service = tokens.issue("ops", issuer_ids=[ISSUER], now=T0)
    store.revoke_client("ops", now=T1)
    assert tokens.lookup(robot.access.value, now=T1) is None
    assert tokens.lookup(service.value, now=T1) == service.grant


def test_revoking_a_client_twice_keeps_its_first_revocation_time_and_audits_both(
    store: OAuthStore, registry: Registry, client: OAuthClient, db_path: Path
) -> None:
    """A second revocation is not an error and changes nothing: the client keeps the time of
    the first (as its tokens do). With an actor, each is audited in its own transaction:
    ``ok`` with the number of tokens revoked, then ``unchanged``."""
    _pair(store, client, "fam-1")
    operator = Actor("operator ada (mcbadge CLI)")
    store.revoke_client(client.client_id, now=T1, actor=operator)
    store.revoke_client(client.client_id, now=T2, actor=operator)
    assert _rows(
        db_path, "SELECT revoked_at FROM oauth_clients WHERE client_id = ?", client.client_id
    ) == [(STAMP_T1,)]
    records = AuditLog(registry).records(action="client.revoke")
    assert [(r.client, r.target, r.outcome, r.detail) for r in records] == [
        (operator.client, client.client_id, "ok", "1 access and 1 refresh tokens revoked with it"),
        (
            operator.client,
            client.client_id,
            "unchanged",
            "0 access and 0 refresh tokens revoked with it",
        ),
    ]
    with pytest.raises(OAuthError_):
        store.revoke_client("nobody", actor=operator)
    assert len(AuditLog(registry).records(action="client.revoke")) == 2


# -- issue_machine_token ------------------------------------------------------------------


def test_client_credentials_are_refused_to_a_learner_client_exactly(
    store: OAuthStore, tokens: AccessTokenStore, client: OAuthClient
) -> None:
    """Kills issue_machine_token 5, 7, 9 and 10 (the message None, dropped or changed),
    6 and 8 (code None / dropped: the class default ``oauth.invalid``), 11 and 12 (the code
    changed). No token is created."""
    with pytest.raises(OAuthError_) as caught:
        store.issue_machine_token(client, scope="x", now=T0)
    assert caught.value.code == "oauth.kind"
    assert caught.value.message == "only a machine client may use client credentials"
    assert str(caught.value) == "only a machine client may use client credentials"
    assert tokens.list(include_inactive=True) == []


def test_a_machine_token_without_a_scope_has_none(
    store: OAuthStore, tokens: AccessTokenStore, machine: OAuthClient
) -> None:
    """The default scope is empty: the token has no scopes and the response says ``""``;
    it lasts ACCESS_TOKEN_TTL (one hour) from ``now``.

    Kills issue_machine_token 1 (default scope ``"XXXX"``), 19 and 25 (``now`` not passed on:
    the token runs from the current time), 24 (kind ``service``), 29 (``expires_in`` None)."""
    pair = store.issue_machine_token(machine, now=T0)
    expected = AccessGrant(
        token_id=pair.access.grant.token_id,
        client_id=machine.client_id,
        kind="oauth",
        issuer_ids=frozenset({ISSUER}),
        scopes=frozenset(),
        expires_at=T0 + timedelta(hours=1),
    )
    assert pair.access.grant == expected
    assert (pair.scope, pair.refresh_token, pair.expires_in) == ("", None, 3600)
    assert pair.response() == {
        "access_token": pair.access.value,
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "",
    }
    assert tokens.lookup(pair.access.value, now=T0 + timedelta(minutes=59)) == expected
    assert tokens.lookup(pair.access.value, now=T0 + timedelta(hours=1)) is None


def test_a_machine_token_carries_the_scope_and_lifetime_asked_for(
    store: OAuthStore, tokens: AccessTokenStore, machine: OAuthClient
) -> None:
    """Kills issue_machine_token 22 (scopes not passed on), 24 (kind ``service``), 19 and 25
    (``now`` not passed on), 29 (``expires_in`` None) and 30 (``scope`` None in the pair)."""
    pair = store.issue_machine_token(machine, scope="b a", ttl=timedelta(minutes=5), now=T0)
    expected = AccessGrant(
        token_id=pair.access.grant.token_id,
        client_id=machine.client_id,
        kind="oauth",
        issuer_ids=frozenset({ISSUER}),
        scopes=frozenset({"a", "b"}),
        expires_at=T0 + timedelta(minutes=5),
    )
    assert pair.access.grant == expected
    assert (pair.scope, pair.refresh_token, pair.expires_in) == ("b a", None, 300)
    assert pair.response()["scope"] == "b a"
    assert pair.response()["expires_in"] == 300
    assert tokens.lookup(pair.access.value, now=T0 + timedelta(minutes=4)) == expected
    assert tokens.lookup(pair.access.value, now=T0 + timedelta(minutes=5)) is None


# -- rotate_refresh and refresh_grant: what value is looked up -------------------------------


def _pair_with_refresh_value(
    store: OAuthStore,
    client: OAuthClient,
    value: str,
    family: str,
    monkeypatch: pytest.MonkeyPatch,
) -> TokenPair:
    """A pair whose refresh token is ``value`` (the store draws it with
    ``secrets.token_urlsafe`` right after the access token's own draw)."""
    real = secrets.token_urlsafe
    draws = iter([real(32), value])
    with monkeypatch.context() as patch:
        patch.setattr(secrets, "token_urlsafe", lambda _nbytes=None: next(draws))
        pair = _pair(store, client, family)
    assert pair.refresh_token == value
    return pair


def test_a_refresh_token_is_looked_up_up_to_512_characters_and_no_further(
    store: OAuthStore,
    client: OAuthClient,
    clock: list[datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refresh tokens the store itself wrote under the digest of an empty, a 512-character and
    a 513-character value: only the 512-character one is honoured (the limit is inclusive);
    the empty one and the longer one are refused before any look-up.

    Kills rotate_refresh 1 and refresh_grant 1 (``or`` -> ``and``: the empty and the long value
    are looked up and found), 5 and refresh_grant 5 (``>= 512``: the 512-character one refused),
    6 and refresh_grant 6 (``> 513``: the 513-character one found)."""
    clock[0] = T1
    for value, family in (("", "fam-empty"), ("s" * 513, "fam-513"), ("r" * 512, "fam-512")):
        _pair_with_refresh_value(store, client, value, family, monkeypatch)
    assert store.refresh_grant("") is None
    assert store.rotate_refresh("", client.client_id, now=T1) is None
    assert store.refresh_grant("s" * 513) is None
    assert store.rotate_refresh("s" * 513, client.client_id, now=T1) is None
    assert store.refresh_grant("r" * 512) == _grant(client, "fam-512")
    assert store.rotate_refresh("r" * 512, client.client_id, now=T1) == _grant(client, "fam-512")


@pytest.mark.parametrize("value", [12345, b"refresh-token-as-bytes", ["a", "list"]])
def test_a_refresh_token_that_is_not_a_string_is_none(
    store: OAuthStore, client: OAuthClient, value: Any
) -> None:
    """A value that is not a string is simply unknown (``None``), never a TypeError or an
    AttributeError from hashing it. Kills rotate_refresh 2 and refresh_grant 2
    (``not isinstance(...) and not value``: a truthy non-string goes on to ``len``/digest)."""
    assert store.rotate_refresh(value, client.client_id, now=T0) is None
    assert store.refresh_grant(value) is None


def test_a_refresh_token_rotates_until_the_instant_it_expires(
    store: OAuthStore, client: OAuthClient
) -> None:
    """At exactly ``created + REFRESH_TOKEN_TTL`` it is expired (and the refusal does not spend
    it); a microsecond before, it rotates. Kills rotate_refresh 28 (``expires_at >= now``)."""
    pair = _pair(store, client, "fam-1")
    assert pair.refresh_token is not None
    expiry = T0 + REFRESH_TOKEN_TTL
    assert store.rotate_refresh(pair.refresh_token, client.client_id, now=expiry) is None
    before = expiry - timedelta(microseconds=1)
    assert store.rotate_refresh(pair.refresh_token, client.client_id, now=before) == _grant(
        client, "fam-1"
    )


# -- refresh_grant ----------------------------------------------------------------------------


def test_refresh_grant_reports_the_whole_grant_of_a_usable_token(
    store: OAuthStore, client: OAuthClient, clock: list[datetime]
) -> None:
    """Kills refresh_grant 24 and 32 (family None / ``"None"``), 26 and 34 (learner None /
    ``"None"``)."""
    clock[0] = T1
    pair = _pair(store, client, "fam-1")
    assert pair.refresh_token is not None
    found = store.refresh_grant(pair.refresh_token)
    assert found == RefreshGrant(
        family="fam-1", client_id=client.client_id, learner=LEARNER, scope=SCOPE
    )
    assert store.refresh_grant("never-issued") is None


def test_refresh_grant_is_none_for_a_used_or_revoked_token(
    store: OAuthStore, client: OAuthClient, clock: list[datetime]
) -> None:
    """A refresh token already rotated, or of a revoked family, has no usable grant (the
    revocation endpoint then does not treat it as a refresh token).

    Kills refresh_grant 16 (a used token reported) and 17 (a revoked token reported)."""
    clock[0] = T1
    used = _pair(store, client, "fam-used")
    revoked = _pair(store, client, "fam-revoked")
    assert used.refresh_token is not None
    assert revoked.refresh_token is not None
    assert store.rotate_refresh(used.refresh_token, client.client_id, now=T1) == _grant(
        client, "fam-used"
    )
    store.revoke_family("fam-revoked", now=T1)
    assert store.refresh_grant(used.refresh_token) is None
    assert store.refresh_grant(revoked.refresh_token) is None


def test_refresh_grant_holds_until_the_instant_the_token_expires(
    store: OAuthStore, client: OAuthClient, clock: list[datetime]
) -> None:
    """At exactly ``created + REFRESH_TOKEN_TTL`` (and after) there is no grant; a
    microsecond before there is. Kills refresh_grant 18 (expiry not checked) and 22
    (``expires_at >= now``)."""
    pair = _pair(store, client, "fam-1")
    assert pair.refresh_token is not None
    expiry = T0 + REFRESH_TOKEN_TTL
    clock[0] = expiry - timedelta(microseconds=1)
    assert store.refresh_grant(pair.refresh_token) == _grant(client, "fam-1")
    clock[0] = expiry
    assert store.refresh_grant(pair.refresh_token) is None
    clock[0] = expiry + timedelta(days=1)
    assert store.refresh_grant(pair.refresh_token) is None


# -- revoke_family and family_of -----------------------------------------------------------


def test_revoking_a_family_touches_that_family_only_and_keeps_earlier_times(
    store: OAuthStore, tokens: AccessTokenStore, client: OAuthClient, db_path: Path
) -> None:
    """A family revoked at T1, then given a new pair, then revoked again at T2: the first
    pair keeps T1, the new pair gets T2; another family of the same client and an operator's
    service token stay valid.

    Kills revoke_family 3 (the current time instead of ``now``), _revoke_family 5 (every
    family's refresh tokens revoked), 6 (a refresh token revoked earlier re-stamped), 17
    (every access token revoked) and 18 (an access token revoked earlier re-stamped)."""
    first = _pair(store, client, "fam-a")
    other = _pair(store, client, "fam-b")
    service = tokens.issue("ops", issuer_ids=[ISSUER], now=T0)

    store.revoke_family("fam-a", now=T1)
    later = _pair(store, client, "fam-a", now=T1)
    store.revoke_family("fam-a", now=T2)

    assert (_access_revoked_at(db_path, first), _refresh_revoked_at(db_path, first)) == (
        STAMP_T1,
        STAMP_T1,
    )
    assert (_access_revoked_at(db_path, later), _refresh_revoked_at(db_path, later)) == (
        STAMP_T2,
        STAMP_T2,
    )
    assert (_access_revoked_at(db_path, other), _refresh_revoked_at(db_path, other)) == (
        None,
        None,
    )
    assert tokens.lookup(first.access.value, now=T2) is None
    assert tokens.lookup(other.access.value, now=T2) == other.access.grant
    assert tokens.lookup(service.value, now=T2) == service.grant
    assert other.refresh_token is not None
    assert store.rotate_refresh(other.refresh_token, client.client_id, now=T2) == _grant(
        client, "fam-b"
    )


def test_revoking_a_family_at_a_naive_time_is_refused_and_revokes_nothing(
    store: OAuthStore, tokens: AccessTokenStore, client: OAuthClient
) -> None:
    """Kills revoke_family 3 (``now`` ignored: the family would be revoked)."""
    pair = _pair(store, client, "fam-1")
    with pytest.raises(ValueError, match=r"^now must be a timezone-aware datetime$"):
        store.revoke_family("fam-1", now=NAIVE)
    assert tokens.lookup(pair.access.value, now=T1) == pair.access.grant
    assert pair.refresh_token is not None
    assert store.rotate_refresh(pair.refresh_token, client.client_id, now=T1) == _grant(
        client, "fam-1"
    )


def test_family_of_names_the_family_and_client_of_a_learner_token_only(
    store: OAuthStore, client: OAuthClient, machine: OAuthClient
) -> None:
    """Kills family_of 10 (an unknown token id crashes instead of ``None``) and 12 (the client
    id ``"None"``). A machine token belongs to no family."""
    pair = _pair(store, client, "fam-1")
    robot = store.issue_machine_token(machine, now=T0)
    assert store.family_of(pair.access.grant.token_id) == ("fam-1", client.client_id)
    assert store.family_of(robot.access.grant.token_id) is None
    assert store.family_of("000000000000") is None


# -- a failing database names the operation ------------------------------------------------


def test_a_failing_write_names_the_oauth_operation(
    store: OAuthStore, client: OAuthClient, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills revoke_client 27, 31, 32, 33, rotate_refresh 59, 63, 64 and revoke_family 4, 8,
    9, 10 (the operation's name None or changed in the message)."""
    monkeypatch.setattr(registry, "_engine", DownEngine())
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: store.revoke_client(client.client_id, now=T0), "revoke an OAuth client"),
        (lambda: store.rotate_refresh("r" * 43, client.client_id, now=T0), "use a refresh token"),
        (lambda: store.revoke_family("fam-1", now=T0), "revoke an OAuth grant"),
        (lambda: store.register_client({"client_name": "m"}), "register an OAuth client"),
        (lambda: store.consume_code("c" * 43, client.client_id), "use an authorization code"),
    ]
    for call, what in calls:
        refused_unavailable(call, what)


def test_a_failing_read_names_the_oauth_operation(
    store: OAuthStore, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills refresh_grant 36, 40, 41 and family_of 14, 18, 19, 20 (the operation's name
    None or changed in the message)."""
    monkeypatch.setattr(registry, "_reader", DownReader())
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: store.refresh_grant("r" * 43), "look up a refresh token"),
        (lambda: store.family_of("000000000000"), "look up an OAuth grant"),
        (lambda: store.client("some-client"), "look up an OAuth client"),
        (lambda: store.learner_of("000000000000"), "look up the learner of a token"),
    ]
    for call, what in calls:
        refused_unavailable(call, what)
