"""Behaviour of the VC-JOSE-COSE signer, the enveloped form and the signed-credential object
that the 2026-12-05 mutation round of proofs/ found untested: what ``sign_vc_jwt`` writes
(header, payload, signature) and refuses, the ``jwk`` header ``sign(format="vc+jwt")`` writes
when asked, the NumericDate refusals of ``check_vc_jwt_claims``, the exact refusals of
``envelope``/``unwrap_envelope``, and copies and deletions of a ``SignedCredential``.
Mutant names are the ``__mutmut_N`` suffixes of ``mcbadge.proofs.<module>.x_<function>``."""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import FrozenInstanceError
from datetime import timedelta
from typing import Any

import pytest
from test_proofs_exact import ED, NOW, SKEW, credential

from mcbadge.did import OfflineResolver, default_verification_method, did_for_key
from mcbadge.errors import InputError, MCBadgeError
from mcbadge.multibase import b64url_decode
from mcbadge.proofs import SignedCredential, sign, verify_proof
from mcbadge.proofs.jwt import decode_jwt, sign_vc_jwt
from mcbadge.proofs.vc_jose import check_vc_jwt_claims, envelope, unwrap_envelope

ISSUER = did_for_key(ED)
VM = default_verification_method(ED)
ISSUED = NOW - timedelta(days=1)


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS, read as plain JSON."""
    head, body, _ = token.split(".")
    header: dict[str, Any] = json.loads(b64url_decode(head))
    payload: dict[str, Any] = json.loads(b64url_decode(body))
    return header, payload


# ---- jwt.sign_vc_jwt (no test called it: mutants 1-12) ----------------------------------------


def test_sign_vc_jwt_writes_the_credential_as_payload_with_iss_and_iat() -> None:
    """The public VC-JOSE-COSE signer: the header is alg, typ vc+jwt, cty vc and the kid it is
    given (no jwk unless asked); the payload is the credential itself plus iss (the issuer's
    id) and iat (issued_at); the token verifies as a vc+jwt. Kills sign_vc_jwt 1 (jwk by
    default), 2, 3, 7, 8, 9, 10, 11 (the call breaks), 4 (kid dropped), 6 (iat dropped) and
    12 (the payload text returned instead of the token)."""
    cred = credential(ISSUER)
    token = sign_vc_jwt(cred, ED, verification_method=VM, issued_at=ISSUED)
    header, payload = _parts(token)
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": VM}
    assert payload == {**cred, "iss": ISSUER, "iat": int(ISSUED.timestamp())}
    assert list(payload) == [*cred, "iss", "iat"]
    result = verify_proof(token, OfflineResolver(), now=NOW)
    assert result.verified
    assert result.format == "vc+jwt"
    assert result.document == cred


def test_sign_vc_jwt_without_issued_at_writes_no_iat() -> None:
    """Without issued_at the vc+jwt has no iat claim (only iss is added to the credential).
    Kills sign_vc_jwt 12 (not a token) and the argument-dropping 7-11."""
    cred = credential(ISSUER)
    token = sign_vc_jwt(cred, ED, verification_method=VM)
    assert len(token.split(".")) == 3
    assert _parts(token)[1] == {**cred, "iss": ISSUER}


def test_sign_vc_jwt_embeds_the_public_key_when_asked() -> None:
    """embed_jwk=True writes the issuer key's public JWK as the jwk header, next to the kid.
    Kills sign_vc_jwt 5 (embed_jwk dropped to None)."""
    token = sign_vc_jwt(credential(ISSUER), ED, verification_method=VM, embed_jwk=True)
    header, _ = _parts(token)
    assert header == {
        "alg": "EdDSA",
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": VM,
        "jwk": ED.public_jwk(),
    }
    assert verify_proof(token, OfflineResolver(), now=NOW).verified


def test_sign_vc_jwt_drops_the_credentials_proof() -> None:
    """A credential that already carries a Data Integrity proof is signed without it: the
    vc+jwt's payload has no proof member. Kills _sign_vc_jwt 3 and 4 (proof kept)."""
    cred = credential(ISSUER, proof={"type": "DataIntegrityProof", "proofValue": "z1"})
    token = sign_vc_jwt(cred, ED, verification_method=VM)
    payload = _parts(token)[1]
    assert "proof" not in payload
    assert payload == {**{k: v for k, v in cred.items() if k != "proof"}, "iss": ISSUER}


