"""The proof layer's verdict on a teacher's VP-JWT (:func:`verify_presentation_jwt`), called
directly: the outcome (index, type, cryptosuite, key, controller, verified, errors) and the
header, payload and presentation it hands back, for a good token and for each way a token is
refused.

These pin behaviour that the 2026-12-05 mutation round of ``proofs/`` found untested
(mutants ``x_verify_presentation_jwt__mutmut_N``, named in each test). Keys and claims are the
fixed ones of ``test_presentation_jwt_exact``, so every value is exact.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from test_presentation_jwt_exact import (
    DOMAIN,
    HOLDER,
    HOLDER_DID,
    KID,
    OTHER,
    policy,
    vp_jwt,
)

from mcbadge.did import OfflineResolver
from mcbadge.multibase import b64url_encode
from mcbadge.proofs._common import Issue, ProofOutcome
from mcbadge.proofs.presentation import verify_presentation_jwt
from mcbadge.verify import verify_presentation

RESOLVER = OfflineResolver()
Outcome = tuple[int, str | None, str | None, str | None, str | None, bool, list[Issue]]


def _outcome(outcome: ProofOutcome) -> Outcome:
    """Every field of an outcome but the warnings (checked apart: always empty here)."""
    assert outcome.warnings == []
    return (
        outcome.index,
        outcome.type,
        outcome.cryptosuite,
        outcome.verification_method,
        outcome.controller,
        outcome.verified,
        outcome.errors,
    )


def _assert_refused_before_reading(token: Any, message: str) -> None:
    """``jwt.malformed`` with ``message``, type ``JWT`` (the form is not known), nothing
    verified, and no header, payload or presentation handed back."""
    outcome, header, payload, presentation = verify_presentation_jwt(token, RESOLVER)
    assert _outcome(outcome) == (
        0,
        "JWT",
        None,
        None,
        None,
        False,
        [Issue("jwt.malformed", message)],
    )
    assert header is None
    assert payload is None
    assert presentation is None


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and payload of ``token`` as signed."""
    head, body, _ = token.split(".")
    parts = [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in (head, body)]
    return json.loads(parts[0]), json.loads(parts[1])


def _segment(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value).encode())


# --- a good token ----------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["vp+jwt", "vp"])
def test_a_good_presentation_jwt_names_the_holders_key_and_verifies(form: str) -> None:
    """A VP-JWT signed with the teacher's authentication key verifies: the outcome is proof 0
    of the token's form, names the key (kid) and its controller (the holder's DID), and hands
    back the header, the payload and the presentation as signed (a vp+jwt's presentation is the
    payload without its JWT claims). Kills mutmut_2 and 6 (index None / 1), 139 (no
    verification method), 174 and 175 (verified None / the error list)."""
    token = vp_jwt(form)
    outcome, header, payload, presentation = verify_presentation_jwt(token, RESOLVER)
    assert _outcome(outcome) == (0, form, "EdDSA", KID, HOLDER_DID, True, [])
    signed_header, signed_payload = _segments(token)
    assert header == signed_header
    assert payload == signed_payload
    if form == "vp":
        assert presentation == signed_payload["vp"]
    else:
        claims = ("iss", "jti", "aud", "nonce", "iat", "nbf", "exp")
        assert presentation == {k: v for k, v in signed_payload.items() if k not in claims}
    assert presentation is not None
    assert presentation["holder"] == HOLDER_DID


def test_a_bad_signature_is_verified_false_not_none() -> None:
    """A VP-JWT signed with a key that is not the one its kid names is refused with
    ``signature.invalid`` and ``verified`` is the boolean False. Kills mutmut_174 (verified None)
    and 175 (verified is the error list)."""
    outcome, _, _, _ = verify_presentation_jwt(vp_jwt(key=OTHER), RESOLVER)
    assert _outcome(outcome) == (
        0,
        "vp+jwt",
        "EdDSA",
        KID,
        HOLDER_DID,
        False,
        [Issue("signature.invalid", "the signature does not verify")],
    )
    assert outcome.verified is False


