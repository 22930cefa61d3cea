"""The Open Badges 3.0 REST API as a provider (OB 3.0 §6), under ``/ims/ob/v3p0``:
``GET /discovery`` (unprotected), ``GET``/``POST /credentials`` and ``GET``/``PUT /profile``,
each with its OAuth 2.0 scope. Errors are ``Imsx_StatusInfo`` (server/problems.py renders
every Problem under ``/ims/`` so).

A learner's access token (from the authorization code grant) says whose credentials these
are: the registry's learner key, the ``recipient_hash`` of the teacher's e-mail. What is
stored and listed, and the rule for what a POST may store, are in
:mod:`mcbadge.registry.ob_store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, PlainTextResponse, Response

from mcbadge.registry.oauth import (
    SCOPE_CREDENTIAL_READONLY,
    SCOPE_CREDENTIAL_UPSERT,
    SCOPE_PROFILE_READONLY,
    SCOPE_PROFILE_UPDATE,
)
from mcbadge.server.auth import Caller, authenticated_caller
from mcbadge.server.body import JSON_TYPES, media_type, read_body, read_json
from mcbadge.server.deps import get_state
from mcbadge.server.oauth.discovery import API_PATH, ProviderInfo, service_description
from mcbadge.server.problems import Problem, imsx_status

router = APIRouter(prefix=API_PATH)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_CREDENTIAL_TYPES = (*JSON_TYPES, "application/vc+ld+json")


def _provider(request: Request) -> ProviderInfo:
    """What the SDD says about the provider: a ``provider`` setting of the configuration when
    it has one (name, image, terms_url, privacy_url), else the first named issuer."""
    config = get_state(request).config
    names = [issuer.name for issuer in config.issuers if issuer.name]
    configured = getattr(config, "provider", None)
    return ProviderInfo(
        name=getattr(configured, "name", None) or (names[0] if names else "mcbadge"),
        image=getattr(configured, "image", None),
        terms_url=getattr(configured, "terms_url", None),
        privacy_url=getattr(configured, "privacy_url", None),
    )


@router.get("/discovery")
def discovery(request: Request) -> JSONResponse:
    """The Service Description Document: MUST NOT be protected (OB 3.0 §6.3)."""
    public_url = get_state(request).config.public_url
    return JSONResponse(service_description(public_url, _provider(request)))


@dataclass(frozen=True)
class _Learner:
    key: str
    token_id: str


LearnerCaller = Annotated[Caller, Depends(authenticated_caller)]


def _bearer_value(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _learner(request: Request, caller: Caller, scope: str) -> _Learner:
    """The learner whose OAuth 2.0 token this is, if it carries ``scope``: 401 without a
    valid token (``authenticated_caller``), 403 for a token without the scope or not granted
    by a learner."""
    from mcbadge.registry.access import AccessTokenStore
    from mcbadge.registry.oauth import OAuthStore

    state = get_state(request)
    token_id, scopes = caller.token_id, caller.scopes
    if token_id is None:
        # the local unauthenticated mode acts for every issuer, but this API needs a learner
        value = _bearer_value(request)
        grant = (
            await run_in_threadpool(AccessTokenStore(state.registry).lookup, value)
            if value
            else None
        )
        if grant is None:
            raise Problem(
                401,
                "auth.missing_token",
                "this endpoint needs a learner's access token: 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        token_id, scopes = grant.token_id, grant.scopes if grant.kind == "oauth" else None
    if scopes is None or scope not in scopes:
        raise Problem(
            403,
            "auth.scope",
            f"this access token does not carry the scope {scope}",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    learner = await run_in_threadpool(OAuthStore(state.registry).learner_of, token_id)
    if learner is None:
        raise Problem(403, "auth.not_learner", "this access token was not granted by a learner")
    return _Learner(learner, token_id)


def _query_error(detail: str) -> JSONResponse:
    return JSONResponse(imsx_status(400, detail, minor="invalid_query_parameter"), status_code=400)


def _paging(request: Request) -> tuple[int, int, datetime | None, str | None] | JSONResponse:
    params = request.query_params
    for name in ("limit", "offset", "since"):
        if len(params.getlist(name)) > 1:
            return _query_error(f"{name} is given more than once")
    limit, offset = DEFAULT_LIMIT, 0
    if "limit" in params:
        if not params["limit"].isdigit() or int(params["limit"]) < 1:
            return _query_error("limit must be a positive integer")
        limit = min(int(params["limit"]), MAX_LIMIT)
    if "offset" in params:
        if not params["offset"].isdigit():
            return _query_error("offset must be a non-negative integer")
        offset = int(params["offset"])
    since: datetime | None = None
    since_text = params.get("since")
    if since_text is not None:
        try:
            since = datetime.fromisoformat(since_text.replace("Z", "+00:00"))
        except ValueError:
            return _query_error("since must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z")
        if since.utcoffset() is None:
            return _query_error("since must carry a time zone (Z or +hh:mm)")
    return limit, offset, since, since_text


def _links(base: str, limit: int, offset: int, total: int, since: str | None) -> str:
    def url(at: int) -> str:
        query: dict[str, Any] = {"limit": limit, "offset": at}
        if since is not None:
            query["since"] = since
        return f"{base}?{urlencode(query)}"

    last = max(0, (total - 1) // limit * limit) if total else 0
    links = []
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    links.append(f'<{url(0)}>; rel="first"')
    if offset > 0:
        links.append(f'<{url(max(0, min(offset - limit, last)))}>; rel="prev"')
    return ", ".join(links)


@router.get("/credentials")
async def get_credentials(request: Request, caller: LearnerCaller) -> Response:
    import json

    from mcbadge.registry.ob_store import LearnerStore

    learner = await _learner(request, caller, SCOPE_CREDENTIAL_READONLY)
    paging = _paging(request)
    if isinstance(paging, JSONResponse):
        return paging
    limit, offset, since, since_text = paging
    store = LearnerStore(get_state(request).registry)
    page = await run_in_threadpool(
        lambda: store.credentials(learner.key, limit=limit, offset=offset, since=since)
    )
    body: dict[str, list[Any]] = {"credential": [], "compactJwsString": []}
    for item in page.items:
        if item.is_jws:
            body["compactJwsString"].append(item.document.strip())
        else:
            body["credential"].append(json.loads(item.document))
    base = get_state(request).config.public_url + API_PATH + "/credentials"
    return JSONResponse(
        body,
        headers={
            "X-Total-Count": str(page.total),
            "Link": _links(base, limit, offset, page.total, since_text),
        },
    )


_UPSERT_STATUS = {"created": 201, "replaced": 200, "unchanged": 304}


@router.post("/credentials")
async def upsert_credential(request: Request, caller: LearnerCaller) -> Response:
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry.ob_store import LearnerStore

    learner = await _learner(request, caller, SCOPE_CREDENTIAL_UPSERT)
    limits = get_state(request).config.limits
    kind = media_type(request)
    body: Any
    if kind == "text/plain":
        raw = await read_body(request, limits)
        try:
            body = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            raise Problem(400, "input.bad_jws", "a compact JWS is ASCII text") from None
    else:
        body = await read_json(request, limits, types=_CREDENTIAL_TYPES)
        if not isinstance(body, dict):
            raise Problem(400, "input.not_object", "send the credential as a JSON object")
    store = LearnerStore(get_state(request).registry)
    try:
        outcome = await run_in_threadpool(store.upsert_credential, learner.key, body)
    except MCBadgeError as exc:
        raise Problem(400, exc.code, exc.message) from None
    status = _UPSERT_STATUS[outcome]
    if status == 304:
        return Response(status_code=304)
    if isinstance(body, str):
        return PlainTextResponse(body, status_code=status)
    return JSONResponse(body, status_code=status)


@router.get("/profile")
async def get_profile(request: Request, caller: LearnerCaller) -> JSONResponse:
    from mcbadge.registry.ob_store import LearnerStore

    learner = await _learner(request, caller, SCOPE_PROFILE_READONLY)
    store = LearnerStore(get_state(request).registry)
    profile = await run_in_threadpool(store.profile, learner.key)
    if profile is None:
        raise Problem(404, "learner.unknown", "there is no profile for this learner")
    return JSONResponse(profile)


@router.put("/profile")
async def put_profile(request: Request, caller: LearnerCaller) -> Response:
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry.ob_store import LearnerStore

    learner = await _learner(request, caller, SCOPE_PROFILE_UPDATE)
    body = await read_json(request, get_state(request).config.limits)
    store = LearnerStore(get_state(request).registry)
    try:
        profile, changed = await run_in_threadpool(store.put_profile, learner.key, body)
    except MCBadgeError as exc:
        status = 404 if exc.code == "learner.unknown" else 400
        raise Problem(status, exc.code, exc.message) from None
    if not changed:
        return Response(status_code=304)
    return JSONResponse(profile)
