"""mcbadge: issue and verify Open Badges 3.0 credentials (W3C Verifiable Credentials).

The public face of the library. Heavy modules (JSON-LD, cryptography) are imported lazily so
that ``import mcbadge`` and the CLI start fast and nothing touches the network at import time.
"""

from __future__ import annotations

from mcbadge.errors import (
    BakingError,
    CanonicalizationError,
    ContextError,
    DataLossError,
    DIDError,
    FetchError,
    InputError,
    JWTError,
    KeyMaterialError,
    MCBadgeError,
    NetworkPolicyError,
    ProofError,
    RegistryError,
    SchemaError,
    SignatureError,
    StatusError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "BakingError",
    "CanonicalizationError",
    "ContextError",
    "DIDError",
    "DataLossError",
    "FetchError",
    "InputError",
    "JWTError",
    "KeyMaterialError",
    "MCBadgeError",
    "NetworkPolicyError",
    "ProofError",
    "RegistryError",
    "SchemaError",
    "SignatureError",
    "StatusError",
    "ValidationError",
    "__version__",
]
