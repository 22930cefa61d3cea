"""``bench/cli_vs_js.py`` smoke test: quick mode gives one row per format with both sides'
times and every file's signature accepted by both stacks, or one ``skipped`` row when the
JavaScript stack is not installed. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
try:
    from bench import cli_vs_js, js_reference
finally:
    sys.path.remove(str(ROOT))


def test_without_the_js_stack_it_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(js_reference, "JS_DIR", tmp_path)
    monkeypatch.setattr(cli_vs_js, "unavailable", js_reference.unavailable)
    rows = cli_vs_js.run(quick=True)
    assert len(rows) == 1
    assert rows[0]["name"] == "skipped"
    assert "make bench-js" in rows[0]["reason"] or "node" in rows[0]["reason"]


@pytest.mark.skipif(js_reference.unavailable() is not None, reason="no JavaScript stack")
def test_quick_rows_verify_every_file_on_both_sides() -> None:
    rows = cli_vs_js.run(quick=True)
    assert [r["format"] for r in rows] == [label for label, _, _ in cli_vs_js.FORMATS]
    for row in rows:
        assert row["files"] == 10
        assert row["signature_ok"] == 10
        assert row["js_verified"] == 10
        assert row["mcbadge_s"] > 0
        assert row["js_s"] > 0
        assert row["x_reference"] > 0
        assert row["x_reference_cpu"] > 0
