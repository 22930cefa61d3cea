"""Decentralized identifiers: did:key, did:jwk (offline), did:web (documents + URLs), resolvers.

Resolution is offline: did:key and did:jwk are derived from the identifier itself; did:web and
https controller documents come from a mapping of preloaded documents. Fetching did:web documents
is the verifier's job; :func:`did_web_url` tells it where to look.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import quote, unquote

from mcbadge.errors import DIDError, KeyMaterialError
from mcbadge.keys import (
    PRIVATE_JWK_MEMBERS,
    Key,
    jwk_permits_verify,
    key_from_jwk,
    key_from_multikey,
)
from mcbadge.multibase import b64url_decode, b64url_encode

__all__ = [
    "RELATIONSHIPS",
    "OfflineResolver",
    "Resolver",
    "VerificationMethod",
    "build_did_web_document",
    "did_for_key",
    "did_jwk",
    "did_jwk_document",
    "did_key",
    "did_key_document",
    "did_web_url",
    "verification_method_from_document",
]

RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)
_SIGNATURE_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
JWS_2020_V1 = "https://w3id.org/security/suites/jws-2020/v1"


def _err(message: str, detail: str) -> DIDError:
    return DIDError(message, code=f"key_resolution.{detail}")


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method and the DID-document relationships it is listed in."""

    id: str
    controller: str
    type: str
    key: Key
    relationships: frozenset[str] = field(default_factory=frozenset)
    embedded: bool = False  # True when the key came from the VM id itself (trusted on request)


@runtime_checkable
class Resolver(Protocol):
    """What :func:`mcbadge.proofs.verify_proof` needs to find a key."""

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod: ...


# --- did:key -----------------------------------------------------------------------------------
def did_key(key: Key) -> str:
    """``did:key:z...`` of an Ed25519 or P-256 key."""
    return "did:key:" + key.public_multibase()


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key (Multikey VM ``did:key:z...#z...``)."""
    base = did.split("#", 1)[0]
    if not base.startswith("did:key:z"):
        raise _err("not a did:key identifier", "did_invalid")
    multibase = base[len("did:key:") :]
    try:
        key_from_multikey(multibase)
    except KeyMaterialError as exc:
        raise _err(f"the did:key does not hold a usable key: {exc.message}", _detail(exc)) from None
    vm_id = f"{base}#{multibase}"
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": base,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": base, "publicKeyMultibase": multibase}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def _detail(exc: KeyMaterialError) -> str:
    detail = exc.code.split(".", 1)[-1]
    return detail if exc.code.startswith("key_resolution.") else "bad_key"


# --- did:jwk -----------------------------------------------------------------------------------
def did_jwk(key: Key) -> str:
    """``did:jwk:<base64url(public JWK)>``."""
    text = json.dumps(key.public_jwk(), separators=(",", ":"))
    return "did:jwk:" + b64url_encode(text.encode("utf-8"))


def did_jwk_document(did: str) -> dict[str, Any]:
    """The DID document of a did:jwk (VM ``did:jwk:...#0``, JsonWebKey)."""
    base = did.split("#", 1)[0]
    if not base.startswith("did:jwk:"):
        raise _err("not a did:jwk identifier", "did_invalid")
    try:
        jwk = json.loads(b64url_decode(base[len("did:jwk:") :], code="key_resolution.did_invalid"))
    except (KeyMaterialError, ValueError, UnicodeDecodeError):
        raise _err("the did:jwk does not hold a JSON Web Key", "did_invalid") from None
    if not isinstance(jwk, dict):
        raise _err("the did:jwk does not hold a JSON Web Key", "did_invalid")
    if PRIVATE_JWK_MEMBERS.intersection(jwk):
        raise _err("the did:jwk holds private key material; it must be a public key", "private_key")
    try:
        key_from_jwk(jwk)
        signs = jwk_permits_verify(jwk)
    except KeyMaterialError as exc:
        raise _err(f"the did:jwk does not hold a usable key: {exc.message}", _detail(exc)) from None
    vm_id = f"{base}#0"
    document: dict[str, Any] = {
        "@context": [DID_V1, JWS_2020_V1],
        "id": base,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey2020", "controller": base, "publicKeyJwk": jwk}
        ],
    }
    # did:jwk §2.2 (Read): a key whose use is "enc" is listed only under keyAgreement, one
    # whose use is "sig" only under the signature relationships; key_ops without "verify"
    # (RFC 7517 §4.3) likewise rule out every signature relationship.
    if jwk.get("use") == "enc":
        document["keyAgreement"] = [vm_id]
    elif signs:
        for relationship in _SIGNATURE_RELATIONSHIPS:
            document[relationship] = [vm_id]
    return document


