"""A JOSE header's ``typ`` and ``cty`` are media types (RFC 7515 §4.1.9, §4.1.10): they compare
case-insensitively, and a value without ``/`` means ``application/`` + value. ``JWT``, ``jwt``
and ``application/jwt`` are one type; ``vp+jwt`` and ``application/vp+jwt`` are one type.
The vc+jwt path always compared them so; the VC-JWT ``typ JWT`` rule, the VP-JWT header and
the test for "is this a presentation" compared spellings, so a conformant token written
another way was refused (or read as a credential)."""

from __future__ import annotations

import pytest
from test_presentation_jwt_exact import BADGE_JWT, ISSUER, policy, vp_jwt
from test_verify_exact import NOW, credential, raw_jwt

from mcbadge.did import did_for_key
from mcbadge.present import envelope
from mcbadge.verify import VerificationPolicy, verify, verify_presentation
from mcbadge.verify.presentation import is_presentation

ISSUER_DID = did_for_key(ISSUER)
OFFLINE = VerificationPolicy(now=NOW, offline=True)


@pytest.mark.parametrize(
    ("typ", "cty"),
    [
        ("vp+jwt", "vp"),
        ("application/vp+jwt", "vp"),
        ("VP+JWT", "application/vp"),
        ("Application/VP+JWT", None),
    ],
)
def test_a_vc_jose_presentation_is_read_whatever_the_spelling_of_its_media_type(
    typ: str, cty: str | None
) -> None:
    token = vp_jwt(head={"typ": typ, "cty": cty})
    assert is_presentation(token)
    result = verify_presentation(token, policy())
    failed = [(c.id, c.code) for c in result.outer.checks if c.status == "failed"]
    assert failed == []
    assert result.verified
    proof = result.outer.check("proof")
    assert proof is not None
    assert (proof.status, proof.message) == ("passed", "vp+jwt")
    # given to the single-credential verifier, it is still a presentation
    single = verify(token, OFFLINE)
    assert [(c.id, c.code) for c in single.checks if c.status == "failed"] == [
        ("input", "input.presentation")
    ]


def test_a_presentation_typed_application_vp_jwt_still_has_no_vp_claim() -> None:
    token = vp_jwt("vp", head={"typ": "application/vp+jwt"})
    result = verify_presentation(token, policy())
    assert not result.verified
    check = result.outer.check("jwt")
    assert check is not None
    assert (check.status, check.code, check.message) == (
        "failed",
        "jwt.bad_payload",
        "a vp+jwt is the presentation; it has no vp claim",
    )


@pytest.mark.parametrize("typ", ["jwt", "application/jwt"])
def test_a_vc_jwt_1_1_presentation_typed_jwt_in_lower_case_verifies(typ: str) -> None:
    result = verify_presentation(vp_jwt("vp", head={"typ": typ}), policy())
    failed = [(c.id, c.code) for c in result.outer.checks if c.status == "failed"]
    assert failed == []
    assert result.verified


@pytest.mark.parametrize("typ", ["JOSE", "application/json", "vc+jwt"])
def test_a_presentation_of_another_media_type_is_refused(typ: str) -> None:
    result = verify_presentation(vp_jwt(head={"typ": typ}), policy())
    assert not result.verified
    check = result.outer.check("jwt")
    assert check is not None
    assert (check.status, check.code) == ("failed", "jwt.bad_typ")


@pytest.mark.parametrize("typ", ["JWT", "jwt", "application/jwt", "APPLICATION/JWT"])
def test_an_ob_vc_jwt_typed_jwt_in_any_spelling_verifies(typ: str) -> None:
    doc = credential(ISSUER_DID)
    payload = {**doc, "iss": ISSUER_DID, "jti": doc["id"], "nbf": 1704067200}
    kid = f"{ISSUER_DID}#{ISSUER_DID.removeprefix('did:key:')}"
    result = verify(raw_jwt({"alg": "EdDSA", "typ": typ, "kid": kid}, payload, ISSUER), OFFLINE)
    assert [(c.id, c.code) for c in result.checks if c.status == "failed"] == []
    assert result.verified


def test_an_ob_vc_jwt_typed_jose_is_refused() -> None:
    doc = credential(ISSUER_DID)
    payload = {**doc, "iss": ISSUER_DID, "jti": doc["id"], "nbf": 1704067200}
    kid = f"{ISSUER_DID}#{ISSUER_DID.removeprefix('did:key:')}"
    result = verify(raw_jwt({"alg": "EdDSA", "typ": "JOSE", "kid": kid}, payload, ISSUER), OFFLINE)
    check = result.check("jwt")
    assert check is not None
    assert (check.status, check.code, check.message) == (
        "failed",
        "jwt.typ",
        "JWT typ 'JOSE' is not acceptable",
    )


def test_a_holder_s_envelope_names_a_vc_jose_credential_by_its_media_type() -> None:
    """``mcbadge.present.envelope`` wraps a vc+jwt as ``data:application/vc+jwt,``, however
    the token's typ spells it; an OB 3.0 VC-JWT as ``data:application/jwt,``."""
    doc = credential(ISSUER_DID)
    kid = f"{ISSUER_DID}#{ISSUER_DID.removeprefix('did:key:')}"
    for typ in ("vc+jwt", "application/vc+jwt", "VC+JWT"):
        token = raw_jwt({"alg": "EdDSA", "typ": typ, "kid": kid}, doc, ISSUER)
        assert envelope(token)["id"].startswith("data:application/vc+jwt,")
    assert envelope(BADGE_JWT)["id"].startswith("data:application/jwt,")


def test_the_challenge_and_domain_still_bind_a_presentation_spelled_otherwise() -> None:
    token = vp_jwt(head={"typ": "application/vp+jwt"}, claims={"nonce": "another"})
    result = verify_presentation(token, policy())
    assert not result.verified
    check = result.outer.check("challenge")
    assert check is not None
    assert (check.status, check.code) == ("failed", "challenge.mismatch")
