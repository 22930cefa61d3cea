"""``bench/presentations.py`` smoke test: quick mode runs and gives the documented row shape
(figures are not asserted: tests never time things)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import presentations


def test_quick_presentation_rows() -> None:
    rows = presentations.run(quick=True)
    assert [(row["name"], row["format"]) for row in rows] == [
        ("present (holder signs)", "eddsa-rdfc-2022"),
        ("verify_presentation", "eddsa-rdfc-2022"),
        ("present (holder signs)", "vp+jwt (VC-JWTs enveloped)"),
        ("verify_presentation", "vp+jwt (VC-JWTs enveloped)"),
        ("verify (one credential alone)", "eddsa-rdfc-2022"),
    ]
    for row in rows:
        assert set(row) == {
            "name",
            "format",
            "credentials",
            "per_second",
            "ms_each",
            "ms_per_credential",
            "runs",
        }
        assert row["per_second"] > 0
