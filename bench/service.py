"""``mcbadge serve`` on loopback: what the HTTP service costs per credential, and how it scales
to two workers (issue #15, item 6). A bounded load test: fixed request counts, never open-ended.

``run(quick=False)`` starts ``mcbadge serve`` as a subprocess on 127.0.0.1 with 1 and then 2
workers (each run on a fresh registry: a temporary SQLite file, or the PostgreSQL database
named by ``MCBADGE_BENCH_DB``, e.g. ``postgresql+psycopg://mcbadge@127.0.0.1:5432/bench``)
and measures, with keep-alive HTTP/1.1 clients in threads of this process:

* ``verify``: ``POST /credentials/verify`` of the realistic credential (``bench/_fixtures.py``,
  eddsa-rdfc-2022, without its status entry so that nothing is fetched), one client and then
  4 concurrent clients; against ``mcbadge.verify()`` of the same JSON bytes in this process
  (offline, as the service verifies),
  measured in the same rounds (interleaved, median of the rounds). ``overhead_pct`` is the
  service's extra time per credential for one client: ``service ms / verify() ms - 1``
  (goal: at most 30 %). On a shared machine wall time depends on the load (two processes get
  two shares of the CPUs), so ``cpu_ms_each`` and ``cpu_overhead_pct`` also give CPU time:
  the service's processes per request (every thread, from ``/proc``) against ``verify()``'s
  thread in this process.
* ``issue``: ``POST /credentials/issue`` of the realistic credential (its id and status entry
  removed: each request is a new credential) from 4 concurrent clients, then a check through
  the registry that no (list, index) is held twice (``duplicates`` must be 0).
* ``verify, own status list``: ``POST /credentials/verify`` of a credential the service just
  issued (with its revocation entry, answered from the instance's own list), one client.
* ``status list GET``: ``GET`` of the issuer's revocation list (a signed
  BitstringStatusListCredential) from 4 concurrent clients.

Rows: ``{"name", "db", "workers", "clients", "requests", "per_second", "ms_each", "rounds"}``
plus ``cpu_ms_each`` (verify, one client, and ``verify()``), ``overhead_pct`` and
``cpu_overhead_pct`` (verify, one client), ``duplicates`` (issue). The client threads share
the machine's CPUs with the service: on a 2-core host the figures with 4 clients include the
clients' own work.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench._fixtures import realistic_credential

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 4
START_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Client:
    """One keep-alive connection; ``call`` returns (status, body bytes)."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


