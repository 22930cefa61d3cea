"""The HTTP service (``mcbadge serve``): a thin ASGI layer over the library.

Routes parse the request, call the library and render its result; they hold no decision the
CLI would not also reach. One router per API (``routes/``), the dependencies that give each
route its registry, issuers and caller in :mod:`mcbadge.server.deps`, ProblemDetails and
Imsx_StatusInfo rendering of errors in :mod:`mcbadge.server.problems`.

Nothing here is imported by the rest of the library; FastAPI and uvicorn load only when a
service is built (``create_app``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ServiceConfig", "create_app", "serve_in_thread"]

if TYPE_CHECKING:
    from mcbadge.server.app import create_app
    from mcbadge.server.config import ServiceConfig
    from mcbadge.server.runner import serve_in_thread


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from mcbadge.server.app import create_app

        return create_app
    if name == "ServiceConfig":
        from mcbadge.server.config import ServiceConfig

        return ServiceConfig
    if name == "serve_in_thread":
        from mcbadge.server.runner import serve_in_thread

        return serve_in_thread
    raise AttributeError(name)
