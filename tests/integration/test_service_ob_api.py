"""The Open Badges 3.0 REST API and its OAuth 2.0 endpoints, on a real service on 127.0.0.1
(SQLite), through a real HTTP client: discovery, registration, the consent page, the token
endpoint (code + PKCE, refresh rotation, client credentials), revocation, and the resource
routes with their scopes, paging and errors (RFC 6749/7591 JSON, Imsx_StatusInfo)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.ob_api_kit import (
    ALL_SCOPES,
    REDIRECT,
    TEACHER,
    Provider,
    authorize_query,
    code_from,
    consent,
    full_flow,
    imsx_minor,
    make_provider,
    pkce,
    register,
    registration,
    tokens,
)
from tests.integration.service_helpers import client, serve

from mcbadge.registry import Registry
from mcbadge.registry.access import AccessTokenStore
from mcbadge.registry.audit import AuditLog
from mcbadge.registry.oauth import (
    SCOPE_CREDENTIAL_READONLY,
    SCOPE_PROFILE_READONLY,
    OAuthStore,
)
from mcbadge.registry.ob_store import LearnerStore, learner_key
from mcbadge.server.oauth.discovery import bundled_openapi

API = "/ims/ob/v3p0"
BADGES = 5


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Provider:
    return make_provider(tmp_path_factory.mktemp("ob-api"), badges=BADGES)


@pytest.fixture(scope="module")
def url(provider: Provider) -> Iterator[str]:
    with serve(provider.config) as base:
        yield base


@pytest.fixture
def http(url: str) -> Iterator[httpx.Client]:
    with client(url) as session:
        yield session


@pytest.fixture
def registry(provider: Provider) -> Iterator[Registry]:
    opened = Registry.open(provider.db_url)
    yield opened
    opened.close()


def fresh_code(registry: Registry, email: str = TEACHER) -> str:
    return LearnerStore(registry).invite(email).code


def flow(
    http: httpx.Client, registry: Registry, email: str = TEACHER
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register a client and go through consent and the code exchange as ``email``."""
    registered = register(http)
    verifier, challenge = pkce()
    query = authorize_query(registered["client_id"], challenge)
    code = code_from(consent(http, query, email=email, code=fresh_code(registry, email)))
    answer = tokens(http, registered, code, verifier)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return registered, body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- discovery ---------------------------------------------------------------------------


def test_discovery_is_unprotected_and_profiles_the_bundled_openapi(http: httpx.Client) -> None:
    answer = http.get(f"{API}/discovery")
    assert answer.status_code == 200
    document = answer.json()
    original = bundled_openapi()
    assert document["paths"] == original["paths"]
    assert document["components"]["schemas"] == original["components"]["schemas"]
    assert document["openapi"] == "3.0.1"
    base = str(http.base_url).rstrip("/")
    assert document["servers"] == [{"url": base + API, "description": "Mountain State Badges"}]
    info = document["info"]
    assert info["title"] == "Mountain State Badges"
    assert info["termsOfService"]
    assert info["x-imssf-privacyPolicyUrl"]
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == base + "/oauth/register"
    flow_urls = scheme["flows"]["authorizationCode"]
    assert flow_urls["authorizationUrl"] == base + "/oauth/authorize"
    assert flow_urls["tokenUrl"] == flow_urls["refreshUrl"] == base + "/oauth/token"
    assert set(flow_urls["scopes"]) == set(ALL_SCOPES.split())


# -- registration (RFC 7591) ---------------------------------------------------------------


