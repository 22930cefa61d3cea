"""Hostile requests against a real server on 127.0.0.1: each is a clear 4xx (or 500 for an
internal failure) with a ProblemDetails body (Imsx_StatusInfo under /ims/), no trace, no
secret, and nothing acknowledged is lost.

The body rules are exercised on the real routes (/credentials/verify, /credentials/issue)
and on a test-only echo route under /ims/ (the OB 3.0 API has its own helper)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.service_helpers import client
from tests.integration.service_testkit import (
    Provider,
    make_provider,
    problem,
    serve_with_test_routes,
)

from mcbadge.cli import main
from mcbadge.registry import AuditLog
from mcbadge.server.config import LimitsConfig
from mcbadge.server.state import status_base_url_of
from mcbadge.status import decode_bitstring, status_value_at

MAX_BODY = 4096
V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
def provider(tmp_path: Path) -> Provider:
    made = make_provider(tmp_path)
    limits = replace(LimitsConfig(), max_body_bytes=MAX_BODY, max_json_depth=16)
    made.config = replace(made.config, limits=limits)
    return made


@pytest.fixture
def service(provider: Provider, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    with serve_with_test_routes(provider.config, monkeypatch) as url, client(url) as http:
        yield http


def imsx(answer: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = answer.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert body["imsx_description"]
    assert "Traceback" not in answer.text
    return body


# -- bodies ------------------------------------------------------------------------------------


def test_an_oversized_body_with_content_length_is_413(service: httpx.Client) -> None:
    big = json.dumps({"verifiableCredential": {"x": "a" * MAX_BODY}})
    for path in ("/credentials/verify", "/_test/echo"):
        answer = service.post(path, content=big, headers={"content-type": "application/json"})
        assert answer.status_code == 413, (path, answer.text)
        assert problem(answer)["code"] == "input.too_large"
    under_ims = service.post(
        "/ims/_test/echo", content=big, headers={"content-type": "application/json"}
    )
    assert under_ims.status_code == 413
    imsx(under_ims)


def test_an_oversized_chunked_body_without_length_is_413(service: httpx.Client) -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield b'{"verifiableCredential": "'
        for _ in range(64):  # 64 KiB, far past the limit
            sent.append(1024)
            yield b"a" * 1024
        yield b'"}'

    answer = service.post(
        "/credentials/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in answer.request.headers
    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert answer.status_code == 413
    assert problem(answer)["code"] == "input.too_large"


def test_deeply_nested_json_is_400_before_it_is_parsed(service: httpx.Client) -> None:
    deep = '{"verifiableCredential": ' + "[" * 1000 + "]" * 1000 + "}"
    answer = service.post(
        "/credentials/verify", content=deep, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert problem(answer)["code"] == "input.too_deep"


def test_a_body_limit_looser_than_the_verifiers_leaves_the_verifiers_own_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator may raise the body's depth limit; the credential inside still meets the
    verifier's own (64 levels): the route hands it over to be read again, not as read."""
    made = make_provider(tmp_path)
    made.config = replace(made.config, limits=replace(LimitsConfig(), max_json_depth=200))
    nested = {"@context": [V2], "type": ["VerifiableCredential"], "x": "leaf"}
    for _ in range(100):
        nested = {"@context": [V2], "type": ["VerifiableCredential"], "x": nested}
    body = json.dumps({"verifiableCredential": nested})
    with serve_with_test_routes(made.config, monkeypatch) as url, client(url) as http:
        answer = http.post(
            "/credentials/verify", content=body, headers={"content-type": "application/json"}
        )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["verified"] is False
    input_check = next(check for check in result["checks"] if check["id"] == "input")
    assert (input_check["status"], input_check["code"]) == ("failed", "input.too_deep")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"verifiableCredential": {}}'),
        ("application/x-www-form-urlencoded", b"verifiableCredential=x"),
        ("multipart/form-data; boundary=x", b"--x--"),
        (None, b'{"verifiableCredential": {}}'),
        ("application/jsonx", b"{}"),
    ],
)
def test_a_wrong_content_type_is_415(
    service: httpx.Client, content_type: str | None, body: bytes
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    answer = service.post("/credentials/verify", content=body, headers=headers)
    assert answer.status_code == 415, answer.text
    assert problem(answer)["code"] == "input.content_type"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"verifiableCredential": "caf\xe9"}', "input.not_utf8"),
        (b'\xef\xbb\xbf{"verifiableCredential": {}}', "input.not_utf8"),
        (b'{"verifiableCredential": {}, "verifiableCredential": {}}', "input.duplicate_key"),
        (b'{"verifiableCredential": ', None),
        (b"", None),
    ],
)
def test_malformed_json_is_400(service: httpx.Client, body: bytes, code: str | None) -> None:
    answer = service.post(
        "/credentials/verify", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    found = problem(answer)["code"]
    assert found == code if code is not None else found.startswith("input.")


# -- tokens on the real issuing route ------------------------------------------------------------


def test_issuing_without_a_valid_token_is_401_and_another_issuers_token_403(
    provider: Provider, service: httpx.Client
) -> None:
    mine, other = provider.issuer_ids
    credential = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": mine,
        "credentialSubject": {"id": "did:example:teacher-7"},
    }
    body = {"credential": credential}
    assert problem(service.post("/credentials/issue", json=body))["code"] == "auth.missing_token"
    bad = {"Authorization": "Token abc"}
    assert problem(service.post("/credentials/issue", json=body, headers=bad))["code"] == (
        "auth.bad_header"
    )
    wrong = {"Authorization": f"Bearer {provider.token(other)}"}
    refused = service.post("/credentials/issue", json=body, headers=wrong)
    assert refused.status_code == 403
    assert problem(refused)["code"] == "auth.wrong_issuer"
    with provider.registry() as registry:
        assert registry.list_credentials(mine) == []


