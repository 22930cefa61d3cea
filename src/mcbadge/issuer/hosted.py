"""Hosting an issuer's status and DID document straight from the registry, always current.

What ``mcbadge status publish`` writes to a folder, a service answers by URL
(:class:`StatusHost`), built by the same code (:func:`mcbadge.publish.sign_status_list`):

* each status list credential at the URL the registry allocated for it (the URL that
  credentials carry in ``credentialStatus.statusListCredential``), from the list's bits as
  they are in the registry at the moment of the request;
* the 1EdTech revocation list at ``<status_base_url>revocations.json`` (the issuers that
  share one base URL share that list: their revocations together, as one file would hold);
* the DID document of a did:web issuer at its did:web URL (``/.well-known/did.json``, or
  ``<path>/did.json`` for a DID with a path).

Signing a list on every request would be too slow, so signed lists are cached in process
memory, keyed by everything that determines the document: the list (URL, row id, creation
time), a digest of its bits, the signing key and suite, the ``ttl`` and the validity window.
The window is not "now": it is the current period of half the issuer's ``list_validity``,
counted from the Unix epoch, so that ``validFrom`` (and the proof's ``created``) is the start
of that period and ``validUntil`` is ``list_validity`` later. Every worker and every host
therefore builds the same document from the same registry state, and with an Ed25519 key
(deterministic signatures) the same bytes and ``ETag``: a worker without the cache answers
exactly what a worker with it does. A list is re-signed when its bits change, and at the
latest half its validity before ``validUntil`` (when the next period starts). A P-256 key
signs with a random nonce, so two workers send equally valid documents with different
bytes and ``ETag``; a verifier then only misses a ``304`` now and then.

Nothing here opens a socket; :mod:`mcbadge.server.routes.hosting` serves it over HTTP.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mcbadge.errors import DIDError
from mcbadge.issuer.keys import did_web_url
from mcbadge.publish import (
    dump_document,
    revocation_list_url,
    sign_status_list,
)
from mcbadge.status import build_revocation_list

if TYPE_CHECKING:
    from mcbadge.issuer.core import Issuer

__all__ = [
    "DID_DOCUMENT_MEDIA_TYPE",
    "REVOCATION_LIST_MEDIA_TYPE",
    "STATUS_LIST_MEDIA_TYPE",
    "HostedDocument",
    "StatusHost",
    "signing_window",
    "url_for_path",
]

#: A status list credential secured with a Data Integrity proof (VCDM 2.0 JSON-LD).
STATUS_LIST_MEDIA_TYPE = "application/vc+ld+json"
REVOCATION_LIST_MEDIA_TYPE = "application/json"
DID_DOCUMENT_MEDIA_TYPE = "application/json"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: How long a DID document may be cached when no issuer ttl applies (seconds).
_DID_MAX_AGE = 300


@dataclass(frozen=True)
class HostedDocument:
    """One document to send: its exact ``body``, ``media_type``, a strong ``etag`` (the
    quoted SHA-256 of the body) and how long caches may keep it (``max_age``, seconds)."""

    url: str
    body: bytes
    media_type: str
    max_age: int
    etag: str
    #: what the document is: ``status_list``, ``revocation_list`` or ``did_document``
    kind: str

    @classmethod
    def of(cls, url: str, body: bytes, media_type: str, max_age: int, kind: str) -> HostedDocument:
        etag = f'"{hashlib.sha256(body).hexdigest()}"'
        return cls(url, body, media_type, max(0, max_age), etag, kind)

    def not_modified(self, if_none_match: str | None) -> bool:
        """Whether an ``If-None-Match`` header names this document (RFC 9110 §13.1.2: weak
        comparison, ``*`` matches any current document)."""
        if not if_none_match:
            return False
        for candidate in if_none_match.split(","):
            tag = candidate.strip()
            if tag == "*":
                return True
            if tag.startswith("W/"):
                tag = tag[2:]
            if tag == self.etag:
                return True
        return False

    @property
    def cache_control(self) -> str:
        return f"max-age={self.max_age}"


def signing_window(instant: datetime, validity: timedelta) -> tuple[datetime, datetime]:
    """``(validFrom, validUntil)`` of a list signed at ``instant``: the start of the current
    period of half ``validity`` (whole seconds, counted from the Unix epoch) and ``validity``
    after it. So every signer picks the same window, and the document it signs is valid for
    at least half ``validity`` from ``instant``."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    period = max(1, int(validity.total_seconds()) // 2)
    elapsed = int((instant - _EPOCH).total_seconds())
    start = _EPOCH + timedelta(seconds=elapsed - elapsed % period)
    return start, start + validity


def url_for_path(public_url: str, path: str) -> str:
    """The public URL a request path names on a service reached at ``public_url``.

    A base URL with a path (``https://host/provider``) may reach the service with that path
    kept (``/provider/status/revocation-1.json``) or stripped by the proxy
    (``/status/revocation-1.json``); both name ``https://host/provider/status/…``.
    """
    base = public_url.rstrip("/")
    parts = urlsplit(base)
    prefix = parts.path.rstrip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return f"{parts.scheme}://{parts.netloc}{path}"
    return f"{base}{path}"


def _host_and_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path}"


