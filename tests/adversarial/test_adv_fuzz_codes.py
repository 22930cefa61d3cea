"""Findings of the verifier fuzzing (tests/property/test_verify_fuzz.py) pinned as examples:
a malformed proof is refused with the proof check's own code, never ``*.internal_error``."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _helpers import ISSUER_KEY, make_credential, policy
from _signer import sign_di

from mcbadge.verify import verify

SIGNED = sign_di(make_credential(), ISSUER_KEY)


def _with_proof(member: str, value: Any) -> dict[str, Any]:
    document = copy.deepcopy(SIGNED)
    document["proof"][0][member] = value
    return document


@pytest.mark.parametrize(
    ("member", "check_id"), [("type", "proof"), ("cryptosuite", "cryptosuite")]
)
@pytest.mark.parametrize("value", [7, None, "Ed25519Signature2018"])
def test_a_proof_type_or_cryptosuite_of_the_wrong_value_fails_its_check(
    member: str, check_id: str, value: Any
) -> None:
    result = verify(_with_proof(member, value), policy(offline=True))
    assert not result.verified
    assert result.check(check_id).status == "failed"
    assert result.check(check_id).code in ("proof.unknown_type", "cryptosuite.unsupported")
    assert not [c.code for c in result.checks if c.code.endswith("internal_error")]


@pytest.mark.xfail(
    strict=True,
    reason="checks_proof._di_structure looks the proof type / cryptosuite up in a dict: a list "
    "or object there raises TypeError (unhashable), which the pipeline turns into "
    "data_loss.internal_error instead of proof.unknown_type / cryptosuite.unsupported",
)
@pytest.mark.parametrize(
    ("member", "check_id"), [("type", "proof"), ("cryptosuite", "cryptosuite")]
)
@pytest.mark.parametrize("value", [["DataIntegrityProof"], {"a": 1}, []])
def test_a_proof_type_or_cryptosuite_that_is_a_list_or_object_fails_its_check(
    member: str, check_id: str, value: Any
) -> None:
    result = verify(_with_proof(member, value), policy(offline=True))
    assert not result.verified
    assert not [c.code for c in result.checks if c.code.endswith("internal_error")]
    assert result.check(check_id).status == "failed"
