"""Status list and input-reading behaviour that the 2026-12-05 mutation round of verify/ found
untested (docs/mutation-survivors.md, section 3, "Status" and "Input"): the code was right,
but no test would have failed had it been wrong. Each test pins one rule a user sees: which
check fails, under which code, with which exact message, or what the fetcher's cache is told.
Mutant numbers in the comments are those of the round's scratch copy (mutmut); where the
copy was regenerated after a change to src, the number of the same mutant there is given too.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from test_verify_exact import (
    CREATED,
    ED,
    ISSUER,
    LIST_URL,
    NOW,
    OB,
    OTHER,
    V1,
    V2,
    credential,
    di,
    endorsement,
    header,
    jwt,
    raw_jwt,
    status_list,
    with_status,
)

from mcbadge.baking import bake
from mcbadge.multibase import b64url_encode
from mcbadge.net import FetchedDocument
from mcbadge.proofs import sign
from mcbadge.proofs.vc_jose import envelope
from mcbadge.status.bitstring import new_bitstring
from mcbadge.verify import VerificationPolicy, VerificationResult, verify, verify_presentation

OFFLINE = VerificationPolicy(now=NOW, offline=True)
#: the did:key verification method of ISSUER's key (ED)
ISSUER_VM = f"{ISSUER}#{ISSUER.removeprefix('did:key:')}"


def _row(result: VerificationResult, check_id: str) -> tuple[str, str, str, bool]:
    """One check as a clerk reads it: status, code, message, undecided or not."""
    check = result.check(check_id)
    assert check is not None, check_id
    return (check.status, check.code, check.message, check.indeterminate)


# --- status lists ----------------------------------------------------------------------------


def test_a_list_under_a_locally_served_base_url_that_is_not_served_is_named() -> None:
    """A service that serves its own lists (`local_status_base_urls`) and has none at the
    credential's URL leaves the status undecided and names the URL it has no list for; it
    never goes to the network for it.

    _fetch 21 of the doc (the `unknown_list` message); 36 to 45 in the regenerated copy."""
    document, _ = with_status({})
    policy = VerificationPolicy(
        now=NOW, offline=True, local_status_base_urls=("https://status.example.edu/",)
    )
    result = verify(document, policy)
    assert not result.verified
    assert result.indeterminate
    assert result.failed_checks == ["status_retrieval"]
    assert _row(result, "status_retrieval") == (
        "failed",
        "status_retrieval.unknown_list",
        f"no status list is served at {LIST_URL}",
        True,
    )


def test_a_status_list_that_does_not_verify_names_every_check_it_failed() -> None:
    """A status list credential that fails two checks (a null member breaks the data model,
    and its bits were changed after signing) leaves the status undecided; the message lists
    both failed checks, in report order, separated by ", " (_bitstring 51)."""
    tampered = status_list()
    tampered["description"] = None
    tampered["credentialSubject"]["encodedList"] = status_list(7)["credentialSubject"][
        "encodedList"
    ]
    document, options = with_status({LIST_URL: tampered})
    result = verify(document, VerificationPolicy(now=NOW, **options))
    assert result.indeterminate
    assert result.failed_checks == ["status_list"]
    assert _row(result, "status_list") == (
        "failed",
        "status_list.unverified",
        "the status list credential does not verify: description is null or an empty list; "
        "such members must be omitted (data_model.invalid); also failed: signature",
        True,
    )


def _assert_the_list_decides_the_status(signed_list: dict[str, Any]) -> None:
    """A credential whose status entry points at ``signed_list`` verifies: the list is
    verified and says "not revoked"."""
    document, options = with_status({LIST_URL: signed_list})
    result = verify(document, VerificationPolicy(now=NOW, **options))
    assert result.verified, result.failed_checks
    assert _row(result, "status_list") == (
        "passed",
        "status_list.ok",
        "the status list credential verifies",
        False,
    )
    assert _row(result, "status") == ("passed", "status.ok", "not revoked", False)


def test_a_status_list_s_own_endorsements_are_not_checked() -> None:
    """Endorsements are checked for a credential and inside endorsements, never for a status
    list credential: a list whose issuer profile carries an endorsement that does not
    verify (forged after signing) still decides the credential's status (_nested_ctx 9)."""
    forged = di(endorsement(), OTHER)
    forged["name"] = "Forged"
    unsigned = status_list(signed="none")
    unsigned["@context"] = [V2, OB]
    unsigned["issuer"] = {"id": ISSUER, "type": ["Profile"], "endorsement": [forged]}
    _assert_the_list_decides_the_status(di(unsigned))


