"""``mcbadge serve`` as a real subprocess (``--workers N``), for the tests that need worker
processes, a SIGKILL or a restart: :func:`running_service` starts it on 127.0.0.1 and waits
until every worker answers; :meth:`ServiceProcess.worker_pids` lists the uvicorn workers
(children of the master); :func:`answering_worker` tells which worker process holds the
server side of a client's TCP connection (from ``/proc``, not from anything the service says).

Linux only (``/proc``), like the CI these tests run in.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.integration.service_helpers import free_port

#: How long a worker may take to start on a loaded 2-core CI machine.
START_SECONDS = 120


def _ppid_and_cmdline(pid: int) -> tuple[int, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # exited, not yet reaped
        return None
    return int(fields[1]), cmdline


def children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _ppid_and_cmdline(int(entry))
            if info is not None and info[0] == pid:
                found.append(int(entry))
    return sorted(found)


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server-side socket of the loopback connection between the two ports."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return inode
    return None


def _owner_of(inode: str, pids: Sequence[int]) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


def answering_worker(connection: http.client.HTTPConnection, pids: Sequence[int]) -> int | None:
    """Which of ``pids`` holds the server side of ``connection`` (open, after a response
    was read on it): the worker that served the request."""
    if connection.sock is None:
        return None
    client_port = connection.sock.getsockname()[1]
    server_port = connection.sock.getpeername()[1]
    inode = _socket_inode(server_port, client_port)
    return None if inode is None else _owner_of(inode, pids)


@dataclass
class ServiceProcess:
    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path
    workers: int

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (with one worker, the server runs in the master)."""
        if self.workers == 1:
            return [self.process.pid]
        return [
            pid
            for pid in children(self.process.pid)
            if "spawn_main" in (_ppid_and_cmdline(pid) or (0, ""))[1]
        ]

    def request(
        self, method: str, path: str, body: Any = None, *, token: str | None = None
    ) -> tuple[int, Any, int | None]:
        """One request on a fresh connection: ``(status, JSON body or None, worker pid)``."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            worker = answering_worker(connection, self.worker_pids())
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            return response.status, parsed, worker
        finally:
            connection.close()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def only(self, worker: int) -> _Paused:
        """A context in which every other worker is stopped (SIGSTOP), so ``worker`` alone
        accepts connections. Keep it short: uvicorn's master replaces a worker that does not
        answer its health ping for 5 s."""
        return _Paused([pid for pid in self.worker_pids() if pid != worker])

    def wait_until_ready(self) -> None:
        """Every worker answers ``/healthz``, each seen serving on its own (the others
        stopped): a worker that never started would be found here, not mid-test."""
        deadline = time.monotonic() + START_SECONDS
        while True:
            self._check_alive()
            pids = self.worker_pids()
            if len(pids) == self.workers and self._healthy(None):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"mcbadge serve did not start:\n{self.log_text()}")
            time.sleep(0.1)
        if self.workers == 1:
            return
        for pid in pids:
            while True:
                with self.only(pid):
                    if self._healthy(pid):
                        break
                self._check_alive()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker {pid} never answered:\n{self.log_text()}")
                time.sleep(0.1)

    def _healthy(self, expected: int | None) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    return False
                return expected is None or answering_worker(connection, [expected]) == expected
            finally:
                connection.close()
        except OSError:
            return False

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"mcbadge serve exited with {self.process.returncode}:\n{self.log_text()}"
            )

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


class _Paused:
    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def __enter__(self) -> None:
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)

    def __exit__(self, *exc_info: object) -> None:
        for pid in self.pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


#: These tests are about workers, not the per-client rate limit: the default limit would
#: count every readiness poll and burst request from 127.0.0.1 as one client.
UNLIMITED = "[limits]\nrequests_per_minute = 100000000\n"


def serve_command(
    port: int,
    db: str,
    keys: Sequence[Path],
    workers: int,
    base_url: str | None = None,
    config: Path | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "mcbadge", "serve", "--host", "127.0.0.1"]
    if config is not None:
        command += ["--config", str(config)]
    command += ["--port", str(port), "--db", db, "--workers", str(workers)]
    for key in keys:
        command += ["--key", str(key)]
    if base_url:
        command += ["--base-url", base_url]
    return command


@contextmanager
def running_service(
    tmp_path: Path,
    *,
    db: str,
    keys: Sequence[Path],
    workers: int,
    port: int | None = None,
    name: str = "serve",
    base_url: str | None = None,
) -> Iterator[ServiceProcess]:
    """``mcbadge serve`` on 127.0.0.1 (``port`` or a free one; ``base_url`` the public URL,
    by default its own), every worker ready; stopped with SIGTERM (and killed if it will not
    stop) on exit."""
    port = port or free_port()
    log = tmp_path / f"{name}.log"
    config = tmp_path / f"{name}.toml"
    config.write_text(UNLIMITED)
    with log.open("ab") as output:
        process = subprocess.Popen(
            serve_command(port, db, keys, workers, base_url, config=config),
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    service = ServiceProcess(process, f"http://127.0.0.1:{port}", port, log, workers)
    try:
        service.wait_until_ready()
        yield service
    finally:
        service.stop()


class KeepAliveClient:
    """One HTTP/1.1 connection reused request after request (as a badge platform's client
    would), remembering which worker holds it; reconnects after an error. ``pending`` is the
    worker a request was sent to and not yet answered by (``None`` when idle or unknown)."""

    def __init__(self, service: ServiceProcess, token: str | None = None) -> None:
        self.service = service
        self.token = token
        self.connection: http.client.HTTPConnection | None = None
        self.owner: int | None = None
        self.pending: int | None = None

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """``(status, JSON body)``; raises ``OSError`` / ``http.client.HTTPException`` when
        the connection breaks (the connection is then dropped)."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.service.port, timeout=60)
            self.owner = None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.pending = self.owner
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        finally:
            self.pending = None
        if self.owner is None:
            self.owner = answering_worker(self.connection, self.service.worker_pids())
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None
        self.owner = None
