"""OAuth 2.0 endpoints: ``POST /oauth/register`` (RFC 7591), ``GET``/``POST /oauth/authorize``
(the teacher's consent page), ``POST /oauth/token`` (authorization code with PKCE, refresh
token, client credentials) and ``POST /oauth/revoke`` (RFC 7009).

The protocol is Authlib's (:mod:`mcbadge.server.oauth.authorization`); these routes read the
request (bounded), hand it over off the event loop, and render the answer. Errors are the
RFCs' JSON bodies (``{"error": ..., "error_description": ...}``), or redirects to the client
where RFC 6749 §4.1.2.1 says so, or, when the request cannot go back to a client, an HTML
page for the teacher.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mcbadge.server.body import media_type, read_body, read_json
from mcbadge.server.deps import get_state
from mcbadge.server.oauth.discovery import (
    AUTHORIZE_PATH,
    REGISTER_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
)
from mcbadge.server.problems import Problem

router = APIRouter()

_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_REQUEST_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=_NO_STORE
    )


def _render(answer: tuple[int, Any, list[tuple[str, str]]]) -> Response:
    status, body, headers = answer
    header_map = dict(headers)
    if status in (301, 302, 303, 307):
        return RedirectResponse(header_map["Location"], status_code=302, headers=_NO_STORE)
    header_map.pop("Content-Type", None)
    return JSONResponse(body, status_code=status, headers=header_map)


def _server(request: Request) -> Any:
    from mcbadge.server.oauth.authorization import OAuthServer

    return OAuthServer(get_state(request).registry)


def _uri(request: Request) -> str:
    return get_state(request).config.public_url + request.url.path


async def _form(request: Request) -> list[tuple[str, str]] | JSONResponse:
    """The form fields, or the RFC 6749 ``invalid_request`` answer for anything else."""
    if media_type(request) != _FORM:
        return _error(400, "invalid_request", f"send the request as {_FORM}")
    try:
        raw = await read_body(request, get_state(request).config.limits)
        text = raw.decode("ascii")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except Problem as problem:
        return _error(problem.status, "invalid_request", problem.detail)
    except (UnicodeDecodeError, ValueError):
        return _error(400, "invalid_request", "the form body is not valid URL-encoded ASCII")


def _form_request(request: Request, form: list[tuple[str, str]], *, query: bool = False) -> Any:
    from mcbadge.server.oauth.authorization import FormRequest

    pairs = list(request.query_params.multi_items()) if query else []
    return FormRequest(request.method, _uri(request), request.headers, pairs, form)


@router.post(REGISTER_PATH, include_in_schema=False)
async def register(request: Request) -> Response:
    from mcbadge.server.oauth.authorization import RegistrationRequest

    try:
        data = await read_json(request, get_state(request).config.limits)
    except Problem as problem:
        return _error(problem.status, "invalid_client_metadata", problem.detail)
    if not isinstance(data, dict):
        return _error(400, "invalid_client_metadata", "the body must be a JSON object")
    server = _server(request)
    answer = await run_in_threadpool(
        server.register, RegistrationRequest(_uri(request), request.headers, data)
    )
    return _render(answer)


@router.post(TOKEN_PATH, include_in_schema=False)
async def token(request: Request) -> Response:
    form = await _form(request)
    if isinstance(form, JSONResponse):
        return form
    server = _server(request)
    return _render(
        await run_in_threadpool(server.create_token_response, _form_request(request, form))
    )


@router.post(REVOKE_PATH, include_in_schema=False)
async def revoke(request: Request) -> Response:
    form = await _form(request)
    if isinstance(form, JSONResponse):
        return form
    server = _server(request)
    answer = await run_in_threadpool(
        server.create_endpoint_response, "revocation", _form_request(request, form)
    )
    return _render(answer)


# -- the authorization endpoint and its consent page --------------------------------------


def _page(html: str, status: int = 200) -> HTMLResponse:
    from mcbadge.server.oauth.consent import PAGE_HEADERS

    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _validate(server: Any, oauth_request: Any) -> Any:
    """Authlib's grant for a valid request; a redirect or the teacher's error page when not."""
    from authlib.oauth2.rfc6749 import OAuth2Error

    from mcbadge.server.oauth.consent import error_page

    try:
        return server.get_consent_grant(request=oauth_request, end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:
            return _render(server.handle_error_response(oauth_request, error))
        message = error.description or error.error
        return _page(error_page(f"{error.error}: {message}"), 400)


def _consent(
    request: Request, grant: Any, fields: dict[str, str], *, email: str = "", error: str = ""
) -> str:
    from mcbadge.server.oauth.consent import consent_page

    client = grant.request.client.record
    return consent_page(
        action=get_state(request).config.public_url + AUTHORIZE_PATH,
        client_name=client.name,
        client_uri=client.metadata.get("client_uri"),
        scopes=grant.request.scope.split(),
        request_fields=fields,
        email=email,
        error=error or None,
    )


@router.get(AUTHORIZE_PATH, include_in_schema=False)
async def authorize_page(request: Request) -> Response:
    server = _server(request)
    oauth_request = _form_request(request, [], query=True)
    found = await run_in_threadpool(_validate, server, oauth_request)
    if isinstance(found, Response):
        return found
    fields = {
        name: request.query_params[name] for name in _REQUEST_FIELDS if name in request.query_params
    }
    return _page(_consent(request, found, fields))


@router.post(AUTHORIZE_PATH, include_in_schema=False)
async def authorize_decision(request: Request) -> Response:
    from mcbadge.errors import MCBadgeError
    from mcbadge.registry.ob_store import LearnerStore
    from mcbadge.server.oauth.consent import error_page

    form = await _form(request)
    if isinstance(form, JSONResponse):
        return _page(error_page("the form could not be read; start again"), 400)
    values = dict(form)
    request_pairs = [(name, value) for name, value in form if name in _REQUEST_FIELDS]
    server = _server(request)
    oauth_request = _form_request(request, request_pairs)
    found = await run_in_threadpool(_validate, server, oauth_request)
    if isinstance(found, Response):
        return found
    grant = found
    if values.get("decision") != "allow":
        answer = await run_in_threadpool(
            server.create_authorization_response, oauth_request, None, grant
        )
        return _render(answer)
    email = values.get("email", "")
    store = LearnerStore(get_state(request).registry)
    try:
        learner = await run_in_threadpool(store.sign_in, email, values.get("sign_in_code", ""))
    except MCBadgeError as exc:
        fields = dict(request_pairs)
        return _page(_consent(request, grant, fields, email=email, error=exc.message), 401)
    answer = await run_in_threadpool(
        server.create_authorization_response, oauth_request, learner, grant
    )
    return _render(answer)
