"""Rules whose removal would let the verifier say "verified" wrongly, each found by a surviving
mutant of the mutation round (docs/security.md, "Mutation testing"): the code was right, but
no test would have failed had it been wrong. Then three gaps the same survivors showed, which
fail closed but would refuse what a user rightly expects to verify."""

from __future__ import annotations

from typing import Any

import pytest
from test_verify_exact import (
    ED,
    ISSUER,
    LIST_URL,
    NOW,
    V2,
    credential,
    di,
    jwt,
    status_list,
    with_status,
)

from mcbadge.verify import VerificationPolicy, verify

OFFLINE = VerificationPolicy(now=NOW, offline=True)


def _plain_w3c_credential() -> dict[str, Any]:
    """A plain W3C credential (no Open Badges type), signed by ISSUER's did:key."""
    return di(
        {
            "@context": [V2],
            "id": "urn:uuid:7d9f2c55-1b0e-4c43-9a51-0e6b8f1a2c30",
            "type": ["VerifiableCredential"],
            "issuer": ISSUER,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:teacher1", "name": "Dana"},
        }
    )


def test_a_trust_list_of_issuers_also_binds_plain_w3c_credentials() -> None:
    """`generic_credentials` reads a plain W3C credential; `trusted_issuers` still applies to
    it (pipeline._trusted_issuer judges the "vc" kind as well as Open Badges)."""
    signed = _plain_w3c_credential()
    generic = VerificationPolicy(now=NOW, offline=True, generic_credentials=True)
    assert verify(signed, generic).verified

    untrusted = VerificationPolicy(
        now=NOW, offline=True, generic_credentials=True, trusted_issuers={"did:example:other"}
    )
    result = verify(signed, untrusted)
    assert not result.verified
    check = result.check("key_binding")
    assert check is not None
    assert (check.status, check.code) == ("failed", "key_binding.untrusted_issuer")

    trusted = VerificationPolicy(
        now=NOW, offline=True, generic_credentials=True, trusted_issuers={ISSUER}
    )
    assert verify(signed, trusted).verified


def test_a_credential_wrapped_as_a_presentation_is_refused() -> None:
    """An EnvelopedVerifiablePresentation whose token is an ordinary credential VC-JWT is a
    type confusion: verify() refuses it as input.envelope_mismatch, never reads it as the
    credential it holds (which, on its own, verifies)."""
    token = jwt(credential())
    assert verify(token, OFFLINE).verified
    wrapped = {
        "@context": V2,
        "type": "EnvelopedVerifiablePresentation",
        "id": "data:application/vp+jwt," + token,
    }
    result = verify(wrapped, OFFLINE)
    assert not result.verified
    assert result.failed_checks == ["input"]
    check = result.check("input")
    assert check is not None
    assert check.code == "input.envelope_mismatch"


# --- gaps the same survivors showed (they fail closed, but a newcomer would hit them) -------


def test_a_vc_jwt_whose_base64url_uses_dash_and_underscore_verifies() -> None:
    """Names with accents and punctuation encode to base64url's '-' and '_'; the JWT's parts
    are read with that alphabet (_input._b64url_json), not standard base64."""
    token = jwt(credential(name="Café — Zoë’s badge? ~ >>"))
    assert set(token) & {"-", "_"}
    result = verify(token, OFFLINE)
    assert result.verified, result.failed_checks
    assert result.summary.achievement_name is not None


def test_saved_status_lists_are_read_offline() -> None:
    """policy.status_lists answers for a list with no network at all: the credential's status
    is decided (here: revoked, index 42), not refused as offline."""
    document, _ = with_status({})
    revoked = VerificationPolicy(now=NOW, offline=True, status_lists={LIST_URL: status_list(42)})
    result = verify(document, revoked)
    assert not result.verified
    assert result.failed_checks == ["status"]
    status = result.check("status")
    assert status is not None
    assert status.code == "status.revoked"
    active = VerificationPolicy(now=NOW, offline=True, status_lists={LIST_URL: status_list()})
    result = verify(document, active)
    assert result.verified
    checks = {check.id: (check.status, check.code) for check in result.checks}
    assert checks["status_retrieval"] == ("passed", "status_retrieval.ok")
    assert checks["status"] == ("passed", "status.ok")


def test_a_date_with_a_lowercase_t_and_no_zone_is_named_as_missing_its_zone() -> None:
    from mcbadge.verify._util import DateTimeError, parse_datetime

    for value in ("2024-01-01t00:00:00", "2024-01-01T00:00:00"):
        with pytest.raises(DateTimeError) as info:
            parse_datetime(value, "validFrom")
        assert str(info.value) == f"validFrom ({value}) has no time zone"


