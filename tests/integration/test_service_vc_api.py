"""The W3C VC API routes of ``mcbadge serve`` on a real port, through a real HTTP client:
issue, verify, status (and every error status), for a did:key Ed25519 and a P-256 issuer."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.service_helpers import client, serve

from mcbadge.keys import generate_key, save_key
from mcbadge.server.config import IssuerConfig, ServiceConfig
from mcbadge.server.state import did_web_of

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"


@dataclass
class Service:
    url: str
    http: httpx.Client
    ed25519: str
    p256: str


def _config(tmp_path: Path, db: str | None = None, **changes: Any) -> ServiceConfig:
    for name, kind in (("ed.json", "ed25519"), ("p256.json", "p256")):
        if not (tmp_path / name).exists():
            save_key(generate_key(kind), tmp_path / name)
    config = ServiceConfig(
        db=db or f"sqlite:///{tmp_path / 'service.db'}",
        issuers=(
            IssuerConfig(key=str(tmp_path / "ed.json")),
            IssuerConfig(key=str(tmp_path / "p256.json")),
        ),
        allow_unauthenticated=True,
    )
    return replace(config, **changes)


def _did_key(path: Path) -> str:
    from mcbadge.issuer import SigningKey

    return SigningKey.load(path).did_key


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with serve(_config(tmp_path)) as url, client(url) as http:
        yield Service(url, http, _did_key(tmp_path / "ed.json"), _did_key(tmp_path / "p256.json"))


def plain_credential(issuer: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:teacher-7", "name": "Ada"},
        **extra,
    }


def issue(http: httpx.Client, credential: dict[str, Any], **options: Any) -> httpx.Response:
    body: dict[str, Any] = {"credential": credential}
    if options:
        body["options"] = options
    return http.post("/credentials/issue", json=body)


def verify(http: httpx.Client, credential: Any) -> httpx.Response:
    return http.post("/credentials/verify", json={"verifiableCredential": credential})


def _failed(answer: httpx.Response) -> dict[str, str]:
    return {c["id"]: c["code"] for c in answer.json()["checks"] if c["status"] == "failed"}


# -- issue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["ed25519", "p256"])
def test_issue_signs_a_plain_vc_with_status_and_it_verifies(service: Service, which: str) -> None:
    issuer = getattr(service, which)
    answer = issue(service.http, plain_credential(issuer))
    assert answer.status_code == 201, answer.text
    signed = answer.json()["verifiableCredential"]
    suite = "eddsa-rdfc-2022" if which == "ed25519" else "ecdsa-rdfc-2019"
    proof = signed["proof"][0] if isinstance(signed["proof"], list) else signed["proof"]
    assert proof["cryptosuite"] == suite
    assert proof["verificationMethod"].startswith(issuer + "#")
    assert signed["id"].startswith("urn:uuid:")
    status = signed["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListCredential"].startswith(service.url + "/status/")
    checked = verify(service.http, signed)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["verified"] is True, _failed(checked)
    assert body["errors"] == []
    assert body["problemDetails"] == []
    assert body["results"]["credentialStatus"][0]["verified"] is True
    assert body["results"]["proof"][0]["verified"] is True
    statuses = {c["id"]: c["status"] for c in body["checks"]}
    assert statuses["signature"] == "passed"
    assert statuses["status"] == "passed"


def test_issue_keeps_the_callers_id_and_a_vcdm_1_credential(service: Service) -> None:
    credential = {
        "@context": [V1],
        "id": "https://provider.example/credentials/42",
        "type": ["VerifiableCredential"],
        "issuer": {"id": service.ed25519, "name": "Provider"},
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:teacher-7"},
    }
    # VCDM 1.1's context does not define an issuer's name: a signature would not cover it
    _problem(issue(service.http, credential), 400, "data_loss.undefined_term")
    del credential["issuer"]["name"]
    answer = issue(service.http, credential)
    assert answer.status_code == 201, answer.text
    signed = answer.json()["verifiableCredential"]
    assert signed["id"] == "https://provider.example/credentials/42"
    assert "https://www.w3.org/ns/credentials/status/v1" in signed["@context"]
    assert verify(service.http, signed).json()["verified"] is True


def test_issuing_the_same_id_again_is_idempotent_and_another_credential_conflicts(
    service: Service,
) -> None:
    credential = plain_credential(service.ed25519, id="urn:example:award-1")
    first = issue(service.http, credential)
    again = issue(service.http, credential)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = issue(service.http, {**credential, "credentialSubject": {"id": "did:example:x"}})
    assert other.status_code == 409
    assert other.json()["code"] == "issue.duplicate_id"


def test_credential_status_option_picks_the_purposes(service: Service) -> None:
    answer = issue(
        service.http,
        plain_credential(service.p256),
        credentialStatus=[
            {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
        ],
    )
    assert answer.status_code == 201, answer.text
    entries = answer.json()["verifiableCredential"]["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]


def _problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["code"] == code
    assert body["status"] == status
    assert "Traceback" not in answer.text
    return body


def test_issue_errors(service: Service) -> None:
    http = service.http
    malformed = http.post(
        "/credentials/issue",
        content=b'{"credential": ',
        headers={"content-type": "application/json"},
    )
    _problem(malformed, 400, "input.malformed")
    _problem(
        http.post("/credentials/issue", content=b"{}", headers={"content-type": "text/plain"}),
        415,
        "input.content_type",
    )
    _problem(http.post("/credentials/issue", json={}), 400, "input.missing_field")
    _problem(http.post("/credentials/issue", json=[1]), 400, "input.not_object")
    _problem(
        issue(http, plain_credential("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")),
        400,
        "issue.unknown_issuer",
    )
    no_issuer = plain_credential(service.ed25519)
    del no_issuer["issuer"]
    _problem(issue(http, no_issuer), 400, "issue.no_issuer")
    _problem(
        issue(http, plain_credential(service.ed25519), bogus=True), 400, "input.unknown_option"
    )
    _problem(
        issue(http, plain_credential(service.ed25519), credentialStatus={"type": "X"}),
        400,
        "input.bad_status_option",
    )
    signed = issue(http, plain_credential(service.ed25519)).json()["verifiableCredential"]
    _problem(issue(http, signed), 400, "issue.has_proof")
    # The verifier's own data model check refuses, with its check code.
    no_subject = plain_credential(service.ed25519)
    del no_subject["credentialSubject"]
    body = _problem(issue(http, no_subject), 400, "data_model.invalid")
    assert "credentialSubject" in body["detail"]
    # An OpenBadgeCredential gets the full Open Badges checks (no achievement here).
    ob = plain_credential(service.ed25519)
    ob["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
    ob["@context"] = [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    ob["validFrom"] = "2024-01-01T00:00:00Z"
    assert issue(http, ob).status_code == 400


def test_issue_without_a_token_is_401(tmp_path: Path) -> None:
    with serve(_config(tmp_path, allow_unauthenticated=False)) as url, client(url) as http:
        answer = issue(http, plain_credential(_did_key(tmp_path / "ed.json")))
        _problem(answer, 401, "auth.missing_token")
        status = http.post(
            "/credentials/status",
            json={
                "credentialId": "urn:uuid:1",
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": True,
            },
        )
        _problem(status, 401, "auth.missing_token")
        # verification is public
        assert verify(http, plain_credential("did:example:x")).status_code == 200


# -- verify -----------------------------------------------------------------------------------


def test_tampered_credential_does_not_verify(service: Service) -> None:
    signed = issue(service.http, plain_credential(service.ed25519)).json()["verifiableCredential"]
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = "Mallory"
    answer = verify(service.http, tampered)
    assert answer.status_code == 200
    assert answer.json()["verified"] is False
    assert _failed(answer)["signature"].startswith("signature.")
    assert answer.json()["results"]["proof"][0]["verified"] is False
    assert any(p["check"] == "signature" for p in answer.json()["errors"])


@pytest.mark.parametrize("invalid_status", [200, 400, 422])
def test_invalid_credential_status_code_follows_the_configuration(
    tmp_path: Path, invalid_status: int
) -> None:
    config = _config(tmp_path, invalid_status=invalid_status)
    with serve(config) as url, client(url) as http:
        issuer = _did_key(tmp_path / "ed.json")
        signed = issue(http, plain_credential(issuer)).json()["verifiableCredential"]
        assert verify(http, signed).status_code == 200
        unsigned = plain_credential(issuer)
        answer = verify(http, unsigned)
        assert answer.status_code == invalid_status
        assert answer.json()["verified"] is False
        assert "proof" in _failed(answer)


def test_verify_request_errors(service: Service) -> None:
    http = service.http
    _problem(http.post("/credentials/verify", json={}), 400, "input.missing_field")
    _problem(
        http.post("/credentials/verify", json={"verifiableCredential": "eyJ"}),
        400,
        "input.not_object",
    )
    _problem(
        http.post(
            "/credentials/verify",
            json={"verifiableCredential": {}, "options": {"nope": 1}},
        ),
        400,
        "input.unknown_option",
    )
    _problem(
        http.post(
            "/credentials/verify", content=b"{", headers={"content-type": "application/json"}
        ),
        400,
        "input.malformed",
    )
    _problem(
        http.post("/credentials/verify", content=b"{}", headers={"content-type": "text/plain"}),
        415,
        "input.content_type",
    )


def test_verify_returns_the_credential_when_asked(service: Service) -> None:
    signed = issue(service.http, plain_credential(service.p256)).json()["verifiableCredential"]
    answer = service.http.post(
        "/credentials/verify",
        json={
            "verifiableCredential": signed,
            "options": {"returnCredential": True, "checks": ["proof"]},
        },
    )
    assert answer.json()["verified"] is True
    assert answer.json()["credential"] == signed


# -- status -----------------------------------------------------------------------------------


def status_change(credential_id: str, purpose: str, status: bool, **entry: Any) -> dict[str, Any]:
    return {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose, **entry},
        "status": status,
    }


def test_issue_revoke_verify_shows_revoked(service: Service) -> None:
    http = service.http
    signed = issue(http, plain_credential(service.ed25519)).json()["verifiableCredential"]
    assert verify(http, signed).json()["verified"] is True
    entry = signed["credentialStatus"]
    answer = http.post(
        "/credentials/status",
        json=status_change(
            signed["id"],
            "revocation",
            True,
            statusListIndex=entry["statusListIndex"],
            statusListCredential=entry["statusListCredential"],
        ),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["revoked"] is True
    after = verify(http, signed)
    assert after.json()["verified"] is False
    assert _failed(after)["status"] == "status.revoked"
    assert after.json()["results"]["credentialStatus"][0]["verified"] is False
    # a revocation is permanent
    _problem(
        http.post("/credentials/status", json=status_change(signed["id"], "revocation", False)),
        409,
        "status.permanent",
    )


def test_suspend_and_unsuspend_by_the_callers_credential_id(service: Service) -> None:
    http = service.http
    credential = plain_credential(service.p256)
    answer = issue(
        http,
        credential,
        credentialId="urn:example:award-9",
        credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
    )
    signed = answer.json()["verifiableCredential"]
    suspend = http.post(
        "/credentials/status", json=status_change("urn:example:award-9", "suspension", True)
    )
    assert suspend.status_code == 200, suspend.text
    assert _failed(verify(http, signed))["status"] == "status.suspended"
    lift = http.post(
        "/credentials/status", json=status_change("urn:example:award-9", "suspension", False)
    )
    assert lift.status_code == 200
    assert lift.json()["suspended"] is False
    assert verify(http, signed).json()["verified"] is True


def test_status_errors(service: Service) -> None:
    http = service.http
    signed = issue(http, plain_credential(service.ed25519)).json()["verifiableCredential"]
    _problem(
        http.post("/credentials/status", json=status_change("urn:uuid:nobody", "revocation", True)),
        404,
        "status.unknown_credential",
    )
    # issued with a revocation entry only: it cannot be suspended
    _problem(
        http.post("/credentials/status", json=status_change(signed["id"], "suspension", True)),
        409,
        "registry.no_suspension_entry",
    )
    other_index = str(int(signed["credentialStatus"]["statusListIndex"]) + 1)
    _problem(
        http.post(
            "/credentials/status",
            json=status_change(signed["id"], "revocation", True, statusListIndex=other_index),
        ),
        400,
        "status.wrong_entry",
    )
    _problem(
        http.post("/credentials/status", json={"credentialId": signed["id"]}),
        400,
        "input.missing_field",
    )
    _problem(
        http.post(
            "/credentials/status", json={**status_change(signed["id"], "revocation", True), "x": 1}
        ),
        400,
        "input.unknown_field",
    )
    _problem(
        http.post("/credentials/status", content=b"{}", headers={"content-type": "text/xml"}),
        415,
        "input.content_type",
    )
    _problem(
        http.post("/credentials/status", json=status_change(signed["id"], "message", True)),
        400,
        "input.bad_status_purpose",
    )
    _problem(
        http.post(
            "/credentials/status", content=b"[", headers={"content-type": "application/json"}
        ),
        400,
        "input.malformed",
    )


def test_did_web_issuer_of_the_instance_issues_and_verifies(tmp_path: Path) -> None:
    save_key(generate_key("ed25519"), tmp_path / "web.json")
    config = _config(tmp_path)
    config = replace(
        config,
        issuers=(*config.issuers, IssuerConfig(key=str(tmp_path / "web.json"), did_web=True)),
    )
    with serve(config) as url, client(url) as http:
        did = did_web_of(url)
        signed = issue(http, plain_credential(did)).json()["verifiableCredential"]
        assert signed["credentialStatus"]["statusListCredential"].startswith(f"{url}/status/")
        answer = verify(http, signed)
        assert answer.json()["verified"] is True, _failed(answer)


# -- challenges and presentations -----------------------------------------------------------


def _challenge(http: httpx.Client) -> str:
    answer = http.post("/challenges")
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"challenge"}
    value: str = answer.json()["challenge"]
    return value


def _presentation(service: Service, challenge: str, domain: str | None = None) -> dict[str, Any]:
    from mcbadge.did import did_for_key
    from mcbadge.present import present

    holder = generate_key("ed25519")
    credential = plain_credential(service.ed25519)
    credential["credentialSubject"] = {"id": did_for_key(holder)}
    signed = issue(service.http, credential).json()["verifiableCredential"]
    return present([signed], holder, challenge=challenge, domain=domain).document


def verify_vp(http: httpx.Client, presentation: Any, **options: Any) -> httpx.Response:
    return http.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": options},
    )


def test_challenges_are_fresh_and_take_no_options(service: Service) -> None:
    http = service.http
    first, second = _challenge(http), _challenge(http)
    assert first != second
    assert http.post("/challenges", json={}).status_code == 200
    _problem(http.post("/challenges", json={"ttl": 5}), 400, "input.not_empty")
    _problem(
        http.post("/challenges", content=b"x", headers={"content-type": "text/plain"}),
        415,
        "input.content_type",
    )


def test_presentation_with_an_issued_challenge_verifies_once(service: Service) -> None:
    http = service.http
    challenge = _challenge(http)
    presentation = _presentation(service, challenge, domain="office.example")
    answer = verify_vp(
        http, presentation, challenge=challenge, domain="office.example", returnPresentation=True
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verified"] is True, body["errors"]
    results = body["results"]
    assert results["presentation"]["challenge"] == {"verified": True, "input": challenge}
    assert results["presentation"]["domain"]["verified"] is True
    assert results["presentation"]["holder"]["verified"] is True
    assert results["presentation"]["proof"][0]["verified"] is True
    assert [c["verified"] for c in results["credentials"]] == [True]
    assert body["verifiablePresentation"] == presentation
    # the same presentation again is a replay: its challenge was used
    replay = verify_vp(http, presentation, challenge=challenge, domain="office.example")
    assert replay.json()["verified"] is False
    assert {c["id"]: c["code"] for c in replay.json()["checks"]}["challenge"] == "challenge.reused"
    assert replay.json()["results"]["presentation"]["challenge"]["verified"] is False


@pytest.mark.parametrize("invalid_status", [200, 422])
def test_a_challenge_not_issued_here_does_not_verify(tmp_path: Path, invalid_status: int) -> None:
    with (
        serve(_config(tmp_path, invalid_status=invalid_status)) as url,
        client(url) as http,
    ):
        service = Service(
            url, http, _did_key(tmp_path / "ed.json"), _did_key(tmp_path / "p256.json")
        )
        presentation = _presentation(service, "made-up-by-the-holder")
        answer = verify_vp(http, presentation, challenge="made-up-by-the-holder")
        assert answer.status_code == invalid_status
        codes = {c["id"]: c["code"] for c in answer.json()["checks"]}
        assert codes["challenge"] == "challenge.unknown"
        missing = verify_vp(http, presentation)
        assert missing.status_code == invalid_status
        codes = {c["id"]: c["code"] for c in missing.json()["checks"]}
        assert codes["challenge"] == "challenge.not_given"


def test_tampered_presentation_and_wrong_challenge(service: Service) -> None:
    http = service.http
    challenge = _challenge(http)
    presentation = _presentation(service, challenge)
    other = _challenge(http)
    mismatch = verify_vp(http, presentation, challenge=other)
    codes = {c["id"]: c["code"] for c in mismatch.json()["checks"]}
    assert codes["challenge"] == "challenge.mismatch"
    tampered = copy.deepcopy(presentation)
    tampered["holder"] = "did:example:mallory"
    answer = verify_vp(http, tampered, challenge=challenge)
    assert answer.json()["verified"] is False
    assert any(p["check"] in ("signature", "holder_binding") for p in answer.json()["errors"])
    # the failed proof did not use up the challenge
    good = verify_vp(http, presentation, challenge=challenge)
    assert good.json()["verified"] is True, good.json()["errors"]


def test_presentation_request_errors(service: Service) -> None:
    http = service.http
    _problem(http.post("/presentations/verify", json={}), 400, "input.missing_field")
    _problem(
        http.post(
            "/presentations/verify", json={"presentation": {"type": "VerifiablePresentation"}}
        ),
        400,
        "input.unsigned_presentation",
    )
    _problem(
        http.post("/presentations/verify", json={"verifiablePresentation": "x"}),
        400,
        "input.not_object",
    )
    _problem(
        verify_vp(http, {}, challenge=5),
        400,
        "input.bad_option",
    )
    _problem(verify_vp(http, {}, holderBinding="off"), 400, "input.bad_option")
    _problem(
        http.post("/presentations/verify", content=b"{}", headers={"content-type": "text/plain"}),
        415,
        "input.content_type",
    )


@pytest.mark.postgres
def test_issue_revoke_verify_on_postgresql(tmp_path: Path) -> None:
    from pg_fixture import pg_url_or_skip

    # Fresh keys per run: their did:key (and so their status lists) are new in a shared database.
    with serve(_config(tmp_path, db=pg_url_or_skip())) as url, client(url) as http:
        for key_file in ("ed.json", "p256.json"):
            signed = issue(http, plain_credential(_did_key(tmp_path / key_file))).json()[
                "verifiableCredential"
            ]
            assert verify(http, signed).json()["verified"] is True
            revoke = http.post(
                "/credentials/status", json=status_change(signed["id"], "revocation", True)
            )
            assert revoke.status_code == 200, revoke.text
            after = verify(http, signed)
            assert _failed(after)["status"] == "status.revoked"


def test_tokens_are_scoped_to_their_issuers(tmp_path: Path) -> None:
    from mcbadge.registry import Registry
    from mcbadge.registry.access import AccessTokenStore

    config = _config(tmp_path, allow_unauthenticated=False)
    ed, p256 = _did_key(tmp_path / "ed.json"), _did_key(tmp_path / "p256.json")
    with Registry.open(config.db) as registry:
        tokens = AccessTokenStore(registry)
        ed_token = tokens.issue("ed-provider", issuer_ids=[ed]).value
        p256_token = tokens.issue("p256-provider", issuer_ids=[p256]).value
    with serve(config) as url, client(url, ed_token) as as_ed, client(url, p256_token) as as_p:
        assert issue(as_ed, plain_credential(ed)).status_code == 201
        _problem(issue(as_ed, plain_credential(p256)), 403, "auth.wrong_issuer")
        theirs = issue(as_p, plain_credential(p256)).json()["verifiableCredential"]
        change = status_change(theirs["id"], "revocation", True)
        _problem(as_ed.post("/credentials/status", json=change), 403, "auth.wrong_issuer")
        assert as_p.post("/credentials/status", json=change).status_code == 200
        with client(url, "not-a-token") as stranger:
            _problem(issue(stranger, plain_credential(ed)), 401, "auth.unknown_token")


def test_a_vc_jwt_issuer_answers_an_enveloped_credential(tmp_path: Path) -> None:
    save_key(generate_key("p256"), tmp_path / "jose.json")
    config = _config(tmp_path)
    config = replace(
        config,
        issuers=(*config.issuers, IssuerConfig(key=str(tmp_path / "jose.json"), format="vc+jwt")),
    )
    with serve(config) as url, client(url) as http:
        issuer = _did_key(tmp_path / "jose.json")
        answer = issue(http, plain_credential(issuer))
        assert answer.status_code == 201, answer.text
        enveloped = answer.json()["verifiableCredential"]
        assert enveloped["type"] == "EnvelopedVerifiableCredential"
        assert enveloped["id"].startswith("data:application/vc+jwt,ey")
        checked = verify(http, enveloped)
        assert checked.json()["verified"] is True, _failed(checked)
        statuses = {c["id"]: c["status"] for c in checked.json()["checks"]}
        assert statuses["jwt"] == "passed"
        # results describe the credential inside the envelope
        (status_result,) = checked.json()["results"]["credentialStatus"]
        assert status_result["input"]["type"] == "BitstringStatusListEntry"
        assert status_result["verified"] is True
        assert statuses["status"] == "passed"


def test_oversized_and_deeply_nested_bodies_are_refused_before_parsing(service: Service) -> None:
    http = service.http
    huge = b'{"credential": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    for path in (
        "/credentials/issue",
        "/credentials/verify",
        "/presentations/verify",
        "/credentials/status",
        "/challenges",
    ):
        answer = http.post(path, content=huge, headers={"content-type": "application/json"})
        _problem(answer, 413, "input.too_large")
    deep = b'{"verifiableCredential": ' + b"[" * 200 + b"]" * 200 + b"}"
    answer = http.post(
        "/credentials/verify", content=deep, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "input.too_deep"


def test_concurrent_issues_get_distinct_status_indexes(service: Service) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(number: int) -> tuple[str, str]:
        with client(service.url) as http:
            issuer = service.ed25519 if number % 2 else service.p256
            answer = issue(http, plain_credential(issuer))
            assert answer.status_code == 201, answer.text
            entry = answer.json()["verifiableCredential"]["credentialStatus"]
            return entry["statusListCredential"], entry["statusListIndex"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        slots = list(pool.map(one, range(24)))
    assert len(set(slots)) == 24


def test_a_status_change_survives_a_restart(tmp_path: Path) -> None:
    from tests.integration.service_helpers import free_port, serve_on_port

    # The same port (and so the same list URLs) after the restart, on the same SQLite file.
    config = _config(tmp_path, port=free_port())
    issuer = _did_key(tmp_path / "ed.json")
    with serve_on_port(config) as url, client(url) as http:
        signed = issue(http, plain_credential(issuer)).json()["verifiableCredential"]
        change = status_change(signed["id"], "revocation", True)
        assert http.post("/credentials/status", json=change).status_code == 200
    with serve_on_port(config) as url, client(url) as http:
        after = verify(http, signed)
        assert _failed(after)["status"] == "status.revoked"


def test_an_enveloped_vp_jwt_reports_the_credentials_inside_its_token(service: Service) -> None:
    from mcbadge.did import did_for_key
    from mcbadge.present import present

    http = service.http
    challenge = _challenge(http)
    holder = generate_key("p256")
    credential = plain_credential(service.ed25519)
    credential["credentialSubject"] = {"id": did_for_key(holder)}
    signed = issue(http, credential).json()["verifiableCredential"]
    token = present(
        [signed], holder, challenge=challenge, domain="office.example", format="vp+jwt"
    ).jwt
    assert token is not None
    enveloped = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": f"data:application/vp+jwt,{token}",
        "type": "EnvelopedVerifiablePresentation",
    }
    answer = verify_vp(http, enveloped, challenge=challenge, domain="office.example")
    body = answer.json()
    assert body["verified"] is True, body["errors"]
    assert len(body["results"]["credentials"]) == 1
    assert body["results"]["credentials"][0]["verified"] is True
    assert "credential" not in body["results"]["credentials"][0]
