"""The whole ``mcbadge verify`` of a folder next to the JavaScript reference verifying the same
files in one Node process (issue #16's first goal: at least 2x the reference, every format).

For each format (eddsa-rdfc-2022 with Ed25519, ecdsa-rdfc-2019 with P-256, VC-JWT EdDSA) it
writes ``count`` files (300; quick: 10) of the realistic credential (``bench/_fixtures.py``),
each with its own ``id``, signed by the fixed test keys of ``bench/js_reference.py``. Then, in
interleaved rounds (5; quick: 1), it runs as subprocesses, with their output going to a file:

* ``mcbadge verify --offline --jobs 1 --format json FILE...`` (start-up, reading, every check,
  the JSON report of each file);
* ``node bench/js/bench.mjs --folder DIR FORMAT OUT`` (start-up, loading the stack, reading and
  ``vc.verifyCredential`` / jose ``jwtVerify`` of each file: the signature, key resolution
  and binding; no schema, no data-model checks, no report).

Rows ``{"name", "format", "files", "mcbadge_s", "js_s", "x_reference", "mcbadge_cpu_s",
"js_cpu_s", "x_reference_cpu", "js_in_process_s", "signature_ok", "js_verified", "rounds",
"load"}``: median wall seconds of each side, ``x_reference`` = js_s / mcbadge_s (>= 2 meets
the goal), and the same for CPU seconds (user + system, every thread): on a shared host the
scheduler favours the Node process, which sleeps often (its I/O threads), over mcbadge's single
busy thread, so under load the wall-time ratio understates mcbadge and the CPU ratio is the
steadier one. ``signature_ok`` counts mcbadge
reports whose signature check passed (offline, the status list is not fetched: the exit status
is 2, indeterminate). mcbadge's modules are byte-compiled first, as ``pip install`` leaves
them (``bench/cli_verify.py`` does the same). When node or ``bench/js/node_modules`` is
missing it returns one ``skipped`` row with the reason (``make bench-js`` installs the stack).
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

from bench.cli_verify import _compile_package
from bench.js_reference import JS_DIR, SCRIPT, fixed_keys, unavailable

FORMATS = (
    ("eddsa-rdfc-2022", "eddsa-rdfc-2022", "ed25519"),
    ("ecdsa-rdfc-2019", "ecdsa-rdfc-2019", "p256"),
    ("jwt EdDSA", "jwt", "ed25519"),
)
TIMEOUT = 1800


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("mcbadge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mcbadge"]


def _write(directory: Path, fmt: str, key: Any, count: int) -> list[Path]:
    from bench._fixtures import realistic_credential
    from mcbadge.proofs import sign

    directory.mkdir()
    paths = []
    base = realistic_credential(key)
    for n in range(count):
        credential = dict(base, id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}")
        signed = sign(credential, key, format=fmt)  # type: ignore[arg-type]
        if fmt == "jwt":
            path = directory / f"credential-{n:05d}.jwt"
            path.write_text(f"{signed.jwt}\n", "utf-8")
        else:
            path = directory / f"credential-{n:05d}.json"
            path.write_text(json.dumps(signed.document, indent=2), "utf-8")
        paths.append(path)
    return paths


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(args: list[str], out: Path, cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process and its threads)."""
    cpu = _cpu()
    started = time.perf_counter()
    with out.open("wb") as sink:
        done = subprocess.run(
            args, cwd=cwd, stdout=sink, stderr=subprocess.PIPE, timeout=TIMEOUT, check=False
        )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1, 2):
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr[-2000:]!r}")
    return seconds, _cpu() - cpu


def run(quick: bool = False) -> list[dict[str, Any]]:
    reason = unavailable()
    if reason is not None:
        return [{"name": "skipped", "reason": reason}]
    count, rounds = (10, 1) if quick else (300, 5)
    keys = fixed_keys()
    root = Path(__file__).resolve().parents[1]
    rows = []
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-folder-") as temp:
        work = Path(temp)
        folders = {
            label: (work / f"f{i}", _write(work / f"f{i}", fmt, keys[kind], count))
            for i, (label, fmt, kind) in enumerate(FORMATS)
        }
        # as `pip install` leaves them: with PYTHONDONTWRITEBYTECODE set (as on this host) an
        # editable install would compile every mcbadge module from source on each run
        _compile_package()
        ours: dict[str, list[tuple[float, float]]] = {label: [] for label in folders}
        theirs: dict[str, list[tuple[float, float]]] = {label: [] for label in folders}
        inside: dict[str, list[float]] = {label: [] for label in folders}
        js_verified: dict[str, int] = {}
        signature_ok: dict[str, int] = {}
        for _ in range(rounds):
            for label, (folder, paths) in folders.items():
                report = work / "mcbadge.jsonl"
                args = [*_cli(), "verify", "--offline", "--jobs", "1", "--format", "json"]
                ours[label].append(_timed([*args, *map(str, paths)], report, root))
                lines = [json.loads(x) for x in report.read_text("utf-8").splitlines() if x]
                signature_ok[label] = sum(
                    1
                    for line in lines
                    for check in line["checks"]
                    if check["id"] == "signature" and check["status"] == "passed"
                )
                out = work / "js.json"
                node = ["node", str(SCRIPT), "--folder", str(folder), label, str(out)]
                theirs[label].append(_timed(node, work / "js.out", JS_DIR))
                js = json.loads(out.read_text("utf-8"))
                inside[label].append(js["seconds"])
                js_verified[label] = js["verified"]
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        for label, (_, paths) in folders.items():
            mine = statistics.median(wall for wall, _ in ours[label])
            js_s = statistics.median(wall for wall, _ in theirs[label])
            mine_cpu = statistics.median(cpu for _, cpu in ours[label])
            js_cpu = statistics.median(cpu for _, cpu in theirs[label])
            rows.append(
                {
                    "name": "verify a folder",
                    "format": label,
                    "files": len(paths),
                    "mcbadge_s": round(mine, 3),
                    "js_s": round(js_s, 3),
                    "x_reference": round(js_s / mine, 2),
                    "mcbadge_cpu_s": round(mine_cpu, 3),
                    "js_cpu_s": round(js_cpu, 3),
                    "x_reference_cpu": round(js_cpu / mine_cpu, 2),
                    "js_in_process_s": round(statistics.median(inside[label]), 3),
                    "signature_ok": signature_ok[label],
                    "js_verified": js_verified[label],
                    "rounds": rounds,
                    "load": load,
                }
            )
    return rows


if __name__ == "__main__":
    from bench.__main__ import _table

    print(_table(run()))
