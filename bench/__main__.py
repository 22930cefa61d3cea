"""``python -m bench`` (``make bench``): run every ``bench/*.py`` module's ``run`` and print its
rows as one table per module, under a header with the date and the load average (figures on a
shared machine are only comparable at similar load). ``--quick`` uses small counts (a smoke
test). Module names as arguments run only those, e.g. ``python -m bench signing canon``.

Each module runs in a fresh interpreter (its rows come back as JSON): what one module leaves
in its process (the differential's 10,000 documents, warm caches, a large heap that forked
workers would inherit) must not speed up or slow down the next one."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
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


_ROWS = "mcbadge-bench-rows:"
_CHILD = """
import json, sys
from bench import {name} as module
rows = module.run(quick={quick})
sys.stdout.write("\\n{marker}" + json.dumps(rows, default=str) + "\\n")
"""


def _run_fresh(name: str, quick: bool) -> list[dict[str, Any]]:
    """``bench.<name>.run(quick)`` in a new interpreter; its rows."""
    code = _CHILD.format(name=name, quick=quick, marker=_ROWS)
    child = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    marked = [line for line in child.stdout.splitlines() if line.startswith(_ROWS)]
    if child.returncode != 0 or len(marked) != 1:
        raise RuntimeError(f"bench {name} failed (exit {child.returncode})")
    rows: list[dict[str, Any]] = json.loads(marked[0][len(_ROWS) :])
    return rows


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
        if not callable(getattr(importlib.import_module(f"bench.{name}"), "run", None)):
            continue
        rows = [{"bench": name, **row} for row in _run_fresh(name, quick)]
        if rows:
            ran += 1
            print()
            print(_table(rows), flush=True)
    if not ran:
        print("no benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
