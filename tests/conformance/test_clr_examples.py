"""The 1EdTech CLR 2.0 material: the validator samples and the implementation-guide vector.

Every sample parses (lossless round trip: tests/conformance/test_examples_roundtrip.py) and is
verified as a bundle with its outcome pinned: the two current, signed samples (the validator's
``simple.json`` and the implementation guide's signed CLR) verify outer and nested, offline,
with the key their verification method carries trusted explicitly (as for the OB 3.0 spec
examples); the others fail for a stated reason, with the check id and code a clerk would read.
The guide vector's canonical forms and signature are reproduced byte-exact in
tests/conformance/test_vectors_di.py (``clrv2p0``); here the same signed record goes through
:func:`mcbadge.verify_clr`.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REFERENCE

import mcbadge
from mcbadge.schema import validate
from mcbadge.verify import BundleResult, VerificationPolicy, exit_code_for

SAMPLES = REFERENCE / "examples/clr2/validator-samples"
VECTOR = REFERENCE / "vectors/ob3-impl-guide/clrv2p0"
AT = "/credentialSubject/verifiableCredential"
TRUSTING = VerificationPolicy(offline=True, trust_embedded_keys=True)


def _verify(path: Path, policy: VerificationPolicy = TRUSTING) -> BundleResult:
    return mcbadge.verify_clr(path, policy)


def _failed(result: Any) -> list[str]:
    return [check.code for check in result.checks if check.status == "failed"]


@pytest.mark.parametrize(
    "path", [SAMPLES / "simple.json", VECTOR / "signed.json"], ids=["validator", "guide"]
)
def test_the_current_signed_samples_verify_outer_and_nested(path: Path) -> None:
    result = _verify(path)
    assert exit_code_for(result) == 0, result.to_dict()
    assert result.outer.summary.proof_format == "eddsa-rdfc-2022"
    assert result.outer.check("data_model").message == "follows the CLR 2.0 data model"
    assert result.outer.check("schema").code == "schema.ok"  # the bundled CLR schema
    assert [item.location for item in result.nested] == [f"{AT}/0"]
    assert result.nested[0].result.verified
    validate(json.loads(path.read_text("utf-8")))  # by type: the CLR 2.0 schema


@pytest.mark.parametrize(
    "path", [SAMPLES / "simple.json", VECTOR / "signed.json"], ids=["validator", "guide"]
)
def test_without_trusting_the_embedded_key_they_do_not_verify(path: Path) -> None:
    result = _verify(path, VerificationPolicy(offline=True))
    assert exit_code_for(result) == 1
    assert _failed(result.outer) == ["key_binding.untrusted_key_url"]
    assert _failed(result.nested[0].result) == ["key_binding.untrusted_key_url"]


def test_a_changed_nested_credential_in_the_guide_vector_fails_outer_and_nested() -> None:
    """Both proofs cover the nested credential: the assembler's and its issuer's."""
    document = json.loads((VECTOR / "signed.json").read_text("utf-8"))
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["verifiableCredential"][0]["name"] = "Example University PhD"
    result = mcbadge.verify_clr(changed, TRUSTING)
    assert result.failed_locations == ["", f"{AT}/0"]
    assert _failed(result.outer) == ["signature.invalid"]
    assert _failed(result.nested[0].result) == ["signature.invalid"]


def test_verify_alone_refuses_the_guide_vector_as_a_record() -> None:
    result = mcbadge.verify(VECTOR / "signed.json", TRUSTING)
    assert _failed(result) == ["input.clr"]


@pytest.mark.parametrize(
    ("name", "outer", "nested"),
    [
        # did:key verification methods without a fragment, under a urn:uuid issuer: the key is
        # not the issuer's (and the validator's own test of this sample is commented out)
        ("complex.json", "key_binding.not_issuer_key", "key_binding.not_issuer_key"),
        # a urn:uuid verification method names no key anyone can resolve
        ("simple_v1.json", "key_resolution.offline", "key_resolution.offline"),
        # the pre-release context https://dc.imsglobal.org/draft/clr/v2p0/context (legacy:
        # not bundled, never fetched)
        ("simple_old_safesigned.json", "context.not_allowed", "data_loss.undefined_type"),
        ("simple-noproof.json", "context.not_allowed", "data_loss.undefined_type"),
        ("simple.jwt", "context.not_allowed", "context.not_allowed"),
    ],
)
def test_the_other_samples_fail_for_their_stated_reason(name: str, outer: str, nested: str) -> None:
    result = _verify(SAMPLES / name)
    assert exit_code_for(result) == 1
    assert outer in _failed(result.outer)
    assert result.nested  # the credentials inside are reported, whatever the outer says
    assert nested in _failed(result.nested[0].result)


def test_the_unsigned_sample_names_its_missing_proof() -> None:
    result = _verify(SAMPLES / "simple-noproof.json")
    assert "proof.missing" in _failed(result.outer)


def test_signing_the_guide_record_reproduces_its_proof_byte_exact() -> None:
    """mcbadge.sign (with its verifier-check gate, here the CLR data model, schema and
    contexts) signs the guide's unsigned CLR to the very proof value 1EdTech published."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from mcbadge.keys import Key

    pair = json.loads((VECTOR / "keypair.json").read_text("utf-8"))
    seed = bytes.fromhex(pair["privateKeyHex (seed||public)"])[:32]
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    unsigned = json.loads((VECTOR / "unsigned.json").read_text("utf-8"))
    published = json.loads((VECTOR / "signed.json").read_text("utf-8"))
    signed = mcbadge.sign(
        unsigned,
        Key(private.public_key(), private),
        format="eddsa-rdfc-2022",
        verification_method=pair["id"],
        created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC),
    ).document
    proofs = published["proof"] if isinstance(published["proof"], list) else [published["proof"]]
    assert signed["proof"] == proofs[0]
    assert {k: v for k, v in signed.items() if k != "proof"} == unsigned