def test_registration_answers_201_with_a_secret_kept_only_as_its_digest(
    http: httpx.Client, registry: Registry
) -> None:
    body = register(http)
    assert body["client_secret"]
    assert body["client_id"]
    assert body["client_secret_expires_at"] == 0
    assert body["redirect_uris"] == [REDIRECT]
    assert body["software_id"] == registration()["software_id"]
    stored = OAuthStore(registry).client(body["client_id"])
    assert stored is not None
    assert stored.kind == "learner"
    with registry._engine.connect() as conn:
        dump = json.dumps(
            [list(row) for row in conn.exec_driver_sql("SELECT * FROM oauth_clients")]
        )
    assert body["client_secret"] not in dump


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_uri": None}, "invalid_client_metadata"),
        ({"software_version": None}, "invalid_client_metadata"),
        ({"redirect_uris": ["http://wallet.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://wallet.example/cb#frag"]}, "invalid_redirect_uri"),
        (
            {"scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/assertion.readonly"},
            "invalid_client_metadata",
        ),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"logo_uri": "not a uri"}, "invalid_client_metadata"),
    ],
)
def test_registration_errors_are_rfc_7591_json(
    http: httpx.Client, overrides: dict[str, Any], error: str
) -> None:
    answer = http.post("/oauth/register", json=registration(**overrides))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]


def test_registration_refuses_a_body_that_is_not_json(http: httpx.Client) -> None:
    answer = http.post(
        "/oauth/register", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client_metadata"
    answer = http.post("/oauth/register", content=b"a=b", headers={"content-type": "text/plain"})
    assert answer.status_code == 415
    assert answer.json()["error"] == "invalid_client_metadata"


# -- the consent page ------------------------------------------------------------------------


def test_consent_page_names_the_client_and_scopes_without_javascript(http: httpx.Client) -> None:
    registered = register(http)
    _verifier, challenge = pkce()
    page = http.get("/oauth/authorize", params=authorize_query(registered["client_id"], challenge))
    assert page.status_code == 200
    assert "Teacher Wallet" in page.text
    assert "read the badges" in page.text
    assert "change your profile" in page.text
    assert "<script" not in page.text.lower()
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert 'name="sign_in_code"' in page.text
    assert 'name="email"' in page.text


def test_unknown_client_or_unregistered_redirect_is_a_page_not_a_redirect(
    http: httpx.Client,
) -> None:
    registered = register(http)
    _verifier, challenge = pkce()
    unknown = http.get("/oauth/authorize", params=authorize_query("no-such-client", challenge))
    assert unknown.status_code == 400
    assert "location" not in unknown.headers
    assert "invalid_client" in unknown.text
    elsewhere = http.get(
        "/oauth/authorize",
        params=authorize_query(
            registered["client_id"], challenge, redirect_uri="https://attacker.example/cb"
        ),
    )
    assert elsewhere.status_code == 400
    assert "location" not in elsewhere.headers
    missing = http.get(
        "/oauth/authorize",
        params=authorize_query(registered["client_id"], challenge, redirect_uri=None),
    )
    assert missing.status_code == 400
    assert "location" not in missing.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/other"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_bad_authorization_requests_go_back_to_the_client_with_the_error(
    http: httpx.Client, overrides: dict[str, str | None], error: str
) -> None:
    registered = register(http)
    _verifier, challenge = pkce()
    answer = http.get(
        "/oauth/authorize", params=authorize_query(registered["client_id"], challenge, **overrides)
    )
    assert answer.status_code == 302, answer.text
    location = httpx.URL(answer.headers["location"])
    assert str(location).startswith(REDIRECT)
    assert location.params["error"] == error
    assert location.params["state"] == "state-123"
    assert "code" not in location.params


def test_deny_answers_access_denied(http: httpx.Client, registry: Registry) -> None:
    registered = register(http)
    _verifier, challenge = pkce()
    answer = consent(
        http,
        authorize_query(registered["client_id"], challenge),
        code=fresh_code(registry),
        decision="deny",
    )
    assert answer.status_code == 302
    location = httpx.URL(answer.headers["location"])
    assert location.params["error"] == "access_denied"
    assert location.params["state"] == "state-123"