def test_a_status_list_s_own_credential_status_is_not_checked() -> None:
    """A status list credential that itself carries a credentialStatus (here pointing to a
    list nobody serves) is not checked for it: the credential's status is decided from the
    list (verify_in_context 129, 130)."""
    unsigned = status_list(signed="none")
    other_list = "https://status.example.edu/lists/2"
    unsigned["credentialStatus"] = {
        "id": f"{other_list}#3",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": other_list,
    }
    _assert_the_list_decides_the_status(di(unsigned))


# --- how long the fetcher may keep a verified status list -------------------------------------

FETCHED_AT = NOW - timedelta(minutes=5)
#: what the server's Cache-Control allowed (the fetcher's expires_at)
SERVER_EXPIRY = FETCHED_AT + timedelta(hours=1)


class RecordingFetcher:
    """A fetcher like mcbadge.net.Fetcher: answers with the time it fetched and the server's
    expiry, and records what the verifier tells its cache (``update_expiry``)."""

    def __init__(self, document: Any) -> None:
        text = document if isinstance(document, str) else json.dumps(document)
        self.body = text.encode("utf-8")
        self.expiries: list[tuple[str, datetime]] = []

    def get_bytes(self, url: str, accept: str = "") -> FetchedDocument:
        return FetchedDocument(url, None, {}, FETCHED_AT, SERVER_EXPIRY, self.body)

    def update_expiry(self, url: str, expires_at: datetime) -> None:
        self.expiries.append((url, expires_at))


def _kept_until(status_list_document: Any, document: Any) -> list[tuple[str, datetime]]:
    fetcher = RecordingFetcher(status_list_document)
    result = verify(document, VerificationPolicy(now=NOW, fetcher=fetcher))
    assert result.verified, result.failed_checks
    assert _row(result, "status") == ("passed", "status.ok", "not revoked", False)
    return fetcher.expiries


def test_a_ttl_inside_a_one_element_subject_list_sets_the_cache_lifetime() -> None:
    """`credentialSubject` may be a one-element list; its `ttl` (ms) still says how long the
    fetcher keeps the verified list: fetched_at + ttl, not the server's Cache-Control
    (_remember_freshness 19, 20, 21)."""
    unsigned = status_list(signed="none")
    unsigned["credentialSubject"] = [unsigned["credentialSubject"] | {"ttl": 1000}]
    document, _ = with_status({})
    assert _kept_until(di(unsigned), document) == [
        (LIST_URL, FETCHED_AT + timedelta(milliseconds=1000))
    ]


def test_a_ttl_of_zero_is_no_ttl() -> None:
    """A `ttl` of 0 is not "expire at once": the list is kept as long as the server's
    Cache-Control says (_remember_freshness 33)."""
    unsigned = status_list(signed="none")
    unsigned["credentialSubject"]["ttl"] = 0
    document, _ = with_status({})
    assert _kept_until(di(unsigned), document) == [(LIST_URL, SERVER_EXPIRY)]


def _status_list_2021(**dates: str) -> dict[str, Any]:
    """A VCDM 1.1 StatusList2021Credential of ISSUER's with no bit set."""
    unsigned: dict[str, Any] = {
        "@context": [
            V1,
            "https://w3id.org/vc/status-list/2021/v1",
            "https://w3id.org/security/data-integrity/v2",
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": ISSUER,
        "issuanceDate": "2024-01-01T00:00:00Z",
        **dates,
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": b64url_encode(gzip.compress(bytes(new_bitstring()))),
        },
    }
    signed: dict[str, Any] = di(unsigned)
    return signed


def _v1_credential_with_2021_status() -> dict[str, Any]:
    entry = {
        "id": f"{LIST_URL}#42",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }
    unsigned = credential(v1=True, credentialStatus=entry)
    unsigned["@context"] = [V1, OB, "https://w3id.org/vc/status-list/2021/v1"]
    signed: dict[str, Any] = di(unsigned)
    return signed


def test_a_vcdm_1_1_list_is_not_kept_past_its_expiration_date() -> None:
    """A VCDM 1.1 list's `expirationDate` caps how long the fetcher keeps it, as
    `validUntil` does for a 2.0 list; without one, the server's expiry stands
    (_remember_freshness 49, 50, 51)."""
    document = _v1_credential_with_2021_status()
    expiring = _status_list_2021(expirationDate="2025-06-01T12:30:00Z")
    assert _kept_until(expiring, document) == [
        (LIST_URL, datetime.fromisoformat("2025-06-01T12:30:00+00:00"))
    ]
    assert _kept_until(_status_list_2021(), document) == [(LIST_URL, SERVER_EXPIRY)]


