"""The one exception hierarchy of mcbadge.

Every error the library raises on bad *input* is an :class:`MCBadgeError` with a stable,
machine-readable ``code`` (what a licensure office's software keys on) and a message a
person can read. A code reads ``<check_id>.<detail>``: its first part is the id of the
verifier check that the error fails (``input``, ``data_model``, ``schema``, ``context``,
``data_loss``, ``canonicalization``, ``proof``, ``cryptosuite``, ``signature``,
``key_resolution``, ``key_binding``, ``proof_purpose``, ``proof_time``, ``jwt``,
``jwt_claims``, ``validity``, ``status``, ``status_retrieval``, ``status_list``,
``status_range``, ``recipient``, ``endorsements``, ``network_policy``), so the verifier maps
an error to its check without a table; e.g. ``jwt.alg_none`` or ``key_binding.not_issuer_key``.
Programmer errors (wrong argument types) stay ordinary ``TypeError`` / ``ValueError``.
Messages never contain key material.
"""

from __future__ import annotations

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
    "PublishError",
    "RegistryError",
    "RuleError",
    "SchemaError",
    "SignatureError",
    "StatusError",
    "TrustListError",
    "ValidationError",
]


class MCBadgeError(Exception):
    """Base of every error mcbadge raises for bad input or a failed operation."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InputError(MCBadgeError):
    """The bytes given are not an acceptable JSON document (size, depth, encoding, syntax)."""

    code = "input.invalid"


class ValidationError(MCBadgeError):
    """A document does not follow the Open Badges 3.0 / VC data model.

    ``errors`` lists each problem as ``{"loc": "credentialSubject.result[0].status",
    "message": ...}`` using the spec's JSON names.
    """

    code = "data_model.invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.errors: list[dict[str, str]] = errors or []


class SchemaError(MCBadgeError):
    """A document fails the 1EdTech JSON Schema it is checked against."""

    code = "schema.invalid"

    def __init__(
        self, message: str, *, code: str | None = None, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.errors: list[dict[str, str]] = errors or []


class ContextError(MCBadgeError):
    """A JSON-LD context is not one of the bundled, allow-listed contexts (never fetched)."""

    code = "context.not_allowed"


class DataLossError(MCBadgeError):
    """JSON-LD processing would silently drop or relativise a term, type or value."""

    code = "data_loss.dropped"


class CanonicalizationError(MCBadgeError):
    """RDF canonicalization failed, for instance because the work budget was exceeded."""

    code = "canonicalization.budget_exceeded"


class KeyMaterialError(MCBadgeError):
    """A key cannot be generated, parsed, decrypted or used for the requested operation."""

    code = "key.invalid"


class DIDError(MCBadgeError):
    """A DID or DID URL cannot be parsed or resolved, or a DID document is malformed."""

    code = "key_resolution.did_invalid"


class ProofError(MCBadgeError):
    """A proof is missing, malformed, of an unsupported type, or cannot be created."""

    code = "proof.invalid"


class SignatureError(ProofError):
    """A signature does not verify over the document it covers."""

    code = "signature.invalid"


class JWTError(ProofError):
    """A VC-JWT is malformed, uses a forbidden header or algorithm, or its claims disagree."""

    code = "jwt.invalid"


class FetchError(MCBadgeError):
    """A remote resource (DID document, status list) could not be retrieved safely."""

    code = "status_retrieval.failed"


class NetworkPolicyError(FetchError):
    """A fetch was refused by policy: offline mode, non-HTTPS, private address, redirect."""

    code = "network_policy.refused"


class StatusError(MCBadgeError):
    """A status list or revocation list is malformed, out of range or untrustworthy."""

    code = "status_list.invalid"


class BakingError(MCBadgeError):
    """A badge image cannot be baked or unbaked safely."""

    code = "input.baking"


class RegistryError(MCBadgeError):
    """The issuer registry cannot record or find what was asked."""

    code = "registry.error"


class RuleError(MCBadgeError):
    """A stack rule file cannot be used: unreadable, against its JSON Schema, or inconsistent
    (a minimum level missing from the rule's own level order...). Codes read ``rule.<detail>``.
    """

    code = "rule.invalid"


class PublishError(MCBadgeError):
    """Publishing status would overwrite what another registry, issuer or key published, or
    would clear a published revocation; nothing was written."""

    code = "publish.refused"


class TrustListError(MCBadgeError):
    """A trust list cannot be relied on: malformed, expired, tampered with, pinned wrongly,
    unverifiable or signed by someone other than its operator. Never an empty list.

    Codes read ``trust_list.<detail>`` (``trust_list.expired``, ``trust_list.wrong_pin`` ...).
    """

    code = "trust_list.invalid"
