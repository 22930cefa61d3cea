"""The proof checks: embedded Data Integrity proofs, VC-JWT and VC-JOSE-COSE (vc+jwt) envelopes.

The cheap, structural rules (which types, suites, purposes, header parameters and claims are
acceptable; whose key it must be) are enforced here before any cryptography, so a hostile
proof fails with a precise check id. The cryptography itself is :func:`mcbadge.proofs.verify_proof`;
its error codes name the check they fail (``key_binding.*`` fails ``key_binding``).
"""

from __future__ import annotations

import logging
from typing import Any

from mcbadge.errors import MCBadgeError
from mcbadge.proofs import verify_proof
from mcbadge.proofs.di import proof_member_issue
from mcbadge.proofs.jwt import ALLOWED_TYP, header_key, issuer_own_key, jwt_member_issue
from mcbadge.proofs.vc_jose import (
    VC_JWT_MEDIA_TYPE,
    check_vc_jwt_claims,
    check_vc_jwt_header,
    check_vc_jwt_payload,
    typ_allowed,
)
from mcbadge.verify._context import RunContext
from mcbadge.verify._util import (
    DateTimeError,
    as_list,
    check_from_error,
    exceeds,
    failed,
    parse_datetime,
    passed,
    skipped,
    warning,
)
from mcbadge.verify.checks_local import is_vcdm_v1
from mcbadge.verify.result import Check

__all__ = ["DI_CHECK_IDS", "JWT_CHECK_IDS", "PROOF_CHECK_IDS", "run_proof_checks"]

logger = logging.getLogger(__name__)

PROOF_CHECK_IDS = (
    "data_loss",
    "canonicalization",
    "proof",
    "cryptosuite",
    "signature",
    "key_resolution",
    "key_binding",
    "proof_purpose",
    "proof_time",
    "jwt",
    "jwt_claims",
)
DI_CHECK_IDS = frozenset(PROOF_CHECK_IDS) - {"jwt", "jwt_claims"}
JWT_CHECK_IDS = frozenset(
    {"proof", "signature", "key_resolution", "key_binding", "jwt", "jwt_claims", "data_loss"}
)
_DI_SUITES: dict[str, set[str | None]] = {
    "DataIntegrityProof": {"eddsa-rdfc-2022", "ecdsa-rdfc-2019"},
    "Ed25519Signature2020": {None},
}
_JWT_ALGS = {"EdDSA", "ES256", "ES384", "RS256", "PS256"}
_JWT_HEADER_PARAMS = frozenset({"alg", "kid", "jwk", "typ"})
# VC-JOSE-COSE adds the content type (cty "vc"), nothing else
_VC_JWT_HEADER_PARAMS = _JWT_HEADER_PARAMS | {"cty"}


class _Stop(Exception):
    """A structural rule failed: carries the failed check."""

    def __init__(self, check: Check, checks: dict[str, Check] | None = None) -> None:
        super().__init__(check.code)
        self.check = check
        self.checks = checks or {}


def _issuer_id(credential: dict[str, Any]) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _key_binding(ctx: RunContext, key_id: Any, *, embedded: bool) -> Check:
    """The key must belong to the issuer: its DID is the issuer's id (or trust was granted)."""
    issuer = _issuer_id(ctx.credential)
    if embedded:
        if not ctx.policy.trust_embedded_keys:
            raise _Stop(
                failed(
                    "key_binding",
                    "embedded_key",
                    "the key is embedded in the credential itself; "
                    "enable trust_embedded_keys to accept it",
                )
            )
        return passed("key_binding", "embedded key accepted by policy (trust_embedded_keys)")
    if not isinstance(key_id, str) or not key_id:
        raise _Stop(failed("key_binding", "no_key_id", "the proof does not name its key"))
    controller = key_id.split("#", 1)[0]
    if key_id.startswith("did:"):
        if controller != issuer:
            raise _Stop(
                failed(
                    "key_binding",
                    "not_issuer_key",
                    "the signing key does not belong to the issuer",
                )
            )
        return passed("key_binding", "the signing key belongs to the issuer")
    # An https verification method is published by whoever controls that URL.
    if not ctx.policy.trust_embedded_keys:
        raise _Stop(
            failed(
                "key_binding",
                "untrusted_key_url",
                "the key is identified by a URL, not the issuer's DID; "
                "enable trust_embedded_keys to accept it",
            )
        )
    return passed("key_binding", "key URL accepted by policy (trust_embedded_keys)")


