"""Behaviour of the VC-JOSE-COSE (vc+jwt) claim and header rules that the 2026-12-05 mutation
round of proofs/ found untested: the exact refusals of ``check_vc_jwt_claims`` (iss/jti/sub
that do not match the credential; nbf, exp and iat against the clock and its skew, at the
boundary included) and of ``check_vc_jwt_header`` (a typ with no hint, a cty that is not vc),
called directly and, for a not-yet-valid vc+jwt, through the verifier and the proof layer.
Mutant names are the ``__mutmut_N`` suffixes of ``mcbadge.proofs.vc_jose.x_<function>``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from test_verify_exact import ED, NOW, credential, raw_jwt

from mcbadge.did import OfflineResolver, default_verification_method, did_for_key
from mcbadge.errors import MCBadgeError
from mcbadge.proofs import verify_proof
from mcbadge.proofs.vc_jose import check_vc_jwt_claims, check_vc_jwt_header
from mcbadge.verify import Check, VerificationPolicy, verify

ISSUER = did_for_key(ED)
SKEW = timedelta(minutes=5)
STAMP = int(NOW.timestamp())
MARGIN = int(SKEW.total_seconds())
OFFLINE = VerificationPolicy(now=NOW, offline=True)


def _refusal(payload: dict[str, Any], cred: dict[str, Any] | None = None) -> tuple[str, str]:
    """(code, message) of check_vc_jwt_claims' refusal of ``payload``."""
    with pytest.raises(MCBadgeError) as caught:
        check_vc_jwt_claims(payload, credential() if cred is None else cred, NOW, SKEW)
    return caught.value.code, caught.value.message


def _vc_jwt(**claims: Any) -> str:
    """A vc+jwt signed by the issuer's key: the credential itself plus ``claims``."""
    header = {"alg": ED.alg, "typ": "vc+jwt", "kid": default_verification_method(ED)}
    return raw_jwt(header, credential() | claims)


# ---- check_vc_jwt_claims: iss / jti / sub -----------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("iss", "the JWT iss claim is not the credential's issuer"),
        ("jti", "the JWT jti claim is not the credential's id"),
        ("sub", "the JWT sub claim is not the subject's id"),
    ],
)
def test_a_vc_jwt_claim_that_does_not_match_the_credential_is_named_in_the_refusal(
    claim: str, message: str
) -> None:
    """A vc+jwt whose iss, jti or sub disagrees with the credential's issuer, id or subject
    id fails jwt_claims.<claim>_mismatch with a message naming what the claim should be.
    Kills check_vc_jwt_claims 10, 11 (iss), 17, 18 (jti), 26, 27 (sub)."""
    refusal = _refusal({claim: "did:example:someone-else"})
    assert refusal == (f"jwt_claims.{claim}_mismatch", message)


def test_a_credential_with_a_list_of_subjects_has_no_subject_id_for_sub() -> None:
    """A credential whose credentialSubject is a list (several subjects) has no single subject
    id: a vc+jwt without sub passes the claim rules, one with sub fails jwt_claims.sub_mismatch
    (never a crash). Kills check_vc_jwt_claims 22 (subject.get on a list: AttributeError)."""
    cred = credential()
    cred["credentialSubject"] = [cred["credentialSubject"], {"id": "did:example:teacher2"}]
    check_vc_jwt_claims({"iss": ISSUER}, cred, NOW, SKEW)
    assert _refusal({"sub": "did:example:teacher1"}, cred) == (
        "jwt_claims.sub_mismatch",
        "the JWT sub claim is not the subject's id",
    )


# ---- check_vc_jwt_claims: nbf / exp / iat against the clock -------------------------------------


def test_a_vc_jwt_not_valid_yet_beyond_the_skew_is_refused() -> None:
    """A vc+jwt whose nbf is later than now plus the clock skew is not valid yet:
    jwt_claims.not_yet_valid, "the JWT is not valid yet (nbf)". Kills check_vc_jwt_claims
    39, 41, 44, 45 (nbf never read: FAIL-OPEN), 50-55 (code lost or changed, TypeError) and
    56-58 (message changed)."""
    assert _refusal({"nbf": STAMP + MARGIN + 1}) == (
        "jwt_claims.not_yet_valid",
        "the JWT is not valid yet (nbf)",
    )