def test_wrong_sign_in_code_shows_the_form_again_and_five_failures_lock_it(
    http: httpx.Client, registry: Registry
) -> None:
    registered = register(http)
    _verifier, challenge = pkce()
    query = authorize_query(registered["client_id"], challenge)
    good = fresh_code(registry)
    for _ in range(5):
        wrong = consent(http, query, code="AAAAA-AAAAA-AAAAA-AAAAA")
        assert wrong.status_code == 401
        assert "location" not in wrong.headers
        assert "do not match" in wrong.text
        assert TEACHER in wrong.text  # the e-mail stays filled in
    locked = consent(http, query, code=good)
    assert locked.status_code == 401
    # a new invitation unlocks; the code works once only
    again = fresh_code(registry)
    assert code_from(consent(http, query, code=again.lower().replace("-", " ")))
    assert consent(http, query, code=again).status_code == 401


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_code(
    http: httpx.Client, registry: Registry
) -> None:
    registered = register(http)
    _verifier, challenge = pkce()
    query = authorize_query(registered["client_id"], challenge)
    unknown = consent(http, query, email="nobody@school.example", code=fresh_code(registry))
    wrong = consent(http, query, code="AAAAA-AAAAA-AAAAA-AAAAA")
    assert unknown.status_code == wrong.status_code == 401
    assert "do not match an invitation" in unknown.text
    assert "do not match an invitation" in wrong.text


# -- the token endpoint ------------------------------------------------------------------------


def test_code_exchange_gives_bearer_tokens_that_act_for_the_teacher(
    http: httpx.Client, registry: Registry
) -> None:
    registered = register(http)
    verifier, challenge = pkce()
    code = code_from(
        consent(
            http, authorize_query(registered["client_id"], challenge), code=fresh_code(registry)
        )
    )
    answer = tokens(http, registered, code, verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    assert body["access_token"]
    grant = AccessTokenStore(registry).lookup(body["access_token"])
    assert grant is not None
    assert grant.kind == "oauth"
    assert grant.issuer_ids == frozenset()  # a learner's token acts for no issuer
    assert OAuthStore(registry).learner_of(grant.token_id) == learner_key(TEACHER)
    profile = http.get(f"{API}/profile", headers=bearer(body["access_token"]))
    assert profile.json()["email"] == TEACHER


def test_client_authentication_failures_are_401_invalid_client(
    http: httpx.Client, registry: Registry
) -> None:
    registered = register(http)
    verifier, challenge = pkce()
    code = code_from(
        consent(
            http, authorize_query(registered["client_id"], challenge), code=fresh_code(registry)
        )
    )
    wrong = tokens(http, {**registered, "client_secret": "x" * 43}, code, verifier)
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = tokens(http, {**registered, "client_id": "nobody"}, code, verifier)
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"
    # the code was not spent by the failed attempts
    assert tokens(http, registered, code, verifier).status_code == 200


def test_missing_or_wrong_code_verifier_is_refused(http: httpx.Client, registry: Registry) -> None:
    registered = register(http)
    _verifier, challenge = pkce()
    code = code_from(
        consent(
            http, authorize_query(registered["client_id"], challenge), code=fresh_code(registry)
        )
    )
    missing = http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(registered["client_id"], registered["client_secret"]),
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    code2 = code_from(
        consent(
            http, authorize_query(registered["client_id"], challenge), code=fresh_code(registry)
        )
    )
    other_verifier, _ = pkce()
    wrong = tokens(http, registered, code2, other_verifier)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


def test_a_reused_code_is_refused_and_revokes_what_it_gave(
    http: httpx.Client, registry: Registry
) -> None:
    registered = register(http)
    verifier, challenge = pkce()
    code = code_from(
        consent(
            http, authorize_query(registered["client_id"], challenge), code=fresh_code(registry)
        )
    )
    first = tokens(http, registered, code, verifier).json()
    assert http.get(f"{API}/profile", headers=bearer(first["access_token"])).status_code == 200
    replay = tokens(http, registered, code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert http.get(f"{API}/profile", headers=bearer(first["access_token"])).status_code == 401
    refresh = http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(registered["client_id"], registered["client_secret"]),
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(http: httpx.Client, registry: Registry) -> None:
    registered = register(http)
    verifier, challenge = pkce()
    OAuthStore(registry).save_code(
        "an-old-code-" + "x" * 40,
        client_id=registered["client_id"],
        learner=learner_key(TEACHER),
        redirect_uri=REDIRECT,
        scope=ALL_SCOPES,
        code_challenge=challenge,
        code_challenge_method="S256",
        now=datetime.now(UTC) - timedelta(minutes=10),
    )
    answer = tokens(http, registered, "an-old-code-" + "x" * 40, verifier)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_its_client_and_redirect_uri(
    http: httpx.Client, registry: Registry
) -> None:
    first, second = register(http), register(http, redirect_uris=[REDIRECT, REDIRECT + "2"])
    verifier, challenge = pkce()
    code = code_from(
        consent(http, authorize_query(first["client_id"], challenge), code=fresh_code(registry))
    )
    stolen = tokens(http, second, code, verifier)
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    code = code_from(
        consent(http, authorize_query(second["client_id"], challenge), code=fresh_code(registry))
    )
    moved = http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT + "2",
            "code_verifier": verifier,
        },
        auth=(second["client_id"], second["client_secret"]),
    )
    assert moved.status_code == 400
    assert moved.json()["error"] == "invalid_grant"


