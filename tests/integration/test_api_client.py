"""``mcbadge.api_client`` against our own provider on 127.0.0.1 (real HTTP): discovery,
registration, the authorization code flow with PKCE (the consent page driven as a browser
would: GET the page, POST its form), paging, upsert, profile, the automatic refresh on 401,
and typed errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.integration.ob_api_kit import REDIRECT, TEACHER, Provider, make_provider
from tests.integration.service_helpers import serve

from mcbadge.api_client import (
    SCOPES,
    ApiError,
    AuthorizationStart,
    OAuthError,
    ObApiClient,
    Tokens,
)
from mcbadge.registry import Registry
from mcbadge.registry.access import AccessTokenStore
from mcbadge.registry.ob_store import LearnerStore

BADGES = 7


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Provider:
    return make_provider(tmp_path_factory.mktemp("api-client"), badges=BADGES)


@pytest.fixture(scope="module")
def url(provider: Provider) -> Iterator[str]:
    with serve(provider.config) as base:
        yield base


def teacher_signs_in(
    start: AuthorizationStart, code: str, *, email: str = TEACHER, decision: str = "allow"
) -> str:
    """A browser: open the authorization URL, fill in the form it shows, submit it; returns
    the URL the provider sends the teacher back to."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.action = ""
            self.fields: dict[str, str] = {}

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "form":
                self.action = found.get("action") or ""
            if tag == "input" and found.get("type") == "hidden":
                self.fields[found["name"] or ""] = found.get("value") or ""

    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        page = browser.get(start.url)
        assert page.status_code == 200, page.text
        form = Form()
        form.feed(page.text)
        answer = browser.post(
            form.action,
            data={**form.fields, "email": email, "sign_in_code": code, "decision": decision},
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


def new_client(url: str, **kwargs: Any) -> ObApiClient:
    return ObApiClient(url, **kwargs)


def register(api: ObApiClient, **kwargs: Any) -> None:
    api.register(
        client_name="Teacher Wallet",
        client_uri="https://wallet.example/",
        redirect_uris=[REDIRECT],
        logo_uri="https://wallet.example/logo.png",
        tos_uri="https://wallet.example/terms",
        policy_uri="https://wallet.example/privacy",
        software_id="wallet",
        software_version="1.0",
        **kwargs,
    )


def sign_in_code(provider: Provider) -> str:
    registry = Registry.open(provider.db_url)
    try:
        return LearnerStore(registry).invite(TEACHER).code
    finally:
        registry.close()


def authorized(url: str, provider: Provider, **kwargs: Any) -> ObApiClient:
    api = new_client(url, **kwargs)
    register(api)
    start = api.start_authorization(REDIRECT)
    api.finish_authorization(start, teacher_signs_in(start, sign_in_code(provider)))
    return api


def test_discovery_names_the_endpoints(url: str) -> None:
    with new_client(url) as api:
        found = api.discover()
    assert found.title == "Mountain State Badges"
    assert found.api_url == url + "/ims/ob/v3p0"
    assert found.registration_url == url + "/oauth/register"
    assert found.authorization_url == url + "/oauth/authorize"
    assert found.token_url == found.refresh_url == url + "/oauth/token"
    assert set(found.scopes) == set(SCOPES.values())


def test_the_whole_flow_then_every_credential_page_by_page(url: str, provider: Provider) -> None:
    kept: list[Tokens] = []
    with authorized(url, provider, on_tokens=kept.append) as api:
        assert api.tokens is not None
        assert api.tokens.refresh_token
        assert kept == [api.tokens]
        page = api.get_credentials(limit=3)
        assert page.total == BADGES
        assert len(page.credentials) == 3
        assert set(page.links) == {"next", "last", "first"}
        everything = list(api.iter_credentials(page_size=2))
    assert sorted(c["id"] for c in everything if isinstance(c, dict)) == sorted(
        c["id"] for c in provider.issued
    )
    assert len(everything) == BADGES


def test_upsert_and_profile(url: str, provider: Provider) -> None:
    with authorized(url, provider) as api:
        credential = {**provider.issued[0], "id": "https://elsewhere.example/c/1"}
        assert api.upsert_credential(credential) == "created"
        assert api.upsert_credential(credential) == "unchanged"
        assert api.upsert_credential({**credential, "name": "Renamed"}) == "replaced"
        profile = api.get_profile()
        assert profile["email"] == TEACHER
        updated = api.put_profile({**profile, "name": "Ada Lovelace"})
        assert updated["name"] == "Ada Lovelace"
        assert api.put_profile(updated) == updated  # 304: unchanged
        assert api.get_profile()["name"] == "Ada Lovelace"


def test_an_access_token_the_provider_refuses_is_refreshed_once(
    url: str, provider: Provider
) -> None:
    kept: list[Tokens] = []
    with authorized(url, provider, on_tokens=kept.append) as api:
        first = api.tokens
        assert first is not None
        registry = Registry.open(provider.db_url)
        try:
            grant = AccessTokenStore(registry).lookup(first.access_token)
            assert grant is not None
            AccessTokenStore(registry).revoke(grant.token_id)
        finally:
            registry.close()
        assert api.get_profile()["email"] == TEACHER
        assert api.tokens is not None
        assert api.tokens.access_token != first.access_token
        assert api.tokens.refresh_token != first.refresh_token
        assert len(kept) == 2
        # a refresh token that no longer works is an OAuthError, not a loop
        api.tokens = Tokens(
            access_token="mcb_revoked",
            refresh_token=first.refresh_token,
            expires_at=None,
            scope="",
        )
        with pytest.raises(OAuthError) as caught:
            api.get_profile()
        assert caught.value.error == "invalid_grant"


def test_errors_are_typed(url: str, provider: Provider) -> None:
    with new_client(url) as api:
        with pytest.raises(OAuthError) as refused:
            api.register(
                client_name="Bad",
                client_uri="https://bad.example/",
                redirect_uris=["http://bad.example/cb"],
                logo_uri="https://bad.example/l.png",
                tos_uri="https://bad.example/t",
                policy_uri="https://bad.example/p",
                software_id="bad",
                software_version="0",
            )
        assert refused.value.error == "invalid_redirect_uri"
        assert refused.value.status == 400
    with new_client(url) as api:
        register(api)
        start = api.start_authorization(REDIRECT)
        back = teacher_signs_in(start, sign_in_code(provider), decision="deny")
        with pytest.raises(OAuthError) as denied:
            api.finish_authorization(start, back)
        assert denied.value.error == "access_denied"
        other = api.start_authorization(REDIRECT)
        with pytest.raises(OAuthError) as mismatch:
            api.finish_authorization(other, back)
        assert mismatch.value.error == "invalid_state"
    with authorized(url, provider) as api:
        with pytest.raises(ApiError) as bad:
            api.get_credentials(limit=0)
        assert bad.value.status == 400
        assert bad.value.code_minor == "invalid_query_parameter"
        assert bad.value.status_info["imsx_codeMajor"] == "failure"
        with pytest.raises(ApiError) as invalid:
            api.upsert_credential({"type": ["VerifiableCredential"]})
        assert invalid.value.status == 400
        assert invalid.value.code_minor == "invalid_data"


def test_a_narrower_authorization_is_403_forbidden(url: str, provider: Provider) -> None:
    with new_client(url) as api:
        register(api, scopes=[SCOPES["profile.readonly"]])
        start = api.start_authorization(REDIRECT)
        api.finish_authorization(start, teacher_signs_in(start, sign_in_code(provider)))
        assert api.get_profile()["email"] == TEACHER
        with pytest.raises(ApiError) as forbidden:
            api.get_credentials()
        assert forbidden.value.status == 403
        assert forbidden.value.code_minor == "forbidden"
