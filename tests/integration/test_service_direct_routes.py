"""``POST /credentials/verify`` on its direct route (:class:`mcbadge.server.app.ServiceApp`)
and verified on the event loop when that cannot wait on anything
(:func:`mcbadge.server.deps.verifies_inline`): the same answers as through FastAPI's router
and a worker thread, every error included."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from tests.integration.service_helpers import client, key_file, serve

import mcbadge.server.app as app_module
import mcbadge.server.routes.vc_api_verify as verify_route
from mcbadge.issuer import SigningKey
from mcbadge.proofs import sign
from mcbadge.server.config import (
    ConfigError,
    IssuerConfig,
    LimitsConfig,
    ServiceConfig,
    from_mapping,
)
from mcbadge.server.deps import verifies_inline

V2 = "https://www.w3.org/ns/credentials/v2"


def _config(tmp_path: Path, **limits: int) -> tuple[ServiceConfig, Path]:
    key = key_file(tmp_path)
    config = ServiceConfig(
        db=f"sqlite:///{tmp_path / 'service.db'}",
        issuers=(IssuerConfig(key=str(key)),),
        allow_unauthenticated=True,
        limits=LimitsConfig(requests_per_minute=0, **limits),
    )
    return config, key


def _signed(key: Path, **extra: Any) -> dict[str, Any]:
    signing = SigningKey.load(key)
    unsigned = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": signing.did_key,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:teacher-7", "name": "Ada"},
        **extra,
    }
    return sign(unsigned, signing.key, format="eddsa-rdfc-2022").document


def _requests(key: Path) -> list[tuple[str, dict[str, str], bytes]]:
    """(method, headers, body) of a verify request of every kind the route answers."""
    good = _signed(key)
    tampered = {**good, "credentialSubject": {"id": "did:example:teacher-7", "name": "Eve"}}
    as_json = {"content-type": "application/json"}
    returned = {"returnCredential": True}

    def body(value: Any) -> bytes:
        return json.dumps(value).encode()

    return [
        ("POST", as_json, body({"verifiableCredential": good})),
        (
            "POST",
            as_json,
            body({"verifiableCredential": good, "options": returned}),
        ),
        ("POST", as_json, body({"verifiableCredential": tampered})),
        ("POST", as_json, b'{"verifiableCredential": '),
        ("POST", as_json, b'{"a": 1, "a": 2}'),
        ("POST", {"content-type": "text/plain"}, body({"verifiableCredential": good})),
        ("POST", {}, body({"verifiableCredential": good})),
        ("POST", as_json, body([good])),
        ("POST", as_json, body({"credential": good})),
        ("POST", as_json, body({"verifiableCredential": "a string"})),
        ("POST", as_json, body({"verifiableCredential": good, "options": {"nope": 1}})),
        ("POST", as_json, body({"verifiableCredential": good, "options": {"checks": "proof"}})),
        ("POST", as_json, b"[" * 100 + b"]" * 100),
        ("POST", as_json, b" " * 2_000_000),
        ("POST", {**as_json, "authorization": "Basic abc"}, body({"verifiableCredential": good})),
        ("GET", {}, b""),
        ("PUT", as_json, body({"verifiableCredential": good})),
    ]


def _answers(url: str, requests: list[tuple[str, dict[str, str], bytes]]) -> list[Any]:
    answers = []
    with client(url) as http:
        for method, headers, content in requests:
            answer = http.request(method, "/credentials/verify", headers=headers, content=content)
            answers.append(
                (
                    answer.status_code,
                    answer.headers.get("content-type"),
                    answer.headers.get("allow"),
                    answer.json(),
                )
            )
    return answers


@pytest.fixture
def direct_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each request that reached a direct route, by method."""
    calls: list[str] = []
    real = app_module._direct_route

    def counted(handler: Any) -> Any:
        route = real(handler)

        async def app(scope: Any, receive: Any, send: Any) -> None:
            calls.append(scope["method"])
            await route(scope, receive, send)

        return app

    monkeypatch.setattr(app_module, "_direct_route", counted)
    return calls


def test_the_direct_route_answers_every_request_as_the_router_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_calls: list[str]
) -> None:
    config, key = _config(tmp_path)
    requests = _requests(key)
    with serve(config) as url:
        direct = _answers(url, requests)
    posts = [method for method, _, _ in requests if method == "POST"]
    assert direct_calls == posts  # every POST took the direct route, nothing else did

    real = app_module._routes
    monkeypatch.setattr(app_module, "_routes", lambda: (real()[0], {}))
    direct_calls.clear()
    with serve(replace(config, db=f"sqlite:///{tmp_path / 'other.db'}")) as url:
        routed = _answers(url, requests)
    assert direct_calls == []
    assert direct == routed
    statuses = [status for status, *_ in direct]
    assert statuses[:14] == [200, 200, 200, 400, 400, 415, 415, 400, 400, 400, 400, 400, 400, 413]
    assert statuses[14:] == [200, 405, 405]
    assert direct[0][3]["verified"] is True
    assert direct[2][3]["verified"] is False
    assert direct[1][3]["credential"] == json.loads(requests[1][2])["verifiableCredential"]
    assert direct[3][1] == "application/problem+json"
    assert direct[15][2] == "POST"