def test_token_endpoint_request_errors(http: httpx.Client) -> None:
    registered = register(http)
    auth = (registered["client_id"], registered["client_secret"])
    unsupported = http.post("/oauth/token", data={"grant_type": "password"}, auth=auth)
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    as_json = http.post("/oauth/token", json={"grant_type": "authorization_code"}, auth=auth)
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"
    machine = http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    assert machine.status_code == 400
    assert machine.json()["error"] == "unauthorized_client"
    no_code = http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "redirect_uri": REDIRECT},
        auth=auth,
    )
    assert no_code.status_code == 400
    assert no_code.json()["error"] == "invalid_request"


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_grant(
    http: httpx.Client, registry: Registry
) -> None:
    registered, first = flow(http, registry)
    auth = (registered["client_id"], registered["client_secret"])
    answer = http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=auth,
    )
    assert answer.status_code == 200, answer.text
    second = answer.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert http.get(f"{API}/profile", headers=bearer(second["access_token"])).status_code == 200
    replay = http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=auth,
    )
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # the replay revoked the whole grant: the rotated tokens no longer work either
    assert http.get(f"{API}/profile", headers=bearer(second["access_token"])).status_code == 401
    after = http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        auth=auth,
    )
    assert after.json()["error"] == "invalid_grant"


def test_refresh_may_narrow_the_scope_but_not_widen_it(
    http: httpx.Client, registry: Registry
) -> None:
    registered = register(http, scope=f"{SCOPE_PROFILE_READONLY} {SCOPE_CREDENTIAL_READONLY}")
    verifier, challenge = pkce()
    query = authorize_query(
        registered["client_id"],
        challenge,
        scope=f"{SCOPE_PROFILE_READONLY} {SCOPE_CREDENTIAL_READONLY}",
    )
    body = tokens(
        http, registered, code_from(consent(http, query, code=fresh_code(registry))), verifier
    ).json()
    auth = (registered["client_id"], registered["client_secret"])
    wider = http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "scope": ALL_SCOPES,
        },
        auth=auth,
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"
    narrower = http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],  # still usable: the refusal did not spend it
            "scope": SCOPE_PROFILE_READONLY,
        },
        auth=auth,
    )
    assert narrower.status_code == 200, narrower.text
    token = narrower.json()["access_token"]
    assert http.get(f"{API}/profile", headers=bearer(token)).status_code == 200
    assert http.get(f"{API}/credentials", headers=bearer(token)).status_code == 403


