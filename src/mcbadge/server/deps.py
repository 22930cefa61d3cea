"""The FastAPI dependencies that give a route its state (registry, issuers, config), and the
threads verifications run in."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from anyio import CapacityLimiter
    from fastapi import Request

    from mcbadge.server.state import ServiceState

__all__ = ["get_state", "in_verification_thread", "verifies_inline"]

T = TypeVar("T")


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.service
    return state


def _verification_limiter(request: Request) -> CapacityLimiter:
    app_state = request.app.state
    limiter: CapacityLimiter | None = getattr(app_state, "verification_limiter", None)
    if limiter is None:  # created in the event loop's thread: no race
        from anyio import CapacityLimiter

        limiter = CapacityLimiter(get_state(request).config.limits.concurrent_verifications)
        app_state.verification_limiter = limiter
    return limiter


#: What, in a request body, may make verifying it read this instance's registry: a status
#: entry (the credential's own, an endorsement's), checked against this instance's own lists,
#: or an enveloped credential, whose entries are inside its token.
_MAY_READ_REGISTRY = (b"credentialStatus", b"Enveloped")


def verifies_inline(request: Request, body: bytes, credential: Any) -> bool:
    """Whether the credential of a request ``body`` is verified on the event loop, with no
    hand-off to a thread: when the body is at most ``[limits] inline_verification_bytes``
    and verifying it can wait on nothing, so that it only computes, for a bounded time (the
    slowest hostile body of the default 8 KiB measured: about 50 ms). The hand-off to a
    thread costs about a fifth of the CPU of verifying a small credential
    (docs/performance.md).

    Verifying may wait when the service fetches other providers' documents (``[verify]
    fetch``), or when it may read the registry: a status entry of this instance's own lists
    is read from it (over the network on PostgreSQL, from a connection pool that may be
    busy on SQLite). Any mention of one takes a thread; a body with ``\\u`` escapes, which
    could spell one, is read for them."""
    state = get_state(request)
    if state.fetcher is not None or len(body) > state.config.limits.inline_verification_bytes:
        return False
    if any(marker in body for marker in _MAY_READ_REGISTRY):
        return False
    return b"\\u" not in body or not _mentions_registry(credential)


def _mentions_registry(document: Any) -> bool:
    """A ``credentialStatus`` member or an ``Enveloped...`` string anywhere in ``document``."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            if "credentialStatus" in value:
                return True
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and "Enveloped" in value:
            return True
    return False


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
