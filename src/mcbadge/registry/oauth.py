"""OAuth 2.0 state of the service, on the registry's database: clients, authorization codes,
refresh tokens, and which learner each access token acts for.

The Open Badges 3.0 REST API (OB 3.0 §7) is protected by the authorization code grant with
PKCE: a learner's tool registers itself (RFC 7591), a teacher signs in on the consent page,
and the tool exchanges the code for an access token and a refresh token. Operators also
register machine clients (client credentials grant) bound to issuer DIDs, for the VC API's
issuing routes. Access tokens live in :class:`~mcbadge.registry.access.AccessTokenStore`
(one lookup for every route); this module keeps the rest::

    store = OAuthStore(registry)
    client, secret = store.register_client({"client_name": "Wallet", ...})
    store.save_code(code, client_id=..., learner=..., redirect_uri=..., scope=..., ...)
    found = store.consume_code(code, client.client_id)  # once; None when reused or expired

Every secret (client secrets, codes, refresh tokens) is random (at least 256 bits) and kept
only as its SHA-256. Codes and refresh tokens are consumed by one conditional ``UPDATE``, so
two requests racing with the same value cannot both win, on SQLite and PostgreSQL alike. A
code or refresh token presented a second time revokes every token issued from it (RFC 6749
§4.1.2, OAuth 2.0 Security BCP §4.14: refresh token rotation with reuse detection).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mcbadge.errors import MCBadgeError
from mcbadge.registry.access import AccessTokenStore, IssuedToken, access_tokens_t

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = [
    "ACCESS_TOKEN_TTL",
    "CODE_TTL",
    "OB_SCOPES",
    "OFFLINE_ACCESS",
    "REFRESH_TOKEN_TTL",
    "SCOPE_CREDENTIAL_READONLY",
    "SCOPE_CREDENTIAL_UPSERT",
    "SCOPE_PROFILE_READONLY",
    "SCOPE_PROFILE_UPDATE",
    "AuthorizationCode",
    "OAuthClient",
    "OAuthError_",
    "OAuthStore",
    "RefreshGrant",
    "TokenPair",
]

_SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
SCOPE_CREDENTIAL_READONLY = _SCOPE_BASE + "credential.readonly"
SCOPE_CREDENTIAL_UPSERT = _SCOPE_BASE + "credential.upsert"
SCOPE_PROFILE_READONLY = _SCOPE_BASE + "profile.readonly"
SCOPE_PROFILE_UPDATE = _SCOPE_BASE + "profile.update"
#: The four normative scopes of the OB 3.0 API (OB 3.0 §6.2.1), with what the consent page says.
OB_SCOPES: dict[str, str] = {
    SCOPE_CREDENTIAL_READONLY: "read the badges (credentials) held for you here",
    SCOPE_CREDENTIAL_UPSERT: "add badges to your collection here, or replace them",
    SCOPE_PROFILE_READONLY: "read your profile",
    SCOPE_PROFILE_UPDATE: "change your profile",
}
#: Asked for by OB clients at registration (OB 3.0 §7.1.1.2): "give me a refresh token".
OFFLINE_ACCESS = "offline_access"

CODE_TTL = timedelta(minutes=5)
ACCESS_TOKEN_TTL = timedelta(hours=1)
REFRESH_TOKEN_TTL = timedelta(days=30)
_KEEP_USED = timedelta(days=30)

_metadata = sa.MetaData()
oauth_clients_t = sa.Table(
    "oauth_clients",
    _metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("secret_digest", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("client_metadata", sa.Text, nullable=False),
    sa.Column("issuer_ids", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
    sa.CheckConstraint("kind IN ('learner', 'machine')", name="ck_oauth_client_kind"),
)
oauth_codes_t = sa.Table(
    "oauth_codes",
    _metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("learner", sa.String(128), nullable=False),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("code_challenge", sa.String(128), nullable=False),
    sa.Column("code_challenge_method", sa.String(16), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("used_at", sa.String(40), nullable=True),
    #: the token family issued from this code (revoked if the code is presented again)
    sa.Column("family", sa.String(64), nullable=True),
)
oauth_refresh_t = sa.Table(
    "oauth_refresh_tokens",
    _metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("learner", sa.String(128), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("used_at", sa.String(40), nullable=True),
    sa.Column("revoked_at", sa.String(40), nullable=True),
)
#: access token id -> the learner it acts for and its family (the access token itself is in
#: access_tokens, only by digest)
oauth_grants_t = sa.Table(
    "oauth_access_grants",
    _metadata,
    sa.Column("token_id", sa.String(12), primary_key=True),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("learner", sa.String(128), nullable=False),
)
_indexes = (
    sa.Index("ix_oauth_refresh_family", oauth_refresh_t.c.family),
    sa.Index("ix_oauth_grants_family", oauth_grants_t.c.family),
    sa.Index("ix_oauth_codes_expires", oauth_codes_t.c.expires_at),
)


def create_oauth_tables(conn: sa.Connection) -> None:
    """Migration step: the OAuth 2.0 tables (see :data:`mcbadge.registry.core.MIGRATIONS`)."""
    for table in (oauth_clients_t, oauth_codes_t, oauth_refresh_t, oauth_grants_t):
        table.create(conn, checkfirst=True)
    for index in _indexes:
        index.create(conn, checkfirst=True)


class OAuthError_(MCBadgeError):  # the trailing _ keeps it apart from Authlib's OAuth2Error
    """An OAuth 2.0 record cannot be created or used as asked (``oauth.*``)."""

    code = "oauth.invalid"


@dataclass(frozen=True)
class OAuthClient:
    """A registered client. ``kind`` is ``learner`` (registered by a learner's tool through
    RFC 7591, authorization code grant) or ``machine`` (registered by the operator, client
    credentials grant, acting for ``issuer_ids``). ``metadata`` is what was registered."""

    client_id: str
    kind: str
    metadata: Mapping[str, Any]
    issuer_ids: frozenset[str]
    secret_digest: str = field(repr=False)

    @property
    def redirect_uris(self) -> list[str]:
        return [str(uri) for uri in self.metadata.get("redirect_uris", [])]

    @property
    def grant_types(self) -> list[str]:
        return [str(kind) for kind in self.metadata.get("grant_types", [])]

    @property
    def scopes(self) -> list[str]:
        return str(self.metadata.get("scope", "")).split()

    @property
    def name(self) -> str:
        return str(self.metadata.get("client_name") or self.client_id)

    def check_secret(self, secret: str) -> bool:
        """Constant-time comparison of ``secret``'s SHA-256 with the stored one."""
        if not isinstance(secret, str) or not secret or len(secret) > 512:
            return False
        return hmac.compare_digest(_digest(secret), self.secret_digest)