def did_for_key(key: Key) -> str:
    """did:key for Ed25519/P-256, did:jwk for RSA."""
    return did_jwk(key) if key.key_type == "rsa" else did_key(key)


def default_verification_method(key: Key) -> str:
    """The VM id a key signs with by default: ``did:key:z..#z..`` or ``did:jwk:...#0``."""
    if key.key_type == "rsa":
        return did_jwk(key) + "#0"
    return f"{did_key(key)}#{key.public_multibase()}"


# --- did:web -----------------------------------------------------------------------------------
def _web_did(domain: str, path: str | None) -> str:
    if not domain or "/" in domain or any(c.isspace() for c in domain):
        raise _err("the did:web domain is not a host name", "did_invalid")
    did = "did:web:" + quote(domain, safe="")
    if path:
        parts = [p for p in path.strip("/").split("/") if p]
        did += "".join(":" + quote(p, safe="") for p in parts)
    return did


def build_did_web_document(
    domain: str,
    keys: Iterable[Key],
    path: str | None = None,
    *,
    vm_type: Literal["Multikey", "JsonWebKey", "both"] = "Multikey",
) -> dict[str, Any]:
    """The ``did.json`` an issuer publishes for did:web (keys listed under assertionMethod).

    RSA keys are always published as ``JsonWebKey``; ``vm_type="both"`` lists each EC key twice.
    """
    did = _web_did(domain, path)
    methods: list[dict[str, Any]] = []
    for key in keys:
        public = key.public_key()
        if vm_type in ("Multikey", "both") and public.key_type != "rsa":
            methods.append(
                {
                    "id": f"{did}#{public.public_multibase()}",
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": public.public_multibase(),
                }
            )
        if vm_type in ("JsonWebKey", "both") or public.key_type == "rsa":
            methods.append(
                {
                    "id": f"{did}#{public.fingerprint}",
                    "type": "JsonWebKey",
                    "controller": did,
                    "publicKeyJwk": public.public_jwk(),
                }
            )
    if not methods:
        raise _err("a did:web document needs at least one key", "no_keys")
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_V1, MULTIKEY_V1, "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def did_web_url(did: str) -> str:
    """Where a did:web document lives (``.well-known/did.json`` or ``<path>/did.json``)."""
    base = did.split("#", 1)[0]
    if not base.startswith("did:web:") or "?" in base or "/" in base:
        raise _err("not a did:web identifier", "did_invalid")
    parts = base[len("did:web:") :].split(":")
    if not parts[0] or any(not p for p in parts):
        raise _err("the did:web identifier is malformed", "did_invalid")
    host = unquote(parts[0])
    if any(c in host for c in "/@\\ ") or not host:
        raise _err("the did:web host is not valid", "did_invalid")
    segments = [unquote(p) for p in parts[1:]]
    if any(s in (".", "..") or "/" in s for s in segments):
        raise _err("the did:web path is not valid", "did_invalid")
    if segments:
        return f"https://{host}/" + "/".join(quote(s, safe="") for s in segments) + "/did.json"
    return f"https://{host}/.well-known/did.json"


# --- resolving a VM inside a document ---------------------------------------------------------
def _absolute(ref: Any, base: str) -> Any:
    if isinstance(ref, str) and ref.startswith("#"):
        return base + ref
    return ref


def _key_of(method: Mapping[str, Any]) -> Key:
    try:
        if "publicKeyMultibase" in method:
            value = method["publicKeyMultibase"]
            if not isinstance(value, str):
                raise _err("publicKeyMultibase is not a string", "bad_key")
            return key_from_multikey(value)
        if "publicKeyJwk" in method:
            jwk = method["publicKeyJwk"]
            if isinstance(jwk, Mapping) and PRIVATE_JWK_MEMBERS.intersection(jwk):
                raise _err("a verification method must not publish a private key", "bad_key")
            key = key_from_jwk(jwk)
            if not jwk_permits_verify(jwk):
                raise _err(
                    "the verification method's key is not for signatures (use / key_ops)",
                    "not_signing_key",
                )
            return key
    except KeyMaterialError as exc:
        raise _err(
            f"the verification method's key is not usable: {exc.message}", _detail(exc)
        ) from None
    raise _err("the verification method has no supported public key", "unsupported_key_type")


