"""mcbadge next to the Python peers on VC-JWT, side by side on the realistic credential.

Issue #16's floor: VC-JWT issuing and full verification at least as fast as the fastest Python
library that installs here for the same job. The peers live in their own venv,
``bench/.peers-venv`` (``make bench-peers`` creates it from ``bench/peers-requirements.txt``;
they are never mcbadge's dependencies), and run in their own interpreter
(``bench/_peers_child.py``, which says what each peer's issue and verify do).

Rows, for VC-JWT EdDSA (Ed25519) and ES256 (P-256) on ``bench._fixtures``' realistic
credential, signed by the fixed test keys of ``bench/js_reference.py``:

* ``issue``: mcbadge ``proofs.sign(credential, key, format="jwt")``; openbadgeslib
  ``OB3Signer.sign_payload``; didkit ``issue_credential`` (proofFormat jwt);
* ``verify``: mcbadge ``verify(token, VerificationPolicy(offline=True))``, every check (the
  status list is not fetched offline; the peers check no status either); openbadgeslib
  ``OB3Verifier.verify`` of mcbadge's token; didkit ``verify_credential`` of its own token;
* the ceilings, mcbadge only: ``verify_proof`` (the signature, the key resolution and binding,
  nothing else) and ``raw signature`` (the key's signature check over the token's signing
  input: what verifying can never beat);
* Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019), mcbadge only (it is already 9-98x the
  peers there): full ``verify`` of the signed dict, ``verify_proof`` and the raw signature
  over 64 bytes (what the suite signs: two SHA-256 hashes), for the issue's other ceiling goal
  (a sixth);
* ``vs best peer`` on each mcbadge row: mcbadge's rate over the fastest peer's for the same
  job (>= 1.0 meets the floor); ``of ceiling`` on mcbadge's verify rows: full verify's rate
  over the raw signature's (the issue's goal: a third).

The machine is shared, so the figures are medians of ``rounds`` interleaved rounds: each round
runs the peers (one timed run of ``count`` calls each, in a fresh peer process), then every
mcbadge row; ratios are taken within the same run. ``interop`` rows give each peer's verdict on
a token and on a tampered copy (``ok`` says whether it is the expected one). When the peer venv
is missing the peer rows are replaced by one ``skipped`` row with the reason; the mcbadge rows
are still measured. Nothing is installed by this module.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench._timing import rates

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "bench" / ".peers-venv"
CHILD = ROOT / "bench" / "_peers_child.py"
ALGS = (("EdDSA", "ed25519"), ("ES256", "p256"))
DI_FORMATS = (("eddsa-rdfc-2022", "ed25519"), ("ecdsa-rdfc-2019", "p256"))
CHILD_TIMEOUT = 900  # seconds for one round of the peers


def peer_python() -> Path:
    return VENV / "bin" / "python"


def unavailable() -> str | None:
    """Why the peers cannot run here (None when they can)."""
    python = peer_python()
    if not python.is_file():
        return f"{VENV} is missing (run `make bench-peers`)"
    probe = subprocess.run(
        [str(python), "-c", "import openbadgeslib.ob3, didkit"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if probe.returncode != 0:
        detail = probe.stderr.strip()[-200:]
        return f"the peer venv cannot import openbadgeslib and didkit ({detail})"
    return None


def _workload() -> tuple[dict[str, Any], dict[str, Any]]:
    """The peers' input (keys, credentials, mcbadge's tokens) and the mcbadge keys."""
    from bench._fixtures import realistic_credential
    from bench.js_reference import _key_info, fixed_keys
    from mcbadge.proofs import sign

    keys = fixed_keys()
    work: dict[str, Any] = {}
    for _, kind in ALGS:
        credential = realistic_credential(keys[kind])
        info = _key_info(keys[kind])
        token = sign(credential, keys[kind], format="jwt").jwt
        work[kind] = {
            "did": info["did"],
            "vm": info["vm"],
            "privateJwk": info["privateJwk"],
            "credential": credential,
            "mcbadge_token": token,
        }
    return work, keys


def _peer_round(workload: Path, count: int) -> dict[str, Any]:
    out = workload.with_name("peers-output.json")
    out.unlink(missing_ok=True)
    done = subprocess.run(
        [str(peer_python()), str(CHILD), str(workload), str(out), "--count", str(count)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(
            f"bench/_peers_child.py failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result


def _actions(
    work: dict[str, Any],
    keys: dict[str, Any],
    sign: Any,
    verify: Any,
    verify_proof: Any,
    resolver_type: Any,
    policy_type: Any,
) -> dict[tuple[str, str], Callable[[], object]]:
    import base64

    policy = policy_type(offline=True)
    resolver = resolver_type()
    actions: dict[tuple[str, str], Callable[[], object]] = {}

    def _verify_actions(
        name: str, signed: Any, key: Any, signature: bytes, message: bytes
    ) -> dict[tuple[str, str], Callable[[], object]]:
        """Full verify, the proof alone and the raw signature (the two ceilings) of one input."""
        return {
            ("verify", name): partial(verify, signed, policy),
            ("verify_proof (ceiling)", name): partial(verify_proof, signed, resolver),
            ("raw signature (ceiling)", name): partial(key.verify, signature, message),
        }

    for alg, kind in ALGS:
        key, credential, token = keys[kind], work[kind]["credential"], work[kind]["mcbadge_token"]
        head, body, signature = token.split(".")
        signing_input = f"{head}.{body}".encode("ascii")
        raw_signature = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        result = verify(token, policy)
        if (
            result.check("signature").status != "passed"
            or result.check("schema").status != "passed"
        ):
            raise RuntimeError(
                f"bench: mcbadge's {alg} token does not verify: {result.failed_checks}"
            )
        key.verify(raw_signature, signing_input)  # raises when it refuses mcbadge's token

        actions[("issue", alg)] = partial(sign, credential, key, format="jwt")
        actions.update(_verify_actions(alg, token, key, raw_signature, signing_input))
    for fmt, kind in DI_FORMATS:
        key, credential = keys[kind], work[kind]["credential"]
        document = sign(credential, key, format=fmt).document
        result = verify(document, policy)
        if result.check("signature").status != "passed":
            raise RuntimeError(f"bench: mcbadge's {fmt} credential does not verify")
        # what a Data Integrity signature signs: the two SHA-256 hashes, 64 bytes
        message = bytes(range(64))
        signature = key.sign(message)

        actions.update(_verify_actions(fmt, document, key, signature, message))
    return actions


def _row(job: str, stack: str, alg: str, measured: list[float]) -> dict[str, Any]:
    rate = statistics.median(measured)
    return {
        "name": job,
        "stack": stack,
        "format": alg if "-" in alg else f"jwt {alg}",
        "per_second": round(rate, 1),
        "ms_each": round(1000 / rate, 4),
        "rounds": len(measured),
        "range": f"{min(measured):.0f}-{max(measured):.0f}",
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    from mcbadge import verify
    from mcbadge.did import OfflineResolver
    from mcbadge.proofs import sign, verify_proof
    from mcbadge.verify import VerificationPolicy

    rounds, count = (1, 5) if quick else (7, 300)
    reason = unavailable()
    work, keys = _workload()
    actions = _actions(work, keys, sign, verify, verify_proof, OfflineResolver, VerificationPolicy)
    ours: dict[tuple[str, str], list[float]] = {name: [] for name in actions}
    theirs: dict[tuple[str, str, str], list[float]] = {}
    versions: dict[str, str] = {}
    verdicts: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-peers-") as temp:
        workload = Path(temp) / "workload.json"
        workload.write_text(json.dumps(work, ensure_ascii=False), "utf-8")
        for _ in range(rounds):
            if reason is None:
                output = _peer_round(workload, count)
                versions, verdicts = output["versions"], output["verdicts"]
                for row in output["rows"]:
                    theirs.setdefault((row["job"], row["stack"], row["alg"]), []).append(
                        row["median"]
                    )
            for name, action in actions.items():
                raw = name[0].startswith("raw")
                calls = count * 10 if raw else count // 3 if "-" in name[1] else count
                ours[name] += rates(action, max(1, calls), 1, warm=max(3, calls // 5))
    rows: list[dict[str, Any]] = []
    if reason is not None:
        rows.append({"name": "skipped", "stack": "peers", "reason": reason})
    for (job, alg), measured in ours.items():
        row = _row(job, "mcbadge", alg, measured)
        best = [statistics.median(m) for (j, _, a), m in theirs.items() if j == job and a == alg]
        if best:
            row["vs best peer"] = round(statistics.median(measured) / max(best), 2)
        if job == "verify":
            ceiling = statistics.median(ours[("raw signature (ceiling)", alg)])
            row["of ceiling"] = round(statistics.median(measured) / ceiling, 3)
        rows.append(row)
    for (job, stack, alg), measured in theirs.items():
        rows.append(
            _row(
                job,
                f"{stack} {versions.get(stack, versions.get('openedx-' + stack, ''))}",
                alg,
                measured,
            )
        )
    for v in verdicts:
        expected = not v["tampered"]
        rows.append(
            {
                "name": "interop",
                "stack": v["stack"],
                "format": f"jwt {v['alg']}",
                "credential": v["target"] + (" tampered" if v["tampered"] else ""),
                "verdict": "verified" if v["verified"] else "refused",
                "ok": "yes" if v["verified"] is expected else "NO",
            }
        )
    return rows


if __name__ == "__main__":
    from bench.__main__ import _table

    print(_table(run()))
