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

    [limits]
    max_body_bytes = 1048576
    max_json_depth = 64
    requests_per_minute = 600
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "ConfigError",
    "IssuerConfig",
    "LimitsConfig",
    "ServiceConfig",
    "from_environment",
    "is_loopback",
    "load_config",
    "to_environment",
]

#: The environment variable that carries a worker's configuration (JSON).
ENVIRONMENT_VARIABLE = "MCBADGE_SERVICE_CONFIG"
INVALID_STATUSES = (200, 400, 422)


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
    limits: LimitsConfig = field(default_factory=LimitsConfig)

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
        if self.invalid_status not in INVALID_STATUSES:
            raise ConfigError("verify.invalid_status must be 200, 400 or 422")
        if self.allow_unauthenticated and not is_loopback(self.host):
            raise ConfigError(
                f"--allow-unauthenticated turns authentication off, so it is refused on "
                f"{self.host}: it is only allowed on a loopback address (127.0.0.1, ::1)"
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
        limits = self.limits
        if limits.max_body_bytes < 1024 or limits.max_json_depth < 8:
            raise ConfigError("limits are too small to carry a credential")
        if limits.requests_per_minute < 0:
            raise ConfigError("limits.requests_per_minute must be 0 (no limit) or more")
        return self


def is_loopback(host: str) -> bool:
    """``127.0.0.0/8``, ``::1`` or ``localhost``: reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _issuer(value: Any, base: Path) -> IssuerConfig:
    if not isinstance(value, dict) or not isinstance(value.get("key"), str):
        raise ConfigError('each [[issuers]] entry needs key = "<key file>"')
    unknown = set(value) - {f.name for f in fields(IssuerConfig)}
    if unknown:
        raise ConfigError(f"unknown issuer setting(s): {', '.join(sorted(unknown))}")
    key = Path(value["key"])
    return IssuerConfig(**{**value, "key": str(key if key.is_absolute() else base / key)})


def load_config(path: str | os.PathLike[str], **overrides: Any) -> ServiceConfig:
    """Read a TOML configuration file; keyword ``overrides`` that are not ``None`` win.

    Relative key paths are relative to the file's folder.
    """
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the configuration {file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    return from_mapping(data, base=file.parent, **overrides)


def from_mapping(data: dict[str, Any], *, base: Path = Path(), **overrides: Any) -> ServiceConfig:
    known = {f.name for f in fields(ServiceConfig)} | {"verify"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values = {k: v for k, v in data.items() if k not in ("issuers", "limits", "verify")}
    issuers = tuple(_issuer(item, base) for item in data.get("issuers", ()))
    limits_data = data.get("limits", {})
    if not isinstance(limits_data, dict) or set(limits_data) - {
        f.name for f in fields(LimitsConfig)
    }:
        raise ConfigError("[limits] takes max_body_bytes, max_json_depth, requests_per_minute")
    verify = data.get("verify", {})
    if not isinstance(verify, dict) or set(verify) - {"invalid_status"}:
        raise ConfigError("[verify] takes invalid_status")
    if "invalid_status" in verify:
        values["invalid_status"] = verify["invalid_status"]
    try:
        config = ServiceConfig(**values, issuers=issuers, limits=LimitsConfig(**limits_data))
    except TypeError as exc:
        raise ConfigError(str(exc)) from None
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
    data["limits"] = LimitsConfig(**data.get("limits", {}))
    return ServiceConfig(**data).check()