def test_a_status_list_resolver_that_crashes_leaves_the_status_undecided() -> None:
    """A caller's resolver (a service reading its own registry) that raises something other
    than an MCBadgeError is "we could not tell" (indeterminate, exit 2), the same as one that
    says the list is unavailable; not "an internal error, this is a bug" and a definite
    failure. The error's own text (it may hold a connection string) is not shown."""

    def crashes(url: str) -> Any:
        raise ConnectionError("postgresql://office:s3cret@db/registry refused")

    document, _ = with_status({})
    result = verify(
        document, VerificationPolicy(now=NOW, offline=True, status_list_resolver=crashes)
    )
    assert not result.verified
    assert result.indeterminate
    assert result.failed_checks == ["status_retrieval"]
    check = result.check("status_retrieval")
    assert check is not None
    assert (check.code, check.message, check.indeterminate) == (
        "status_retrieval.unavailable",
        f"the status list resolver could not answer for {LIST_URL} (ConnectionError)",
        True,
    )
    assert "s3cret" not in result.to_json()


class CrashingFetcher:
    """A caller's fetcher (an object with ``get(url)``) whose proxy went away."""

    def get(self, url: str) -> bytes:
        raise ConnectionError("proxy refused")


def test_a_fetcher_that_crashes_leaves_the_status_undecided() -> None:
    """The same for a caller's own fetcher (``policy.fetcher``, an object with ``get(url)``):
    a ConnectionError from it means the list was not retrieved (indeterminate)."""

    document, _ = with_status({})
    result = verify(document, VerificationPolicy(now=NOW, offline=False, fetcher=CrashingFetcher()))
    assert result.indeterminate
    assert result.failed_checks == ["status_retrieval"]
    check = result.check("status_retrieval")
    assert check is not None
    assert (check.code, check.message) == (
        "status_retrieval.failed",
        f"{LIST_URL} could not be fetched (ConnectionError)",
    )


def test_a_fetcher_that_crashes_on_a_did_web_document_leaves_the_key_undecided() -> None:
    from mcbadge.did import build_did_web_document

    method = build_did_web_document("example.edu", [ED])["assertionMethod"][0]
    vm = method if isinstance(method, str) else method["id"]
    signed = di(credential("did:web:example.edu"), verification_method=vm)

    result = verify(signed, VerificationPolicy(now=NOW, offline=False, fetcher=CrashingFetcher()))
    assert result.indeterminate
    assert result.failed_checks == ["key_resolution"]
    check = result.check("key_resolution")
    assert check is not None
    assert (check.code, check.message) == (
        "key_resolution.unreachable",
        "the issuer's DID document could not be retrieved: "
        "https://example.edu/.well-known/did.json could not be fetched (ConnectionError)",
    )


def test_the_key_s_did_is_what_comes_before_its_first_hash() -> None:
    """key_binding compares the issuer's id with the DID of the proof's key: the DID URL up
    to its FIRST '#'. An issuer id that itself holds a fragment (`did:web:example.edu#org`)
    is not the DID of a key `did:web:example.edu#org#key-1`: that key's DID is
    `did:web:example.edu`. Cutting at the last '#' would bind them (the signature is not
    reached, so a hand-edited proof shows it)."""
    signed = di(credential())
    signed["issuer"] = dict(signed["issuer"], id="did:web:example.edu#org")
    signed["proof"] = dict(signed["proof"], verificationMethod="did:web:example.edu#org#key-1")
    result = verify(signed, OFFLINE)
    check = result.check("key_binding")
    assert check is not None
    assert (check.status, check.code) == ("failed", "key_binding.not_issuer_key")
    assert not result.verified


@pytest.mark.parametrize("code", ["strange.thing", "error", "status.unreadable"])
def test_a_reading_error_under_any_code_fails_the_input_check(
    monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    """A typed error from reading the input is filed under the check its code names only
    when that check exists; any other code fails `input`. Filed under a check id the report
    does not list, the failure would vanish and `input` would read "not reached"."""
    import mcbadge.verify.pipeline as pipeline
    from mcbadge.errors import MCBadgeError

    def refuse(document: Any) -> Any:
        raise MCBadgeError("the reader gave up", code=code)

    monkeypatch.setattr(pipeline, "parse_input", refuse)
    result = verify(di(credential()), OFFLINE)
    assert not result.verified
    named = code.split(".", 1)[0]
    failed_id, filed_code = (named, code) if named == "status" else ("input", f"input.{code}")
    check = result.check(failed_id)
    assert check is not None
    assert (check.status, check.code, check.message) == (
        "failed",
        filed_code,
        "the reader gave up",
    )
    assert result.failed_checks == [failed_id]
