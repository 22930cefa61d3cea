"""``bench/service.py`` smoke test: quick mode starts ``mcbadge serve`` with 1 and 2 workers,
runs every measurement with tiny counts and gives the documented rows, with no duplicate
status index (figures are not asserted: tests never time things)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import service

pytestmark = pytest.mark.timeout(600)


def test_quick_service_bench_rows() -> None:
    rows = service.run(quick=True)
    names = [(row["name"], row["workers"], row["clients"]) for row in rows]
    for workers in (1, 2):
        assert ("POST /credentials/verify", workers, 1) in names
        assert ("POST /credentials/verify", workers, service.CLIENTS) in names
        assert ("POST /credentials/issue", workers, service.CLIENTS) in names
        assert ("GET status list", workers, service.CLIENTS) in names
    assert names.count(("verify() in process", 0, 1)) == 2
    for row in rows:
        assert row["per_second"] > 0
        if row["name"] == "POST /credentials/issue":
            assert row["duplicates"] == 0
            assert row["requests"] == service.CLIENTS * 2
        if row["name"] == "POST /credentials/verify" and row["clients"] == 1:
            assert isinstance(row["overhead_pct"], float)
            assert row["cpu_ms_each"] > 0
