"""Findings of the verifier fuzzing (tests/property/test_verify_fuzz.py) pinned as examples:
a malformed proof type or cryptosuite is refused with the proof check's own code, never
``*.internal_error`` (a list or object there used to be a TypeError inside the proof checks,
reported as data_loss.internal_error)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _helpers import ISSUER_KEY, make_credential, policy
from _signer import sign_di

from mcbadge.verify import verify

SIGNED = sign_di(make_credential(), ISSUER_KEY)


@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("type", "Ed25519Signature2018", "proof.unknown_type"),
        ("cryptosuite", "eddsa-2022", "cryptosuite.unsupported"),
        *[("type", v, "proof.bad_type") for v in (7, None, [], ["DataIntegrityProof"], {"a": 1})],
        *[
            ("cryptosuite", v, "cryptosuite.bad_cryptosuite")
            for v in (7, None, [], ["eddsa-rdfc-2022"], {"a": 1})
        ],
    ],
)
def test_a_wrong_proof_type_or_cryptosuite_fails_its_own_check(
    member: str, value: Any, code: str
) -> None:
    document = copy.deepcopy(SIGNED)
    document["proof"][0][member] = value
    result = verify(document, policy(offline=True))
    assert not result.verified
    assert not [c.code for c in result.checks if c.code.endswith("internal_error")]
    assert result.check(code.split(".")[0]).code == code