# --- compact JWS shape ------------------------------------------------------------------------


def test_text_with_an_empty_middle_part_is_not_read_as_a_vc_jwt() -> None:
    """`abcd..ef.gh` is not a compact JWS (its payload part is empty) nor a JWT that lost a
    part (its first part is no JSON header): it fails `input` as text that is no credential,
    not `jwt` (_is_compact_jws 29)."""
    result = verify("abcd..ef.gh", OFFLINE)
    assert result.failed_checks == ["input"]
    assert _row(result, "input") == (
        "failed",
        "input.malformed",
        "the document is not a credential: not JSON (which starts with '{'), not a VC-JWT "
        "and not a baked PNG or SVG image; it starts with 'abcd..ef.gh'",
        False,
    )


def test_a_vc_jwt_with_four_parts_is_named_cut_short_or_damaged() -> None:
    """A JWT whose header is followed by three more parts (the last two after an empty one)
    is a damaged VC-JWT: the clerk is told how many parts it has (_is_compact_jws 44)."""
    result = verify("eyJhbGciOiJFZERTQSJ9.e30..x", OFFLINE)
    assert result.failed_checks == ["jwt"]
    assert _row(result, "jwt") == (
        "failed",
        "jwt.malformed",
        "the document looks like a VC-JWT that is cut short or damaged: a compact JWS has "
        "three parts separated by dots, this one has 4",
        False,
    )


def test_a_vc_jwt_whose_payload_is_an_envelope_is_refused() -> None:
    """A plain VC-JWT (typ JWT) whose payload is an EnvelopedVerifiableCredential: envelopes
    do not nest, and the token is refused under `jwt` with its own message
    (_from_jws 3, 8, 9, 10, 11)."""
    token = raw_jwt(header(), envelope(jwt(credential())))
    result = verify(token, OFFLINE)
    assert result.failed_checks == ["jwt"]
    assert _row(result, "jwt") == (
        "failed",
        "jwt.nested_envelope",
        "the JWT's payload is itself an enveloped credential or presentation: envelopes do "
        "not nest, the payload of a vc+jwt is the credential",
        False,
    )


# --- EnvelopedVerifiablePresentation ----------------------------------------------------------

PRESENTATION: dict[str, Any] = {
    "@context": [V2],
    "type": ["VerifiablePresentation"],
    "holder": ISSUER,
    "verifiableCredential": [],
}
MISMATCH = (
    "failed",
    "input.envelope_mismatch",
    "the EnvelopedVerifiablePresentation does not hold a presentation (its JWT is not a "
    "vp+jwt of type VerifiablePresentation)",
    False,
)


def _vp_envelope(typ: str, payload: dict[str, Any]) -> dict[str, Any]:
    token = raw_jwt({"alg": ED.alg, "typ": typ, "kid": ISSUER_VM}, payload)
    return envelope(token, media_type="application/vp+jwt")


def _refused_by_both(document: dict[str, Any]) -> tuple[str, str, str, bool]:
    """The `input` check of verify() and of verify_presentation(), which must agree."""
    alone = verify(document, OFFLINE)
    bundle = verify_presentation(document, OFFLINE)
    assert alone.failed_checks == ["input"]
    assert bundle.outer.failed_checks == ["input"]
    assert bundle.nested == ()
    assert _row(bundle.outer, "input") == _row(alone, "input")
    return _row(alone, "input")


def test_a_presentation_envelope_reads_as_a_presentation() -> None:
    """The control for the mismatches below: a vp+jwt of type VerifiablePresentation in an
    EnvelopedVerifiablePresentation is read as a presentation (verify() refuses it as one)."""
    result = verify(_vp_envelope("vp+jwt", PRESENTATION), OFFLINE)
    assert result.failed_checks == ["input"]
    check = result.check("input")
    assert check is not None
    assert check.code == "input.presentation"


def test_a_presentation_envelope_whose_payload_has_no_type_is_a_mismatch() -> None:
    """A vp+jwt payload with no `type` is not a presentation: input.envelope_mismatch, with
    its exact message (_from_envelope 30, and 48 to 53 for the message)."""
    untyped = {name: value for name, value in PRESENTATION.items() if name != "type"}
    assert _refused_by_both(_vp_envelope("vp+jwt", untyped)) == MISMATCH


@pytest.mark.parametrize("typ", ["vc+jwt", "application/vc+jwt", "vc+ld+jwt"])
def test_a_presentation_envelope_holding_a_credential_typed_token_is_a_mismatch(
    typ: str,
) -> None:
    """A token typed as a credential (vc+jwt) never comes in a presentation's envelope, even
    with a presentation as its payload (_from_envelope 31, 33 to 38; 48 to 53)."""
    assert _refused_by_both(_vp_envelope(typ, PRESENTATION)) == MISMATCH


