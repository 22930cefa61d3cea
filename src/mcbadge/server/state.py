"""What a worker process builds once from its :class:`ServiceConfig`: the registry, the
issuers it holds and, when ``[verify] fetch`` is on, the fetcher its verifications share
(a cache of other providers' documents, kept no longer than their HTTP freshness and status
list ``ttl``). Everything durable lives in the registry; a second worker (or host) that
builds the same state from the same configuration serves the same answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mcbadge.server.config import ConfigError, ServiceConfig

if TYPE_CHECKING:
    from mcbadge.issuer import Issuer
    from mcbadge.net import Fetcher
    from mcbadge.registry import Registry

__all__ = ["ServiceState", "build_state"]


@dataclass
class ServiceState:
    config: ServiceConfig
    registry: Registry
    #: issuer id (did:key or did:web) -> the Issuer signing for it
    issuers: dict[str, Issuer]
    #: shared by this worker's verifications when ``[verify] fetch`` is on, else ``None``
    fetcher: Fetcher | None = None

    @property
    def status_base_url(self) -> str:
        return f"{self.config.public_url}/status/"

    def close(self) -> None:
        if self.fetcher is not None:
            self.fetcher.close()
        self.registry.close()


#: A document another provider serves (a did.json, a status list: a few KiB; a list of a
#: million entries stays well under this) may be this large; a larger one is refused.
FETCH_MAX_BYTES = 1024 * 1024
#: What a worker keeps of what it fetched, at most (least recently used dropped first).
FETCH_CACHE_BYTES = 32 * 1024 * 1024


def fetcher_of(config: ServiceConfig) -> Fetcher | None:
    """The hardened fetcher ``[verify]`` asks for, or ``None`` (the service verifies
    offline)."""
    if not config.fetch.enabled:
        return None
    from mcbadge.net import Fetcher, NetworkPolicy, parse_resolve

    settings = config.fetch
    if settings.ca_bundle is not None:
        _check_ca_bundle(settings.ca_bundle)
    return Fetcher(
        NetworkPolicy(
            timeout=settings.timeout,
            resolve=dict(parse_resolve(pin) for pin in settings.resolve),
            ca_bundle=settings.ca_bundle,
            max_bytes=FETCH_MAX_BYTES,
            cache_bytes=FETCH_CACHE_BYTES,
        )
    )


def _check_ca_bundle(path: str) -> None:
    """A CA bundle that cannot be used is a :class:`ConfigError` now, not a failed fetch on
    every verification later."""
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise ConfigError(f"verify.ca_bundle: no such file {path}") from None
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"verify.ca_bundle: {path} is not a PEM file of CAs ({reason})") from None


def did_web_of(public_url: str) -> str:
    """The did:web DID served by this instance at ``/.well-known/did.json`` (or under the
    base URL's path: ``https://host/provider`` is ``did:web:host:provider``)."""
    from mcbadge.issuer.keys import did_web_for

    parts = urlsplit(public_url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return did_web_for(host, *[p for p in parts.path.split("/") if p])


def status_base_url_of(public_url: str, issuer_id: str) -> str:
    """Where an issuer's status lists live: ``/status/`` for the instance's did:web issuer,
    ``/status/<16 hex digits of the id's SHA-256>/`` for each did:key issuer. The registry
    gives each list URL to one issuer only, so two issuers of one instance need two bases;
    a hash of the id is the same in every worker and across restarts."""
    if issuer_id.startswith("did:web:"):
        return f"{public_url}/status/"
    digest = hashlib.sha256(issuer_id.encode("utf-8")).hexdigest()[:16]
    return f"{public_url}/status/{digest}/"


def build_state(config: ServiceConfig) -> ServiceState:
    """Open the registry and load every issuer's key; raise :class:`ConfigError` when one
    cannot be used (a missing key file, two issuers with one id, two did:web issuers)."""
    from mcbadge.errors import MCBadgeError
    from mcbadge.issuer import Issuer, SigningKey
    from mcbadge.registry import Registry

    registry = Registry.open(config.db)
    issuers: dict[str, Issuer] = {}
    try:
        did_web = did_web_of(config.public_url)
        if sum(1 for item in config.issuers if item.did_web) > 1:
            raise ConfigError("only one issuer can be the instance's did:web")
        for item in config.issuers:
            try:
                key = SigningKey.load(item.key)
            except (OSError, MCBadgeError) as exc:
                raise ConfigError(f"issuer key {item.key}: {exc}") from None
            profile: dict[str, object] = {"type": ["Profile"]}
            if item.name:
                profile["name"] = item.name
            issuer_id = did_web if item.did_web else key.did_key
            issuer = Issuer(
                profile,
                key,
                format=item.format or key.default_cryptosuite,
                registry=registry,
                status_base_url=status_base_url_of(config.public_url, issuer_id),
                issuer_id=issuer_id,
            )
            if issuer.issuer_id in issuers:
                raise ConfigError(f"two issuers share the id {issuer.issuer_id}")
            issuers[issuer.issuer_id] = issuer
        fetcher = fetcher_of(config)
    except BaseException:
        registry.close()
        raise
    return ServiceState(config=config, registry=registry, issuers=issuers, fetcher=fetcher)
