"""The ASGI application: :func:`create_app` for one configuration, and
:func:`create_app_from_environment` for uvicorn workers (``--workers N``)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from mcbadge.server.config import ServiceConfig, from_environment
from mcbadge.server.problems import install_handlers

if TYPE_CHECKING:
    from fastapi import FastAPI

    from mcbadge.server.state import ServiceState

__all__ = ["create_app", "create_app_from_environment"]


#: Route modules whose routes are tried first, busiest first: a request is matched against the
#: routes in order, and each route it passes costs a few microseconds (FastAPI's matching of
#: one route: about 0.09 ms per verify request when they came last). Their paths are exact, so
#: the order changes no answer. The other modules follow by name.
_FIRST = ("vc_api_verify", "vc_api_present")


def _route_order(name: str) -> tuple[int, str]:
    return (_FIRST.index(name), "") if name in _FIRST else (len(_FIRST), name)


def _routers() -> list[object]:
    import mcbadge.server.routes as package

    found = []
    modules = sorted(pkgutil.iter_modules(package.__path__), key=lambda m: _route_order(m.name))
    for module in modules:
        loaded = importlib.import_module(f"mcbadge.server.routes.{module.name}")
        router = getattr(loaded, "router", None)
        if router is not None:
            found.append(router)
    return found


def create_app(config: ServiceConfig, *, state: ServiceState | None = None) -> FastAPI:
    """The service for ``config``. Its registry and issuers are opened when the app starts
    (once per worker process) and closed when it stops; ``state`` supplies them instead."""
    from fastapi import FastAPI

    from mcbadge import __version__
    from mcbadge.server.ratelimit import RateLimit
    from mcbadge.server.state import build_state

    config.check()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = state is None
        app.state.service = state if state is not None else build_state(config)
        try:
            yield
        finally:
            counter = getattr(app.state, "rate_counter", None)
            if counter is not None:  # its own connections (see server/ratelimit.py)
                counter.close()
            if own:
                app.state.service.close()

    app = FastAPI(
        title="mcbadge",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    if state is not None:
        app.state.service = state
    # Every request counts against its client's limit, whatever route it reaches. Added
    # before the handlers, so that the last-resort answer to an unexpected failure wraps it.
    app.add_middleware(RateLimit)
    install_handlers(app)
    for router in _routers():
        app.include_router(router)  # type: ignore[arg-type]
    return app


def create_app_from_environment() -> FastAPI:
    """The uvicorn factory of each worker: the configuration comes from the environment."""
    return create_app(from_environment())
