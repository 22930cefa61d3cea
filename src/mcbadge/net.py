"""The single hardened HTTP fetcher (did:web documents, status lists, revocation lists).

Every outbound request mcbadge makes goes through :class:`Fetcher`, which enforces a
:class:`NetworkPolicy`:

* ``offline=True`` refuses every fetch (``network_policy.offline``) before any socket opens.
* HTTPS only (``network_policy.not_https``) unless ``allow_http``; no credentials in URLs.
* The hostname is resolved here, and every address it resolves to must be a public unicast
  address (``network_policy.private_address``): loopback, private, link-local, shared,
  multicast, reserved and unspecified ranges are refused in IPv4 and IPv6, including
  IPv4 addresses embedded in IPv6 (mapped, 6to4, Teredo, NAT64). The connection then goes to
  the vetted address while TLS keeps SNI, ``Host`` and certificate verification bound to the
  hostname, so DNS cannot swap the address between check and connect. The only way to reach a
  non-public address is an explicit ``resolve`` entry (curl ``--resolve`` semantics).
* No redirects: a 3xx answer is ``network_policy.redirect``.
* Bodies are read raw (``Accept-Encoding: identity``) and capped while streaming
  (``status_retrieval.too_large``); every socket wait is bounded by ``timeout`` and the whole
  fetch by a deadline of ``timeout`` seconds checked between reads
  (``status_retrieval.timeout``).
* Proxy settings from the environment are ignored; connections are never reused between
  requests (a pooled connection would carry one hostname's TLS session to another).

Responses are cached in memory (bounded in entries and in bytes, least recently used evicted)
until the ``Cache-Control: max-age`` of the response or an expiry the caller sets with
:meth:`Fetcher.update_expiry` (the verifier sets a verified status list's ``ttl``, capped by
its ``validUntil``), whichever is sooner; a ``no-store`` response is never cached.

One verification sees the network through a :class:`FetchBudget`: each document is looked up
once per verification (every check that asks gets the same answer), and a verification may
look up at most ``max_documents`` distinct documents and start no new fetch after
``seconds`` (``network_policy.fetch_limit``). A credential cannot make the verifier, or a
service verifying for anyone, send an unbounded number of requests.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mcbadge._json import loads_strict
from mcbadge.errors import FetchError, InputError, NetworkPolicyError

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FetchBudget",
    "FetchedDocument",
    "Fetcher",
    "NetworkPolicy",
    "is_public_address",
    "parse_resolve",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
_CACHE_CONTROL_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.I)

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class NetworkPolicy:
    """What the fetcher may do. The defaults are the safe ones."""

    offline: bool = False
    timeout: float = 10.0
    max_bytes: int = DEFAULT_MAX_BYTES
    resolve: Mapping[tuple[str, int], str] = field(default_factory=dict)
    ca_bundle: str | os.PathLike[str] | None = None
    allow_http: bool = False
    cache_entries: int = 256
    #: the most the cache holds, counted in the bytes of the documents as received
    cache_bytes: int = 64 * 1024 * 1024
    max_cache_seconds: float = 24 * 3600


def parse_resolve(entry: str) -> tuple[tuple[str, int], str]:
    """Parse a curl-style ``HOST:PORT:ADDR`` entry (``ADDR`` may be a bracketed IPv6).

    >>> parse_resolve("status.test:443:127.0.0.1")
    (('status.test', 443), '127.0.0.1')
    """
    parts = entry.split(":", 2)
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit():
        raise ValueError(f"--resolve entry {entry!r} is not HOST:PORT:ADDR")
    host, port_text, address = parts
    port = int(port_text)
    address = address.strip()
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"--resolve entry {entry!r}: {address!r} is not an IP address") from None
    if not 0 < port < 65536:
        raise ValueError(f"--resolve entry {entry!r}: port out of range")
    return (host.lower(), port), address


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address (see the module docstring)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return is_public_address(str(embedded))
        if ip in _NAT64:
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_private
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_reserved
        and not ip.is_unspecified
    )


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(
            f"cannot resolve the host name {host!r}", code="status_retrieval.dns_failed"
        ) from exc
    return [str(info[4][0]) for info in infos]


def _resolve_within(resolver: Resolver, host: str, port: int, timeout: float) -> list[str]:
    """Run ``resolver`` in a daemon thread so a hung system resolver cannot outlast ``timeout``."""
    outcome: list[list[str] | BaseException] = []

    def work() -> None:
        try:
            outcome.append(resolver(host, port))
        except BaseException as exc:  # handed back to the caller's thread below
            outcome.append(exc)

    worker = threading.Thread(target=work, name="mcbadge-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise FetchError(
            f"resolving {host!r} took longer than {timeout:g} s", code="status_retrieval.timeout"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


@dataclass(frozen=True)
class FetchedDocument:
    """A fetched and strictly parsed JSON document (``data``), or raw bytes (``body``)."""

    url: str
    data: Any
    headers: Mapping[str, str]
    fetched_at: datetime
    expires_at: datetime
    body: bytes = b""
    from_cache: bool = False


@dataclass
class _CacheEntry:
    document: FetchedDocument
    expires_at: datetime
    had_freshness: bool
    size: int = 0


class Fetcher:
    """Fetches over HTTPS under a :class:`NetworkPolicy`; counts the requests it makes.

    ``resolver`` replaces DNS (tests use it to make a name resolve to a private address);
    ``clock`` replaces the wall clock for cache expiry.
    """

    def __init__(
        self,
        policy: NetworkPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.policy = policy or NetworkPolicy()
        self._resolver = resolver or _system_resolver
        self._clock = clock or (lambda: datetime.now(UTC))
        self._resolve = {(h.lower(), p): a for (h, p), a in self.policy.resolve.items()}
        self._cache: OrderedDict[tuple[str, str], _CacheEntry] = OrderedDict()
        self._cache_size = 0  # bytes of the documents in the cache
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self.request_count = 0

    # ---------------------------------------------------------------- public
    def get_json(
        self, url: str, *, accept: str = "application/json", max_bytes: int | None = None
    ) -> FetchedDocument:
        """GET ``url`` and parse the body with strict JSON (``status_retrieval.bad_json``)."""
        return self._get(url, accept, max_bytes, parse=True)

    def get_bytes(
        self, url: str, *, accept: str = "*/*", max_bytes: int | None = None
    ) -> FetchedDocument:
        """GET ``url`` and return the raw body (e.g. a VC-JWT status list); ``data`` is None."""
        return self._get(url, accept, max_bytes, parse=False)

    def update_expiry(self, url: str, expires_at: datetime) -> None:
        """Cap (or, when the response gave no freshness, set) how long ``url`` stays cached."""
        with self._lock:
            for (cached_url, _accept), entry in self._cache.items():
                if cached_url != url:
                    continue
                ceiling = entry.document.fetched_at + timedelta(
                    seconds=self.policy.max_cache_seconds
                )
                wanted = min(expires_at, ceiling)
                entry.expires_at = min(entry.expires_at, wanted) if entry.had_freshness else wanted
                entry.had_freshness = True

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cache_size = 0

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---------------------------------------------------------------- internals
    def _get(self, url: str, accept: str, max_bytes: int | None, *, parse: bool) -> FetchedDocument:
        if self.policy.offline:
            raise NetworkPolicyError(
                f"offline mode: not fetching {_short(url)}", code="network_policy.offline"
            )
        limit = self.policy.max_bytes if max_bytes is None else max_bytes
        cached = self._cached(url, accept)
        if cached is not None:
            return cached
        host, port, scheme = self._check_url(url)
        address = self._vetted_address(host, port)
        document = self._fetch(url, host, port, scheme, address, accept, limit)
        if parse:
            try:
                data = loads_strict(document.body, max_bytes=limit)
            except InputError as exc:
                raise FetchError(
                    f"{_short(url)} did not return acceptable JSON: {exc.message}",
                    code="status_retrieval.bad_json",
                ) from None
            document = FetchedDocument(
                document.url,
                data,
                document.headers,
                document.fetched_at,
                document.expires_at,
                document.body,
            )
        self._store(url, accept, document)
        return document

    def _check_url(self, url: str) -> tuple[str, int, str]:
        try:
            parts = urlsplit(url)
            host = parts.hostname
            port = parts.port
        except ValueError:
            raise NetworkPolicyError(
                f"{_short(url)} is not a valid URL", code="network_policy.bad_url"
            ) from None
        if parts.scheme == "http" and self.policy.allow_http:
            default_port = 80
        elif parts.scheme != "https":
            raise NetworkPolicyError(
                f"refusing to fetch {_short(url)}: only https URLs are allowed",
                code="network_policy.not_https",
            )
        else:
            default_port = 443
        if not host or parts.username is not None or parts.password is not None:
            raise NetworkPolicyError(
                f"{_short(url)} is not an acceptable URL (no host, or credentials in it)",
                code="network_policy.bad_url",
            )
        return host.lower(), port or default_port, parts.scheme

    def _vetted_address(self, host: str, port: int) -> str:
        pinned = self._resolve.get((host, port))
        if pinned is not None:
            return pinned  # an explicit operator decision: the one way to reach loopback
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            addresses = (
                _resolve_within(self._resolver, host, port, self.policy.timeout)
                if self._resolver is _system_resolver
                else self._resolver(host, port)
            )
        if not addresses:
            raise FetchError(f"{host} has no addresses", code="status_retrieval.dns_failed")
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            raise NetworkPolicyError(
                f"refusing to connect to {host}: it resolves to a non-public address "
                f"({refused[0]})",
                code="network_policy.private_address",
            )
        return addresses[0]

    def _http_client(self) -> httpx.Client:
        with self._lock:  # one client, even when threads share this fetcher (a service)
            return self._client or self._new_client()

    def _new_client(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                verify=self._ssl_context(),
                trust_env=False,
                follow_redirects=False,
                http2=False,
                timeout=httpx.Timeout(self.policy.timeout),
                limits=httpx.Limits(max_keepalive_connections=0, max_connections=16),
            )
        return self._client

    def _ssl_context(self) -> ssl.SSLContext:
        import ssl

        if self.policy.ca_bundle is not None:
            return ssl.create_default_context(cafile=os.fspath(self.policy.ca_bundle))
        import certifi

        return ssl.create_default_context(cafile=certifi.where())

    def _fetch(
        self,
        url: str,
        host: str,
        port: int,
        scheme: str,
        address: str,
        accept: str,
        limit: int,
    ) -> FetchedDocument:
        import httpx

        parts = urlsplit(url)
        literal = f"[{address}]" if ":" in address else address
        target = parts._replace(netloc=f"{literal}:{port}", fragment="").geturl()
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        headers = {
            "Host": host_header,
            "Accept": accept,
            "Accept-Encoding": "identity",
            "User-Agent": "mcbadge",
        }
        deadline = time.monotonic() + self.policy.timeout
        with self._lock:
            self.request_count += 1
        try:
            client = self._http_client()
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            raise FetchError(
                f"the TLS trust anchors could not be loaded ({type(exc).__name__})",
                code="status_retrieval.tls_failed",
            ) from None
        request = client.build_request(
            "GET", target, headers=headers, extensions={"sni_hostname": host}
        )
        try:
            response = client.send(request, stream=True)
            try:
                body = self._read_capped(response, url, limit, deadline)
            finally:
                response.close()
        except httpx.TimeoutException:
            raise FetchError(
                f"{_short(url)} did not answer within {self.policy.timeout:g} s",
                code="status_retrieval.timeout",
            ) from None
        except httpx.HTTPError as exc:
            text = str(exc)
            if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
                raise FetchError(
                    f"the TLS certificate of {host} could not be verified",
                    code="status_retrieval.tls_failed",
                ) from None
            raise FetchError(
                f"could not retrieve {_short(url)} ({type(exc).__name__})",
                code="status_retrieval.failed",
            ) from None
        fetched_at = self._clock()
        response_headers = {k.lower(): v for k, v in response.headers.items()}
        return FetchedDocument(
            url,
            None,
            response_headers,
            fetched_at,
            self._expiry(response_headers, fetched_at),
            body,
        )

    def _read_capped(
        self, response: httpx.Response, url: str, limit: int, deadline: float
    ) -> bytes:
        status = response.status_code
        if 300 <= status < 400:
            raise NetworkPolicyError(
                f"{_short(url)} answered with a redirect ({status}); redirects are not followed",
                code="network_policy.redirect",
            )
        if status != 200:
            raise FetchError(
                f"{_short(url)} answered with HTTP status {status}",
                code="status_retrieval.http_status",
            )
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise FetchError(
                f"{_short(url)} sent a {encoding!r}-encoded body, which is not accepted",
                code="status_retrieval.bad_encoding",
            )
        declared = response.headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise FetchError(
                f"{_short(url)} is larger than {limit} bytes", code="status_retrieval.too_large"
            )
        body = bytearray()
        # iter_raw() without a size yields each read as it arrives, so the deadline is
        # checked between reads rather than after a whole buffer has trickled in.
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > limit:
                raise FetchError(
                    f"{_short(url)} is larger than {limit} bytes",
                    code="status_retrieval.too_large",
                )
            if time.monotonic() > deadline:
                raise FetchError(
                    f"{_short(url)} took longer than {self.policy.timeout:g} s",
                    code="status_retrieval.timeout",
                )
        return bytes(body)

    def _expiry(self, headers: Mapping[str, str], fetched_at: datetime) -> datetime:
        cache_control = headers.get("cache-control", "")
        lowered = cache_control.lower()
        if "no-store" in lowered or "no-cache" in lowered:
            return fetched_at
        match = _CACHE_CONTROL_MAX_AGE.search(cache_control)
        if match is None:
            return fetched_at
        seconds = min(int(match.group(1)), self.policy.max_cache_seconds)
        return fetched_at + timedelta(seconds=seconds)

    def _cached(self, url: str, accept: str) -> FetchedDocument | None:
        with self._lock:
            entry = self._cache.get((url, accept))
            if entry is None:
                return None
            if entry.expires_at <= self._clock():
                self._evict((url, accept))
                return None
            self._cache.move_to_end((url, accept))
            document = entry.document
        return FetchedDocument(
            document.url,
            document.data,
            document.headers,
            document.fetched_at,
            entry.expires_at,
            document.body,
            from_cache=True,
        )

    def _store(self, url: str, accept: str, document: FetchedDocument) -> None:
        if self.policy.cache_entries <= 0:
            return
        if "no-store" in document.headers.get("cache-control", "").lower():
            return  # the server forbade keeping it; not even a list's ttl overrides that
        size = len(document.body)
        if size > self.policy.cache_bytes:
            return
        with self._lock:
            had_freshness = document.expires_at > document.fetched_at
            self._evict((url, accept))
            self._cache[(url, accept)] = _CacheEntry(
                document, document.expires_at, had_freshness, size
            )
            self._cache_size += size
            while (
                len(self._cache) > self.policy.cache_entries
                or self._cache_size > self.policy.cache_bytes
            ):
                self._evict(next(iter(self._cache)))  # the least recently used

    def _evict(self, key: tuple[str, str]) -> None:
        """Drop ``key`` from the cache (the caller holds the lock)."""
        entry = self._cache.pop(key, None)
        if entry is not None:
            self._cache_size -= entry.size


class FetchBudget:
    """What one verification may fetch through ``fetcher`` (a :class:`Fetcher`, or a test
    double with ``get(url)``): each document once (a repeated lookup of the same URL gets the
    first answer, or the first error, again), at most ``max_documents`` distinct documents,
    and no new fetch once ``seconds`` have passed since the first one. A lookup beyond either
    bound raises :class:`NetworkPolicyError` (``network_policy.fetch_limit``), which the
    verifier reports as undecided. ``None`` leaves a bound off. Every other attribute
    (``close``, ``update_expiry``, ``request_count``) is the wrapped fetcher's.
    """

    _LOOKUPS = frozenset({"get", "get_bytes", "get_json"})

    def __init__(
        self,
        fetcher: Any,
        *,
        max_documents: int | None,
        seconds: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetcher = fetcher
        self.max_documents = max_documents
        self.seconds = seconds
        self._clock = clock
        self._started: float | None = None
        self._answers: dict[tuple[Any, ...], tuple[bool, Any]] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.fetcher, name)
        if name not in self._LOOKUPS:
            return attribute

        def lookup(url: str, **options: Any) -> Any:
            return self._lookup(name, attribute, url, options)

        return lookup

    def _lookup(
        self, name: str, function: Callable[..., Any], url: str, options: dict[str, Any]
    ) -> Any:
        key = (name, url, *sorted(options.items()))
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self._admit(url)
        if answer is None:
            try:
                answer = (True, function(url, **options))
            except FetchError as exc:
                answer = (False, exc)
            with self._lock:
                answer = self._answers.setdefault(key, answer)
        ok, value = answer
        if not ok:
            raise value
        return value

    def _admit(self, url: str) -> None:
        now = self._clock()
        if self._started is None:
            self._started = now
        if self.max_documents is not None and len(self._answers) >= self.max_documents:
            raise NetworkPolicyError(
                f"not fetching {_short(url)}: this verification already looked up "
                f"{self.max_documents} documents, the most one verification may fetch",
                code="network_policy.fetch_limit",
            )
        if self.seconds is not None and now - self._started > self.seconds:
            raise NetworkPolicyError(
                f"not fetching {_short(url)}: this verification has spent more than "
                f"{self.seconds:g} s fetching, the most one verification may",
                code="network_policy.fetch_limit",
            )


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "..."
