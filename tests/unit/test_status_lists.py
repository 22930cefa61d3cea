"""mcbadge.status.lists: judging status list credentials and revocation lists; builders."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from https_fixture import HTTPSServer, Route
from mcbadge.errors import StatusError
from mcbadge.net import Fetcher, NetworkPolicy
from mcbadge.status.bitstring import encode_bitstring, new_bitstring, set_bit
from mcbadge.status.entries import BitstringStatusEntry, parse_status_entry
from mcbadge.status.lists import (
    build_revocation_list,
    build_status_list_credential,
    check_bitstring_list_credential,
    check_revocation_list,
)

pytest_plugins = ["https_fixture"]

ISSUER = "did:web:issuer.test"
LIST_URL = "https://status.test/lists/1"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _entry(index: int = 7, purpose: str = "revocation", **kw: Any) -> BitstringStatusEntry:
    return BitstringStatusEntry(
        type=kw.pop("type", "BitstringStatusListEntry"),
        status_purpose=purpose,
        status_list_index=index,
        status_list_credential=LIST_URL,
        **kw,
    )


def _list(
    purpose: str = "revocation", set_indices: tuple[int, ...] = (7,), **kw: Any
) -> dict[str, Any]:
    bits = new_bitstring()
    for index in set_indices:
        set_bit(bits, index)
    return build_status_list_credential(
        LIST_URL,
        ISSUER,
        purpose,
        bits,
        valid_from=kw.pop("valid_from", NOW - timedelta(days=1)),
        **kw,
    )


def _check(list_vc: Any, entry: BitstringStatusEntry | None = None, **kw: Any) -> Any:
    return check_bitstring_list_credential(
        list_vc, entry=entry or _entry(), credential_issuer=ISSUER, now=NOW, **kw
    )


def test_builder_output_shape() -> None:
    vc = _list(valid_until=NOW + timedelta(days=30), ttl_ms=300000)
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert vc["validFrom"] == "2026-11-21T12:00:00Z"
    assert vc["validUntil"] == "2026-12-22T12:00:00Z"
    subject = vc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["ttl"] == 300000
    assert subject["encodedList"].startswith("u")


def test_revoked_and_active_entries() -> None:
    vc = _list()
    assert _check(vc).state == "revoked"
    assert _check(vc).is_revoked
    assert _check(vc, _entry(index=8)).state == "active"


def test_suspension_purpose() -> None:
    vc = _list(purpose="suspension")
    outcome = _check(vc, _entry(purpose="suspension"))
    assert outcome.is_suspended
    assert outcome.state == "suspended"


def test_message_purpose_multi_bit() -> None:
    vc = _list(purpose="message", set_indices=(15,))  # entry 7 of 2-bit entries = bits 14,15
    entry = _entry(purpose="message", status_size=2, status_messages=((1, "in review"),))
    outcome = _check(vc, entry)
    assert outcome.state == "message"
    assert outcome.value == 1
    assert outcome.message == "in review"


def test_1edtech_validator_list_revokes_index_23(reference: Path) -> None:
    folder = reference / "examples" / "ob3" / "validator-samples" / "bit-string-list"
    list_vc = json.loads((folder / "testlist").read_text(encoding="utf-8"))
    credential = json.loads((folder / "credential-status-revoked.json").read_text(encoding="utf-8"))
    entry = parse_status_entry(credential["credentialStatus"])
    assert isinstance(entry, BitstringStatusEntry)
    outcome = check_bitstring_list_credential(
        list_vc, entry=entry, credential_issuer=credential["issuer"]["id"], now=NOW
    )
    assert outcome.is_revoked


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda vc: vc.update(type=["VerifiableCredential"]), "status_list.wrong_type"),
        (
            lambda vc: vc["credentialSubject"].update(type="StatusList2021"),
            "status_list.wrong_type",
        ),
        (lambda vc: vc.update(credentialSubject="x"), "status_list.wrong_type"),
        (
            lambda vc: vc["credentialSubject"].update(statusPurpose="suspension"),
            "status_list.wrong_purpose",
        ),
        (lambda vc: vc.update(issuer="did:web:evil.test"), "status_list.wrong_issuer"),
        (lambda vc: vc.update(issuer={"id": "did:web:evil.test"}), "status_list.wrong_issuer"),
        (lambda vc: vc.pop("issuer"), "status_list.wrong_issuer"),
        (lambda vc: vc.update(validFrom="2026-11-22T12:06:00Z"), "status_list.not_yet_valid"),
        (lambda vc: vc.update(validUntil="2026-11-22T11:54:00Z"), "status_list.expired"),
        (lambda vc: vc.update(validUntil="2026-11-22"), "status_list.malformed"),
        (lambda vc: vc.update(validFrom="2026-11-22T11:00:00"), "status_list.malformed"),
        (lambda vc: vc["credentialSubject"].pop("encodedList"), "status_list.malformed"),
        (
            lambda vc: vc["credentialSubject"].update(encodedList=encode_bitstring(b"\0" * 1024)),
            "status_list.too_small",
        ),
        (
            lambda vc: vc["credentialSubject"].update(
                encodedList="H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
            ),
            "status_list.bad_encoding",
        ),
    ],
)
def test_untrustworthy_lists_are_refused(mutate: Any, code: str) -> None:
    vc = _list()
    mutate(vc)
    with pytest.raises(StatusError) as info:
        _check(vc)
    assert info.value.code == code


def test_clock_skew_is_tolerated_within_the_window() -> None:
    vc = _list(valid_from="2026-11-22T12:04:00Z", valid_until="2026-11-22T11:56:00Z")
    assert _check(vc).is_revoked
    with pytest.raises(StatusError):
        _check(vc, skew_seconds=0)


def test_small_legacy_list_allowed_by_policy_flag() -> None:
    vc = _list()
    vc["credentialSubject"]["encodedList"] = encode_bitstring(b"\x01" + b"\0" * 1023)
    assert _check(vc, min_bits=8192).is_revoked
    with pytest.raises(StatusError) as info:
        _check(vc, _entry(index=9000), min_bits=8192)
    assert info.value.code == "status_range.out_of_range"


def test_status_list_2021_needs_its_own_types() -> None:
    vc = _list()
    entry = _entry(type="StatusList2021Entry")
    with pytest.raises(StatusError) as info:
        _check(vc, entry)
    assert info.value.code == "status_list.wrong_type"
    vc["type"] = ["VerifiableCredential", "StatusList2021Credential"]
    vc["credentialSubject"]["type"] = "StatusList2021"
    vc["credentialSubject"]["encodedList"] = vc["credentialSubject"]["encodedList"][1:]
    assert _check(vc, entry).is_revoked


def test_revocation_list_lookup() -> None:
    doc = build_revocation_list([("urn:uuid:1", "fraud"), ("urn:uuid:2", None)])
    assert doc == {
        "revokedCredential": [
            {"id": "urn:uuid:1", "revoked": True, "revocationReason": "fraud"},
            {"id": "urn:uuid:2", "revoked": True},
        ]
    }
    revoked = check_revocation_list(doc, "urn:uuid:1", list_url="https://issuer.test/rl")
    assert revoked.is_revoked
    assert revoked.reason == "fraud"
    assert check_revocation_list(doc, "urn:uuid:3").state == "active"


def test_revocation_list_absent_revoked_means_true_and_false_means_not_revoked() -> None:
    doc = {"revokedCredential": [{"id": "a"}, {"id": "b", "revoked": False}]}
    assert check_revocation_list(doc, "a").is_revoked
    assert check_revocation_list(doc, "b").state == "active"


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {},
        {"revokedCredential": {}},
        {"revokedCredential": [{"revoked": True}]},
        {"revokedCredential": [{"id": "a", "revoked": "yes"}]},
        {"revokedCredential": [{"id": "a", "revocationReason": 5}]},
    ],
)
def test_malformed_revocation_lists_are_refused(doc: Any) -> None:
    with pytest.raises(StatusError) as info:
        check_revocation_list(doc, "a")
    assert info.value.code == "status_list.malformed"


def test_fetched_status_list_is_checked_end_to_end(https_server: HTTPSServer) -> None:
    # issuer side builds the list; verifier side fetches it through the hardened fetcher
    bits = new_bitstring()
    set_bit(bits, 41)
    list_url = https_server.url("status.test", "/lists/7")
    list_vc = build_status_list_credential(
        list_url, ISSUER, "revocation", bits, valid_from=NOW - timedelta(days=1), ttl_ms=60_000
    )
    https_server.routes["/lists/7"] = Route(200, {}, json.dumps(list_vc).encode())
    fetcher = Fetcher(
        NetworkPolicy(
            resolve=https_server.resolve_entries("status.test"), ca_bundle=https_server.ca_path
        )
    )
    document = fetcher.get_json(list_url)
    entry = parse_status_entry(
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "41",
            "statusListCredential": list_url,
        }
    )
    assert isinstance(entry, BitstringStatusEntry)
    outcome = check_bitstring_list_credential(
        document.data, entry=entry, credential_issuer=ISSUER, now=NOW
    )
    assert outcome.is_revoked
    assert outcome.list_url == list_url
    assert fetcher.request_count == 1