# -- internal errors and secrets -----------------------------------------------------------------


def test_an_internal_error_is_a_500_problem_without_trace_and_no_token_is_logged(
    provider: Provider,
    service: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import mcbadge.issuer.supplied as supplied

    token = provider.token(provider.issuer_ids[0])
    headers = {"Authorization": f"Bearer {token}"}

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the signer crashed: /srv/keys/issuer.json line 3")

    monkeypatch.setattr(supplied, "sign_credential", explode)
    credential = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": provider.issuer_ids[0],
        "credentialSubject": {"id": "did:example:teacher-7"},
    }
    caplog.set_level(logging.DEBUG)
    failed = service.post("/credentials/issue", json={"credential": credential}, headers=headers)
    boom = service.get("/_test/boom", headers=headers)
    for answer in (failed, boom):
        assert answer.status_code == 500
        body = problem(answer)
        assert body["code"] == "internal"
        assert "crashed" not in answer.text
        assert "private details" not in answer.text
        assert "RuntimeError" not in answer.text
        assert "File " not in answer.text
    # the failure is logged for the operator (with its trace) but the token never is
    assert any(
        "internal error on POST /credentials/issue" in r.getMessage() for r in caplog.records
    )
    logged = (
        "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
        + caplog.text
    )
    assert token not in logged
    assert token[4:] not in logged
    # nor is it in any answer, success or failure
    ok = service.post("/credentials/verify", json={"verifiableCredential": {}}, headers=headers)
    assert token not in ok.text


# -- replayed challenges ---------------------------------------------------------------------------