def _proof_times(ctx: RunContext, proof: dict[str, Any]) -> Check:
    skew = ctx.policy.clock_skew
    try:
        # exceeds(): never date ± skew, which overflows at 0001-01-01 and 9999-12-31
        if "created" in proof and exceeds(
            parse_datetime(proof["created"], "created"), ctx.now, skew
        ):
            raise _Stop(
                failed("proof_time", "created_in_future", "the proof was created in the future")
            )
        if "expires" in proof and exceeds(
            ctx.now, parse_datetime(proof["expires"], "expires"), skew
        ):
            raise _Stop(failed("proof_time", "expired", "the proof has expired"))
    except DateTimeError as exc:
        raise _Stop(failed("proof_time", "bad_datetime", str(exc))) from None
    return passed("proof_time", "proof times are acceptable")


def _di_structure(ctx: RunContext, proof: Any, checks: dict[str, Check]) -> None:
    if not isinstance(proof, dict):
        raise _Stop(failed("proof", "malformed", "the proof is not an object"))
    wrong = proof_member_issue(proof)
    if wrong is not None:
        raise _Stop(_failure_for(wrong.code, wrong.message))
    proof_type = proof.get("type")
    if proof_type not in _DI_SUITES:
        raise _Stop(failed("proof", "unknown_type", f"unsupported proof type {proof_type!r}"))
    if not isinstance(proof.get("proofValue"), str) or not proof["proofValue"]:
        raise _Stop(failed("proof", "no_proof_value", "the proof has no proofValue"))
    checks["proof"] = passed("proof", f"{proof_type} proof present")
    suite = proof.get("cryptosuite")
    if suite not in _DI_SUITES[proof_type]:
        raise _Stop(failed("cryptosuite", "unsupported", f"unsupported cryptosuite {suite!r}"))
    checks["cryptosuite"] = passed("cryptosuite", f"cryptosuite {suite or proof_type}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise _Stop(
            failed(
                "proof_purpose",
                "wrong_purpose",
                f"proof purpose {proof.get('proofPurpose')!r} is not assertionMethod",
            )
        )
    checks["proof_purpose"] = passed("proof_purpose", "assertionMethod")
    checks["proof_time"] = _proof_times(ctx, proof)
    checks["key_binding"] = _key_binding(ctx, proof.get("verificationMethod"), embedded=False)


