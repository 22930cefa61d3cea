"""The ed25519-2020 proof suite (Ed25519Signature2020, RDFC-1.0 + SHA-256, ed25519 key)."""

from __future__ import annotations

from mcbadge.proofs.di import Suite

__all__ = ["ED25519_2020"]

ED25519_2020 = Suite(
    name="ed25519-2020",
    proof_type="Ed25519Signature2020",
    cryptosuite=None,
    key_type="ed25519",
    extra_context="https://w3id.org/security/suites/ed25519-2020/v1",
    legacy_names=(),
)