def test_a_challenge_replayed_concurrently_verifies_once(
    provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key
    from mcbadge.present import present

    config = replace(provider.config, invalid_status=422)
    token = provider.token(provider.issuer_ids[0])
    with serve_with_test_routes(config, monkeypatch) as url, client(url, token) as http:
        holder = generate_key("ed25519")
        credential = {
            "@context": [V2],
            "type": ["VerifiableCredential"],
            "issuer": provider.issuer_ids[0],
            "credentialSubject": {"id": did_for_key(holder)},
        }
        signed = http.post("/credentials/issue", json={"credential": credential})
        assert signed.status_code == 201, signed.text
        challenge = http.post("/challenges").json()["challenge"]
        presentation = present(
            [signed.json()["verifiableCredential"]], holder, challenge=challenge
        ).document
        body = {"verifiablePresentation": presentation, "options": {"challenge": challenge}}
        barrier = threading.Barrier(4)

        def attempt(_: int) -> httpx.Response:
            with client(url) as own:
                barrier.wait()
                return own.post("/presentations/verify", json=body)

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(attempt, range(4)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 422, 422, 422], [answer.text for answer in answers]
    for answer in answers:
        if answer.status_code == 422:
            codes = {c["id"]: c["code"] for c in answer.json()["checks"]}
            assert codes["challenge"] == "challenge.reused"
            assert answer.json()["verified"] is False


# -- concurrent revoke and publish ----------------------------------------------------------------


def _published_bits(folder: Path) -> bytes | None:
    path = folder / "revocation-1.json"
    if not path.exists():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    return bytes(decode_bitstring(document["credentialSubject"]["encodedList"]))


def test_concurrent_revocations_and_status_publish_lose_nothing(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revocations over HTTP from four clients while ``mcbadge status publish`` runs again
    and again on the same registry: every publish succeeds, no published revocation is ever
    cleared, and every acknowledged revocation is in the registry, in the audit records and
    in the list published after it."""
    issuer_id = provider.issuer_ids[0]
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"type": ["Profile"], "name": "Academy"}), encoding="utf-8")
    out = tmp_path / "published"
    token = provider.token(issuer_id)
    with serve_with_test_routes(provider.config, monkeypatch) as url:
        credentials = [provider.issue(0, f"t{n}@school.example", url) for n in range(16)]
        with provider.registry() as registry:
            indexes = {c: registry.get(c).entries["revocation"].index for c in credentials}
        publish = [
            "status", "publish", "--out", str(out), "--issuer", str(profile),
            "--key", str(provider.key_files[0]), "--db", provider.db,
            "--status-url", status_base_url_of(url, issuer_id),
        ]  # fmt: skip
        revoking = threading.Event()
        revoking.set()
        runs: list[tuple[int, bytes | None]] = []

        def publisher() -> None:
            while revoking.is_set():
                runs.append((main(publish), _published_bits(out)))

        def revoke(credential_id: str) -> int:
            with client(url, token) as http:
                answer = http.post(
                    "/credentials/status",
                    json={
                        "credentialId": credential_id,
                        "credentialStatus": {
                            "type": "BitstringStatusListEntry",
                            "statusPurpose": "revocation",
                        },
                        "status": True,
                    },
                )
                return answer.status_code

        thread = threading.Thread(target=publisher)
        thread.start()
        try:
            with ThreadPoolExecutor(4) as pool:
                acknowledged = dict(zip(credentials, pool.map(revoke, credentials), strict=True))
        finally:
            revoking.clear()
            thread.join(120)
        runs.append((main(publish), _published_bits(out)))
    assert set(acknowledged.values()) == {200}
    assert [code for code, _ in runs] == [0] * len(runs)
    # a published revocation is never cleared by a later publish
    seen: set[int] = set()
    for _, bits in runs:
        if bits is None:
            continue
        now = {i for i in indexes.values() if status_value_at(bytearray(bits), i)}
        assert seen <= now
        seen = now
    final = runs[-1][1]
    assert final is not None
    with provider.registry() as registry:
        for credential_id, index in indexes.items():
            assert registry.get(credential_id).revoked
            assert status_value_at(bytearray(final), index) == 1
        revoked = {r.target for r in AuditLog(registry).records(action="revoke")}
    assert revoked == set(credentials)
    revocations = json.loads((out / "revocations.json").read_text(encoding="utf-8"))
    assert set(credentials) <= set(json.dumps(revocations).split('"'))
