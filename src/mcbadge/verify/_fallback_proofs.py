"""Built-in proof verification, used only while :mod:`mcbadge.proofs` is not installed.

Data Integrity ``eddsa-rdfc-2022`` / ``ecdsa-rdfc-2019`` (P-256) over RDFC-1.0 with the bundled
contexts only, a work budget on canonicalization and an undefined-term (data loss) check; and
VC-JWT (EdDSA, ES256, RS256). Every failure raises a typed error whose code names its check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from mcbadge.errors import (
    CanonicalizationError,
    ContextError,
    DataLossError,
    MCBadgeError,
    SignatureError,
)
from mcbadge.verify._fallback_keys import (
    b58decode,
    key_from_did_document,
    key_from_jwk,
    key_from_multikey,
)

__all__ = ["KeyLookup", "canonize", "verify_data_integrity", "verify_jws"]

KeyLookup = Callable[[str], Any]
_SENTINEL_VOCAB = "urn:mcbadge:undefined#"
_ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
_SENTINEL_BASE = "https://relative-iri.invalid/"
_ED25519_L = 2**252 + 27742317777372353535851937790883648493
_P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_MAX_N_DEGREE_CALLS = 2_000


def _budgeted_canon() -> Any:
    from pyld.canon import URDNA2015

    class Budgeted(URDNA2015):  # type: ignore[misc]
        calls = 0

        def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
            self.calls += 1
            if self.calls > _MAX_N_DEGREE_CALLS:
                raise CanonicalizationError(
                    "the document's blank-node structure is too complex to canonicalize",
                    code="canonicalization.budget_exceeded",
                )
            return super().hash_n_degree_quads(id_, issuer)

    return Budgeted()


def _loader(url: str, options: Any = None) -> Any:
    from mcbadge.jsonld import offline_document_loader

    return offline_document_loader(url, options)


def _walk_expanded(value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _walk_expanded(item)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key.startswith((_SENTINEL_VOCAB, _ISSUER_DEPENDENT)):
            raise DataLossError(
                f"the term {key.rsplit('#', 1)[-1]!r} is not defined by any context",
                code="data_loss.undefined_term",
            )
        if key == "@type":
            for type_iri in item if isinstance(item, list) else [item]:
                if isinstance(type_iri, str) and (
                    type_iri.startswith((_SENTINEL_VOCAB, _ISSUER_DEPENDENT, _SENTINEL_BASE))
                    or ":" not in type_iri
                ):
                    raise DataLossError(
                        f"the type {type_iri.rsplit('#', 1)[-1]!r} is not defined by any context",
                        code="data_loss.undefined_type",
                    )
        elif (
            key == "@id"
            and isinstance(item, str)
            and (":" not in item or item.startswith(_SENTINEL_BASE))
        ):
            raise DataLossError(
                f"the identifier {item!r} is not an absolute IRI", code="data_loss.relative_iri"
            )
        elif key != "@value":
            _walk_expanded(item)


def _jsonld_error(exc: Exception) -> MCBadgeError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, MCBadgeError):
            return cause
        cause = cause.__cause__ or cause.__context__
    text = str(getattr(exc, "details", "")) + str(exc)
    if "protected" in text.lower():
        return DataLossError(
            "a context tries to redefine a protected term", code="data_loss.protected_term"
        )
    if "context" in text.lower() or "loading" in text.lower():
        return ContextError("a JSON-LD context could not be processed", code="context.invalid")
    return CanonicalizationError(
        "the document is not valid JSON-LD", code="canonicalization.invalid"
    )


def check_data_loss(document: Mapping[str, Any]) -> None:
    from pyld import jsonld

    try:
        expanded = jsonld.expand(
            dict(document),
            {
                "documentLoader": _loader,
                "expandContext": {"@vocab": _SENTINEL_VOCAB},
                "base": _SENTINEL_BASE,
            },
        )
    except MCBadgeError:
        raise
    except Exception as exc:
        raise _jsonld_error(exc) from None
    _walk_expanded(expanded)


def canonize(document: Mapping[str, Any]) -> bytes:
    from pyld import jsonld

    try:
        dataset = jsonld.to_rdf(dict(document), {"documentLoader": _loader, "base": ""})
        text = _budgeted_canon().main(dataset, {"format": "application/n-quads"})
    except MCBadgeError:
        raise
    except Exception as exc:
        raise _jsonld_error(exc) from None
    return str(text).encode("utf-8")


def _verify_signature(
    key: Any, signature: bytes, message: bytes, hash_name: str = "sha256"
) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    bad = SignatureError("the signature does not verify", code="signature.invalid")
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            if len(signature) != 64:
                raise SignatureError(
                    "an Ed25519 signature is 64 bytes", code="signature.bad_length"
                )
            if int.from_bytes(signature[32:], "little") >= _ED25519_L:
                raise SignatureError(
                    "non-canonical Ed25519 signature (S >= L)", code="signature.malleable"
                )
            key.verify(signature, message)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                raise SignatureError(
                    "an ES256 signature is 64 raw bytes (r||s), not DER",
                    code="signature.bad_encoding",
                )
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            if not (0 < r < _P256_N and 0 < s < _P256_N):
                raise SignatureError(
                    "the ECDSA signature values are out of range", code="signature.invalid"
                )
            key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise bad
    except InvalidSignature:
        raise bad from None


def verify_data_integrity(
    document: Mapping[str, Any], proof: Mapping[str, Any], lookup: KeyLookup
) -> None:
    """Verify one embedded proof of ``document`` (the proof is given separately)."""
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise SignatureError("proofValue is not base58btc multibase", code="signature.bad_encoding")
    try:
        signature = b58decode(value[1:])
    except ValueError:
        raise SignatureError(
            "proofValue is not base58btc multibase", code="signature.bad_encoding"
        ) from None
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    check_data_loss(unsecured)
    check_data_loss(config)
    key = lookup(str(proof.get("verificationMethod")))
    message = (
        hashlib.sha256(canonize(config)).digest() + hashlib.sha256(canonize(unsecured)).digest()
    )
    suite = proof.get("cryptosuite")
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    expected = ec.EllipticCurvePublicKey if suite == "ecdsa-rdfc-2019" else ed25519.Ed25519PublicKey
    if not isinstance(key, expected):
        raise SignatureError(
            "the key type does not match the cryptosuite", code="cryptosuite.key_mismatch"
        )
    _verify_signature(key, signature, message)


_JWT_KEY_TYPES = {
    "EdDSA": "Ed25519PublicKey",
    "ES256": "EllipticCurvePublicKey",
    "RS256": "RSAPublicKey",
}


def verify_jws(jws: str, header: Mapping[str, Any], lookup: KeyLookup, *, trust_jwk: bool) -> None:
    """Verify a compact JWS's signature with the key its header names."""
    head, payload, signature_text = jws.split(".")
    try:
        signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
    except (binascii.Error, ValueError):
        raise SignatureError(
            "the JWT signature is not base64url", code="signature.bad_encoding"
        ) from None
    if base64.urlsafe_b64encode(signature).rstrip(b"=").decode() != signature_text:
        raise SignatureError(
            "the JWT signature is not canonical base64url", code="signature.bad_encoding"
        )
    if "kid" in header:
        key = lookup(str(header["kid"]))
    elif trust_jwk:
        key = key_from_jwk(header.get("jwk"))
    else:  # pragma: no cover - key binding refuses this before we get here
        raise SignatureError("no trusted key", code="key_binding.embedded_key")
    alg = str(header.get("alg"))
    if not _key_matches(key, alg):
        raise SignatureError(
            f"the key does not fit the algorithm {alg}", code="jwt.alg_key_mismatch"
        )
    _verify_signature(key, signature, f"{head}.{payload}".encode("ascii"))


