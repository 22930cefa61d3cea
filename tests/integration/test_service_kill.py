"""Acceptance (issue #15): a SIGKILL of a worker during a burst of issue and revoke requests
loses no acknowledged credential or status change and hands out no status index twice.

Concurrent clients send ``POST /credentials/issue`` and, for every other credential, the
``POST /credentials/status`` that revokes it, to ``mcbadge serve`` on 127.0.0.1:

* PostgreSQL, ``--workers 2``: after a third of the burst the worker that holds most client
  connections is stopped (SIGSTOP, freezing whatever transaction it is in), requests are
  sent to it until at least one waits on it, and it is killed (SIGKILL). uvicorn's master
  starts a new worker; the clients keep sending.
* SQLite, one process: the same, then ``mcbadge serve`` is started again on the same file
  and port; the clients keep sending.

Then, through the library and the service: every acknowledged credential (201) is in the
registry with the document the client received; every acknowledged revocation (200) is in
the registry and in the hosted status list (GET); the hosted bit of every credential of the
issuer equals its registry state; no (list, index) is held by two credentials, in the
registry's ``status_entries`` or in the issued documents. A request that failed (connection
broken, 5xx) left either nothing or a consistent row: sent again, it completes, under the id
and index it was given before.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from tests.integration.serve_process import (
    KeepAliveClient,
    ServeProcess,
    running_service,
)
from tests.integration.test_service_workers import (
    hosted_bit,
    issue_request,
    issuer_with_token,
    revocation_entry,
    revoke_request,
)

from mcbadge.issuer.supplied import naming_key
from mcbadge.registry import Registry
from mcbadge.registry.core import status_entries_t, status_lists_t
from pg_fixture import pg_url_or_skip

pytestmark = pytest.mark.timeout(600)

CLIENTS = 6
CREDENTIALS = 48
KILL_AFTER = CREDENTIALS // 3  # acknowledged requests before the kill


@dataclass
class Outcome:
    kind: str  # "issue" | "revoke"
    n: int
    status: int | None  # None: the connection broke
    body: Any = None


@dataclass
class Burst:
    service: ServeProcess
    token: str
    issuer_id: str
    run: str
    outcomes: list[Outcome] = field(default_factory=list)
    acks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    clients: list[KeepAliveClient] = field(default_factory=list)
    #: cleared while the (single-process) service is down, so clients wait, not spin
    up: threading.Event = field(default_factory=threading.Event)
    kill_due: threading.Event = field(default_factory=threading.Event)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)
            if outcome.status in (200, 201):
                self.acks += 1
                if self.acks >= KILL_AFTER:
                    self.kill_due.set()

    def send(self, client: KeepAliveClient, kind: str, n: int, body: Any, path: str) -> Outcome:
        self.up.wait(120)
        try:
            status, answer = client.send("POST", path, body)
        except Exception:
            outcome = Outcome(kind, n, None)
        else:
            outcome = Outcome(kind, n, status, answer)
        self.record(outcome)
        return outcome

    def client_loop(self, index: int) -> None:
        client = self.clients[index]
        for n in range(index, CREDENTIALS, CLIENTS):
            issued = self.send(
                client,
                "issue",
                n,
                issue_request(self.issuer_id, n, self.run),
                "/credentials/issue",
            )
            if n % 2 == 0 and issued.status in (200, 201):
                credential_id = issued.body["verifiableCredential"]["id"]
                self.send(client, "revoke", n, revoke_request(credential_id), "/credentials/status")
        client.close()


def _stop_and_kill(burst: Burst) -> int:
    """SIGSTOP the worker holding most client connections, wait until a request is waiting
    on it, SIGKILL it; its pid."""
    owners = Counter(client.owner for client in burst.clients if client.owner is not None)
    assert owners, "no client connection was traced to a worker"
    target = owners.most_common(1)[0][0]
    os.kill(target, signal.SIGSTOP)
    deadline = time.monotonic() + 4  # uvicorn's master replaces a silent worker after 5 s
    while not any(client.pending == target for client in burst.clients):
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    waiting = sum(client.pending == target for client in burst.clients)
    os.kill(target, signal.SIGKILL)
    assert waiting >= 1, "no request was in flight on the killed worker"
    return target


def _credential_name(run: str, n: int) -> str:
    return f"urn:example:{run}:{n}"


def _registry_documents(registry: Registry, issuer_id: str) -> dict[str, Any]:
    """Registry record by the credential's own id (the name the client gave it)."""
    found = {}
    for record in registry.list_credentials(issuer_id):
        if record.document is not None:
            found[json.loads(record.document)["id"]] = record
        else:
            found[f"reserved:{record.credential_id}"] = record
    return found


