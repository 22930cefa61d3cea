"""Hosting (issue #15, item 2): the instance's status lists, its 1EdTech revocation list and
its did:web document, always current from the registry.

* ``GET|HEAD /status/<name>``: a signed status list credential (the URL credentials carry)
  or ``revocations.json``; ``404`` ProblemDetails for a list the instance never allocated.
* ``GET|HEAD /.well-known/did.json`` (or ``<path>/did.json`` when the base URL has a path):
  the did:web issuer's DID document; ``404`` when the instance has no did:web issuer.

Each answer carries a strong ``ETag`` (the SHA-256 of the body), ``Cache-Control:
max-age=<ttl>`` and answers ``If-None-Match`` with ``304``. The documents themselves, and the
cache of signed lists, come from :class:`mcbadge.issuer.hosted.StatusHost`; this module only
maps requests to URLs and renders. :func:`status_host` gives another route (the verifier) the
same host, to read this instance's own lists without an HTTP request.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from starlette.responses import Response

from mcbadge.issuer.hosted import STATUS_LIST_MEDIA_TYPE, HostedDocument, StatusHost, url_for_path
from mcbadge.server.deps import get_state
from mcbadge.server.problems import Problem

if TYPE_CHECKING:
    from mcbadge.server.state import ServiceState

__all__ = ["router", "status_host"]

router = APIRouter()
_host_lock = threading.Lock()
_METHODS = ["GET", "HEAD"]
#: Media types a client may ask a status list as; the body is the same JSON-LD document.
_STATUS_ALTERNATIVES = ("application/vc", "application/ld+json", "application/json")


def status_host(request: Request) -> StatusHost:
    """The app's :class:`StatusHost` (built on first use from the instance's issuers; it
    holds only a cache that any worker can rebuild from the registry)."""
    app_state = request.app.state
    host: StatusHost | None = getattr(app_state, "status_host", None)
    if host is None:
        with _host_lock:
            host = getattr(app_state, "status_host", None)
            if host is None:
                state: ServiceState = get_state(request)
                host = StatusHost(state.issuers.values())
                app_state.status_host = host
    return host


def _status_media_type(accept: str | None) -> str:
    """The Content-Type for a status list: ``application/vc+ld+json`` unless the client
    asks only for one of the plainer JSON types."""
    if not accept:
        return STATUS_LIST_MEDIA_TYPE
    asked = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    if any(kind in (STATUS_LIST_MEDIA_TYPE, "*/*", "application/*") for kind in asked):
        return STATUS_LIST_MEDIA_TYPE
    for kind in asked:
        if kind in _STATUS_ALTERNATIVES:
            return kind
    return STATUS_LIST_MEDIA_TYPE


def _render(request: Request, document: HostedDocument) -> Response:
    headers = {"ETag": document.etag, "Cache-Control": document.cache_control}
    media_type = document.media_type
    if document.kind == "status_list":
        headers["Vary"] = "Accept"
        media_type = _status_media_type(request.headers.get("accept"))
    if document.not_modified(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(content=document.body, media_type=media_type, headers=headers)


def _requested_url(request: Request) -> str:
    return url_for_path(get_state(request).config.public_url, request.url.path)


@router.api_route("/status/{name:path}", methods=_METHODS, include_in_schema=False)
@router.api_route("/{prefix:path}/status/{name:path}", methods=_METHODS, include_in_schema=False)
def status_document(request: Request) -> Response:
    url = _requested_url(request)
    document = status_host(request).document(url)
    if document is None or document.kind == "did_document":
        raise Problem(
            404,
            "hosting.unknown_list",
            f"{url} is not a status list or revocation list of this service: no issuer "
            "here allocated a list at that address",
        )
    return _render(request, document)


@router.api_route("/.well-known/did.json", methods=_METHODS, include_in_schema=False)
@router.api_route("/did.json", methods=_METHODS, include_in_schema=False)
@router.api_route("/{prefix:path}/did.json", methods=_METHODS, include_in_schema=False)
def did_document(request: Request) -> Response:
    url = _requested_url(request)
    host = status_host(request)
    document = host.did_document(url)
    if document is None:
        served = host.did_document_urls
        detail = (
            f"this service's DID document is at {served[0]}, not {url}"
            if served
            else "this service holds no did:web issuer, so it serves no DID document"
        )
        raise Problem(404, "hosting.no_did_document", detail)
    return _render(request, document)
