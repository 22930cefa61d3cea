"""Hostile inputs under the 8 MiB input cap: seconds to a verdict and peak memory of each.

``documents()`` builds every hostile input as the bytes a verifier would be handed (JSON or a
compact JWS): the realistic credential (``bench/_fixtures.py``) signed eddsa-rdfc-2022,
ecdsa-rdfc-2019 and as a VC-JWT by a fresh did:key, then given a large payload of one kind:

* an undefined term holding a large object, a large array (of strings, of small objects, of
  deeply nested objects), one very long string, or hundreds of thousands of small undefined
  keys, or an undefined term deep in the credential after large defined data;
* huge numbers of items under DEFINED terms: ``tag`` strings, ``evidence`` and ``alignment``
  objects, an ``@json`` value (``_sd``), value objects with a language (``{"@value",
  "@language"}``, which the fast JSON-LD path hands to pyld), and a language map in an
  inline context.

Data Integrity documents come "wrongsig" (the payload added after signing) and, where the
payload is defined, "self" (signed with the payload by its fresh did:key, so the signature is
good) when the signer accepts it (the signer has the verifier's JSON-LD budget: after the
fix, a document over it cannot be signed either); every VC-JWT is self-signed (a JWS signs
bytes, whatever they hold) and its payload scaled down to fit the 2,000,000-character limit
on a VC-JWT.

``run(quick=False)`` verifies each one offline in a fresh interpreter
(``python -m mcbadge verify --offline --format json``) and reports the wall and CPU seconds
(CPU time, user + system, is steadier on a shared host; both include interpreter start), the peak
RSS of that process (``ru_maxrss`` of the child), the verdict and the first failed check's
code, against the 2 s budget. ``quick`` keeps a few rows.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUDGET_SECONDS = 2.0
_TARGET = 7 * 1024 * 1024  # bytes of payload: every document stays under the 8 MiB cap


def _nest(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


Mutation = Callable[[dict[str, Any], float], None]


def _top(key: str, value: Callable[[float], Any]) -> Mutation:
    def mutate(document: dict[str, Any], scale: float) -> None:
        document[key] = value(scale)

    return mutate


def _in_achievement(key: str, value: Callable[[float], Any]) -> Mutation:
    def mutate(document: dict[str, Any], scale: float) -> None:
        document["credentialSubject"]["achievement"][key] = value(scale)

    return mutate


def _many_keys(document: dict[str, Any], scale: float) -> None:
    document.update({f"u{i}": i for i in range(int(400_000 * scale))})


def _language_map(document: dict[str, Any], scale: float) -> None:
    document["@context"] = [
        *document["@context"],
        {"names": {"@id": "https://schema.org/name", "@container": "@language"}},
    ]
    document["names"] = {f"x-l{i}": f"n{i}" for i in range(int(250_000 * scale))}


def _n(count: int, scale: float) -> range:
    return range(int(count * scale))


# name -> (payload defined by the contexts, mutation(document, scale)); at scale 1 each
# document is 6-8 MB of JSON (under the 8 MiB cap)
PAYLOADS: dict[str, tuple[bool, Mutation]] = {
    "undefined object": (
        False,
        _top("junk", lambda s: {f"k{i}": f"value number {i}" for i in _n(230_000, s)}),
    ),
    "undefined array": (False, _top("junk", lambda s: [f"item {i}" for i in _n(550_000, s)])),
    "undefined array of objects": (
        False,
        _top("junk", lambda s: [{"a": i, "b": "x"} for i in _n(250_000, s)]),
    ),
    "undefined nested": (False, _top("junk", lambda s: [_nest(60) for _ in _n(18_000, s)])),
    "undefined keys": (False, _many_keys),
    "undefined long string": (False, _top("junk", lambda s: "x" * int(_TARGET * s))),
    "undefined deep in subject": (
        False,
        _in_achievement("zzz", lambda s: [{"a": i} for i in _n(250_000, s)]),
    ),
    "defined tags": (True, _in_achievement("tag", lambda s: [f"t{i}" for i in _n(600_000, s)])),
    "defined evidence": (
        True,
        _top(
            "evidence",
            lambda s: [
                {"id": f"https://e.example/{i}", "type": ["Evidence"], "name": "n"}
                for i in _n(100_000, s)
            ],
        ),
    ),
    "defined alignment": (
        True,
        _in_achievement(
            "alignment",
            lambda s: [
                {
                    "type": ["Alignment"],
                    "targetName": "n",
                    "targetUrl": f"https://a.example/{i}",
                    "targetType": "CFItem",
                }
                for i in _n(70_000, s)
            ],
        ),
    ),
    "defined @json": (True, _top("_sd", lambda s: [{"k": i, "v": "x"} for i in _n(300_000, s)])),
    "defined value objects": (
        True,
        _in_achievement(
            "tag", lambda s: [{"@value": f"t{i}", "@language": "en"} for i in _n(150_000, s)]
        ),
    ),
    "language map (inline context)": (True, _language_map),
}
# payloads the fast JSON-LD path cannot take: signing them would take the slow path
_SLOW_TO_SIGN = frozenset({"defined value objects", "language map (inline context)"})
# a VC-JWT is refused above 2,000,000 characters: its payloads are scaled down to fit
JWT_SCALE = 0.17


def documents(
    names: list[str] | None = None, *, formats: tuple[str, ...] = ("eddsa", "ecdsa", "jwt")
) -> dict[str, bytes]:
    """Every hostile input (or those whose payload is in ``names``), keyed
    ``"<format> <payload> (<wrongsig|self>)"``."""
    from bench._fixtures import realistic_credential
    from mcbadge.errors import MCBadgeError
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign

    built: dict[str, bytes] = {}
    chosen = {k: v for k, v in PAYLOADS.items() if names is None or k in names}
    for tag, key_type, fmt in (
        ("eddsa", "ed25519", "eddsa-rdfc-2022"),
        ("ecdsa", "p256", "ecdsa-rdfc-2019"),
        ("jwt", "ed25519", "jwt"),
    ):
        if tag not in formats:
            continue
        key = generate_key(key_type)  # type: ignore[arg-type]
        base = realistic_credential(key)
        signed = sign(base, key, format=fmt)
        for name, (defined, mutate) in chosen.items():
            if fmt == "jwt":
                unsigned = copy.deepcopy(base)
                mutate(unsigned, JWT_SCALE)
                token = sign(unsigned, key, format="jwt").jwt
                assert token is not None
                built[f"{tag} {name} (self)"] = token.encode("ascii")
                continue
            document = copy.deepcopy(signed.document)
            mutate(document, 1.0)
            built[f"{tag} {name} (wrongsig)"] = json.dumps(document).encode("utf-8")
            if defined and name not in _SLOW_TO_SIGN:
                unsigned = copy.deepcopy(base)
                mutate(unsigned, 1.0)
                try:
                    good = sign(unsigned, key, format=fmt).document
                except MCBadgeError:  # the signer has the verifier's JSON-LD budget
                    continue
                built[f"{tag} {name} (self)"] = json.dumps(good).encode("utf-8")
    return built


_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
child = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
out = [seconds, cpu, usage.ru_maxrss, child.returncode, child.stdout.decode("utf-8", "replace")]
print(json.dumps(out))
"""


