"""VerificationPolicy.generic_credentials, status_list_resolver and local_status_base_urls:
plain W3C credentials for the VC API and a service's own status lists without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from mcbadge.issuer import SigningKey, sign_credential
from mcbadge.signing import presign_failures
from mcbadge.status import build_status_list_credential, new_bitstring, set_bit
from mcbadge.verify import VerificationPolicy, verify

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
GENERIC = VerificationPolicy(offline=True, generic_credentials=True)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def signed(key: SigningKey, **fields: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": key.did_key,
        "credentialSubject": {"id": "did:example:subject"},
        **fields,
    }
    document = sign_credential(credential, key, "eddsa-rdfc-2022")
    assert isinstance(document, dict)
    return document


def test_plain_credential_fails_the_open_badges_model_by_default(key: SigningKey) -> None:
    result = verify(signed(key), VerificationPolicy(offline=True))
    assert result.check("data_model").status == "failed"
    assert result.check("context").code == "context.no_ob_context"


def test_plain_vcdm_2_credential_verifies_with_generic_credentials(key: SigningKey) -> None:
    result = verify(signed(key), GENERIC)
    assert result.verified, result.failed_checks
    assert "2.0" in result.check("data_model").message
    # validFrom is optional in VCDM 2.0
    assert result.check("validity").status == "passed"


def test_generic_validity_still_judges_the_dates(key: SigningKey) -> None:
    result = verify(signed(key, validUntil="2001-01-01T00:00:00Z"), GENERIC)
    assert result.check("validity").code == "validity.expired"
    result = verify(signed(key, validFrom="2999-01-01T00:00:00Z"), GENERIC)
    assert result.check("validity").code == "validity.not_yet_valid"


def test_generic_validity_judges_the_award_date_without_a_start_date(key: SigningKey) -> None:
    """validFrom is optional for a plain VCDM 2.0 credential, but the instants that must
    already have happened are judged all the same: an award dated 2099 is not valid now,
    with a validFrom or without one (before, without one it verified)."""
    ob = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    term, code = "awardedDate", "validity.awarded_in_future"
    future = {"@context": [V2, ob], term: "2099-01-01T00:00:00Z"}
    for extra in ({}, {"validFrom": "2024-01-01T00:00:00Z"}):
        result = verify(signed(key, **future, **extra), GENERIC)
        check = result.check("validity")
        assert (check.status, check.code, check.message) == (
            "failed",
            code,
            f"{term} 2099-01-01T00:00:00Z is in the future",
        )
        assert result.failed_checks == ["validity"]
    past = signed(key, **{"@context": [V2, ob], term: "2024-01-01T00:00:00Z"})
    result = verify(past, GENERIC)
    assert result.verified, result.failed_checks
    assert result.check("validity").message == "valid now: no start date"


def test_vcdm_1_credential_needs_its_issuance_date(key: SigningKey) -> None:
    credential = {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": key.did_key,
        "credentialSubject": {"id": "did:example:subject"},
    }
    failures = presign_failures(credential, generic=True)
    assert [check.id for check in failures][:1] == ["data_model"]
    assert "issuanceDate" in failures[0].message
    ok = {**credential, "issuanceDate": "2020-01-01T00:00:00Z"}
    assert presign_failures(ok, generic=True) == []
    document = sign_credential(ok, key, "eddsa-rdfc-2022")
    assert verify(document, GENERIC).verified


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"credentialSubject": []}, "credentialSubject"),
        ({"credentialSubject": {}}, "credentialSubject"),
        ({"issuer": {"name": "x"}}, "issuer"),
        ({"type": ["Thing"]}, "VerifiableCredential"),
    ],
)
def test_generic_data_model_problems(change: dict[str, Any], fragment: str) -> None:
    credential = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        **change,
    }
    failures = presign_failures(credential, generic=True)
    assert failures
    assert failures[0].id == "data_model"
    assert fragment in failures[0].message


def test_an_open_badges_credential_keeps_the_open_badges_checks(key: SigningKey) -> None:
    document = signed(
        key,
        type=["VerifiableCredential", "OpenBadgeCredential"],
        validFrom="2020-01-01T00:00:00Z",
        **{"@context": [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]},
    )
    result = verify(document, GENERIC)
    assert result.check("data_model").status == "failed"
    assert "credentialSubject.achievement" in result.check("data_model").message


def _entry(url: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def _list(key: SigningKey, url: str, revoked: int | None) -> dict[str, Any]:
    bits = new_bitstring()
    if revoked is not None:
        set_bit(bits, revoked)
    unsigned = build_status_list_credential(
        url, key.did_key, "revocation", bits, valid_from="2020-01-01T00:00:00Z"
    )
    document = sign_credential(unsigned, key, "eddsa-rdfc-2022")
    assert isinstance(document, dict)
    return document


def test_status_list_resolver_answers_instead_of_the_network(key: SigningKey) -> None:
    url = "https://provider.test/status/revocation-1.json"
    document = signed(key, credentialStatus=_entry(url, 5))
    asked: list[str] = []

    def resolver(wanted: str) -> dict[str, Any]:
        asked.append(wanted)
        return _list(key, url, revoked=5)

    result = verify(
        document,
        VerificationPolicy(offline=True, generic_credentials=True, status_list_resolver=resolver),
    )
    assert asked == [url]
    assert result.check("status").code == "status.revoked"
    fine = VerificationPolicy(
        offline=True,
        generic_credentials=True,
        status_list_resolver=lambda wanted: _list(key, url, revoked=None),
    )
    assert verify(document, fine).verified
    # the resolver saying "not mine" leaves the list to the network (refused offline)
    unknown = VerificationPolicy(
        offline=True, generic_credentials=True, status_list_resolver=lambda wanted: None
    )
    assert verify(document, unknown).check("status_retrieval").code == "status_retrieval.refused"


def test_http_status_urls_only_under_a_local_base(key: SigningKey) -> None:
    url = "http://127.0.0.1:8080/status/revocation-1.json"
    document = signed(key, credentialStatus=_entry(url, 3))
    assert verify(document, GENERIC).check("status").code == "status.bad_url"
    local = VerificationPolicy(
        offline=True,
        generic_credentials=True,
        local_status_base_urls=("http://127.0.0.1:8080/status/",),
        status_list_resolver=lambda wanted: (
            _list(key, url, revoked=None) if wanted == url else None
        ),
    )
    assert verify(document, local).verified
    other = signed(key, credentialStatus=_entry("http://127.0.0.1:8080/status/x.json", 3))
    result = verify(other, local)
    assert result.check("status_retrieval").code == "status_retrieval.unknown_list"
    assert result.check("status_retrieval").indeterminate
