"""Shared set-up of the OB 3.0 API tests: a provider with one issuer that has issued a badge
to a teacher, the teacher invited, and helpers that drive the OAuth flow the way a browser
and a learner's tool would (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from tests.integration.service_helpers import ACHIEVEMENT

from mcbadge.issuer import Issuer, SigningKey
from mcbadge.keys import generate_key, save_key
from mcbadge.registry import Registry
from mcbadge.registry.oauth import OB_SCOPES
from mcbadge.registry.ob_store import LearnerStore
from mcbadge.server.config import IssuerConfig, ServiceConfig

TEACHER = "ada.lovelace@school.example"
OTHER_TEACHER = "grace.hopper@school.example"
REDIRECT = "http://127.0.0.1:9/callback"
ALL_SCOPES = " ".join(OB_SCOPES)


@dataclass
class Provider:
    config: ServiceConfig
    db_url: str
    issuer: Issuer
    sign_in_code: str
    issued: list[dict[str, Any]]
    teacher: str = TEACHER


def make_provider(
    tmp_path: Path, db_url: str | None = None, *, badges: int = 1, teacher: str = TEACHER
) -> Provider:
    """A key, a registry with ``badges`` credentials issued to ``teacher`` (and one to
    OTHER_TEACHER), and the teacher's sign-in code."""
    key_file = tmp_path / "key.json"
    save_key(generate_key("ed25519"), key_file)
    url = db_url or f"sqlite:///{tmp_path / 'service.db'}"
    config = ServiceConfig(
        db=url, issuers=(IssuerConfig(key=str(key_file), name="Mountain State Badges"),)
    )
    registry = Registry.open(url)
    try:
        issuer = Issuer(
            {"type": ["Profile"], "name": "Mountain State Badges"},
            SigningKey.load(key_file),
            registry=registry,
            # a path of its own: a PostgreSQL registry is shared by every run
            status_base_url=f"http://127.0.0.1:9/status/{uuid.uuid4().hex}/",
        )
        issued = []
        for number in range(badges):
            achievement = {**ACHIEVEMENT, "id": f"{ACHIEVEMENT['id']}/{number}"}
            document = issuer.issue(achievement, teacher).document
            assert isinstance(document, dict)
            issued.append(document)
        issuer.issue(ACHIEVEMENT, OTHER_TEACHER)
        code = LearnerStore(registry).invite(teacher).code
        LearnerStore(registry).invite(OTHER_TEACHER)
    finally:
        registry.close()
    return Provider(
        config=config,
        db_url=url,
        issuer=issuer,
        sign_in_code=code,
        issued=issued,
        teacher=teacher,
    )


def registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_name": "Teacher Wallet",
        "client_uri": "https://wallet.example/",
        "logo_uri": "https://wallet.example/logo.png",
        "tos_uri": "https://wallet.example/terms",
        "policy_uri": "https://wallet.example/privacy",
        "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
        "software_version": "1.0",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": ALL_SCOPES + " offline_access",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def register(http: httpx.Client, **overrides: Any) -> dict[str, Any]:
    answer = http.post("/oauth/register", json=registration(**overrides))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_query(client_id: str, challenge: str, **overrides: str | None) -> dict[str, str]:
    query: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": ALL_SCOPES + " offline_access",
        "state": "state-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    query.update(overrides)
    return {k: v for k, v in query.items() if v is not None}


def consent(
    http: httpx.Client,
    query: dict[str, str],
    *,
    email: str = TEACHER,
    code: str,
    decision: str = "allow",
) -> httpx.Response:
    """Open the consent page, then submit its form as a browser would."""
    page = http.get("/oauth/authorize?" + urlencode(query))
    assert page.status_code == 200, page.text
    assert "<form" in page.text
    form = {**query, "email": email, "sign_in_code": code, "decision": decision}
    return http.post("/oauth/authorize", data=form)


def code_from(answer: httpx.Response) -> str:
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT)
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["state-123"]
    return query["code"][0]


def tokens(http: httpx.Client, client: dict[str, Any], code: str, verifier: str) -> httpx.Response:
    return http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(client["client_id"], client["client_secret"]),
    )


def full_flow(http: httpx.Client, provider: Provider) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register, consent, exchange: (client, token response)."""
    client = register(http)
    verifier, challenge = pkce()
    query = authorize_query(client["client_id"], challenge)
    code = code_from(consent(http, query, email=provider.teacher, code=provider.sign_in_code))
    answer = tokens(http, client, code, verifier)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return client, body


def imsx_minor(answer: httpx.Response) -> str:
    body = answer.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    value: str = body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    return value
