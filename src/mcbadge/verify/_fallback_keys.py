"""Public keys for the verifier's built-in proof checking (used only while
:mod:`mcbadge.proofs` is not installed): multibase/multicodec keys, did:key, preloaded DID
documents and JWKs. Errors carry ``key_resolution.*`` / ``key_binding.*`` codes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from mcbadge.errors import DIDError, KeyMaterialError

__all__ = ["b58decode", "key_from_did_document", "key_from_jwk", "key_from_multikey"]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: value for value, char in enumerate(_B58)}
_ED25519_CODEC = b"\xed\x01"
_P256_CODEC = b"\x80\x24"


def b58decode(text: str) -> bytes:
    """Decode base58btc (Bitcoin alphabet); raises ValueError on a bad character."""
    if len(text) > 4096:
        raise ValueError("base58 text too long")
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError("not base58btc")
        number = number * 58 + _B58_INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading = len(text) - len(text.lstrip("1"))
    return b"\x00" * leading + body


def _fail(message: str, detail: str = "bad_key") -> KeyMaterialError:
    return KeyMaterialError(message, code=f"key_resolution.{detail}")


def key_from_multikey(multibase: str) -> Any:
    """An Ed25519 or P-256 public key from a ``z…`` multibase multicodec string."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise _fail("the public key is not base58btc multibase")
    try:
        raw = b58decode(multibase[1:])
    except ValueError:
        raise _fail("the public key is not base58btc multibase") from None
    if raw.startswith(_ED25519_CODEC) and len(raw) == 34:
        return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])
    if raw.startswith(_P256_CODEC) and len(raw) == 35:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        except ValueError:
            raise _fail("the P-256 public key is not a valid point") from None
    raise _fail("unsupported public key type (Ed25519 and P-256 are supported)")


def _b64url_int(value: Any) -> int:
    if not isinstance(value, str):
        raise _fail("the JWK is malformed")
    try:
        return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")
    except (binascii.Error, ValueError):
        raise _fail("the JWK is malformed") from None


def _b64url_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise _fail("the JWK is malformed")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise _fail("the JWK is malformed") from None


def key_from_jwk(jwk: Any) -> Any:
    """A public key from a JWK (OKP Ed25519, EC P-256, RSA); private members are refused."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if not isinstance(jwk, Mapping):
        raise _fail("the JWK is not an object")
    if "d" in jwk or "p" in jwk:
        raise _fail("the JWK contains private key material", "private_key")
    kty = jwk.get("kty")
    try:
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(_b64url_bytes(jwk.get("x")))
        if kty == "EC" and jwk.get("crv") == "P-256":
            numbers = ec.EllipticCurvePublicNumbers(
                _b64url_int(jwk.get("x")), _b64url_int(jwk.get("y")), ec.SECP256R1()
            )
            return numbers.public_key()
        if kty == "RSA":
            modulus = _b64url_int(jwk.get("n"))
            if modulus.bit_length() < 2048:
                raise _fail("the RSA key is shorter than 2048 bits")
            return rsa.RSAPublicNumbers(_b64url_int(jwk.get("e")), modulus).public_key()
    except ValueError:
        raise _fail("the JWK is not a valid public key") from None
    raise _fail(f"unsupported JWK key type {kty!r}")


def _did_key(did_url: str) -> Any:
    did, _, fragment = did_url.partition("#")
    multibase = did[len("did:key:") :]
    if fragment and fragment != multibase:
        raise DIDError("the did:key fragment does not name its key", code="key_resolution.bad_did")
    return key_from_multikey(multibase)


def _absolute(vm_id: Any, did: str) -> Any:
    return f"{did}{vm_id}" if isinstance(vm_id, str) and vm_id.startswith("#") else vm_id


def key_from_did_document(
    did_url: str, document: Mapping[str, Any] | None, *, relationship: str = "assertionMethod"
) -> Any:
    """The public key of verification method ``did_url``, which must be listed under
    ``relationship`` in its DID document (did:key documents are derived)."""
    did = did_url.split("#", 1)[0]
    if did.startswith("did:key:") and document is None:
        return _did_key(did_url)
    if document is None:
        raise DIDError(f"no DID document for {did}", code="key_resolution.unresolved")
    if document.get("id") != did:
        raise DIDError("the DID document describes another DID", code="key_resolution.did_mismatch")
    allowed = [
        _absolute(item if isinstance(item, str) else item.get("id"), did)
        for item in document.get(relationship, [])
        if isinstance(item, str | dict)
    ]
    if did_url not in allowed:
        raise DIDError(
            f"the key is not listed under {relationship} in the issuer's DID document",
            code="key_binding.not_assertion_method",
        )
    candidates = list(document.get("verificationMethod", []))
    candidates += [item for item in document.get(relationship, []) if isinstance(item, dict)]
    for method in candidates:
        if not isinstance(method, dict) or _absolute(method.get("id"), did) != did_url:
            continue
        if method.get("controller") not in (None, did):
            raise DIDError("the key is controlled by someone else", code="key_binding.controller")
        if "publicKeyMultibase" in method:
            return key_from_multikey(method["publicKeyMultibase"])
        if "publicKeyJwk" in method:
            return key_from_jwk(method["publicKeyJwk"])
        raise _fail("the verification method has no supported public key")
    raise DIDError(
        "the verification method is not in the DID document", code="key_resolution.no_method"
    )


def did_web_url(did: str) -> str:
    """The https URL of a did:web DID document (did:web method spec §3.2.1)."""
    from urllib.parse import unquote

    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise DIDError(f"{did!r} is not a did:web DID", code="key_resolution.bad_did")
    parts = did[len("did:web:") :].split(":")
    host = unquote(parts[0])
    if not host or "/" in host or "@" in host:
        raise DIDError(f"{did!r} has an invalid host", code="key_resolution.bad_did")
    path = "/".join(unquote(part) for part in parts[1:])
    if any(segment in ("", ".", "..") for segment in path.split("/")) and path:
        raise DIDError(f"{did!r} has an invalid path", code="key_resolution.bad_did")
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"