def test_client_credentials_for_a_machine_client_act_for_its_issuers(
    http: httpx.Client, registry: Registry, provider: Provider
) -> None:
    issuer_id = provider.issuer.issuer_id
    machine, secret = OAuthStore(registry).register_client(
        {"client_name": "badge platform", "scope": ""}, kind="machine", issuer_ids=[issuer_id]
    )
    answer = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(machine.client_id, secret)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "refresh_token" not in body
    grant = AccessTokenStore(registry).lookup(body["access_token"])
    assert grant is not None
    assert grant.issuer_ids == frozenset({issuer_id})
    # not a learner's token: the OB API refuses it
    refused = http.get(f"{API}/credentials", headers=bearer(body["access_token"]))
    assert refused.status_code == 403
    assert imsx_minor(refused) == "forbidden"
    code_grant = http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT},
        auth=(machine.client_id, secret),
    )
    assert code_grant.json()["error"] == "unauthorized_client"
    scoped = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "anything"},
        auth=(machine.client_id, secret),
    )
    assert scoped.status_code == 400
    assert scoped.json()["error"] == "invalid_scope"


def test_revocation_of_access_and_refresh_tokens(http: httpx.Client, registry: Registry) -> None:
    registered, body = flow(http, registry)
    auth = (registered["client_id"], registered["client_secret"])
    other = register(http)
    foreign = http.post(
        "/oauth/revoke",
        data={"token": body["access_token"]},
        auth=(other["client_id"], other["client_secret"]),
    )
    assert foreign.status_code == 400
    assert foreign.json()["error"] == "invalid_grant"
    assert http.get(f"{API}/profile", headers=bearer(body["access_token"])).status_code == 200
    done = http.post("/oauth/revoke", data={"token": body["access_token"]}, auth=auth)
    assert done.status_code == 200
    assert http.get(f"{API}/profile", headers=bearer(body["access_token"])).status_code == 401
    # the grant is gone with it (RFC 7009 §2.1 allows revoking the refresh token too)
    refresh = http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=auth,
    )
    assert refresh.json()["error"] == "invalid_grant"
    unknown = http.post("/oauth/revoke", data={"token": "never-issued"}, auth=auth)
    assert unknown.status_code == 200  # RFC 7009 §2.2: an unknown token is not an error


def test_a_machine_client_revoking_its_own_token_is_audited(
    http: httpx.Client, registry: Registry, provider: Provider
) -> None:
    """RFC 7009 revocation of a client-credentials token by its own client: the token stops
    working and the audit log says which client revoked it (``token.revoke``)."""
    machine, secret = OAuthStore(registry).register_client(
        {"client_name": "badge platform", "scope": ""},
        kind="machine",
        issuer_ids=[provider.issuer.issuer_id],
    )
    auth = (machine.client_id, secret)
    token = http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=auth)
    grant = AccessTokenStore(registry).lookup(token.json()["access_token"])
    assert grant is not None
    revoked = http.post("/oauth/revoke", data={"token": token.json()["access_token"]}, auth=auth)
    assert revoked.status_code == 200
    assert AccessTokenStore(registry).lookup(token.json()["access_token"]) is None
    records = AuditLog(registry).records(action="token.revoke")
    assert [(r.client, r.target, r.outcome) for r in records] == [
        (machine.client_id, grant.token_id, "ok")
    ]


# -- resource routes ---------------------------------------------------------------------------


def test_resource_routes_need_a_token_with_the_scope(
    http: httpx.Client, registry: Registry
) -> None:
    none = http.get(f"{API}/credentials")
    assert none.status_code == 401
    assert imsx_minor(none) == "unauthorizedrequest"
    bogus = http.get(f"{API}/credentials", headers=bearer("mcb_not-a-token"))
    assert bogus.status_code == 401
    assert imsx_minor(bogus) == "unauthorizedrequest"
    registered = register(http, scope=SCOPE_PROFILE_READONLY)
    verifier, challenge = pkce()
    query = authorize_query(registered["client_id"], challenge, scope=SCOPE_PROFILE_READONLY)
    token = tokens(
        http, registered, code_from(consent(http, query, code=fresh_code(registry))), verifier
    ).json()["access_token"]
    for method, path in (
        ("GET", "/credentials"),
        ("POST", "/credentials"),
        ("PUT", "/profile"),
    ):
        answer = http.request(method, API + path, headers=bearer(token), json={})
        assert answer.status_code == 403, (method, path)
        assert imsx_minor(answer) == "forbidden"
        assert "insufficient_scope" in answer.headers["www-authenticate"]
    assert http.get(f"{API}/profile", headers=bearer(token)).status_code == 200


