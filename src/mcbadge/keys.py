"""Signing keys: Ed25519 (EdDSA), P-256 (ES256) and RSA >= 2048 bits, e = 65537 (RS256).

A :class:`Key` wraps a ``cryptography`` key. Its algorithm is decided by the key type only.
Formats: JWK (RFC 7517/8037), PEM/PKCS#8 (optionally passphrase-encrypted) and Multikey
(``publicKeyMultibase``). Key material never appears in ``repr`` or error messages.

Key files written by :func:`save_key` are JSON with mode 0600: an unencrypted file is the private
JWK itself; a passphrase-protected file is ``{"mcbadge_key": 1, "public_jwk": {...},
"encrypted_pkcs8": "<PKCS#8 PEM, BestAvailableEncryption>"}``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from mcbadge.errors import KeyMaterialError, SignatureError
from mcbadge.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    P256_PRIV,
    P256_PUB,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
    multicodec_split,
)

__all__ = [
    "PRIVATE_JWK_MEMBERS",
    "Algorithm",
    "Key",
    "KeyType",
    "generate_key",
    "jwk_permits_verify",
    "key_from_jwk",
    "key_from_multikey",
    "key_from_pem",
    "load_key",
    "load_public_key",
    "save_key",
]

Algorithm = Literal["EdDSA", "ES256", "RS256"]
KeyType = Literal["ed25519", "p256", "rsa"]

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_MAX_RSA_BITS = 8192
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _bad(message: str, detail: str = "invalid") -> KeyMaterialError:
    return KeyMaterialError(message, code=f"key_resolution.{detail}")


def _bad_sig(
    detail: str = "invalid", message: str = "the signature does not verify"
) -> SignatureError:
    return SignatureError(message, code=f"signature.{detail}")


def _check_public(public: Any) -> PublicKey:
    if isinstance(public, ed25519.Ed25519PublicKey):
        return public
    if isinstance(public, ec.EllipticCurvePublicKey):
        if not isinstance(public.curve, ec.SECP256R1):
            raise _bad("only the P-256 elliptic curve is supported", "unsupported_key_type")
        return public
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        if numbers.e != 65537:
            raise _bad("RSA keys must use the public exponent 65537", "weak_key")
        if public.key_size < 2048 or public.key_size > _MAX_RSA_BITS:
            raise _bad("RSA keys must have 2048 to 8192 bits", "weak_key")
        return public
    raise _bad("unsupported key type", "unsupported_key_type")


def _der_to_raw_strict(signature: bytes) -> tuple[int, int]:
    """Parse a strict DER ECDSA-Sig-Value (minimal lengths and integers) into (r, s)."""
    bad = _bad_sig("bad_encoding", "the ECDSA signature is not strict DER")
    if len(signature) < 8 or signature[0] != 0x30 or signature[1] & 0x80:
        raise bad
    if signature[1] != len(signature) - 2:
        raise bad
    pos = 2
    values = []
    for _ in range(2):
        if pos + 2 > len(signature) or signature[pos] != 0x02 or signature[pos + 1] & 0x80:
            raise bad
        length = signature[pos + 1]
        body = signature[pos + 2 : pos + 2 + length]
        if length == 0 or len(body) != length:
            raise bad
        if body[0] & 0x80:  # negative
            raise bad
        if length > 1 and body[0] == 0 and not body[1] & 0x80:  # non-minimal
            raise bad
        values.append(int.from_bytes(body, "big"))
        pos += 2 + length
    if pos != len(signature):
        raise bad
    return values[0], values[1]


def _ed25519_verify(public: bytes, signature: bytes, message: bytes) -> None:
    """RFC 8032 verification through libsodium (PyNaCl): about twice as fast as OpenSSL's here,
    and stricter (it also refuses small-order public keys and R points, which no honest signer
    produces). Raises :class:`SignatureError`."""
    if not _NACL:  # imported on first use (not at import time), then kept
        from nacl.bindings import crypto_sign_open
        from nacl.exceptions import BadSignatureError, CryptoError

        # One slice assignment (atomic under the GIL): two threads racing here each store
        # the same two items, where extend() appended four and broke every later unpacking.
        _NACL[:] = (crypto_sign_open, (BadSignatureError, CryptoError, ValueError))
    crypto_sign_open, failures = _NACL
    try:
        crypto_sign_open(signature + message, public)
    except failures:
        raise _bad_sig() from None


_NACL: list[Any] = []


class Key:
    """A public key or key pair; ``alg`` follows from the key type; ``repr`` shows no material."""

    __slots__ = ("_ed25519_raw", "_private", "public")

    def __init__(self, public: Any, private: Any = None) -> None:
        self.public: PublicKey = _check_public(public)
        self._private: PrivateKey | None = private
        self._ed25519_raw: bytes | None = None

    # --- identity -------------------------------------------------------------------------
    @property
    def key_type(self) -> KeyType:
        if isinstance(self.public, ed25519.Ed25519PublicKey):
            return "ed25519"
        if isinstance(self.public, ec.EllipticCurvePublicKey):
            return "p256"
        return "rsa"

    @property
    def alg(self) -> Algorithm:
        return {"ed25519": "EdDSA", "p256": "ES256", "rsa": "RS256"}[self.key_type]  # type: ignore[return-value]

    @property
    def has_private(self) -> bool:
        return self._private is not None

    @property
    def fingerprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key."""
        jwk = self.public_jwk()
        members = {
            "OKP": ("crv", "kty", "x"),
            "EC": ("crv", "kty", "x", "y"),
            "RSA": ("e", "kty", "n"),
        }
        required = {k: jwk[k] for k in members[jwk["kty"]]}
        text = json.dumps(required, separators=(",", ":"), sort_keys=True)
        return b64url_encode(hashlib.sha256(text.encode()).digest())

    def public_key(self) -> Key:
        return Key(self.public)

    def __repr__(self) -> str:
        kind = "private" if self.has_private else "public"
        return f"<Key {self.key_type} {kind} {self.fingerprint}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and self.public_jwk() == other.public_jwk()

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    # --- signatures -------------------------------------------------------------------------
    def sign(self, message: bytes) -> bytes:
        """Sign: Ed25519 64 bytes; ES256 raw r||s (64 bytes); RS256 PKCS#1 v1.5 SHA-256."""
        private = self._private
        if private is None:
            raise KeyMaterialError(
                "this is a public key; signing needs the private key", code="key.no_private"
            )
        if isinstance(private, ed25519.Ed25519PrivateKey):
            return private.sign(message)
        if isinstance(private, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(private.sign(message, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return private.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def verify(
        self, signature: bytes, message: bytes, *, ecdsa_encoding: Literal["raw", "der"] = "raw"
    ) -> None:
        """Verify or raise :class:`SignatureError` (``signature.*``). Strict encodings only."""
        public = self.public
        try:
            if isinstance(public, ed25519.Ed25519PublicKey):
                if len(signature) != 64:
                    raise _bad_sig("bad_encoding", "an Ed25519 signature must be 64 bytes")
                if int.from_bytes(signature[32:], "little") >= ED25519_ORDER:
                    raise _bad_sig("malleable", "the Ed25519 signature is not canonical (S >= L)")
                raw = self._ed25519_raw
                if raw is None:
                    raw = self._ed25519_raw = public.public_bytes(
                        serialization.Encoding.Raw, serialization.PublicFormat.Raw
                    )
                _ed25519_verify(raw, signature, message)
            elif isinstance(public, ec.EllipticCurvePublicKey):
                if ecdsa_encoding == "der":
                    r, s = _der_to_raw_strict(signature)
                else:
                    if len(signature) != 64:
                        raise _bad_sig(
                            "bad_encoding", "a P-256 signature must be 64 bytes (raw r||s)"
                        )
                    r = int.from_bytes(signature[:32], "big")
                    s = int.from_bytes(signature[32:], "big")
                if not (0 < r < P256_ORDER and 0 < s < P256_ORDER):
                    raise _bad_sig("out_of_range", "the ECDSA signature values are out of range")
                public.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
            else:
                if len(signature) != (public.key_size + 7) // 8:
                    raise _bad_sig("bad_encoding", "the RSA signature has the wrong length")
                public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise _bad_sig() from None

    # --- export -------------------------------------------------------------------------------
    def public_jwk(self) -> dict[str, str]:
        public = self.public
        if isinstance(public, ed25519.Ed25519PublicKey):
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
        if isinstance(public, ec.EllipticCurvePublicKey):
            nums = public.public_numbers()
            return {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(nums.x.to_bytes(32, "big")),
                "y": b64url_encode(nums.y.to_bytes(32, "big")),
            }
        rn = public.public_numbers()
        return {
            "kty": "RSA",
            "n": b64url_encode(_int_bytes(rn.n)),
            "e": b64url_encode(_int_bytes(rn.e)),
        }

    def private_jwk(self) -> dict[str, str]:
        private = self._private
        if private is None:
            raise KeyMaterialError("this is a public key", code="key.no_private")
        jwk = self.public_jwk()
        if isinstance(private, ed25519.Ed25519PrivateKey):
            raw = private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            jwk["d"] = b64url_encode(raw)
        elif isinstance(private, ec.EllipticCurvePrivateKey):
            jwk["d"] = b64url_encode(private.private_numbers().private_value.to_bytes(32, "big"))
        else:
            n = private.private_numbers()
            for name, value in (
                ("d", n.d),
                ("p", n.p),
                ("q", n.q),
                ("dp", n.dmp1),
                ("dq", n.dmq1),
                ("qi", n.iqmp),
            ):
                jwk[name] = b64url_encode(_int_bytes(value))
        return jwk

    def public_multibase(self) -> str:
        """Multikey ``publicKeyMultibase`` (Ed25519 0xed01, P-256 0x1200 compressed point)."""
        public = self.public
        if isinstance(public, ed25519.Ed25519PublicKey):
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return multibase_encode(ED25519_PUB + raw)
        if isinstance(public, ec.EllipticCurvePublicKey):
            point = public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
            return multibase_encode(P256_PUB + point)
        raise _bad("RSA keys have no Multikey form here; use JsonWebKey", "unsupported_key_type")

    def secret_multibase(self) -> str:
        """Multikey secret key (Ed25519 0x8026, P-256 0x1306)."""
        private = self._private
        if isinstance(private, ed25519.Ed25519PrivateKey):
            raw = private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            return multibase_encode(ED25519_PRIV + raw)
        if isinstance(private, ec.EllipticCurvePrivateKey):
            return multibase_encode(
                P256_PRIV + private.private_numbers().private_value.to_bytes(32, "big")
            )
        raise KeyMaterialError("no Multikey secret form for this key", code="key.unsupported")

    def to_pem(self, *, private: bool = True, passphrase: bytes | None = None) -> bytes:
        """PKCS#8 PEM (encrypted when a passphrase is given) or SubjectPublicKeyInfo PEM."""
        if private and self._private is not None:
            encryption: serialization.KeySerializationEncryption = (
                serialization.BestAvailableEncryption(passphrase)
                if passphrase
                else serialization.NoEncryption()
            )
            return self._private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _int_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _from_private(private: Any) -> Key:
    if not isinstance(
        private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    ):
        raise _bad("unsupported key type", "unsupported_key_type")
    return Key(private.public_key(), private)


def generate_key(key_type: KeyType = "ed25519", *, rsa_bits: int = 2048) -> Key:
    """A new key pair."""
    if key_type == "ed25519":
        return _from_private(ed25519.Ed25519PrivateKey.generate())
    if key_type == "p256":
        return _from_private(ec.generate_private_key(ec.SECP256R1()))
    if key_type == "rsa":
        if rsa_bits < 2048 or rsa_bits > _MAX_RSA_BITS:
            raise _bad("RSA keys must have 2048 to 8192 bits", "weak_key")
        return _from_private(rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits))
    raise KeyMaterialError(
        f"unknown key type {key_type!r} (ed25519, p256, rsa)", code="key.unsupported"
    )


def _jwk_field(jwk: Mapping[str, Any], name: str, length: int | None = None) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise _bad(f"the JWK has no valid '{name}' member", "bad_jwk")
    try:
        raw = b64url_decode(value, code="key_resolution.bad_jwk")
    except KeyMaterialError:
        raise _bad(f"the JWK member '{name}' is not base64url", "bad_jwk") from None
    if length is not None and len(raw) != length:
        raise _bad(f"the JWK member '{name}' has the wrong length", "bad_jwk")
    return raw


# The JWK "alg" values each key type may carry (RFC 7518, RFC 8037; "Ed25519" is the fully
# specified name of RFC 9864). Any other alg says the key is for something we do not do.
_JWK_ALGS = {"ed25519": ("EdDSA", "Ed25519"), "p256": ("ES256",), "rsa": ("RS256",)}
# Members that only a private (or symmetric) JWK has.
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def jwk_permits_verify(jwk: Mapping[str, Any]) -> bool:
    """Whether the JWK's ``use`` / ``key_ops`` (RFC 7517 §4.2-4.3) allow verifying signatures.

    Absent members allow it; ``use`` other than ``"sig"`` or ``key_ops`` without ``"verify"``
    do not. A member of the wrong JSON type raises ``key_resolution.bad_jwk``.
    """
    use = jwk.get("use")
    if "use" in jwk and (not isinstance(use, str) or not use):
        raise _bad("the JWK's use is not a string", "bad_jwk")
    ops = jwk.get("key_ops")
    if "key_ops" in jwk and (
        not isinstance(ops, list)
        or not all(isinstance(op, str) for op in ops)
        or len(set(ops)) != len(ops)
    ):
        raise _bad("the JWK's key_ops is not an array of distinct strings", "bad_jwk")
    if use is not None and use != "sig":
        return False
    return ops is None or "verify" in ops


def key_from_jwk(jwk: Mapping[str, Any]) -> Key:
    """A key from a JWK (public, or private when ``d`` is present).

    A JWK ``alg`` that is not the algorithm of its key type is refused
    (``key_resolution.jwk_alg_mismatch``): the key's owner said it is for something else.
    """
    if not isinstance(jwk, Mapping):
        raise _bad("the JWK is not a JSON object", "bad_jwk")
    key = _key_from_jwk(jwk)
    if "alg" in jwk and jwk["alg"] not in _JWK_ALGS[key.key_type]:
        raise _bad(
            f"the JWK's alg does not fit its {key.key_type} key (expected {key.alg})",
            "jwk_alg_mismatch",
        )
    return key


def _key_from_jwk(jwk: Mapping[str, Any]) -> Key:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    has_d = "d" in jwk
    try:
        if kty == "OKP" and crv == "Ed25519":
            x_raw = _jwk_field(jwk, "x", 32)
            if has_d:
                key = _from_private(
                    ed25519.Ed25519PrivateKey.from_private_bytes(_jwk_field(jwk, "d", 32))
                )
                if key.public_jwk()["x"] != jwk["x"]:
                    raise _bad("the JWK's private and public parts do not match", "bad_jwk")
                return key
            return Key(ed25519.Ed25519PublicKey.from_public_bytes(x_raw))
        if kty == "EC" and crv == "P-256":
            x = int.from_bytes(_jwk_field(jwk, "x", 32), "big")
            y = int.from_bytes(_jwk_field(jwk, "y", 32), "big")
            pub_nums = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1())
            if has_d:
                d = int.from_bytes(_jwk_field(jwk, "d", 32), "big")
                return _from_private(ec.EllipticCurvePrivateNumbers(d, pub_nums).private_key())
            return Key(pub_nums.public_key())
        if kty == "RSA":
            n = int.from_bytes(_jwk_field(jwk, "n"), "big")
            e = int.from_bytes(_jwk_field(jwk, "e"), "big")
            rsa_pub = rsa.RSAPublicNumbers(e, n)
            if e != 65537:
                raise _bad("RSA keys must use the public exponent 65537", "weak_key")
            if n.bit_length() < 2048 or n.bit_length() > _MAX_RSA_BITS:
                raise _bad("RSA keys must have 2048 to 8192 bits", "weak_key")
            if has_d:
                vals = [
                    int.from_bytes(_jwk_field(jwk, k), "big")
                    for k in ("d", "p", "q", "dp", "dq", "qi")
                ]
                d, p, q, dp, dq, qi = vals
                return _from_private(
                    rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa_pub).private_key()
                )
            return Key(rsa_pub.public_key())
    except KeyMaterialError:
        raise
    except (ValueError, TypeError):
        raise _bad("the JWK does not describe a valid key", "bad_jwk") from None
    raise _bad("unsupported JWK key type (Ed25519, P-256, RSA)", "unsupported_key_type")


