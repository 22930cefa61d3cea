"""``python -m bench`` (``make bench``): run every ``bench/*.py`` module's ``run`` and print one
table. ``--quick`` uses small counts (a smoke test)."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_"))


def _table(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    rows: list[dict[str, Any]] = []
    for name in _modules():
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "run", None)
        if not callable(run):
            continue
        for row in run(quick=quick):
            rows.append({"bench": name, **row})
    print(
        f"mcbadge benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC{' (quick)' if quick else ''}"
    )
    print(_table(rows) if rows else "no benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
