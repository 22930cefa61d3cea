"""The service's access-token store: only digests kept, scoped per issuer, expiry and
revocation enforced on lookup."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mcbadge.registry import AccessError, AccessTokenStore, Registry

ISSUER = "did:web:badges.example"
OTHER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> AccessTokenStore:
    return AccessTokenStore(Registry.open(f"sqlite:///{tmp_path / 'r.db'}"))


def test_issued_token_is_found_with_its_issuers_and_only_its_digest_is_stored(
    store: AccessTokenStore, tmp_path: Path
) -> None:
    issued = store.issue("badge-platform", issuer_ids=[ISSUER, ISSUER])
    assert issued.value.startswith("mcb_")
    assert len(issued.value) > 40
    grant = store.lookup(issued.value)
    assert grant is not None
    assert (grant.client_id, grant.kind, grant.issuer_ids) == (
        "badge-platform",
        "service",
        frozenset({ISSUER}),
    )
    assert grant.expires_at is None
    assert grant.token_id == issued.grant.token_id
    with sqlite3.connect(tmp_path / "r.db") as conn:
        dumped = "\n".join(conn.iterdump())
    assert issued.value not in dumped
    assert issued.value not in repr(issued)
    assert issued.value not in repr(grant)


@pytest.mark.parametrize(
    "presented",
    ["", "mcb_", "mcb_" + "A" * 43, "x" * 10_000, "Bearer mcb_abc"],
)
def test_unknown_or_absurd_tokens_are_not_found(store: AccessTokenStore, presented: str) -> None:
    store.issue("badge-platform", issuer_ids=[ISSUER])
    assert store.lookup(presented) is None


def test_a_token_differing_in_one_character_is_not_found(store: AccessTokenStore) -> None:
    value = store.issue("badge-platform", issuer_ids=[ISSUER]).value
    flipped = value[:-1] + ("A" if value[-1] != "A" else "B")
    assert store.lookup(flipped) is None
    assert store.lookup(value) is not None


def test_expired_token_is_refused_from_the_instant_it_expires(store: AccessTokenStore) -> None:
    issued = store.issue(
        "oauth-client",
        issuer_ids=[ISSUER],
        scopes=["https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"],
        ttl=timedelta(hours=1),
        kind="oauth",
        now=T0,
    )
    still = store.lookup(issued.value, now=T0 + timedelta(minutes=59))
    assert still is not None
    assert still.kind == "oauth"
    assert still.scopes == {"https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"}
    assert store.lookup(issued.value, now=T0 + timedelta(hours=1)) is None


def test_revoked_token_is_refused_and_listing_hides_it(store: AccessTokenStore) -> None:
    kept = store.issue("a", issuer_ids=[ISSUER])
    gone = store.issue("b", issuer_ids=[OTHER])
    assert store.revoke(gone.grant.token_id).client_id == "b"
    assert store.lookup(gone.value) is None
    assert store.lookup(kept.value) is not None
    assert store.revoke(gone.grant.token_id).token_id == gone.grant.token_id  # idempotent
    assert [g.client_id for g in store.list()] == ["a"]
    assert {g.client_id for g in store.list(include_inactive=True)} == {"a", "b"}
    with pytest.raises(AccessError) as caught:
        store.revoke("000000000000")
    assert caught.value.code == "access.unknown"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"client_id": "c", "issuer_ids": []}, "access.issuers"),
        ({"client_id": "c", "issuer_ids": ["https://not-a-did"]}, "access.issuers"),
        ({"client_id": " ", "issuer_ids": [ISSUER]}, "access.invalid"),
        ({"client_id": "c", "issuer_ids": [ISSUER], "scopes": ["two words"]}, "access.scope"),
    ],
)
def test_a_token_must_name_its_client_issuers_and_plain_scopes(
    store: AccessTokenStore, kwargs: dict[str, object], code: str
) -> None:
    with pytest.raises(AccessError) as caught:
        store.issue(**kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert store.list(include_inactive=True) == []


def test_oauth_tokens_must_expire(store: AccessTokenStore) -> None:
    with pytest.raises(ValueError, match="ttl"):
        store.issue("c", issuer_ids=[ISSUER], kind="oauth")