def test_an_expired_access_token_is_401(http: httpx.Client, registry: Registry) -> None:
    registered = register(http)
    store = OAuthStore(registry)
    record = store.client(registered["client_id"])
    assert record is not None
    old = store.issue_tokens(
        record,
        learner=learner_key(TEACHER),
        scope=ALL_SCOPES,
        refresh=False,
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    answer = http.get(f"{API}/profile", headers=bearer(old.access.value))
    assert answer.status_code == 401
    assert imsx_minor(answer) == "unauthorizedrequest"


def _links(answer: httpx.Response) -> dict[str, str]:
    links = {}
    for part in answer.headers["link"].split(","):
        target, _, rel = part.strip().partition(";")
        links[rel.strip().removeprefix('rel="').removesuffix('"')] = target.strip()[1:-1]
    return links


def test_get_credentials_pages_with_total_and_links(
    http: httpx.Client, registry: Registry, provider: Provider
) -> None:
    # a fresh learner: five badges issued to them, nothing else
    _registered, body = flow(http, registry)
    headers = bearer(body["access_token"])
    seen: list[str] = []
    for offset, size in ((0, 2), (2, 2), (4, 1)):
        answer = http.get(
            f"{API}/credentials", params={"limit": 2, "offset": offset}, headers=headers
        )
        assert answer.status_code == 200
        assert answer.headers["x-total-count"] == str(BADGES)
        page = answer.json()
        assert len(page["credential"]) == size
        assert page["compactJwsString"] == []
        seen += [credential["id"] for credential in page["credential"]]
        links = _links(answer)
        base = str(http.base_url).rstrip("/") + f"{API}/credentials"
        assert links["first"] == f"{base}?limit=2&offset=0"
        assert links["last"] == f"{base}?limit=2&offset=4"
        assert ("next" in links) == (offset + 2 < BADGES)
        assert ("prev" in links) == (offset > 0)
        if offset == 2:
            assert links["next"] == f"{base}?limit=2&offset=4"
            assert links["prev"] == f"{base}?limit=2&offset=0"
    assert sorted(seen) == sorted(credential["id"] for credential in provider.issued)
    beyond = http.get(f"{API}/credentials", params={"limit": 2, "offset": 50}, headers=headers)
    assert beyond.status_code == 200
    assert beyond.json()["credential"] == []
    assert beyond.headers["x-total-count"] == str(BADGES)
    everything = http.get(f"{API}/credentials", headers=headers).json()
    assert len(everything["credential"]) == BADGES


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "x"},
        {"offset": "-1"},
        {"since": "yesterday"},
        {"since": "2026-01-01T00:00:00"},
        {"limit": ["1", "2"]},
    ],
)
def test_bad_paging_parameters_are_400_invalid_query_parameter(
    http: httpx.Client, registry: Registry, params: dict[str, Any]
) -> None:
    _registered, body = flow(http, registry)
    answer = http.get(f"{API}/credentials", params=params, headers=bearer(body["access_token"]))
    assert answer.status_code == 400
    assert imsx_minor(answer) == "invalid_query_parameter"


def test_since_filters_by_when_a_credential_was_issued_or_stored(
    http: httpx.Client, registry: Registry
) -> None:
    _registered, body = flow(http, registry)
    headers = bearer(body["access_token"])
    past = http.get(f"{API}/credentials", params={"since": "2000-01-01T00:00:00Z"}, headers=headers)
    assert past.headers["x-total-count"] == str(BADGES)
    future = http.get(
        f"{API}/credentials", params={"since": "2999-01-01T00:00:00Z"}, headers=headers
    )
    assert future.headers["x-total-count"] == "0"
    assert "since=2999-01-01T00%3A00%3A00Z" in future.headers["link"]


