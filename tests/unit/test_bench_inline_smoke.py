"""``bench/inline.py`` smoke test: quick mode gives the slowest hostile body under the default
inline bound, refused, its body within the bound. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
try:
    from bench import inline
finally:
    sys.path.remove(str(ROOT))


def test_quick_mode_gives_the_slowest_refused_body_within_the_bound() -> None:
    rows = inline.run(quick=True)
    assert [row["bound_bytes"] for row in rows] == [8192]
    row = rows[0]
    assert row["verified"] is False
    assert 5000 < row["body_bytes"] <= 8192
    assert row["payload"] in {"undefined array", "undefined deep in subject"}
    assert row["cpu_ms"] > 0
