"""Acceptance: concurrent issuer processes never share a status index or a credential id,
and racing on the same idempotency keys yields one credential per key."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from mcbadge.registry import Registry
from pg_fixture import pg_url_or_skip

WORKER = """
import sys
from mcbadge.registry import Registry
url, issuer, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
reg = Registry.open(url)
for n in range(count):
    reg.reserve(issuer, f"{prefix}{n}", purposes=("revocation", "suspension"),
                list_url_template="https://status.example/" + issuer[-8:] + "/{purpose}/{n}")
reg.close()
"""


def _run_workers(url: str, issuer: str, prefixes: list[str], count: int) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, issuer, prefix, str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for prefix in prefixes
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode(errors="replace")[-2000:]


def _check_distinct(url: str, issuer: str, expected: int) -> None:
    with Registry.open(url) as reg:
        records = reg.list_credentials(issuer)
        assert len(records) == expected
        assert len({r.credential_id for r in records}) == expected
        assert len({r.idempotency_key for r in records}) == expected
        for purpose in ("revocation", "suspension"):
            pairs = {(r.entries[purpose].list_id, r.entries[purpose].index) for r in records}
            assert len(pairs) == expected
        assert sum(lst.allocated for lst in reg.status_lists(issuer)) == 2 * expected


def _url(backend: str, tmp_path: Path) -> str:
    if backend == "postgres":
        return pg_url_or_skip()
    return f"sqlite:///{tmp_path / 'registry.db'}"


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_four_processes_500_reservations_each(backend: str, tmp_path: Path) -> None:
    url = _url(backend, tmp_path)
    issuer = f"did:web:conc.test:{uuid.uuid4().hex}"
    Registry.open(url).close()  # schema in place; concurrent opens are tested below
    _run_workers(url, issuer, [f"w{w}-" for w in range(4)], 500)
    _check_distinct(url, issuer, 2000)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_processes_racing_on_the_same_keys(backend: str, tmp_path: Path) -> None:
    url = _url(backend, tmp_path)  # fresh SQLite file: the two workers also race on migration
    issuer = f"did:web:race.test:{uuid.uuid4().hex}"
    _run_workers(url, issuer, ["same-", "same-"], 200)
    _check_distinct(url, issuer, 200)


def _open_at_the_barrier(barrier: Any, url: str, outcomes: Any) -> None:
    barrier.wait()
    try:
        Registry.open(url).close()
    except Exception as exc:
        outcomes.put(f"{type(exc).__name__}: {exc}")
    else:
        outcomes.put("opened")


def test_two_processes_opening_one_new_sqlite_registry_both_succeed(tmp_path: Path) -> None:
    # A new file is switched to WAL, which needs it to itself: SQLite answers "database is
    # locked" at once to the second process (no busy wait), so opening retries the switch.
    context = multiprocessing.get_context("fork")
    for trial in range(30):
        url = f"sqlite:///{tmp_path / f'new-{trial}.db'}"
        barrier, outcomes = context.Barrier(2), context.Queue()
        openers = [
            context.Process(target=_open_at_the_barrier, args=(barrier, url, outcomes))
            for _ in range(2)
        ]
        for opener in openers:
            opener.start()
        results = [outcomes.get(timeout=120) for _ in openers]
        for opener in openers:
            opener.join(timeout=120)
        assert results == ["opened", "opened"], (trial, results)
        with Registry.open(url) as registry:
            assert registry.schema_version() >= 1