class _Service:
    """``mcbadge serve`` in a subprocess, stopped with SIGTERM."""

    def __init__(self, db: str, key_file: Path, workers: int, log: Path) -> None:
        self.port = _free_port()
        self.workers = workers
        command = [sys.executable, "-m", "mcbadge", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--db", db, "--workers", str(workers)]
        command += ["--key", str(key_file)]
        # a load test from one address: the per-client rate limit would refuse it
        config = log.with_suffix(".toml")
        config.write_text("[limits]\nrequests_per_minute = 100000000\n")
        command += ["--config", str(config)]
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mcbadge serve did not start:\n{log.read_text()}")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            client = _Client(self.port)
            try:
                return client.call("GET", "/healthz")[0] == 200
            finally:
                client.close()
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _concurrent(
    port: int,
    token: str | None,
    clients: int,
    per_client: int,
    request: Callable[[int, int], tuple[str, str, bytes | None]],
    expect: int,
) -> tuple[float, list[bytes]]:
    """``clients`` threads, each with its own connection, each sending ``per_client``
    requests (``request(client, n)`` -> method, path, body); requests per second over the
    time from the first start to the last end, and the bodies."""
    connections = [_Client(port, token) for _ in range(clients)]
    bodies: list[list[bytes]] = [[] for _ in range(clients)]
    errors: list[str] = []
    start = threading.Barrier(clients + 1)

    def work(index: int) -> None:
        start.wait()
        for n in range(per_client):
            method, path, body = request(index, n)
            status, answer = connections[index].call(method, path, body)
            if status != expect:
                errors.append(f"{method} {path}: {status} {answer[:300]!r}")
                return
            bodies[index].append(answer)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for connection in connections:
        connection.close()
    if errors:
        raise RuntimeError(f"bench service: {errors[0]}")
    return clients * per_client / elapsed, [b for chunk in bodies for b in chunk]


def _tasks(root: int) -> list[tuple[int, int]]:
    """(process, thread) ids of process ``root`` and its children (Linux ``/proc``)."""
    pids = [root]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(entry))
    found = []
    for pid in pids:
        try:
            found += [(pid, int(task)) for task in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
    return found


def _cpu_seconds(root: int) -> float:
    """CPU time used so far by process ``root`` and its children, every thread (Linux
    ``/proc/<pid>/task/<tid>/schedstat``, nanoseconds): the service's own work, whatever
    else runs on the machine."""
    total = 0
    for pid, task in _tasks(root):
        try:
            total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


class _Pinning:
    """Where the per-credential comparison runs on a machine of two CPUs or more: the
    service's threads and this thread's ``verify()`` on one CPU, this thread's HTTP client
    on another, so that both sides of the ratio are measured on the same core (two cores of
    a shared host can differ by more than the effect measured). Does nothing where threads
    cannot be pinned."""

    def __init__(self, service_root: int) -> None:
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.active = len(cpus) >= 2
        self.root = service_root
        self.everywhere = set(cpus)
        self.measured, self.client = {cpus[-1]} if cpus else set(), set(cpus[:-1])

    def _set(self, tid: int, cpus: set[int]) -> None:
        if self.active:
            with contextlib.suppress(OSError):  # a thread that has ended
                os.sched_setaffinity(tid, cpus)

    def service_on_measured(self) -> None:
        for _, tid in _tasks(self.root):
            self._set(tid, self.measured)

    def this_thread_on(self, which: str) -> None:
        self._set(0, self.measured if which == "measured" else self.client)

    def release(self) -> None:
        for _, tid in _tasks(self.root):
            self._set(tid, self.everywhere)
        self._set(0, self.everywhere)


def _row(
    name: str, db: str, workers: int, clients: int, requests: int, rate: float, rounds: int
) -> dict[str, Any]:
    return {
        "name": name,
        "db": db,
        "workers": workers,
        "clients": clients,
        "requests": requests,
        "per_second": round(rate, 1),
        "ms_each": round(1000 / rate, 3),
        "rounds": rounds,
    }


def _duplicates(db: str, issuer_id: str) -> int:
    import sqlalchemy as sa

    from mcbadge.registry.core import status_entries_t, status_lists_t

    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            pairs = (
                sa.select(status_entries_t.c.list_id, status_entries_t.c.status_index)
                .join(status_lists_t, status_lists_t.c.id == status_entries_t.c.list_id)
                .where(status_lists_t.c.issuer_id == issuer_id)
                .group_by(status_entries_t.c.list_id, status_entries_t.c.status_index)
                .having(sa.func.count() > 1)
            )
            return len(list(conn.execute(pairs)))
    finally:
        engine.dispose()


def _one_service(
    workers: int, quick: bool, temp: Path, verify_body: bytes, document: bytes
) -> list[dict[str, Any]]:
    from mcbadge import verify
    from mcbadge.keys import generate_key, save_key
    from mcbadge.registry import Registry
    from mcbadge.registry.access import AccessTokenStore
    from mcbadge.verify import VerificationPolicy

    given = os.environ.get("MCBADGE_BENCH_DB")
    db = given or f"sqlite:///{temp / f'service-{workers}.db'}"
    db_name = "postgresql" if db.startswith("postgresql") else "sqlite"
    key = generate_key("ed25519")
    key_file = temp / f"issuer-{workers}.json"
    save_key(key, key_file)
    unsigned = realistic_credential(key)
    issuer_id = unsigned["issuer"]["id"]
    for part in ("id", "credentialStatus"):
        unsigned.pop(part)
    issue_body = json.dumps(
        {
            "credential": unsigned,
            "options": {
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                }
            },
        }
    ).encode()
    with Registry.open(db) as registry:
        token = AccessTokenStore(registry).issue("bench", issuer_ids=[issuer_id]).value

    rounds = 1 if quick else 7
    sequential = 3 if quick else 600
    per_client = 2 if quick else 40
    issue_per_client = 2 if quick else 40
    get_per_client = 3 if quick else 150
    policy = VerificationPolicy(offline=True)  # the service verifies offline too
    rows: list[dict[str, Any]] = []
    service = _Service(db, key_file, workers, temp / f"serve-{workers}.log")
    try:
        verify_request = ("POST", "/credentials/verify", verify_body)
        # warm the workers (contexts, schemas, keys): several rounds of fresh connections,
        # which the kernel hands to whichever worker accepts first
        for _ in range(2 if quick else 8):
            _concurrent(service.port, None, CLIENTS, 3, lambda c, n: verify_request, 200)
        local, local_cpu, remote, remote_cpu, remote_many = [], [], [], [], []
        overheads: list[float] = []
        client = _Client(service.port)
        pinning = _Pinning(service.process.pid)
        for _ in range(rounds):
            try:
                pinning.service_on_measured()
                pinning.this_thread_on("measured")
                cpu, started = time.thread_time(), time.perf_counter()
                for _ in range(sequential):
                    verify(document, policy)
                local.append(sequential / (time.perf_counter() - started))
                local_cpu.append((time.thread_time() - cpu) / sequential)
                # one client on one connection, this thread; the service's CPU time from /proc
                pinning.this_thread_on("client")
                served, started = _cpu_seconds(service.process.pid), time.perf_counter()
                for _ in range(sequential):
                    status, answer = client.call(*verify_request)
                    if status != 200:
                        raise RuntimeError(
                            f"bench service: verify answered {status} {answer[:300]!r}"
                        )
                remote.append(sequential / (time.perf_counter() - started))
                remote_cpu.append((_cpu_seconds(service.process.pid) - served) / sequential)
                overheads.append(remote_cpu[-1] / local_cpu[-1] - 1)
            finally:
                pinning.release()
            rate, _ = _concurrent(
                service.port, None, CLIENTS, per_client, lambda c, n: verify_request, 200
            )
            remote_many.append(rate)
        client.close()
        in_process, one = statistics.median(local), statistics.median(remote)
        in_process_cpu, one_cpu = statistics.median(local_cpu), statistics.median(remote_cpu)
        row = _row("verify() in process", "-", 0, 1, sequential, in_process, rounds)
        row["cpu_ms_each"] = round(in_process_cpu * 1000, 3)
        rows.append(row)
        row = _row("POST /credentials/verify", db_name, workers, 1, sequential, one, rounds)
        row["cpu_ms_each"] = round(one_cpu * 1000, 3)
        row["overhead_pct"] = round((in_process / one - 1) * 100, 1)
        # each round's own ratio (its two halves a second apart), the median of the rounds
        row["cpu_overhead_pct"] = round(statistics.median(overheads) * 100, 1)
        rows.append(row)
        rows.append(
            _row(
                "POST /credentials/verify",
                db_name,
                workers,
                CLIENTS,
                CLIENTS * per_client,
                statistics.median(remote_many),
                rounds,
            )
        )

        rate, bodies = _concurrent(
            service.port,
            token,
            CLIENTS,
            issue_per_client,
            lambda c, n: ("POST", "/credentials/issue", issue_body),
            201,
        )
        row = _row("POST /credentials/issue", db_name, workers, CLIENTS, len(bodies), rate, 1)
        duplicates = _duplicates(db, issuer_id)
        positions = set()
        for body in bodies:
            status = json.loads(body)["verifiableCredential"]["credentialStatus"]
            positions.add((status["statusListCredential"], status["statusListIndex"]))
        row["duplicates"] = duplicates + (len(bodies) - len(positions))
        rows.append(row)

        # a credential the service issued, with its status entry: the verify route answers
        # the status from this instance's own list (from the registry, no HTTP)
        own = json.dumps({"verifiableCredential": json.loads(bodies[0])["verifiableCredential"]})
        own_request = ("POST", "/credentials/verify", own.encode())
        _concurrent(service.port, None, 1, 2, lambda c, n: own_request, 200)
        rate, _ = _concurrent(service.port, None, 1, sequential, lambda c, n: own_request, 200)
        rows.append(
            _row(
                "POST /credentials/verify, own status list",
                db_name,
                workers,
                1,
                sequential,
                rate,
                1,
            )
        )

        list_path = urlsplit(next(iter(positions))[0]).path
        gets = []
        for _ in range(rounds):
            rate, _ = _concurrent(
                service.port,
                None,
                CLIENTS,
                get_per_client,
                lambda c, n: ("GET", list_path, None),
                200,
            )
            gets.append(rate)
        rows.append(
            _row(
                "GET status list",
                db_name,
                workers,
                CLIENTS,
                CLIENTS * get_per_client,
                statistics.median(gets),
                rounds,
            )
        )
    finally:
        service.stop()
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    from mcbadge import verify
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign
    from mcbadge.verify import VerificationPolicy

    key = generate_key("ed25519")
    credential = realistic_credential(key)
    credential.pop("credentialStatus")
    signed = sign(credential, key, format="eddsa-rdfc-2022").document
    document = json.dumps(signed).encode()
    result = verify(document, VerificationPolicy(offline=True))
    if not result.verified:
        raise RuntimeError(f"bench service: the credential does not verify: {result.failed_checks}")
    verify_body = json.dumps({"verifiableCredential": signed}).encode()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-service-") as temp:
        for workers in (1, 2):
            rows += _one_service(workers, quick, Path(temp), verify_body, document)
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
