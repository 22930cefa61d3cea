"""The JavaScript reference stack (@digitalbazaar/vc 7 on Node, see ``bench/js/package.json``)
measured on OUR benchmark credentials, next to mcbadge in the same run, and cross-verified.

Issue #6 quotes the JS stack's figures on an unknown credential; this module runs that stack
here, on ``bench._fixtures``' realistic credential and the spec complete example, signed with
fixed test keys (Ed25519 and P-256, derived from fixed seeds). The JS side
(``bench/js/bench.mjs``) uses an offline document loader that serves only mcbadge's bundled
contexts (``src/mcbadge/jsonld/contexts/index.json``) and resolves did:key; nothing else.

Like-for-like: JS ``issue`` is ``vc.issue`` with a ``DataIntegrityProof`` suite (or jose
``SignJWT`` of the VCDM 2.0 payload with ``iss``/``jti``/``sub``/``nbf``/``exp``, header ``kid``),
JS ``verify`` is ``vc.verifyCredential`` (status check stubbed: out of scope, as for mcbadge) or
jose ``jwtVerify`` with the ``kid`` resolved through did:key and bound to ``iss``. The mcbadge
rows are ``mcbadge.proofs.sign`` and ``verify_proof`` on the same credentials and keys, timed in
the same process run right after the JS rows.

``run(quick=False)`` returns rows ``{"name", "stack", "format", "credential", "per_second",
"ms_each", "runs", "count", "range"}`` (median of 5 runs of ``count`` calls, 3 when quick;
``range`` is the slowest-fastest run), then one ``interop`` row per verdict:
the JS stack verifying mcbadge-signed credentials and mcbadge verifying JS-signed ones, each
also on a tampered copy that must be refused (``ok`` says whether the verdict is the expected
one). When ``node`` or ``bench/js/node_modules`` is missing it returns one ``skipped`` row with
the reason; it never installs anything (``make bench-js`` runs ``npm ci`` in ``bench/js``).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._timing import rates

ROOT = Path(__file__).resolve().parents[1]
JS_DIR = ROOT / "bench" / "js"
SCRIPT = JS_DIR / "bench.mjs"
CREDENTIALS = ("realistic", "spec complete")
# row label -> (mcbadge sign format, key type)
FORMATS = {
    "eddsa-rdfc-2022": ("eddsa-rdfc-2022", "ed25519"),
    "ecdsa-rdfc-2019": ("ecdsa-rdfc-2019", "p256"),
    "jwt EdDSA": ("jwt", "ed25519"),
}
NODE_TIMEOUT = 1800  # seconds; a full run takes about a minute on an idle 2-core machine
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def unavailable() -> str | None:
    """Why the JS stack cannot run here (None when it can)."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not (JS_DIR / "node_modules").is_dir():
        return "bench/js/node_modules is missing (run `make bench-js`)"
    for package in ("@digitalbazaar/vc", "jose"):
        if not (JS_DIR / "node_modules" / package / "package.json").is_file():
            return f"bench/js/node_modules has no {package} (run `make bench-js`)"
    return None


