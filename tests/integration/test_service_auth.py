"""Who may call the service, against a real server on 127.0.0.1: bearer tokens from the
registry scoped per issuer (401 without a valid one, 403 for another issuer), the caller
named in the audit record of each change, and the per-client rate limit counted in the
registry (429 with Retry-After; shared by every server on one database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.integration.service_helpers import client
from tests.integration.service_testkit import (
    make_provider,
    problem,
    serve_with_test_routes,
)

import mcbadge.server.ratelimit as ratelimit
from mcbadge.registry import AccessTokenStore, AuditLog, Registry

FIXED = 1_800_000_015.0  # 15 s into a window


def test_a_token_acts_for_its_issuers_only_and_each_change_is_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider(tmp_path)
    mine, other = provider.issuer_ids
    token = provider.token(mine)
    with serve_with_test_routes(provider.config, monkeypatch) as url, client(url, token) as http:
        credential = provider.issue(0, "a@school.example", url)
        theirs = provider.issue(1, "b@school.example", url)
        done = http.post(
            "/_test/status",
            json={"issuer": mine, "credentialId": credential, "reason": "withdrawn"},
        )
        assert done.status_code == 200, done.text
        assert done.json() == {"credentialId": credential, "revoked": True}
        refused = http.post("/_test/status", json={"issuer": other, "credentialId": theirs})
        assert refused.status_code == 403
        assert problem(refused)["code"] == "auth.wrong_issuer"
        # naming its own issuer does not reach another issuer's credential either
        hidden = http.post("/_test/status", json={"issuer": mine, "credentialId": theirs})
        assert hidden.status_code == 404
        assert problem(hidden)["code"] == "registry.unknown_credential"
    with Registry.open(provider.db) as registry:
        assert registry.get(credential).revoked
        assert not registry.get(theirs).revoked
        grant = AccessTokenStore(registry).lookup(token)
        assert grant is not None
        records = AuditLog(registry).records()
    assert [(r.action, r.target, r.outcome, r.client, r.token_id) for r in records] == [
        ("revoke", credential, "ok", "badge-platform", grant.token_id),
        ("revoke", theirs, "registry.unknown_credential", "badge-platform", grant.token_id),
    ]
    assert all(token not in repr(record) for record in records)


def test_issue_and_revoke_over_the_vc_api_leave_audit_records_naming_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider(tmp_path)
    mine, other = provider.issuer_ids
    token = provider.token(mine, client="district-lms")
    with serve_with_test_routes(provider.config, monkeypatch) as url, client(url, token) as http:
        credential = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": mine,
            "credentialSubject": {"id": "did:example:teacher-7"},
        }
        issued = http.post("/credentials/issue", json={"credential": credential})
        assert issued.status_code == 201, issued.text
        credential_id = issued.json()["verifiableCredential"]["id"]
        change = {
            "credentialId": credential_id,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        }
        assert http.post("/credentials/status", json=change).status_code == 200
        assert http.post("/credentials/status", json=change).status_code == 200  # a repeat
        lift = {**change, "status": False}
        assert http.post("/credentials/status", json=lift).status_code == 409
        unknown = {**change, "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000"}
        missing = http.post("/credentials/status", json=unknown)
        assert missing.status_code == 404
        assert problem(missing)["code"] == "status.unknown_credential"
        theirs = provider.issue(1, "b@school.example", url)
        denied = http.post("/credentials/status", json={**change, "credentialId": theirs})
        assert denied.status_code == 403
        assert problem(denied)["code"] == "auth.wrong_issuer"
        other_issue = http.post(
            "/credentials/issue", json={"credential": {**credential, "issuer": other}}
        )
        assert other_issue.status_code == 403
    with provider.registry() as registry:
        grant = AccessTokenStore(registry).lookup(token)
        assert grant is not None
        assert registry.get(credential_id).revoked
        assert not registry.get(theirs).revoked
        records = AuditLog(registry).records(client="district-lms")
    assert [(r.action, r.target, r.outcome, r.issuer_id) for r in records] == [
        ("issue", credential_id, "ok", mine),
        ("revoke", credential_id, "ok", mine),
        ("revoke", credential_id, "unchanged", mine),
        ("unrevoke", credential_id, "status.permanent", mine),
        # a client trying an issuer not its own is recorded too
        ("revoke", theirs, "auth.wrong_issuer", other),
        ("issue", None, "auth.wrong_issuer", other),
    ]
    assert {r.token_id for r in records} == {grant.token_id}


def test_tokens_that_are_not_valid_here_are_401(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider(tmp_path)
    issuer = provider.issuer_ids[0]
    long_ago = datetime.now(UTC) - timedelta(days=2)
    expired = provider.token(issuer, ttl=timedelta(hours=1), now=long_ago)
    revoked = provider.token(issuer)
    with provider.registry() as registry:
        store = AccessTokenStore(registry)
        grant = store.lookup(revoked)
        assert grant is not None
        store.revoke(grant.token_id)
    body = {"issuer": issuer, "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    cases = {
        None: "auth.missing_token",
        "Basic dXNlcjpwYXNz": "auth.bad_header",
        "Bearer": "auth.bad_header",
        "Bearer    x y": "auth.unknown_token",
        "mcb_abc": "auth.bad_header",
        "Bearer mcb_unknown": "auth.unknown_token",
        f"Bearer {expired}": "auth.unknown_token",
        f"Bearer {revoked}": "auth.unknown_token",
        f"Bearer {revoked[:-1]}": "auth.unknown_token",
        "Bearer " + "x" * 5000: "auth.bad_header",
    }
    with serve_with_test_routes(provider.config, monkeypatch) as url, client(url) as http:
        for header, code in cases.items():
            headers = {} if header is None else {"Authorization": header}
            answer = http.post("/_test/status", json=body, headers=headers)
            assert answer.status_code == 401, (header, answer.text)
            assert answer.headers["www-authenticate"].startswith("Bearer")
            assert problem(answer)["code"] == code, header
            for secret in (expired, revoked):
                assert secret not in answer.text
    with provider.registry() as registry:
        assert AuditLog(registry).records(action="revoke") == []


def test_rate_limit_is_per_token_shared_across_servers_and_says_when_to_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "clock", lambda: FIXED)
    provider = make_provider(tmp_path, requests_per_minute=3)
    first, second = provider.token(provider.issuer_ids[0]), provider.token(provider.issuer_ids[0])
    with (
        serve_with_test_routes(provider.config, monkeypatch) as url_a,
        serve_with_test_routes(provider.config, monkeypatch) as url_b,
        client(url_a, first) as a,
        client(url_b, first) as b,
        client(url_a, second) as a2,
    ):
        assert [a.get("/healthz").status_code for _ in range(2)] == [200, 200]
        assert b.get("/healthz").status_code == 200
        limited = b.get("/healthz")  # the same token's 4th request, on the other server
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "45"
        body = problem(limited)
        assert body["code"] == "rate.limited"
        assert "3 a minute" in body["detail"]
        assert a.get("/healthz").status_code == 429
        # another token from the same address has its own budget
        assert a2.get("/healthz").status_code == 200
        # under /ims/ the refusal is an Imsx_StatusInfo
        ims = a.post("/ims/_test/echo", json={})
        assert ims.status_code == 429
        assert ims.json()["imsx_codeMajor"] == "failure"
        minor = ims.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]
        assert minor["imsx_codeMinorFieldValue"] == "server_busy"
        # the next window starts afresh
        monkeypatch.setattr(ratelimit, "clock", lambda: FIXED + 60)
        assert a.get("/healthz").status_code == 200


def test_public_requests_are_counted_per_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a valid token a client is its address (behind the proxy: X-Forwarded-For,
    trusted from 127.0.0.1, as uvicorn does by default); a wrong token does not buy a new
    budget."""
    monkeypatch.setattr(ratelimit, "clock", lambda: FIXED)
    provider = make_provider(tmp_path, requests_per_minute=2)
    with serve_with_test_routes(provider.config, monkeypatch) as url, client(url) as http:
        one = {"X-Forwarded-For": "192.0.2.10"}
        other = {"X-Forwarded-For": "192.0.2.11"}
        assert http.get("/healthz", headers=one).status_code == 200
        bogus = {**one, "Authorization": "Bearer mcb_guess"}
        assert http.get("/healthz", headers=bogus).status_code == 200
        assert http.get("/healthz", headers=one).status_code == 429
        assert http.get("/healthz", headers=other).status_code == 200


