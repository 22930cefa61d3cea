"""Who is calling: the :class:`Caller` a route acts for, and the per-issuer scope check.

Issuing and status endpoints need a caller that may act for the issuer named in the
request; verification is public. A bearer token is looked up by its SHA-256 in the
registry (:class:`mcbadge.registry.AccessTokenStore`): operators' service tokens and the
OAuth 2.0 access tokens alike, each scoped to the issuers it may act for. With
``allow_unauthenticated`` (loopback only, see :meth:`ServiceConfig.check`) every request acts
for every issuer the instance holds.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from mcbadge.registry.access import AccessGrant, AccessTokenStore
from mcbadge.registry.audit import Actor
from mcbadge.server.problems import Problem

__all__ = [
    "PRESENTED_SCOPE_KEY",
    "Caller",
    "Presented",
    "authenticated_caller",
    "presented_token",
    "read_presented_token",
    "require_issuer",
    "require_issuer_audited",
]


@dataclass(frozen=True)
class Caller:
    """An authenticated client: a name for the audit records, the issuers it may act for
    (``None``: every issuer, only in the unauthenticated local mode), its OAuth 2.0 scopes
    (``None``: an operator's service token or the local mode, which need none) and the id of
    its token (never the token)."""

    name: str
    issuer_ids: frozenset[str] | None
    scopes: frozenset[str] | None = None
    token_id: str | None = None

    def may_act_for(self, issuer_id: str) -> bool:
        return self.issuer_ids is None or issuer_id in self.issuer_ids

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def actor(self) -> Actor:
        """Who the audit records name for this caller's changes."""
        return Actor(self.name, self.token_id)


UNAUTHENTICATED = Caller(name="unauthenticated (local testing)", issuer_ids=None)


@dataclass(frozen=True)
class Presented:
    """What the request's Authorization header carried: nothing, something that is not a
    bearer token (``malformed``), or a bearer token and its grant (``None``: unknown,
    expired or revoked). The token itself is not kept."""

    sent: bool
    malformed: bool = False
    grant: AccessGrant | None = None


_NOTHING = Presented(sent=False)
_MALFORMED = Presented(sent=True, malformed=True)


def _bearer(request: Request) -> str | Presented | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(header) > 1024:
        return _MALFORMED
    return token.strip()


#: Where :class:`~mcbadge.server.ratelimit.RateLimit` leaves the request's :class:`Presented`.
PRESENTED_SCOPE_KEY = "mcbadge.presented"


async def presented_token(request: Request) -> Presented:
    """The FastAPI dependency of what the request's Authorization header carried: read once
    per request, by the rate limit in front of the app, and taken from the request's scope
    here (read again only for an app without that middleware)."""
    presented = request.scope.get(PRESENTED_SCOPE_KEY)
    if isinstance(presented, Presented):
        return presented
    return await read_presented_token(request)


async def read_presented_token(request: Request) -> Presented:
    """Read and look up the request's bearer token. Never fails: what is wrong with the
    token is for :func:`authenticated_caller` to say, on the routes that need one. A
    request without a token costs nothing; the registry look-up runs in a worker thread."""
    token = _bearer(request)
    if token is None:
        return _NOTHING
    if isinstance(token, Presented):
        return token
    from mcbadge.server.deps import get_state

    store = AccessTokenStore(get_state(request).registry)
    return Presented(sent=True, grant=await run_in_threadpool(store.lookup, token))


async def authenticated_caller(
    request: Request, presented: Annotated[Presented, Depends(presented_token)]
) -> Caller:
    """The FastAPI dependency of every protected route: 401 without a valid token."""
    from mcbadge.server.deps import get_state

    state = get_state(request)
    if state.config.allow_unauthenticated:
        return UNAUTHENTICATED
    if not presented.sent:
        raise Problem(
            401,
            "auth.missing_token",
            "this endpoint needs an access token: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if presented.malformed:
        raise Problem(
            401,
            "auth.bad_header",
            "the Authorization header must be 'Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
        )
    grant = presented.grant
    if grant is None:
        raise Problem(
            401,
            "auth.unknown_token",
            "the access token is not valid here (unknown, expired or revoked)",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return Caller(
        name=grant.client_id,
        issuer_ids=grant.issuer_ids,
        scopes=grant.scopes if grant.kind == "oauth" else None,
        token_id=grant.token_id,
    )


async def require_issuer_audited(
    request: Request,
    caller: Caller,
    issuer_id: str,
    action: str,
    target: str | None = None,
) -> None:
    """:func:`require_issuer` for a change (an audit ``action``: ``issue``, ``revoke``…): a
    refusal is also recorded in the registry's audit records (outcome
    ``auth.wrong_issuer``), so an operator sees a client trying issuers not its own."""
    if caller.may_act_for(issuer_id):
        return
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry.audit import AuditLog
    from mcbadge.server.deps import get_state

    log = AuditLog(get_state(request).registry)
    # The refusal stands even when it cannot be recorded.
    with suppress(MCBadgeError):
        await run_in_threadpool(
            partial(
                log.record,
                caller.actor,
                action,
                issuer_id=issuer_id,
                target=target,
                outcome="auth.wrong_issuer",
            )
        )
    require_issuer(caller, issuer_id)


def require_issuer(caller: Caller, issuer_id: str) -> None:
    """403 unless ``caller`` may act for ``issuer_id``."""
    if not caller.may_act_for(issuer_id):
        raise Problem(
            403,
            "auth.wrong_issuer",
            f"this access token may not act for the issuer {issuer_id}",
        )