@dataclass(frozen=True)
class AuthorizationCode:
    """A consumed authorization code: what the token endpoint needs to finish the grant."""

    digest: str
    client_id: str
    learner: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str


@dataclass(frozen=True)
class RefreshGrant:
    """A consumed (rotated) refresh token: the grant it carries on to the next pair."""

    family: str
    client_id: str
    learner: str
    scope: str


@dataclass(frozen=True)
class TokenPair:
    """What the token endpoint answers: the access token (and a refresh token)."""

    access: IssuedToken
    refresh_token: str | None
    expires_in: int
    scope: str

    def __repr__(self) -> str:
        return f"TokenPair(token_id={self.access.grant.token_id!r}, scope={self.scope!r})"

    def response(self) -> dict[str, Any]:
        """The RFC 6749 §5.1 token response body."""
        body: dict[str, Any] = {
            "access_token": self.access.value,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    when = now if now is not None else datetime.now(UTC)
    if when.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return when


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

    def revoke_client(self, client_id: str, *, now: datetime | None = None) -> None:
        """Revoke a client and every token it holds."""
        when = _stamp(_now(now))

        def work(conn: sa.Connection) -> int:
            done = conn.execute(
                sa.update(oauth_clients_t)
                .where(oauth_clients_t.c.client_id == client_id)
                .values(revoked_at=when)
            ).rowcount
            conn.execute(
                sa.update(access_tokens_t)
                .where(
                    access_tokens_t.c.client_id == client_id,
                    access_tokens_t.c.revoked_at.is_(None),
                )
                .values(revoked_at=when)
            )
            conn.execute(
                sa.update(oauth_refresh_t)
                .where(
                    oauth_refresh_t.c.client_id == client_id,
                    oauth_refresh_t.c.revoked_at.is_(None),
                )
                .values(revoked_at=when)
            )
            return int(done)

        if self._registry._write("revoke an OAuth client", work) == 0:
            raise OAuthError_(f"no OAuth client has the id {client_id!r}", code="oauth.unknown")

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


#: What a learner's tool must send to register (OB 3.0 §7.1.1.2, the registration table).
REQUIRED_REGISTRATION_FIELDS = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
    "redirect_uris",
    "scope",
)
GRANT_TYPES = ("authorization_code", "refresh_token")
AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def check_registration(metadata: Any) -> dict[str, Any]:
    """The OB 3.0 rules on a registration request (RFC 7591 checks the rest): the required
    fields, redirect URIs over https (http only to a loopback address, RFC 8252 §7.3), only the
    OB scopes and ``offline_access``, the code grant, a client secret. Raises
    :class:`OAuthError_` with ``oauth.invalid_redirect_uri`` or
    ``oauth.invalid_client_metadata`` (the RFC 7591 error codes); returns the metadata with
    the defaults filled in."""
    from urllib.parse import urlsplit

    def refuse(message: str, code: str = "oauth.invalid_client_metadata") -> OAuthError_:
        return OAuthError_(message, code=code)

    if not isinstance(metadata, dict):
        raise refuse("the registration request must be a JSON object")
    missing = [name for name in REQUIRED_REGISTRATION_FIELDS if not metadata.get(name)]
    if missing:
        raise refuse(f"the registration request needs {', '.join(missing)}")
    uris = metadata["redirect_uris"]
    if not isinstance(uris, list) or not all(isinstance(uri, str) for uri in uris):
        raise refuse("redirect_uris must be a list of URLs", "oauth.invalid_redirect_uri")
    for uri in uris:
        parts = urlsplit(uri)
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and _loopback(parts.hostname or "")
        )
        if not secure or not parts.hostname or parts.fragment:
            raise refuse(
                f"redirect URI {uri} must be an https URL without a fragment (http only to a "
                "loopback address)",
                "oauth.invalid_redirect_uri",
            )
    scope = metadata["scope"]
    if not isinstance(scope, str):
        raise refuse("scope must be a space-separated string")
    unknown = [s for s in scope.split() if s not in OB_SCOPES and s != OFFLINE_ACCESS]
    if unknown or not any(s in OB_SCOPES for s in scope.split()):
        raise refuse(
            "scope must name Open Badges 3.0 scopes (and may add offline_access); unknown: "
            + (" ".join(unknown) or "none of the four OB scopes was asked for")
        )
    filled = dict(metadata)
    filled.setdefault("grant_types", list(GRANT_TYPES))
    filled.setdefault("response_types", ["code"])
    filled.setdefault("token_endpoint_auth_method", "client_secret_basic")
    if not set(filled["grant_types"]) <= set(GRANT_TYPES) or "authorization_code" not in set(
        filled["grant_types"]
    ):
        raise refuse("grant_types must be authorization_code (and refresh_token)")
    if filled["response_types"] != ["code"]:
        raise refuse("response_types must be [code]")
    if filled["token_endpoint_auth_method"] not in AUTH_METHODS:
        raise refuse("token_endpoint_auth_method must be client_secret_basic or client_secret_post")
    return filled


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
