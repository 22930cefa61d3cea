"""Acceptance: a batch killed with SIGKILL at a random point and re-run issues every row
exactly once, and every revocation acknowledged before the kill is still there."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mcbadge.registry import Registry
from pg_fixture import pg_url_or_skip

ROWS = 30
BATCH = """
import hashlib, json, sys
from mcbadge.registry import Registry
url, rows, issuer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reg = Registry.open(url)
print("OPEN", flush=True)
for n in range(rows):
    r = reg.reserve(issuer, f"row-{n}", achievement_id="https://a.test/1",
                    recipient_hash=hashlib.sha256(f"t{n}@school.test".encode()).hexdigest(),
                    list_url_template="https://crash.test/" + issuer[-12:] + "/{purpose}/{n}")
    if r.document is None:  # not issued yet: "sign" (deterministic for this credential)
        doc = json.dumps({"id": r.credential_id, "index": r.entries["revocation"].index})
        reg.record_issued(r.credential_id, doc, "ldp_vc")
    print(f"ISSUED {n}", flush=True)
    if n % 3 == 0:
        reg.revoke(r.credential_id, f"batch revocation {n}")
        print(f"REVOKED {r.credential_id}", flush=True)  # the ack: only after revoke returned
reg.close()
print("DONE", flush=True)
"""


def _start(url: str, issuer: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", BATCH, url, str(ROWS), issuer],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


TRIALS = [("sqlite", n) for n in range(20)] + [
    pytest.param("postgres", n, marks=pytest.mark.postgres) for n in range(5)
]


@pytest.mark.parametrize(("backend", "trial"), TRIALS)
def test_sigkill_then_rerun_issues_exactly_once(backend: str, trial: int, tmp_path: Path) -> None:
    url = pg_url_or_skip() if backend == "postgres" else f"sqlite:///{tmp_path / 'registry.db'}"
    issuer = f"did:web:crash.test:{os.urandom(6).hex()}"
    rng = random.Random(int.from_bytes(os.urandom(8), "big"))
    total_lines = 1 + ROWS + len(range(0, ROWS, 3))
    kill_after = rng.randrange(0, total_lines)  # lines read before SIGKILL (0: during startup)
    acked: set[str] = set()
    child = _start(url, issuer)
    assert child.stdout is not None
    for _ in range(kill_after):
        line = child.stdout.readline()
        if not line:
            break
        if line.startswith("REVOKED "):
            acked.add(line.split()[1])
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    # Acks still in the pipe were also sent after their revoke returned: count them too.
    for line in child.stdout.read().splitlines():
        if line.startswith("REVOKED "):
            acked.add(line.split()[1])
    child.stdout.close()
    assert child.stderr is not None
    child.stderr.close()

    rerun = _start(url, issuer)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, f"kill after {kill_after} lines: {err[-2000:]}"
    assert out.rstrip().endswith("DONE")

    with Registry.open(url) as reg:
        records = reg.list_credentials(issuer)
        assert sorted(r.idempotency_key for r in records) == sorted(f"row-{n}" for n in range(ROWS))
        assert all(r.state == "issued" for r in records)
        for r in records:  # the stored document is the one signed for this reservation
            assert r.document is not None
            assert json.loads(r.document) == {
                "id": r.credential_id,
                "index": r.entries["revocation"].index,
            }
        pairs = {(r.entries["revocation"].list_id, r.entries["revocation"].index) for r in records}
        assert len(pairs) == ROWS
        revoked = {r.credential_id for r in reg.revocations(issuer)}
        assert acked <= revoked, f"kill after {kill_after} lines lost acknowledged revocations"
        assert len(revoked) == len(range(0, ROWS, 3))
