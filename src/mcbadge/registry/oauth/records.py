"""The OAuth 2.0 records :class:`~mcbadge.registry.oauth.OAuthStore` hands out: clients,
consumed codes and refresh grants, and token pairs (plain values; secrets only as digests)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcbadge.registry._util import digest as _digest
from mcbadge.registry.access import IssuedToken

__all__ = ["AuthorizationCode", "OAuthClient", "RefreshGrant", "TokenPair"]


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
