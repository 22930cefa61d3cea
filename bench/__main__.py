"""``python -m bench`` (``make bench``): run every ``bench/*.py`` module's ``run`` and print its
rows as one table per module, under a header with the date and the load average (figures on a
shared machine are only comparable at similar load). ``--quick`` uses small counts (a smoke
test). Module names as arguments run only those, e.g. ``python -m bench signing canon``."""

from __future__ import annotations

import importlib
import os
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
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"mcbadge benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load}"
        f"{' (quick)' if quick else ''}",
        flush=True,
    )
    ran = 0
    for name in _modules():
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "run", None)
        if not callable(run):
            continue
        rows = [{"bench": name, **row} for row in run(quick=quick)]
        if rows:
            ran += 1
            print()
            print(_table(rows), flush=True)
    if not ran:
        print("no benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
