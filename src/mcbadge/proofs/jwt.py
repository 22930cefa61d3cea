"""VC-JWT for Open Badges 3.0 (§8.2): compact JWS with RS256, ES256 or EdDSA.

Signing writes the VCDM 2.0 form (the credential is the payload, plus ``iss``, ``jti``, ``sub``,
``nbf``, ``exp``) for a VCDM 2.0 credential and the VCDM 1.1 form (``vc`` claim) for a 1.1 one.

Verification takes the algorithm from the KEY, never from the token. Refused: ``alg`` none,
HMAC, any alg not matching the key, JWE (5 parts), ``jku``/``x5u``/``x5c``/``x5t``/``b64`` and any
``crit`` header, duplicate JSON keys, non-canonical base64url, and any header member or
registered claim of the wrong JSON type (``jwt.bad_<member>``, ``jwt_claims.bad_<claim>``).

A ``jwk`` header must be a public signature key (no private member, ``use`` ``sig`` if any,
``key_ops`` with ``verify`` if any, an ``alg`` of its key type). It is used only if it is a key the
issuer controls: the key ``kid`` names, or, without ``kid``, the key of a did:key/did:jwk issuer,
compared as key material (OB 3.0 §8.2.3 lets the header carry the key as ``jwk``; a different key
fails ``key_binding.jwk_not_issuer_key``); otherwise only when the caller trusts embedded keys.

VC-JOSE-COSE (``typ`` ``vc+jwt``, the payload is the credential, no ``vc`` claim) is signed by
:func:`sign_vc_jwt` and verified here too; its own rules (typ/cty, a VCDM 2.0 payload, claims as
the signature's times) live in :mod:`mcbadge.proofs.vc_jose`, with the enveloped form.

Claims policy (OB 3.0 VC-JWT): ``iss`` is required (``jwt_claims.missing_iss``); a *present*
``iss``/``jti``/``sub``/``nbf``/``exp`` that disagrees with the credential fails
(``jwt_claims.<claim>_mismatch``); a *missing* ``nbf``/``exp``/``jti``/``sub`` only warns (the
spec's own examples have no ``nbf``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from mcbadge._json import loads_strict
from mcbadge.did import OfflineResolver, Resolver, VerificationMethod
from mcbadge.errors import MCBadgeError
from mcbadge.keys import PRIVATE_JWK_MEMBERS, Key, jwk_permits_verify, key_from_jwk
from mcbadge.multibase import b64url_decode, b64url_encode
from mcbadge.proofs._common import (
    CLOCK_SKEW,
    Issue,
    ProofOutcome,
    check_key_binding,
    issuer_id,
    numeric_date,
    parse_datetime,
)
from mcbadge.proofs.vc_jose import (
    check_vc_jwt_claims,
    check_vc_jwt_header,
    check_vc_jwt_payload,
    envelope,
    is_vc_jwt,
    typ_allowed,
    unwrap_envelope,
)

__all__ = [
    "ALLOWED_TYP",
    "CLAIM_MEMBERS",
    "HEADER_MEMBERS",
    "decode_jwt",
    "envelope",
    "jwt_member_issue",
    "sign_jwt",
    "sign_vc_jwt",
    "unwrap_envelope",
    "verify_jwt",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
_REGISTERED = ("iss", "jti", "sub", "nbf", "exp", "iat", "aud")
_FORBIDDEN_HEADERS = ("jku", "x5u", "x5c", "x5t", "x5t#S256", "b64")
# OB 3.0 §8.2.3 writes "JWT"; VC-JOSE-COSE registers "vc+jwt"; drafts of it used
# "vc+ld+jwt" and "vc+ld+json+jwt". The verifier checks the same list, as media types
# compare (typ_allowed: "jwt" and "application/jwt" are "JWT", RFC 7515 §4.1.9).
ALLOWED_TYP = ("JWT", "vc+jwt", "vc+ld+jwt", "vc+ld+json+jwt")
_MAX_TOKEN = 2_000_000
# one encoder each, not one per json.dumps call
_PAYLOAD_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_HEADER_ENCODER = json.JSONEncoder(separators=(",", ":"))
# Headers repeat (one per issuer key): a strictly parsed header segment is kept, keyed by its
# exact base64url text, and handed out as a fresh dict. Only flat headers (string members:
# alg, typ, kid) are kept, so the copy shares nothing; a header with a jwk is parsed each time.
# Parsing is a pure function of the text, so a hit gives the same answer a parse would;
# failures are never stored. Bounded: cleared when full.
_HEADER_CACHE: dict[str, dict[str, str]] = {}
_HEADER_CACHE_MAX = 256
# Issuing: the encoded header segment per (alg, kid, typ) (see _header_segment).
_HEADER_SEGMENTS: dict[tuple[str, str, str], str] = {}
#: The header type of each signing profile: OB 3.0 VC-JWT, VC-JOSE-COSE.
_TYP = {"jwt": "JWT", "vc+jwt": "vc+jwt"}


def _fail(code: str, message: str) -> MCBadgeError:
    return MCBadgeError(message, code=code)


def _epoch(value: Any, code: str) -> int:
    return int(parse_datetime(value, code=code).timestamp())


def _is_v2(credential: Mapping[str, Any]) -> bool:
    ctx = credential.get("@context")
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    return bool(first == VC_V2)


def sign_jwt(
    credential: Mapping[str, Any],
    key: Key,
    *,
    verification_method: str | None,
    embed_jwk: bool = False,
) -> str:
    """Compact JWS of ``credential`` (header ``kid`` = the VM, or ``jwk`` when asked)."""
    return _sign_jwt(credential, key, verification_method, embed_jwk)[0]


def sign_vc_jwt(
    credential: Mapping[str, Any],
    key: Key,
    *,
    verification_method: str | None,
    embed_jwk: bool = False,
    issued_at: datetime | None = None,
) -> str:
    """VC-JOSE-COSE ``application/vc+jwt`` of a VCDM 2.0 ``credential``: the payload is the
    credential (without ``proof``) plus ``iss`` (the issuer's id) and ``iat`` (``issued_at``,
    when given); header ``typ`` ``vc+jwt``, ``cty`` ``vc``, ``kid`` (or ``jwk``). A VCDM 1.1
    credential, or one carrying a ``vc``/``vp`` member, raises ``jwt.not_vcdm2`` /
    ``jwt.vc_claim_forbidden``."""
    return _sign_vc_jwt(credential, key, verification_method, embed_jwk, issued_at)[0]


def _sign_vc_jwt(
    credential: Mapping[str, Any],
    key: Key,
    verification_method: str | None,
    embed_jwk: bool,
    issued_at: datetime | None,
) -> tuple[str, str]:
    """(compact JWS, payload JSON text) of a vc+jwt (see :func:`sign_vc_jwt`)."""
    cred = {k: v for k, v in credential.items() if k != "proof"}
    check_vc_jwt_payload(cred)
    claims: dict[str, Any] = {}
    issuer = issuer_id(cred)
    if issuer is not None:
        claims["iss"] = issuer
    if issued_at is not None:
        claims["iat"] = numeric_date(issued_at)
    payload_text = _PAYLOAD_ENCODER.encode({**cred, **claims})
    return _signed(payload_text, key, verification_method, embed_jwk, "vc+jwt"), payload_text


def _signed(
    payload_text: str, key: Key, verification_method: str | None, embed_jwk: bool, profile: str
) -> str:
    signing_input = (
        _header_segment(key, verification_method, embed_jwk, profile)
        + "."
        + b64url_encode(payload_text.encode())
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


def _sign_jwt(
    credential: Mapping[str, Any],
    key: Key,
    verification_method: str | None,
    embed_jwk: bool,
) -> tuple[str, str]:
    """(compact JWS, payload JSON text). The credential is only read (a shallow copy without
    ``proof``), never deep-copied: it is serialised once, right here."""
    cred = {k: v for k, v in credential.items() if k != "proof"}
    claims: dict[str, Any] = {}
    issuer = issuer_id(cred)
    if issuer is not None:
        claims["iss"] = issuer
    if isinstance(cred.get("id"), str):
        claims["jti"] = cred["id"]
    subject = cred.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    v2 = _is_v2(cred)
    start, end = ("validFrom", "validUntil") if v2 else ("issuanceDate", "expirationDate")
    if start in cred:
        claims["nbf"] = _epoch(cred[start], f"jwt_claims.bad_{start}")
    if end in cred:
        claims["exp"] = _epoch(cred[end], f"jwt_claims.bad_{end}")
    payload = {**cred, **claims} if v2 else {**claims, "vc": cred}
    payload_text = _PAYLOAD_ENCODER.encode(payload)
    return _signed(payload_text, key, verification_method, embed_jwk, "jwt"), payload_text


def _header_segment(
    key: Key, verification_method: str | None, embed_jwk: bool, profile: str = "jwt"
) -> str:
    """The base64url header of a token signed by ``key``; the usual one (``alg``, ``typ``,
    ``kid``) is encoded once per (alg, kid) and kept: it is the same for every credential an
    issuer key signs, and encoding it cost a tenth of issuing one. Bounded: cleared when full.
    """
    alg = key.alg
    typ = _TYP[profile]
    if verification_method and not embed_jwk:
        found = _HEADER_SEGMENTS.get((alg, verification_method, typ))
        if found is not None:
            return found
    header: dict[str, Any] = {"alg": alg, "typ": typ}
    if profile == "vc+jwt":
        header["cty"] = "vc"
    if verification_method:
        header["kid"] = verification_method
    if embed_jwk or not verification_method:
        header["jwk"] = key.public_jwk()
    segment = b64url_encode(_HEADER_ENCODER.encode(header).encode("utf-8"))
    if verification_method and not embed_jwk:
        if len(_HEADER_SEGMENTS) >= _HEADER_CACHE_MAX:
            _HEADER_SEGMENTS.clear()
        _HEADER_SEGMENTS[(alg, verification_method, typ)] = segment
    return segment


def _json_part(text: str, what: str) -> dict[str, Any]:
    try:
        raw = b64url_decode(text, code=f"jwt.bad_{what}")
    except MCBadgeError:
        raise _fail("jwt.bad_base64url", f"the JWT {what} is not canonical base64url") from None
    try:
        value = loads_strict(raw)
    except MCBadgeError as exc:
        raise _fail(
            f"jwt.bad_{what}", f"the JWT {what} is not acceptable JSON: {exc.message}"
        ) from None
    if not isinstance(value, dict):
        raise _fail(f"jwt.bad_{what}", f"the JWT {what} is not a JSON object")
    return value


def _header(text: str) -> dict[str, Any]:
    cached = _HEADER_CACHE.get(text)
    if cached is not None:
        return dict(cached)
    header = _json_part(text, "header")
    if all(type(v) is str for v in header.values()):
        if len(_HEADER_CACHE) >= _HEADER_CACHE_MAX:
            _HEADER_CACHE.clear()
        _HEADER_CACHE[text] = dict(header)
    return header


def decode_jwt(
    token: str, *, payload: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) after structural checks (no crypto).

    ``payload``: the token's payload as the caller already read it with the same strict JSON
    reader (:func:`mcbadge._json.loads_strict`) from exactly this token's second segment (the
    verifier's input reader does): it is then not parsed a second time. Every other check
    still runs, the payload segment's canonical base64url included.
    """
    if not isinstance(token, str) or len(token) > _MAX_TOKEN:
        raise _fail("jwt.malformed", "the JWT is not a string of acceptable size")
    token = token.strip()
    parts = token.split(".")
    if len(parts) == 5:
        raise _fail("jwt.jwe_unsupported", "encrypted JWTs (JWE) are not accepted")
    if len(parts) != 3 or not all(parts):
        raise _fail("jwt.malformed", "the JWT does not have three non-empty parts")
    header = _header(parts[0])
    if payload is None:
        payload = _json_part(parts[1], "payload")
    else:
        try:
            b64url_decode(parts[1], code="jwt.bad_payload")
        except MCBadgeError:
            raise _fail("jwt.bad_base64url", "the JWT payload is not canonical base64url") from None
        if type(payload) is not dict:
            raise _fail("jwt.bad_payload", "the JWT payload is not a JSON object")
    try:
        signature = b64url_decode(parts[2], code="jwt.bad_base64url")
    except MCBadgeError:
        raise _fail("jwt.bad_base64url", "the JWT signature is not canonical base64url") from None
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_text(v) for v in value)


