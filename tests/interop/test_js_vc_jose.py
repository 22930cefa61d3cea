"""VC-JOSE-COSE (``application/vc+jwt``) interop with the JavaScript reference stack (bench/js:
``jose`` 6 CompactSign/compactVerify, did:key through @digitalbazaar/did-method-key).

The JS side (``bench/js/interop_vc_jose.mjs``) signs VCDM 2.0 credentials as vc+jwt (payload =
the credential, header ``typ`` ``vc+jwt``, ``cty`` ``vc``, ``kid``) with EdDSA and ES256; mcbadge
verifies them bare and enveloped (``EnvelopedVerifiableCredential``), and JS verifies mcbadge's
vc+jwt tokens, bare and enveloped. Both refuse a tampered copy.

Runs when bench/js/node_modules exists (``make bench-js``); skipped otherwise (under CI a
missing stack fails). Nothing is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
try:
    from bench import js_reference
finally:
    sys.path.remove(str(ROOT))

from mcbadge.proofs.jwt import envelope  # noqa: E402
from mcbadge.verify import VerificationPolicy, verify  # noqa: E402

_REASON = js_reference.unavailable()
_REQUIRED = os.environ.get("CI") == "true"
pytestmark = pytest.mark.skipif(
    _REASON is not None and not _REQUIRED, reason=f"JS reference stack not installed: {_REASON}"
)
SCRIPT = js_reference.JS_DIR / "interop_vc_jose.mjs"
KINDS = ("ed25519", "p256")
FORMS = ("bare", "enveloped")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SIGNED_AT = datetime(2026, 1, 2, tzinfo=UTC)
# what must pass for a vc+jwt to be the issuer's, untampered (status is not the point here:
# the realistic credential's list lives on an unreachable host)
PROOF_CHECKS = ("input", "data_model", "context", "jwt", "jwt_claims", "signature", "key_binding")


def _target(token: str, form: str) -> Any:
    return envelope(token) if form == "enveloped" else token


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if _REASON is not None:
        pytest.fail(f"CI=true but the JS reference stack is missing: {_REASON}")
    from mcbadge.proofs import sign

    directory = tmp_path_factory.mktemp("js-vc-jose")
    keys = js_reference.fixed_keys()
    credentials = js_reference._credentials(keys)
    signed = []
    for kind in KINDS:
        for which in js_reference.CREDENTIALS:
            token = sign(credentials[which][kind], keys[kind], format="vc+jwt", created=SIGNED_AT)
            assert token.jwt is not None
            for tampered in (False, True):
                current = js_reference.tamper(token.jwt) if tampered else token.jwt
                for form in FORMS:
                    signed.append(
                        {
                            "kind": kind,
                            "credential": which,
                            "form": form,
                            "tampered": tampered,
                            "signed": _target(current, form),
                        }
                    )
    workload = {
        "keys": {kind: js_reference._key_info(key) for kind, key in keys.items()},
        "credentials": credentials,
        "mcbadge_signed": signed,
    }
    path = directory / "workload.json"
    path.write_text(json.dumps(workload, ensure_ascii=False), "utf-8")
    out = directory / "out.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_OPTIONS", "npm_"))}
    done = subprocess.run(
        ["node", str(SCRIPT), str(path), str(out)],
        cwd=js_reference.JS_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("which", js_reference.CREDENTIALS)
@pytest.mark.parametrize("kind", KINDS)
def test_js_verifies_mcbadge_vc_jwt(
    exchange: dict[str, Any], kind: str, which: str, form: str
) -> None:
    verdicts = {
        v["tampered"]: v
        for v in exchange["verdicts"]
        if (v["kind"], v["credential"], v["form"]) == (kind, which, form)
    }
    assert verdicts[False]["verified"] is True, verdicts[False]["error"]
    assert verdicts[True]["verified"] is False
    assert "signature" in verdicts[True]["error"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("which", js_reference.CREDENTIALS)
@pytest.mark.parametrize("kind", KINDS)
def test_mcbadge_verifies_js_vc_jwt(
    exchange: dict[str, Any], kind: str, which: str, form: str
) -> None:
    token = exchange["js_signed"][kind][which]
    policy = VerificationPolicy(now=NOW, offline=True)
    result = verify(_target(token, form), policy)
    for check_id in PROOF_CHECKS:
        check = result.check(check_id)
        assert check.status == "passed", (check_id, check.code, check.message)
    assert result.summary.proof_format is not None
    assert result.summary.proof_format.startswith("VC-JOSE-COSE (vc+jwt")
    tampered = verify(_target(js_reference.tamper(token), form), policy)
    assert tampered.verified is False
    assert tampered.check("signature").code == "signature.invalid"


@pytest.mark.parametrize("kind", KINDS)
def test_js_header_is_vc_jose_and_was_refused_before(exchange: dict[str, Any], kind: str) -> None:
    # the JS stack writes typ vc+jwt and cty vc: the cty used to fail jwt.header_param
    from mcbadge.proofs import verify_proof
    from mcbadge.proofs.jwt import decode_jwt

    token = exchange["js_signed"][kind]["spec complete"]
    header, payload, _, _ = decode_jwt(token)
    assert header["typ"] == "vc+jwt"
    assert header["cty"] == "vc"
    assert header["alg"] == {"ed25519": "EdDSA", "p256": "ES256"}[kind]
    assert "vc" not in payload
    assert "iss" not in payload
    proof = verify_proof(token, None, now=NOW)
    assert proof.verified is True, proof.codes
    assert proof.format == "vc+jwt"


def test_every_verdict_is_accounted_for(exchange: dict[str, Any]) -> None:
    assert len(exchange["verdicts"]) == len(KINDS) * len(js_reference.CREDENTIALS) * 2 * 2
    assert exchange["versions"]["jose"].startswith("6.")
