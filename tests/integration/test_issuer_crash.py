"""A batch killed mid-way (the process dies, no cleanup) and run again issues nothing twice:
signed rows are re-emitted unchanged, reserved-but-unsigned rows are signed with the id and
index they were given, and no status index is shared."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mcbadge.issuer import Issuer, IssuerStore, RosterRow, SigningKey

ACHIEVEMENT = {
    "id": "https://provider.test/achievements/crash",
    "type": ["Achievement"],
    "name": "Crash Test",
    "description": "d",
    "criteria": {"narrative": "n"},
}
ROWS = 8
KILL_AFTER = 3


def _state(pid: str) -> str:
    """The process state letter from /proc (Z: exited, not yet reaped), or "" when gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


_CHILD = textwrap.dedent(
    """
    import json, multiprocessing, os, sys
    from mcbadge.issuer import Issuer, RosterRow, SigningKey
    db, key_path, jobs, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    achievement = json.loads(sys.argv[5])
    issuer = Issuer({"name": "P"}, SigningKey.load(key_path), registry=db,
                    status_base_url="https://status.test/s/")
    rows = [RosterRow(f"r{n}", f"t{n}@school.example", "a") for n in range(int(sys.argv[6]))]
    def progress(done, total):
        if done >= kill_after:
            # the workers, which write to the registry too, for the test to wait on
            pids = [str(child.pid) for child in multiprocessing.active_children()]
            print("workers", " ".join(pids), flush=True)
            os._exit(9)  # a crash: no cleanup, no more recording
    issuer.issue_batch(rows, catalog={"a": achievement}, jobs=jobs, progress=progress)
    """
)


@pytest.mark.parametrize("jobs", [1, 2])
def test_rerun_after_a_crash_re_emits_and_completes_without_duplicates(
    tmp_path: Path, jobs: int
) -> None:
    db = f"sqlite:///{tmp_path / 'registry.db'}"
    key_path = SigningKey.generate().save(tmp_path / "key.json")
    log = tmp_path / "child.log"
    with log.open("w") as output:
        # Output to a file, not a pipe: the test must not wait on the workers' inherited pipe.
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                _CHILD,
                db,
                str(key_path),
                str(jobs),
                str(KILL_AFTER),
                json.dumps(ACHIEVEMENT),
                str(ROWS),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        )
    assert child.returncode == 9, log.read_text()
    # Its workers die with it (the registry is only read once nothing writes to it).
    workers = [
        line.split()[1:] for line in log.read_text().splitlines() if line.startswith("workers")
    ]
    assert len(workers) == 1, log.read_text()
    assert len(workers[0]) == (2 if jobs == 2 else 0)
    for pid in workers[0]:
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and _state(pid) != "Z":
            assert time.monotonic() < deadline, f"worker {pid} outlived the crashed batch"
            time.sleep(0.01)

    with IssuerStore(db) as store:
        issuer = Issuer(
            {"name": "P"},
            SigningKey.load(key_path),
            registry=store,
            status_base_url="https://status.test/s/",
        )
        before = {record.idempotency_key: record for record in store.records(issuer.issuer_id)}
        signed_before = {key for key, record in before.items() if record.document is not None}
        assert len(signed_before) >= KILL_AFTER - 1  # at least what was recorded before dying
        rows = [RosterRow(f"r{n}", f"t{n}@school.example", "a") for n in range(ROWS)]
        result = issuer.issue_batch(rows, catalog={"a": ACHIEVEMENT}, jobs=jobs)
        assert result.failed == 0
        assert result.reemitted == len(signed_before)
        assert result.issued == ROWS - len(signed_before)
        for outcome in result.outcomes:
            issued = outcome.issued
            assert issued is not None
            earlier = before.get(outcome.row.row_id)
            if earlier is not None:  # reserved before the crash: same id and index
                assert issued.credential_id == earlier.credential_id
                assert dict(issued.status_indexes) == earlier.status_indexes
                if earlier.document is not None:
                    assert issued.document == earlier.document
        indexes = [o.issued.status_indexes["revocation"] for o in result.outcomes if o.issued]
        assert len(set(indexes)) == ROWS
        assert len(list(store.records(issuer.issuer_id))) == ROWS
