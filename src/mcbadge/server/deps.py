"""The FastAPI dependencies that give a route its state (registry, issuers, config)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import Request

    from mcbadge.server.state import ServiceState

__all__ = ["get_state"]


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state