def verify_in_child(path: Path) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS (MiB) and the verdict of one ``mcbadge verify
    --offline`` of ``path`` in a fresh process, measured by a fresh parent (so the peak is
    that one run's)."""
    command = [sys.executable, "-m", "mcbadge", "verify", "--offline", "--format", "json"]
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command, str(path)],
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    seconds, cpu, peak_kib, returncode, stdout = json.loads(out.stdout)
    try:
        report = json.loads(stdout.splitlines()[0])
        failed = [c for c in report["checks"] if c["status"] == "failed"]
        warned = [c for c in report["checks"] if c["status"] == "warning"]
        verdict = "VERIFIED" if report["verified"] else "refused"
        first = (
            failed[0]["code"] if failed else (warned[0]["code"] + " (warning)" if warned else "")
        )
        return seconds, cpu, peak_kib / 1024, f"{verdict} {first}".strip()
    except (IndexError, KeyError, ValueError):
        return seconds, cpu, peak_kib / 1024, f"exit {returncode}, no report"


def run(quick: bool = False) -> list[dict[str, Any]]:
    names = ["undefined object", "defined tags", "defined value objects"] if quick else None
    formats = ("eddsa", "jwt") if quick else ("eddsa", "ecdsa", "jwt")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mcbadge-hostile-") as temp:
        for index, (name, data) in enumerate(documents(names, formats=formats).items()):
            path = Path(temp) / f"{index}.{'jwt' if name.startswith('jwt') else 'json'}"
            path.write_bytes(data)
            seconds, cpu, peak, verdict = verify_in_child(path)
            rows.append(
                {
                    "input": name,
                    "mib": round(len(data) / 2**20, 2),
                    "seconds": round(seconds, 2),
                    "cpu_seconds": round(cpu, 2),
                    "peak_rss_mib": round(peak),
                    "within_2s": "yes" if seconds <= BUDGET_SECONDS else "NO",
                    "verdict": verdict,
                }
            )
    return rows
