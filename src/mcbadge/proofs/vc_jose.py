"""VC-JOSE-COSE for credentials: the ``application/vc+jwt`` profile and enveloped credentials.

W3C "Securing Verifiable Credentials using JOSE and COSE" (``w3c/vc-jose-cose``, §3.1.1, §3.3,
§5) secures a VCDM 2.0 credential with a JWS whose payload *is* the credential: no ``vc`` claim
(it and ``vp`` MUST NOT be present), header ``typ`` ``vc+jwt`` (SHOULD), ``cty`` ``vc`` when
present. ``iss``, when present, MUST be the issuer's id; ``kid`` names the issuer's key. ``iat``
and ``exp`` are the *signature's* issuance and expiry, not ``validFrom``/``validUntil``, so they
are checked against the clock, never required to equal the credential's dates (the OB 3.0
VC-JWT profile in :mod:`mcbadge.proofs.jwt` does require that, and is unchanged).

An ``EnvelopedVerifiableCredential`` (VCDM 2.0 §4.13) carries such a token in a ``data:`` URL:
``{"@context": "https://www.w3.org/ns/credentials/v2", "type":
"EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,<compact JWS>"}``.
:func:`envelope` builds one, :func:`unwrap_envelope` reads one back (strictly: another media
type, the ``;base64`` form, parameters, a payload that is not a compact JWS, or members other
than ``@context``/``type``/``id`` each fail with their own ``input.envelope_*`` code).

The rules here are the one copy both the proof layer (:func:`mcbadge.proofs.verify_proof`) and
the verifier's checks (:mod:`mcbadge.verify.checks_proof`) apply; each raises
:class:`~mcbadge.errors.MCBadgeError` whose code names the check it fails.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from mcbadge.errors import InputError, MCBadgeError

__all__ = [
    "ENVELOPED_CREDENTIAL",
    "ENVELOPED_PRESENTATION",
    "VCDM2_CONTEXT",
    "VC_JWT_MEDIA_TYPE",
    "VP_JWT_MEDIA_TYPE",
    "check_vc_jwt_claims",
    "check_vc_jwt_header",
    "check_vc_jwt_payload",
    "envelope",
    "envelope_type",
    "is_envelope",
    "is_vc_jwt",
    "media_subtype",
    "typ_allowed",
    "unwrap_envelope",
]

VCDM2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_JWT_MEDIA_TYPE = "application/vc+jwt"
VP_JWT_MEDIA_TYPE = "application/vp+jwt"
ENVELOPED_CREDENTIAL = "EnvelopedVerifiableCredential"
ENVELOPED_PRESENTATION = "EnvelopedVerifiablePresentation"
_ENVELOPE_TYPES = {
    VC_JWT_MEDIA_TYPE: ENVELOPED_CREDENTIAL,
    VP_JWT_MEDIA_TYPE: ENVELOPED_PRESENTATION,
}

# typ: "vc+jwt" (the registered media type; RFC 7515 §4.1.9 lets "application/" be left out,
# and media types compare case-insensitively); drafts of the spec wrote "vc+ld+jwt" and
# "vc+ld+json+jwt". cty: "vc" (SHOULD), or a draft's "vc+ld+json". Nothing else: a cty of
# "JWT" would mean a nested JWT (RFC 7519 §5.2), whose payload is not the credential.
_VC_TYP = frozenset({"vc+jwt", "vc+ld+jwt", "vc+ld+json+jwt"})
_VC_CTY = frozenset({"vc", "vc+ld+json"})
_OTHER_TYP_HINTS = {
    "vp+jwt": "a vp+jwt is a presentation, not a credential",
    "vc+sd-jwt": "SD-JWT credentials (vc+sd-jwt) are not supported",
    "jwt": "a VC-JOSE-COSE credential is typed vc+jwt, not JWT",
}
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_MAX_SHOWN = 40


def _fail(code: str, message: str) -> MCBadgeError:
    return MCBadgeError(message, code=code)


def media_subtype(value: str) -> str:
    """A JOSE ``typ``/``cty`` or a data: URL's media type, as compared: RFC 7515 §4.1.9 reads a
    value without ``/`` as if ``application/`` were prepended, and media types compare
    case-insensitively (``JWT``, ``jwt`` and ``application/jwt`` are one type)."""
    lowered = value.strip().lower()
    return lowered[len("application/") :] if lowered.startswith("application/") else lowered


def typ_allowed(value: object, allowed: Collection[str]) -> bool:
    """``value`` (a header's ``typ`` or ``cty``) is one of ``allowed``, as media types compare
    (:func:`media_subtype`); anything but a string is not."""
    if not isinstance(value, str):
        return False
    if value in allowed:  # the usual spelling: no normalising on the verifier's hot path
        return True
    subtype = media_subtype(value)
    return any(subtype == media_subtype(name) for name in allowed)


def is_vc_jwt(header: Mapping[str, Any], *, media_type: str | None = None) -> bool:
    """True when the token is to be read as VC-JOSE-COSE ``vc+jwt``: its envelope or caller
    says ``application/vc+jwt``, its ``typ`` is a vc+jwt spelling, or it has a ``cty`` (only
    VC-JOSE-COSE defines one; :func:`check_vc_jwt_header` then judges typ and cty)."""
    if media_type is not None and media_subtype(media_type) == "vc+jwt":
        return True
    typ = header.get("typ")
    return (isinstance(typ, str) and media_subtype(typ) in _VC_TYP) or "cty" in header


def check_vc_jwt_header(header: Mapping[str, Any]) -> None:
    """``typ``, when present, is a vc+jwt spelling (``jwt.typ``); ``cty``, when present, is
    ``vc`` (``jwt.cty``). alg, crit, kid/jwk are the common JWT rules, checked by the caller."""
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or media_subtype(typ) not in _VC_TYP):
        shown = str(typ)[:_MAX_SHOWN]
        hint = _OTHER_TYP_HINTS.get(media_subtype(shown), "expected vc+jwt")
        raise _fail("jwt.typ", f"the JWT typ {shown!r} is not acceptable for a credential: {hint}")
    cty = header.get("cty")
    if cty is not None and (not isinstance(cty, str) or media_subtype(cty) not in _VC_CTY):
        raise _fail(
            "jwt.cty",
            f"the JWT cty {str(cty)[:_MAX_SHOWN]!r} is not acceptable: a vc+jwt's payload is "
            "a credential (cty vc)",
        )


def check_vc_jwt_payload(payload: Mapping[str, Any]) -> None:
    """The payload is a VCDM 2.0 credential itself: no ``vc``/``vp`` claim
    (``jwt.vc_claim_forbidden``), not an envelope (``jwt.nested_envelope``), first
    ``@context`` the VCDM 2.0 one (``jwt.not_vcdm2``)."""
    for claim in ("vc", "vp"):
        if claim in payload:
            raise _fail(
                "jwt.vc_claim_forbidden",
                f"a vc+jwt must not carry a {claim!r} claim: its payload is the credential "
                "itself (VC-JOSE-COSE §3.1.1)",
            )
    if is_envelope(payload):
        raise _fail(
            "jwt.nested_envelope",
            "the vc+jwt's payload is itself an enveloped credential: envelopes do not nest",
        )
    context = payload.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first != VCDM2_CONTEXT:
        raise _fail(
            "jwt.not_vcdm2",
            "a vc+jwt secures a VCDM 2.0 credential only: its first @context must be "
            f"{VCDM2_CONTEXT} (a VCDM 1.1 credential is signed as a VC-JWT with a vc claim)",
        )


def _issuer_id(credential: Mapping[str, Any]) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _numeric_date(payload: Mapping[str, Any], claim: str) -> float | None:
    value = payload.get(claim)
    if value is None and claim not in payload:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _fail(f"jwt_claims.bad_{claim}", f"the JWT {claim} claim is not a NumericDate")
    return float(value)


def check_vc_jwt_claims(
    payload: Mapping[str, Any], credential: Mapping[str, Any], now: datetime, skew: timedelta
) -> None:
    """The registered claims of a vc+jwt against the credential and the clock.

    ``iss``/``jti``/``sub``, when present, are the issuer's id, the credential's ``id`` and
    the subject's ``id`` (``jwt_claims.<claim>_mismatch``; VC-JOSE-COSE §3.3.1 makes ``iss``
    a MUST). ``nbf``/``exp``/``iat`` are the signature's times: not yet valid, expired, or
    issued in the future (beyond ``skew``) fail; they need not equal ``validFrom``/
    ``validUntil``, which the ``validity`` check judges on their own.
    """
    subject = credential.get("credentialSubject")
    expected = {
        "iss": (_issuer_id(credential), "the credential's issuer"),
        "jti": (credential.get("id"), "the credential's id"),
        "sub": (subject.get("id") if isinstance(subject, Mapping) else None, "the subject's id"),
    }
    for claim, (value, what) in expected.items():
        if claim in payload and (value is None or payload[claim] != value):
            raise _fail(f"jwt_claims.{claim}_mismatch", f"the JWT {claim} claim is not {what}")
    stamp = now.timestamp()
    margin = skew.total_seconds()
    nbf = _numeric_date(payload, "nbf")
    if nbf is not None and nbf - margin > stamp:
        raise _fail("jwt_claims.not_yet_valid", "the JWT is not valid yet (nbf)")
    exp = _numeric_date(payload, "exp")
    if exp is not None and exp + margin < stamp:
        raise _fail(
            "jwt_claims.expired", "the JWT has expired (exp): its signature is no longer valid"
        )
    iat = _numeric_date(payload, "iat")
    if iat is not None and iat - margin > stamp:
        raise _fail("jwt_claims.iat_in_future", "the JWT says it was signed in the future (iat)")


# ---- EnvelopedVerifiableCredential -----------------------------------------------------------


def envelope_type(document: Any) -> str | None:
    """``EnvelopedVerifiableCredential``/``EnvelopedVerifiablePresentation`` when ``document``
    is typed as one (a string or an array naming it), else None."""
    if not isinstance(document, Mapping):
        return None
    kind = document.get("type")
    names = kind if isinstance(kind, list) else [kind]
    for name in (ENVELOPED_CREDENTIAL, ENVELOPED_PRESENTATION):
        if name in names:
            return name
    return None


def is_envelope(document: Any) -> bool:
    """True when ``document`` is an enveloped credential or presentation object."""
    return envelope_type(document) is not None


def envelope(compact_jws: str, *, media_type: str = VC_JWT_MEDIA_TYPE) -> dict[str, Any]:
    """The enveloped form of a compact JWS: ``EnvelopedVerifiableCredential`` for
    ``application/vc+jwt`` (the default), ``EnvelopedVerifiablePresentation`` for
    ``application/vp+jwt``. Raises ``input.envelope_not_jwt`` for text that is not a compact
    JWS (nothing is verified here: that is :func:`mcbadge.verify`'s work)."""
    kind = _ENVELOPE_TYPES.get(media_type)
    if kind is None:
        raise ValueError(f"media_type must be one of {', '.join(_ENVELOPE_TYPES)}")
    if not isinstance(compact_jws, str) or not _JWS.match(compact_jws.strip()):
        raise InputError("the text to envelope is not a compact JWS", code="input.envelope_not_jwt")
    return {
        "@context": VCDM2_CONTEXT,
        "type": kind,
        "id": f"data:{media_type},{compact_jws.strip()}",
    }


def _shown(text: str) -> str:
    return repr(text[:_MAX_SHOWN] + ("..." if len(text) > _MAX_SHOWN else ""))


def unwrap_envelope(document: Any, *, media_type: str = VC_JWT_MEDIA_TYPE) -> str:
    """The compact JWS inside an enveloped credential (or, with ``media_type``
    ``application/vp+jwt``, presentation), checked strictly but NOT verified.

    Raises :class:`~mcbadge.errors.InputError`: ``input.envelope_malformed`` (not the VCDM 2.0
    shape: ``@context``, ``type``, a string ``id``, nothing else), ``input.envelope_not_data_url``,
    ``input.envelope_media_type`` (a ``data:`` URL of another media type, e.g. vc+sd-jwt or
    vc+cose), ``input.envelope_encoding`` (``;base64`` or other parameters: a JWS is written
    as it is) and ``input.envelope_not_jwt`` (the data is not a compact JWS).
    """
    kind = _ENVELOPE_TYPES.get(media_type)
    if kind is None:
        raise ValueError(f"media_type must be one of {', '.join(_ENVELOPE_TYPES)}")

    def malformed(why: str) -> InputError:
        return InputError(f"the {kind} is malformed: {why}", code="input.envelope_malformed")

    if not isinstance(document, Mapping):
        raise malformed("it is not a JSON object")
    if envelope_type(document) != kind or document.get("type") not in (kind, [kind]):
        raise malformed(f"its type must be {kind!r}")
    context = document.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first != VCDM2_CONTEXT:
        raise malformed(f"its first @context must be {VCDM2_CONTEXT}")
    extra = sorted(str(name) for name in document if name not in ("@context", "type", "id"))
    if extra:
        raise malformed(
            f"it carries members outside the signed token ({', '.join(extra)[:120]}); only "
            "@context, type and id are allowed"
        )
    url = document.get("id")
    if not isinstance(url, str):
        raise malformed("its id is not a string (it must be a data: URL)")
    if not url[:5].lower() == "data:":
        raise InputError(
            f"the {kind}'s id is not a data: URL ({_shown(url)}); it must be "
            f"data:{media_type},<compact JWS>",
            code="input.envelope_not_data_url",
        )
    head, comma, data = url[5:].partition(",")
    if not comma:
        raise InputError(
            f"the {kind}'s data: URL has no ',' before its data", code="input.envelope_not_jwt"
        )
    parts = [part.strip() for part in head.split(";")]
    declared = parts[0].lower()
    if declared != media_type:
        found = declared or "text/plain (none given)"
        raise InputError(
            f"the {kind} holds {found[:_MAX_SHOWN]!r}, not {media_type}: only "
            f"data:{media_type},<compact JWS> is supported",
            code="input.envelope_media_type",
        )
    if len(parts) > 1:
        why = (
            "the ;base64 form is for binary media types (COSE); a JWS is written as it is"
            if any(part.lower() == "base64" for part in parts[1:])
            else f"parameters ({';'.join(parts[1:])[:_MAX_SHOWN]}) are not allowed"
        )
        raise InputError(
            f"the {kind}'s data: URL is not data:{media_type},<compact JWS>: {why}",
            code="input.envelope_encoding",
        )
    if not _JWS.match(data):
        raise InputError(
            f"the {kind}'s data is not a compact JWS (three base64url parts separated by dots): "
            f"{_shown(data)}",
            code="input.envelope_not_jwt",
        )
    return data