def test_a_revoked_credential_is_no_longer_listed(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, badges=2)
    with serve(provider.config) as base, client(base) as http:
        _registered, body = full_flow(http, provider)
        headers = bearer(body["access_token"])
        assert http.get(f"{API}/credentials", headers=headers).headers["x-total-count"] == "2"
        registry = Registry.open(provider.db_url)
        try:
            registry.revoke(provider.issued[0]["id"], "awarded in error")
        finally:
            registry.close()
        answer = http.get(f"{API}/credentials", headers=headers)
        assert answer.headers["x-total-count"] == "1"
        assert answer.json()["credential"][0]["id"] == provider.issued[1]["id"]


HOLDER = "katherine.johnson@school.example"  # a learner with no badges from this provider


def _foreign_credential(provider: Provider, suffix: str) -> dict[str, Any]:
    """A credential another provider issued to the holder (shape only; stored as-is)."""
    credential = json.loads(json.dumps(provider.issued[0]))
    credential["id"] = f"https://elsewhere.example/credentials/{suffix}"
    return credential


def _jws(provider: Provider, suffix: str) -> str:
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key
    from mcbadge.signing import sign

    key = generate_key("ed25519")
    unsigned = _foreign_credential(provider, suffix)
    unsigned.pop("proof", None)
    unsigned["issuer"] = {**unsigned["issuer"], "id": did_for_key(key)}
    signed = sign(unsigned, key, format="jwt")
    assert signed.jwt is not None
    return signed.jwt


def test_post_credentials_creates_replaces_and_leaves_unchanged(
    http: httpx.Client, registry: Registry, provider: Provider
) -> None:
    _registered, body = flow(http, registry, HOLDER)
    headers = bearer(body["access_token"])
    credential = _foreign_credential(provider, "one")
    created = http.post(f"{API}/credentials", json=credential, headers=headers)
    assert created.status_code == 201
    assert created.json() == credential
    unchanged = http.post(f"{API}/credentials", json=credential, headers=headers)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    changed = {**credential, "name": "Renamed by the holder"}
    replaced = http.post(f"{API}/credentials", json=changed, headers=headers)
    assert replaced.status_code == 200
    assert replaced.json() == changed
    listed = http.get(f"{API}/credentials", headers=headers)
    assert listed.headers["x-total-count"] == "1"
    assert listed.json()["credential"] == [changed]


def test_post_credentials_takes_a_compact_jws_as_text(
    http: httpx.Client, registry: Registry, provider: Provider
) -> None:
    _registered, body = flow(http, registry, "dorothy.vaughan@school.example")
    headers = {**bearer(body["access_token"]), "content-type": "text/plain"}
    token = _jws(provider, "jws")
    created = http.post(f"{API}/credentials", content=token, headers=headers)
    assert created.status_code == 201
    assert created.headers["content-type"].startswith("text/plain")
    assert created.text == token
    assert http.post(f"{API}/credentials", content=token, headers=headers).status_code == 304
    listed = http.get(f"{API}/credentials", headers=bearer(body["access_token"])).json()
    assert listed == {"credential": [], "compactJwsString": [token]}


@pytest.mark.parametrize(
    ("content", "content_type", "status", "minor"),
    [
        (b'{"type": ["VerifiableCredential"]}', "application/json", 400, "invalid_data"),
        (b"[1, 2]", "application/json", 400, "invalid_data"),
        (b"{not json", "application/json", 400, "invalid_data"),
        (b"not.a-jws", "text/plain", 400, "invalid_data"),
        (b"<credential/>", "application/xml", 415, "invalid_data"),
    ],
)
def test_post_credentials_refuses_what_is_not_a_credential(
    http: httpx.Client,
    registry: Registry,
    content: bytes,
    content_type: str,
    status: int,
    minor: str,
) -> None:
    _registered, body = flow(http, registry, "mary.jackson@school.example")
    answer = http.post(
        f"{API}/credentials",
        content=content,
        headers={**bearer(body["access_token"]), "content-type": content_type},
    )
    assert answer.status_code == status
    assert imsx_minor(answer) == minor
    listed = http.get(f"{API}/credentials", headers=bearer(body["access_token"]))
    assert listed.headers["x-total-count"] == "0"


