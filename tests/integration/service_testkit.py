"""A test-only router and a provider setup for the service's security tests (never mounted
in the product): ``POST /_test/status`` is a protected status change that acts for the
caller through the library (as the VC API's routes do), ``POST /_test/echo`` and
``/ims/_test/echo`` read a JSON body through the service's limits, ``GET /_test/boom`` fails
inside a route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, Request
from tests.integration.service_helpers import ACHIEVEMENT, serve

from mcbadge.errors import RegistryError
from mcbadge.issuer import Issuer, SigningKey
from mcbadge.registry import AccessTokenStore, Registry
from mcbadge.server.auth import Caller, authenticated_caller, require_issuer
from mcbadge.server.body import read_json
from mcbadge.server.config import IssuerConfig, LimitsConfig, ServiceConfig
from mcbadge.server.deps import get_state
from mcbadge.server.problems import Problem
from mcbadge.server.state import status_base_url_of

router = APIRouter()


@router.post("/_test/status")
async def change_status(
    request: Request, caller: Annotated[Caller, Depends(authenticated_caller)]
) -> dict[str, Any]:
    state = get_state(request)
    body = await read_json(request, state.config.limits)
    issuer_id, credential_id = body["issuer"], body["credentialId"]
    require_issuer(caller, issuer_id)
    issuer = state.issuers.get(issuer_id)
    if issuer is None:
        raise Problem(400, "input.unknown_issuer", f"this service holds no issuer {issuer_id}")
    try:
        record = issuer.revoke(credential_id, body.get("reason"), actor=caller.actor)
    except RegistryError as exc:
        status = 404 if exc.code == "registry.unknown_credential" else 409
        raise Problem(status, exc.code, exc.message) from None
    return {"credentialId": credential_id, "revoked": record.revoked}


@router.post("/_test/echo")
@router.post("/ims/_test/echo")
async def echo(request: Request) -> dict[str, Any]:
    body = await read_json(request, get_state(request).config.limits)
    return {"received": type(body).__name__}


@router.get("/_test/boom")
def boom() -> None:
    raise RuntimeError("an internal failure with private details")


@contextmanager
def serve_with_test_routes(config: ServiceConfig, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import mcbadge.server.app as app_module

    real = app_module._routes

    def with_test_routes() -> tuple[list[object], dict[Any, Any]]:
        routers, direct = real()
        return [*routers, router], direct

    monkeypatch.setattr(app_module, "_routes", with_test_routes)
    with serve(config) as url:
        yield url


@dataclass
class Provider:
    """A service configuration with two issuers (did:key) on one SQLite registry."""

    db: str
    config: ServiceConfig
    key_files: list[Path]
    issuer_ids: list[str]

    def registry(self) -> Registry:
        return Registry.open(self.db)

    def token(self, *issuer_ids: str, client: str = "badge-platform", **options: Any) -> str:
        with self.registry() as registry:
            return AccessTokenStore(registry).issue(client, issuer_ids=issuer_ids, **options).value

    def issuer(self, index: int, registry: Registry, public_url: str) -> Issuer:
        """Issuer ``index`` on ``registry``, as the service holds it (same lists)."""
        return Issuer(
            {"type": ["Profile"]},
            SigningKey.load(self.key_files[index]),
            registry=registry,
            status_base_url=status_base_url_of(public_url, self.issuer_ids[index]),
        )

    def issue(self, index: int, email: str, public_url: str) -> str:
        """Issue a credential through the library on the service's registry."""
        with self.registry() as registry:
            issuer = self.issuer(index, registry, public_url)
            return issuer.issue(ACHIEVEMENT, email).credential_id


def make_provider(tmp_path: Path, *, requests_per_minute: int = 0) -> Provider:
    key_files, issuer_ids = [], []
    for n in range(2):
        key = SigningKey.generate()
        path = key.save(tmp_path / f"issuer-{n}.json")
        key_files.append(path)
        issuer_ids.append(key.did_key)
    db = f"sqlite:///{tmp_path / 'service.db'}"
    config = ServiceConfig(
        db=db,
        issuers=tuple(IssuerConfig(key=str(path)) for path in key_files),
        limits=replace(LimitsConfig(), requests_per_minute=requests_per_minute),
    )
    return Provider(db, config, key_files, issuer_ids)


def problem(answer: Any) -> dict[str, Any]:
    """The ProblemDetails body of an error answer (checked to be one)."""
    assert answer.headers["content-type"] == "application/problem+json", answer.text
    body = json.loads(answer.text)
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    assert body["status"] == answer.status_code
    assert "Traceback" not in answer.text
    return dict(body)