def fixed_keys() -> dict[str, Any]:
    """The test keys both stacks use: Ed25519 and P-256 from fixed seeds (never real keys)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    from mcbadge.keys import Key

    seed = hashlib.sha256(b"mcbadge bench/js fixed Ed25519 test key").digest()
    ed = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    scalar = hashlib.sha256(b"mcbadge bench/js fixed P-256 test key").digest()
    p256 = ec.derive_private_key(
        int.from_bytes(scalar, "big") % (P256_ORDER - 1) + 1, ec.SECP256R1()
    )
    return {"ed25519": Key(ed.public_key(), ed), "p256": Key(p256.public_key(), p256)}


def _key_info(key: Any) -> dict[str, Any]:
    from mcbadge.did import default_verification_method, did_for_key

    return {
        "did": did_for_key(key),
        "vm": default_verification_method(key),
        "publicKeyMultibase": key.public_multibase(),
        "secretKeyMultibase": key.secret_multibase(),
        "privateJwk": key.private_jwk(),
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def tamper(signed: Any) -> Any:
    """A copy of a signed credential (dict) or VC-JWT (str) whose ``name`` was changed after
    signing, the signature kept: every verifier must refuse it."""
    if isinstance(signed, str):
        header, payload, signature = signed.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["name"] = f"{claims['name']} (tampered)"
        text = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
        return f"{header}.{_b64url(text)}.{signature}"
    document = copy.deepcopy(signed)
    document["name"] = f"{document['name']} (tampered)"
    return document


def _credentials(keys: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from bench._fixtures import realistic_credential, spec_complete_example

    return {
        "realistic": {kind: realistic_credential(key) for kind, key in keys.items()},
        "spec complete": {kind: spec_complete_example(key) for kind, key in keys.items()},
    }


def mcbadge_signed(keys: dict[str, Any], credentials: dict[str, dict[str, Any]]) -> Any:
    """{format label: {credential: signed document or VC-JWT}} signed by mcbadge."""
    from mcbadge.proofs import sign

    result: dict[str, dict[str, Any]] = {}
    for label, (fmt, kind) in FORMATS.items():
        result[label] = {}
        for which in CREDENTIALS:
            signed = sign(credentials[which][kind], keys[kind], format=fmt)  # type: ignore[arg-type]
            result[label][which] = signed.jwt if fmt == "jwt" else signed.document
    return result


def write_workload(directory: Path) -> tuple[Path, dict[str, Any]]:
    """Write the JS side's input (keys, unsigned credentials, mcbadge-signed and tampered
    credentials) to ``directory/workload.json``; returns its path and the workload."""
    from mcbadge.proofs import sign

    keys = fixed_keys()
    credentials = _credentials(keys)
    signed = mcbadge_signed(keys, credentials)
    workload = {
        "keys": {kind: _key_info(key) for kind, key in keys.items()},
        "credentials": credentials,
        "mcbadge_signed": signed,
        "mcbadge_tampered": {
            label: {which: tamper(doc) for which, doc in by.items()} for label, by in signed.items()
        },
    }
    fixed = datetime(2026, 1, 1, tzinfo=UTC)
    ed = keys["ed25519"]
    workload["mcbadge_fixed_date"] = {
        "created": "2026-01-01T00:00:00Z",
        "eddsa-rdfc-2022": {
            which: sign(
                credentials[which]["ed25519"], ed, format="eddsa-rdfc-2022", created=fixed
            ).document
            for which in CREDENTIALS
        },
    }
    path = directory / "workload.json"
    path.write_text(json.dumps(workload, ensure_ascii=False), "utf-8")
    return path, workload


def run_node(workload: Path, *args: str) -> dict[str, Any]:
    """Run ``bench/js/bench.mjs`` on ``workload``; returns its JSON output. Raises
    RuntimeError with node's stderr when it fails."""
    out = workload.with_name("js-output.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_OPTIONS", "npm_"))}
    done = subprocess.run(
        ["node", str(SCRIPT), str(workload), str(out), *args],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/js/bench.mjs failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result


def _mcbadge_verdict(target: Any) -> tuple[bool, str | None]:
    from mcbadge.did import OfflineResolver
    from mcbadge.proofs import verify_proof

    result = verify_proof(target, OfflineResolver())
    errors = [f"{e.code}: {e.message}" for e in result.all_errors]
    return result.verified, (None if result.verified else "; ".join(errors) or "not verified")


def cross_verify(js_output: dict[str, Any]) -> list[dict[str, Any]]:
    """The JS stack's verdicts on mcbadge's credentials (from ``js_output``) and mcbadge's
    verdicts on the JS stack's credentials and tampered copies of them."""
    verdicts = [dict(v) for v in js_output["interop"]]
    for label, by_credential in js_output["js_signed"].items():
        for which, signed in by_credential.items():
            for tampered, target in ((False, signed), (True, tamper(signed))):
                verified, error = _mcbadge_verdict(target)
                verdicts.append(
                    {
                        "direction": "mcbadge verifies JS",
                        "format": label,
                        "credential": which,
                        "tampered": tampered,
                        "verified": verified,
                        "error": error,
                    }
                )
    return verdicts


def _rates(action: Callable[[], object], count: int, runs: int) -> list[float]:
    """Operations per second of ``count`` calls, ``runs`` times, after a short warm-up."""
    return rates(action, count, runs, warm=max(3, count // 5))


def _mcbadge_rows(workload: dict[str, Any], counts: tuple[int, int], runs: int) -> Any:
    from mcbadge.did import OfflineResolver
    from mcbadge.proofs import sign, verify_proof

    keys = fixed_keys()
    resolver = OfflineResolver()
    for which in CREDENTIALS:
        for label, (fmt, kind) in FORMATS.items():
            credential = workload["credentials"][which][kind]
            target = workload["mcbadge_signed"][label][which]
            jwt = fmt == "jwt"
            count = max(1, counts[1] if jwt else counts[0] // (1 if which == "realistic" else 2))

            def issuing(c: Any = credential, k: Any = keys[kind], f: Any = fmt) -> object:
                return sign(c, k, format=f)

            def verifying(t: Any = target, what: str = f"{label} {which}") -> object:
                if not verify_proof(t, resolver).verified:
                    raise RuntimeError(f"bench: mcbadge's {what} did not verify")
                return None

            for name, action in (("issue", issuing), ("verify", verifying)):
                yield _row(name, "mcbadge", label, which, _rates(action, count, runs), count)


def _row(
    name: str, stack: str, fmt: str, which: str, rates: list[float], count: int
) -> dict[str, Any]:
    rate = statistics.median(rates)
    return {
        "name": name,
        "stack": stack,
        "format": fmt,
        "credential": which,
        "per_second": round(rate, 1),
        "ms_each": round(1000 / rate, 3),
        "runs": len(rates),
        "count": count,
        "range": f"{min(rates):.0f}-{max(rates):.0f}",
    }


def _interop_rows(verdicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for v in verdicts:
        expected = not v["tampered"]
        rows.append(
            {
                "name": "interop",
                "stack": v["direction"],
                "format": v["format"],
                "credential": v["credential"] + (" tampered" if v["tampered"] else ""),
                "verdict": "verified" if v["verified"] else "refused",
                "ok": "yes" if v["verified"] is expected else "NO",
                "error": (v.get("error") or "")[:100] if v["verified"] is not expected else "",
            }
        )
    return rows


def _identical_rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Same key, credential and proof date: the JS stack's proofValue / VC-JWT compared with
    mcbadge's, byte for byte (Ed25519 is deterministic)."""
    rows = []
    for item in found:
        if item["identical"]:
            verdict = "byte-identical"
        elif item.get("same_header") and item.get("same_json"):
            verdict = "same header and JSON, different number spelling"
        else:
            verdict = "different"
        rows.append(
            {
                "name": "same bytes",
                "stack": "JS vs mcbadge",
                "format": item["format"],
                "credential": item["credential"],
                "verdict": verdict,
            }
        )
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    reason = unavailable()
    if reason is not None:
        return [{"name": "skipped", "reason": reason}]
    runs = 3 if quick else 5
    di_count, jwt_count = (3, 10) if quick else (100, 1000)
    with tempfile.TemporaryDirectory(prefix="mcbadge-bench-js-") as temp:
        path, workload = write_workload(Path(temp))
        output = run_node(
            path, "--count-di", str(di_count), "--count-jwt", str(jwt_count), "--runs", str(runs)
        )
    versions = output["versions"]
    stack = f"js (vc {versions['@digitalbazaar/vc']}, node {versions['node']})"
    rows = [
        _row(r["name"], stack, r["format"], r["credential"], r["rates"], r["count"])
        for r in output["rows"]
    ]
    rows += _mcbadge_rows(workload, (di_count, jwt_count), runs)
    rows += _interop_rows(cross_verify(output))
    rows += _identical_rows(output.get("identical", []))
    return rows


if __name__ == "__main__":
    from bench.__main__ import _table

    print(_table(run()))
