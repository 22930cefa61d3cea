"""Pin how a presentation proof finds the holder's key (``_authentication_method``, behind
``verify_authentication_proof``): behaviour the 2026-12-05 mutation round of proofs/ found
untested.

Each refusal is pinned as the exact ProofOutcome the verifier turns into the presentation's
proof check in the report (code, message, verification method, controller, verdict).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from mcbadge.did import OfflineResolver, VerificationMethod, did_for_key
from mcbadge.keys import generate_key
from mcbadge.proofs._common import Issue, ProofOutcome
from mcbadge.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022
from mcbadge.proofs.presentation import sign_presentation_di, verify_authentication_proof

ED = generate_key("ed25519")
HOLDER = did_for_key(ED)
MULTIKEY = HOLDER.split(":")[-1]
VM = f"{HOLDER}#{MULTIKEY}"
OTHER = did_for_key(generate_key("ed25519"))
V2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def _signed(verification_method: str = VM) -> dict[str, Any]:
    presentation = {"@context": [V2], "type": ["VerifiablePresentation"], "holder": HOLDER}
    return sign_presentation_di(
        presentation,
        ED,
        EDDSA_RDFC_2022,
        verification_method=verification_method,
        created=NOW - timedelta(hours=1),
        challenge="c-123",
    )


def _check(document: dict[str, Any], proof: Any, resolver: Any) -> ProofOutcome:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return verify_authentication_proof(unsecured, proof, resolver, index=0, now=NOW)


class _Rewriting:
    """A caller's resolver that resolves like the offline one, then rewrites the method."""

    def __init__(self, **changes: Any) -> None:
        self._changes = changes

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        vm = OfflineResolver().resolve_verification_method(vm_id)
        return dataclasses.replace(vm, **self._changes)


def test_a_presentation_proof_naming_no_key_is_refused() -> None:
    """A holder's proof with no verificationMethod is refused with
    ``proof.missing_verification_method`` and its exact message; no key or controller is named.
    Kills _authentication_method 4 to 12 (that code or message changed, dropped or None)."""
    document = _signed()
    proof = {k: v for k, v in document["proof"].items() if k != "verificationMethod"}
    assert _check(document, proof, OfflineResolver()) == ProofOutcome(
        index=0,
        type="DataIntegrityProof",
        cryptosuite="eddsa-rdfc-2022",
        verification_method=None,
        controller=None,
        verified=False,
        errors=[
            Issue("proof.missing_verification_method", "the proof names no verificationMethod")
        ],
    )


def test_a_presentation_signed_with_a_key_the_document_carries_is_refused() -> None:
    """A presentation's key must be the holder's own: a key taken from the verification
    method's id (an https URL whose fragment is a Multikey, trusted on request) is refused with
    ``key_binding.embedded_key``, even by a resolver that trusts embedded keys for credentials.
    Kills _authentication_method 27 to 34 (that code or message changed, dropped or None)."""
    vm = f"https://teacher.example/keys#{MULTIKEY}"
    document = _signed(vm)
    resolver = OfflineResolver(trust_embedded_keys=True)
    assert _check(document, document["proof"], resolver) == ProofOutcome(
        index=0,
        type="DataIntegrityProof",
        cryptosuite="eddsa-rdfc-2022",
        verification_method=vm,
        controller=None,
        verified=False,
        errors=[
            Issue(
                "key_binding.embedded_key",
                "a presentation's key must be the holder's own, not one the document carries",
            )
        ],
    )


def test_a_key_whose_controller_is_another_did_is_refused() -> None:
    """A resolver's verification method whose controller is not the DID the method's id names
    is refused with ``key_binding.controller_mismatch``: the key does not belong to that DID.
    Kills _authentication_method 44 to 52 (that code or message changed, dropped or None)."""
    document = _signed()
    assert _check(document, document["proof"], _Rewriting(controller=OTHER)) == ProofOutcome(
        index=0,
        type="DataIntegrityProof",
        cryptosuite="eddsa-rdfc-2022",
        verification_method=VM,
        controller=None,
        verified=False,
        errors=[
            Issue(
                "key_binding.controller_mismatch",
                "the verification method does not belong to the DID that controls it",
            )
        ],
    )


def test_the_controller_is_read_up_to_the_first_hash_of_the_key_id() -> None:
    """The DID a verification method belongs to is its id up to the FIRST ``#``: a method
    ``did#key#2`` of controller ``did`` is the holder's, and the presentation verifies.
    Kills _authentication_method 39 (rsplit: ``did#key`` read as the DID, controller_mismatch)."""
    document = _signed()
    outcome = _check(document, document["proof"], _Rewriting(id=f"{VM}#2"))
    assert outcome == ProofOutcome(
        index=0,
        type="DataIntegrityProof",
        cryptosuite="eddsa-rdfc-2022",
        verification_method=VM,
        controller=HOLDER,
        verified=True,
    )
    assert outcome.verified is True
