"""``mcbadge serve`` as a subprocess, the way a person (or systemd) runs it.

:func:`serving` starts it and :class:`ServeProcess` reads its printed lines as they come (a
reader thread per stream): a test waits for a line, never for a time. For the tests that
need worker processes, a SIGKILL or a restart, :func:`running_service` starts it with
``--workers N`` on 127.0.0.1 and waits until every worker answers;
:meth:`ServeProcess.worker_pids` lists the uvicorn workers (children of the master);
:func:`answering_worker` tells which worker process holds the server side of a client's TCP
connection (from ``/proc``, not from anything the service says).

Linux only (``/proc``), like the CI these tests run in.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from tests.integration.service_helpers import free_port

START_TIMEOUT = 120  # seconds: a loaded 2-core machine runs several test suites at once


class ServeProcess:
    """A running ``mcbadge serve`` (``command``: its argv, or a shell running it, in a
    session of its own): ``lines`` of stdout so far, ``stderr`` after it ends.

    ``signal_group``: signals go to the whole session (the shell and the service alike);
    with ``False`` to the process alone (the master, as a test that its workers follow it
    needs). ``workers``: how many uvicorn workers it was started with."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        cwd: Path,
        env: dict[str, str] | None = None,
        signal_group: bool = True,
        workers: int = 1,
    ) -> None:
        self.process = subprocess.Popen(  # a fixed argv of the test's own
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.signal_group = signal_group
        self.workers = workers
        self.lines: list[str] = []
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()
        self._err_thread = threading.Thread(
            target=self._collect, args=(self.process.stderr,), daemon=True
        )
        self._err_thread.start()

    def _pump(self, stream: IO[str]) -> None:
        with stream:  # closed at the end of the output: no pipe left for the collector
            for line in stream:
                self._stdout.put(line.rstrip("\n"))
        self._stdout.put(None)

    def _collect(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                self._stderr.append(line)

    def wait_for(self, prefix: str, timeout: float = START_TIMEOUT) -> str:
        """The first stdout line starting with ``prefix``; AssertionError if the process
        ends (or says nothing more within ``timeout``) before printing it."""
        while True:
            try:
                line = self._stdout.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {prefix!r} line; so far: {self.lines}") from None
            if line is None:
                self.process.wait(30)
                raise AssertionError(
                    f"mcbadge serve ended (exit {self.process.returncode}) before {prefix!r}:"
                    f" {self.lines} {self.stderr}"
                )
            self.lines.append(line)
            if line.startswith(prefix):
                return line

    def url(self) -> str:
        """The URL of the ``listening on URL (...)`` line, once it is printed."""
        line = next((seen for seen in self.lines if seen.startswith("listening on ")), None)
        return (line or self.wait_for("listening on ")).split()[2]

    @property
    def port(self) -> int:
        return int(self.url().rsplit(":", 1)[1])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Send ``sig`` (SIGTERM: as systemd stops it) and wait for the exit code; the rest
        of stdout lands in ``lines``."""
        self.signal(sig)
        code = self.process.wait(timeout)
        while (line := self._stdout.get(timeout=30)) is not None:
            self.lines.append(line)
        return code

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the process (and, with ``signal_group``, everything it started)."""
        if self.process.poll() is None:
            if self.signal_group:
                os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)

    @property
    def stderr(self) -> str:
        if self.process.poll() is not None:
            self._err_thread.join(30)
        return "".join(self._stderr)

    def log_text(self) -> str:
        """Everything printed so far (stdout, then stderr), for a failure message."""
        with self._stdout.mutex:
            pending = [line for line in self._stdout.queue if line is not None]
        return "\n".join([*self.lines, *pending, ""]) + self.stderr

    # --- worker processes -------------------------------------------------------------

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
            connection.request(method, path, **_json_request(body, token))
            response = connection.getresponse()
            raw = response.read()
            worker = answering_worker(connection, self.worker_pids())
            return response.status, _json_or_none(raw), worker
        finally:
            connection.close()

    def only(self, worker: int) -> _Paused:
        """A context in which every other worker is stopped (SIGSTOP), so ``worker`` alone
        accepts connections. Keep it short: uvicorn's master replaces a worker that does not
        answer its health ping for 5 s."""
        return _Paused([pid for pid in self.worker_pids() if pid != worker])

    def wait_until_ready(self) -> None:
        """The ``listening on`` line, then every worker answers ``/healthz``, each seen
        serving on its own (the others stopped): a worker that never started would be found
        here, not mid-test."""
        self.url()
        deadline = time.monotonic() + START_TIMEOUT
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


@contextmanager
def serving(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    signal_group: bool = True,
    workers: int = 1,
) -> Iterator[ServeProcess]:
    """Start ``mcbadge serve args``; on the way out, SIGTERM it if it still runs (and
    SIGKILL it if it will not stop)."""
    served = ServeProcess(
        [sys.executable, "-m", "mcbadge", "serve", *args],
        cwd=cwd,
        env=env,
        signal_group=signal_group,
        workers=workers,
    )
    try:
        yield served
    finally:
        if served.process.poll() is None:
            served.signal(signal.SIGTERM)
            try:
                served.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(served.process.pid, signal.SIGKILL)
                served.process.wait(30)


#: These tests are about workers, not the per-client rate limit: the default limit would
#: count every readiness poll and burst request from 127.0.0.1 as one client.
UNLIMITED = "[limits]\nrequests_per_minute = 100000000\n"


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
) -> Iterator[ServeProcess]:
    """``mcbadge serve --workers N`` on 127.0.0.1 (``port`` or a free one; ``base_url`` the
    public URL, by default its own), every worker ready; on exit SIGTERM to the master alone
    (and SIGKILL if it will not stop)."""
    config = tmp_path / f"{name}.toml"
    config.write_text(UNLIMITED)
    args = ["--host", "127.0.0.1", "--config", str(config), "--port", str(port or free_port())]
    args += ["--db", db, "--workers", str(workers)]
    for key in keys:
        args += ["--key", str(key)]
    if base_url:
        args += ["--base-url", base_url]
    with serving(
        args,
        cwd=tmp_path,
        env={"PYTHONUNBUFFERED": "1"},
        signal_group=False,
        workers=workers,
    ) as service:
        service.wait_until_ready()
        yield service


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


def _json_request(body: Any, token: str | None) -> dict[str, Any]:
    """The ``body`` and ``headers`` of a request with a JSON ``body`` and a bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return {"body": payload, "headers": headers}


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class KeepAliveClient:
    """One HTTP/1.1 connection reused request after request (as a badge platform's client
    would), remembering which worker holds it; reconnects after an error. ``pending`` is the
    worker a request was sent to and not yet answered by (``None`` when idle or unknown)."""

    def __init__(self, service: ServeProcess, token: str | None = None) -> None:
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
        self.pending = self.owner
        try:
            self.connection.request(method, path, **_json_request(body, self.token))
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        finally:
            self.pending = None
        if self.owner is None:
            self.owner = answering_worker(self.connection, self.service.worker_pids())
        return response.status, _json_or_none(raw)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None
        self.owner = None
