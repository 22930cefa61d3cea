"""The FastAPI dependencies that give a route its state (registry, issuers, config), and the
threads verifications run in."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from anyio import CapacityLimiter
    from fastapi import Request

    from mcbadge.server.state import ServiceState

__all__ = ["get_state", "in_verification_thread"]

T = TypeVar("T")


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def _verification_limiter(request: Request) -> CapacityLimiter:
    app_state = request.app.state
    limiter: CapacityLimiter | None = getattr(app_state, "verification_limiter", None)
    if limiter is None:  # created in the event loop's thread: no race
        from anyio import CapacityLimiter

        limiter = CapacityLimiter(get_state(request).config.limits.concurrent_verifications)
        app_state.verification_limiter = limiter
    return limiter


async def in_verification_thread(request: Request, function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` in a worker thread, off the event loop (verifying is CPU work, and
    with ``[verify] fetch`` it waits on other providers' servers), at most
    ``[limits] concurrent_verifications`` at once per worker. The other routes draw on the
    threads that are left, so a flood of verifications, or a provider that answers slowly,
    cannot hold every thread of the worker: issuing, status changes, the status lists and
    ``/healthz`` still answer. Requests beyond the bound wait their turn."""
    from anyio import to_thread

    return await to_thread.run_sync(
        functools.partial(function, *args), limiter=_verification_limiter(request)
    )
