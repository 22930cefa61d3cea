"""The Data Integrity algorithms shared by every RDFC suite (vc-data-integrity, vc-di-eddsa,
vc-di-ecdsa): proof configuration, hashing, signing and per-proof verification."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mcbadge.did import Resolver, VerificationMethod
from mcbadge.errors import KeyMaterialError, MCBadgeError
from mcbadge.keys import Key
from mcbadge.multibase import multibase_decode, multibase_encode
from mcbadge.proofs._common import (
    CLOCK_SKEW,
    Issue,
    ProofOutcome,
    canonize,
    check_key_binding,
    copy_for_signing,
    copy_json,
    format_datetime,
    issuer_id,
    parse_datetime,
)

__all__ = [
    "DI_V2",
    "PROOF_MEMBERS",
    "Suite",
    "hash_data",
    "proof_config",
    "proof_member_issue",
    "sign_di",
    "verify_di_proof",
]

DI_V2 = "https://w3id.org/security/data-integrity/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"


@dataclass(frozen=True)
class Suite:
    """One RDFC suite: proof ``type``, ``cryptosuite`` (None for legacy types), key type."""

    name: str  # our format name, e.g. "eddsa-rdfc-2022"
    proof_type: str
    cryptosuite: str | None
    key_type: str
    extra_context: str | None  # a context the document must carry for this proof type
    legacy_names: tuple[str, ...] = ()


def _string(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _strings(value: Any) -> bool:
    """A non-empty string, or a non-empty array of them."""
    if isinstance(value, list):
        return bool(value) and all(_string(v) for v in value)
    return _string(value)


def _context_value(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_string(v) or isinstance(v, dict) for v in value)
    return _string(value) or isinstance(value, dict)


# The JSON type each proof member must have (vc-data-integrity §2.1), with the code a proof
# gets when the member is present with another type (null included): a wrong type is refused
# with that code before anything reads it, in the proof layer and in the verifier alike.
PROOF_MEMBERS: dict[str, tuple[str, str, Callable[[Any], bool]]] = {
    "type": ("proof.bad_type", "a non-empty string", _string),
    "cryptosuite": ("cryptosuite.bad_cryptosuite", "a non-empty string", _string),
    "proofPurpose": ("proof_purpose.bad_proof_purpose", "a non-empty string", _string),
    "verificationMethod": ("proof.bad_verification_method", "a non-empty string", _string),
    "created": ("proof_time.bad_created", "a date-time string", _string),
    "expires": ("proof_time.bad_expires", "a date-time string", _string),
    "proofValue": ("proof.bad_proof_value", "a non-empty string", _string),
    "id": ("proof.bad_id", "a non-empty string", _string),
    "challenge": ("proof.bad_challenge", "a non-empty string", _string),
    "nonce": ("proof.bad_nonce", "a non-empty string", _string),
    "domain": ("proof.bad_domain", "a string or an array of strings", _strings),
    "previousProof": ("proof.bad_previous_proof", "a string or an array of strings", _strings),
    "@context": ("proof.bad_context", "a context URL, object or array of them", _context_value),
}


def proof_member_issue(proof: Mapping[str, Any]) -> Issue | None:
    """The first proof member present with the wrong JSON type, as an :class:`Issue`."""
    for member, (code, wanted, accepts) in PROOF_MEMBERS.items():
        if member in proof and not accepts(proof[member]):
            return Issue(code, f"the proof's {member} is not {wanted}")
    return None


def _contexts(document: Mapping[str, Any]) -> list[Any]:
    ctx = document.get("@context")
    if isinstance(ctx, list):
        return list(ctx)
    return [ctx] if ctx is not None else []


def proof_config(document: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """Proof options without ``proofValue``, with the document's ``@context``."""
    config = {k: copy_json(v) for k, v in options.items() if k not in ("proofValue", "@context")}
    config["@context"] = copy_json(document.get("@context"))
    return config


def hash_data(document: Mapping[str, Any], options: Mapping[str, Any]) -> tuple[str, str, bytes]:
    """(canonical proof config, canonical document, SHA-256(proof) || SHA-256(document))."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config_canon = canonize(proof_config(unsecured, options))
    doc_canon = canonize(unsecured)
    combined = (
        hashlib.sha256(config_canon.encode("utf-8")).digest()
        + hashlib.sha256(doc_canon.encode("utf-8")).digest()
    )
    return config_canon, doc_canon, combined


def sign_di(
    document: Mapping[str, Any],
    key: Key,
    suite: Suite,
    *,
    verification_method: str,
    created: datetime | None,
    expires: datetime | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a proof added (appended to an existing proof set)."""
    if key.key_type != suite.key_type:
        raise KeyMaterialError(
            f"{suite.name} needs a {suite.key_type} key, not {key.key_type}",
            code="cryptosuite.key_mismatch",
        )
    unsecured, previous = copy_for_signing(document, "credential")
    contexts = _contexts(unsecured)
    needed = suite.extra_context or (DI_V2 if VC_V1 in contexts else None)
    if needed and needed not in contexts:
        unsecured["@context"] = [*contexts, needed]
    options: dict[str, Any] = {"type": suite.proof_type}
    if suite.cryptosuite:
        options["cryptosuite"] = suite.cryptosuite
    if created is not None:
        options["created"] = format_datetime(created)
    if expires is not None:
        options["expires"] = format_datetime(expires)
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = "assertionMethod"
    _, _, data = hash_data(unsecured, options)
    options["proofValue"] = multibase_encode(key.sign(data))
    signed = dict(unsecured)
    signed["proof"] = options if previous is None else [*previous, options]
    return signed