def test_every_request_counts_a_path_that_does_not_exist_and_a_wrong_method_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit sits in front of the app, not on its routes: a client probing for paths
    spends its budget like any other, and a refused probe gets a 429, not the 404."""
    monkeypatch.setattr(ratelimit, "clock", lambda: FIXED)
    provider = make_provider(tmp_path, requests_per_minute=3)
    with serve_with_test_routes(provider.config, monkeypatch) as url, client(url) as http:
        assert http.get("/no/such/path").status_code == 404
        assert http.get("/credentials/verify").status_code == 405
        assert http.get("/healthz").status_code == 200
        probe = http.get("/no/such/path")
        assert probe.status_code == 429
        assert problem(probe)["code"] == "rate.limited"
        assert probe.headers["retry-after"] == "45"
        assert http.get("/healthz").status_code == 429


def test_a_limit_of_zero_counts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = make_provider(tmp_path, requests_per_minute=0)
    with serve_with_test_routes(provider.config, monkeypatch) as url, client(url) as http:
        assert {http.get("/healthz").status_code for _ in range(30)} == {200}
    with provider.registry() as registry:
        counted = registry._read(
            "count",
            lambda conn: conn.exec_driver_sql("SELECT count(*) FROM rate_counters").scalar(),
        )
    assert counted == 0


@pytest.mark.postgres
def test_on_postgresql_two_servers_share_the_limit_and_changes_are_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pg_fixture import pg_url_or_skip

    monkeypatch.setattr(ratelimit, "clock", lambda: FIXED)
    provider = make_provider(tmp_path, requests_per_minute=4)
    provider.db = pg_url_or_skip()
    provider.config = replace(provider.config, db=provider.db)
    mine = provider.issuer_ids[0]
    token = provider.token(mine, client="pg-platform")
    with (
        serve_with_test_routes(provider.config, monkeypatch) as url_a,
        serve_with_test_routes(provider.config, monkeypatch) as url_b,
        client(url_a, token) as a,
        client(url_b, token) as b,
    ):
        credential = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": mine,
            "credentialSubject": {"id": "did:example:teacher-7"},
        }
        issued = a.post("/credentials/issue", json={"credential": credential})
        assert issued.status_code == 201, issued.text
        credential_id = issued.json()["verifiableCredential"]["id"]
        change = {
            "credentialId": credential_id,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        }
        assert b.post("/credentials/status", json=change).status_code == 200
        assert a.get("/healthz").status_code == 200
        assert b.get("/healthz").status_code == 200
        limited = a.get("/healthz")
        assert limited.status_code == 429
        assert problem(limited)["code"] == "rate.limited"
    with provider.registry() as registry:
        assert registry.get(credential_id).revoked
        records = AuditLog(registry).records(target=credential_id)
    assert [(r.action, r.outcome, r.client) for r in records] == [
        ("issue", "ok", "pg-platform"),
        ("revoke", "ok", "pg-platform"),
    ]