# --- refused before the token is read --------------------------------------------------------


@pytest.mark.parametrize("token", [None, b"a.b.c", 42])
def test_a_token_that_is_not_text_is_refused_not_raised(token: Any) -> None:
    """Something that is not a string (None, bytes, a number) given as the VP-JWT is refused as
    ``jwt.malformed`` with type ``JWT`` (the form is not known), and no header, payload or
    presentation comes back: the verifier never raises for bad input. Kills mutmut_3, 7 and 8
    (type None / "XXJWTXX" / "jwt"), 9 and 10 (header / payload "" instead of None), 14
    (a non-string is split anyway and raises)."""
    _assert_refused_before_reading(token, "the JWT is not a string of acceptable size")


def test_an_unsigned_presentation_jwt_says_it_has_no_signature() -> None:
    """A VP-JWT whose signature part is empty, with an acceptable header, is refused as
    ``jwt.malformed`` "the JWT has no signature" (not the generic three-parts message), type
    ``JWT``, nothing handed back. Kills mutmut_32 to 40 (that code and message changed or
    dropped), and 3, 7, 8, 9, 10 again."""
    head, body, _ = vp_jwt().split(".")
    _assert_refused_before_reading(f"{head}.{body}.", "the JWT has no signature")


BODY = _segment({"iss": HOLDER_DID, "aud": DOMAIN})


@pytest.mark.parametrize(
    ("token", "code", "message"),
    [
        # alg none with nothing after the header: the header says why (not "three parts")
        (_segment({"alg": "none"}) + "..", "jwt.alg_none", "unsigned JWTs (alg none) are refused"),
        # no header at all: the unsigned-token rule keys on the header, not the payload
        ("." + BODY + ".", "jwt.malformed", "the JWT does not have three non-empty parts"),
        ("a." + BODY + ".", "jwt.bad_base64url", "the JWT header is not canonical base64url"),
        (
            b64url_encode(b'{"alg":') + "." + BODY + ".",
            "jwt.bad_header",
            "the JWT header is not acceptable JSON: the document is not valid JSON: "
            "Expecting value at line 1 column 8",
        ),
    ],
    ids=["alg-none-no-payload", "no-header", "header-not-base64url", "header-not-json"],
)
def test_an_unsigned_token_is_judged_by_its_header(token: str, code: str, message: str) -> None:
    """A token with an empty signature part and a header is judged by that header first (an
    ``alg: none`` header says so; a header that is not base64url or not JSON is named "the JWT
    header"); with no header it is the generic ``jwt.malformed``. Kills mutmut_21 (the rule
    keyed on the payload part), 26, 30 and 31 (the part called None / "XXheaderXX" /
    "HEADER" in the code and message)."""
    outcome, header, payload, presentation = verify_presentation_jwt(token, RESOLVER)
    assert _outcome(outcome) == (0, "JWT", None, None, None, False, [Issue(code, message)])
    assert (header, payload, presentation) == (None, None, None)


# --- the payload -----------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["vp+jwt", "vp"])
def test_a_vc_member_of_a_presentation_jwt_is_not_judged_as_a_vc_jwt_claim(form: str) -> None:
    """A VP-JWT's ``vc`` member is not the VC-JWT ``vc`` claim: a string there is not refused as
    "the JWT claim vc is not a JSON object"; the token verifies and a vp+jwt hands the member
    back in the presentation. Kills mutmut_60 and 61 (the ``vc`` exclusion misspelt)."""
    if form == "vp+jwt":
        token = vp_jwt(vp={"vc": "a note"})
    else:
        token = vp_jwt("vp", claims={"vc": "a note"})
    outcome, _, payload, presentation = verify_presentation_jwt(token, RESOLVER)
    assert _outcome(outcome) == (0, form, "EdDSA", KID, HOLDER_DID, True, [])
    assert payload is not None
    assert payload["vc"] == "a note"
    assert presentation is not None
    assert ("vc" in presentation) == (form == "vp+jwt")