def proof_signature(document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
    """The signature a proof carries, after the checks every Data Integrity proof shares
    (credential or presentation): a proof ``@context`` must be the document's (its first
    entries), and ``proofValue`` a multibase string."""
    proof_ctx = proof.get("@context")
    if proof_ctx is not None:
        wanted = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        if _contexts(document)[: len(wanted)] != wanted:
            raise _fail(
                "proof.context_mismatch", "the proof's @context differs from the document's"
            )
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise _fail("proof.missing_proof_value", "the proof has no proofValue")
    try:
        return multibase_decode(value, code="signature.bad_encoding")
    except KeyMaterialError as exc:
        raise _fail("signature.bad_encoding", exc.message) from None


def _fail(code: str, message: str) -> MCBadgeError:
    return MCBadgeError(message, code=code)


def verify_di_proof(
    document: Mapping[str, Any],
    proof: Any,
    suite: Suite,
    resolver: Resolver,
    *,
    index: int,
    now: datetime,
    skew: timedelta = CLOCK_SKEW,
) -> ProofOutcome:
    """Verify one proof of ``document`` (which is taken without its ``proof`` member)."""
    outcome = ProofOutcome(index=index, type=suite.proof_type, cryptosuite=suite.cryptosuite)
    try:
        _verify(document, proof, suite, resolver, outcome, now, skew)
    except MCBadgeError as exc:
        outcome.errors.append(Issue(exc.code, exc.message))
    outcome.verified = not outcome.errors
    return outcome


def _verify(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    suite: Suite,
    resolver: Resolver,
    outcome: ProofOutcome,
    now: datetime,
    skew: timedelta,
) -> None:
    wrong = proof_member_issue(proof)
    if wrong is not None:
        raise _fail(wrong.code, wrong.message)
    if suite.cryptosuite is not None:
        name = proof.get("cryptosuite")
        if name in suite.legacy_names:
            outcome.warnings.append(
                Issue("cryptosuite.legacy_name", f"the old cryptosuite name {name!r} was used")
            )
        elif name != suite.cryptosuite:
            raise _fail("cryptosuite.unsupported", "the proof's cryptosuite is not supported")
    if proof.get("proofPurpose") != "assertionMethod":
        raise _fail(
            "proof_purpose.mismatch", "a credential proof must have proofPurpose assertionMethod"
        )
    if "previousProof" in proof:
        raise _fail("proof.chain_unsupported", "proof chains (previousProof) are not supported")
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str) or not vm_id:
        raise _fail("proof.missing_verification_method", "the proof names no verificationMethod")
    outcome.verification_method = vm_id
    if "created" in proof:
        created = parse_datetime(proof["created"], code="proof_time.bad_created")
        if created - now > skew:  # never created - skew: 0001-01-01 would overflow
            raise _fail("proof_time.created_in_future", "the proof was created in the future")
    if "expires" in proof:
        expires = parse_datetime(proof["expires"], code="proof_time.bad_expires")
        if now - expires > skew:  # never expires + skew: 9999-12-31 would overflow
            raise _fail("proof_time.expired", "the proof has expired")
    signature = proof_signature(document, proof)
    if suite.extra_context and suite.extra_context not in _contexts(document):
        raise _fail("context.missing_suite_context", f"{suite.proof_type} needs its own @context")
    try:
        vm: VerificationMethod = resolver.resolve_verification_method(vm_id)
    except MCBadgeError as exc:
        code = exc.code if exc.code.startswith("key_resolution.") else "key_resolution.failed"
        raise _fail(code, exc.message) from None
    outcome.controller = vm.controller
    if vm.embedded:
        outcome.warnings.append(
            Issue("key_resolution.embedded_key", "the key was taken from the method id (trusted)")
        )
    check_key_binding(issuer_id(document), vm)
    if vm.key.key_type != suite.key_type:
        raise _fail("cryptosuite.key_mismatch", f"{suite.name} needs a {suite.key_type} key")
    _, _, data = hash_data(document, proof)
    vm.key.verify(signature, data)
