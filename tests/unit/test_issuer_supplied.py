"""Issuing a caller-supplied credential (mcbadge.issuer.supplied, the VC API's issue) and
changing its status: durable status entries, idempotent by name, the verifier's refusals."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import InputError, RegistryError, ValidationError
from mcbadge.issuer import Issuer, IssuerStore, SigningKey
from mcbadge.issuer.hosted import StatusHost
from mcbadge.issuer.supplied import (
    StatusChange,
    change_status,
    find_issued,
    naming_key,
    parse_status_request,
)
from mcbadge.signing import SigningRefusedError
from mcbadge.status import bit_at, decode_bitstring
from mcbadge.verify import VerificationPolicy, verify

BASE = "https://provider.test/status/"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IssuerStore]:
    with IssuerStore(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        yield registry


@pytest.fixture(params=["Ed25519", "P-256"])
def issuer(store: IssuerStore, request: pytest.FixtureRequest) -> Issuer:
    key = SigningKey.generate(request.param)
    return Issuer(
        {"name": "Academy"},
        key,
        format=key.default_cryptosuite,
        registry=store,
        status_base_url=BASE,
    )


def plain(issuer: Issuer, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.issuer_id,
        "credentialSubject": {"id": "did:example:teacher"},
        **extra,
    }


def current_status_list(issuer: Issuer, url: str) -> dict[str, Any] | None:
    # what the service serves at url (mcbadge.issuer.hosted), signed from the current bits
    return StatusHost([issuer]).signed_status_list(url)


def policy(issuer: Issuer) -> VerificationPolicy:
    return VerificationPolicy(
        offline=True,
        generic_credentials=True,
        status_list_resolver=lambda url: current_status_list(issuer, url),
    )


def test_issued_credential_has_an_id_a_reserved_status_entry_and_verifies(
    issuer: Issuer, store: IssuerStore
) -> None:
    issued = issuer.issue_credential(plain(issuer))
    document = issued.document
    assert isinstance(document, dict)
    assert document["id"] == issued.credential_id
    assert issued.credential_id.startswith("urn:uuid:")
    entry = document["credentialStatus"]
    url, index = issued.status_indexes["revocation"]
    assert entry["statusListCredential"] == url
    assert entry["statusListIndex"] == str(index)
    record = store.registry.get(issued.credential_id)
    assert record.state == "issued"
    assert record.entries["revocation"].index == index
    result = verify(document, policy(issuer))
    assert result.verified, result.failed_checks


def test_two_credentials_never_share_a_status_index(issuer: Issuer) -> None:
    first = issuer.issue_credential(plain(issuer))
    second = issuer.issue_credential(plain(issuer))
    assert first.credential_id != second.credential_id
    assert first.status_indexes["revocation"] != second.status_indexes["revocation"]


def test_a_named_credential_is_re_emitted_and_another_under_the_name_refused(
    issuer: Issuer, store: IssuerStore
) -> None:
    credential = plain(issuer, id="https://provider.test/credentials/1")
    first = issuer.issue_credential(credential)
    again = issuer.issue_credential(copy.deepcopy(credential))
    assert again.reemitted
    assert again.document == first.document
    with pytest.raises(RegistryError) as caught:
        issuer.issue_credential({**credential, "credentialSubject": {"id": "did:example:x"}})
    assert caught.value.code == "issue.duplicate_id"
    assert len(store.registry.list_credentials(issuer.issuer_id)) == 1


def test_credential_id_option_names_a_credential_without_an_id(issuer: Issuer) -> None:
    first = issuer.issue_credential(plain(issuer), credential_id="award-77")
    again = issuer.issue_credential(plain(issuer), credential_id="award-77")
    assert again.reemitted
    assert again.credential_id == first.credential_id
    assert first.idempotency_key == naming_key("award-77")


def test_status_purposes_choose_the_entries(issuer: Issuer, store: IssuerStore) -> None:
    both = issuer.issue_credential(plain(issuer), status_purposes=("revocation", "suspension"))
    assert isinstance(both.document, dict)
    assert [e["statusPurpose"] for e in both.document["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]
    suspension = issuer.issue_credential(plain(issuer), status_purposes=("suspension",))
    assert isinstance(suspension.document, dict)
    assert suspension.document["credentialStatus"]["statusPurpose"] == "suspension"
    # a revocation slot is kept in the registry even when the credential does not carry it
    assert set(store.registry.get(suspension.credential_id).entries) == {
        "revocation",
        "suspension",
    }


def test_vcdm_1_credential_gets_the_status_context(issuer: Issuer) -> None:
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.issuer_id,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:teacher"},
    }
    issued = issuer.issue_credential(credential)
    assert isinstance(issued.document, dict)
    assert "https://www.w3.org/ns/credentials/status/v1" in issued.document["@context"]
    assert verify(issued.document, policy(issuer)).verified


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        (
            {"issuer": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
            ValidationError,
            "issue.wrong_issuer",
        ),
        ({"proof": {"type": "DataIntegrityProof"}}, InputError, "issue.has_proof"),
        (
            {"credentialStatus": {"type": "BitstringStatusListEntry"}},
            InputError,
            "issue.has_status",
        ),
        ({"issuer": None}, ValidationError, "data_model.invalid"),
        ({"id": 5}, ValidationError, "data_model.invalid"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_reserved(
    issuer: Issuer, store: IssuerStore, change: dict[str, Any], error: type[Exception], code: str
) -> None:
    credential = {**plain(issuer), **change}
    with pytest.raises(error) as caught:
        issuer.issue_credential(credential)
    assert getattr(caught.value, "code", None) == code
    assert store.registry.list_credentials(issuer.issuer_id) == []


def test_verifier_checks_refuse_with_their_check_ids(issuer: Issuer, store: IssuerStore) -> None:
    no_subject = plain(issuer)
    del no_subject["credentialSubject"]
    with pytest.raises(SigningRefusedError) as caught:
        issuer.issue_credential(no_subject)
    assert caught.value.check_id == "data_model"
    # an Open Badges credential is held to the Open Badges model (no achievement here)
    ob = plain(issuer, validFrom="2024-01-01T00:00:00Z")
    ob["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
    ob["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
    with pytest.raises(SigningRefusedError) as caught:
        issuer.issue_credential(ob)
    assert caught.value.check_id == "data_model"
    bad_date = plain(issuer, validFrom="yesterday")
    with pytest.raises(SigningRefusedError) as caught:
        issuer.issue_credential(bad_date)
    assert caught.value.code == "validity.bad_datetime"
    assert store.registry.list_credentials(issuer.issuer_id) == []


def test_parse_status_request() -> None:
    entry = {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}
    assert parse_status_request(entry) == ("suspension",)
    assert parse_status_request([entry, entry]) == ("suspension",)
    assert parse_status_request({"type": "BitstringStatusListEntry"}) == ("revocation",)
    for bad in (
        {"type": "StatusList2021Entry"},
        {"type": "BitstringStatusListEntry", "statusPurpose": "message"},
        {"type": "BitstringStatusListEntry", "statusListIndex": "3"},
        [],
        "revocation",
    ):
        with pytest.raises(InputError) as caught:
            parse_status_request(bad)
        assert caught.value.code == "input.bad_status_option"


def test_find_issued_by_registry_id_or_by_name(issuer: Issuer) -> None:
    named = issuer.issue_credential(plain(issuer, id="https://provider.test/c/9"))
    by_option = issuer.issue_credential(plain(issuer), credential_id="award-1")
    issuers = {issuer.issuer_id: issuer}
    record = find_issued(issuers, named.credential_id)
    assert record is not None
    assert record.credential_id == named.credential_id
    record = find_issued(issuers, "https://provider.test/c/9")
    assert record is not None
    assert record.credential_id == named.credential_id
    record = find_issued(issuers, "award-1")
    assert record is not None
    assert record.credential_id == by_option.credential_id
    assert find_issued(issuers, "urn:uuid:unknown") is None
    assert find_issued({}, named.credential_id) is None


def test_find_issued_ignores_an_issuer_not_given(store: IssuerStore) -> None:
    one, other = (
        Issuer({}, SigningKey.generate(), registry=store, status_base_url=f"{BASE}{n}/")
        for n in ("a", "b")
    )
    issued = one.issue_credential(plain(one))
    assert find_issued({other.issuer_id: other}, issued.credential_id) is None


def _bit(issuer: Issuer, url: str, index: int) -> int:
    listed = current_status_list(issuer, url)
    assert listed is not None
    return bit_at(decode_bitstring(listed["credentialSubject"]["encodedList"]), index)


def test_revoke_is_durable_visible_in_the_current_list_and_permanent(
    issuer: Issuer, store: IssuerStore
) -> None:
    issued = issuer.issue_credential(plain(issuer))
    url, index = issued.status_indexes["revocation"]
    assert _bit(issuer, url, index) == 0
    record = find_issued({issuer.issuer_id: issuer}, issued.credential_id)
    assert record is not None
    # a list or index that is not the credential's is refused, nothing changes
    with pytest.raises(RegistryError) as caught:
        change_status(issuer, record, StatusChange("revocation", True, index=index + 1))
    assert caught.value.code == "status.wrong_entry"
    assert not store.registry.get(issued.credential_id).revoked
    # clearing a revocation bit that is not set changes nothing
    assert not change_status(issuer, record, StatusChange("revocation", False)).revoked
    updated = change_status(issuer, record, StatusChange("revocation", True, url, index), "left")
    assert updated.revoked
    assert store.registry.get(issued.credential_id).revocation_reason == "left"
    assert _bit(issuer, url, index) == 1
    with pytest.raises(RegistryError) as caught:
        change_status(issuer, updated, StatusChange("revocation", False))
    assert caught.value.code == "status.permanent"
    result = verify(issued.document, policy(issuer))
    assert result.check("status").code == "status.revoked"


def test_suspend_and_unsuspend(issuer: Issuer) -> None:
    issued = issuer.issue_credential(plain(issuer), status_purposes=("suspension",))
    issuers = {issuer.issuer_id: issuer}
    record = find_issued(issuers, issued.credential_id)
    assert record is not None
    suspended = change_status(issuer, record, StatusChange("suspension", True))
    assert suspended.suspended
    assert verify(issued.document, policy(issuer)).check("status").code == "status.suspended"
    # asking for the state it is already in changes nothing
    assert change_status(issuer, suspended, StatusChange("suspension", True)).suspended
    lifted = change_status(issuer, suspended, StatusChange("suspension", False))
    assert not lifted.suspended
    assert verify(issued.document, policy(issuer)).verified


def test_a_credential_without_a_suspension_entry_cannot_be_suspended(issuer: Issuer) -> None:
    issued = issuer.issue_credential(plain(issuer))
    record = find_issued({issuer.issuer_id: issuer}, issued.credential_id)
    assert record is not None
    with pytest.raises(RegistryError) as caught:
        change_status(issuer, record, StatusChange("suspension", True))
    assert caught.value.code == "registry.no_suspension_entry"


def test_a_reserved_but_unsigned_credential_has_no_status_to_change(
    issuer: Issuer, store: IssuerStore
) -> None:
    reservation = store.registry.reserve(
        issuer.issuer_id, "k", list_url_template=f"{BASE}{{purpose}}-{{n}}.json"
    )
    with pytest.raises(RegistryError) as caught:
        change_status(issuer, reservation, StatusChange("revocation", True))
    assert caught.value.code == "status.not_issued"


def test_a_url_not_the_issuers_is_not_answered(issuer: Issuer) -> None:
    issuer.issue_credential(plain(issuer))
    assert current_status_list(issuer, "https://elsewhere.test/status/revocation-1.json") is None
    assert current_status_list(issuer, f"{BASE}revocation-99.json") is None


def test_a_property_no_context_defines_is_refused_before_reserving(
    issuer: Issuer, store: IssuerStore
) -> None:
    from mcbadge.errors import DataLossError

    credential = plain(issuer)
    credential["credentialSubject"]["favouriteColour"] = "teal"
    with pytest.raises(DataLossError) as caught:
        issuer.issue_credential(credential)
    assert caught.value.code == "data_loss.undefined_term"
    assert store.registry.list_credentials(issuer.issuer_id) == []