class StatusHost:
    """Answers the status lists, revocation lists and did:web documents of ``issuers``
    (issuers sharing one registry, as in one ``mcbadge serve`` instance) by URL.

    Thread-safe. ``clock`` returns the current time (tests pass a fixed one);
    ``cache_entries`` bounds the signed lists kept in memory (least recently used go first).
    """

    def __init__(
        self,
        issuers: Iterable[Issuer],
        *,
        clock: Callable[[], datetime] | None = None,
        cache_entries: int = 256,
    ) -> None:
        self._issuers = {issuer.issuer_id: issuer for issuer in issuers}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cache_entries = max(1, cache_entries)
        self._cache: OrderedDict[tuple[Any, ...], HostedDocument] = OrderedDict()
        self._lock = threading.Lock()
        #: how many lists this host has signed (each cache miss); for tests and benchmarks
        self.signatures = 0
        self._revocation_urls: dict[str, list[Issuer]] = {}
        self._did_urls: dict[str, Issuer] = {}
        for issuer in self._issuers.values():
            self._revocation_urls.setdefault(revocation_list_url(issuer), []).append(issuer)
            if issuer.issuer_id.startswith("did:web:"):
                try:
                    self._did_urls[_host_and_path(did_web_url(issuer.issuer_id))] = issuer
                except DIDError:  # pragma: no cover - Issuer accepted the id already
                    continue

    # -- one entry point per kind ---------------------------------------------------------
    def document(self, url: str) -> HostedDocument | None:
        """Whatever this host serves at ``url`` (a status list, a revocation list or a DID
        document), or ``None`` when ``url`` names nothing of its issuers."""
        if _host_and_path(url) in self._did_urls:
            return self.did_document(url)
        if url in self._revocation_urls:
            return self.revocation_list(url)
        return self.status_list(url)

    def status_list(self, url: str) -> HostedDocument | None:
        """The current signed status list credential at ``url``, or ``None`` when no issuer
        of this host allocated a list there."""
        found = self._list_at(url)
        if found is None:
            return None
        issuer, record = found
        bits = bytes(issuer.registry.registry.status_list_bits(record.list_id))
        valid_from, valid_until = signing_window(self._clock(), issuer.list_validity)
        key = issuer.active_key
        ttl = int(issuer.list_ttl.total_seconds())
        cache_key = (
            record.url,
            record.list_id,
            record.created_at,
            record.purpose,
            hashlib.sha256(bits).hexdigest(),
            issuer.issuer_id,
            key.vm_id,
            key.public_multikey,
            key.default_cryptosuite,
            valid_from,
            issuer.list_validity,
            ttl,
        )
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None:
                self._cache.move_to_end(cache_key)
                return cached
        signed = sign_status_list(issuer, record.url, record.purpose, bits, valid_from=valid_from)
        remaining = int((valid_until - self._clock()).total_seconds())
        hosted = HostedDocument.of(
            record.url,
            dump_document(signed),
            STATUS_LIST_MEDIA_TYPE,
            min(ttl, remaining),
            "status_list",
        )
        with self._lock:
            self.signatures += 1
            self._cache[cache_key] = hosted
            self._cache.move_to_end(cache_key)
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)
        return hosted

    def signed_status_list(self, url: str) -> dict[str, Any] | None:
        """The current signed status list credential at ``url`` as JSON, or ``None`` when it
        is not one of this host's lists: how this instance's own verifier reads its own
        lists without an HTTP request (put it in ``VerificationPolicy.status_lists``)."""
        import json

        hosted = self.status_list(url)
        if hosted is None:
            return None
        document: dict[str, Any] = json.loads(hosted.body)
        return document

    def revocation_list(self, url: str) -> HostedDocument | None:
        """The 1EdTech revocation list at ``url`` (the revoked credentials of every issuer
        whose lists live beside it, oldest revocation first), or ``None``."""
        issuers = self._revocation_urls.get(url)
        if not issuers:
            return None
        records = [
            record
            for issuer in issuers
            for record in issuer.registry.registry.revocations(issuer.issuer_id)
        ]
        records.sort(key=lambda record: (record.revoked_at, record.credential_id))
        document = build_revocation_list((r.credential_id, r.reason or None) for r in records)
        ttl = min(int(issuer.list_ttl.total_seconds()) for issuer in issuers)
        return HostedDocument.of(
            url, dump_document(document), REVOCATION_LIST_MEDIA_TYPE, ttl, "revocation_list"
        )

    def did_document(self, url: str) -> HostedDocument | None:
        """The DID document of the did:web issuer whose did.json is at ``url``, or ``None``.
        did:web names an https URL; the scheme is not compared, so a service on loopback
        (plain http, in tests) answers its own did.json too."""
        issuer = self._did_urls.get(_host_and_path(url))
        if issuer is None:
            return None
        return HostedDocument.of(
            url,
            dump_document(issuer.did_document()),
            DID_DOCUMENT_MEDIA_TYPE,
            _DID_MAX_AGE,
            "did_document",
        )

    @property
    def did_document_urls(self) -> list[str]:
        """Where this host's did:web documents are served (empty without a did:web issuer)."""
        return sorted(did_web_url(issuer.issuer_id) for issuer in self._did_urls.values())

    def _list_at(self, url: str) -> tuple[Issuer, Any] | None:
        """The issuer of this host that allocated the list at ``url``, and its record. Only
        URLs under an issuer's status base URL reach the registry."""
        asked: set[int] = set()
        for issuer in self._issuers.values():
            registry = issuer.registry.registry
            if not url.startswith(issuer.status_base_url) or id(registry) in asked:
                continue
            asked.add(id(registry))
            record = registry.status_list_at(url)
            owner = self._issuers.get(record.issuer_id) if record is not None else None
            if (
                owner is not None
                and owner.registry.registry is registry
                and url.startswith(owner.status_base_url)
            ):
                return owner, record
        return None
