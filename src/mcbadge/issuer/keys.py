"""The issuer's signing keys and identifiers: Ed25519 / P-256 keys, did:key, did:web documents.

A key file is a private JWK (``kty``/``crv``/``x``/``d``, plus ``y`` for P-256) with an
optional ``kid``; :meth:`SigningKey.save` writes it with mode 0600. The public side is a
``Multikey`` verification method. Nothing here prints or touches the network, and no
``repr`` or error message ever contains private key material.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote

from mcbadge.errors import DIDError, KeyMaterialError

__all__ = [
    "KeyKind",
    "SigningKey",
    "did_web_document",
    "did_web_for",
    "did_web_url",
    "multibase_b58",
]

KeyKind = Literal["Ed25519", "P-256"]
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_MULTICODEC = {"Ed25519": b"\xed\x01", "P-256": b"\x80\x24"}
_DID_CONTEXT = "https://www.w3.org/ns/did/v1"
_MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


def multibase_b58(data: bytes) -> str:
    """``z`` + base58btc (Bitcoin alphabet), as used by Multikey and proofValue."""
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, rest = divmod(number, 58)
        text = _B58[rest] + text
    return "z" + "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyMaterialError(f"the key file has no {what}", code="key_resolution.bad_key")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise KeyMaterialError(
            f"the key file's {what} is not base64url", code="key_resolution.bad_key"
        ) from None


@dataclass(frozen=True)
class SigningKey:
    """A private signing key (Ed25519 or P-256) and the verification method that names it.

    ``verification_method`` is set by the issuer (``did:web:…#key-…``); when empty the key
    stands for itself as ``did:key``.
    """

    private_key: Any = field(repr=False, compare=False)
    kind: KeyKind
    verification_method: str = ""

    # -- construction -------------------------------------------------------------------
    @classmethod
    def generate(cls, kind: KeyKind = "Ed25519") -> SigningKey:
        """A fresh random key."""
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519

        if kind == "Ed25519":
            return cls(ed25519.Ed25519PrivateKey.generate(), "Ed25519")
        if kind == "P-256":
            return cls(ec.generate_private_key(ec.SECP256R1()), "P-256")
        raise ValueError(f"unsupported key kind {kind!r}")

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> SigningKey:
        """A key from a private JWK (OKP/Ed25519 or EC/P-256)."""
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519

        if not isinstance(jwk, Mapping):
            raise KeyMaterialError(
                "the key file is not a JWK object", code="key_resolution.bad_key"
            )
        kid = jwk.get("kid", "")
        kid = kid if isinstance(kid, str) else ""
        try:
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                private = ed25519.Ed25519PrivateKey.from_private_bytes(_unb64url(jwk.get("d"), "d"))
                key = cls(private, "Ed25519", kid)
            elif jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
                scalar = int.from_bytes(_unb64url(jwk.get("d"), "d"), "big")
                key = cls(ec.derive_private_key(scalar, ec.SECP256R1()), "P-256", kid)
            else:
                raise KeyMaterialError(
                    "the key must be an Ed25519 (OKP) or P-256 (EC) private JWK",
                    code="key_resolution.unsupported_key",
                )
        except ValueError:
            raise KeyMaterialError(
                "the key file does not hold a valid private key", code="key_resolution.bad_key"
            ) from None
        if "x" in jwk and jwk.get("x") != key.public_jwk()["x"]:
            raise KeyMaterialError(
                "the key file's public and private parts do not match",
                code="key_resolution.bad_key",
            )
        return key

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SigningKey:
        """Read a private key file: a JWK (as :meth:`save` writes), or anything
        :func:`mcbadge.keys.load_key` reads (PEM); it must be Ed25519 or P-256."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise KeyMaterialError(
                f"cannot read the key file {path}: {exc.strerror}", code="key.unreadable"
            ) from None
        try:
            body = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict) and "d" in body:
            return cls.from_jwk(body)
        from mcbadge.keys import load_key

        key = load_key(path)
        if not key.has_private or key.key_type not in ("ed25519", "p256"):
            raise KeyMaterialError(
                f"{path} does not hold an Ed25519 or P-256 private key",
                code="key_resolution.unsupported_key",
            )
        return cls.from_proofs_key(key)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the private JWK with owner-only permissions; returns the path."""
        target = Path(path)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(self.private_jwk(), handle, indent=2)
            handle.write("\n")
        return target

    @classmethod
    def from_proofs_key(cls, key: Any, verification_method: str = "") -> SigningKey:
        """From a :class:`mcbadge.keys.Key` holding an Ed25519 or P-256 private key."""
        return cls.from_jwk(key.private_jwk()).with_verification_method(verification_method)

    def to_proofs_key(self) -> Any:
        """This key as a :class:`mcbadge.keys.Key` (what :mod:`mcbadge.proofs` signs with)."""
        from mcbadge.keys import Key

        return Key(self.private_key.public_key(), self.private_key)

    def with_verification_method(self, verification_method: str) -> SigningKey:
        """The same key, named by ``verification_method`` (e.g. ``did:web:…#key-1``)."""
        return SigningKey(self.private_key, self.kind, verification_method)

    # -- public side --------------------------------------------------------------------
    def _public_raw(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        public = self.private_key.public_key()
        if self.kind == "Ed25519":
            return bytes(
                public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            )
        return bytes(
            public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
        )

    @property
    def public_multikey(self) -> str:
        """The public key as a Multikey ``publicKeyMultibase`` value."""
        return multibase_b58(_MULTICODEC[self.kind] + self._public_raw())

    @property
    def did_key(self) -> str:
        """``did:key:z…`` for this key."""
        return f"did:key:{self.public_multikey}"

    @property
    def fragment(self) -> str:
        """The key's fragment in a did:web document: its Multikey value, as
        :func:`mcbadge.did.build_did_web_document` (``mcbadge keys did``) names it."""
        return self.public_multikey

    @property
    def vm_id(self) -> str:
        """The verification method id: the one set, or this key's did:key URL."""
        return self.verification_method or f"{self.did_key}#{self.public_multikey}"

    @property
    def controller(self) -> str:
        """The DID that controls the key (the issuer's id)."""
        return self.vm_id.split("#", 1)[0]

    @property
    def jwt_alg(self) -> str:
        return "EdDSA" if self.kind == "Ed25519" else "ES256"

    @property
    def default_cryptosuite(self) -> str:
        return "eddsa-rdfc-2022" if self.kind == "Ed25519" else "ecdsa-rdfc-2019"

    def public_jwk(self) -> dict[str, str]:
        if self.kind == "Ed25519":
            return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(self._public_raw())}
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }

    def private_jwk(self) -> dict[str, str]:
        from cryptography.hazmat.primitives import serialization

        jwk = self.public_jwk()
        if self.kind == "Ed25519":
            raw = self.private_key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            jwk["d"] = _b64url(bytes(raw))
        else:
            jwk["d"] = _b64url(self.private_key.private_numbers().private_value.to_bytes(32, "big"))
        if self.verification_method:
            jwk["kid"] = self.verification_method
        return jwk

    def verification_method_entry(self, controller: str | None = None) -> dict[str, str]:
        """The ``Multikey`` verification method object for a DID document."""
        did = controller or self.controller
        return {
            "id": self.vm_id if self.vm_id.startswith(did + "#") else f"{did}#{self.fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": self.public_multikey,
        }

    # -- signing ------------------------------------------------------------------------
    def sign_bytes(self, message: bytes) -> bytes:
        """Sign: Ed25519, or ECDSA P-256/SHA-256 as raw ``r || s`` (64 bytes, IEEE P1363)."""
        if self.kind == "Ed25519":
            return bytes(self.private_key.sign(message))
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self.private_key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def did_web_url(did: str) -> str:
    """Where a did:web document lives (``did:web:host%3A8443:path`` → ``https://host:8443/path/did.json``)."""
    if not did.startswith("did:web:") or "#" in did:
        raise DIDError(f"{did!r} is not a did:web DID", code="key_resolution.did_invalid")
    parts = [unquote(part) for part in did[len("did:web:") :].split(":")]
    if not parts[0] or any("/" in part for part in parts):
        raise DIDError(f"{did!r} is not a valid did:web DID", code="key_resolution.did_invalid")
    if len(parts) == 1:
        return f"https://{parts[0]}/.well-known/did.json"
    return f"https://{parts[0]}/{'/'.join(parts[1:])}/did.json"


def did_web_for(host: str, *path: str) -> str:
    """The did:web DID for ``host`` (with optional port) and path segments."""
    return ":".join(["did:web", quote(host, safe=""), *(quote(p, safe="") for p in path)])


def did_web_document(did: str, keys: Iterable[SigningKey]) -> dict[str, Any]:
    """A did.json listing every key (the active one and those kept after rotation) as
    ``Multikey`` methods usable for ``assertionMethod`` and ``authentication``."""
    methods = [key.verification_method_entry(did) for key in keys]
    ids = [method["id"] for method in methods]
    return {
        "@context": [_DID_CONTEXT, _MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }
