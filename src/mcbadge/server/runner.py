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
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from mcbadge.server.config import ENVIRONMENT_VARIABLE, ServiceConfig, to_environment

__all__ = ["ListenError", "listen", "run", "serve_in_thread"]

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


class _StopSignals:
    """SIGTERM and SIGINT while the service starts, runs and stops.

    Installed before "listening on" is printed, so a signal sent as soon as that line is
    read is never the default (killing) action: before uvicorn takes the signals over it
    is passed to ``target`` (the server about to run) or remembered; after uvicorn's own
    shutdown, the signal it re-raises lands here and the process returns normally.
    """

    def __init__(self) -> None:
        self.received: list[int] = []
        self.target: Any = None
        self._previous: dict[int, Any] = {}

    def _record(self, signum: int, frame: Any) -> None:
        self.received.append(signum)
        if self.target is not None:
            self.target.handle_exit(signum, frame)

    def __enter__(self) -> _StopSignals:
        self._previous = {sig: signal.signal(sig, self._record) for sig in _STOP_SIGNALS}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def run(
    config: ServiceConfig,
    sock: socket.socket,
    *,
    environ: MutableMapping[str, str],
    announce: Callable[[], None] = lambda: None,
) -> bool:
    """Serve ``config`` on ``sock`` until SIGTERM or SIGINT; ``environ`` (normally
    ``os.environ``) receives the configuration every worker reads; ``announce`` runs once
    the stop signals are handled (it prints "listening on"). Returns whether the service
    started (``False``: a worker failed at start-up, uvicorn logged why)."""
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
        # the access log is at INFO, below that level: off, so that uvicorn does not build
        # each request's log line only for the logger to drop it
        access_log=False,
        # X-Forwarded-* only from a proxy on this machine (uvicorn's default trust)
        proxy_headers=True,
        server_header=False,
    )
    try:
        with _StopSignals() as stop:
            announce()
            if config.workers > 1:
                supervisor = Multiprocess(settings, sockets=[sock])  # takes the signals over
                if stop.received:
                    return True
                supervisor.run()
                return True
            server = uvicorn.Server(settings)
            stop.target = server
            if stop.received:
                server.should_exit = True
            settings.load_app()
            server.run(sockets=[sock])
            return server.started
    except SystemExit:  # uvicorn's exit when the app cannot start (it logged why)
        return False
    finally:
        sock.close()


@contextmanager
def serve_in_thread(
    config: ServiceConfig,
    *,
    port: int = 0,
    tls: tuple[str, str] | None = None,
    start_timeout: float = 120.0,
) -> Iterator[str]:
    """Run the service for ``config`` in a thread of this process, on 127.0.0.1 at ``port``
    (0: a free one), until the ``with`` block ends: for a script, a demo or a test on one
    machine (production runs ``mcbadge serve``). Yields the address to send requests to,
    ``http://127.0.0.1:PORT`` (``https://`` with ``tls``, a certificate and key file),
    once the service has started and answers.

    The configuration's host and port become that address, so its public URL is the
    loopback address too unless it names a ``base_url``. Raises ``RuntimeError`` if the
    service stops while starting, or has not started within ``start_timeout`` seconds.
    """
    import uvicorn

    from mcbadge.server.app import create_app

    sock = listen("127.0.0.1", port)
    try:
        config = replace(config, host="127.0.0.1", port=int(sock.getsockname()[1]))
        options: dict[str, Any] = {}
        if tls is not None:
            options = {"ssl_certfile": tls[0], "ssl_keyfile": tls[1]}
        server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="error", **options))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + start_timeout
            while not server.started:  # set once uvicorn accepts on the socket
                if not thread.is_alive():
                    raise RuntimeError("the service stopped while starting (see the log above)")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the service did not start within {start_timeout:g} s")
                thread.join(0.02)
            scheme = "https" if tls is not None else "http"
            yield f"{scheme}://127.0.0.1:{config.port}"
        finally:
            server.should_exit = True
            thread.join(60)
    finally:
        sock.close()
