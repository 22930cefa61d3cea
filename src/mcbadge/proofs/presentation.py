"""Proofs on verifiable presentations: Data Integrity with ``proofPurpose: authentication``
(eddsa-rdfc-2022, ecdsa-rdfc-2019) and the two VP-JWT forms (VC-JWT 1.1 ``vp`` claim with
``nonce``/``aud``; VC-JOSE-COSE ``typ: vp+jwt``, whose payload is the presentation).

The holder signs with a key listed under its DID's ``authentication`` relationship
(vc-data-integrity §"Verify Proof"; an ``assertionMethod``-only key is refused). This layer
checks the signature and the key's relationship; the comparisons that need the verifier's
expectations (challenge, domain, freshness, holder binding) are the verifier's
(:mod:`mcbadge.verify.presentation`). Errors are :class:`~mcbadge.errors.MCBadgeError` with a
``<check>.<detail>`` code; ``verify_*`` return an outcome and never raise for bad input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from mcbadge.did import Resolver, VerificationMethod
from mcbadge.errors import KeyMaterialError, MCBadgeError
from mcbadge.keys import Key
from mcbadge.multibase import b64url_encode, multibase_encode
from mcbadge.proofs._common import (
    CLOCK_SKEW,
    Issue,
    ProofOutcome,
    copy_for_signing,
    format_datetime,
    numeric_date,
    parse_datetime,
)
from mcbadge.proofs.di import (
    DI_V2,
    Suite,
    _contexts,
    hash_data,
    proof_member_issue,
    proof_signature,
)
from mcbadge.proofs.ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from mcbadge.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022
from mcbadge.proofs.jwt import _json_part, decode_jwt, header_key, jwt_member_issue
from mcbadge.proofs.vc_jose import typ_allowed

__all__ = [
    "VP_JOSE_TYP",
    "VP_JWT_TYP",
    "VP_SUITES",
    "VpJwtForm",
    "sign_presentation_di",
    "sign_presentation_jwt",
    "verify_authentication_proof",
    "verify_presentation_jwt",
]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VP_SUITES: dict[str, Suite] = {s.name: s for s in (EDDSA_RDFC_2022, ECDSA_RDFC_2019)}
#: ``vp``: VC-JWT 1.1 (the presentation in a ``vp`` claim); ``vp+jwt``: VC-JOSE-COSE.
VpJwtForm = Literal["vp", "vp+jwt"]
VP_JWT_TYP = ("JWT", "vp+jwt", "vp+ld+jwt")
#: the typ of a VC-JOSE-COSE presentation (the payload is the presentation), a draft's too;
#: compared as media types (``application/vp+jwt``, ``VP+JWT``: RFC 7515 §4.1.9)
VP_JOSE_TYP = ("vp+jwt", "vp+ld+jwt")
_VP_CTY = ("vp", "vp+ld+json")
#: JWT claims that are not members of the presentation a vp+jwt payload is.
_VP_CLAIMS = ("iss", "jti", "sub", "aud", "nonce", "iat", "nbf", "exp")
_ALGS = ("EdDSA", "ES256", "RS256")
_FORBIDDEN_HEADERS = ("jku", "x5u", "x5c", "x5t", "x5t#S256", "b64", "crit")
_HEADER_ENCODER = json.JSONEncoder(separators=(",", ":"))
_PAYLOAD_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _fail(code: str, message: str) -> MCBadgeError:
    return MCBadgeError(message, code=code)


def _check_challenge(challenge: Any, domain: Any) -> None:
    if not isinstance(challenge, str) or not challenge:
        raise _fail(
            "challenge.missing", "a presentation must answer the verifier's challenge (a string)"
        )
    if domain is not None and (not isinstance(domain, str) or not domain):
        raise _fail("domain.bad_domain", "the domain must be a non-empty string")


def sign_presentation_di(
    presentation: Mapping[str, Any],
    key: Key,
    suite: Suite,
    *,
    verification_method: str,
    challenge: str,
    domain: str | None = None,
    created: datetime,
) -> dict[str, Any]:
    """A copy of ``presentation`` with an authentication proof appended (proof sets kept)."""
    _check_challenge(challenge, domain)
    if key.key_type != suite.key_type:
        raise KeyMaterialError(
            f"{suite.name} needs a {suite.key_type} key, not {key.key_type}",
            code="cryptosuite.key_mismatch",
        )
    unsecured, previous = copy_for_signing(presentation, "presentation")
    contexts = _contexts(unsecured)
    if VC_V1 in contexts and DI_V2 not in contexts:
        unsecured["@context"] = [*contexts, DI_V2]
    options: dict[str, Any] = {
        "type": suite.proof_type,
        "cryptosuite": suite.cryptosuite,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": "authentication",
        "challenge": challenge,
    }
    if domain is not None:
        options["domain"] = domain
    _, _, data = hash_data(unsecured, options)
    options["proofValue"] = multibase_encode(key.sign(data))
    signed = dict(unsecured)
    signed["proof"] = options if previous is None else [*previous, options]
    return signed


def suite_of(proof: Mapping[str, Any]) -> Suite | None:
    """The RDFC suite of a ``DataIntegrityProof`` (None for anything else)."""
    if proof.get("type") != "DataIntegrityProof":
        return None
    name = proof.get("cryptosuite")
    for suite in VP_SUITES.values():
        if name == suite.cryptosuite or name in suite.legacy_names:
            return suite
    return None


def _authentication_method(resolver: Resolver, vm_id: Any) -> VerificationMethod:
    if not isinstance(vm_id, str) or not vm_id:
        raise _fail("proof.missing_verification_method", "the proof names no verificationMethod")
    try:
        vm = resolver.resolve_verification_method(vm_id)
    except MCBadgeError as exc:
        code = exc.code if exc.code.startswith("key_resolution.") else "key_resolution.failed"
        raise _fail(code, exc.message) from None
    if vm.embedded:
        raise _fail(
            "key_binding.embedded_key",
            "a presentation's key must be the holder's own, not one the document carries",
        )
    if vm.id.split("#", 1)[0] != vm.controller:
        raise _fail(
            "key_binding.controller_mismatch",
            "the verification method does not belong to the DID that controls it",
        )
    if "authentication" not in vm.relationships:
        raise _fail(
            "key_binding.not_authentication",
            "the holder has not listed that key under authentication (a key for issuing, "
            "assertionMethod, cannot sign a presentation)",
        )
    return vm


def verify_authentication_proof(
    document: Mapping[str, Any],
    proof: Any,
    resolver: Resolver,
    *,
    index: int,
    now: datetime,
    skew: timedelta = CLOCK_SKEW,
) -> ProofOutcome:
    """Verify one proof of a presentation (``document`` without its ``proof``): structure,
    suite, purpose ``authentication``, the key under the controller's ``authentication``,
    ``created`` not in the future, ``expires`` not past, and the signature."""
    outcome = ProofOutcome(index=index, type=None)
    try:
        if not isinstance(proof, Mapping):
            raise _fail("proof.malformed", "a proof is not an object")
        wrong = proof_member_issue(proof)
        if wrong is not None:
            raise _fail(wrong.code, wrong.message)
        ptype = proof.get("type")
        outcome.type = ptype if isinstance(ptype, str) else None
        suite = suite_of(proof)
        if suite is None:
            if ptype != "DataIntegrityProof":
                raise _fail("proof.unsupported_type", f"the proof type {ptype!r} is not supported")
            raise _fail("cryptosuite.unsupported", "the proof's cryptosuite is not supported")
        outcome.cryptosuite = suite.cryptosuite
        if proof.get("proofPurpose") != "authentication":
            raise _fail(
                "proof_purpose.mismatch",
                f"a presentation proof must have proofPurpose authentication, "
                f"not {proof.get('proofPurpose')!r}",
            )
        if "previousProof" in proof:
            raise _fail("proof.chain_unsupported", "proof chains (previousProof) are not supported")
        outcome.verification_method = proof.get("verificationMethod")
        if "created" in proof:
            created = parse_datetime(proof["created"], code="freshness.bad_created")
            if created - now > skew:
                raise _fail("freshness.created_in_future", "the proof was created in the future")
        if "expires" in proof:
            expires = parse_datetime(proof["expires"], code="freshness.bad_expires")
            if now - expires > skew:
                raise _fail("freshness.expired", "the presentation proof has expired")
        signature = proof_signature(document, proof)
        vm = _authentication_method(resolver, proof.get("verificationMethod"))
        outcome.controller = vm.controller
        if vm.key.key_type != suite.key_type:
            raise _fail("cryptosuite.key_mismatch", f"{suite.name} needs a {suite.key_type} key")
        _, _, data = hash_data(document, proof)
        vm.key.verify(signature, data)
    except MCBadgeError as exc:
        outcome.errors.append(Issue(exc.code, exc.message))
    outcome.verified = not outcome.errors
    return outcome


# --- VP-JWT ----------------------------------------------------------------------------------


def sign_presentation_jwt(
    presentation: Mapping[str, Any],
    key: Key,
    *,
    verification_method: str,
    challenge: str,
    domain: str | None,
    form: VpJwtForm,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """A compact JWS of ``presentation``: ``form="vp"`` (VC-JWT 1.1: ``vp`` claim, ``typ JWT``)
    or ``form="vp+jwt"`` (VC-JOSE-COSE: the payload is the presentation). Both carry ``iss``
    (the holder), ``nonce`` (the challenge), ``aud`` (the domain, when given), ``iat``, ``nbf``
    and ``exp`` (``iat`` + ``lifetime``)."""
    _check_challenge(challenge, domain)
    vp, _ = copy_for_signing(presentation, "presentation")
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    claims: dict[str, Any] = {}
    if isinstance(holder_id, str):
        claims["iss"] = holder_id
    if isinstance(vp.get("id"), str):
        claims["jti"] = vp["id"]
    if domain is not None:
        claims["aud"] = domain
    claims["nonce"] = challenge
    claims["iat"] = claims["nbf"] = numeric_date(now)
    claims["exp"] = numeric_date(now + lifetime)
    if form == "vp":
        header: dict[str, Any] = {"alg": key.alg, "typ": "JWT", "kid": verification_method}
        payload: dict[str, Any] = {**claims, "vp": vp}
    elif form == "vp+jwt":
        header = {"alg": key.alg, "typ": "vp+jwt", "cty": "vp", "kid": verification_method}
        payload = {**vp, **claims}
    else:
        raise _fail("jwt.bad_form", f"unknown VP-JWT form {form!r} (vp or vp+jwt)")
    signing_input = (
        b64url_encode(_HEADER_ENCODER.encode(header).encode("utf-8"))
        + "."
        + b64url_encode(_PAYLOAD_ENCODER.encode(payload).encode("utf-8"))
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


def _check_header(header: Mapping[str, Any]) -> tuple[str, str]:
    """(alg, form) of an acceptable VP-JWT header."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise _fail("jwt.alg_missing", "the JWT header has no alg")
    if alg.lower() == "none":
        raise _fail("jwt.alg_none", "unsigned JWTs (alg none) are refused")
    if alg.upper().startswith("HS"):
        raise _fail("jwt.alg_hmac", "HMAC JWTs are refused: a presentation needs a signature")
    if alg not in _ALGS:
        raise _fail("jwt.alg_unsupported", f"the JWT algorithm {alg!r} is not supported")
    for name in _FORBIDDEN_HEADERS:
        if name in header:
            raise _fail("jwt.header_forbidden", f"the JWT header {name!r} is not accepted")
    typ = header.get("typ")
    if typ is not None and not typ_allowed(typ, VP_JWT_TYP):
        raise _fail("jwt.bad_typ", f"the JWT typ {typ!r} is not a presentation's")
    cty = header.get("cty")
    if cty is not None and not typ_allowed(cty, _VP_CTY):
        raise _fail("jwt.bad_cty", f"the JWT cty {cty!r} is not a presentation's")
    return alg, ("vp+jwt" if typ_allowed(typ, VP_JOSE_TYP) else "vp")


