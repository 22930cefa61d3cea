"""Smoke tests for bench/issuance.py and bench/cli_verify.py in quick mode: they run and give
the documented row shape (no timing is asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
try:
    from bench import cli_verify, issuance
finally:
    sys.path.remove(str(ROOT))


def test_quick_issuance_rows() -> None:
    rows = issuance.run(quick=True)
    assert [r["name"] for r in rows] == [
        f"issue_batch[{fmt}, {case}]"
        for fmt in issuance.FORMATS
        for case in ("jobs=1", "jobs=2", "two processes")
    ]
    for row in rows:
        # the two-process ceiling issues one roster in each process
        assert row["credentials"] == (40 if row["name"].endswith("processes]") else 20)
        assert row["rounds"] == 1
        assert row["min"] <= row["per_second"] <= row["max"]
        assert row["per_second"] > 0
        assert "speedup" in row
        assert "load" in row


def test_quick_cli_verify_rows() -> None:
    rows = cli_verify.run(quick=True)
    assert [r["name"] for r in rows][:2] == ["mcbadge --help", "mcbadge verify one.json"]
    for startup in rows[:2]:
        assert startup["fastest"] <= startup["seconds"] <= startup["slowest"]
        assert startup["cpu_seconds"] > 0
    many = rows[2]
    assert many["name"] == "mcbadge verify --jobs 2 (50 files)"
    assert many["peak_rss_mb"] >= many["parent_peak_mb"] > 0
    # offline: the status list is not fetched, so the worst outcome is indeterminate (2)
    assert many["exit"] == 2