def _numeric_date(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value == value


# The JSON type of each JOSE header member and registered claim (RFC 7515 §4.1, RFC 7519 §4.1),
# and the code a token gets when one is present with another type (null included). Checked
# before anything reads them, by the proof layer and by the verifier alike.
HEADER_MEMBERS: dict[str, tuple[str, str, Callable[[Any], bool]]] = {
    "alg": ("jwt.bad_alg", "a string", _text),
    "kid": ("jwt.bad_kid", "a non-empty string", _text),
    "jwk": ("jwt.bad_jwk", "a JSON object", lambda v: isinstance(v, dict)),
    "typ": ("jwt.bad_typ", "a string", _text),
    "cty": ("jwt.bad_cty", "a string", _text),
    "crit": ("jwt.bad_crit", "an array of strings", _texts),
}
CLAIM_MEMBERS: dict[str, tuple[str, str, Callable[[Any], bool]]] = {
    "iss": ("jwt_claims.bad_iss", "a string", _text),
    "sub": ("jwt_claims.bad_sub", "a string", _text),
    "jti": ("jwt_claims.bad_jti", "a string", _text),
    "aud": (
        "jwt_claims.bad_aud",
        "a string or an array of strings",
        lambda v: _text(v) or _texts(v),
    ),
    "nbf": ("jwt_claims.bad_nbf", "a NumericDate", _numeric_date),
    "exp": ("jwt_claims.bad_exp", "a NumericDate", _numeric_date),
    "iat": ("jwt_claims.bad_iat", "a NumericDate", _numeric_date),
    "vc": ("jwt.bad_payload", "a JSON object", lambda v: isinstance(v, dict)),
}


def jwt_member_issue(header: Mapping[str, Any], payload: Mapping[str, Any]) -> Issue | None:
    """The first header member or registered claim present with the wrong JSON type."""
    for members, source, where in (
        (HEADER_MEMBERS, header, "header"),
        (CLAIM_MEMBERS, payload, "claim"),
    ):
        for name, (code, wanted, accepts) in members.items():
            if name in source and not accepts(source[name]):
                return Issue(code, f"the JWT {where} {name} is not {wanted}")
    return None


def _check_header(header: Mapping[str, Any], *, vc_jose: bool = False) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise _fail("jwt.alg_missing", "the JWT header has no alg")
    if alg.lower() == "none":
        raise _fail("jwt.alg_none", "unsigned JWTs (alg none) are refused")
    if alg.upper().startswith("HS"):
        raise _fail(
            "jwt.alg_hmac", "HMAC JWTs are refused: credentials need a public-key signature"
        )
    if alg not in ("EdDSA", "ES256", "RS256"):
        raise _fail("jwt.alg_unsupported", f"the JWT algorithm {alg!r} is not supported")
    if "crit" in header:
        raise _fail("jwt.crit_unsupported", "the JWT has critical header extensions")
    for name in _FORBIDDEN_HEADERS:
        if name in header:
            raise _fail("jwt.header_forbidden", f"the JWT header {name!r} is not accepted")
    if vc_jose:
        check_vc_jwt_header(header)
        return alg
    typ = header.get("typ")
    if typ is not None and not typ_allowed(typ, ALLOWED_TYP):
        raise _fail("jwt.bad_typ", "the JWT typ is not JWT")
    return alg


def header_key(jwk: Any) -> Key:
    """The public key of a JWT ``jwk`` header: a public JWK whose use/key_ops allow verifying."""
    if not isinstance(jwk, Mapping) or PRIVATE_JWK_MEMBERS.intersection(jwk):
        raise _fail("jwt.bad_jwk", "the JWT's jwk header is not a public key")
    try:
        key = key_from_jwk(jwk)
        signs = jwk_permits_verify(jwk)
    except MCBadgeError as exc:
        code = (
            exc.code if exc.code == "key_resolution.jwk_alg_mismatch" else "key_resolution.bad_jwk"
        )
        raise _fail(code, exc.message) from None
    if not signs:
        raise _fail("jwt.bad_jwk", "the JWT's jwk is not a signature key (use / key_ops)")
    return key


def issuer_own_key(issuer: str | None, key: Key) -> VerificationMethod | None:
    """The issuer's verification method when ``issuer`` is a did:key or did:jwk whose key is
    ``key`` (compared as key material, not JSON text: member order and optional members such
    as ``use`` or ``kid`` do not matter); None when the issuer is something else.

    The DID is resolved as any other (a did:jwk whose JWK says ``use: enc`` has no
    assertionMethod); a did:key/did:jwk issuer with a different key fails
    ``key_binding.jwk_not_issuer_key``.
    """
    if not isinstance(issuer, str) or not issuer.startswith(("did:key:", "did:jwk:")):
        return None
    if "#" in issuer:
        return None
    fragment = issuer[len("did:key:") :] if issuer.startswith("did:key:") else "0"
    try:
        vm = OfflineResolver().resolve_verification_method(f"{issuer}#{fragment}")
    except MCBadgeError as exc:
        code = exc.code if exc.code.startswith("key_resolution.") else "key_resolution.failed"
        raise _fail(code, exc.message) from None
    if vm.key != key:
        raise _fail(
            "key_binding.jwk_not_issuer_key",
            "the JWT's jwk is not the key of the issuer's DID",
        )
    check_key_binding(issuer, vm)
    return vm


def _resolve_key(
    header: Mapping[str, Any],
    issuer: str | None,
    resolver: Resolver,
    trust_embedded_keys: bool,
    outcome: ProofOutcome,
) -> Key:
    kid = header.get("kid")
    jwk = header.get("jwk")
    embedded: Key | None = None
    if "jwk" in header:
        embedded = header_key(jwk)
    if kid is not None:
        if not isinstance(kid, str) or not kid:
            raise _fail("jwt.bad_kid", "the JWT kid is not a string")
        if kid.startswith("#") and issuer:
            kid = issuer + kid
        outcome.verification_method = kid
        try:
            vm: VerificationMethod = resolver.resolve_verification_method(kid)
        except MCBadgeError as exc:
            code = exc.code if exc.code.startswith("key_resolution.") else "key_resolution.failed"
            raise _fail(code, exc.message) from None
        outcome.controller = vm.controller
        check_key_binding(issuer, vm)
        if embedded is not None and embedded != vm.key:
            raise _fail("key_binding.jwk_mismatch", "the JWT's jwk is not the key named by kid")
        return vm.key
    if embedded is None:
        raise _fail("jwt.no_key", "the JWT names no key (kid or jwk)")
    own = issuer_own_key(issuer, embedded)
    if own is not None:
        outcome.verification_method = own.id
        outcome.controller = own.controller
        return embedded
    outcome.controller = issuer
    if trust_embedded_keys:
        outcome.warnings.append(
            Issue("key_resolution.embedded_key", "the key was taken from the JWT header (trusted)")
        )
        return embedded
    raise _fail(
        "key_binding.untrusted_embedded_key",
        "the JWT carries its own key, which is not a key the issuer is known to control",
    )


def _check_claims(
    payload: Mapping[str, Any],
    credential: Mapping[str, Any],
    v2: bool,
    outcome: ProofOutcome,
    now: datetime,
    skew: timedelta,
) -> None:
    issuer = issuer_id(credential)
    if "iss" not in payload:
        raise _fail("jwt_claims.missing_iss", "the JWT has no iss claim")
    if payload["iss"] != issuer:
        raise _fail("jwt_claims.iss_mismatch", "the JWT iss is not the credential's issuer")

    def same(claim: str, expected: Any, what: str) -> None:
        if claim in payload:
            if expected is None or payload[claim] != expected:
                raise _fail(f"jwt_claims.{claim}_mismatch", f"the JWT {claim} is not {what}")
        elif expected is not None:
            outcome.warnings.append(Issue(f"jwt_claims.{claim}_missing", f"the JWT has no {claim}"))

    same("jti", credential.get("id"), "the credential id")
    subject = credential.get("credentialSubject")
    sub = subject.get("id") if isinstance(subject, Mapping) else None
    same("sub", sub, "the credential subject's id")
    start, end = ("validFrom", "validUntil") if v2 else ("issuanceDate", "expirationDate")
    for claim, field_name in (("nbf", start), ("exp", end)):
        value = payload.get(claim)
        if claim in payload and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _fail(f"jwt_claims.{claim}_mismatch", f"the JWT {claim} is not a NumericDate")
        expected = (
            _epoch(credential[field_name], f"jwt_claims.bad_{field_name}")
            if field_name in credential
            else None
        )
        if claim in payload and (expected is None or int(value or 0) != expected):
            raise _fail(
                f"jwt_claims.{claim}_mismatch",
                f"the JWT {claim} is not the credential's {field_name}",
            )
        if claim not in payload and expected is not None:
            outcome.warnings.append(
                Issue(
                    f"jwt_claims.{claim}_missing", f"the JWT has no {claim} ({field_name} is used)"
                )
            )
    stamp = now.timestamp()
    if "nbf" in payload and payload["nbf"] - skew.total_seconds() > stamp:
        raise _fail("jwt_claims.not_yet_valid", "the JWT is not valid yet (nbf)")
    if "exp" in payload and payload["exp"] + skew.total_seconds() < stamp:
        raise _fail("jwt_claims.expired", "the JWT has expired (exp)")


def verify_jwt(
    token: str,
    resolver: Resolver,
    *,
    now: datetime,
    trust_embedded_keys: bool = False,
    skew: timedelta = CLOCK_SKEW,
    payload: dict[str, Any] | None = None,
    media_type: str | None = None,
) -> tuple[ProofOutcome, dict[str, Any] | None]:
    """Verify a VC-JWT or a VC-JOSE-COSE vc+jwt (by its ``typ``/``cty``, or always when
    ``media_type`` is ``application/vc+jwt``: an enveloped credential's token); returns the
    outcome (``type`` ``JWT`` or ``vc+jwt``) and the decoded credential (None if undecodable).
    ``payload``: the token's payload already read strictly (see :func:`decode_jwt`)."""
    outcome = ProofOutcome(index=0, type="JWT")
    credential: dict[str, Any] | None = None
    try:
        header, payload, signing_input, signature = decode_jwt(token, payload=payload)
        wrong = jwt_member_issue(header, payload)
        if wrong is not None:
            raise _fail(wrong.code, wrong.message)
        vc_jose = is_vc_jwt(header, media_type=media_type)
        if vc_jose:
            outcome.type = "vc+jwt"
        alg = _check_header(header, vc_jose=vc_jose)
        outcome.cryptosuite = alg
        if vc_jose:
            check_vc_jwt_payload(payload)
            v2 = True
            credential = {k: v for k, v in payload.items() if k not in _REGISTERED}
        elif "vc" in payload:
            v2 = False
            vc = payload["vc"]
            if not isinstance(vc, dict):
                raise _fail("jwt.bad_payload", "the JWT vc claim is not an object")
            credential = vc
        else:
            v2 = True
            credential = {k: v for k, v in payload.items() if k not in _REGISTERED}
        key = _resolve_key(header, issuer_id(credential), resolver, trust_embedded_keys, outcome)
        if key.alg != alg:
            raise _fail(
                "jwt.alg_mismatch", f"the JWT says {alg} but the key is a {key.key_type} key"
            )
        key.verify(signature, signing_input)
        if vc_jose:
            check_vc_jwt_claims(payload, credential, now, skew)
        else:
            _check_claims(payload, credential, v2, outcome, now, skew)
    except MCBadgeError as exc:
        outcome.errors.append(Issue(exc.code, exc.message))
    outcome.verified = not outcome.errors
    return outcome, credential
