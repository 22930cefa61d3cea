"""``GET /healthz``: the process is up and its registry answers (for proxies and tests)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from mcbadge.server.deps import get_state

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> dict[str, Any]:
    state = get_state(request)
    return {"status": "ok", "registry_schema": state.registry.schema_version()}
