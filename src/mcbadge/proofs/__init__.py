"""Signing and proof verification: Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019,
Ed25519Signature2020), VC-JWT and VC-JOSE-COSE ``vc+jwt`` (also enveloped, see
:mod:`mcbadge.proofs.vc_jose`), behind one :func:`sign` and one :func:`verify_proof`.

:func:`verify_proof` never raises for bad input: every failure is an :class:`Issue` whose
``code`` starts with the verifier check it fails (proof, cryptosuite, signature, key_resolution,
key_binding, proof_purpose, proof_time, jwt, jwt_claims, context, data_loss, canonicalization).
Proof sets: every proof must verify (``ProofResult.proof_set_policy == "all"``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mcbadge._json import loads_strict
from mcbadge.did import (
    OfflineResolver,
    Resolver,
    VerificationMethod,
    default_verification_method,
    did_for_key,
    verification_method_from_document,
)
from mcbadge.errors import KeyMaterialError, MCBadgeError
from mcbadge.keys import Key
from mcbadge.proofs._common import (
    CLOCK_SKEW,
    Issue,
    ProofOutcome,
    ProofResult,
    canonize,
    issuer_id,
)
from mcbadge.proofs.di import Suite, proof_member_issue, sign_di, verify_di_proof
from mcbadge.proofs.ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from mcbadge.proofs.ed25519_2020 import ED25519_2020
from mcbadge.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022
from mcbadge.proofs.jwt import _REGISTERED, _sign_jwt, _sign_vc_jwt, decode_jwt, verify_jwt
from mcbadge.proofs.vc_jose import VC_JWT_MEDIA_TYPE, envelope_type, unwrap_envelope

__all__ = [
    "FORMATS",
    "Issue",
    "ProofFormat",
    "ProofOutcome",
    "ProofResult",
    "SignedCredential",
    "canonize",
    "decode_jwt",
    "sign",
    "verify_proof",
]

ProofFormat = Literal["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020", "jwt", "vc+jwt"]
SUITES: dict[str, Suite] = {s.name: s for s in (EDDSA_RDFC_2022, ECDSA_RDFC_2019, ED25519_2020)}
#: "jwt" is the OB 3.0 VC-JWT (a ``vc`` claim for VCDM 1.1); "vc+jwt" is VC-JOSE-COSE.
FORMATS: tuple[str, ...] = (*SUITES, "jwt", "vc+jwt")
JWT_FORMATS = frozenset({"jwt", "vc+jwt"})


class SignedCredential:
    """A signed credential: ``document`` (for JWT, the decoded credential) and ``jwt`` (the
    compact JWS of a ``jwt`` or ``vc+jwt``).

    Immutable, compared by value like the dataclass it was. For a VC-JWT, ``document`` is
    built on first access from the payload JSON that was signed (a plain parse of mcbadge's
    own output: it shares nothing with the caller's input): a bulk issuer that keeps only
    the token never pays for it (it was about a fifth of issuing one).
    """

    __slots__ = ("_built", "_document", "format", "jwt")
    format: str
    jwt: str | None
    _document: dict[str, Any]
    _built: tuple[str, list[str], dict[str, Any]] | None

    def __init__(self, format: str, document: dict[str, Any], jwt: str | None = None) -> None:
        _set = object.__setattr__
        _set(self, "format", format)
        _set(self, "jwt", jwt)
        _set(self, "_document", document)
        _set(self, "_built", None)

    @classmethod
    def _from_jwt(
        cls,
        format: str,
        token: str,
        payload_text: str,
        keys: list[str],
        registered: dict[str, Any],
    ) -> SignedCredential:
        """A VC-JWT whose ``document`` is built from ``payload_text`` when first read:
        ``keys`` is the credential's member order, ``registered`` deep copies of its members
        named like JWT registered claims (the payload's own members of those names are the
        claims, not the credential's)."""
        signed = cls(format, {}, token)
        object.__setattr__(signed, "_built", (payload_text, keys, registered))
        return signed

    @property
    def document(self) -> dict[str, Any]:
        pending = self._built
        if pending is not None:
            payload_text, keys, registered = pending
            payload = json.loads(payload_text)
            if "vc" in payload:
                document = payload["vc"]
            else:
                document = {k: registered[k] if k in registered else payload[k] for k in keys}
            object.__setattr__(self, "_document", document)
            object.__setattr__(self, "_built", None)
        return self._document

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, SignedCredential)
        return (self.format, self.document, self.jwt) == (other.format, other.document, other.jwt)

    __hash__ = None  # type: ignore[assignment]  # the document is a dict, as before

    def __repr__(self) -> str:
        return (
            f"SignedCredential(format={self.format!r}, document={self.document!r}, "
            f"jwt={self.jwt!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # copies and pickles (a batch worker's result) stay lazy
        return (_restore_signed, (self.format, self._document, self.jwt, self._built))

    def to_text(self) -> str:
        """Compact JWS for JWT, indented JSON for Data Integrity."""
        if self.jwt is not None:
            return self.jwt
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"


def _restore_signed(
    format: str,
    document: dict[str, Any],
    jwt: str | None,
    built: tuple[str, list[str], dict[str, Any]] | None,
) -> SignedCredential:
    signed = SignedCredential(format, document, jwt)
    object.__setattr__(signed, "_built", built)
    return signed


_KEY_IDS: dict[bytes, tuple[str, str]] = {}
_KEY_IDS_LIMIT = 1024


_KEY_IDS_BY_OBJECT: dict[int, tuple[object, tuple[str, str]]] = {}


def _key_ids(key: Key) -> tuple[str, str]:
    """(DID, default verification method) of ``key``, cached by its public key (SPKI DER):
    both depend on nothing else, and encoding them (base58) costs more than a signature.
    In front, the same answer by the public key object's identity (the entry holds the object,
    so its id cannot be reused while cached): serialising a P-256 key to DER for the lookup
    cost about a sixth of issuing one VC-JWT."""
    public = key.public
    held = _KEY_IDS_BY_OBJECT.get(id(public))
    if held is not None and held[0] is public:
        return held[1]
    spki = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    found = _KEY_IDS.get(spki)
    if found is None:
        found = (did_for_key(key), default_verification_method(key))
        if len(_KEY_IDS) >= _KEY_IDS_LIMIT:
            _KEY_IDS.clear()
        _KEY_IDS[spki] = found
    if len(_KEY_IDS_BY_OBJECT) >= _KEY_IDS_LIMIT:
        _KEY_IDS_BY_OBJECT.clear()
    _KEY_IDS_BY_OBJECT[id(public)] = (public, found)
    return found


def _signing_method(credential: Mapping[str, Any], key: Key, vm: str | None) -> str:
    issuer = issuer_id(credential)
    if issuer is None:
        raise MCBadgeError("the credential has no issuer id", code="key_binding.no_issuer")
    if vm is None:
        did, default_vm = _key_ids(key)
        if issuer != did:
            raise MCBadgeError(
                f"the credential's issuer ({issuer}) is not this key's DID ({did}); "
                "name the issuer's verification method for this key",
                code="key_binding.issuer_mismatch",
            )
        return default_vm
    if "#" not in vm or vm.split("#", 1)[0] != issuer:
        raise MCBadgeError(
            "the verification method does not belong to the credential's issuer",
            code="key_binding.not_issuer_key",
        )
    if vm.startswith(("did:key:", "did:jwk:")):
        found = OfflineResolver().resolve_verification_method(vm)
        if found.key != key:
            raise MCBadgeError(
                "the verification method names a different key", code="key_binding.wrong_key"
            )
    return vm


def sign(
    credential: Mapping[str, Any],
    key: Key,
    *,
    format: ProofFormat,
    verification_method: str | None = None,
    created: datetime | None = None,
    expires: datetime | None = None,
    embed_jwk: bool = False,
) -> SignedCredential:
    """Sign ``credential`` with ``key`` (raises typed errors on refusal).

    Without ``verification_method`` the issuer must be the key's own DID (did:key, or did:jwk
    for RSA). ``created`` defaults to now for Data Integrity proofs; for ``vc+jwt`` it is the
    ``iat`` claim (now when not given).
    """
    if not isinstance(credential, Mapping):
        raise MCBadgeError("the credential must be a JSON object", code="input.not_object")
    if not key.has_private:
        raise KeyMaterialError("signing needs a private key", code="key.no_private")
    vm = _signing_method(credential, key, verification_method)
    if format in JWT_FORMATS:
        if format == "vc+jwt":
            issued = created if created is not None else datetime.now(UTC)
            token, payload_text = _sign_vc_jwt(credential, key, vm, embed_jwk, issued)
        else:
            token, payload_text = _sign_jwt(credential, key, vm, embed_jwk)
        # the document comes from a plain parse of our own output when the caller reads it
        # (sharing nothing with the input); what it needs from the input is taken now
        keys = [k for k in credential if k != "proof"]
        registered = {k: copy.deepcopy(credential[k]) for k in _REGISTERED if k in credential}
        return SignedCredential._from_jwt(format, token, payload_text, keys, registered)
    suite = SUITES.get(format)
    if suite is None:
        raise MCBadgeError(f"unknown proof format {format!r}", code="cryptosuite.unsupported")
    when = created if created is not None else datetime.now(UTC)
    document = sign_di(
        credential, key, suite, verification_method=vm, created=when, expires=expires
    )
    return SignedCredential(format, document)


class _TrustingResolver:
    """Wraps a resolver: https VMs whose fragment is a Multikey resolve to that key on failure."""

    def __init__(self, inner: Resolver | None) -> None:
        self._inner = inner
        self._embedded = OfflineResolver(trust_embedded_keys=True)

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        if self._inner is not None:
            try:
                return self._inner.resolve_verification_method(vm_id)
            except MCBadgeError as exc:
                # only when nothing is known about that URL: a preloaded controller document
                # that does not list the key still wins
                if not vm_id.startswith("https://") or exc.code != "key_resolution.offline":
                    raise
        return self._embedded.resolve_verification_method(vm_id)


class _DocumentFallback:
    """Lets a resolver that can only fetch documents (``resolve(did) -> dict``) serve did:web
    methods its ``resolve_verification_method`` reports as not available offline."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        try:
            return self._inner.resolve_verification_method(vm_id)  # type: ignore[no-any-return]
        except MCBadgeError as exc:
            fetch = getattr(self._inner, "resolve", None)
            if exc.code != "key_resolution.offline" or not callable(fetch):
                raise
        document = fetch(vm_id.split("#", 1)[0])
        if not isinstance(document, Mapping):
            raise MCBadgeError(
                "the DID document is not a JSON object", code="key_resolution.document_invalid"
            )
        return verification_method_from_document(document, vm_id)


def _suite_for(proof: Mapping[str, Any]) -> Suite | Issue:
    kind = proof.get("type")
    if kind == "DataIntegrityProof":
        name = proof.get("cryptosuite")
        for suite in (EDDSA_RDFC_2022, ECDSA_RDFC_2019):
            if name == suite.cryptosuite or name in suite.legacy_names:
                return suite
        return Issue("cryptosuite.unsupported", f"the cryptosuite {name!r} is not supported")
    if kind == "Ed25519Signature2020":
        return ED25519_2020
    return Issue("proof.unsupported_type", f"the proof type {kind!r} is not supported")


def verify_proof(
    document: Mapping[str, Any] | str,
    resolver: Resolver | None,
    *,
    now: datetime | None = None,
    trust_embedded_keys: bool | None = None,
    clock_skew: timedelta = CLOCK_SKEW,
    jwt_payload: dict[str, Any] | None = None,
    media_type: str | None = None,
) -> ProofResult:
    """Verify the proof(s) of a credential (dict or JSON text), a VC-JWT or vc+jwt (compact
    JWS) or an ``EnvelopedVerifiableCredential`` (its token, as a vc+jwt).

    ``media_type`` ``application/vc+jwt`` reads a compact JWS as VC-JOSE-COSE whatever its
    header says (the token of an envelope; the ``format`` is then ``vc+jwt``).

    ``trust_embedded_keys`` (default: the resolver's attribute of that name, else False) lets a
    key carried by the credential itself (JWT ``jwk`` header, https VM with a Multikey fragment)
    stand for the issuer's key: only for material like the spec's examples. ``clock_skew`` is
    the tolerance on proof ``created``/``expires`` and JWT ``nbf``/``exp`` (default 5 minutes).
    ``jwt_payload``: for a VC-JWT ``document``, its payload as the caller already read it from
    this very token with :func:`mcbadge._json.loads_strict` (the verifier's input reader does),
    so the JSON is not parsed twice; every check still runs.
    """
    when = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    trust = (
        bool(getattr(resolver, "trust_embedded_keys", False))
        if trust_embedded_keys is None
        else trust_embedded_keys
    )
    base: Resolver = _DocumentFallback(resolver) if resolver is not None else OfflineResolver()
    active: Resolver = _TrustingResolver(base) if trust else base
    try:
        if isinstance(document, str | bytes):
            text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
            if not text.lstrip().startswith("{"):
                return _verify_jws(text, active, when, trust, clock_skew, media_type, jwt_payload)
            parsed = loads_strict(text)
            if not isinstance(parsed, dict):
                raise MCBadgeError("the credential is not a JSON object", code="input.not_object")
            document = parsed
        if not isinstance(document, Mapping):
            raise MCBadgeError("the credential is not a JSON object", code="input.not_object")
        if envelope_type(document) is not None:
            token = unwrap_envelope(document)
            return _verify_jws(token, active, when, trust, clock_skew, VC_JWT_MEDIA_TYPE)
        return _verify_di(document, active, when, clock_skew)
    except MCBadgeError as exc:
        return ProofResult(False, None, errors=[Issue(exc.code, exc.message)])
    except Exception:  # fail closed, never a traceback for input
        return ProofResult(
            False, None, errors=[Issue("proof.internal_error", "the proof could not be checked")]
        )


def _verify_jws(
    token: str,
    resolver: Resolver,
    now: datetime,
    trust: bool,
    skew: timedelta,
    media_type: str | None,
    payload: dict[str, Any] | None = None,
) -> ProofResult:
    outcome, credential = verify_jwt(
        token,
        resolver,
        now=now,
        trust_embedded_keys=trust,
        skew=skew,
        media_type=media_type,
        payload=payload,
    )
    fmt = "vc+jwt" if outcome.type == "vc+jwt" else "jwt"
    return ProofResult(outcome.verified, fmt, [outcome], document=credential)


def _verify_di(
    document: Mapping[str, Any], resolver: Resolver, now: datetime, skew: timedelta
) -> ProofResult:
    raw = document.get("proof")
    if raw is None:
        return ProofResult(
            False, None, errors=[Issue("proof.missing", "the credential has no proof")]
        )
    proofs = raw if isinstance(raw, list) else [raw]
    if not proofs:
        return ProofResult(False, None, errors=[Issue("proof.missing", "the proof set is empty")])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    outcomes: list[ProofOutcome] = []
    formats: set[str] = set()
    for index, proof in enumerate(proofs):
        if not isinstance(proof, Mapping):
            outcomes.append(
                ProofOutcome(
                    index, None, errors=[Issue("proof.malformed", "a proof is not an object")]
                )
            )
            continue
        wrong = proof_member_issue(proof)
        if wrong is not None:
            ptype = proof.get("type")
            outcomes.append(
                ProofOutcome(index, ptype if isinstance(ptype, str) else None, errors=[wrong])
            )
            continue
        suite = _suite_for(proof)
        if isinstance(suite, Issue):
            ptype = proof.get("type")
            outcomes.append(
                ProofOutcome(index, ptype if isinstance(ptype, str) else None, errors=[suite])
            )
            continue
        formats.add(suite.name)
        outcomes.append(
            verify_di_proof(unsecured, proof, suite, resolver, index=index, now=now, skew=skew)
        )
    fmt = formats.pop() if len(formats) == 1 else ("mixed" if formats else None)
    verified = all(o.verified for o in outcomes)
    return ProofResult(verified, fmt, outcomes, document=dict(unsecured))
