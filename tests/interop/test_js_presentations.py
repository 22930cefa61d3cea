"""Verifiable presentations with the JavaScript reference stack (bench/js/interop_vp.mjs:
@digitalbazaar/vc 7 signPresentation / verify, eddsa-rdfc-2022 and ecdsa-rdfc-2019, did:key):
JS verifies the presentations mcbadge signs, mcbadge verifies the ones JS signs, and both
refuse a tampered copy and a wrong challenge.

Runs when bench/js/node_modules exists (``make bench-js``); skipped otherwise, and failed
instead under ``CI=true``, like tests/interop/test_js_reference_interop.py."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
try:
    from bench import js_reference
finally:
    sys.path.remove(str(ROOT))

_REASON = js_reference.unavailable()
_REQUIRED = os.environ.get("CI") == "true"
pytestmark = pytest.mark.skipif(
    _REASON is not None and not _REQUIRED, reason=f"JS reference stack not installed: {_REASON}"
)
SCRIPT = js_reference.JS_DIR / "interop_vp.mjs"
CHALLENGE = "licensure-office-challenge-4b1d"
DOMAIN = "https://licensure.example"
SUITES = {"eddsa-rdfc-2022": "ed25519", "ecdsa-rdfc-2019": "p256"}


def _holder_keys() -> dict[str, Any]:
    """Fixed test holder keys (never real keys), distinct from the issuer's."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    from mcbadge.keys import Key

    ed = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"mcbadge interop holder Ed25519").digest()
    )
    scalar = int.from_bytes(hashlib.sha256(b"mcbadge interop holder P-256").digest(), "big")
    p256 = ec.derive_private_key(scalar % (js_reference.P256_ORDER - 1) + 1, ec.SECP256R1())
    return {"ed25519": Key(ed.public_key(), ed), "p256": Key(p256.public_key(), p256)}


def _credentials_for(holder_did: str, issuer: Any) -> list[dict[str, Any]]:
    from bench._fixtures import realistic_credential

    from mcbadge.proofs import sign

    signed = []
    for number in (1, 2):
        unsigned = realistic_credential(issuer)
        unsigned["name"] = f"{unsigned['name']} ({number})"
        unsigned.pop("credentialStatus", None)  # status is out of scope here (offline)
        unsigned["id"] = f"urn:uuid:3d1e7c52-0000-4000-8000-{number:012d}"
        subject = {k: v for k, v in unsigned["credentialSubject"].items() if k != "identifier"}
        unsigned["credentialSubject"] = {**subject, "id": holder_did}
        fmt = "eddsa-rdfc-2022" if issuer.key_type == "ed25519" else "ecdsa-rdfc-2019"
        signed.append(sign(unsigned, issuer, format=fmt).document)  # type: ignore[arg-type]
    return signed


def _tampered(presentation: dict[str, Any]) -> dict[str, Any]:
    copied = copy.deepcopy(presentation)
    inner = copied["verifiableCredential"][0]
    inner["name"] = f"{inner['name']} (tampered)"
    return copied


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if _REASON is not None:
        pytest.fail(f"CI=true but the JS reference stack is missing: {_REASON}")
    from mcbadge.did import did_for_key
    from mcbadge.present import present

    issuers = js_reference.fixed_keys()
    holders = _holder_keys()
    credentials = {
        kind: _credentials_for(did_for_key(holders[kind]), issuers[kind]) for kind in holders
    }
    ours = {}
    for suite, kind in SUITES.items():
        good = present(
            credentials[kind], holders[kind], challenge=CHALLENGE, domain=DOMAIN, format=suite
        ).document  # type: ignore[arg-type]
        ours[suite] = {"good": good, "tampered": _tampered(good)}
    workload = {
        "challenge": CHALLENGE,
        "domain": DOMAIN,
        "holders": {kind: js_reference._key_info(key) for kind, key in holders.items()},
        "credentials": credentials,
        "mcbadge": ours,
    }
    directory = tmp_path_factory.mktemp("js-vp")
    (directory / "workload.json").write_text(json.dumps(workload), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_OPTIONS", "npm_"))}
    done = subprocess.run(
        ["node", str(SCRIPT), str(directory / "workload.json"), str(directory / "out.json")],
        cwd=js_reference.JS_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    output: dict[str, Any] = json.loads((directory / "out.json").read_text("utf-8"))
    return output


def _js_verdict(exchange: dict[str, Any], suite: str, case: str) -> dict[str, Any]:
    found = [v for v in exchange["verdicts"] if (v["suite"], v["case"]) == (suite, case)]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("suite", SUITES)
def test_js_verifies_mcbadge_presentations(exchange: dict[str, Any], suite: str) -> None:
    good = _js_verdict(exchange, suite, "good")
    assert good["verified"] is True, good["error"]
    for case in ("tampered", "wrong challenge"):
        bad = _js_verdict(exchange, suite, case)
        assert bad["verified"] is False
        assert bad["error"]


def _policy(**options: Any) -> Any:
    from mcbadge.verify import VerificationPolicy

    return VerificationPolicy(
        **{"challenge": CHALLENGE, "domain": DOMAIN, "offline": True, **options}
    )


@pytest.mark.parametrize("suite", SUITES)
def test_mcbadge_verifies_js_presentations(exchange: dict[str, Any], suite: str) -> None:
    from mcbadge.verify import exit_code_for, verify_presentation

    signed = exchange["signed"][suite]
    assert signed["proof"]["proofPurpose"] == "authentication"
    assert signed["proof"]["cryptosuite"] == suite
    good = verify_presentation(signed, _policy())
    assert good.verified, good.failed_locations
    assert [n.location for n in good.nested] == [
        "/verifiableCredential/0",
        "/verifiableCredential/1",
    ]
    assert good.outer.check("holder_binding").status == "passed"

    tampered = verify_presentation(_tampered(signed), _policy())
    assert exit_code_for(tampered) == 1
    assert tampered.outer.check("signature").code == "signature.invalid"
    assert tampered.failed_locations == ["", "/verifiableCredential/0"]

    wrong = verify_presentation(signed, _policy(challenge=f"{CHALLENGE}-not-this-one"))
    assert exit_code_for(wrong) == 1
    assert wrong.outer.check("challenge").code == "challenge.mismatch"
