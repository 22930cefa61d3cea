"""What the holder's VP-JWT signer writes, exactly: the behaviour of
``mcbadge.proofs.presentation.sign_presentation_jwt`` (used by ``mcbadge.present`` and
``mcbadge.sign_presentation`` for ``format="jwt"`` and ``format="vp+jwt"``) that the
2026-12-05 mutation round of ``proofs/`` found untested.

Each test pins the whole token a teacher hands a licensure office: the JOSE header (its exact
bytes), every claim of the payload (``iss`` the holder, ``jti`` the presentation's id, ``aud``
the domain, ``nonce`` the challenge, ``iat``/``nbf``/``exp``), the presentation it carries
(without any earlier proof), and the signer's refusals with their codes and messages. Keys
are Ed25519 from fixed seeds and the clock is fixed, so everything is exact.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Literal

import pytest
from test_verify_exact import NOW, OB, V2, _ed

from mcbadge.did import did_for_key
from mcbadge.errors import MCBadgeError
from mcbadge.multibase import b64url_decode
from mcbadge.present import create_presentation, present, sign_presentation
from mcbadge.proofs import sign
from mcbadge.proofs.presentation import sign_presentation_jwt

T = int(NOW.timestamp())
CHALLENGE = "office-challenge-7f3a9c"
DOMAIN = "https://licensure.example"
V1 = "https://www.w3.org/2018/credentials/v1"
VP_ID = "urn:uuid:0a0b0c0d-1111-4222-8333-444444444444"

ISSUER = _ed(1)
HOLDER = _ed(7)
HOLDER_DID = did_for_key(HOLDER)
KID = f"{HOLDER_DID}#{HOLDER_DID.removeprefix('did:key:')}"


def _badge() -> dict[str, Any]:
    """A teacher's OB 3.0 badge, signed by its issuer (Data Integrity)."""
    unsigned = {
        "@context": [V2, OB],
        "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did_for_key(ISSUER), "type": ["Profile"], "name": "Example Academy"},
        "name": "CS Pedagogy I",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": HOLDER_DID,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/cs1",
                "type": ["Achievement"],
                "name": "CS Pedagogy I",
                "criteria": {"narrative": "Completed the course."},
            },
        },
    }
    signed: dict[str, Any] = sign(unsigned, ISSUER, format="eddsa-rdfc-2022", created=NOW).document
    return signed


BADGE = _badge()
#: The same badge as a VC-JWT, what a VC-JWT 1.1 presentation carries (as a string).
BADGE_JWT = sign({k: v for k, v in BADGE.items() if k != "proof"}, ISSUER, format="jwt").jwt


