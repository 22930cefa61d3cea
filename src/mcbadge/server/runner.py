"""Run the service on uvicorn: bind the listening socket first (so a port in use is a clear
error before anything starts, and "listening on" is true when it is printed), then serve it
from one process or ``workers`` processes until SIGTERM or SIGINT.

Stopping is uvicorn's graceful shutdown: the socket stops accepting, requests in flight
finish, then each worker's lifespan closes its registry. The process then returns normally
(``mcbadge serve`` exits 0), instead of dying of the signal uvicorn re-raises after its
shutdown.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from mcbadge.server.config import ENVIRONMENT_VARIABLE, ServiceConfig, to_environment

__all__ = ["ListenError", "listen", "run"]

#: the uvicorn factory each worker calls; it reads its configuration from the environment
APP_FACTORY = "mcbadge.server.app:create_app_from_environment"
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ListenError(OSError):
    """The address cannot be listened on (in use, not this machine's, not permitted)."""


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` and listening (inheritable by workers)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


@contextmanager
def _signals_end_the_run() -> Iterator[list[int]]:
    """While uvicorn runs, SIGTERM and SIGINT received *after* its own handlers are restored
    (it re-raises the one that stopped it) are recorded instead of killing the process."""
    received: list[int] = []

    def record(signum: int, _frame: Any) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, record) for sig in _STOP_SIGNALS}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(config: ServiceConfig, sock: socket.socket, *, environ: MutableMapping[str, str]) -> bool:
    """Serve ``config`` on ``sock`` until SIGTERM or SIGINT; ``environ`` (normally
    ``os.environ``) receives the configuration every worker reads. Returns whether the
    service started (``False``: a worker failed at start-up, uvicorn logged why)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    environ[ENVIRONMENT_VARIABLE] = to_environment(config)
    settings = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=config.host,
        port=config.port,
        workers=config.workers,
        log_level="warning",
        # X-Forwarded-* only from a proxy on this machine (uvicorn's default trust)
        proxy_headers=True,
        server_header=False,
    )
    try:
        with _signals_end_the_run():
            if config.workers > 1:
                Multiprocess(settings, sockets=[sock]).run()
                return True
            server = uvicorn.Server(settings)
            settings.load_app()
            server.run(sockets=[sock])
            return server.started
    finally:
        sock.close()
