""":class:`OAuthStore`: OAuth 2.0 clients, codes, refresh tokens and learner grants in the
registry's database (the access tokens themselves are in :mod:`mcbadge.registry.access`)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mcbadge.registry._util import aware_now as _now
from mcbadge.registry._util import digest as _digest
from mcbadge.registry._util import stamp as _stamp
from mcbadge.registry.access import AccessTokenStore, access_tokens_t
from mcbadge.registry.audit import Actor, write_record
from mcbadge.registry.oauth.records import AuthorizationCode, OAuthClient, RefreshGrant, TokenPair
from mcbadge.registry.oauth.scopes import OFFLINE_ACCESS, OAuthError_
from mcbadge.registry.oauth.tables import (
    _KEEP_USED,
    ACCESS_TOKEN_TTL,
    CODE_TTL,
    REFRESH_TOKEN_TTL,
    oauth_clients_t,
    oauth_codes_t,
    oauth_grants_t,
    oauth_refresh_t,
)

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = ["OAuthStore"]


def _client(row: sa.Row[tuple[object, ...]]) -> OAuthClient:
    mapping = row._mapping
    return OAuthClient(
        client_id=str(mapping["client_id"]),
        kind=str(mapping["kind"]),
        metadata=json.loads(str(mapping["client_metadata"])),
        issuer_ids=frozenset(json.loads(str(mapping["issuer_ids"]))),
        secret_digest=str(mapping["secret_digest"]),
    )


class OAuthStore:
    """Clients, codes, refresh tokens and learner grants in ``registry``'s database."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._tokens = AccessTokenStore(registry)

    # -- clients ---------------------------------------------------------------------------

    def register_client(
        self,
        metadata: Mapping[str, Any],
        *,
        kind: str = "learner",
        issuer_ids: Iterable[str] = (),
        client_id: str | None = None,
        secret: str | None = None,
        now: datetime | None = None,
    ) -> tuple[OAuthClient, str]:
        """Store a client; returns it and its secret (shown once, kept as its SHA-256).
        ``metadata`` has been checked by the caller (RFC 7591 rules for learner clients)."""
        if kind not in ("learner", "machine"):
            raise ValueError("kind must be 'learner' or 'machine'")
        issuers = sorted(set(issuer_ids))
        if kind == "machine" and (not issuers or any(not i.startswith("did:") for i in issuers)):
            raise OAuthError_(
                "a machine client must name the issuers it may act for, each a DID",
                code="oauth.issuers",
            )
        client_id = client_id or secrets.token_urlsafe(24)
        secret = secret or secrets.token_urlsafe(32)
        if len(client_id) > 64 or len(secret) < 32:
            raise ValueError("a client id has at most 64 characters, a secret at least 32")
        client = OAuthClient(
            client_id=client_id,
            kind=kind,
            metadata=dict(metadata),
            issuer_ids=frozenset(issuers),
            secret_digest=_digest(secret),
        )

        def work(conn: sa.Connection) -> None:
            conn.execute(
                sa.insert(oauth_clients_t).values(
                    client_id=client_id,
                    secret_digest=client.secret_digest,
                    kind=kind,
                    client_metadata=json.dumps(dict(metadata), sort_keys=True),
                    issuer_ids=json.dumps(issuers),
                    created_at=_stamp(_now(now)),
                    revoked_at=None,
                )
            )

        self._registry._write("register an OAuth client", work)
        return client, secret

    def client(self, client_id: str) -> OAuthClient | None:
        """The client, unless it is unknown or was revoked."""
        if not isinstance(client_id, str) or not client_id or len(client_id) > 64:
            return None

        def work(conn: sa.Connection) -> OAuthClient | None:
            row = conn.execute(
                sa.select(oauth_clients_t).where(
                    oauth_clients_t.c.client_id == client_id,
                    oauth_clients_t.c.revoked_at.is_(None),
                )
            ).first()
            return _client(row) if row is not None else None

        return self._registry._read("look up an OAuth client", work)

    def revoke_client(
        self, client_id: str, *, now: datetime | None = None, actor: Actor | None = None
    ) -> None:
        """Revoke a client and every token it holds; revoking one already revoked is not an
        error and keeps its first revocation time. An id that is no OAuth client raises
        ``oauth.unknown`` and changes nothing: a service token whose client has the same name
        (``mcbadge serve-token create --client ops``) is not the client's and stays valid.
        With ``actor``, a ``client.revoke`` audit record is written in the same transaction."""
        when = _stamp(_now(now))

        def work(conn: sa.Connection) -> None:
            client = conn.execute(
                sa.select(oauth_clients_t.c.revoked_at).where(
                    oauth_clients_t.c.client_id == client_id
                )
            ).first()
            if client is None:
                raise OAuthError_(f"no OAuth client has the id {client_id!r}", code="oauth.unknown")
            if client.revoked_at is None:
                conn.execute(
                    sa.update(oauth_clients_t)
                    .where(oauth_clients_t.c.client_id == client_id)
                    .values(revoked_at=when)
                )
            tokens = conn.execute(
                sa.update(access_tokens_t)
                .where(
                    access_tokens_t.c.client_id == client_id,
                    access_tokens_t.c.kind == "oauth",
                    access_tokens_t.c.revoked_at.is_(None),
                )
                .values(revoked_at=when)
            ).rowcount
            refresh = conn.execute(
                sa.update(oauth_refresh_t)
                .where(
                    oauth_refresh_t.c.client_id == client_id,
                    oauth_refresh_t.c.revoked_at.is_(None),
                )
                .values(revoked_at=when)
            ).rowcount
            if actor is not None:
                write_record(
                    conn,
                    actor,
                    "client.revoke",
                    target=client_id,
                    outcome="ok" if client.revoked_at is None else "unchanged",
                    detail=f"{tokens} access and {refresh} refresh tokens revoked with it",
                )

        self._registry._write("revoke an OAuth client", work)

    # -- authorization codes ---------------------------------------------------------------

    def save_code(
        self,
        code: str,
        *,
        client_id: str,
        learner: str,
        redirect_uri: str,
        scope: str,
        code_challenge: str,
        code_challenge_method: str,
        ttl: timedelta = CODE_TTL,
        now: datetime | None = None,
    ) -> None:
        """Store the SHA-256 of a new authorization code, valid for ``ttl``."""
        when = _now(now)

        def work(conn: sa.Connection) -> None:
            conn.execute(
                sa.delete(oauth_codes_t).where(
                    oauth_codes_t.c.expires_at < _stamp(when - _KEEP_USED)
                )
            )
            conn.execute(
                sa.insert(oauth_codes_t).values(
                    digest=_digest(code),
                    client_id=client_id,
                    learner=learner,
                    redirect_uri=redirect_uri,
                    scope=scope,
                    code_challenge=code_challenge,
                    code_challenge_method=code_challenge_method,
                    created_at=_stamp(when),
                    expires_at=_stamp(when + ttl),
                    used_at=None,
                    family=None,
                )
            )

        self._registry._write("store an authorization code", work)

    def consume_code(
        self, code: str, client_id: str, *, now: datetime | None = None
    ) -> AuthorizationCode | None:
        """Use ``code`` once. ``None`` when it is unknown, expired, issued to another client
        or already used; a second use also revokes the tokens issued from the first."""
        if not isinstance(code, str) or not code or len(code) > 512:
            return None
        when = _stamp(_now(now))
        digest = _digest(code)

        def work(conn: sa.Connection) -> AuthorizationCode | None:
            done = conn.execute(
                sa.update(oauth_codes_t)
                .where(
                    oauth_codes_t.c.digest == digest,
                    oauth_codes_t.c.client_id == client_id,
                    oauth_codes_t.c.used_at.is_(None),
                    oauth_codes_t.c.expires_at > when,
                )
                .values(used_at=when)
            )
            row = conn.execute(
                sa.select(oauth_codes_t).where(oauth_codes_t.c.digest == digest)
            ).first()
            if row is None:
                return None
            if done.rowcount != 1:
                if row.used_at is not None and row.family is not None:
                    _revoke_family(conn, str(row.family), when)
                return None
            return AuthorizationCode(
                digest=digest,
                client_id=str(row.client_id),
                learner=str(row.learner),
                redirect_uri=str(row.redirect_uri),
                scope=str(row.scope),
                code_challenge=str(row.code_challenge),
                code_challenge_method=str(row.code_challenge_method),
            )

        return self._registry._write("use an authorization code", work)

    # -- tokens ----------------------------------------------------------------------------

    def issue_tokens(
        self,
        client: OAuthClient,
        *,
        learner: str,
        scope: str,
        refresh: bool,
        family: str | None = None,
        from_code: str | None = None,
        access_ttl: timedelta = ACCESS_TOKEN_TTL,
        refresh_ttl: timedelta = REFRESH_TOKEN_TTL,
        now: datetime | None = None,
    ) -> TokenPair:
        """A learner's access token (in the access token store, acting for no issuer) and,
        with ``refresh``, a new refresh token of the same ``family`` (new family if None).
        ``from_code``: the digest of the code it came from (reuse of it revokes the family)."""
        when = _now(now)
        scopes = scope.split()
        access = self._tokens.issue(
            client.client_id,
            issuer_ids=(),
            scopes=[s for s in scopes if s != OFFLINE_ACCESS] or scopes,
            ttl=access_ttl,
            kind="oauth",
            now=when,
        )
        family_id = family or secrets.token_hex(16)
        refresh_value = secrets.token_urlsafe(32) if refresh else None

        def work(conn: sa.Connection) -> None:
            conn.execute(
                sa.insert(oauth_grants_t).values(
                    token_id=access.grant.token_id,
                    family=family_id,
                    client_id=client.client_id,
                    learner=learner,
                )
            )
            if refresh_value is not None:
                conn.execute(
                    sa.insert(oauth_refresh_t).values(
                        digest=_digest(refresh_value),
                        family=family_id,
                        client_id=client.client_id,
                        learner=learner,
                        scope=scope,
                        created_at=_stamp(when),
                        expires_at=_stamp(when + refresh_ttl),
                        used_at=None,
                        revoked_at=None,
                    )
                )
            if from_code is not None:
                conn.execute(
                    sa.update(oauth_codes_t)
                    .where(oauth_codes_t.c.digest == from_code)
                    .values(family=family_id)
                )

        self._registry._write("store an OAuth grant", work)
        return TokenPair(
            access=access,
            refresh_token=refresh_value,
            expires_in=int(access_ttl.total_seconds()),
            scope=scope,
        )

    def issue_machine_token(
        self,
        client: OAuthClient,
        *,
        scope: str = "",
        ttl: timedelta = ACCESS_TOKEN_TTL,
        now: datetime | None = None,
    ) -> TokenPair:
        """A client credentials access token acting for the machine client's issuers."""
        if client.kind != "machine":
            raise OAuthError_("only a machine client may use client credentials", code="oauth.kind")
        access = self._tokens.issue(
            client.client_id,
            issuer_ids=client.issuer_ids,
            scopes=scope.split(),
            ttl=ttl,
            kind="oauth",
            now=now,
        )
        return TokenPair(
            access=access, refresh_token=None, expires_in=int(ttl.total_seconds()), scope=scope
        )

    def rotate_refresh(
        self, value: str, client_id: str, *, now: datetime | None = None
    ) -> RefreshGrant | None:
        """Use a refresh token once (the caller issues the next pair in its family). ``None``
        when it is unknown, expired, revoked or another client's; a token used before is a
        replay: its whole family (access and refresh tokens) is revoked."""
        if not isinstance(value, str) or not value or len(value) > 512:
            return None
        when = _stamp(_now(now))
        digest = _digest(value)

        def work(conn: sa.Connection) -> RefreshGrant | None:
            done = conn.execute(
                sa.update(oauth_refresh_t)
                .where(
                    oauth_refresh_t.c.digest == digest,
                    oauth_refresh_t.c.client_id == client_id,
                    oauth_refresh_t.c.used_at.is_(None),
                    oauth_refresh_t.c.revoked_at.is_(None),
                    oauth_refresh_t.c.expires_at > when,
                )
                .values(used_at=when)
            )
            row = conn.execute(
                sa.select(oauth_refresh_t).where(oauth_refresh_t.c.digest == digest)
            ).first()
            if row is None:
                return None
            if done.rowcount != 1:
                if row.used_at is not None and row.client_id == client_id:
                    _revoke_family(conn, str(row.family), when)
                return None
            return RefreshGrant(
                family=str(row.family),
                client_id=str(row.client_id),
                learner=str(row.learner),
                scope=str(row.scope),
            )

        return self._registry._write("use a refresh token", work)

    def refresh_grant(self, value: str) -> RefreshGrant | None:
        """The grant of a refresh token that is still usable (for revocation), else None."""
        if not isinstance(value, str) or not value or len(value) > 512:
            return None
        when = _stamp(_now(None))

        def work(conn: sa.Connection) -> RefreshGrant | None:
            row = conn.execute(
                sa.select(oauth_refresh_t).where(
                    oauth_refresh_t.c.digest == _digest(value),
                    oauth_refresh_t.c.used_at.is_(None),
                    oauth_refresh_t.c.revoked_at.is_(None),
                    oauth_refresh_t.c.expires_at > when,
                )
            ).first()
            if row is None:
                return None
            return RefreshGrant(
                family=str(row.family),
                client_id=str(row.client_id),
                learner=str(row.learner),
                scope=str(row.scope),
            )

        return self._registry._read("look up a refresh token", work)

    def revoke_family(self, family: str, *, now: datetime | None = None) -> None:
        """Revoke every access and refresh token of a grant (RFC 7009: revoking a refresh
        token revokes the access tokens of the same authorization)."""
        when = _stamp(_now(now))
        self._registry._write(
            "revoke an OAuth grant", lambda conn: _revoke_family(conn, family, when)
        )

    def family_of(self, token_id: str) -> tuple[str, str] | None:
        """(family, client id) of a learner's access token, by its token id."""

        def work(conn: sa.Connection) -> tuple[str, str] | None:
            row = conn.execute(
                sa.select(oauth_grants_t.c.family, oauth_grants_t.c.client_id).where(
                    oauth_grants_t.c.token_id == token_id
                )
            ).first()
            return (str(row.family), str(row.client_id)) if row is not None else None

        return self._registry._read("look up an OAuth grant", work)

    def learner_of(self, token_id: str) -> str | None:
        """The learner a (valid) access token acts for; ``None`` for other tokens."""

        def work(conn: sa.Connection) -> str | None:
            value = conn.execute(
                sa.select(oauth_grants_t.c.learner).where(oauth_grants_t.c.token_id == token_id)
            ).scalar()
            return str(value) if value is not None else None

        return self._registry._read("look up the learner of a token", work)


def _revoke_family(conn: sa.Connection, family: str, when: str) -> None:
    conn.execute(
        sa.update(oauth_refresh_t)
        .where(oauth_refresh_t.c.family == family, oauth_refresh_t.c.revoked_at.is_(None))
        .values(revoked_at=when)
    )
    token_ids = sa.select(oauth_grants_t.c.token_id).where(oauth_grants_t.c.family == family)
    conn.execute(
        sa.update(access_tokens_t)
        .where(access_tokens_t.c.token_id.in_(token_ids), access_tokens_t.c.revoked_at.is_(None))
        .values(revoked_at=when)
    )
