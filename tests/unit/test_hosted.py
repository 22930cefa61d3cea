"""mcbadge.issuer.hosted: status lists, the revocation list and did.json served from the
registry, always current, signed once per state and validity window (issue #15, item 2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mcbadge.did import OfflineResolver
from mcbadge.issuer import Issuer, SigningKey
from mcbadge.issuer.hosted import (
    STATUS_LIST_MEDIA_TYPE,
    HostedDocument,
    StatusHost,
    signing_window,
    url_for_path,
)
from mcbadge.proofs import verify_proof
from mcbadge.status import decode_bitstring, status_value_at

BASE = "https://academy.test/status/"
ACHIEVEMENT: dict[str, Any] = {
    "id": "https://academy.test/achievements/csp",
    "type": ["Achievement"],
    "name": "Teaching CS Principles",
    "description": "Taught a unit of CS Principles.",
    "criteria": {"narrative": "Taught a full unit."},
}
NOW = datetime(2026, 12, 5, 8, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self, instant: datetime = NOW) -> None:
        self.instant = instant

    def __call__(self) -> datetime:
        return self.instant


def make_issuer(
    db: Path,
    key: SigningKey | None = None,
    *,
    did: str | None = "did:web:academy.test",
    base: str = BASE,
    format: str | None = None,
) -> Issuer:
    key = key or SigningKey.generate()
    profile: dict[str, Any] = {"type": ["Profile"], "name": "Academy"}
    return Issuer(
        profile,
        key,
        format=format or key.default_cryptosuite,
        registry=f"sqlite:///{db}",
        status_base_url=base,
        issuer_id=did,
    )


def resolver_for(issuer: Issuer) -> OfflineResolver:
    return OfflineResolver({issuer.issuer_id: issuer.did_document()})


def list_url_of(issued: Any) -> tuple[str, int]:
    (entry,) = issued.status_indexes.values()
    return str(entry[0]), int(entry[1])


def bit(document: HostedDocument, index: int) -> int:
    subject = json.loads(document.body)["credentialSubject"]
    return status_value_at(decode_bitstring(subject["encodedList"]), index)


@pytest.fixture
def issuer(tmp_path: Path) -> Issuer:
    return make_issuer(tmp_path / "registry.sqlite3")


def test_status_list_is_what_publish_writes_for_the_same_window(issuer: Issuer) -> None:
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    url, _ = list_url_of(issued)
    host = StatusHost([issuer], clock=Clock())
    hosted = host.status_list(url)
    assert hosted is not None
    valid_from, _ = signing_window(NOW, issuer.list_validity)
    published = issuer.publish(now=valid_from)
    # one builder: the same inputs give the same bytes (Ed25519 signs deterministically)
    assert hosted.body == published.files[url.rsplit("/", 1)[-1]]
    assert hosted.media_type == STATUS_LIST_MEDIA_TYPE
    assert hosted.max_age == 300  # the issuer's list_ttl, 5 minutes
    document = json.loads(hosted.body)
    assert document["id"] == url
    assert document["credentialSubject"]["ttl"] == 300_000
    assert verify_proof(document, resolver_for(issuer), now=NOW).verified


def test_a_revocation_is_in_the_next_answer_with_a_new_etag(issuer: Issuer) -> None:
    first = issuer.issue(ACHIEVEMENT, "ada@school.test")
    issuer.issue(ACHIEVEMENT, "grace@school.test")
    url, index = list_url_of(first)
    host = StatusHost([issuer], clock=Clock())
    before = host.status_list(url)
    assert before is not None
    assert bit(before, index) == 0
    issuer.revoke(first.credential_id, "wrong teacher")
    after = host.status_list(url)
    assert after is not None
    assert bit(after, index) == 1
    assert after.etag != before.etag
    assert after.not_modified(after.etag)
    assert not after.not_modified(before.etag)


def test_signed_once_per_state_and_window(issuer: Issuer) -> None:
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    url, _ = list_url_of(issued)
    host = StatusHost([issuer], clock=Clock())
    first = host.status_list(url)
    assert host.status_list(url) == first
    assert host.signatures == 1
    issuer.revoke(issued.credential_id)
    host.status_list(url)
    host.status_list(url)
    assert host.signatures == 2


def test_a_second_worker_without_the_cache_answers_the_same_bytes(issuer: Issuer) -> None:
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    url, _ = list_url_of(issued)
    issuer.revoke(issued.credential_id)
    one = StatusHost([issuer], clock=Clock(NOW)).status_list(url)
    # another process, a little later in the same window, from the same registry
    two = StatusHost([issuer], clock=Clock(NOW + timedelta(minutes=7))).status_list(url)
    assert one is not None
    assert two is not None
    assert one.body == two.body
    assert one.etag == two.etag


def test_re_signed_before_valid_until_lapses(issuer: Issuer) -> None:
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    url, _ = list_url_of(issued)
    clock = Clock()
    host = StatusHost([issuer], clock=clock)
    seen: set[str] = set()
    # step through two validity periods; every answer stays valid for at least half of it
    for hours in range(0, 24 * 14, 5):
        clock.instant = NOW + timedelta(hours=hours)
        hosted = host.status_list(url)
        assert hosted is not None
        document = json.loads(hosted.body)
        valid_until = datetime.fromisoformat(document["validUntil"])
        valid_from = datetime.fromisoformat(document["validFrom"])
        assert valid_from <= clock.instant
        assert valid_until - clock.instant >= issuer.list_validity / 2
        assert hosted.max_age == 300
        seen.add(document["validFrom"])
    assert len(seen) >= 4  # re-signed each half validity (3.5 days), not once
    assert host.signatures == len(seen)


def test_signing_window_is_aligned_and_covers_the_instant() -> None:
    validity = timedelta(days=7)
    start, end = signing_window(NOW, validity)
    assert start <= NOW < start + validity / 2
    assert end == start + validity
    assert signing_window(start, validity) == (start, end)
    assert signing_window(start + validity / 2, validity)[0] == start + validity / 2
    with pytest.raises(ValueError, match="timezone"):
        signing_window(NOW.replace(tzinfo=None), validity)


def test_unknown_and_foreign_lists_are_none(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    ours = make_issuer(db)
    theirs = make_issuer(db, did="did:web:other.test", base="https://other.test/status/")
    foreign_url, _ = list_url_of(theirs.issue(ACHIEVEMENT, "ada@school.test"))
    own_url, _ = list_url_of(ours.issue(ACHIEVEMENT, "ada@school.test"))
    host = StatusHost([ours], clock=Clock())
    assert host.status_list(foreign_url) is None  # in the registry, but not an issuer held here
    assert host.document(foreign_url) is None
    assert host.status_list(f"{BASE}revocation-99.json") is None
    assert host.status_list("https://elsewhere.test/status/revocation-1.json") is None
    assert host.document(own_url) is not None
    assert host.signed_status_list(f"{BASE}revocation-99.json") is None
    signed = host.signed_status_list(own_url)
    assert signed is not None
    assert signed["id"] == own_url
    assert signed["proof"]


def test_revocation_list_holds_every_revocation_beside_the_lists(tmp_path: Path) -> None:
    db = tmp_path / "registry.sqlite3"
    first = make_issuer(db)
    second = make_issuer(db, did=None)  # a did:key issuer sharing the base URL
    a = first.issue(ACHIEVEMENT, "ada@school.test")
    first.issue(ACHIEVEMENT, "grace@school.test")
    host = StatusHost([first, second], clock=Clock())
    url = f"{BASE}revocations.json"
    empty = host.document(url)
    assert empty is not None
    assert json.loads(empty.body) == {"revokedCredential": []}
    first.revoke(a.credential_id, "wrong teacher")
    hosted = host.revocation_list(url)
    assert hosted is not None
    assert hosted.kind == "revocation_list"
    assert hosted.media_type == "application/json"
    assert json.loads(hosted.body) == {
        "revokedCredential": [
            {"id": a.credential_id, "revoked": True, "revocationReason": "wrong teacher"}
        ]
    }
    assert hosted.etag != empty.etag
    assert host.revocation_list("https://academy.test/other/revocations.json") is None


def test_did_document_only_for_a_did_web_issuer(tmp_path: Path) -> None:
    db = tmp_path / "registry.sqlite3"
    web = make_issuer(db, did="did:web:academy.test%3A8443:provider")
    host = StatusHost([web])
    assert host.did_document_urls == ["https://academy.test:8443/provider/did.json"]
    hosted = host.did_document("https://academy.test:8443/provider/did.json")
    assert hosted is not None
    assert json.loads(hosted.body) == web.did_document()
    # the scheme is not compared: a loopback service speaks plain http
    plain = host.document("http://academy.test:8443/provider/did.json")
    assert plain is not None
    assert plain.body == hosted.body
    assert plain.etag == hosted.etag
    assert host.did_document("https://academy.test:8443/.well-known/did.json") is None
    only_key = StatusHost([make_issuer(db, did=None)])
    assert only_key.did_document_urls == []
    assert only_key.did_document("https://academy.test/.well-known/did.json") is None


def test_p256_issuer_lists_verify(tmp_path: Path) -> None:
    issuer = make_issuer(tmp_path / "registry.sqlite3", SigningKey.generate("P-256"))
    url, _ = list_url_of(issuer.issue(ACHIEVEMENT, "ada@school.test"))
    hosted = StatusHost([issuer], clock=Clock()).status_list(url)
    assert hosted is not None
    document = json.loads(hosted.body)
    assert document["proof"][0]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert verify_proof(document, resolver_for(issuer), now=NOW).verified


def test_jwt_issuer_hosts_data_integrity_lists(tmp_path: Path) -> None:
    issuer = make_issuer(tmp_path / "registry.sqlite3", format="vc+jwt")
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    assert issued.is_jwt
    url, _ = list_url_of(issued)
    hosted = StatusHost([issuer], clock=Clock()).status_list(url)
    assert hosted is not None
    assert hosted.media_type == STATUS_LIST_MEDIA_TYPE
    assert json.loads(hosted.body)["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_cache_is_bounded(issuer: Issuer) -> None:
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    url, _ = list_url_of(issued)
    clock = Clock()
    host = StatusHost([issuer], clock=clock, cache_entries=2)
    for days in (0, 4, 8):  # three windows: the first is evicted
        clock.instant = NOW + timedelta(days=days)
        host.status_list(url)
    clock.instant = NOW
    host.status_list(url)
    assert host.signatures == 4


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("*", True),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ('"abcd"', False),
        ("abc", False),
    ],
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    document = HostedDocument("u", b"{}", "application/json", 5, '"abc"', "revocation_list")
    assert document.not_modified(header) is expected


def test_etag_is_the_digest_of_the_body() -> None:
    document = HostedDocument.of("u", b"{}\n", "application/json", -3, "revocation_list")
    assert document.etag == '"ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356"'
    assert document.max_age == 0
    assert document.cache_control == "max-age=0"


@pytest.mark.parametrize(
    ("public", "path", "url"),
    [
        ("https://h.test", "/status/revocation-1.json", "https://h.test/status/revocation-1.json"),
        ("https://h.test/p", "/p/status/r.json", "https://h.test/p/status/r.json"),
        ("https://h.test/p/", "/status/r.json", "https://h.test/p/status/r.json"),
        ("https://h.test/p", "/p/did.json", "https://h.test/p/did.json"),
        ("https://h.test/p", "/px/did.json", "https://h.test/p/px/did.json"),
        (
            "http://127.0.0.1:8080",
            "/.well-known/did.json",
            "http://127.0.0.1:8080/.well-known/did.json",
        ),
    ],
)
def test_url_for_path(public: str, path: str, url: str) -> None:
    assert url_for_path(public, path) == url


def test_issuers_with_their_own_folders_are_each_served(tmp_path: Path) -> None:
    """Two issuers of one instance under /status/<issuer>/ (a shared folder cannot hold two
    issuers' revocation-1.json): each list and each revocations.json is its own issuer's."""
    db = tmp_path / "registry.sqlite3"
    first = make_issuer(db, base=f"{BASE}one/")
    second = make_issuer(db, did=None, base=f"{BASE}two/")
    a = first.issue(ACHIEVEMENT, "ada@school.test")
    b = second.issue(ACHIEVEMENT, "ada@school.test")
    second.revoke(b.credential_id)
    host = StatusHost([first, second], clock=Clock())
    for issued, owner in ((a, first), (b, second)):
        url, _ = list_url_of(issued)
        hosted = host.document(url)
        assert hosted is not None
        assert json.loads(hosted.body)["issuer"] == owner.issuer_id
    one = host.document(f"{BASE}one/revocations.json")
    two = host.document(f"{BASE}two/revocations.json")
    assert one is not None
    assert two is not None
    assert json.loads(one.body)["revokedCredential"] == []
    assert [e["id"] for e in json.loads(two.body)["revokedCredential"]] == [b.credential_id]


def test_the_verify_routes_read_the_very_list_that_is_hosted(issuer: Issuer) -> None:
    from mcbadge.issuer.supplied import current_status_list

    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    issuer.revoke(issued.credential_id)
    url, _ = list_url_of(issued)
    hosted = StatusHost([issuer], clock=Clock()).status_list(url)
    assert hosted is not None
    assert current_status_list(issuer, url, now=NOW + timedelta(minutes=3)) == json.loads(
        hosted.body
    )
