"""The verifier accepts what mcbadge's own issuer signs (every format), and rejects it once
tampered: the two sides were written independently, so this pins them to the same specs."""

from __future__ import annotations

import copy
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "adversarial"))

from _helpers import make_credential, policy

from mcbadge.issuer import SigningKey, sign_credential
from mcbadge.verify import exit_code_for, verify


def _issued(kind: str, fmt: str) -> tuple[Any, Any]:
    key = SigningKey.generate(kind)  # type: ignore[arg-type]
    credential = make_credential()
    credential["issuer"]["id"] = key.controller
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return sign_credential(credential, key, fmt, created=created), credential


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        ("Ed25519", "eddsa-rdfc-2022"),
        ("P-256", "ecdsa-rdfc-2019"),
        ("Ed25519", "jwt"),
        ("P-256", "jwt"),
    ],
)
def test_issuer_output_verifies_and_tampering_fails(kind: str, fmt: str) -> None:
    signed, _ = _issued(kind, fmt)
    result = verify(copy.deepcopy(signed), policy(offline=True))
    assert result.verified, [result.check(c).code for c in result.failed_checks]
    if isinstance(signed, dict):
        signed["credentialSubject"]["achievement"]["name"] = "Something else"
        assert exit_code_for(verify(signed, policy(offline=True))) == 1
    else:
        head, payload, signature = signed.split(".")
        flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
        assert exit_code_for(verify(f"{head}.{payload}.{flipped}", policy(offline=True))) == 1