@pytest.mark.parametrize(
    ("cred", "code", "message"),
    [
        (
            credential(ISSUER, v1=True),
            "jwt.not_vcdm2",
            "a vc+jwt secures a VCDM 2.0 credential only: its first @context must be "
            "https://www.w3.org/ns/credentials/v2 (a VCDM 1.1 credential is signed as a VC-JWT "
            "with a vc claim)",
        ),
        (
            credential(ISSUER, vc={"id": "x"}),
            "jwt.vc_claim_forbidden",
            "a vc+jwt must not carry a 'vc' claim: its payload is the credential itself "
            "(VC-JOSE-COSE §3.1.1)",
        ),
    ],
)
def test_sign_vc_jwt_refuses_what_is_not_a_vcdm2_credential(
    cred: dict[str, Any], code: str, message: str
) -> None:
    """A VCDM 1.1 credential, or one carrying a vc member, is refused with its code.
    Kills sign_vc_jwt 2 (the credential replaced by None: an AttributeError instead)."""
    with pytest.raises(MCBadgeError) as caught:
        sign_vc_jwt(cred, ED, verification_method=VM)
    assert (caught.value.code, caught.value.message) == (code, message)


# ---- sign(format="vc+jwt", embed_jwk=True): _sign_vc_jwt 23 ------------------------------------


def test_sign_vc_jwt_format_with_embed_jwk_writes_the_jwk_header() -> None:
    """An issuer who asks sign(format="vc+jwt") to embed the key gets a jwk header (the public
    key) beside the kid, and a credential without its old proof. Kills _sign_vc_jwt 23
    (embed_jwk dropped) and 3/4 (the proof kept in the payload)."""
    cred = credential(ISSUER, proof={"type": "DataIntegrityProof", "proofValue": "z1"})
    signed = sign(cred, ED, format="vc+jwt", created=ISSUED, embed_jwk=True)
    assert signed.jwt is not None
    header, payload = decode_jwt(signed.jwt)[:2]
    assert header == {
        "alg": "EdDSA",
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": VM,
        "jwk": ED.public_jwk(),
    }
    unsecured = {k: v for k, v in cred.items() if k != "proof"}
    assert payload == {**unsecured, "iss": ISSUER, "iat": int(ISSUED.timestamp())}
    assert signed.document == unsecured


# ---- vc_jose._numeric_date (through the public check_vc_jwt_claims) ---------------------------


@pytest.mark.parametrize("claim", ["nbf", "exp", "iat"])
@pytest.mark.parametrize("value", [None, True, False, float("nan"), "1700000000"])
def test_check_vc_jwt_claims_refuses_a_time_claim_that_is_not_a_numericdate(
    claim: str, value: Any
) -> None:
    """The vc+jwt claim rules (check_vc_jwt_claims, the one copy the proof layer and the
    verifier apply) refuse an nbf/exp/iat that is null, a boolean, NaN or a string, with
    jwt_claims.bad_<claim> and its message. Kills _numeric_date 3 (null accepted), 6 (NaN
    accepted, a string crashes), 7 (a boolean accepted), 10 (code lost), 11 (message lost),
    12 and 13 (a TypeError instead)."""
    with pytest.raises(MCBadgeError) as caught:
        check_vc_jwt_claims({"iss": ISSUER, claim: value}, credential(ISSUER), NOW, SKEW)
    assert (caught.value.code, caught.value.message) == (
        f"jwt_claims.bad_{claim}",
        f"the JWT {claim} claim is not a NumericDate",
    )


def test_check_vc_jwt_claims_accepts_absent_and_numeric_times() -> None:
    """Absent time claims are not required; integer and float times in range pass."""
    stamp = NOW.timestamp()
    check_vc_jwt_claims({"iss": ISSUER}, credential(ISSUER), NOW, SKEW)
    payload = {"iss": ISSUER, "nbf": int(stamp) - 10, "exp": stamp + 10.5, "iat": stamp}
    check_vc_jwt_claims(payload, credential(ISSUER), NOW, SKEW)


# ---- vc_jose.envelope -------------------------------------------------------------------------


def test_envelope_refuses_an_unknown_media_type_naming_the_two_it_takes() -> None:
    """envelope() of another media type is a programmer error (ValueError) whose message lists
    the two it supports. Kills envelope 4 (no message), 5 (a TypeError) and 6 (separator)."""
    token = sign_vc_jwt(credential(ISSUER), ED, verification_method=VM)
    with pytest.raises(ValueError, match="media_type must be one of") as caught:
        envelope(token, media_type="application/vc+sd-jwt")
    assert str(caught.value) == "media_type must be one of application/vc+jwt, application/vp+jwt"


