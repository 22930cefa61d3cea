"""mcbadge.status.entries: parsing credentialStatus strictly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcbadge.errors import StatusError
from mcbadge.status.entries import (
    BitstringStatusEntry,
    RevocationListEntry,
    parse_credential_status,
    parse_status_entry,
)

LIST_URL = "https://status.test/lists/1"


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


def test_bitstring_entry_parses_to_a_typed_result() -> None:
    parsed = parse_status_entry(_entry())
    assert parsed == BitstringStatusEntry(
        type="BitstringStatusListEntry",
        status_purpose="revocation",
        status_list_index=94567,
        status_list_credential=LIST_URL,
        id=f"{LIST_URL}#94567",
    )
    assert parsed.list_url == LIST_URL
    assert not parsed.is_status_list_2021


def test_status_list_2021_entry_and_list_of_entries() -> None:
    entries = parse_credential_status(
        [_entry(type="StatusList2021Entry"), _entry(statusPurpose="suspension", id=None)]
    )
    assert isinstance(entries[0], BitstringStatusEntry)
    assert entries[0].is_status_list_2021
    assert isinstance(entries[1], BitstringStatusEntry)
    assert entries[1].status_purpose == "suspension"
    assert entries[1].id is None


def test_revocation_list_entry(reference: Path) -> None:
    sample = reference / "examples" / "ob3" / "validator-samples" / "credential-status-revoked.json"
    status = json.loads(sample.read_text(encoding="utf-8"))["credentialStatus"]
    [parsed] = parse_credential_status(status)
    assert isinstance(parsed, RevocationListEntry)
    assert parsed.list_url == status["id"]


def test_validator_sample_with_integer_index_is_accepted(reference: Path) -> None:
    sample = (
        reference
        / "examples"
        / "ob3"
        / "validator-samples"
        / "bit-string-list"
        / "credential-status-revoked.json"
    )
    status = json.loads(sample.read_text(encoding="utf-8"))["credentialStatus"]
    [parsed] = parse_credential_status(status)
    assert isinstance(parsed, BitstringStatusEntry)
    assert parsed.status_list_index == 23


@pytest.mark.parametrize(
    "index",
    [
        "-1",
        "+1",
        "01",
        "00",
        " 1",
        "1 ",
        "1.0",
        "1e3",
        "0x10",
        "",
        "２",
        "2147483648",
        True,
        1.0,
        None,
        -5,
        2**31,
        ["1"],
    ],
)
def test_non_canonical_or_out_of_range_indices_are_refused(index: Any) -> None:
    entry = _entry()
    entry["statusListIndex"] = index
    with pytest.raises(StatusError) as info:
        parse_status_entry(entry)
    assert info.value.code == "status_range.bad_index"


def test_boundary_indices_are_accepted() -> None:
    assert parse_status_entry(_entry(statusListIndex="0")).status_list_index == 0  # type: ignore[union-attr]
    assert parse_status_entry(_entry(statusListIndex="2147483647")).status_list_index == 2**31 - 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "url",
    [
        "http://status.test/1",
        "ftp://status.test/1",
        "https://",
        "https://user@status.test/1",
        "status.test/1",
        42,
        None,
    ],
)
def test_status_list_url_must_be_https(url: Any) -> None:
    entry = _entry()
    entry["statusListCredential"] = url
    with pytest.raises(StatusError) as info:
        parse_status_entry(entry)
    assert info.value.code == "status.bad_url"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ({"type": "CredentialStatusList2017", "id": LIST_URL}, "status.unsupported_type"),
        ({"type": "1EdTechRevocationList", "id": "http://status.test/r"}, "status.bad_url"),
        (_entry(type=["BitstringStatusListEntry", "Other"]), "status.bad_entry"),
        (_entry(statusPurpose=""), "status.bad_entry"),
        (_entry(statusPurpose="revocation", statusSize=2), "status.bad_entry"),
        (_entry(statusSize=0), "status.bad_entry"),
        ("https://status.test/1", "status.bad_entry"),
        ([], "status.bad_entry"),
    ],
)
def test_malformed_entries_are_refused(status: Any, code: str) -> None:
    with pytest.raises(StatusError) as info:
        parse_credential_status(status)
    assert info.value.code == code


def test_message_purpose_with_status_size_and_messages() -> None:
    parsed = parse_status_entry(
        _entry(
            statusPurpose="message",
            statusSize=2,
            statusMessage=[
                {"status": "0x0", "message": "pending"},
                {"status": "0x1", "message": "ok"},
            ],
        )
    )
    assert isinstance(parsed, BitstringStatusEntry)
    assert parsed.status_size == 2
    assert parsed.status_messages == ((0, "pending"), (1, "ok"))
