"""The ecdsa-rdfc-2019 proof suite (DataIntegrityProof, RDFC-1.0 + SHA-256, p256 key)."""

from __future__ import annotations

from mcbadge.proofs.di import Suite

__all__ = ["ECDSA_RDFC_2019"]

ECDSA_RDFC_2019 = Suite(
    name="ecdsa-rdfc-2019",
    proof_type="DataIntegrityProof",
    cryptosuite="ecdsa-rdfc-2019",
    key_type="p256",
    extra_context=None,
    legacy_names=(),
)