def _on_the_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def where_verified(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each verification the route ran: True on the event loop, False in a thread."""
    seen: list[bool] = []
    real = verify_route.verify

    def recorded(*args: Any, **kwargs: Any) -> Any:
        seen.append(_on_the_event_loop())
        return real(*args, **kwargs)

    monkeypatch.setattr(verify_route, "verify", recorded)
    return seen


def _verify(url: str, credential: dict[str, Any]) -> httpx.Response:
    with client(url) as http:
        return http.post("/credentials/verify", json={"verifiableCredential": credential})


def test_a_small_credential_is_verified_on_the_event_loop_a_large_one_in_a_thread(
    tmp_path: Path, where_verified: list[bool]
) -> None:
    config, key = _config(tmp_path)
    small = _signed(key)
    large = _signed(key, description="x" * 9000)  # over the default 8 KiB
    with serve(config) as url:
        answers = [_verify(url, small), _verify(url, large)]
    assert [answer.json()["verified"] for answer in answers] == [True, True]
    assert where_verified == [True, False]


def test_inline_verification_off_puts_every_credential_in_a_thread(
    tmp_path: Path, where_verified: list[bool]
) -> None:
    config, key = _config(tmp_path, inline_verification_bytes=0)
    with serve(config) as url:
        assert _verify(url, _signed(key)).json()["verified"] is True
    assert where_verified == [False]


def test_the_bound_is_the_request_body_size_inclusive(
    tmp_path: Path, where_verified: list[bool]
) -> None:
    config, key = _config(tmp_path)
    credential = _signed(key)
    size = len(json.dumps({"verifiableCredential": credential}).encode())
    with (
        serve(
            replace(config, limits=replace(config.limits, inline_verification_bytes=size))
        ) as url,
        client(url) as http,
    ):
        for extra in (0, 1):
            content = json.dumps({"verifiableCredential": credential}).encode() + b" " * extra
            answer = http.post(
                "/credentials/verify",
                content=content,
                headers={"content-type": "application/json"},
            )
            assert answer.json()["verified"] is True
    assert where_verified == [True, False]


def _request(*, fetcher: object = None, limit: int = 8192) -> Any:
    state = SimpleNamespace(
        fetcher=fetcher,
        config=SimpleNamespace(limits=LimitsConfig(inline_verification_bytes=limit)),
    )
    return SimpleNamespace(app=SimpleNamespace(service=state))


def _inline(credential: Any, *, ensure_ascii: bool = False, **options: Any) -> bool:
    body = json.dumps({"verifiableCredential": credential}, ensure_ascii=ensure_ascii).encode()
    return verifies_inline(_request(**options), body, credential)


ENVELOPED = {
    "@context": [V2],
    "type": "EnvelopedVerifiableCredential",
    "id": "data:application/vc+jwt,eyJhbGciOiJFZERTQSJ9.e30.c2ln",
}
ENDORSED = {"credentialSubject": {"achievement": {"endorsement": [{"credentialStatus": {}}]}}}


@pytest.mark.parametrize(
    ("credential", "ensure_ascii", "inline"),
    [
        ({"proof": {}, "name": "Ada"}, False, True),
        ({"proof": {}, "name": "Adélaïde"}, True, True),  # escapes, and nothing they spell
        ({"credentialStatus": {}}, False, False),  # read from this instance's own lists
        ({"credentialStatus": []}, False, False),
        (ENDORSED, False, False),  # an endorsement's entry is checked too
        (ENVELOPED, False, False),  # its entries are inside the token
        ({"a": [{"b": ENVELOPED}]}, False, False),
    ],
)
def test_what_may_read_the_registry_is_verified_in_a_thread(
    credential: dict[str, Any], ensure_ascii: bool, inline: bool
) -> None:
    assert _inline(credential, ensure_ascii=ensure_ascii) is inline


def test_a_mention_spelt_with_escapes_is_found() -> None:
    escaped = b'{"verifiableCredential": {"credential\\u0053tatus": {}}}'
    assert (
        verifies_inline(_request(), escaped, json.loads(escaped)["verifiableCredential"]) is False
    )
    enveloped = b'{"verifiableCredential": {"type": "\\u0045nvelopedVerifiableCredential"}}'
    credential = json.loads(enveloped)["verifiableCredential"]
    assert verifies_inline(_request(), enveloped, credential) is False
    assert verifies_inline(_request(), b'{"a": "\\u00e9"}', {"a": "\u00e9"}) is True


def test_fetching_or_a_body_over_the_bound_is_verified_in_a_thread() -> None:
    assert verifies_inline(_request(), b" " * 8192, {}) is True
    assert verifies_inline(_request(), b" " * 8193, {}) is False
    assert verifies_inline(_request(limit=0), b" ", {}) is False
    assert verifies_inline(_request(fetcher=object()), b" ", {}) is False


@pytest.mark.parametrize("value", [-1, 16 * 1024 + 1])
def test_the_inline_bound_is_checked(value: int) -> None:
    expected = r"limits\.inline_verification_bytes must be from 0 to 16384"
    with pytest.raises(ConfigError, match=expected):
        from_mapping({"limits": {"inline_verification_bytes": value}}).check()


def test_the_inline_bound_is_read_from_the_configuration_file() -> None:
    assert LimitsConfig().inline_verification_bytes == 8192
    for value in (0, 16384):
        config = from_mapping({"limits": {"inline_verification_bytes": value}})
        assert config.limits.inline_verification_bytes == value
    with pytest.raises(ConfigError, match="inline_verification_bytes"):
        from_mapping({"limits": {"inline_verification_bytes": "8k"}})


def test_under_a_root_path_the_request_goes_through_the_router(
    tmp_path: Path, direct_calls: list[str]
) -> None:
    from mcbadge.server.app import create_app
    from mcbadge.server.state import build_state

    config, key = _config(tmp_path)
    state = build_state(config)
    credential = _signed(key)

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(config, state=state), root_path="/svc")
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            body = {"verifiableCredential": credential}
            return await http.post("/svc/credentials/verify", json=body)

    try:
        answer = asyncio.run(post())
    finally:
        state.close()
    assert answer.status_code == 200
    assert answer.json()["verified"] is True
    assert direct_calls == []