def _jwt_structure(ctx: RunContext, checks: dict[str, Check]) -> None:
    assert ctx.parsed is not None
    assert ctx.parsed.jwt_header is not None
    header = ctx.parsed.jwt_header
    payload = ctx.parsed.jwt_payload or {}
    wrong = jwt_member_issue(header, payload)
    if wrong is not None:
        raise _Stop(_failure_for(wrong.code, wrong.message))
    vc_jose = ctx.parsed.vc_jose
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise _Stop(failed("jwt", "alg_none", "the JWT is unsigned (alg none)"))
    if alg.startswith("HS"):
        raise _Stop(failed("jwt", "alg_symmetric", f"symmetric algorithm {alg} is not a signature"))
    if alg not in _JWT_ALGS:
        raise _Stop(failed("jwt", "alg_unsupported", f"unsupported JWT algorithm {alg}"))
    extra = set(header) - (_VC_JWT_HEADER_PARAMS if vc_jose else _JWT_HEADER_PARAMS)
    if "crit" in extra:
        raise _Stop(failed("jwt", "crit", "the JWT header has critical extensions (crit)"))
    if extra:
        raise _Stop(
            failed(
                "jwt",
                "header_param",
                f"JWT header parameters not allowed: {', '.join(sorted(extra))}",
            )
        )
    if vc_jose:
        try:
            check_vc_jwt_header(header)
            check_vc_jwt_payload(payload)
        except MCBadgeError as exc:
            raise _Stop(_failure_for(exc.code, exc.message)) from None
    elif "typ" in header and not typ_allowed(header["typ"], ALLOWED_TYP):
        raise _Stop(failed("jwt", "typ", f"JWT typ {header['typ']!r} is not acceptable"))
    if "kid" not in header and "jwk" not in header:
        raise _Stop(failed("jwt", "no_key", "the JWT header has neither kid nor jwk"))
    if vc_jose:
        checks["proof"] = passed("proof", "VC-JOSE-COSE envelope (vc+jwt)")
        checks["jwt"] = passed("jwt", f"vc+jwt header and payload acceptable (alg {alg})")
        checks["jwt_claims"] = _vc_jwt_claims(ctx, payload)
    else:
        checks["proof"] = passed("proof", "VC-JWT envelope")
        checks["jwt"] = passed("jwt", f"JWS header acceptable (alg {alg})")
        checks["jwt_claims"] = _jwt_claims(ctx, payload)
    if "kid" not in header:
        own = _header_jwk_of_issuer(ctx, header.get("jwk"))
        if own is not None:
            checks["key_binding"] = own
            return
    checks["key_binding"] = _key_binding(ctx, header.get("kid"), embedded="kid" not in header)


def _header_jwk_of_issuer(ctx: RunContext, jwk: Any) -> Check | None:
    """A ``jwk`` header that is the key of a did:key/did:jwk issuer is the issuer's own key
    (OB 3.0 §8.2.3 lets the header carry the key as ``kid`` or ``jwk``), not an embedded one.
    None when the issuer is not a did:key/did:jwk (the embedded-key policy then decides)."""
    try:
        own = issuer_own_key(_issuer_id(ctx.credential), header_key(jwk))
    except MCBadgeError as exc:
        raise _Stop(_failure_for(exc.code, exc.message)) from None
    if own is None:
        return None
    return passed("key_binding", "the JWT's jwk is the key of the issuer's own DID")


