"""``python -m bench --quick`` smoke test: the verification bench runs with tiny counts and
prints one table (no timing is asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_quick_verification_bench_prints_one_table(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.__main__ import main
    finally:
        sys.path.remove(str(ROOT))
    assert main(["--quick", "verification"]) == 0
    out = capsys.readouterr().out
    assert "(quick)" in out
    lines = [line for line in out.splitlines() if line.startswith("verification")]
    # per format: jobs=1, jobs=2 and the two-independent-processes ceiling
    assert len(lines) == 6
    assert sum("eddsa-rdfc-2022" in line for line in lines) == 3
    assert sum("jwt EdDSA" in line for line in lines) == 3
    assert sum("ceiling: 2 independent processes" in line for line in lines) == 2
