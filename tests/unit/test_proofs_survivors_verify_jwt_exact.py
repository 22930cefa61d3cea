"""Pin behaviour of the credential VC-JWT verifier (``proofs.jwt.verify_jwt``) that the
2026-12-05 mutation round of proofs/ found untested: a credential read as VC-JOSE-COSE
(``vc+jwt``) has its header judged by the vc+jwt rules (typ a vc+jwt spelling, cty ``vc``),
not by the OB 3.0 VC-JWT typ list, so a wrong cty or a ``JWT`` typ in an enveloped
credential is refused instead of verified.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_verify_exact import ED, ISSUER, NOW, credential, raw_jwt, v2_payload

from mcbadge.did import OfflineResolver, default_verification_method
from mcbadge.proofs.jwt import verify_jwt

KID = default_verification_method(ED)


def _verify(header: dict[str, Any], media_type: str | None = None) -> tuple[str | None, bool, Any]:
    token = raw_jwt(header, v2_payload(credential(ISSUER)))
    outcome, _ = verify_jwt(token, OfflineResolver(), now=NOW, media_type=media_type)
    return outcome.type, outcome.verified, [(i.code, i.message) for i in outcome.errors]


def test_a_well_formed_vc_jwt_credential_verifies() -> None:
    """Control: the same credential with typ vc+jwt and cty vc verifies as a vc+jwt."""
    header = {"alg": ED.alg, "typ": "vc+jwt", "cty": "vc", "kid": KID}
    assert _verify(header) == ("vc+jwt", True, [])


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ({"alg": "EdDSA", "typ": "vc+jwt", "cty": "application/json"}, "application/json"),
        ({"alg": "EdDSA", "cty": "json"}, "json"),
    ],
)
def test_a_vc_jwt_credential_with_a_wrong_cty_fails(header: dict[str, Any], shown: str) -> None:
    """A credential signed as VC-JOSE-COSE (typ vc+jwt, or any cty) whose cty is not ``vc``
    is not verified: the proof fails ``jwt.cty`` with the exact message. FAIL-OPEN kill:
    verify_jwt 36 (``vc_jose=None``) and 38 (``vc_jose`` dropped) judge the header by the
    VC-JWT typ list only, never look at cty, and report the credential verified."""
    assert _verify(dict(header, kid=KID)) == (
        "vc+jwt",
        False,
        [
            (
                "jwt.cty",
                f"the JWT cty {shown!r} is not acceptable: a vc+jwt's payload is a credential "
                "(cty vc)",
            )
        ],
    )


def test_an_enveloped_credential_typed_jwt_fails() -> None:
    """An enveloped credential (media type application/vc+jwt) whose token says typ ``JWT``
    (the OB 3.0 VC-JWT spelling) is not verified: ``jwt.typ`` with the hint. Outside an
    envelope the same token verifies as a VC-JWT. FAIL-OPEN kill: verify_jwt 36 and 38 accept
    ``JWT`` from the VC-JWT typ list and report the enveloped credential verified."""
    header = {"alg": ED.alg, "typ": "JWT", "kid": KID}
    assert _verify(header, "application/vc+jwt") == (
        "vc+jwt",
        False,
        [
            (
                "jwt.typ",
                "the JWT typ 'JWT' is not acceptable for a credential: a VC-JOSE-COSE "
                "credential is typed vc+jwt, not JWT",
            )
        ],
    )
    assert _verify(header) == ("JWT", True, [])
