"""Pin how ``verify_proof`` verifies an enveloped credential (``EnvelopedVerifiableCredential``):
its token is always read as a VC-JOSE-COSE ``vc+jwt`` whatever its header says, and the
caller's ``trust_embedded_keys`` reaches it, so an issuer's key carried in the header counts."""

from __future__ import annotations

from typing import Any

from test_verify_exact import ED, ISSUER, NOW, V2, credential, raw_jwt

from mcbadge.did import OfflineResolver, default_verification_method
from mcbadge.proofs import ProofResult, verify_proof

URL_ISSUER = "https://example.edu/issuers/1"


def _enveloped(token: str) -> dict[str, Any]:
    return {
        "@context": V2,
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }


def _issues(result: ProofResult) -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in result.all_errors]


def test_an_enveloped_token_is_read_as_vc_jwt_even_without_typ_or_cty() -> None:
    """A token with neither ``typ`` nor ``cty`` and no ``iss`` claim: as the token of an
    envelope it is a vc+jwt (iss optional) and verifies; on its own it is an OB 3.0 VC-JWT,
    which must carry ``iss``."""
    header = {"alg": ED.alg, "kid": default_verification_method(ED)}
    token = raw_jwt(header, credential(ISSUER))

    result = verify_proof(_enveloped(token), OfflineResolver(), now=NOW)
    assert (result.verified, result.format, _issues(result)) == (True, "vc+jwt", [])
    assert [o.type for o in result.proofs] == ["vc+jwt"]
    assert result.document == credential(ISSUER)

    bare = verify_proof(token, OfflineResolver(), now=NOW)
    assert (bare.verified, bare.format) == (False, "jwt")
    assert _issues(bare) == [("jwt_claims.missing_iss", "the JWT has no iss claim")]


def test_an_enveloped_vc_jwt_with_a_header_key_verifies_when_embedded_keys_are_trusted() -> None:
    """An https issuer whose vc+jwt names no ``kid`` but carries its key as ``jwk``: trusted
    embedded keys let that key stand for the issuer's, with a warning saying so."""
    header = {"alg": ED.alg, "typ": "vc+jwt", "jwk": ED.public_jwk()}
    document = _enveloped(raw_jwt(header, credential(URL_ISSUER)))

    trusted = verify_proof(document, OfflineResolver(), now=NOW, trust_embedded_keys=True)
    assert (trusted.verified, trusted.format, _issues(trusted)) == (True, "vc+jwt", [])
    assert [(w.code, w.message) for w in trusted.all_warnings] == [
        ("key_resolution.embedded_key", "the key was taken from the JWT header (trusted)")
    ]
    assert trusted.proofs[0].controller == URL_ISSUER

    for untrusted in (
        verify_proof(document, OfflineResolver(), now=NOW),
        verify_proof(document, OfflineResolver(), now=NOW, trust_embedded_keys=False),
    ):
        assert untrusted.verified is False
        assert _issues(untrusted) == [
            (
                "key_binding.untrusted_embedded_key",
                "the JWT carries its own key, which is not a key the issuer is known to control",
            )
        ]


def test_an_enveloped_vc_jwt_follows_the_resolvers_trust_in_embedded_keys() -> None:
    """Without ``trust_embedded_keys``, the resolver's own setting decides for the envelope's
    token too."""
    header = {"alg": ED.alg, "typ": "vc+jwt", "jwk": ED.public_jwk()}
    document = _enveloped(raw_jwt(header, credential(URL_ISSUER)))

    result = verify_proof(document, OfflineResolver(trust_embedded_keys=True), now=NOW)
    assert (result.verified, _issues(result)) == (True, [])
    assert [w.code for w in result.all_warnings] == ["key_resolution.embedded_key"]
