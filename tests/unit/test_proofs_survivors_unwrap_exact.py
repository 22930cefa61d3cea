"""Behaviour of ``unwrap_envelope`` (reading the compact JWS out of an enveloped credential or
presentation) that the 2026-12-05 mutation round of proofs/ found untested: the exact code and
message of each refusal, what it returns for a one-element ``@context`` array, a data: URL
whose data holds a comma, and an enveloped credential whose ``type`` array names more than the
envelope type (refused; a mutant read and verified it). Mutant names are the ``__mutmut_N``
suffixes of ``mcbadge.proofs.vc_jose.x_unwrap_envelope``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from test_proofs_exact import ED, NOW, credential

from mcbadge.did import OfflineResolver, did_for_key
from mcbadge.errors import InputError
from mcbadge.proofs import sign, verify_proof
from mcbadge.proofs.vc_jose import unwrap_envelope
from mcbadge.verify import VerificationPolicy, verify

V2 = "https://www.w3.org/ns/credentials/v2"
VC = "EnvelopedVerifiableCredential"
VP = "EnvelopedVerifiablePresentation"
ISSUER = did_for_key(ED)
TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln"


def _enveloped(url: str, **members: Any) -> dict[str, Any]:
    return {"@context": V2, "type": VC, "id": url, **members}


def _refusal(document: Any, media_type: str = "application/vc+jwt") -> tuple[str, str]:
    with pytest.raises(InputError) as caught:
        unwrap_envelope(document, media_type=media_type)
    assert str(caught.value) == caught.value.message
    return caught.value.code, caught.value.message


def _signed_token() -> str:
    signed = sign(credential(ISSUER), ED, format="vc+jwt", created=NOW - timedelta(days=1))
    assert signed.jwt is not None
    return signed.jwt


# ---- the media type asked for -----------------------------------------------------------------


def test_unwrap_envelope_refuses_an_unknown_media_type_naming_the_two_it_takes() -> None:
    """Asking unwrap_envelope for another media type is a programmer error (ValueError) whose
    message lists the two it reads. Kills 4 (no message), 5 (a TypeError) and 6 (separator)."""
    with pytest.raises(ValueError, match=r"^media_type must be one of ") as caught:
        unwrap_envelope(_enveloped(f"data:application/vc+jwt,{TOKEN}"), media_type="x/y")
    assert str(caught.value) == ("media_type must be one of application/vc+jwt, application/vp+jwt")


# ---- what it returns ----------------------------------------------------------------------------


@pytest.mark.parametrize("context", [V2, [V2], [V2, "https://example.org/more"]])
def test_unwrap_envelope_returns_the_token_whatever_the_form_of_context(context: Any) -> None:
    """An enveloped credential whose @context is the VCDM 2.0 context, alone or first in an
    array (also an array of one), gives back its compact JWS exactly. Kills 31 (an array
    context always refused as malformed) and 33 (the second entry read: an array of one broke
    with an IndexError)."""
    document = {"@context": context, "type": [VC], "id": f"data:application/vc+jwt,{TOKEN}"}
    assert unwrap_envelope(document) == TOKEN
    presentation = {"@context": context, "type": VP, "id": f"data:application/vp+jwt,{TOKEN}"}
    assert unwrap_envelope(presentation, media_type="application/vp+jwt") == TOKEN


def test_an_enveloped_credential_with_an_array_context_verifies() -> None:
    """End to end: the proof layer verifies an enveloped credential whose @context is
    [VCDM 2.0] as it does one whose @context is the string. Kills 31 and 33."""
    token = _signed_token()
    document = {"@context": [V2], "type": VC, "id": f"data:application/vc+jwt,{token}"}
    result = verify_proof(document, OfflineResolver(), now=NOW)
    assert result.verified
    assert result.format == "vc+jwt"
    assert result.errors == []


# ---- input.envelope_malformed ------------------------------------------------------------------


@pytest.mark.parametrize("document", [None, "text", [V2], 7])
def test_unwrap_envelope_refuses_what_is_not_a_json_object(document: Any) -> None:
    """An enveloped credential handed over as something other than a JSON object is refused
    input.envelope_malformed with this message. Kills 14 (None), 15 (XX), 16 (lower case) and
    17 (upper case)."""
    assert _refusal(document) == (
        "input.envelope_malformed",
        "the EnvelopedVerifiableCredential is malformed: it is not a JSON object",
    )
    assert _refusal(document, "application/vp+jwt") == (
        "input.envelope_malformed",
        "the EnvelopedVerifiablePresentation is malformed: it is not a JSON object",
    )


@pytest.mark.parametrize(
    "kind",
    [
        [VC, "VerifiableCredential"],
        ["VerifiableCredential", VC],
        [VC, VC],
        [VP, VC],
        "VerifiableCredential",
        VP,
        None,
    ],
)
def test_unwrap_envelope_refuses_any_type_but_the_envelope_type_alone(kind: Any) -> None:
    """The type of an enveloped credential is EnvelopedVerifiableCredential, as a string or an
    array of that one name; an array naming it with anything else (even twice, or beside
    EnvelopedVerifiablePresentation) is input.envelope_malformed with this message. Kills 18
    (a type array that also named the envelope type was read) and 25 (message None)."""
    document = _enveloped(f"data:application/vc+jwt,{TOKEN}", type=kind)
    assert _refusal(document) == (
        "input.envelope_malformed",
        "the EnvelopedVerifiableCredential is malformed: its type must be "
        "'EnvelopedVerifiableCredential'",
    )


def test_a_signed_credential_in_an_envelope_with_a_second_type_is_not_verified() -> None:
    """FAIL-OPEN guard: an enveloped credential typed [EnvelopedVerifiableCredential,
    VerifiableCredential] around a good signature is refused by the proof layer
    (input.envelope_malformed), never verified. Mutant 18 verified it."""
    token = _signed_token()
    good = _enveloped(f"data:application/vc+jwt,{token}")
    assert verify_proof(good, OfflineResolver(), now=NOW).verified
    document = _enveloped(f"data:application/vc+jwt,{token}", type=[VC, "VerifiableCredential"])
    result = verify_proof(document, OfflineResolver(), now=NOW)
    assert not result.verified
    assert [(issue.code, issue.message) for issue in result.errors] == [
        (
            "input.envelope_malformed",
            "the EnvelopedVerifiableCredential is malformed: its type must be "
            "'EnvelopedVerifiableCredential'",
        )
    ]


def test_the_report_refuses_an_enveloped_credential_with_a_second_type() -> None:
    """FAIL-OPEN guard, end to end: verify() reports an enveloped credential typed
    [EnvelopedVerifiableCredential, VerifiableCredential] around a good signature as failing
    its input check (input.envelope_malformed), while the same token in a well-typed envelope
    verifies. Mutant 18 read it as input.ok and the report said verified."""
    token = _signed_token()
    policy = VerificationPolicy(now=NOW, offline=True)
    good = verify(_enveloped(f"data:application/vc+jwt,{token}"), policy)
    assert good.verified
    assert good.summary.proof_format == "VC-JOSE-COSE (vc+jwt, enveloped)"
    document = _enveloped(f"data:application/vc+jwt,{token}", type=[VC, "VerifiableCredential"])
    result = verify(document, policy)
    assert not result.verified
    assert result.failed_checks == ["input"]
    check = result.check("input")
    assert (check.code, check.message) == (
        "input.envelope_malformed",
        "the EnvelopedVerifiableCredential is malformed: its type must be "
        "'EnvelopedVerifiableCredential'",
    )


def test_unwrap_envelope_names_extra_members_sorted_cut_at_120() -> None:
    """Members beside @context, type and id are listed sorted, joined by ", " and cut at 120
    characters. Kills 49 (separator) and 50 (cut at 121)."""
    assert _refusal(_enveloped(f"data:application/vc+jwt,{TOKEN}", proof={}, issuer="x")) == (
        "input.envelope_malformed",
        "the EnvelopedVerifiableCredential is malformed: it carries members outside the signed "
        "token (issuer, proof); only @context, type and id are allowed",
    )
    names = {f"m{n:02d}" + "x" * 20: n for n in range(6)}
    listed = ", ".join(sorted(names))
    assert len(listed) > 121
    assert _refusal(_enveloped(f"data:application/vc+jwt,{TOKEN}", **names)) == (
        "input.envelope_malformed",
        "the EnvelopedVerifiableCredential is malformed: it carries members outside the signed "
        f"token ({listed[:120]}); only @context, type and id are allowed",
    )


@pytest.mark.parametrize("url", [None, 7, ["data:application/vc+jwt,a.b.c"]])
def test_unwrap_envelope_refuses_an_id_that_is_not_a_string(url: Any) -> None:
    """An enveloped credential whose id is not a string is input.envelope_malformed with this
    message. Kills 59 (XX) and 60 (lower case)."""
    assert _refusal(_enveloped(url)) == (
        "input.envelope_malformed",
        "the EnvelopedVerifiableCredential is malformed: its id is not a string (it must be a "
        "data: URL)",
    )


# ---- the data: URL ------------------------------------------------------------------------------


def test_unwrap_envelope_splits_the_data_url_at_its_first_comma() -> None:
    """The media type of a data: URL ends at its first comma; a comma in the data makes the
    data not a compact JWS (input.envelope_not_jwt), not another media type. Kills 77
    (rpartition: split at the last comma)."""
    assert _refusal(_enveloped(f"data:application/vc+jwt,{TOKEN},x")) == (
        "input.envelope_not_jwt",
        "the EnvelopedVerifiableCredential's data is not a compact JWS (three base64url parts "
        f"separated by dots): '{TOKEN[:40]}...'",
    )


def test_unwrap_envelope_names_text_plain_when_no_media_type_is_given() -> None:
    """A data: URL with no media type (data:,...) is text/plain: refused
    input.envelope_media_type saying so. Kills 96 (XX)."""
    assert _refusal(_enveloped(f"data:,{TOKEN}")) == (
        "input.envelope_media_type",
        "the EnvelopedVerifiableCredential holds 'text/plain (none given)', not "
        "application/vc+jwt: only data:application/vc+jwt,<compact JWS> is supported",
    )


BASE64_WHY = "the ;base64 form is for binary media types (COSE); a JWS is written as it is"


@pytest.mark.parametrize(
    "params", [";base64", ";BASE64", "; Base64 ", ";charset=utf-8;base64", ";base64;x=1"]
)
def test_unwrap_envelope_refuses_the_base64_form(params: str) -> None:
    """A data: URL with a ;base64 parameter (any case, in any place) is refused
    input.envelope_encoding with this reason. Kills 107 (reason never given), 109 (XX), 110
    (lower case), 113 (upper-cased before comparing), 115 (XX), 116 (compared with BASE64) and
    117 (the first parameter skipped)."""
    assert _refusal(_enveloped(f"data:application/vc+jwt{params},{TOKEN}")) == (
        "input.envelope_encoding",
        "the EnvelopedVerifiableCredential's data: URL is not data:application/vc+jwt,"
        f"<compact JWS>: {BASE64_WHY}",
    )


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        (";charset=utf-8", "charset=utf-8"),
        ("; charset=utf-8 ;x=1", "charset=utf-8;x=1"),
        (";a=1;b=2;c=3", "a=1;b=2;c=3"),
        (";" + "p" * 50, "p" * 40),
    ],
)
def test_unwrap_envelope_refuses_parameters_naming_them(params: str, shown: str) -> None:
    """Other parameters on the data: URL are refused input.envelope_encoding, listing them
    (trimmed, joined by ";", cut at 40). Kills 119 (separator) and 120 (the first parameter
    left out)."""
    assert _refusal(_enveloped(f"data:application/vc+jwt{params},{TOKEN}")) == (
        "input.envelope_encoding",
        "the EnvelopedVerifiableCredential's data: URL is not data:application/vc+jwt,"
        f"<compact JWS>: parameters ({shown}) are not allowed",
    )