def key_from_multikey(public_multibase: str, secret_multibase: str | None = None) -> Key:
    """A key from a Multikey ``publicKeyMultibase`` (and optionally ``secretKeyMultibase``)."""
    prefix, body = multicodec_split(multibase_decode(public_multibase))
    try:
        if prefix == ED25519_PUB and len(body) == 32:
            public: Any = ed25519.Ed25519PublicKey.from_public_bytes(body)
        elif prefix == P256_PUB and len(body) == 33:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), body)
        else:
            raise _bad(
                "the Multikey is not an Ed25519 or P-256 public key", "unsupported_multicodec"
            )
    except ValueError:
        raise _bad("the Multikey does not hold a valid public key", "bad_multikey") from None
    if secret_multibase is None:
        return Key(public)
    sprefix, sbody = multicodec_split(multibase_decode(secret_multibase, code="key.bad_multikey"))
    try:
        if sprefix == ED25519_PRIV and prefix == ED25519_PUB and len(sbody) == 32:
            key = _from_private(ed25519.Ed25519PrivateKey.from_private_bytes(sbody))
        elif sprefix == P256_PRIV and prefix == P256_PUB and len(sbody) == 32:
            key = _from_private(ec.derive_private_key(int.from_bytes(sbody, "big"), ec.SECP256R1()))
        else:
            raise KeyMaterialError(
                "the secret Multikey does not match the public key type", code="key.bad_multikey"
            )
    except ValueError:
        raise KeyMaterialError(
            "the secret Multikey is not a valid key", code="key.bad_multikey"
        ) from None
    if key.public_multibase() != public_multibase:
        raise KeyMaterialError(
            "the secret and public Multikeys do not match", code="key.bad_multikey"
        )
    return key