def test_a_malformed_presentation_envelope_says_what_is_wrong() -> None:
    """An EnvelopedVerifiablePresentation carrying a member outside its token is malformed;
    the message says which member (_from_envelope 8)."""
    padded = _vp_envelope("vp+jwt", PRESENTATION) | {"name": "Dana's record"}
    assert _refused_by_both(padded) == (
        "failed",
        "input.envelope_malformed",
        "the EnvelopedVerifiablePresentation is malformed: it carries members outside the "
        "signed token (name); only @context, type and id are allowed",
        False,
    )


# --- what the `input` check says a document was read as ---------------------------------------

ENVELOPED = "read as an EnvelopedVerifiableCredential (data:application/vc+jwt)"
BAKED = "read as a credential baked into an image"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect/></svg>'


def _png() -> bytes:
    """A 1x1 grey PNG with no credential in it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _enveloped_credential() -> dict[str, Any]:
    token = sign(credential(), ED, format="vc+jwt", created=CREATED).jwt
    assert token is not None
    return envelope(token)


def _read_as(result: VerificationResult) -> str:
    assert result.verified, result.failed_checks
    status, code, message, _ = _row(result, "input")
    assert (status, code) == ("passed", "input.ok")
    return message


def test_an_enveloped_credential_reads_as_one() -> None:
    """An EnvelopedVerifiableCredential, given as a dict, as JSON text or as bytes, is read
    as one, not as "JSON" (_from_envelope 66, 71, 73 to 77; _from_text 72; parse_input 21
    for the dict)."""
    enveloped = _enveloped_credential()
    text = json.dumps(enveloped)
    assert _read_as(verify(enveloped, OFFLINE)) == ENVELOPED
    assert _read_as(verify(text, OFFLINE)) == ENVELOPED
    assert _read_as(verify(text.encode("utf-8"), OFFLINE)) == ENVELOPED


@pytest.mark.parametrize("image", ["png", "svg"])
@pytest.mark.parametrize("baked", ["vc-jwt", "enveloped", "json"])
def test_a_baked_credential_reads_as_baked_whatever_its_form(image: str, baked: str) -> None:
    """A PNG or SVG badge is read as "a credential baked into an image", whether it holds a
    VC-JWT, an EnvelopedVerifiableCredential or a JSON credential (_from_text 8 for the
    VC-JWT, _from_envelope 72 for the envelope)."""
    inside: str | dict[str, Any] = {
        "vc-jwt": jwt(credential()),
        "enveloped": _enveloped_credential(),
        "json": di(credential()),
    }[baked]
    picture = _png() if image == "png" else SVG
    assert _read_as(verify(bake(picture, inside), OFFLINE)) == BAKED


def test_a_baked_svg_given_as_text_after_white_space_is_unbaked() -> None:
    """An SVG badge given as a str that starts with white space (a newline, an indent) is
    still unbaked (parse_input 61)."""
    text = bake(SVG, jwt(credential())).decode("utf-8")
    assert _read_as(verify("\n  " + text, OFFLINE)) == BAKED


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_baked_svg_with_an_xml_declaration_after_white_space_is_unbaked(as_bytes: bool) -> None:
    """White space before an SVG's XML declaration (a stray newline from copy and paste, or
    at the head of a file) is not a reason to refuse the badge: it is unbaked and the
    credential inside is verified as always. Before, strict XML refused it with
    input.baking_malformed_xml ("XML or text declaration not at start of entity")."""
    declared = b'<?xml version="1.0" encoding="UTF-8"?>\n' + SVG
    text = "\n  " + bake(declared, jwt(credential())).decode("utf-8")
    result = verify(text.encode("utf-8") if as_bytes else text, OFFLINE)
    assert result.failed_checks == []
    assert _read_as(result) == BAKED


def test_text_that_is_not_a_credential_is_quoted_by_its_first_twenty_characters() -> None:
    """Text that is neither JSON, a VC-JWT nor a baked image fails `input`, quoting its
    first 20 characters only (_from_text 55)."""
    result = verify("hello there, this is not a badge at all", OFFLINE)
    assert result.failed_checks == ["input"]
    assert _row(result, "input") == (
        "failed",
        "input.malformed",
        "the document is not a credential: not JSON (which starts with '{'), not a VC-JWT "
        "and not a baked PNG or SVG image; it starts with 'hello there, this is'",
        False,
    )
