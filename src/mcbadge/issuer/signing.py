"""Signing for the issuer: a thin adapter from :class:`~mcbadge.issuer.keys.SigningKey` to
:func:`mcbadge.proofs.sign` (Data Integrity ``eddsa-rdfc-2022`` / ``ecdsa-rdfc-2019`` /
``Ed25519Signature2020``, VC-JWT, or VC-JOSE-COSE ``vc+jwt``).

The proof layer refuses to sign what a verifier would reject (for example a catalog entry
with a property no JSON-LD context defines, which canonicalization would silently drop), so
a bad catalog fails at issuance with a ``data_loss.*`` code instead of producing credentials
that never verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mcbadge.errors import ProofError
from mcbadge.issuer.keys import SigningKey

__all__ = ["FORMATS", "check_key_for_format", "sign_credential"]

FORMATS: tuple[str, ...] = (
    "eddsa-rdfc-2022",
    "ecdsa-rdfc-2019",
    "ed25519-2020",
    "jwt",
    "vc+jwt",
)


def check_key_for_format(key: SigningKey, format: str) -> None:
    """Raise ``ProofError`` when the key type does not fit the signature format."""
    if format not in FORMATS:
        raise ProofError(f"unknown signature format {format!r}", code="cryptosuite.unsupported")
    if format in ("eddsa-rdfc-2022", "ed25519-2020") and key.kind != "Ed25519":
        raise ProofError(f"{format} needs an Ed25519 key", code="cryptosuite.key_mismatch")
    if format == "ecdsa-rdfc-2019" and key.kind != "P-256":
        raise ProofError("ecdsa-rdfc-2019 needs a P-256 key", code="cryptosuite.key_mismatch")


def sign_credential(
    credential: Mapping[str, Any],
    key: SigningKey,
    format: str = "eddsa-rdfc-2022",
    *,
    created: datetime | None = None,
) -> dict[str, Any] | str:
    """Sign an unsigned credential: a dict with an embedded proof, or a compact VC-JWT/vc+jwt.

    The proof names ``key.vm_id``, which must belong to the credential's issuer.
    """
    from mcbadge.proofs import sign

    check_key_for_format(key, format)
    signed = sign(
        credential,
        key.to_proofs_key(),
        format=format,  # type: ignore[arg-type]  # checked above
        verification_method=key.vm_id,
        created=created,
    )
    if signed.jwt is not None:
        return signed.jwt
    document = dict(signed.document)
    if isinstance(document.get("proof"), Mapping):
        # The strict OB 3.0 JSON Schema wants an array; in JSON-LD a single proof and a
        # one-element array are the same graph, and the proof is outside what is signed.
        document["proof"] = [document["proof"]]
    return document
