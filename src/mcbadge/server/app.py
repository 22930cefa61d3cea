"""The ASGI application: :func:`create_app` for one configuration, and
:func:`create_app_from_environment` for uvicorn workers (``--workers N``)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from mcbadge.server.config import ServiceConfig, from_environment
from mcbadge.server.problems import AnswerUnexpected, Problem, install_handlers, render_problem
from mcbadge.server.ratelimit import RateLimit

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send

    from mcbadge.server.state import ServiceState

__all__ = ["create_app", "create_app_from_environment"]


#: Route modules whose routes are tried first, busiest first: a request is matched against the
#: routes in order, and each route it passes costs a few microseconds (FastAPI's matching of
#: one route: about 0.09 ms per verify request when they came last). Their paths are exact, so
#: the order changes no answer. The other modules follow by name.
_FIRST = ("vc_api_verify", "vc_api_present")


def _route_order(name: str) -> tuple[int, str]:
    return (_FIRST.index(name), "") if name in _FIRST else (len(_FIRST), name)


Handler = Callable[["Request"], Awaitable["Response"]]


def _routes() -> tuple[list[object], dict[tuple[str, str], Handler]]:
    """Each route module's ``router``, and the routes its ``DIRECT`` table names."""
    import mcbadge.server.routes as package

    routers: list[object] = []
    direct: dict[tuple[str, str], Handler] = {}
    modules = sorted(pkgutil.iter_modules(package.__path__), key=lambda m: _route_order(m.name))
    for module in modules:
        loaded = importlib.import_module(f"mcbadge.server.routes.{module.name}")
        router = getattr(loaded, "router", None)
        if router is not None:
            routers.append(router)
        direct.update(getattr(loaded, "DIRECT", {}))
    return routers, direct


def _direct_route(handler: Handler) -> ASGIApp:
    """``handler`` as an ASGI app that answers a :class:`Problem` as the app's handler does,
    behind the same rate limit and last-resort answer as every other route."""
    from starlette.requests import Request

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except Problem as problem:
            response = render_problem(request, problem)
        await response(scope, receive, send)

    return AnswerUnexpected(RateLimit(endpoint))


class ServiceApp(FastAPI):
    """The FastAPI app, with its busiest routes answered before Starlette's middleware stack.

    A route module's ``DIRECT`` table (``{(method, path): handler}``, each handler also
    declared on its ``router``) names routes whose requests skip FastAPI's routing and its
    middleware layers: measured on ``POST /credentials/verify`` with ``verify()`` stubbed
    (docs/performance.md), the router and those layers cost about a tenth of the CPU of
    verifying the realistic credential. Such a
    request still passes the rate limit and the last-resort answer, and its errors are
    answered as the app's handlers answer them (each direct route's answers are tested
    against the router's). Any other method on the path, and every request when the
    service runs under a ``root_path``, goes the ordinary way."""

    direct: dict[tuple[str, str], ASGIApp]
    #: this worker's registry, issuers and configuration (:func:`~mcbadge.server.deps.get_state`),
    #: from the start of the app's lifespan; a plain attribute, read several times a request
    #: (``app.state``'s attributes are looked up through ``__getattr__``, ~1.5 us each)
    service: ServiceState

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            route = self.direct.get((scope["method"], scope["path"]))
            if route is not None:
                scope["app"] = self
                await route(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(config: ServiceConfig, *, state: ServiceState | None = None) -> FastAPI:
    """The service for ``config``. Its registry and issuers are opened when the app starts
    (once per worker process) and closed when it stops; ``state`` supplies them instead."""
    from mcbadge import __version__
    from mcbadge.server.state import build_state

    config.check()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        own = state is None
        app.service = state if state is not None else build_state(config)
        try:
            yield
        finally:
            counter = getattr(app.state, "rate_counter", None)
            if counter is not None:  # its own connections (see server/ratelimit.py)
                counter.close()
            if own:
                app.service.close()

    app = ServiceApp(
        title="mcbadge",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    if state is not None:
        app.service = state
    # Every request counts against its client's limit, whatever route it reaches. Added
    # before the handlers, so that the last-resort answer to an unexpected failure wraps it.
    app.add_middleware(RateLimit)
    install_handlers(app)
    routers, direct = _routes()
    for router in routers:
        app.include_router(router)  # type: ignore[arg-type]
    app.direct = {key: _direct_route(handler) for key, handler in direct.items()}
    return app


def create_app_from_environment() -> FastAPI:
    """The uvicorn factory of each worker: the configuration comes from the environment."""
    return create_app(from_environment())