def key_from_pem(data: bytes, passphrase: bytes | None = None) -> Key:
    """A key from PEM: a private key (optionally encrypted) or an SPKI public key."""
    try:
        if b"PRIVATE KEY" in data:
            return _from_private(serialization.load_pem_private_key(data, password=passphrase))
        return Key(serialization.load_pem_public_key(data))
    except KeyMaterialError:
        raise
    except TypeError:
        raise KeyMaterialError(
            "the key file is encrypted: a passphrase is needed"
            if passphrase is None
            else "the key file is not encrypted, but a passphrase was given",
            code="key.passphrase",
        ) from None
    except ValueError:
        raise KeyMaterialError(
            "the PEM key could not be read (wrong passphrase or not a key)", code="key.bad_pem"
        ) from None


def save_key(key: Key, path: str | os.PathLike[str], *, passphrase: bytes | None = None) -> Path:
    """Write a private key file (mode 0600): the private JWK, or an encrypted PKCS#8 wrapper."""
    target = Path(path)
    if passphrase:
        body: dict[str, Any] = {
            "mcbadge_key": 1,
            "public_jwk": key.public_jwk(),
            "encrypted_pkcs8": key.to_pem(passphrase=passphrase).decode("ascii"),
        }
    else:
        body = key.private_jwk()
    text = json.dumps(body, indent=2) + "\n"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)
    return target


