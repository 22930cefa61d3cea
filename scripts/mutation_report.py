"""Per-package counts of the last mutmut run (read from mutants/**/*.meta).

    .venv/bin/python scripts/mutation_report.py [--survivors]

Statuses are mutmut's (mutmut/stats.py): exit 1 or 3 killed, 0 survived, 36/24/-24/152/255
timeout, 5/33 no tests, None not checked. The score is (killed + timeout) / checked, where
checked excludes "not checked".
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}
STATUS.update({code: "timeout" for code in (36, 24, -24, 152, 255)})
STATUS.update({-11: "segfault", -9: "segfault", 37: "type check"})


def main() -> None:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    for meta in sorted(Path("mutants/src/mcbadge").glob("**/*.meta")):
        package = meta.relative_to("mutants/src/mcbadge").parts[0].removesuffix(".py.meta")
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            status = "not checked" if code is None else STATUS.get(code, "suspicious")
            counts[package][status] += 1
            if status in ("survived", "no tests", "suspicious"):
                survivors.append(name)
    print("package   mutants  killed  timeout  survived  no-tests  other  not-run  score")
    for package, c in sorted(counts.items()):
        total = sum(c.values())
        checked = total - c["not checked"]
        if not checked:
            continue
        dead = c["killed"] + c["timeout"]
        other = checked - dead - c["survived"] - c["no tests"]
        print(
            f"{package:<9} {total:>7} {c['killed']:>7} {c['timeout']:>8} {c['survived']:>9}"
            f" {c['no tests']:>9} {other:>6} {c['not checked']:>8} {100 * dead / checked:>5.1f}%"
        )
    if "--survivors" in sys.argv:
        print("\n".join(survivors))


if __name__ == "__main__":
    main()
