"""Signing credentials for the issuer: Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019,
Ed25519Signature2020) and VC-JWT.

When :mod:`mcbadge.proofs` provides ``sign`` it is used; until then this module signs with
the same algorithms itself (RDFC-1.0 over the bundled, offline contexts).
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from mcbadge.errors import ProofError
from mcbadge.issuer.keys import SigningKey, multibase_b58

__all__ = ["FORMATS", "Format", "sign_credential"]

Format = Literal["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt"]
FORMATS: tuple[str, ...] = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt")
_ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
_VC_V1 = "https://www.w3.org/2018/credentials/v1"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _canonize(document: Mapping[str, Any]) -> bytes:
    from pyld import jsonld

    from mcbadge.jsonld import offline_document_loader

    try:
        text = jsonld.normalize(
            copy.deepcopy(dict(document)),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": offline_document_loader,
                "safe": True,
            },
        )
    except Exception as exc:  # pyld raises its own JsonLdError for undefined terms etc.
        raise ProofError(
            f"the credential cannot be canonicalized for signing: {type(exc).__name__}",
            code="canonicalization.failed",
        ) from None
    return str(text).encode("utf-8")


@functools.lru_cache(maxsize=64)
def _canonize_config(config_json: str) -> bytes:
    """Canonical proof options; in a batch most credentials share them (same second, key,
    contexts), and context processing is most of the cost of canonicalizing them."""
    return _canonize(json.loads(config_json))


def check_key_for_format(key: SigningKey, format: str) -> None:
    """Raise ``ProofError`` when the key type does not fit the signature format."""
    if format not in FORMATS:
        raise ProofError(f"unknown signature format {format!r}", code="cryptosuite.unsupported")
    if format in ("eddsa-rdfc-2022", "ed25519-2020") and key.kind != "Ed25519":
        raise ProofError(f"{format} needs an Ed25519 key", code="cryptosuite.key_mismatch")
    if format == "ecdsa-rdfc-2019" and key.kind != "P-256":
        raise ProofError("ecdsa-rdfc-2019 needs a P-256 key", code="cryptosuite.key_mismatch")


def _sign_data_integrity(
    credential: Mapping[str, Any], key: SigningKey, format: str, created: str
) -> dict[str, Any]:
    document = {k: copy.deepcopy(v) for k, v in credential.items() if k != "proof"}
    proof: dict[str, Any]
    if format == "ed25519-2020":
        contexts = list(document["@context"])
        if _ED25519_2020_CONTEXT not in contexts:
            contexts.append(_ED25519_2020_CONTEXT)
            document["@context"] = contexts
        proof = {"type": "Ed25519Signature2020"}
    else:
        proof = {"type": "DataIntegrityProof", "cryptosuite": format}
    proof.update(
        {"created": created, "verificationMethod": key.vm_id, "proofPurpose": "assertionMethod"}
    )
    config = {**proof, "@context": document["@context"]}
    message = (
        hashlib.sha256(_canonize_config(json.dumps(config, sort_keys=True))).digest()
        + hashlib.sha256(_canonize(document)).digest()
    )
    proof["proofValue"] = multibase_b58(key.sign_bytes(message))
    document["proof"] = [proof]  # an array: the strict OB 3.0 schema requires one
    return document


def _b64url_json(value: Mapping[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _timestamp(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _sign_jwt(credential: Mapping[str, Any], key: SigningKey) -> str:
    """A compact VC-JWT: VCDM 2.0 payload is the credential plus iss/jti/nbf/exp claims
    (VCDM 1.1 credentials go under ``vc``, as the VC-JWT 1.1 encoding says)."""
    body = {k: copy.deepcopy(v) for k, v in credential.items() if k != "proof"}
    issuer = body.get("issuer")
    claims: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, Mapping) else issuer,
        "jti": body.get("id"),
    }
    subject = body.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    v1 = body.get("@context", [None])[0] == _VC_V1
    start = _timestamp(body.get("issuanceDate" if v1 else "validFrom"))
    end = _timestamp(body.get("expirationDate" if v1 else "validUntil"))
    if start is not None:
        claims["nbf"] = start
    if end is not None:
        claims["exp"] = end
    payload = {**claims, "vc": body} if v1 else {**body, **claims}
    header = {"alg": key.jwt_alg, "kid": key.vm_id, "typ": "JWT"}
    signing_input = f"{_b64url_json(header)}.{_b64url_json(payload)}"
    signature = key.sign_bytes(signing_input.encode("ascii"))
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode('ascii')}"


def sign_credential(
    credential: Mapping[str, Any],
    key: SigningKey,
    format: str = "eddsa-rdfc-2022",
    *,
    created: str | None = None,
) -> dict[str, Any] | str:
    """Sign an unsigned credential: a dict with an embedded proof, or a compact VC-JWT."""
    check_key_for_format(key, format)
    if format == "jwt":
        return _sign_jwt(credential, key)
    return _sign_data_integrity(credential, key, format, created or _now())
