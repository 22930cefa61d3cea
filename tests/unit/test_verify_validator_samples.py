"""The 1EdTech validator's own OB 3.0 samples (reference/examples/ob3/validator-samples, see
EXPECTED.md): what that validator accepts verifies here (offline, with the spec's embedded
keys trusted), what it rejects fails, naming the check. Deliberate differences are listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcbadge.verify import VerificationPolicy, exit_code_for, verify

VALID = [
    "simple.json",
    "simple.1ob",
    "simple_v1.json",
    "simple-context-alias.json",
    "simple-did-web-method.json",
    "simple-json.png",
    "simple-json.svg",
    "simple-jwt.png",
    "simple-jwt.svg",
    "simple-jwt_v1.png",
    "simple-jwt_v1.svg",
    "endorsement-valid.json",
]
INVALID = {
    "simple-err-type.json": "data_model",
    "simple-err-proof-method.json": "key_resolution",
    "simple-err-proof-method-no-scheme.json": "key_resolution",
    "simple-err-proof-method-unknown-scheme.json": "key_resolution",
    "simple-err-proof-method-unknown-did-method.json": "key_binding",
    "simple-err-proof-value.json": "signature",
    "simple-err-expired.json": "validity",
    "simple-err-issued.json": "validity",
    "simple-err-issuer.json": "data_model",
    "simple-err-credential-subject-type.json": "data_loss",
    "simple-err-evidence-type.json": "data_loss",
    "simple-err-issuer-type.json": "data_loss",
    "simple-multiple-proofs.json": "proof",
    "simple-noproof.json": "proof",
    "velocity.jwt": "context",
    # Stricter than the 1EdTech validator, on purpose:
    # a did:key that is not the issuer's own id does not bind to the issuer,
    "simple-did-key-method.json": "key_binding",
    # and the pre-standard cryptosuite name "eddsa-2022" is not accepted.
    "simple-eddsa-2022.json": "cryptosuite",
}
POLICY = VerificationPolicy(offline=True, trust_embedded_keys=True)


@pytest.fixture(scope="module")
def samples(reference: Path) -> Path:
    return reference / "examples/ob3/validator-samples"


@pytest.mark.parametrize("name", VALID)
def test_accepted_samples_verify(samples: Path, name: str) -> None:
    result = verify(samples / name, POLICY)
    assert result.verified, [result.check(c).code for c in result.failed_checks]


@pytest.mark.parametrize(("name", "check_id"), sorted(INVALID.items()))
def test_rejected_samples_fail(samples: Path, name: str, check_id: str) -> None:
    result = verify(samples / name, POLICY)
    assert exit_code_for(result) == 1
    assert check_id in result.failed_checks


def test_status_list_sample_is_indeterminate_offline(samples: Path) -> None:
    result = verify(samples / "complete.json", POLICY)
    assert exit_code_for(result) == 2