def _split(token: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(the header's JSON text, the header, the payload) of a compact JWS whose signature
    is the holder's over its first two parts (checked here)."""
    head, body, signature = token.split(".")
    HOLDER.verify(b64url_decode(signature), f"{head}.{body}".encode("ascii"))
    header_text = b64url_decode(head).decode("utf-8")
    header: dict[str, Any] = json.loads(header_text)
    payload: dict[str, Any] = json.loads(b64url_decode(body).decode("utf-8"))
    return header_text, header, payload


def test_a_vc_jwt_presentation_carries_the_holder_id_audience_nonce_and_dates() -> None:
    """``format="jwt"`` (VC-JWT 1.1): the header is exactly ``{"alg":"EdDSA","typ":"JWT",
    "kid":<the holder's key>}`` and the payload is exactly the claims ``iss`` (the holder),
    ``jti`` (the presentation's id), ``aud`` (the domain), ``nonce`` (the challenge), ``iat``
    and ``nbf`` (now) and ``exp`` (now + lifetime), with the presentation in ``vp``.

    Kills sign_presentation_jwt 10, 11, 12, 13, 14 (no ``iss``), 22, 23 (``iss`` renamed),
    24 (``jti`` null), 25, 26 (``jti`` renamed), 27, 28 (KeyError on the id), 39, 40
    (``nbf`` renamed), 53, 54 (``typ`` renamed), 56 (``typ`` ``jwt``)."""
    signed = present(
        [BADGE_JWT],
        HOLDER,
        challenge=CHALLENGE,
        domain=DOMAIN,
        format="jwt",
        holder=HOLDER_DID,
        id=VP_ID,
        now=NOW,
        lifetime=timedelta(minutes=7),
    )
    assert signed.jwt is not None
    header_text, header, payload = _split(signed.jwt)
    assert header_text == f'{{"alg":"EdDSA","typ":"JWT","kid":"{KID}"}}'
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    assert payload == {
        "iss": HOLDER_DID,
        "jti": VP_ID,
        "aud": DOMAIN,
        "nonce": CHALLENGE,
        "iat": T,
        "nbf": T,
        "exp": T + 420,
        "vp": {
            "@context": [V1],
            "type": ["VerifiablePresentation"],
            "id": VP_ID,
            "holder": HOLDER_DID,
            "verifiableCredential": [BADGE_JWT],
        },
    }


def test_a_vp_jwt_is_the_presentation_without_its_old_proof_and_names_a_holder_object() -> None:
    """``format="vp+jwt"`` (VC-JOSE-COSE): the header is exactly ``{"alg":"EdDSA",
    "typ":"vp+jwt","cty":"vp","kid":...}`` and the payload is the presentation itself plus
    the claims. A holder given as an object is named by its ``id`` in ``iss``, and a proof
    the presentation already had (say an earlier Data Integrity signature) is not carried
    into the token.

    Kills sign_presentation_jwt 8, 9 (the old proof carried), 15, 17, 18, 19 (a holder
    object gives no ``iss``), 68, 69 (``typ`` renamed), 71 (``typ`` ``VP+JWT``), 72, 73
    (``cty`` renamed), 75 (``cty`` ``VP``)."""
    presentation = create_presentation([BADGE], id=VP_ID)
    presentation["holder"] = {"id": HOLDER_DID}
    old = sign_presentation(presentation, HOLDER, challenge="earlier", now=NOW).document
    assert "proof" in old
    signed = sign_presentation(
        old, HOLDER, challenge=CHALLENGE, domain=DOMAIN, format="vp+jwt", now=NOW
    )
    assert signed.jwt is not None
    header_text, header, payload = _split(signed.jwt)
    assert header_text == f'{{"alg":"EdDSA","typ":"vp+jwt","cty":"vp","kid":"{KID}"}}'
    assert header == {"alg": "EdDSA", "typ": "vp+jwt", "cty": "vp", "kid": KID}
    assert payload == {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "id": VP_ID,
        "holder": {"id": HOLDER_DID},
        "verifiableCredential": [BADGE],
        "iss": HOLDER_DID,
        "jti": VP_ID,
        "aud": DOMAIN,
        "nonce": CHALLENGE,
        "iat": T,
        "nbf": T,
        "exp": T + 600,
    }


def test_a_vp_jwt_for_an_empty_domain_is_refused() -> None:
    """A VP-JWT's ``aud`` is the verifier's domain: an empty domain is refused with
    ``domain.bad_domain`` rather than signed into a token no office can accept.

    Kills sign_presentation_jwt 2 (the domain not checked)."""
    with pytest.raises(MCBadgeError) as caught:
        present([BADGE], HOLDER, challenge=CHALLENGE, domain="", format="jwt", now=NOW)
    assert caught.value.code == "domain.bad_domain"
    assert caught.value.message == "the domain must be a non-empty string"


def test_an_unknown_vp_jwt_form_is_refused_with_its_code() -> None:
    """The signer knows two VP-JWT forms; a direct caller naming another (``sign_presentation_jwt``
    is exported by ``mcbadge.proofs.presentation``) gets ``jwt.bad_form`` and a message naming
    both, not a TypeError.

    Kills sign_presentation_jwt 79 (code None), 80 (message None), 81, 82 (TypeError),
    83, 84 (code mangled)."""
    with pytest.raises(MCBadgeError) as caught:
        sign_presentation_jwt(
            create_presentation([BADGE], holder=HOLDER_DID),
            HOLDER,
            verification_method=KID,
            challenge=CHALLENGE,
            domain=DOMAIN,
            form="jws",  # type: ignore[arg-type]
            now=NOW,
            lifetime=timedelta(minutes=10),
        )
    assert caught.value.code == "jwt.bad_form"
    assert caught.value.message == "unknown VP-JWT form 'jws' (vp or vp+jwt)"
    assert str(caught.value) == "unknown VP-JWT form 'jws' (vp or vp+jwt)"


@pytest.mark.usefixtures("far_west_local_time")
@pytest.mark.parametrize("form", ["jwt", "vp+jwt"])
def test_a_naive_now_is_utc_for_a_vp_jwt_as_for_a_data_integrity_proof(
    form: Literal["jwt", "vp+jwt"],
) -> None:
    """A `now` without a time zone is UTC everywhere a presentation is signed: a Data
    Integrity proof's `created` already read it so, and a VP-JWT's `iat`/`nbf` now do too
    (they took the machine's local time, five hours apart here)."""
    naive = NOW.replace(tzinfo=None)
    presentation = create_presentation([BADGE], holder=HOLDER_DID)
    di = sign_presentation(presentation, HOLDER, challenge=CHALLENGE, format="di", now=naive)
    assert di.document["proof"]["created"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    signed = sign_presentation(
        presentation, HOLDER, challenge=CHALLENGE, domain=DOMAIN, format=form, now=naive
    )
    assert signed.jwt is not None
    _, _, payload = _split(signed.jwt)
    assert (payload["iat"], payload["nbf"]) == (T, T)
