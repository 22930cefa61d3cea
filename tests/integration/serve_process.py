"""``mcbadge serve`` as a subprocess, the way a person runs it: its printed lines are read
as they come (a reader thread per stream), and the test waits for a line, never for a time.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 120  # seconds: a loaded 2-core machine runs several test suites at once


class ServeProcess:
    """A running ``mcbadge serve`` (``command``: its argv, or a shell running it, in a
    session of its own so that a signal reaches the shell and the service alike): ``lines``
    of stdout so far, ``stderr`` after it ends."""

    def __init__(
        self, command: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None
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
        self.lines: list[str] = []
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()
        self._err_thread = threading.Thread(
            target=lambda: self._stderr.extend(self.process.stderr or ()), daemon=True
        )
        self._err_thread.start()

    def _pump(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._stdout.put(line.rstrip("\n"))
        self._stdout.put(None)

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

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Send ``sig`` and wait for the exit code; the rest of stdout lands in ``lines``."""
        self.signal(sig)
        code = self.process.wait(timeout)
        while (line := self._stdout.get(timeout=30)) is not None:
            self.lines.append(line)
        return code

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the process and everything it started."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    @property
    def stderr(self) -> str:
        if self.process.poll() is not None:
            self._err_thread.join(30)
        return "".join(self._stderr)


@contextmanager
def serving(
    args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None
) -> Iterator[ServeProcess]:
    """Start ``mcbadge serve args``; on the way out, SIGTERM it if it still runs."""
    served = ServeProcess([sys.executable, "-m", "mcbadge", "serve", *args], cwd=cwd, env=env)
    try:
        yield served
    finally:
        if served.process.poll() is None:
            served.signal(signal.SIGTERM)
            try:
                served.process.wait(60)
            except subprocess.TimeoutExpired:
                served.signal(signal.SIGKILL)
                served.process.wait(30)
