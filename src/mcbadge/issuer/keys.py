"""The issuer's signing keys and identifiers: Ed25519 / P-256 keys, did:key, did:web documents.

:class:`SigningKey` is a :class:`mcbadge.keys.Key` (which does all key parsing, encoding and
signing) plus what an issuer needs on top: the verification method that names the key in the
issuer's DID document, and the ``Multikey`` entry for that document. A key file is a private
JWK (``kty``/``crv``/``x``/``d``, plus ``y`` for P-256); unlike :func:`mcbadge.keys.save_key`,
:meth:`SigningKey.save` also writes the verification method as ``kid`` so that a key saved by a
``did:web`` issuer loads back under the same name. Nothing here prints or touches the network,
and no ``repr`` or error message ever contains private key material.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote

from mcbadge.errors import DIDError, KeyMaterialError
from mcbadge.keys import Key, generate_key, key_from_jwk, load_key

__all__ = [
    "KeyKind",
    "SigningKey",
    "did_web_document",
    "did_web_for",
    "did_web_url",
]

KeyKind = Literal["Ed25519", "P-256"]
_KINDS: dict[str, KeyKind] = {"ed25519": "Ed25519", "p256": "P-256"}
_DID_CONTEXT = "https://www.w3.org/ns/did/v1"
_MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


def _kind_of(key: Key, where: str) -> KeyKind:
    """The issuer kind of a private Ed25519 / P-256 key; anything else is refused."""
    kind = _KINDS.get(key.key_type)
    if kind is None or not key.has_private:
        raise KeyMaterialError(
            f"{where} does not hold an Ed25519 or P-256 private key",
            code="key_resolution.unsupported_key",
        )
    return kind


@dataclass(frozen=True)
class SigningKey:
    """A private signing key (Ed25519 or P-256) and the verification method that names it.

    ``verification_method`` is set by the issuer (``did:web:…#…``); when empty the key
    stands for itself as ``did:key``.
    """

    key: Key = field(repr=False, compare=False)
    kind: KeyKind
    verification_method: str = ""

    def __post_init__(self) -> None:
        if _kind_of(self.key, "the signing key") != self.kind:
            raise KeyMaterialError(
                f"the signing key is not a {self.kind} key", code="key_resolution.bad_key"
            )

    # -- construction -------------------------------------------------------------------
    @classmethod
    def generate(cls, kind: KeyKind = "Ed25519") -> SigningKey:
        """A fresh random key."""
        if kind not in ("Ed25519", "P-256"):
            raise ValueError(f"unsupported key kind {kind!r}")
        return cls(generate_key("ed25519" if kind == "Ed25519" else "p256"), kind)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> SigningKey:
        """A key from a private JWK (OKP/Ed25519 or EC/P-256); its ``kid``, if any, becomes
        the verification method."""
        if not isinstance(jwk, Mapping):
            raise KeyMaterialError(
                "the key file is not a JWK object", code="key_resolution.bad_key"
            )
        if "d" not in jwk:
            raise KeyMaterialError(
                "the key file holds no private key", code="key_resolution.bad_key"
            )
        try:
            key = key_from_jwk(jwk)
        except KeyMaterialError as exc:
            code = (
                "key_resolution.unsupported_key"
                if exc.code.endswith("unsupported_key_type")
                else "key_resolution.bad_key"
            )
            raise KeyMaterialError(exc.message, code=code) from None
        kid = jwk.get("kid", "")
        return cls.from_proofs_key(key, kid if isinstance(kid, str) else "")

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
        key = load_key(path)
        return cls(key, _kind_of(key, str(path)))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the private JWK (with the verification method as ``kid``) with owner-only
        permissions; returns the path."""
        target = Path(path)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(self.private_jwk(), handle, indent=2)
            handle.write("\n")
        return target

    @classmethod
    def from_proofs_key(cls, key: Key, verification_method: str = "") -> SigningKey:
        """From a :class:`mcbadge.keys.Key` holding an Ed25519 or P-256 private key."""
        return cls(key, _kind_of(key, "the key"), verification_method)

    def to_proofs_key(self) -> Key:
        """This key as a :class:`mcbadge.keys.Key` (what :mod:`mcbadge.proofs` signs with)."""
        return self.key

    def with_verification_method(self, verification_method: str) -> SigningKey:
        """The same key, named by ``verification_method`` (e.g. ``did:web:…#…``)."""
        return SigningKey(self.key, self.kind, verification_method)

    # -- public side --------------------------------------------------------------------
    @property
    def public_multikey(self) -> str:
        """The public key as a Multikey ``publicKeyMultibase`` value."""
        return self.key.public_multibase()

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
        return self.key.alg

    @property
    def default_cryptosuite(self) -> str:
        return "eddsa-rdfc-2022" if self.kind == "Ed25519" else "ecdsa-rdfc-2019"

    def public_jwk(self) -> dict[str, str]:
        return self.key.public_jwk()

    def private_jwk(self) -> dict[str, str]:
        jwk = self.key.private_jwk()
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
        return self.key.sign(message)


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
