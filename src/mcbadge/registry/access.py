"""Access tokens of the HTTP service, on the registry's database (table ``access_tokens``).

A provider's badge platform calls ``mcbadge serve`` with a bearer token that may act for some
of the issuers the instance holds, and nothing else. Tokens come from two places, one store:
an operator creates a long-lived service token (``mcbadge serve-token create``), and the
OAuth 2.0 token endpoint hands out short-lived ones. Either way::

    store = AccessTokenStore(Registry.open("sqlite:///provider.db"))
    issued = store.issue("badge-platform", issuer_ids=["did:web:badges.example"])
    grant = store.lookup(issued.value)  # AccessGrant, or None: unknown, expired or revoked

Only the SHA-256 of a token is kept (a leaked database gives no usable token); the value is
shown once, when it is issued. ``token_id`` (the first 12 hex digits of the digest) names a
token in audit records and in ``revoke`` without revealing it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from mcbadge.errors import MCBadgeError
from mcbadge.registry._util import aware_now as _now
from mcbadge.registry._util import digest as _digest
from mcbadge.registry._util import stamp as _stamp
from mcbadge.registry.audit import Actor, write_record

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = ["TOKEN_PREFIX", "AccessError", "AccessGrant", "AccessTokenStore", "IssuedToken"]

#: Every token starts with this, so a secret scanner can find one pasted where it should not be.
TOKEN_PREFIX = "mcb_"  # noqa: S105 (a public prefix, not a secret)
_TOKEN_ID_LENGTH = 12
_MAX_TOKEN_LENGTH = 512

_metadata = sa.MetaData()
access_tokens_t = sa.Table(
    "access_tokens",
    _metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("token_id", sa.String(_TOKEN_ID_LENGTH), nullable=False, unique=True),
    sa.Column("client_id", sa.String(256), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("issuer_ids", sa.Text, nullable=False),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=True),
    sa.Column("revoked_at", sa.String(40), nullable=True),
    sa.CheckConstraint("kind IN ('service', 'oauth')", name="ck_access_token_kind"),
)
_client_index = sa.Index("ix_access_tokens_client", access_tokens_t.c.client_id)


def create_access_token_table(conn: sa.Connection) -> None:
    """Migration step: the access_tokens table (see :data:`mcbadge.registry.core.MIGRATIONS`)."""
    access_tokens_t.create(conn, checkfirst=True)
    _client_index.create(conn, checkfirst=True)


class AccessError(MCBadgeError):
    """A token cannot be issued or revoked as asked (``access.*``)."""

    code = "access.invalid"


@dataclass(frozen=True)
class AccessGrant:
    """What a valid token allows: the client it was given to, the issuers it may act for,
    its scopes (OAuth 2.0 scope strings; empty for an operator's service token, which may
    issue and change status for its issuers) and when it expires (``None``: until revoked)."""

    token_id: str
    client_id: str
    kind: str
    issuer_ids: frozenset[str]
    scopes: frozenset[str]
    expires_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``value`` is shown once and never stored."""

    value: str
    grant: AccessGrant

    def __repr__(self) -> str:
        return f"IssuedToken(token_id={self.grant.token_id!r}, client_id={self.grant.client_id!r})"


def _grant(row: sa.Row[tuple[object, ...]]) -> AccessGrant:
    mapping = row._mapping
    expires = mapping["expires_at"]
    return AccessGrant(
        token_id=str(mapping["token_id"]),
        client_id=str(mapping["client_id"]),
        kind=str(mapping["kind"]),
        issuer_ids=frozenset(json.loads(str(mapping["issuer_ids"]))),
        scopes=frozenset(str(mapping["scopes"]).split()),
        expires_at=datetime.fromisoformat(str(expires)) if expires is not None else None,
    )


