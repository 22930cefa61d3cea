"""The eddsa-rdfc-2022 proof suite (DataIntegrityProof, RDFC-1.0 + SHA-256, ed25519 key)."""

from __future__ import annotations

from mcbadge.proofs.di import Suite

__all__ = ["EDDSA_RDFC_2022"]

EDDSA_RDFC_2022 = Suite(
    name="eddsa-rdfc-2022",
    proof_type="DataIntegrityProof",
    cryptosuite="eddsa-rdfc-2022",
    key_type="ed25519",
    extra_context=None,
    legacy_names=("eddsa-2022",),
)