def test_put_profile_stores_it_and_answers_304_when_unchanged(
    http: httpx.Client, registry: Registry
) -> None:
    email = "annie.easley@school.example"
    _registered, body = flow(http, registry, email)
    headers = bearer(body["access_token"])
    default = http.get(f"{API}/profile", headers=headers).json()
    assert default["email"] == email
    assert "Profile" in default["type"]
    profile = {**default, "name": "Annie Easley", "phone": "111-222-3333"}
    stored = http.put(f"{API}/profile", json=profile, headers=headers)
    assert stored.status_code == 200
    assert stored.json() == profile
    assert http.get(f"{API}/profile", headers=headers).json() == profile
    assert http.put(f"{API}/profile", json=profile, headers=headers).status_code == 304
    broken = http.put(f"{API}/profile", json={"name": "no id, no type"}, headers=headers)
    assert broken.status_code == 400
    assert imsx_minor(broken) == "invalid_data"
    assert http.get(f"{API}/profile", headers=headers).json() == profile


def test_the_local_unauthenticated_mode_still_needs_a_learner_token(tmp_path: Path) -> None:
    from dataclasses import replace

    provider = make_provider(tmp_path, badges=1)
    config = replace(provider.config, allow_unauthenticated=True)
    with serve(config) as base, client(base) as http:
        anonymous = http.get(f"{API}/credentials")
        assert anonymous.status_code == 401
        assert imsx_minor(anonymous) == "unauthorizedrequest"
        _registered, body = full_flow(http, provider)
        listed = http.get(f"{API}/credentials", headers=bearer(body["access_token"]))
        assert listed.status_code == 200
        assert listed.headers["x-total-count"] == "1"


def test_racing_exchanges_of_one_code_give_one_token(
    http: httpx.Client, registry: Registry, url: str
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    registered = register(http)
    verifier, challenge = pkce()
    code = code_from(
        consent(
            http, authorize_query(registered["client_id"], challenge), code=fresh_code(registry)
        )
    )
    barrier = threading.Barrier(6)

    def exchange(_: int) -> int:
        with client(url) as own:
            barrier.wait()
            return tokens(own, registered, code, verifier).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(exchange, range(6)))
    assert statuses == [200, 400, 400, 400, 400, 400]


def test_a_copy_of_an_own_award_is_stored_but_the_providers_record_is_listed(
    http: httpx.Client, registry: Registry, provider: Provider
) -> None:
    _registered, body = flow(http, registry)
    headers = bearer(body["access_token"])
    own = provider.issued[0]
    edited = {**own, "name": "Edited by a tool"}
    assert http.post(f"{API}/credentials", json=edited, headers=headers).status_code == 201
    listed = http.get(f"{API}/credentials", headers=headers)
    assert listed.headers["x-total-count"] == str(BADGES)
    [found] = [c for c in listed.json()["credential"] if c["id"] == own["id"]]
    assert found == own


def _spec_validate(document: Any, name: str) -> None:
    import jsonschema

    spec = bundled_openapi()
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    jsonschema.Draft7Validator(schema).validate(document)


def test_answers_match_the_openapi_schemas(http: httpx.Client, registry: Registry) -> None:
    _registered, body = flow(http, registry)
    headers = bearer(body["access_token"])
    listed = http.get(f"{API}/credentials", params={"limit": 2}, headers=headers)
    _spec_validate(listed.json(), "GetOpenBadgeCredentialsResponse")
    _spec_validate(http.get(f"{API}/profile", headers=headers).json(), "Profile")
    _spec_validate(http.get(f"{API}/discovery").json(), "ServiceDescriptionDocument")
    for answer in (
        http.get(f"{API}/credentials"),
        http.get(f"{API}/credentials", params={"limit": 0}, headers=headers),
        http.put(f"{API}/profile", json={}, headers=headers),
        http.get(f"{API}/nothing-here", headers=headers),
    ):
        assert answer.status_code >= 400
        _spec_validate(answer.json(), "Imsx_StatusInfo")