def _duplicated_indexes(db: str, issuer_id: str) -> list[Any]:
    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            query = (
                sa.select(
                    status_entries_t.c.list_id, status_entries_t.c.status_index, sa.func.count()
                )
                .join(status_lists_t, status_lists_t.c.id == status_entries_t.c.list_id)
                .where(status_lists_t.c.issuer_id == issuer_id)
                .group_by(status_entries_t.c.list_id, status_entries_t.c.status_index)
                .having(sa.func.count() > 1)
            )
            return list(conn.execute(query))
    finally:
        engine.dispose()


def _burst_with_kill(tmp_path: Path, db: str, workers: int) -> None:
    key_file, issuer_id, issued = issuer_with_token(tmp_path, db, "kill-test")
    token = issued.value
    run = f"kill-{tmp_path.name}"
    service_cm = running_service(tmp_path, db=db, keys=[key_file], workers=workers)
    service = service_cm.__enter__()
    try:
        burst = Burst(service, token, issuer_id, run)
        burst.clients = [KeepAliveClient(service, token) for _ in range(CLIENTS)]
        burst.up.set()
        threads = [
            threading.Thread(target=burst.client_loop, args=(i,), daemon=True)
            for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        assert burst.kill_due.wait(300), "the burst never reached the kill point"
        if workers == 1:
            burst.up.clear()  # clients that fail now wait for the restart
        killed = _stop_and_kill(burst)
        if workers == 1:
            service.process.wait(30)
            service_cm.__exit__(None, None, None)
            service_cm = running_service(
                tmp_path, db=db, keys=[key_file], workers=1, port=service.port, name="restart"
            )
            restarted = service_cm.__enter__()
            for client in burst.clients:
                client.service = restarted
            burst.service = restarted
            burst.up.set()
        for thread in threads:
            thread.join(300)
            assert not thread.is_alive(), "a client never finished"
        service = burst.service
        if workers > 1:
            assert killed not in service.worker_pids()

        failed = [o for o in burst.outcomes if o.status is None or o.status >= 500]
        refused = [o for o in burst.outcomes if o.status is not None and 400 <= o.status < 500]
        assert not refused, [(o.kind, o.n, o.status, o.body) for o in refused]
        assert failed, "the kill broke no request"
        print(
            f"killed {killed}; {len(burst.outcomes)} requests, {burst.acks} acknowledged, "
            f"failed: {[(o.kind, o.n, o.status) for o in failed]}"
        )
        acked_issues = {
            o.n: o.body["verifiableCredential"]
            for o in burst.outcomes
            if o.kind == "issue" and o.status in (200, 201)
        }
        acked_revokes = {o.n for o in burst.outcomes if o.kind == "revoke" and o.status == 200}
        assert acked_issues
        assert acked_revokes

        with Registry.open(db) as registry:
            before_retry = _registry_documents(registry, issuer_id)
            # 1. every acknowledged credential is in the registry with its document
            for n, credential in acked_issues.items():
                record = before_retry[_credential_name(run, n)]
                assert record.state == "issued"
                assert json.loads(record.document) == credential
            # 2. every acknowledged revocation is in the registry
            for n in acked_revokes:
                assert before_retry[_credential_name(run, n)].revoked, n

            # 3. what failed is sent again and completes, under the id and index it had
            states: Counter[str] = Counter()
            for outcome in failed:
                name = _credential_name(run, outcome.n)
                earlier = before_retry.get(name)
                if outcome.kind == "issue":
                    row = registry.find_by_idempotency_key(issuer_id, naming_key(name))
                    states["issue: " + (row.state if row is not None else "nothing")] += 1
                    status, body, _ = service.request(
                        "POST",
                        "/credentials/issue",
                        issue_request(issuer_id, outcome.n, run),
                        token=token,
                    )
                    assert status in (200, 201), body
                    credential = body["verifiableCredential"]
                    if earlier is not None:  # it was issued before the kill: the same one
                        assert json.loads(earlier.document) == credential
                    if row is not None:  # reserved or issued: its id and index are kept
                        after_row = registry.find_by_idempotency_key(issuer_id, naming_key(name))
                        assert after_row is not None
                        assert after_row.credential_id == row.credential_id
                        assert after_row.entries == row.entries
                    acked_issues[outcome.n] = credential
                else:
                    status, body, _ = service.request(
                        "POST", "/credentials/status", revoke_request(name), token=token
                    )
                    assert status == 200, body
                    states["revoke: " + ("done" if earlier and earlier.revoked else "not")] += 1
                    acked_revokes.add(outcome.n)
            print(f"requests that failed, as the registry had them: {dict(states)}")
            # a failed issue whose revoke was never sent: revoke it now, as its client would
            for n in range(0, CREDENTIALS, 2):
                if n not in acked_revokes and n in acked_issues:
                    status, body, _ = service.request(
                        "POST",
                        "/credentials/status",
                        revoke_request(_credential_name(run, n)),
                        token=token,
                    )
                    assert status == 200, body
                    acked_revokes.add(n)
            after = _registry_documents(registry, issuer_id)

        assert set(acked_issues) == set(range(CREDENTIALS))
        # A row reserved and never signed (killed between reservation and signing) was
        # signed by the retry under its reservation: none is left over, and every name is
        # issued exactly once (a retry that reserved anew would leave the old row behind).
        issued = {
            name: record for name, record in after.items() if not name.startswith("reserved:")
        }
        assert set(issued) == {_credential_name(run, n) for n in range(CREDENTIALS)}
        assert not [name for name in after if name.startswith("reserved:")]

        # 4. the hosted list agrees with the registry for every credential of the issuer
        lists: dict[str, Any] = {}
        positions = []
        for name, record in issued.items():
            document = json.loads(record.document)
            list_url, index = revocation_entry(document)
            entry = record.entries["revocation"]
            assert (entry.list_url, entry.index) == (list_url, index)
            positions.append((list_url, index))
            if list_url not in lists:
                status, listed, _ = service.request("GET", urlsplit(list_url).path)
                assert status == 200, listed
                lists[list_url] = listed
            n = int(name.rsplit(":", 1)[1])
            assert record.revoked == (n in acked_revokes) == (n % 2 == 0), name
            assert hosted_bit(lists[list_url], index) is record.revoked, name
        # 5. no index handed out twice
        assert len(positions) == len(set(positions))
        assert _duplicated_indexes(db, issuer_id) == []
    finally:
        service_cm.__exit__(None, None, None)


def test_sigkill_of_a_worker_on_postgresql_loses_nothing(tmp_path: Path) -> None:
    _burst_with_kill(tmp_path, pg_url_or_skip(), workers=2)


def test_sigkill_of_the_single_process_on_sqlite_loses_nothing(tmp_path: Path) -> None:
    _burst_with_kill(tmp_path, f"sqlite:///{tmp_path / 'registry.db'}", workers=1)
