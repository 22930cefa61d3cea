"""The per-client rate limit of the service: ``limits.requests_per_minute`` requests a
minute per client (0 turns it off), counted in the registry's database so that every worker
and every host behind the proxy counts the same requests.

A client is its access token (``token:<token id>``) when it sends a valid one, else its
address (``addr:<ip>``; behind a proxy, uvicorn takes the address from ``X-Forwarded-For``
when the proxy is one of ``--forwarded-allow-ips``, 127.0.0.1 by default). A refused request
is a 429 ProblemDetails (``rate.limited``, or Imsx_StatusInfo under ``/ims/``) with
``Retry-After``: the seconds until the current minute's window ends. A database that cannot
count is a 503 (fail closed). The cost is one upsert per request; see docs/service-security.md
for the numbers and :mod:`mcbadge.registry.rates` for how it is stored.

:class:`RateLimit` is an ASGI middleware around the whole app (``create_app`` puts it there),
so every request is counted, a route written later and a path that does not exist included.
It reads the bearer token once per request and leaves what it found in the request's scope,
where the routes' :func:`~mcbadge.server.auth.presented_token` dependency picks it up. It is a
middleware rather than a FastAPI dependency of every route because, in a profile of the
app, FastAPI's dependency solving was about a quarter of the verify route's own cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mcbadge.errors import RegistryError
from mcbadge.registry.rates import RateCounter, RateDecision
from mcbadge.server.auth import PRESENTED_SCOPE_KEY, Presented, read_presented_token
from mcbadge.server.deps import get_state
from mcbadge.server.problems import Problem, render_problem

__all__ = ["RateLimit", "client_key", "rate_limit"]

_CREATE = threading.Lock()
#: The Unix time the windows are counted in (tests fix it; read at each request).
clock: Callable[[], float] = time.time


def client_key(request: Request, presented: Presented) -> str:
    """Who the request is counted against: its valid token, else its address."""
    if presented.grant is not None:
        return f"token:{presented.grant.token_id}"
    host = request.client.host if request.client is not None else "unknown"
    return f"addr:{host}"


def _counter(request: Request) -> RateCounter:
    app_state = request.app.state
    counter: RateCounter | None = getattr(app_state, "rate_counter", None)
    if counter is None:
        with _CREATE:
            counter = getattr(app_state, "rate_counter", None)
            if counter is None:
                counter = RateCounter(get_state(request).registry, clock=lambda: clock())
                app_state.rate_counter = counter
    return counter


async def rate_limit(request: Request, presented: Presented) -> None:
    """Count this request; a 429 :class:`Problem` when the client is over its limit (a 503
    when the registry cannot count). Counted on the event loop; only a batch's database
    write goes to a worker thread."""
    limit = get_state(request).config.limits.requests_per_minute
    if limit <= 0:
        return
    counter = _counter(request)
    try:
        step = counter.count_locally(client_key(request, presented), limit=limit)
        decision = (
            step if isinstance(step, RateDecision) else await run_in_threadpool(counter.write, step)
        )
    except RegistryError:
        raise Problem(
            503,
            "service.unavailable",
            "the service cannot reach its registry right now; try again shortly",
            headers={"Retry-After": "5"},
        ) from None
    if not decision.allowed:
        raise Problem(
            429,
            "rate.limited",
            f"too many requests from this client: at most {limit} a minute; "
            f"try again in {decision.retry_after} s",
            headers={"Retry-After": str(decision.retry_after)},
        )


class RateLimit:
    """The ASGI middleware that counts every HTTP request (:func:`rate_limit`) before the app
    sees it, and answers a refused one itself, as the app would (ProblemDetails, or
    Imsx_StatusInfo under ``/ims/``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        presented = await read_presented_token(request)
        scope[PRESENTED_SCOPE_KEY] = presented
        try:
            await rate_limit(request, presented)
        except Problem as problem:
            await render_problem(request, problem)(scope, receive, send)
            return
        await self.app(scope, receive, send)