@pytest.mark.parametrize("nbf", [STAMP + MARGIN, STAMP + MARGIN // 2, STAMP - MARGIN - 1])
def test_a_vc_jwt_valid_from_within_the_skew_passes(nbf: int) -> None:
    """An nbf up to the clock skew ahead of now (the boundary itself included), or in the past,
    is accepted. Kills check_vc_jwt_claims 48 (skew added instead of subtracted: an nbf
    within the skew, or just past, refused) and 49 (the boundary refused)."""
    check_vc_jwt_claims({"nbf": nbf}, credential(), NOW, SKEW)


def test_an_expired_vc_jwt_is_refused_with_its_message() -> None:
    """A vc+jwt whose exp is earlier than now minus the clock skew has expired:
    jwt_claims.expired, "the JWT has expired (exp): its signature is no longer valid".
    Kills check_vc_jwt_claims 76, 77, 78 (message changed)."""
    assert _refusal({"exp": STAMP - MARGIN - 1}) == (
        "jwt_claims.expired",
        "the JWT has expired (exp): its signature is no longer valid",
    )


@pytest.mark.parametrize("exp", [STAMP - MARGIN, STAMP - MARGIN // 2, STAMP + MARGIN + 1])
def test_a_vc_jwt_expired_within_the_skew_passes(exp: int) -> None:
    """An exp up to the clock skew behind now (the boundary itself included), or in the
    future, is accepted. Kills check_vc_jwt_claims 68 (skew subtracted instead of added: an
    exp within the skew, or just ahead, refused) and 69 (the boundary refused)."""
    check_vc_jwt_claims({"exp": exp}, credential(), NOW, SKEW)


def test_a_vc_jwt_signed_in_the_future_is_refused_with_its_message() -> None:
    """A vc+jwt whose iat is later than now plus the clock skew says it was signed in the
    future: jwt_claims.iat_in_future, "the JWT says it was signed in the future (iat)".
    Kills check_vc_jwt_claims 96, 97, 98 (message changed)."""
    assert _refusal({"iat": STAMP + MARGIN + 1}) == (
        "jwt_claims.iat_in_future",
        "the JWT says it was signed in the future (iat)",
    )


def test_a_vc_jwt_signed_at_the_skew_boundary_passes() -> None:
    """An iat exactly the clock skew ahead of now is accepted. Kills check_vc_jwt_claims 89
    (the boundary refused)."""
    check_vc_jwt_claims({"iat": STAMP + MARGIN}, credential(), NOW, SKEW)


def test_the_verifier_refuses_a_vc_jwt_credential_that_is_not_valid_yet() -> None:
    """End to end: a vc+jwt credential with a correct signature but an nbf a day ahead is
    not verified, by the verifier (the report's jwt_claims check fails with
    jwt_claims.not_yet_valid) nor by the proof layer. Kills check_vc_jwt_claims 39, 41, 44
    and 45, which drop the nbf rule so the credential would verify (FAIL-OPEN)."""
    token = _vc_jwt(iss=ISSUER, nbf=STAMP + 86400)
    assert verify(_vc_jwt(iss=ISSUER, nbf=STAMP - 86400), OFFLINE).verified
    result = verify(token, OFFLINE)
    assert not result.verified
    assert result.check("jwt_claims") == Check(
        "jwt_claims", "failed", "jwt_claims.not_yet_valid", "the JWT is not valid yet (nbf)"
    )
    proof = verify_proof(token, OfflineResolver(), now=NOW)
    assert not proof.verified
    assert [(e.code, e.message) for e in proof.all_errors] == [
        ("jwt_claims.not_yet_valid", "the JWT is not valid yet (nbf)")
    ]


# ---- check_vc_jwt_header ------------------------------------------------------------------------


def test_a_vc_jwt_typ_of_no_known_kind_is_refused_expecting_vc_jwt() -> None:
    """A credential JWT whose typ is neither a vc+jwt spelling nor one with its own hint is
    refused with jwt.typ and the hint "expected vc+jwt". Kills check_vc_jwt_header 19."""
    with pytest.raises(MCBadgeError) as caught:
        check_vc_jwt_header({"typ": "example+jwt"})
    assert (caught.value.code, caught.value.message) == (
        "jwt.typ",
        "the JWT typ 'example+jwt' is not acceptable for a credential: expected vc+jwt",
    )


def test_a_vc_jwt_cty_other_than_vc_is_refused_quoting_it() -> None:
    """A vc+jwt whose cty is not vc (here JWT, a nested token) is refused with jwt.cty, quoting
    the cty and saying the payload is a credential. Kills check_vc_jwt_header 43 (quotes
    None), 44 and 45 (message changed)."""
    with pytest.raises(MCBadgeError) as caught:
        check_vc_jwt_header({"typ": "vc+jwt", "cty": "JWT"})
    assert (caught.value.code, caught.value.message) == (
        "jwt.cty",
        "the JWT cty 'JWT' is not acceptable: a vc+jwt's payload is a credential (cty vc)",
    )
