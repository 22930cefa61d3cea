"""The holder's side: put credentials in a verifiable presentation and sign it.

::

    signed = mcbadge.present(
        [badge_a, badge_b_jwt], holder_key, challenge=challenge, domain="https://office.example"
    )
    signed.to_text()  # JSON (Data Integrity) or a compact JWS (VP-JWT)

Credentials may be signed Data Integrity credentials (objects, embedded as they are), VC-JWTs
(compact JWS strings) or ``EnvelopedVerifiableCredential`` objects (``data:application/vc+jwt,``
or ``data:application/jwt,``). In a VCDM 2.0 presentation a JWT is carried as an
``EnvelopedVerifiableCredential`` (VCDM 2.0 allows only objects there); in a VCDM 1.1
``vp``-claim VP-JWT it is the compact JWS string itself.

Formats (``format=``): ``eddsa-rdfc-2022`` / ``ecdsa-rdfc-2019`` (Data Integrity, ``proofPurpose
authentication``, ``challenge`` required, ``domain`` optional); ``jwt`` (VC-JWT 1.1 VP: ``vp``
claim, ``nonce`` = challenge, ``aud`` = domain); ``vp+jwt`` (VC-JOSE-COSE: the payload is the
presentation, ``typ vp+jwt``, credentials enveloped). ``di`` picks the suite for the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from mcbadge._json import loads_strict
from mcbadge.did import did_for_key
from mcbadge.errors import InputError, KeyMaterialError, MCBadgeError
from mcbadge.keys import Key
from mcbadge.proofs import _key_ids
from mcbadge.proofs.presentation import (
    VP_SUITES,
    sign_presentation_di,
    sign_presentation_jwt,
)
from mcbadge.proofs.vc_jose import typ_allowed

__all__ = [
    "ENVELOPED_MEDIA_TYPES",
    "PresentationFormat",
    "SignedPresentation",
    "create_presentation",
    "envelope",
    "present",
    "sign_presentation",
]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
#: The ``data:`` URL media types an ``EnvelopedVerifiableCredential`` may carry here.
ENVELOPED_MEDIA_TYPES = ("application/vc+jwt", "application/jwt")
PresentationFormat = Literal["di", "eddsa-rdfc-2022", "ecdsa-rdfc-2019", "jwt", "vp+jwt"]
#: How long a VP-JWT is valid (``exp`` - ``iat``) unless the caller says otherwise.
DEFAULT_LIFETIME = timedelta(minutes=10)


def _refuse(message: str, code: str = "present.bad_credential") -> InputError:
    return InputError(message, code=code)


@dataclass(frozen=True)
class SignedPresentation:
    """A signed presentation: ``document`` (for a VP-JWT, the presentation it carries) and
    ``jwt`` (the compact JWS, or None for Data Integrity)."""

    format: str
    document: dict[str, Any]
    jwt: str | None = None

    def to_text(self) -> str:
        """Compact JWS for a VP-JWT, indented JSON for Data Integrity."""
        if self.jwt is not None:
            return self.jwt + "\n"
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"


def _jws_typ(token: str) -> str | None:
    from mcbadge.proofs.jwt import decode_jwt

    try:
        header = decode_jwt(token)[0]
    except MCBadgeError as exc:
        raise _refuse(f"a credential given as a JWT is not a compact JWS: {exc.message}") from None
    typ = header.get("typ")
    return typ if isinstance(typ, str) else None


def envelope(token: str) -> dict[str, Any]:
    """The ``EnvelopedVerifiableCredential`` of a VC-JWT: ``data:application/vc+jwt,`` for a
    VC-JOSE-COSE credential (``typ vc+jwt``), ``data:application/jwt,`` for an OB 3.0 VC-JWT."""
    token = token.strip()
    typ = _jws_typ(token)
    media = "application/vc+jwt" if typ_allowed(typ, ("vc+jwt", "vc+ld+jwt")) else "application/jwt"
    return {
        "@context": VC_V2,
        "id": f"data:{media},{token}",
        "type": "EnvelopedVerifiableCredential",
    }


def _enveloped_token(entry: Mapping[str, Any]) -> str:
    url = entry.get("id")
    if not isinstance(url, str) or not url.startswith("data:"):
        raise _refuse("an EnvelopedVerifiableCredential's id must be a data: URL")
    media, comma, token = url[len("data:") :].partition(",")
    if not comma or media not in ENVELOPED_MEDIA_TYPES:
        raise _refuse(
            f"an EnvelopedVerifiableCredential must carry {' or '.join(ENVELOPED_MEDIA_TYPES)}"
        )
    _jws_typ(token)
    return token


def _is_enveloped(entry: Mapping[str, Any]) -> bool:
    kind = entry.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "EnvelopedVerifiableCredential" in kinds


def _credential(entry: Any, *, v1: bool, jwt_as_string: bool) -> Any:
    """One entry of ``verifiableCredential``, in the form this presentation carries it."""
    if isinstance(entry, bytes | bytearray):
        entry = bytes(entry).decode("utf-8", "replace")
    if isinstance(entry, str):
        text = entry.strip()
        if text.startswith("{"):
            entry = loads_strict(text)
        elif text.startswith("data:"):
            entry = {"@context": VC_V2, "id": text, "type": "EnvelopedVerifiableCredential"}
        else:
            _jws_typ(text)
            if jwt_as_string:
                return text
            if v1:
                raise _refuse(
                    "a VCDM 1.1 presentation signed with Data Integrity cannot carry a VC-JWT; "
                    "use a VCDM 2.0 presentation (it envelopes the JWT) or --format jwt",
                    "present.unsupported",
                )
            return envelope(text)
    if not isinstance(entry, Mapping):
        raise _refuse("a credential must be a JSON object, a VC-JWT or a data: URL")
    if _is_enveloped(entry):
        token = _enveloped_token(entry)
        if jwt_as_string:
            return token
        if v1:
            raise _refuse(
                "a VCDM 1.1 presentation cannot carry an EnvelopedVerifiableCredential",
                "present.unsupported",
            )
        return dict(entry)
    types = entry.get("type")
    if "VerifiablePresentation" in (types if isinstance(types, list) else [types]):
        raise _refuse("a presentation cannot be presented as a credential")
    if "proof" not in entry:
        raise _refuse(
            "a credential in a presentation must be secured (it has no proof); "
            "the verifier would refuse it"
        )
    return dict(entry)


def create_presentation(
    credentials: Iterable[Any],
    *,
    holder: str | None = None,
    id: str | None = None,
    version: Literal["2.0", "1.1"] = "2.0",
    jwt_as_string: bool = False,
) -> dict[str, Any]:
    """An unsigned presentation of ``credentials`` (see the module docs for what is accepted).

    ``jwt_as_string`` keeps VC-JWTs as compact JWS strings (the VC-JWT 1.1 ``vp`` form)."""
    if version not in ("2.0", "1.1"):
        raise _refuse(f"unknown VCDM version {version!r} (2.0 or 1.1)", "present.bad_option")
    v1 = version == "1.1"
    items = [_credential(entry, v1=v1, jwt_as_string=jwt_as_string) for entry in credentials]
    if not items:
        raise _refuse("a presentation needs at least one credential", "present.no_credentials")
    presentation: dict[str, Any] = {
        "@context": [VC_V1 if v1 else VC_V2],
        "type": ["VerifiablePresentation"],
    }
    if id is not None:
        presentation["id"] = id
    if holder is not None:
        presentation["holder"] = holder
    presentation["verifiableCredential"] = items
    return presentation


def _holder_method(presentation: Mapping[str, Any], key: Key, vm: str | None) -> str:
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    did, default_vm = _key_ids(key)
    if vm is None:
        if holder_id is not None and holder_id != did:
            raise KeyMaterialError(
                f"the presentation's holder ({holder_id}) is not this key's DID ({did}); "
                "name the holder's verification method for this key",
                code="key_binding.not_holder_key",
            )
        return default_vm
    if holder_id is not None and vm.split("#", 1)[0] != holder_id:
        raise KeyMaterialError(
            "the verification method does not belong to the presentation's holder",
            code="key_binding.not_holder_key",
        )
    return vm


def sign_presentation(
    presentation: Mapping[str, Any],
    key: Key,
    *,
    challenge: str,
    domain: str | None = None,
    format: PresentationFormat = "di",
    verification_method: str | None = None,
    now: datetime | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> SignedPresentation:
    """Sign ``presentation`` as its holder, answering the verifier's ``challenge``.

    Without ``verification_method`` the holder must be the key's own DID (did:key, or did:jwk
    for RSA), whose key is listed under ``authentication``.
    """
    if not isinstance(presentation, Mapping):
        raise _refuse("the presentation must be a JSON object", "input.not_object")
    if not key.has_private:
        raise KeyMaterialError("signing needs a private key", code="key.no_private")
    when = now if now is not None else datetime.now(UTC)
    vm = _holder_method(presentation, key, verification_method)
    if format in ("jwt", "vp+jwt"):
        if domain is None:
            raise _refuse(
                "a VP-JWT needs the verifier's domain (its aud claim): verifiers refuse one "
                "without aud",
                "present.domain_required",
            )
        form: Literal["vp", "vp+jwt"] = "vp" if format == "jwt" else "vp+jwt"
        contexts = presentation.get("@context")
        first = contexts[0] if isinstance(contexts, list) and contexts else contexts
        if form == "vp+jwt" and first != VC_V2:
            raise _refuse("a vp+jwt presentation must be VCDM 2.0", "present.unsupported")
        token = sign_presentation_jwt(
            presentation,
            key,
            verification_method=vm,
            challenge=challenge,
            domain=domain,
            form=form,
            now=when,
            lifetime=lifetime,
        )
        document = {k: v for k, v in presentation.items() if k != "proof"}
        return SignedPresentation(format, document, token)
    name = format
    if format == "di":
        name = "ecdsa-rdfc-2019" if key.key_type == "p256" else "eddsa-rdfc-2022"
    suite = VP_SUITES.get(name)
    if suite is None:
        raise _refuse(
            f"unknown presentation format {format!r} "
            "(di, eddsa-rdfc-2022, ecdsa-rdfc-2019, jwt, vp+jwt)",
            "present.bad_option",
        )
    document = sign_presentation_di(
        presentation,
        key,
        suite,
        verification_method=vm,
        challenge=challenge,
        domain=domain,
        created=when,
    )
    return SignedPresentation(name, document)


def present(
    credentials: Iterable[Any],
    key: Key,
    *,
    challenge: str,
    domain: str | None = None,
    format: PresentationFormat = "di",
    holder: str | None = None,
    version: Literal["2.0", "1.1"] = "2.0",
    id: str | None = None,
    verification_method: str | None = None,
    now: datetime | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> SignedPresentation:
    """Create and sign a presentation of ``credentials`` in one step (see the module docs).

    ``holder`` defaults to the key's DID. A ``vp+jwt`` is always VCDM 2.0; a ``jwt`` (VC-JWT 1.1
    ``vp`` claim) carries VC-JWTs as strings in a VCDM 1.1 presentation.
    """
    if format == "jwt":
        version = "1.1"
    if format == "vp+jwt" and version != "2.0":
        raise _refuse("a vp+jwt presentation is VCDM 2.0", "present.unsupported")
    holder_id = holder if holder is not None else did_for_key(key)
    presentation = create_presentation(
        credentials, holder=holder_id, id=id, version=version, jwt_as_string=format == "jwt"
    )
    return sign_presentation(
        presentation,
        key,
        challenge=challenge,
        domain=domain,
        format=format,
        verification_method=verification_method,
        now=now,
        lifetime=lifetime,
    )