def _numeric_date(payload: dict[str, Any], name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Stop(failed("jwt_claims", f"bad_{name}", f"the {name} claim is not a NumericDate"))
    return int(value)


def _jwt_claims(ctx: RunContext, payload: dict[str, Any]) -> Check:
    credential = ctx.credential
    subject = credential.get("credentialSubject")
    expected = {
        "iss": _issuer_id(credential),
        "jti": credential.get("id"),
        "sub": subject.get("id") if isinstance(subject, dict) else None,
    }
    for claim, value in expected.items():
        if claim in payload and payload[claim] != value:
            raise _Stop(
                failed(
                    "jwt_claims",
                    f"{claim}_mismatch",
                    f"the JWT {claim} claim does not match the credential",
                )
            )
    if "iss" not in payload:
        raise _Stop(failed("jwt_claims", "missing_iss", "the JWT has no iss claim"))
    v1 = is_vcdm_v1(credential)
    start_name, end_name = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    for claim, field_name in (("nbf", start_name), ("exp", end_name)):
        numeric = _numeric_date(payload, claim)
        if numeric is None:
            continue
        try:
            stamp = int(parse_datetime(credential.get(field_name), field_name).timestamp())
        except DateTimeError:
            raise _Stop(
                failed("jwt_claims", f"{claim}_mismatch", f"{claim} is set but {field_name} is not")
            ) from None
        if stamp != numeric:
            raise _Stop(
                failed(
                    "jwt_claims",
                    f"{claim}_mismatch",
                    f"the JWT {claim} claim does not match {field_name}",
                )
            )
    skew = int(ctx.policy.clock_skew.total_seconds())
    now = int(ctx.now.timestamp())
    nbf = _numeric_date(payload, "nbf")
    if nbf is not None and nbf - skew > now:
        raise _Stop(failed("jwt_claims", "not_yet_valid", "the JWT is not valid yet (nbf)"))
    exp = _numeric_date(payload, "exp")
    if exp is not None and exp + skew < now:
        raise _Stop(failed("jwt_claims", "expired", "the JWT has expired (exp)"))
    return passed("jwt_claims", "JWT claims match the credential")


def _vc_jwt_claims(ctx: RunContext, payload: dict[str, Any]) -> Check:
    """A vc+jwt's claims: the one rule set of :func:`mcbadge.proofs.vc_jose.check_vc_jwt_claims`
    (iss/jti/sub match the credential when present; nbf/exp/iat are the signature's times)."""
    try:
        check_vc_jwt_claims(payload, ctx.credential, ctx.now, ctx.policy.clock_skew)
    except MCBadgeError as exc:
        raise _Stop(_failure_for(exc.code, exc.message)) from None
    if "iss" not in payload:
        return passed("jwt_claims", "no iss claim (optional in a vc+jwt); the kid names the key")
    return passed("jwt_claims", "JWT claims agree with the credential")


def _failure_for(code: str, message: str) -> Check:
    """The failed check a proof-layer error code names (``signature`` when it names none)."""
    check_id = code.split(".", 1)[0]
    if check_id not in PROOF_CHECK_IDS and check_id != "context":
        check_id = "signature"
    if not code.startswith(f"{check_id}."):
        code = f"{check_id}.invalid"
    indeterminate = check_id == "key_resolution" and code.endswith(
        ("unreachable", "fetch_failed", "offline")
    )
    return Check(check_id, "failed", code, message, indeterminate)


def _unreachable_key(ctx: RunContext, failure: Check) -> Check:
    """A key that could not be fetched (did:web) leaves the verdict undecided, not failed."""
    fetch_failures = getattr(ctx.resolver, "fetch_failures", None)
    if failure.id != "key_resolution" or not fetch_failures:
        return failure
    first = fetch_failures[0]
    if first.code.startswith("network_policy."):
        ctx.network_refusals.append(check_from_error("network_policy", first, indeterminate=True))
    message = f"the issuer's DID document could not be retrieved: {first.message}"
    return failed("key_resolution", "unreachable", message, indeterminate=True)


def _crypto(ctx: RunContext, document: Any, proof: Any = None) -> Check:
    """Verify the signature; typed errors name the check they fail."""
    parsed = ctx.parsed
    # a VC-JWT's payload was already read strictly from this token: not parsed a second time
    payload = parsed.jwt_payload if parsed is not None and document is parsed.jws else None
    vc_jose = ctx.parsed is not None and ctx.parsed.vc_jose and isinstance(document, str)
    try:
        outcome = verify_proof(
            document,
            ctx.resolver,
            now=ctx.now,
            trust_embedded_keys=ctx.policy.trust_embedded_keys,
            clock_skew=ctx.policy.clock_skew,
            jwt_payload=payload,
            media_type=VC_JWT_MEDIA_TYPE if vc_jose else None,
        )
    except MCBadgeError as exc:  # verify_proof reports rather than raises; kept fail-closed
        raise _Stop(_unreachable_key(ctx, _failure_for(exc.code, exc.message))) from None
    except Exception:  # fail closed: a crash in the cryptography is a failed signature
        logger.debug("the proof layer crashed", exc_info=True)  # a bug; detail: --debug
        raise _Stop(
            failed("signature", "internal_error", "the signature could not be checked")
        ) from None
    if outcome.verified is not True:
        code = outcome.code or "signature.invalid"
        errors = outcome.all_errors
        message = errors[0].message if errors else ""
        failure = _failure_for(code, message or "the proof does not verify")
        raise _Stop(_unreachable_key(ctx, failure))
    return passed("signature", "the signature verifies")


def _jwt_data_loss(ctx: RunContext) -> Check:
    """JSON-LD safe mode over a VC-JWT's credential: data loss is a warning, not a failure.

    The JWS signs the bytes, so an undefined term is covered by the signature all the same;
    but a term no context defines has no agreed meaning, and a licensure office must see it.
    A credential too large for the JSON-LD work budget fails (``data_loss.budget_exceeded``):
    the check could not be made. The check takes time bounded by the credential's size
    (docs/jsonld.md, "Hostile input").
    """
    if not ctx.policy.check_jwt_data_loss:
        return skipped("data_loss", "JSON-LD checking of VC-JWTs is turned off", "disabled")
    from mcbadge.jsonld import check_data_loss

    try:
        check_data_loss(ctx.credential)  # to_rdf's verdict, without keeping the quads
    except MCBadgeError as exc:
        if exc.code == "canonicalization.budget_exceeded":
            # Not decided within the JSON-LD work budget: "we could not tell" is not a pass.
            return failed(
                "data_loss",
                "budget_exceeded",
                f"{exc.message}; whether its terms are defined could not be checked",
            )
        detail = exc.code.split(".", 1)[1] if exc.code.startswith("data_loss.") else "not_jsonld"
        return warning(
            "data_loss",
            detail,
            f"{exc.message} (the JWS signature covers these bytes, but their meaning is undefined)",
        )
    return passed("data_loss", "JSON-LD processing of the JWT's credential drops nothing")


def _stop_marks(
    stopped: Check, applicable: frozenset[str], done: dict[str, Check] | None = None
) -> dict[str, Check]:
    checks = dict(done or {})
    checks[stopped.id] = stopped
    why = f"{stopped.id} could not be decided" if stopped.indeterminate else f"{stopped.id} failed"
    for check_id in applicable:
        if check_id not in checks:
            checks[check_id] = skipped(check_id, f"not reached: {why}", "not_reached")
    return checks


def _one_di_proof(ctx: RunContext, proof: Any, document: dict[str, Any]) -> dict[str, Check]:
    checks: dict[str, Check] = {}
    try:
        _di_structure(ctx, proof, checks)
        checks["signature"] = _crypto(ctx, document, proof)
    except _Stop as stop:
        raise _Stop(stop.check, _stop_marks(stop.check, DI_CHECK_IDS, checks)) from None
    for check_id in ("key_resolution", "data_loss", "canonicalization"):
        checks[check_id] = passed(check_id, "covered by the verified proof")
    return checks


def run_proof_checks(ctx: RunContext) -> dict[str, Check]:
    """All proof-family checks for the credential (plus a ``context`` override on failure)."""
    parsed = ctx.parsed
    assert parsed is not None
    not_jwt = frozenset({"jwt", "jwt_claims"})
    if parsed.jws is not None:
        applicable = JWT_CHECK_IDS
        checks: dict[str, Check] = {}
        try:
            _jwt_structure(ctx, checks)
            checks["signature"] = _crypto(ctx, parsed.jws)
            checks["key_resolution"] = passed("key_resolution", "the key was resolved")
            checks["data_loss"] = _jwt_data_loss(ctx)
        except _Stop as stop:
            checks = _stop_marks(stop.check, applicable, checks)
        for check_id in DI_CHECK_IDS - applicable:
            # only when absent: a proof-layer failure reported under one of these ids must stay
            if check_id not in checks:
                checks[check_id] = skipped(check_id, "not applicable to a VC-JWT")
        return checks
    proofs = as_list(ctx.credential.get("proof"))
    if not proofs:
        checks = _stop_marks(
            failed("proof", "missing", "the credential has no proof"), DI_CHECK_IDS
        )
    elif not all(isinstance(proof, dict) for proof in proofs):
        malformed = failed("proof", "malformed", "a proof entry is not an object")
        checks = _stop_marks(malformed, DI_CHECK_IDS)
    else:
        checks = {}
        for proof in proofs:
            # OB 3.0 lets a verifier rely on any one proof; we require every embedded proof
            # to verify (fail closed: a proof nobody can check is not ignored).
            document = dict(ctx.credential)
            document["proof"] = proof
            try:
                checks = _one_di_proof(ctx, proof, document if len(proofs) > 1 else ctx.credential)
            except _Stop as stop:
                checks = stop.checks or _stop_marks(stop.check, DI_CHECK_IDS)
                break
    for check_id in not_jwt:
        if check_id not in checks:
            checks[check_id] = skipped(check_id, "not a VC-JWT")
    return checks