# --- the key -----------------------------------------------------------------------------------


def test_a_presentation_jwt_carrying_its_own_key_without_kid_is_refused() -> None:
    """A VP-JWT that carries a jwk but names no key (kid) is refused with
    ``key_binding.embedded_key``: the holder must sign with a key of its DID, not one it brings.
    No key or controller is named. Kills mutmut_110 and 111 (falls to ``jwt.no_key``), 113 (the
    jwk read as None: ``jwt.bad_jwk``), 114 and 115 (KeyError raised), 116 to 124 (that code and
    message changed or dropped)."""
    token = vp_jwt(head={"kid": None, "jwk": HOLDER.public_jwk()})
    outcome, header, _, presentation = verify_presentation_jwt(token, RESOLVER)
    assert _outcome(outcome) == (
        0,
        "vp+jwt",
        "EdDSA",
        None,
        None,
        False,
        [
            Issue(
                "key_binding.embedded_key",
                "a presentation JWT must name the holder's key (kid), not carry its own",
            )
        ],
    )
    assert header is not None
    assert header["jwk"] == HOLDER.public_jwk()
    assert presentation is not None


def test_a_malformed_embedded_key_without_kid_is_refused_with_its_own_code() -> None:
    """An embedded jwk that is not a usable key is refused with its own code before the
    embedded-key rule. Kills mutmut_113 (``jwt.bad_jwk`` for any jwk) and 114, 115 (KeyError)."""
    token = vp_jwt(head={"kid": None, "jwk": {"kty": "OKP"}})
    outcome, _, _, _ = verify_presentation_jwt(token, RESOLVER)
    assert outcome.errors == [
        Issue("key_resolution.bad_jwk", "unsupported JWK key type (Ed25519, P-256, RSA)")
    ]
    assert outcome.verified is False


def test_a_jwk_that_is_not_the_key_named_by_kid_is_refused() -> None:
    """FAIL-OPEN guard: a VP-JWT signed with the holder's key (kid) whose header also carries a
    different jwk is refused with ``key_binding.jwk_mismatch``, and the presentation verifier's
    report fails ``key_binding``: the presentation is not verified. Kills mutmut_142, 143 (the
    jwk never compared: verified) and 148 (== for !=: verified), 149 to 157 (that code and
    message changed or dropped)."""
    token = vp_jwt(head={"jwk": OTHER.public_jwk()})
    outcome, _, _, presentation = verify_presentation_jwt(token, RESOLVER)
    assert _outcome(outcome) == (
        0,
        "vp+jwt",
        "EdDSA",
        KID,
        HOLDER_DID,
        False,
        [Issue("key_binding.jwk_mismatch", "the JWT's jwk is not the key named by kid")],
    )
    assert presentation is not None
    result = verify_presentation(token, policy())
    assert result.outer.verified is False
    check = result.outer.check("key_binding")
    assert (check.status, check.code, check.message) == (
        "failed",
        "key_binding.jwk_mismatch",
        "the JWT's jwk is not the key named by kid",
    )


@pytest.mark.parametrize("form", ["vp+jwt", "vp"])
def test_a_jwk_that_is_the_key_named_by_kid_is_accepted(form: str) -> None:
    """A VP-JWT whose header carries both the kid and that same key as jwk verifies. Kills
    mutmut_145 (the jwk read as None: ``jwt.bad_jwk``), 146 and 147 (KeyError raised), 148
    (the matching key refused)."""
    token = vp_jwt(form, head={"jwk": HOLDER.public_jwk()})
    outcome, header, _, _ = verify_presentation_jwt(token, RESOLVER)
    assert _outcome(outcome) == (0, form, "EdDSA", KID, HOLDER_DID, True, [])
    assert header is not None
    assert header["jwk"] == HOLDER.public_jwk()
