"""A proof-layer error fails the check its code names (``key_binding.*`` fails ``key_binding``),
for embedded proofs and VC-JWTs alike; a code naming no proof check fails ``signature``.

The structural rules run first, so these tests start from credentials that really verify and
make :func:`mcbadge.proofs.verify_proof` report one error, as it would for that fault."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "adversarial"))

from _helpers import ISSUER_KEY, make_credential, run
from _signer import jwt_payload, sign_di, sign_jwt

import mcbadge.verify.checks_proof as checks_proof
from mcbadge.proofs import Issue, ProofResult

SIGNED = sign_di(make_credential(), ISSUER_KEY)
TOKEN = sign_jwt(jwt_payload(make_credential()), ISSUER_KEY)

CODES = [
    ("key_binding.not_assertion_method", "key_binding"),
    ("proof_time.created_in_future", "proof_time"),
    ("cryptosuite.key_mismatch", "cryptosuite"),
    ("proof_purpose.mismatch", "proof_purpose"),
    ("key_resolution.vm_not_found", "key_resolution"),
    ("jwt.alg_mismatch", "jwt"),
    ("jwt_claims.iss_mismatch", "jwt_claims"),
    ("canonicalization.budget_exceeded", "canonicalization"),
    ("data_loss.undefined_term", "data_loss"),
    ("context.protected_term_redefinition", "context"),
    ("signature.invalid", "signature"),
    ("proof.chain_unsupported", "proof"),
    ("key.bad_multikey", "signature"),  # names no check: the signature did not verify
    ("input.too_deep", "signature"),
]


def _fail_with(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    def fake(document: Any, resolver: Any, **_: Any) -> ProofResult:
        return ProofResult(False, None, errors=[Issue(code, f"simulated {code}")])

    monkeypatch.setattr(checks_proof, "verify_proof", fake)


@pytest.mark.parametrize(("code", "check_id"), CODES)
@pytest.mark.parametrize("document", [SIGNED, TOKEN], ids=["data-integrity", "vc-jwt"])
def test_proof_error_fails_the_check_its_code_names(
    monkeypatch: pytest.MonkeyPatch, document: Any, code: str, check_id: str
) -> None:
    assert run(document, offline=True)[0] == 0  # the unpatched credential verifies
    _fail_with(monkeypatch, code)
    exit_code, result = run(document, offline=True)
    assert exit_code == 1
    assert result.failed_checks == [check_id]
    failed = result.check(check_id)
    assert failed.code == (code if code.startswith(f"{check_id}.") else f"{check_id}.invalid")
    assert failed.message == f"simulated {code}"
    assert not result.verified


def test_a_raising_proof_layer_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(document: Any, resolver: Any, **_: Any) -> ProofResult:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(checks_proof, "verify_proof", boom)
    exit_code, result = run(SIGNED, offline=True)
    assert exit_code == 1
    assert result.failed_checks == ["signature"]
    assert result.check("signature").code == "signature.internal_error"


def test_offline_did_web_key_is_indeterminate(monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_with(monkeypatch, "key_resolution.offline")
    exit_code, result = run(SIGNED, offline=True)
    assert exit_code == 2
    assert result.failed_checks == ["key_resolution"]
    assert result.indeterminate
