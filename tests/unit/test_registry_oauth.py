"""The OAuth 2.0 store: clients with hashed secrets, single-use expiring codes bound to their
client, refresh rotation with replay detection, learner grants, and the OB 3.0 registration
rules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mcbadge.registry import AccessTokenStore, Registry
from mcbadge.registry.oauth import (
    OB_SCOPES,
    OAuthClient,
    OAuthError_,
    OAuthStore,
    check_registration,
)

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
LEARNER = "sha256$" + "a" * 64
SCOPE = " ".join(OB_SCOPES)
METADATA: dict[str, Any] = {
    "client_name": "Wallet",
    "client_uri": "https://wallet.example/",
    "logo_uri": "https://wallet.example/logo.png",
    "tos_uri": "https://wallet.example/terms",
    "policy_uri": "https://wallet.example/privacy",
    "software_id": "wallet",
    "software_version": "1",
    "redirect_uris": ["https://wallet.example/cb"],
    "scope": SCOPE + " offline_access",
}


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    opened = Registry.open(f"sqlite:///{tmp_path / 'r.db'}")
    yield opened
    opened.close()


@pytest.fixture
def store(registry: Registry) -> OAuthStore:
    return OAuthStore(registry)


@pytest.fixture
def client(store: OAuthStore) -> OAuthClient:
    return store.register_client(check_registration(METADATA))[0]


def _save(store: OAuthStore, client: OAuthClient, code: str, now: datetime = T0) -> None:
    store.save_code(
        code,
        client_id=client.client_id,
        learner=LEARNER,
        redirect_uri="https://wallet.example/cb",
        scope=SCOPE,
        code_challenge="c" * 43,
        code_challenge_method="S256",
        now=now,
    )


def test_client_secret_is_checked_in_constant_time_and_stored_as_a_digest(
    store: OAuthStore, tmp_path: Path
) -> None:
    client, secret = store.register_client(check_registration(METADATA))
    found = store.client(client.client_id)
    assert found is not None
    assert found.check_secret(secret)
    assert not found.check_secret(secret + "x")
    assert not found.check_secret("")
    assert "secret_digest" not in repr(found)
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert secret not in "\n".join(conn.iterdump())


def test_a_machine_client_must_name_issuer_dids(store: OAuthStore) -> None:
    with pytest.raises(OAuthError_) as caught:
        store.register_client({"client_name": "m"}, kind="machine", issuer_ids=[])
    assert caught.value.code == "oauth.issuers"
    with pytest.raises(OAuthError_):
        store.register_client({"client_name": "m"}, kind="machine", issuer_ids=["https://x"])


def test_a_code_is_used_once_only_by_its_client_before_it_expires(
    store: OAuthStore, client: OAuthClient
) -> None:
    other, _ = store.register_client(check_registration(METADATA))
    _save(store, client, "code-1")
    assert store.consume_code("code-1", other.client_id, now=T0) is None
    found = store.consume_code("code-1", client.client_id, now=T0 + timedelta(minutes=1))
    assert found is not None
    assert found.learner == LEARNER
    assert found.scope == SCOPE
    assert store.consume_code("code-1", client.client_id, now=T0 + timedelta(minutes=2)) is None
    _save(store, client, "code-2")
    assert store.consume_code("code-2", client.client_id, now=T0 + timedelta(minutes=6)) is None
    assert store.consume_code("never-issued", client.client_id) is None


def test_replaying_a_code_revokes_the_tokens_it_gave(
    store: OAuthStore, client: OAuthClient, registry: Registry
) -> None:
    _save(store, client, "code-3", now=datetime.now(UTC))
    found = store.consume_code("code-3", client.client_id)
    assert found is not None
    pair = store.issue_tokens(
        client, learner=LEARNER, scope=SCOPE, refresh=True, from_code=found.digest
    )
    tokens = AccessTokenStore(registry)
    assert tokens.lookup(pair.access.value) is not None
    assert store.consume_code("code-3", client.client_id) is None
    assert tokens.lookup(pair.access.value) is None
    assert pair.refresh_token is not None
    assert store.rotate_refresh(pair.refresh_token, client.client_id) is None


def test_refresh_tokens_rotate_and_a_replay_revokes_the_family(
    store: OAuthStore, client: OAuthClient, registry: Registry
) -> None:
    first = store.issue_tokens(client, learner=LEARNER, scope=SCOPE, refresh=True)
    assert first.refresh_token is not None
    assert "offline_access" not in first.access.grant.scopes
    grant = store.rotate_refresh(first.refresh_token, client.client_id)
    assert grant is not None
    assert grant.learner == LEARNER
    second = store.issue_tokens(
        client, learner=LEARNER, scope=SCOPE, refresh=True, family=grant.family
    )
    assert second.refresh_token is not None
    tokens = AccessTokenStore(registry)
    assert tokens.lookup(second.access.value) is not None
    assert store.rotate_refresh(first.refresh_token, client.client_id) is None  # replay
    assert tokens.lookup(first.access.value) is None
    assert tokens.lookup(second.access.value) is None
    assert store.rotate_refresh(second.refresh_token, client.client_id) is None


def test_a_refresh_token_belongs_to_its_client_and_expires(
    store: OAuthStore, client: OAuthClient
) -> None:
    other, _ = store.register_client(check_registration(METADATA))
    pair = store.issue_tokens(client, learner=LEARNER, scope=SCOPE, refresh=True, now=T0)
    assert pair.refresh_token is not None
    assert store.rotate_refresh(pair.refresh_token, other.client_id, now=T0) is None
    late = T0 + timedelta(days=31)
    assert store.rotate_refresh(pair.refresh_token, client.client_id, now=late) is None
    # neither refusal spent it for its own client within its lifetime
    assert store.rotate_refresh(pair.refresh_token, client.client_id, now=T0) is not None


def test_learner_tokens_act_for_no_issuer_and_name_their_learner(
    store: OAuthStore, client: OAuthClient, registry: Registry
) -> None:
    pair = store.issue_tokens(client, learner=LEARNER, scope=SCOPE, refresh=False)
    assert pair.refresh_token is None
    assert "refresh_token" not in pair.response()
    grant = AccessTokenStore(registry).lookup(pair.access.value)
    assert grant is not None
    assert grant.issuer_ids == frozenset()
    assert grant.kind == "oauth"
    assert store.learner_of(grant.token_id) == LEARNER
    assert pair.access.value not in repr(pair)


def test_revoking_a_client_revokes_its_tokens(
    store: OAuthStore, client: OAuthClient, registry: Registry
) -> None:
    pair = store.issue_tokens(client, learner=LEARNER, scope=SCOPE, refresh=True)
    store.revoke_client(client.client_id)
    assert store.client(client.client_id) is None
    assert AccessTokenStore(registry).lookup(pair.access.value) is None
    assert pair.refresh_token is not None
    assert store.rotate_refresh(pair.refresh_token, client.client_id) is None
    with pytest.raises(OAuthError_):
        store.revoke_client("nobody")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"client_name": None}, "oauth.invalid_client_metadata"),
        ({"policy_uri": ""}, "oauth.invalid_client_metadata"),
        ({"redirect_uris": "https://wallet.example/cb"}, "oauth.invalid_redirect_uri"),
        ({"redirect_uris": ["http://wallet.example/cb"]}, "oauth.invalid_redirect_uri"),
        ({"redirect_uris": ["custom:/cb"]}, "oauth.invalid_redirect_uri"),
        ({"scope": "offline_access"}, "oauth.invalid_client_metadata"),
        ({"scope": SCOPE + " admin"}, "oauth.invalid_client_metadata"),
        ({"grant_types": ["refresh_token"]}, "oauth.invalid_client_metadata"),
        ({"response_types": ["token"]}, "oauth.invalid_client_metadata"),
        ({"token_endpoint_auth_method": "none"}, "oauth.invalid_client_metadata"),
    ],
)
def test_registration_rules(change: dict[str, Any], code: str) -> None:
    metadata = {k: v for k, v in {**METADATA, **change}.items() if v is not None}
    with pytest.raises(OAuthError_) as caught:
        check_registration(metadata)
    assert caught.value.code == code


def test_registration_defaults_and_loopback_http() -> None:
    filled = check_registration({**METADATA, "redirect_uris": ["http://127.0.0.1:8000/cb"]})
    assert filled["grant_types"] == ["authorization_code", "refresh_token"]
    assert filled["response_types"] == ["code"]
    assert filled["token_endpoint_auth_method"] == "client_secret_basic"
