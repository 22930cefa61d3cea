"""What one ``mcbadge serve`` instance is: where it listens, its registry, the issuers it holds.

A :class:`ServiceConfig` comes from the command line, from a TOML file (``--config``), or
both (flags win). It is plain data: it round-trips through JSON so that each uvicorn worker
process rebuilds the same service from the environment (:func:`to_environment` /
:func:`from_environment`); nothing a second worker needs lives only in one process.

The file::

    host = "127.0.0.1"
    port = 8080
    base_url = "https://badges.provider.example"   # what verifiers and clients see
    db = "postgresql+psycopg://mcbadge@db/mcbadge"  # default: the registry of every command
    workers = 2

    [[issuers]]
    key = "keys/provider.json"     # from `mcbadge keys generate`
    did_web = true                 # the did:web of base_url, else the key's did:key
    name = "Mountain State Micro-credentials"

    [verify]
    invalid_status = 200           # or 400 / 422, what the W3C verifier suites expect
    fetch = false                  # true: fetch other providers' did:web and status lists
    fetch_timeout = 5              # seconds per request
    max_fetches = 16               # distinct documents one verification may fetch
    fetch_seconds = 15             # no new fetch after this long in one verification
    resolve = []                   # HOST:PORT:ADDR pins, the one way to a private address
    ca_bundle = "/etc/mcbadge/ca.pem"   # default: certifi's CAs (Mozilla's roots)

    [limits]
    max_body_bytes = 1048576
    max_json_depth = 64
    requests_per_minute = 600
    concurrent_verifications = 8   # per worker; more wait their turn
    inline_verification_bytes = 8192    # smaller offline verifications skip the thread

    [provider]                     # how the OB 3.0 API's discovery document names it
    name = "Mountain State Micro-credentials"
    terms_url = "https://badges.provider.example/terms"
    privacy_url = "https://badges.provider.example/privacy"
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "ConfigError",
    "FetchConfig",
    "IssuerConfig",
    "LimitsConfig",
    "ProviderConfig",
    "ServiceConfig",
    "from_environment",
    "is_loopback",
    "load_config",
    "to_environment",
]

#: The environment variable that carries a worker's configuration (JSON).
ENVIRONMENT_VARIABLE = "MCBADGE_SERVICE_CONFIG"
INVALID_STATUSES = (200, 400, 422)
#: the signature formats an issuer can use (mcbadge.issuer.FORMATS, without importing it)
FORMATS = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt", "vc+jwt")


class ConfigError(ValueError):
    """A service configuration that cannot run; the message names the setting."""


@dataclass(frozen=True)
class IssuerConfig:
    """One issuer the instance holds: its signing key file and how it is named."""

    key: str
    did_web: bool = False
    name: str | None = None
    #: the signature format of /credentials/issue for this issuer (default: the key's suite)
    format: str | None = None


@dataclass(frozen=True)
class LimitsConfig:
    """Bounds applied before a request body is parsed, and the per-client rate."""

    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = 64
    #: per client (access token, else address), counted in the registry; 0: no limit
    requests_per_minute: int = 600
    #: verifications one worker runs at once (each in a thread); more wait their turn
    concurrent_verifications: int = 8
    #: a credential whose request body is at most this many bytes is verified on the
    #: worker's event loop instead of in a thread, when verifying it waits on nothing
    #: (see :func:`mcbadge.server.deps.verifies_inline`); 0: every one in a thread
    inline_verification_bytes: int = 8 * 1024


@dataclass(frozen=True)
class FetchConfig:
    """Whether ``/credentials/verify``, ``/presentations/verify`` and the page fetch what a
    credential names (other providers' did:web documents and status lists), through the
    hardened fetcher (:mod:`mcbadge.net`): HTTPS to public addresses only, unless a
    ``resolve`` pin names the address. Off by default: the service then verifies offline."""

    enabled: bool = False
    #: seconds per request
    timeout: float = 5.0
    #: distinct documents one verification (a credential, presentation or CLR) may fetch
    max_fetches: int = 16
    #: no new fetch after this many seconds in one verification
    fetch_seconds: float = 15.0
    #: ``HOST:PORT:ADDR`` pins (curl ``--resolve``)
    resolve: tuple[str, ...] = ()
    #: a PEM file of the CAs to trust instead of certifi's
    ca_bundle: str | None = None

    def check(self) -> None:
        from mcbadge.net import parse_resolve

        if not 0 < self.timeout <= 60:
            raise ConfigError("verify.fetch_timeout must be more than 0 and at most 60 seconds")
        if not 1 <= self.max_fetches <= 256:
            raise ConfigError("verify.max_fetches must be from 1 to 256")
        if not 0 < self.fetch_seconds <= 300:
            raise ConfigError("verify.fetch_seconds must be more than 0 and at most 300")
        for pin in self.resolve:
            try:
                parse_resolve(pin)
            except ValueError as exc:
                raise ConfigError(f"verify.resolve: {exc}") from None


@dataclass(frozen=True)
class ProviderConfig:
    """How the Open Badges 3.0 API's discovery document names the provider (default: the
    first named issuer, and the service's own URL for the terms and the privacy policy)."""

    name: str | None = None
    image: str | None = None
    terms_url: str | None = None
    privacy_url: str | None = None


@dataclass(frozen=True)
class ServiceConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str | None = None
    db: str | None = None
    workers: int = 1
    issuers: tuple[IssuerConfig, ...] = ()
    allow_unauthenticated: bool = False
    #: status of /credentials/verify and /presentations/verify for a credential that does
    #: not verify: 200 with ``verified: false`` (VC API), or 400 / 422 (W3C test suites)
    invalid_status: int = 200
    fetch: FetchConfig = field(default_factory=FetchConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    provider: ProviderConfig = field(default_factory=ProviderConfig)

    def __repr__(self) -> str:  # names only: key files are paths, never their contents
        keys = ", ".join(issuer.key for issuer in self.issuers)
        return (
            f"ServiceConfig(host={self.host!r}, port={self.port}, base_url={self.public_url!r},"
            f" workers={self.workers}, issuers=[{keys}])"
        )

    @property
    def public_url(self) -> str:
        """The URL clients and verifiers use (no trailing slash)."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def check(self) -> ServiceConfig:
        """Raise :class:`ConfigError` for a configuration that must not run."""
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be 1..65535, not {self.port}")
        if self.workers < 1:
            raise ConfigError("workers must be at least 1")
        if sum(1 for issuer in self.issuers if issuer.did_web) > 1:
            raise ConfigError("only one issuer can be the instance's did:web (did_web = true)")
        for issuer in self.issuers:
            if issuer.format is not None and issuer.format not in FORMATS:
                raise ConfigError(
                    f"issuer {issuer.key}: format must be one of {', '.join(FORMATS)},"
                    f" not {issuer.format!r}"
                )
        if self.invalid_status not in INVALID_STATUSES:
            raise ConfigError("verify.invalid_status must be 200, 400 or 422")
        self.fetch.check()
        if self.allow_unauthenticated and not is_loopback(self.host):
            raise ConfigError(
                f"--allow-unauthenticated turns authentication off, so it is refused on "
                f"{self.host}: it is only allowed on a loopback address (127.0.0.1, ::1)"
            )
        if self.base_url is None and not is_loopback(self.host):
            raise ConfigError(
                f"listening on {self.host} (not loopback) needs --base-url (base_url): the "
                "https:// URL clients reach through the TLS proxy in front of the service"
            )
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"base_url must be an http(s) URL, not {self.public_url!r}")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ConfigError(
                "base_url must be https:// (TLS at the front proxy) unless it is loopback"
            )
        if parts.query or parts.fragment:
            raise ConfigError("base_url must not have a query or fragment")
        for name in ("image", "terms_url", "privacy_url"):
            value = getattr(self.provider, name)
            if value is not None and urlsplit(value).scheme not in ("http", "https"):
                raise ConfigError(f"provider.{name} must be an http(s) URL, not {value!r}")
        limits = self.limits
        if limits.max_body_bytes < 1024 or limits.max_json_depth < 8:
            raise ConfigError("limits are too small to carry a credential")
        if limits.requests_per_minute < 0:
            raise ConfigError("limits.requests_per_minute must be 0 (no limit) or more")
        if not 1 <= limits.concurrent_verifications <= 256:
            raise ConfigError("limits.concurrent_verifications must be from 1 to 256")
        if not 0 <= limits.inline_verification_bytes <= _MAX_INLINE_BYTES:
            raise ConfigError(
                f"limits.inline_verification_bytes must be from 0 to {_MAX_INLINE_BYTES}"
            )
        return self


#: The largest body that may be verified on the event loop. The slowest hostile credential
#: measured at 8 KiB (the default) took about 50 ms of CPU, at 16 KiB 0.42 s (JSON-LD the
#: general processor must read: ``python -m bench inline``, docs/service-security.md); the
#: worker answers nothing else meanwhile.
_MAX_INLINE_BYTES = 16 * 1024


def is_loopback(host: str) -> bool:
    """``127.0.0.0/8``, ``::1`` or ``localhost``: reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- the TOML file ---------------------------------------------------------------------------
# The settings of each table and the type each one takes (bool is not an int here).
_TOP: dict[str, type] = {
    "host": str,
    "port": int,
    "base_url": str,
    "db": str,
    "workers": int,
    "allow_unauthenticated": bool,
}
_ISSUER: dict[str, type] = {"key": str, "did_web": bool, "name": str, "format": str}
_LIMITS: dict[str, type] = {f.name: int for f in fields(LimitsConfig)}
_VERIFY: dict[str, type | tuple[type, ...]] = {
    "invalid_status": int,
    "fetch": bool,
    "fetch_timeout": (int, float),
    "max_fetches": int,
    "fetch_seconds": (int, float),
    "resolve": list,
    "ca_bundle": str,
}
_PROVIDER: dict[str, type] = {f.name: str for f in fields(ProviderConfig)}
_TABLES = ("issuers", "limits", "verify", "provider")
_TYPE_NAMES: dict[type | tuple[type, ...], str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    (int, float): "a number",
    list: "an array",
}


def _settings(
    table: Any,
    allowed: Mapping[str, type | tuple[type, ...]],
    where: str,
    *,
    tables: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``table``'s settings, each checked against ``allowed``; an unknown one or a wrong type
    is a :class:`ConfigError` naming it (``[limits] max_body_byte``)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table of settings")
    prefix = f"{where} " if where else ""
    for name, value in table.items():
        wanted = allowed.get(name)
        if wanted is None:
            known = ", ".join(sorted([*allowed, *tables]))
            raise ConfigError(f"unknown setting {prefix}{name!r} (known: {known})")
        numeric = wanted is int or wanted == (int, float)
        if not isinstance(value, wanted) or (numeric and isinstance(value, bool)):
            raise ConfigError(f"{prefix}{name} must be {_TYPE_NAMES[wanted]}")
    return dict(table)


def _issuer(value: Any, base: Path, number: int) -> IssuerConfig:
    where = f"[[issuers]] #{number}"
    settings = _settings(value, _ISSUER, where)
    if "key" not in settings:
        raise ConfigError(f'{where} needs key = "<key file from mcbadge keys generate>"')
    key = Path(settings["key"]).expanduser()
    settings["key"] = str(key if key.is_absolute() else base / key)
    return IssuerConfig(**settings)


def load_config(path: str | os.PathLike[str], **overrides: Any) -> ServiceConfig:
    """Read a TOML configuration file; keyword ``overrides`` that are not ``None`` win.

    Relative key paths are relative to the file's folder. Every error names the file and
    the setting.
    """
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"cannot read the configuration file {file}: {reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    try:
        return from_mapping(data, base=file.parent.resolve(), **overrides)
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}") from None


def _fetch(verify: dict[str, Any], base: Path) -> FetchConfig:
    """The ``[verify]`` settings of :class:`FetchConfig` (``fetch`` is ``enabled``; a
    relative ``ca_bundle`` is relative to the file's folder, as keys are)."""
    pins = verify.get("resolve", [])
    if not all(isinstance(pin, str) for pin in pins):
        raise ConfigError('[verify] resolve must be an array of "HOST:PORT:ADDR" strings')
    bundle = verify.get("ca_bundle")
    if bundle is not None:
        path = Path(bundle).expanduser()
        bundle = str(path if path.is_absolute() else base / path)
    return FetchConfig(
        enabled=verify.get("fetch", False),
        timeout=float(verify.get("fetch_timeout", FetchConfig.timeout)),
        max_fetches=verify.get("max_fetches", FetchConfig.max_fetches),
        fetch_seconds=float(verify.get("fetch_seconds", FetchConfig.fetch_seconds)),
        resolve=tuple(pins),
        ca_bundle=bundle,
    )


def from_mapping(data: dict[str, Any], *, base: Path = Path(), **overrides: Any) -> ServiceConfig:
    """The configuration in ``data`` (a parsed TOML file), then ``overrides`` that are not
    ``None`` (the command line's flags) on top."""
    values = _settings(
        {k: v for k, v in data.items() if k not in _TABLES}, _TOP, "", tables=_TABLES
    )
    items = data.get("issuers", [])
    if not isinstance(items, list):
        raise ConfigError("issuers must be an array of tables: [[issuers]]")
    issuers = tuple(_issuer(item, base, number) for number, item in enumerate(items, 1))
    limits = _settings(data.get("limits", {}), _LIMITS, "[limits]")
    verify = _settings(data.get("verify", {}), _VERIFY, "[verify]")
    if "invalid_status" in verify:
        values["invalid_status"] = verify.pop("invalid_status")
    fetch = _fetch(verify, base)
    provider = _settings(data.get("provider", {}), _PROVIDER, "[provider]")
    config = ServiceConfig(
        **values,
        issuers=issuers,
        fetch=fetch,
        limits=LimitsConfig(**limits),
        provider=ProviderConfig(**provider),
    )
    chosen = {k: v for k, v in overrides.items() if v is not None}
    return replace(config, **chosen)


def to_environment(config: ServiceConfig) -> str:
    """The JSON a worker process reads back with :func:`from_environment`."""
    return json.dumps(asdict(config))


def from_environment(environ: dict[str, str] | None = None) -> ServiceConfig:
    text = (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE)
    if not text:
        raise ConfigError(f"{ENVIRONMENT_VARIABLE} is not set")
    data = json.loads(text)
    data["issuers"] = tuple(IssuerConfig(**item) for item in data.get("issuers", ()))
    fetch = data.get("fetch", {})
    data["fetch"] = FetchConfig(**{**fetch, "resolve": tuple(fetch.get("resolve", ()))})
    data["limits"] = LimitsConfig(**data.get("limits", {}))
    data["provider"] = ProviderConfig(**data.get("provider", {}))
    return ServiceConfig(**data).check()