class AccessTokenStore:
    """Issue, look up and revoke access tokens in ``registry``'s database."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def issue(
        self,
        client_id: str,
        *,
        issuer_ids: Iterable[str],
        scopes: Iterable[str] = (),
        ttl: timedelta | None = None,
        kind: str = "service",
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> IssuedToken:
        """A new token for ``client_id`` that may act for ``issuer_ids`` (at least one: a
        token for no issuer could do nothing, and "every issuer" is never implied; only an
        OAuth 2.0 learner's token, for the OB 3.0 API, names none). Durable when this
        returns. ``ttl=None`` only for an operator's service token."""
        issuers = sorted(set(issuer_ids))
        if not client_id.strip() or len(client_id) > 256:
            raise AccessError("a token needs a client name of 1 to 256 characters")
        # an OAuth 2.0 learner's token (OB 3.0 API) acts for nobody's issuer: it may be empty
        if (not issuers and kind != "oauth") or any(not i.startswith("did:") for i in issuers):
            raise AccessError(
                "a token must name the issuers it may act for, each a DID", code="access.issuers"
            )
        if kind not in ("service", "oauth"):
            raise ValueError("kind must be 'service' or 'oauth'")
        if ttl is None and kind == "oauth":
            raise ValueError("an OAuth access token needs a ttl")
        if ttl is not None and ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        scope_list = sorted(set(scopes))
        if any(not s or any(c.isspace() for c in s) for s in scope_list):
            raise AccessError("a scope is one word without spaces", code="access.scope")
        when = _now(now)
        expires = when + ttl if ttl is not None else None
        value = TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = _digest(value)
        grant = AccessGrant(
            token_id=digest[:_TOKEN_ID_LENGTH],
            client_id=client_id,
            kind=kind,
            issuer_ids=frozenset(issuers),
            scopes=frozenset(scope_list),
            expires_at=expires,
        )

        def work(conn: sa.Connection) -> None:
            conn.execute(
                sa.insert(access_tokens_t).values(
                    digest=digest,
                    token_id=grant.token_id,
                    client_id=client_id,
                    kind=kind,
                    issuer_ids=json.dumps(issuers),
                    scopes=" ".join(scope_list),
                    created_at=_stamp(when),
                    expires_at=_stamp(expires) if expires is not None else None,
                    revoked_at=None,
                )
            )
            if actor is not None:  # who creates it: audited in the token's own transaction
                write_record(
                    conn,
                    actor,
                    "token.create",
                    target=grant.token_id,
                    detail=f"{kind} token for {client_id}; issuers {' '.join(issuers)}; "
                    f"expires {_stamp(expires) if expires is not None else 'never'}",
                )

        self._registry._write("store an access token", work)
        return IssuedToken(value, grant)

    def lookup(self, value: str, *, now: datetime | None = None) -> AccessGrant | None:
        """The grant of a valid token; ``None`` when it is unknown, expired or revoked."""
        if not isinstance(value, str) or not value or len(value) > _MAX_TOKEN_LENGTH:
            return None
        when = _stamp(_now(now))
        digest = _digest(value)

        def work(conn: sa.Connection) -> AccessGrant | None:
            row = conn.execute(
                sa.select(access_tokens_t).where(
                    access_tokens_t.c.digest == digest,
                    access_tokens_t.c.revoked_at.is_(None),
                    sa.or_(
                        access_tokens_t.c.expires_at.is_(None),
                        access_tokens_t.c.expires_at > when,
                    ),
                )
            ).first()
            return _grant(row) if row is not None else None

        return self._registry._read("look up an access token", work)

    def revoke(
        self, token_id: str, *, now: datetime | None = None, actor: Actor | None = None
    ) -> AccessGrant:
        """Revoke the token named by ``token_id`` (from :class:`AccessGrant` or ``list``);
        revoking one already revoked is not an error. Unknown -> :class:`AccessError`.
        With ``actor``, a ``token.revoke`` audit record is written in the same transaction."""
        when = _stamp(_now(now))

        def work(conn: sa.Connection) -> AccessGrant | None:
            done = conn.execute(
                sa.update(access_tokens_t)
                .where(
                    access_tokens_t.c.token_id == token_id,
                    access_tokens_t.c.revoked_at.is_(None),
                )
                .values(revoked_at=when)
            )
            row = conn.execute(
                sa.select(access_tokens_t).where(access_tokens_t.c.token_id == token_id)
            ).first()
            if row is not None and actor is not None:
                write_record(
                    conn,
                    actor,
                    "token.revoke",
                    target=token_id,
                    outcome="ok" if done.rowcount == 1 else "unchanged",
                    detail=f"token of {row.client_id}",
                )
            return _grant(row) if row is not None else None

        grant = self._registry._write("revoke an access token", work)
        if grant is None:
            raise AccessError(f"no access token has the id {token_id!r}", code="access.unknown")
        return grant

    def list(self, *, include_inactive: bool = False) -> list[AccessGrant]:
        """Tokens, newest first: by default only those still valid now."""
        when = _stamp(_now(None))

        def work(conn: sa.Connection) -> list[AccessGrant]:
            query = sa.select(access_tokens_t).order_by(access_tokens_t.c.created_at.desc())
            if not include_inactive:
                query = query.where(
                    access_tokens_t.c.revoked_at.is_(None),
                    sa.or_(
                        access_tokens_t.c.expires_at.is_(None),
                        access_tokens_t.c.expires_at > when,
                    ),
                )
            return [_grant(row) for row in conn.execute(query)]

        return self._registry._read("list access tokens", work)
