"""Test-only signing: fresh Ed25519 / P-256 keys as did:key, Data Integrity proofs
(eddsa-rdfc-2022, ecdsa-rdfc-2019) and VC-JWTs, so the adversarial tests start from credentials
that really verify and change exactly one thing."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from pyld import jsonld

from mcbadge.jsonld import offline_document_loader

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, rest = divmod(number, 58)
        text = _B58[rest] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


@dataclass
class TestKey:
    private: Any
    kind: str  # "Ed25519" or "P-256"

    @property
    def multikey(self) -> str:
        public = self.private.public_key()
        if self.kind == "Ed25519":
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return "z" + b58encode(b"\xed\x01" + raw)
        raw = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return "z" + b58encode(b"\x80\x24" + raw)

    @property
    def did(self) -> str:
        return f"did:key:{self.multikey}"

    @property
    def vm(self) -> str:
        return f"{self.did}#{self.multikey}"

    def sign_raw(self, message: bytes) -> bytes:
        if self.kind == "Ed25519":
            return bytes(self.private.sign(message))
        der = self.private.sign(message, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ed25519_key(seed: int) -> TestKey:
    material = hashlib.sha256(f"mcbadge-test-{seed}".encode()).digest()
    return TestKey(ed25519.Ed25519PrivateKey.from_private_bytes(material), "Ed25519")


def p256_key(seed: int) -> TestKey:
    scalar = int.from_bytes(hashlib.sha256(f"p256-{seed}".encode()).digest(), "big") % (2**255)
    return TestKey(ec.derive_private_key(scalar, ec.SECP256R1()), "P-256")


def canonize(document: dict[str, Any]) -> bytes:
    text = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": offline_document_loader,
        },
    )
    return str(text).encode()


def sign_di(
    credential: dict[str, Any],
    key: TestKey,
    *,
    cryptosuite: str | None = None,
    vm: str | None = None,
    **proof_options: Any,
) -> dict[str, Any]:
    document = copy.deepcopy(credential)
    document.pop("proof", None)
    suite = cryptosuite or ("eddsa-rdfc-2022" if key.kind == "Ed25519" else "ecdsa-rdfc-2019")
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": vm or key.vm,
        "proofPurpose": "assertionMethod",
    }
    proof.update(proof_options)
    config = {**proof, "@context": document["@context"]}
    digest = hashlib.sha256(canonize(config)).digest() + hashlib.sha256(canonize(document)).digest()
    proof["proofValue"] = "z" + b58encode(key.sign_raw(digest))
    document["proof"] = [proof]
    return document


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_jwt(payload: dict[str, Any], key: TestKey, header: dict[str, Any] | None = None) -> str:
    head = header or {"alg": "EdDSA" if key.kind == "Ed25519" else "ES256", "kid": key.vm}
    signing_input = f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64url(key.sign_raw(signing_input.encode()))}"


def jwt_payload(credential: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    payload = copy.deepcopy(credential)
    payload.pop("proof", None)
    issuer = payload["issuer"]
    payload["iss"] = issuer["id"] if isinstance(issuer, dict) else issuer
    payload["jti"] = payload["id"]
    payload["sub"] = payload["credentialSubject"].get("id")
    start = payload.get("validFrom") or payload.get("issuanceDate")
    payload["nbf"] = int(datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp())
    end = payload.get("validUntil") or payload.get("expirationDate")
    if end:
        payload["exp"] = int(datetime.fromisoformat(end.replace("Z", "+00:00")).timestamp())
    if payload["@context"][0] == "https://www.w3.org/2018/credentials/v1":
        claims = {k: payload.pop(k) for k in ("iss", "jti", "sub", "nbf", "exp") if k in payload}
        return {**claims, "vc": payload}
    return payload
