"""Start the HTTP service for a test on 127.0.0.1, in this process, and what the service
tests share.

``serve(config)`` yields the base URL of a real uvicorn server running the app in a thread
on a free port (:func:`mcbadge.server.serve_in_thread`); ``serve_on_port`` keeps the
configuration's own port (a restart on the same registry keeps the URLs its credentials
carry). Requests go through a real HTTP client (httpx). For several worker processes or a
SIGKILL, start ``mcbadge serve`` as a subprocess instead (see serve_process.py).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from mcbadge.keys import generate_key, save_key
from mcbadge.server import serve_in_thread
from mcbadge.server.config import ServiceConfig

if TYPE_CHECKING:
    from https_fixture import TLSMaterial

#: the achievement the service tests issue
ACHIEVEMENT: dict[str, Any] = {
    "id": "https://provider.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def key_file(folder: Path, kind: str = "ed25519") -> Path:
    """A new ``kind`` signing key saved under a name of its own in ``folder``."""
    path = folder / f"{kind}-{uuid.uuid4().hex[:8]}.json"
    save_key(generate_key(kind), path)
    return path


@contextmanager
def serve(config: ServiceConfig) -> Iterator[str]:
    """``config`` served on a free loopback port; yields its public URL (the loopback
    address, unless the configuration names a ``base_url``)."""
    with serve_in_thread(config) as url:
        yield url if config.base_url is None else config.public_url


@contextmanager
def serve_on_port(config: ServiceConfig, tls: TLSMaterial | None = None) -> Iterator[str]:
    """``config`` served on its own port, over HTTPS with ``tls`` (as the front proxy
    would); yields the loopback address."""
    certificate = None if tls is None else (str(tls.cert_path), str(tls.key_path))
    with serve_in_thread(config, port=config.port, tls=certificate) as url:
        yield url


def client(base_url: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)
