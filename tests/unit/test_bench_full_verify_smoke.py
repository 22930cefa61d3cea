"""``bench/full_verify.py`` smoke test: quick mode runs and gives the documented row shape
(figures are not asserted: tests never time things)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import full_verify


def test_quick_full_verify_rows() -> None:
    rows = full_verify.run(quick=True)
    assert {(row["format"], row["credential"]) for row in rows} >= {
        ("eddsa-rdfc-2022", "realistic"),
        ("jwt EdDSA", "realistic"),
        ("eddsa-rdfc-2022", "spec complete"),
        ("jwt EdDSA", "spec complete"),
    }
    for row in rows:
        assert set(row) == {
            "name",
            "format",
            "credential",
            "input",
            "per_second",
            "ms_each",
            "runs",
        }
        assert row["per_second"] > 0
    assert any("status list" in row["name"] for row in rows)