def verify_presentation_jwt(
    token: str, resolver: Resolver
) -> tuple[ProofOutcome, dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    """Check a VP-JWT's header, key and signature: (outcome, header, payload, presentation).

    The claims (``iss``/``aud``/``nonce``/dates) are for the caller to judge against its own
    expectations; a token whose signature does not verify has ``outcome.verified`` False.
    """
    outcome = ProofOutcome(index=0, type="JWT")
    header: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None
    presentation: dict[str, Any] | None = None
    try:
        parts = token.strip().split(".") if isinstance(token, str) else []
        if len(parts) == 3 and parts[0] and not parts[2]:  # unsigned: say why (alg none?)
            unsigned = _json_part(parts[0], "header")
            wrong = jwt_member_issue(unsigned, {})  # the codes a signed token's header gets
            if wrong is not None:
                raise _fail(wrong.code, wrong.message)
            _check_header(unsigned)
            raise _fail("jwt.malformed", "the JWT has no signature")
        header, payload, signing_input, signature = decode_jwt(token)
        form = "vp" if "vp" in payload else "vp+jwt"
        outcome.type = form  # known before any claim is judged, so a refusal names it
        wrong = jwt_member_issue(header, {k: v for k, v in payload.items() if k != "vc"})
        if wrong is not None:
            raise _fail(wrong.code, wrong.message)
        if form == "vp":
            vp = payload.get("vp")
            if not isinstance(vp, dict):
                raise _fail("jwt.bad_payload", "the JWT's vp claim is not a presentation")
            presentation = vp
        else:
            presentation = {k: v for k, v in payload.items() if k not in _VP_CLAIMS}
        alg, typ_form = _check_header(header)
        outcome.cryptosuite = alg
        if typ_form == "vp+jwt" and form == "vp":
            raise _fail("jwt.bad_payload", "a vp+jwt is the presentation; it has no vp claim")
        kid = header.get("kid")
        if kid is None:
            if "jwk" in header:
                header_key(header["jwk"])  # refuses a malformed one with its own code
                raise _fail(
                    "key_binding.embedded_key",
                    "a presentation JWT must name the holder's key (kid), not carry its own",
                )
            raise _fail("jwt.no_key", "the JWT names no key (kid)")
        vm = _authentication_method(resolver, kid)
        outcome.verification_method = vm.id
        outcome.controller = vm.controller
        if "jwk" in header and header_key(header["jwk"]) != vm.key:
            raise _fail("key_binding.jwk_mismatch", "the JWT's jwk is not the key named by kid")
        if vm.key.alg != alg:
            raise _fail(
                "jwt.alg_mismatch", f"the JWT says {alg} but the key is a {vm.key.key_type} key"
            )
        vm.key.verify(signature, signing_input)
    except MCBadgeError as exc:
        outcome.errors.append(Issue(exc.code, exc.message))
    outcome.verified = not outcome.errors
    return outcome, header, payload, presentation