def verification_method_from_document(
    document: Mapping[str, Any], vm_id: str
) -> VerificationMethod:
    """Find ``vm_id`` in a DID/controller document, with the relationships that list it."""
    doc_id = document.get("id")
    if not isinstance(doc_id, str):
        raise _err("the DID document has no id", "document_invalid")
    if vm_id.split("#", 1)[0] != doc_id:
        raise _err("the verification method does not belong to that document", "did_mismatch")
    found: Mapping[str, Any] | None = None
    relationships: set[str] = set()
    candidates: list[tuple[str | None, Any]] = [(None, document.get("verificationMethod"))]
    candidates += [(rel, document.get(rel)) for rel in RELATIONSHIPS]
    for rel, entries in candidates:
        if entries is None:
            continue
        if not isinstance(entries, list):
            entries = [entries]
        for entry in entries:
            if isinstance(entry, Mapping):
                if _absolute(entry.get("id"), doc_id) == vm_id:
                    if found is not None and dict(found) != dict(entry):
                        raise _err("the document defines that method twice", "document_invalid")
                    found = entry
                    if rel:
                        relationships.add(rel)
            elif rel and _absolute(entry, doc_id) == vm_id:
                relationships.add(rel)
    if found is None:
        raise _err("the verification method is not in the DID document", "vm_not_found")
    controller = found.get("controller")
    if controller != doc_id:
        raise _err(
            "the verification method's controller is not the document's subject",
            "controller_mismatch",
        )
    vm_type = found.get("type")
    if not isinstance(vm_type, str):
        raise _err("the verification method has no type", "document_invalid")
    return VerificationMethod(vm_id, doc_id, vm_type, _key_of(found), frozenset(relationships))


class OfflineResolver:
    """did:key and did:jwk offline, plus preloaded documents (did:web or https controller docs).

    ``documents`` maps a DID or URL (without fragment) to its document, or a full VM id to a
    verification-method object (then listed under ``assertionMethod`` of its controller).
    ``trust_embedded_keys=True`` lets an https VM whose fragment is a Multikey (as in the OB 3.0
    spec examples) resolve to that key; off by default (a key must not vouch for itself).
    """

    def __init__(
        self,
        documents: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        trust_embedded_keys: bool = False,
    ) -> None:
        self.documents = {k: dict(v) for k, v in (documents or {}).items()}
        self.trust_embedded_keys = trust_embedded_keys

    def resolve(self, did: str) -> dict[str, Any]:
        """The document for a DID/URL (no fragment)."""
        base = did.split("#", 1)[0]
        if base in self.documents:
            return dict(self.documents[base])
        if base.startswith("did:key:"):
            return did_key_document(base)
        if base.startswith("did:jwk:"):
            return did_jwk_document(base)
        if base.startswith("did:web:"):
            did_web_url(base)
            raise _err("the did:web document is not available offline", "offline")
        if base.startswith("did:"):
            raise _err("unsupported DID method", "unsupported_method")
        raise _err("no controller document is known for that URL", "offline")

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        if not isinstance(vm_id, str) or "#" not in vm_id:
            raise _err("the verification method id has no fragment", "bad_fragment")
        if vm_id in self.documents:
            method = self.documents[vm_id]
            controller = method.get("controller") or vm_id.split("#", 1)[0]
            if controller != vm_id.split("#", 1)[0]:
                raise _err(
                    "the verification method's controller does not match its id",
                    "controller_mismatch",
                )
            return VerificationMethod(
                vm_id,
                str(controller),
                str(method.get("type", "")),
                _key_of(method),
                frozenset({"assertionMethod"}),
            )
        base, fragment = vm_id.split("#", 1)
        if base.startswith("did:key:") and fragment != base[len("did:key:") :]:
            raise _err("a did:key fragment must repeat the key", "bad_fragment")
        if base.startswith("https://") and base not in self.documents and self.trust_embedded_keys:
            try:
                key = key_from_multikey(fragment)
            except KeyMaterialError as exc:
                raise _err(
                    f"the URL fragment is not a Multikey: {exc.message}", _detail(exc)
                ) from None
            return VerificationMethod(
                vm_id, base, "Multikey", key, frozenset({"assertionMethod"}), True
            )
        if base not in self.documents and base.startswith(("did:key:", "did:jwk:")):
            return _self_describing_vm(vm_id)
        return verification_method_from_document(self.resolve(base), vm_id)


@functools.lru_cache(maxsize=4096)
def _self_describing_vm(vm_id: str) -> VerificationMethod:
    # did:key / did:jwk methods are pure functions of their id: decode each one once per
    # process (the public key object included). Failures raise and are not cached.
    base = vm_id.split("#", 1)[0]
    document = did_key_document(base) if base.startswith("did:key:") else did_jwk_document(base)
    return verification_method_from_document(document, vm_id)