def load_key(path: str | os.PathLike[str], *, passphrase: bytes | None = None) -> Key:
    """Read a key file: JWK JSON, mcbadge encrypted wrapper, or PEM."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyMaterialError(
            f"cannot read the key file: {exc.strerror}", code="key.unreadable"
        ) from None
    if data.lstrip().startswith(b"-----"):
        return key_from_pem(data, passphrase)
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise KeyMaterialError(
            "the key file is neither JSON (JWK) nor PEM", code="key.bad_file"
        ) from None
    if isinstance(body, dict) and body.get("mcbadge_key") == 1:
        if not passphrase:
            raise KeyMaterialError(
                "the key file is encrypted: a passphrase is needed", code="key.passphrase"
            )
        pem = body.get("encrypted_pkcs8")
        if not isinstance(pem, str):
            raise KeyMaterialError("the encrypted key file is damaged", code="key.bad_file")
        return key_from_pem(pem.encode("ascii"), passphrase)
    if not isinstance(body, dict):
        raise KeyMaterialError("the key file is not a JWK object", code="key.bad_file")
    return key_from_jwk(body)


def load_public_key(path: str | os.PathLike[str]) -> Key:
    """The public key of a key file, without needing the passphrase of an encrypted one."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyMaterialError(
            f"cannot read the key file: {exc.strerror}", code="key.unreadable"
        ) from None
    if not data.lstrip().startswith(b"-----"):
        try:
            body = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict) and body.get("mcbadge_key") == 1:
            return key_from_jwk(body.get("public_jwk") or {})
    return load_key(path).public_key()