def _key_matches(key: Any, alg: str) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    kinds = {
        "EdDSA": ed25519.Ed25519PublicKey,
        "ES256": ec.EllipticCurvePublicKey,
        "RS256": rsa.RSAPublicKey,
    }
    kind = kinds.get(alg)
    if kind is None or not isinstance(key, kind):
        return False
    return alg != "ES256" or isinstance(key.curve, ec.SECP256R1)  # type: ignore[attr-defined]


def make_lookup(
    did_documents: Mapping[str, Mapping[str, Any]],
    fetch_did: Callable[[str], Any] | None,
    *,
    trust_embedded: bool,
) -> KeyLookup:
    """A key lookup: did:key, preloaded DID documents, did:web via ``fetch_did``, and (only
    when trusted) an https verification method whose fragment is the multibase key."""

    def lookup(key_id: str) -> Any:
        did = key_id.split("#", 1)[0]
        if key_id.startswith("did:"):
            document = did_documents.get(did)
            if document is None and did.startswith("did:web:"):
                if fetch_did is None:
                    raise MCBadgeError(
                        f"cannot resolve {did} offline", code="key_resolution.unreachable"
                    )
                document = fetch_did(did)
            if document is None and not did.startswith("did:key:"):
                raise MCBadgeError(
                    f"unsupported DID method in {did}", code="key_resolution.unsupported_method"
                )
            return key_from_did_document(key_id, document)
        if trust_embedded and key_id.startswith("https://") and "#" in key_id:
            return key_from_multikey(key_id.split("#", 1)[1])
        raise MCBadgeError("the key cannot be resolved", code="key_resolution.unsupported_method")

    return lookup
