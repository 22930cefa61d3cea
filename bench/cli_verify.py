"""``mcbadge verify`` of many files in one run: seconds, credentials/s and peak memory.

``run(quick=False)`` writes 10,000 (quick: 50) copies of the realistic credential
(``bench/_fixtures.py``, eddsa-rdfc-2022, offline-verifiable did:key issuer) to a temporary
directory, runs ``mcbadge verify --offline --jobs 2 --format json`` on them as a subprocess with
its output going to a file, and samples ``/proc`` every 50 ms for the resident memory of the
CLI process and its workers. ``peak_rss_mb`` is the largest sum over the process tree seen;
``parent_peak_mb`` is the CLI process's own peak (``VmHWM``). It also times CLI start-up
(``mcbadge --help`` and ``mcbadge verify`` of one file): median, fastest and slowest wall time
of 10 runs after one warm-up, and the median CPU time (user + system; steadier than wall time
on a shared host). mcbadge's modules are byte-compiled first, as ``pip install`` does: an
editable install run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile every
module from source on each start (~0.13 s), which no installed copy does.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("mcbadge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mcbadge"]


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants (0 once gone)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * _PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _files(directory: Path, count: int) -> list[Path]:
    from bench._fixtures import realistic_credential
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign

    key = generate_key("ed25519")
    signed = sign(realistic_credential(key), key, format="eddsa-rdfc-2022")
    text = json.dumps(signed.document, indent=2)
    paths = []
    for n in range(count):
        path = directory / f"credential-{n:05d}.json"
        path.write_text(text)
        paths.append(path)
    return paths


def _compile_package() -> None:
    import compileall

    import mcbadge

    compileall.compile_dir(str(Path(mcbadge.__file__).parent), quiet=1)


def _startup(args: list[str]) -> dict[str, float]:
    wall: list[float] = []
    cpu: list[float] = []
    for attempt in range(11):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if attempt:  # the first run only warms the page cache
            wall.append(elapsed)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {
        "seconds": round(statistics.median(wall), 3),
        "fastest": round(min(wall), 3),
        "slowest": round(max(wall), 3),
        "cpu_seconds": round(statistics.median(cpu), 3),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 50 if quick else 10_000
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-") as temp:
        directory = Path(temp)
        paths = _files(directory, count)
        _compile_package()
        for name, args in (
            ("mcbadge --help", [*_cli(), "--help"]),
            ("mcbadge verify one.json", [*_cli(), "verify", "--offline", str(paths[0])]),
        ):
            load = os.getloadavg()[0]
            rows.append({"name": name, **_startup(args), "load": round(load, 2)})
        load = os.getloadavg()[0]
        out = directory / "report.jsonl"
        args = [*_cli(), "verify", "--offline", "--jobs", "2", "--format", "json"]
        with out.open("wb") as sink:
            started = time.perf_counter()
            child = subprocess.Popen(
                [*args, *map(str, paths)], stdout=sink, stderr=subprocess.DEVNULL
            )
            peak = parent = 0
            while child.poll() is None:
                peak = max(peak, _tree_rss(child.pid))
                parent = max(parent, _hwm(child.pid))
                time.sleep(0.05)
            seconds = time.perf_counter() - started
        lines = out.read_bytes().count(b"\n")
        if lines != count:
            raise RuntimeError(f"mcbadge verify reported {lines} of {count} files")
        rows.append(
            {
                "name": f"mcbadge verify --jobs 2 ({count} files)",
                "seconds": round(seconds, 2),
                "per_second": round(count / seconds, 1),
                "peak_rss_mb": round(peak / 2**20, 1),
                "parent_peak_mb": round(parent / 2**20, 1),
                "exit": child.returncode,
                "load": round(load, 2),
            }
        )
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