@pytest.mark.parametrize("text", ["not a token", "a.b", "a.b.c.d", "a.b.=c"])
def test_envelope_refuses_text_that_is_not_a_compact_jws(text: str) -> None:
    """Enveloping text that is not a compact JWS fails input.envelope_not_jwt with this
    message. Kills envelope 11 (message None), 15 (XX), 16 (lower case) and 17 (upper case)."""
    with pytest.raises(InputError) as caught:
        envelope(text)
    assert (caught.value.code, caught.value.message) == (
        "input.envelope_not_jwt",
        "the text to envelope is not a compact JWS",
    )
    assert str(caught.value) == "the text to envelope is not a compact JWS"


# ---- vc_jose._shown (the id quoted in unwrap_envelope's refusals) -----------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://example.org/c/1", "'https://example.org/c/1'"),
        ("https://example.org/" + "x" * 20, "'https://example.org/" + "x" * 20 + "'"),
        ("https://example.org/" + "x" * 21, "'https://example.org/" + "x" * 20 + "...'"),
        ("https://example.org/" + "y" * 80, "'https://example.org/" + "y" * 20 + "...'"),
    ],
)
def test_unwrap_envelope_quotes_an_id_that_is_not_a_data_url_cut_at_40(
    url: str, shown: str
) -> None:
    """An enveloped credential whose id is not a data: URL is refused
    (input.envelope_not_data_url) quoting the id: whole up to 40 characters, else its first 40
    and "...". Kills _shown 1 (None shown), 3 (never "..."), 4 (always "..."), 5 ("XX...XX"),
    6 ("..." at exactly 40) and 7 ("XXXX" after a short id)."""
    document = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": url,
    }
    with pytest.raises(InputError) as caught:
        unwrap_envelope(document)
    assert (caught.value.code, caught.value.message) == (
        "input.envelope_not_data_url",
        f"the EnvelopedVerifiableCredential's id is not a data: URL ({shown}); it must be "
        "data:application/vc+jwt,<compact JWS>",
    )


def test_unwrap_envelope_quotes_data_that_is_not_a_jws() -> None:
    """A data: URL whose data is not a compact JWS fails input.envelope_not_jwt, quoting the
    data (cut at 40 characters). Kills _shown 1, 3, 5 on this second path too."""
    data = "z" * 45
    document = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{data}",
    }
    with pytest.raises(InputError) as caught:
        unwrap_envelope(document)
    assert (caught.value.code, caught.value.message) == (
        "input.envelope_not_jwt",
        "the EnvelopedVerifiableCredential's data is not a compact JWS (three base64url parts "
        f"separated by dots): '{'z' * 40}...'",
    )


# ---- SignedCredential: copies, pickles, deletion ----------------------------------------------


def test_a_copied_or_pickled_signed_credential_keeps_its_document() -> None:
    """A SignedCredential copied or pickled (a batch worker's result crosses processes this
    way) is equal to the original and keeps its document: a Data Integrity one, and a vc+jwt
    whose document was already read. Kills _restore_signed 3 (the document lost)."""
    di_signed = sign(credential(ISSUER), ED, format="eddsa-rdfc-2022", created=ISSUED)
    jwt_signed = sign(credential(ISSUER), ED, format="vc+jwt", created=ISSUED)
    assert jwt_signed.document == credential(ISSUER)
    for signed in (di_signed, jwt_signed):
        for again in (
            copy.copy(signed),
            copy.deepcopy(signed),
            pickle.loads(pickle.dumps(signed)),
        ):
            assert isinstance(again, SignedCredential)
            assert again.document == signed.document
            assert again.document is not None
            assert again == signed
            assert again.to_text() == signed.to_text()


def test_a_signed_credentials_fields_cannot_be_deleted() -> None:
    """A SignedCredential is frozen: deleting a field raises FrozenInstanceError naming it.
    Kills SignedCredential.__delattr__ 1 (message None)."""
    signed = sign(credential(ISSUER), ED, format="eddsa-rdfc-2022", created=ISSUED)
    for name in ("format", "jwt", "document"):
        with pytest.raises(FrozenInstanceError) as caught:
            delattr(signed, name)
        assert str(caught.value) == f"cannot delete field {name!r}"
    assert signed.format == "eddsa-rdfc-2022"


def test_to_text_of_a_data_integrity_credential_keeps_non_ascii_text() -> None:
    """to_text() writes a Data Integrity credential as indented JSON with non-ASCII text as it
    is (not \\u escapes). Pins the rule; SignedCredential.to_text 5 (ensure_ascii=None) is
    equivalent and passes it too."""
    cred = credential(ISSUER, name="Pédagogie 文")
    signed = sign(cred, ED, format="eddsa-rdfc-2022", created=ISSUED)
    text = signed.to_text()
    assert '"name": "Pédagogie 文"' in text
    assert text == json.dumps(signed.document, indent=2, ensure_ascii=False) + "\n"
