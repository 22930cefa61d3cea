"""Start the HTTP service for a test on 127.0.0.1 (a free port), in this process.

``serve(config)`` yields the base URL of a real uvicorn server running the app in a thread;
requests go through a real HTTP client (httpx). For several worker processes or a SIGKILL,
start ``mcbadge serve`` as a subprocess instead (see test_service_* that do).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx

from mcbadge.server.config import ServiceConfig


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(config: ServiceConfig) -> Iterator[str]:
    import uvicorn

    from mcbadge.server.app import create_app

    config = replace(config, host="127.0.0.1", port=free_port())
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=config.port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        ready = threading.Event()
        for _ in range(500):
            if server.started:
                ready.set()
                break
            thread.join(0.02)
        if not ready.is_set():
            raise RuntimeError("the service did not start")
        yield config.public_url
    finally:
        server.should_exit = True
        thread.join(10)


def client(base_url: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)
