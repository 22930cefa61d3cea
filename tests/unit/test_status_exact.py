"""mcbadge.status, exactly: every field of a StatusOutcome, the bounds of every index check,
and the code and message of every refusal. Written against the mutants of
scripts/mutation.sh that survived tests/unit/test_status_*.py (docs/security.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mcbadge.errors import StatusError
from mcbadge.status.bitstring import (
    bit_at,
    decode_bitstring,
    encode_bitstring,
    new_bitstring,
    set_bit,
    status_value_at,
)
from mcbadge.status.entries import BitstringStatusEntry
from mcbadge.status.lists import (
    StatusOutcome,
    build_status_list_credential,
    check_bitstring_list_credential,
    check_revocation_list,
    parse_datetime,
)

ISSUER = "did:web:issuer.test"
LIST_URL = "https://status.test/lists/1"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _refusal(function: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(StatusError) as caught:
        function(*args, **kwargs)
    return caught.value.code, caught.value.message


# -- bitstring -------------------------------------------------------------------------------


def test_set_bit_accepts_the_last_index_and_refuses_the_next() -> None:
    bits = new_bitstring(16)
    set_bit(bits, 15)
    assert bits == bytearray([0x00, 0x01])
    with pytest.raises(IndexError) as caught:
        set_bit(bits, 16)
    assert str(caught.value) == "bit index 16 is outside a 16-bit bitstring"
    with pytest.raises(IndexError):
        set_bit(bits, -1)


def test_set_bit_keeps_the_other_bits_of_the_byte() -> None:
    bits = new_bitstring(16)
    set_bit(bits, 8)
    set_bit(bits, 15)
    assert bits == bytearray([0x00, 0x81])
    set_bit(bits, 15, False)
    assert bits == bytearray([0x00, 0x80])
    bits[1] = 0xFF
    set_bit(bits, 9, False)
    assert bits == bytearray([0x00, 0xBF])


def test_bit_at_bounds_and_message() -> None:
    bits = bytes([0x01])
    assert bit_at(bits, 7) is True
    assert _refusal(bit_at, bits, 8) == (
        "status_range.out_of_range",
        "status index 8 is outside the list's 8 entries",
    )


def test_status_value_at_default_size_is_one_bit() -> None:
    bits = bytes([0b0100_0000])
    assert status_value_at(bits, 1) == 1
    assert status_value_at(bits, 0) == 0


@pytest.mark.parametrize("size", [1, 16])
def test_status_sizes_1_to_16_are_read(size: int) -> None:
    bits = bytes([0xFF, 0xFF, 0x00, 0x00])
    assert status_value_at(bits, 0, size) == 2**size - 1
    assert status_value_at(bits, 32 // size - 1, size) == 0


@pytest.mark.parametrize("size", [0, 17])
def test_status_sizes_outside_1_to_16_are_refused(size: int) -> None:
    assert _refusal(status_value_at, bytes(4), 0, size) == (
        "status_list.bad_status_size",
        f"statusSize {size} is not supported (1 to 16 bits)",
    )


def test_status_value_at_counts_whole_entries_only() -> None:
    # 3 bytes = 24 bits = 4 entries of 5 bits (4 bits left over): entry 3 exists, 4 does not
    bits = bytes([0x00, 0x00, 0x1F])
    assert status_value_at(bits, 3, 5) == 0b00001  # bits 15..19
    assert _refusal(status_value_at, bits, 4, 5) == (
        "status_range.out_of_range",
        "status index 4 is outside the list's 4 entries",
    )
    assert _refusal(status_value_at, bits, 24, 1) == (
        "status_range.out_of_range",
        "status index 24 is outside the list's 24 entries",
    )


def test_decode_round_trip_without_prefix() -> None:
    bits = bytes([1, 2, 3])
    assert decode_bitstring(encode_bitstring(bits, multibase=False)) == bits
    assert encode_bitstring(bits).startswith("uH4sI")


# -- outcomes --------------------------------------------------------------------------------


def _entry(purpose: str, index: int = 7, **kw: Any) -> BitstringStatusEntry:
    return BitstringStatusEntry(
        type="BitstringStatusListEntry",
        status_purpose=purpose,
        status_list_index=index,
        status_list_credential=LIST_URL,
        **kw,
    )


def _list(purpose: str, *indices: int) -> dict[str, Any]:
    bits = new_bitstring()
    for index in indices:
        set_bit(bits, index)
    return build_status_list_credential(
        LIST_URL, ISSUER, purpose, bits, valid_from="2026-01-01T00:00:00Z"
    )


def _check(list_vc: Any, entry: BitstringStatusEntry) -> StatusOutcome:
    return check_bitstring_list_credential(list_vc, entry=entry, credential_issuer=ISSUER, now=NOW)


@pytest.mark.parametrize(
    ("purpose", "set_state"), [("revocation", "revoked"), ("suspension", "suspended")]
)
def test_bitstring_outcomes_carry_purpose_value_and_url(purpose: str, set_state: str) -> None:
    listed = _list(purpose, 7)
    assert _check(listed, _entry(purpose, 7)) == StatusOutcome(purpose, set_state, 1, LIST_URL)
    assert _check(listed, _entry(purpose, 8)) == StatusOutcome(purpose, "active", 0, LIST_URL)


def test_message_outcomes_carry_value_url_and_message() -> None:
    bits = new_bitstring()
    set_bit(bits, 15)  # entry 7 of 2 bits = bits 14, 15 -> 0b01
    listed = build_status_list_credential(
        LIST_URL, ISSUER, "message", bits, valid_from="2026-01-01T00:00:00Z"
    )
    entry = _entry("message", 7, status_size=2, status_messages=((0, "ok"), (1, "pending")))
    assert _check(listed, entry) == StatusOutcome("message", "message", 1, LIST_URL, "pending")
    other = _entry("message", 6, status_size=2, status_messages=((0, "ok"),))
    assert _check(listed, other) == StatusOutcome("message", "message", 0, LIST_URL, "ok")


def test_an_unknown_purpose_is_active_not_message() -> None:
    listed = _list("refresh", 7)
    assert _check(listed, _entry("refresh", 7)) == StatusOutcome(
        "refresh", "active", 1, LIST_URL, None
    )


# -- 1EdTech revocation lists ----------------------------------------------------------------


def test_revocation_list_outcomes_are_exact() -> None:
    listed = {
        "revokedCredential": [
            {"id": "urn:a", "revocationReason": "fraud"},
            {"id": "urn:b", "revoked": False},
        ]
    }
    assert check_revocation_list(listed, "urn:a", list_url=LIST_URL) == StatusOutcome(
        "revocation", "revoked", 1, LIST_URL, reason="fraud"
    )
    assert check_revocation_list(listed, "urn:b", list_url=LIST_URL) == StatusOutcome(
        "revocation", "active", 0, LIST_URL
    )
    assert check_revocation_list(listed, "urn:c") == StatusOutcome("revocation", "active", 0, "")


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ([], "the revocation list is not a JSON object"),
        ({}, "the revocation list has no revokedCredential array"),
        ({"revokedCredential": [{"id": 1}]}, "a revokedCredential entry has no string id"),
        (
            {"revokedCredential": [{"id": "urn:a", "revoked": "yes"}]},
            "a revokedCredential entry has a malformed revoked/revocationReason",
        ),
        (
            {"revokedCredential": [{"id": "urn:a", "revocationReason": 3}]},
            "a revokedCredential entry has a malformed revoked/revocationReason",
        ),
    ],
)
def test_malformed_revocation_lists_say_what_is_wrong(listed: Any, message: str) -> None:
    assert _refusal(check_revocation_list, listed, "urn:a") == ("status_list.malformed", message)


# -- dates of a status list ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (20260101, "the status list's validFrom is not a date-time"),
        ("2026-01-01", "the status list's validFrom is not a date-time"),
        ("2026-01-01Tnoon", "the status list's validFrom is not a date-time"),
        ("2026-01-01T00:00:00", "the status list's validFrom has no time zone"),
    ],
)
def test_list_dates_refused_with_code_and_message(value: Any, message: str) -> None:
    assert _refusal(parse_datetime, value, "validFrom") == ("status_list.malformed", message)


def test_a_list_date_with_a_zone_is_read() -> None:
    assert parse_datetime("2026-01-01T00:00:00Z", "validFrom") == datetime(2026, 1, 1, tzinfo=UTC)


# -- the validity window of a status list ----------------------------------------------------


def _window_list(**dates: str) -> dict[str, Any]:
    listed = _list("revocation", 7)
    del listed["validFrom"]
    listed.update(dates)
    return listed


@pytest.mark.parametrize(
    ("dates", "code", "message"),
    [
        # VCDM 1.1 lists (StatusList2021) carry issuanceDate / expirationDate
        (
            {"issuanceDate": "2026-11-22T12:05:01Z"},
            "status_list.not_yet_valid",
            "the status list is not valid yet",
        ),
        (
            {"validFrom": "2026-11-22T12:05:01Z"},
            "status_list.not_yet_valid",
            "the status list is not valid yet",
        ),
        (
            {"expirationDate": "2026-11-22T11:54:59Z"},
            "status_list.expired",
            "the status list has expired",
        ),
        (
            {"validUntil": "2026-11-22T11:54:59Z"},
            "status_list.expired",
            "the status list has expired",
        ),
        (
            {"issuanceDate": "2026-11-22"},
            "status_list.malformed",
            "the status list's issuanceDate is not a date-time",
        ),
        (
            {"expirationDate": "soon"},
            "status_list.malformed",
            "the status list's expirationDate is not a date-time",
        ),
    ],
)
def test_list_window_refusals(dates: dict[str, str], code: str, message: str) -> None:
    assert _refusal(_check, _window_list(**dates), _entry("revocation", 7)) == (code, message)


@pytest.mark.parametrize(
    "dates",
    [
        # exactly at the edges of the 300 s skew: still valid
        {"validFrom": "2026-11-22T12:05:00Z"},
        {"issuanceDate": "2026-11-22T12:05:00Z"},
        {"validUntil": "2026-11-22T11:55:00Z"},
        {"expirationDate": "2026-11-22T11:55:00Z"},
    ],
)
def test_list_window_edges_are_inside(dates: dict[str, str]) -> None:
    revoked = StatusOutcome("revocation", "revoked", 1, LIST_URL)
    assert _check(_window_list(**dates), _entry("revocation", 7)) == revoked


def test_list_window_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match=r"^now must be timezone-aware$"):
        check_bitstring_list_credential(
            _list("revocation", 7),
            entry=_entry("revocation", 7),
            credential_issuer=ISSUER,
            now=datetime(2026, 11, 22, 12, 0),  # naive: the point of the test
        )


# -- the shape of a status list credential ---------------------------------------------------


def test_list_issuer_as_an_object_and_subject_as_a_one_item_list_are_read() -> None:
    listed = _list("revocation", 7)
    listed["issuer"] = {"id": ISSUER, "type": ["Profile"]}
    listed["credentialSubject"] = [listed["credentialSubject"]]
    assert _check(listed, _entry("revocation", 7)) == StatusOutcome(
        "revocation", "revoked", 1, LIST_URL
    )


def test_list_with_several_purposes_serves_each() -> None:
    listed = _list("revocation", 7)
    listed["credentialSubject"]["statusPurpose"] = ["suspension", "revocation"]
    assert _check(listed, _entry("suspension", 7)).state == "suspended"
    assert _check(listed, _entry("revocation", 7)).state == "revoked"


@pytest.mark.parametrize(
    ("change", "purpose", "code", "message"),
    [
        (
            lambda v: "not an object",
            "revocation",
            "status_list.malformed",
            "the status list is not a JSON object",
        ),
        (
            lambda v: {**v, "type": ["VerifiableCredential"]},
            "revocation",
            "status_list.wrong_type",
            "the status list credential is not a BitstringStatusListCredential",
        ),
        (
            lambda v: {**v, "credentialSubject": [v["credentialSubject"]] * 2},
            "revocation",
            "status_list.wrong_type",
            "the status list's credentialSubject is not a BitstringStatusList",
        ),
        (
            lambda v: v,
            "voca",  # a substring of the list's purpose is not its purpose
            "status_list.wrong_purpose",
            "the status list is not for the 'voca' purpose",
        ),
        (
            lambda v: {**v, "issuer": {"id": "did:web:other.test"}},
            "revocation",
            "status_list.wrong_issuer",
            "the status list was not issued by the credential's issuer",
        ),
        (
            lambda v: {**v, "issuer": {"name": ISSUER}},
            "revocation",
            "status_list.wrong_issuer",
            "the status list was not issued by the credential's issuer",
        ),
    ],
)
def test_wrong_lists_are_refused_with_code_and_message(
    change: Any, purpose: str, code: str, message: str
) -> None:
    listed = change(_list("revocation", 7))
    assert _refusal(_check, listed, _entry(purpose, 7)) == (code, message)


@pytest.mark.parametrize("size", [0, -8, 12])
def test_new_bitstring_sizes_are_positive_multiples_of_8(size: int) -> None:
    with pytest.raises(
        ValueError, match=r"^a bitstring's size must be a positive multiple of 8 bits$"
    ):
        new_bitstring(size)
    assert new_bitstring(8) == bytearray(1)


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        # a type given as one string is one type, not text to search in
        (
            "credential",
            "XBitstringStatusListCredentialX",
            "the status list credential is not a BitstringStatusListCredential",
        ),
        (
            "subject",
            "BitstringStatusListCredential",
            "the status list's credentialSubject is not a BitstringStatusList",
        ),
    ],
)
def test_a_type_string_is_matched_whole(where: str, value: str, message: str) -> None:
    listed = _list("revocation", 7)
    (listed if where == "credential" else listed["credentialSubject"])["type"] = value
    assert _refusal(_check, listed, _entry("revocation", 7)) == (
        "status_list.wrong_type",
        message,
    )


def test_list_size_limits_are_the_callers() -> None:
    bits = new_bitstring(128)
    set_bit(bits, 7)
    listed = build_status_list_credential(
        LIST_URL, ISSUER, "revocation", new_bitstring(), valid_from="2026-01-01T00:00:00Z"
    )
    listed["credentialSubject"]["encodedList"] = encode_bitstring(bits)

    def check(**limits: int) -> StatusOutcome:
        return check_bitstring_list_credential(
            listed, entry=_entry("revocation", 7), credential_issuer=ISSUER, now=NOW, **limits
        )

    assert check(min_bits=128) == StatusOutcome("revocation", "revoked", 1, LIST_URL)
    assert _refusal(check, min_bits=129) == (
        "status_list.too_small",
        "the status list has 128 entries, fewer than the required 129",
    )
    assert _refusal(check, min_bits=8, max_decompressed=15)[0] == "status_list.too_large"


def test_a_list_without_encoded_list_is_malformed() -> None:
    listed = _list("revocation", 7)
    del listed["credentialSubject"]["encodedList"]
    assert _refusal(_check, listed, _entry("revocation", 7)) == (
        "status_list.malformed",
        "the status list has no encodedList",
    )


def test_encoding_is_pinned_byte_for_byte() -> None:
    # gzip level 9, mtime 0 (header 1f8b 0800 00000000 02ff): the same bits always give the
    # same text, so a re-published list differs only where a bit changed
    assert encode_bitstring(new_bitstring()) == (
        "uH4sIAAAAAAACA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    )


def test_builder_refuses_a_list_below_the_minimum_size() -> None:
    with pytest.raises(ValueError, match=r"^a status list needs at least 131072 bits$"):
        build_status_list_credential(
            LIST_URL,
            ISSUER,
            "revocation",
            new_bitstring(131_064),
            valid_from="2026-01-01T00:00:00Z",
        )


def test_builder_writes_times_in_utc_whatever_the_host_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time
    from datetime import timedelta, timezone

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        zoned = datetime(2026, 1, 1, 5, 30, 0, 999, tzinfo=timezone(timedelta(hours=5, minutes=30)))
        listed = build_status_list_credential(
            LIST_URL, ISSUER, "revocation", new_bitstring(), valid_from=zoned, valid_until=zoned
        )
    finally:
        monkeypatch.undo()
        time.tzset()
    assert listed["validFrom"] == listed["validUntil"] == "2026-01-01T00:00:00Z"
    with pytest.raises(ValueError, match=r"^datetimes must be timezone-aware$"):
        build_status_list_credential(
            LIST_URL,
            ISSUER,
            "revocation",
            new_bitstring(),
            valid_from=datetime(2026, 1, 1),  # naive: the point of the test
        )


@pytest.mark.parametrize(
    "messages",
    [
        ["0x1"],  # not an object
        [{"status": "0x1"}],  # no message
        [{"message": "ok"}],  # no status
        [{"status": 1, "message": "ok"}],
    ],
)
def test_malformed_status_messages_are_bad_entries(messages: Any) -> None:
    from mcbadge.status.entries import parse_status_entry

    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusSize": 2,
        "statusListIndex": "0",
        "statusListCredential": LIST_URL,
        "statusMessage": messages,
    }
    assert _refusal(parse_status_entry, entry) == (
        "status.bad_entry",
        "each statusMessage needs a hex 'status' and a 'message'",
    )
    entry["statusMessage"] = {"status": "0x1", "message": "ok"}
    assert _refusal(parse_status_entry, entry) == (
        "status.bad_entry",
        "statusMessage must be a list",
    )


def _message_entry(**changes: Any) -> dict[str, Any]:
    return {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusSize": 2,
        "statusListIndex": "0",
        "statusListCredential": LIST_URL,
        **changes,
    }


def test_a_non_hex_status_message_is_named_in_the_refusal() -> None:
    from mcbadge.status.entries import parse_status_entry

    status = "0x" + "Z" * 30
    entry = _message_entry(statusMessage=[{"status": status, "message": "m"}])
    assert _refusal(parse_status_entry, entry) == (
        "status.bad_entry",
        f"statusMessage status {status[:20]!r} is not hexadecimal",
    )


@pytest.mark.parametrize("url", ["https://[::1", "http://status.test/1", 7])
def test_a_list_url_urlsplit_cannot_read_is_a_bad_url(url: Any) -> None:
    from mcbadge.status.entries import parse_status_entry

    assert _refusal(parse_status_entry, _message_entry(statusListCredential=url)) == (
        "status.bad_url",
        "credentialStatus.statusListCredential must be an https URL",
    )


_LONG_INDEX = "1" + "x" * 60


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        (
            {"type": "Foo"},
            "status.unsupported_type",
            "credentialStatus type 'Foo' is not supported",
        ),
        (
            {"statusPurpose": ""},
            "status.bad_entry",
            "credentialStatus.statusPurpose must be a non-empty string",
        ),
        ({"id": 5}, "status.bad_entry", "credentialStatus.id must be a string"),
        ({"statusSize": 17}, "status.bad_entry", "statusSize must be an integer from 1 to 16"),
        (
            {"statusListIndex": "01"},
            "status_range.bad_index",
            "statusListIndex '01' is not a canonical non-negative decimal number",
        ),
        (
            {"statusListIndex": _LONG_INDEX},
            "status_range.bad_index",
            f"statusListIndex {_LONG_INDEX[:40]!r} is not a canonical non-negative decimal number",
        ),
        (
            {"statusListIndex": 2**31},
            "status_range.bad_index",
            "statusListIndex 2147483648 is outside 0 .. 2^31-1",
        ),
    ],
)
def test_bad_status_entries_are_refused_with_code_and_message(
    changes: dict[str, Any], code: str, message: str
) -> None:
    from mcbadge.status.entries import parse_status_entry

    assert _refusal(parse_status_entry, _message_entry(**changes)) == (code, message)


def test_status_size_16_is_the_largest() -> None:
    from mcbadge.status.entries import parse_status_entry

    parsed = parse_status_entry(_message_entry(statusSize=16))
    assert isinstance(parsed, BitstringStatusEntry)
    assert parsed.status_size == 16


@pytest.mark.parametrize("url", ["http://status.test/revoked", "https://[::1"])
def test_a_revocation_list_id_must_be_https(url: str) -> None:
    from mcbadge.status.entries import parse_status_entry

    assert _refusal(parse_status_entry, {"type": "1EdTechRevocationList", "id": url}) == (
        "status.bad_url",
        "the revocation list id must be an https URL",
    )


@pytest.mark.parametrize("value", [None, [], "x"])
def test_credential_status_must_be_objects(value: Any) -> None:
    from mcbadge.status.entries import parse_credential_status, parse_status_entry

    assert _refusal(parse_credential_status, value if value != "x" else 7) == (
        "status.bad_entry",
        "credentialStatus must be an object or a non-empty list of objects",
    )
    assert _refusal(parse_status_entry, value) == (
        "status.bad_entry",
        "a credentialStatus entry must be an object",
    )


def test_entry_type_as_a_one_item_list_is_read_and_two_are_refused() -> None:
    from mcbadge.status.entries import parse_status_entry

    parsed = parse_status_entry(_message_entry(type=["BitstringStatusListEntry"]))
    assert isinstance(parsed, BitstringStatusEntry)
    assert parsed.type == "BitstringStatusListEntry"
    two = _message_entry(type=["BitstringStatusListEntry", "StatusList2021Entry"])
    assert _refusal(parse_status_entry, two) == (
        "status.bad_entry",
        "credentialStatus.type must name exactly one status type",
    )
    wide = _message_entry(statusPurpose="revocation", statusSize=2)
    assert _refusal(parse_status_entry, wide) == (
        "status.bad_entry",
        "statusSize above 1 is only allowed with the 'message' status purpose",
    )


def test_decompression_limit_is_inclusive_and_named() -> None:
    import base64
    import gzip

    bits = bytes(1000)
    encoded = encode_bitstring(bits)
    assert decode_bitstring(encoded, max_decompressed=1000) == bits
    assert _refusal(decode_bitstring, encoded, max_decompressed=999) == (
        "status_list.too_large",
        "the decompressed status list exceeds 999 bytes",
    )
    not_gzip = "u" + base64.urlsafe_b64encode(b"\x78\x9c" + bytes(20)).rstrip(b"=").decode()
    assert _refusal(decode_bitstring, not_gzip) == (
        "status_list.bad_encoding",
        "encodedList is not GZIP-compressed",
    )
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "==")) == bits


def _b64(raw: bytes) -> str:
    import base64

    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _gzip(raw: bytes) -> bytes:
    import gzip

    return gzip.compress(raw, compresslevel=9, mtime=0)


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (7, "encodedList is not a string"),
        (_b64(b"\x1f\x8b\x08\x00" + b"\xff" * 30), "encodedList is not a valid GZIP stream"),
        (_b64(_gzip(bytes(100))[:-6]), "encodedList's GZIP stream is truncated"),
        (_b64(_gzip(bytes(100)) + _gzip(bytes(8))), "encodedList has data after the GZIP stream"),
    ],
)
def test_bad_encodings_are_refused_with_their_message(encoded: Any, message: str) -> None:
    assert _refusal(decode_bitstring, encoded) == ("status_list.bad_encoding", message)


def test_a_list_larger_than_one_inflate_step_decodes_whole() -> None:
    # 2 MiB of bits inflate in 32 steps of 64 KiB from a few KiB of input
    bits = bytearray(2 * 1024 * 1024)
    bits[-1] = 1
    bits[70_000] = 0x80
    assert decode_bitstring(encode_bitstring(bits)) == bits


@pytest.mark.parametrize(
    ("encoded", "kwargs", "code", "message"),
    [
        (
            encode_bitstring(bytes(10), multibase=False),
            {"require_multibase": True},
            "status_list.bad_encoding",
            "encodedList lacks the multibase 'u' (base64url) prefix",
        ),
        ("u", {}, "status_list.bad_encoding", "encodedList is not base64url text"),
        ("u!!!!", {}, "status_list.bad_encoding", "encodedList is not base64url text"),
        ("uH4sIA", {}, "status_list.bad_encoding", "encodedList is not base64url text"),
        # four characters are base64url: what they decode to is judged next
        ("uH4sI", {}, "status_list.bad_encoding", "encodedList's GZIP stream is truncated"),
        (
            encode_bitstring(bytes(10)),
            {"max_decompressed": 30},
            "status_list.too_large",
            "encodedList is too large",
        ),
    ],
)
def test_decode_refusals_with_code_and_message(
    encoded: str, kwargs: dict[str, Any], code: str, message: str
) -> None:
    assert _refusal(decode_bitstring, encoded, **kwargs) == (code, message)


def test_the_text_size_cap_is_inclusive() -> None:
    encoded = encode_bitstring(bytes(10))
    assert len(encoded) - 1 == 31
    assert decode_bitstring(encoded, max_decompressed=31) == bytes(10)


def test_clearing_a_bit_touches_its_own_byte_only() -> None:
    bits = bytearray([0xFF, 0xFF])
    set_bit(bits, 8, False)
    assert bits == bytearray([0xFF, 0x7F])


def test_a_gzip_bomb_is_inflated_in_bounded_steps() -> None:
    # 64 MiB of zeros in ~64 KiB of gzip, against a 1 MiB cap: refused, and at no time more
    # than a few MiB held (inflating it whole before checking the cap would hold 64 MiB)
    import base64
    import tracemalloc
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    bomb = b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()
    encoded = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    del zeros
    tracemalloc.start()
    try:
        code, _ = _refusal(decode_bitstring, encoded, max_decompressed=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == "status_list.too_large"
    assert peak < 8 * 1024 * 1024, peak
