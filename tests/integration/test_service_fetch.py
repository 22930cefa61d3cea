"""``[verify] fetch``: a licensure office's service verifying another provider's credentials.

The provider is a second mcbadge service on loopback HTTPS (TLS as a front proxy would end
it, a throwaway CA), serving its did:web document and status lists; the office's service
reaches it only through the hardened fetcher, by an explicit ``resolve`` pin (the one way to
a loopback address). Without ``fetch`` the office verifies offline and the verdict is
undecided; without a pin a name that resolves to loopback is refused (no SSRF).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.service_helpers import (
    ACHIEVEMENT,
    client,
    free_port,
    key_file,
    serve,
    serve_on_port,
)

from https_fixture import HTTPSServer, Route, make_tls_material
from mcbadge.issuer import IssuedCredential, Issuer, SigningKey, did_web_for
from mcbadge.server.config import FetchConfig, IssuerConfig, LimitsConfig, ServiceConfig
from mcbadge.server.state import did_web_of, status_base_url_of

pytest_plugins = ["https_fixture"]


@dataclass
class Provider:
    """A provider's service (did:web of ``https://<host>:<port>``) and the library issuer
    that shares its registry and URLs."""

    host: str
    port: int
    ca_path: Path
    issuer: Issuer

    @property
    def pin(self) -> str:
        return f"{self.host}:{self.port}:127.0.0.1"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with provider_service(tmp_path_factory.mktemp("provider"), "issuer.test") as served:
        yield served


@contextmanager
def provider_service(folder: Path, host: str) -> Iterator[Provider]:
    tls = make_tls_material(folder, (host,))
    key, port = key_file(folder), free_port()
    config = ServiceConfig(
        port=port,
        db=f"sqlite:///{folder / 'provider.db'}",
        base_url=f"https://{host}:{port}",
        issuers=(IssuerConfig(key=str(key), did_web=True, name="Academy"),),
        allow_unauthenticated=True,
    )
    issuer_id = did_web_of(config.public_url)
    signing_key = SigningKey.load(key)
    issuer = Issuer(
        {"type": ["Profile"], "name": "Academy"},
        signing_key,
        format=signing_key.default_cryptosuite,
        registry=config.db,
        status_base_url=status_base_url_of(config.public_url, issuer_id),
        issuer_id=issuer_id,
    )
    with serve_on_port(config, tls):
        yield Provider(host, port, tls.ca_path, issuer)


def office(tmp_path: Path, fetch: FetchConfig) -> ServiceConfig:
    """A verification-only service (no issuer keys), as a licensure office runs it."""
    return ServiceConfig(port=free_port(), db=f"sqlite:///{tmp_path / 'office.db'}", fetch=fetch)


def fetching(provider: Provider, **settings: Any) -> FetchConfig:
    return FetchConfig(
        enabled=True, resolve=(provider.pin,), ca_bundle=str(provider.ca_path), **settings
    )


def verify_at(http: httpx.Client, issued: IssuedCredential) -> dict[str, Any]:
    answer = http.post("/credentials/verify", json={"verifiableCredential": issued.document})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def checks(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {check["id"]: (check["status"], check["code"]) for check in body["checks"]}


def test_the_office_fetches_the_providers_key_and_status_and_sees_a_revocation(
    tmp_path: Path, provider: Provider
) -> None:
    active = provider.issuer.issue(ACHIEVEMENT, "ada@school.test")
    revoked = provider.issuer.issue(ACHIEVEMENT, "grace@school.test")
    provider.issuer.revoke(revoked.credential_id, "issued to the wrong teacher")
    with serve(office(tmp_path, fetching(provider))) as url, client(url) as http:
        good = verify_at(http, active)
        assert good["verified"] is True, checks(good)
        assert checks(good)["key_resolution"][0] == "passed"
        assert checks(good)["status"] == ("passed", "status.ok")
        assert checks(good)["network_policy"][0] == "passed"

        bad = verify_at(http, revoked)
        assert bad["verified"] is False
        assert checks(bad)["status"] == ("failed", "status.revoked")
        assert [c["id"] for c in bad["checks"] if c["status"] == "failed"] == ["status"]

        # the clerk's page uses the same policy
        page = http.post(
            "/verify",
            files=[("documents", ("badge.json", active.to_bytes()))],
            data={"text": "", "recipient": "", "challenge": "", "domain": ""},
        )
        assert page.status_code == 200
        verdict = re.search(r'<p class="verdict [a-z]+"><strong>([A-Z ]+)</strong>', page.text)
        assert verdict is not None
        assert verdict.group(1) == "VERIFIED"
        # and the page says what the service does, so a clerk can read an undecided verdict
        form = http.get("/").text
        assert "This service fetches the issuer keys (did:web) and status lists" in form
        assert "offline" not in form


def test_offline_by_default_the_verdict_is_undecided_never_valid(
    tmp_path: Path, provider: Provider
) -> None:
    issued = provider.issuer.issue(ACHIEVEMENT, "ada@school.test")
    with serve(office(tmp_path, FetchConfig())) as url, client(url) as http:
        body = verify_at(http, issued)
        assert "Verification here is offline: the service fetches nothing" in http.get("/").text
    assert body["verified"] is False
    assert checks(body)["key_resolution"] == ("failed", "key_resolution.offline")
    assert checks(body)["signature"][0] == "skipped"  # never checked, so never "valid"


def test_a_name_that_resolves_to_loopback_is_refused_without_a_pin(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    # did:web:localhost%3A<port>: the system resolver answers 127.0.0.1, which the
    # hardened fetcher never connects to unless the operator pinned it
    with provider_service(tmp_path_factory.mktemp("local"), "localhost") as local:
        issued = local.issuer.issue(ACHIEVEMENT, "ada@school.test")
        fetch = FetchConfig(enabled=True, ca_bundle=str(local.ca_path))
        with serve(office(tmp_path, fetch)) as url, client(url) as http:
            body = verify_at(http, issued)
        assert body["verified"] is False
        assert checks(body)["network_policy"] == ("failed", "network_policy.private_address")
        assert checks(body)["key_resolution"][0] == "failed"


def test_the_fetch_bound_of_the_configuration_holds(tmp_path: Path, provider: Provider) -> None:
    # the DID document is the one document allowed; the status list would be the second
    issued = provider.issuer.issue(ACHIEVEMENT, "ada@school.test")
    config = office(tmp_path, fetching(provider, max_fetches=1))
    with serve(config) as url, client(url) as http:
        body = verify_at(http, issued)
    assert body["verified"] is False
    assert checks(body)["network_policy"] == ("failed", "network_policy.fetch_limit")
    assert checks(body)["key_resolution"][0] == "passed"
    assert checks(body)["status_retrieval"][0] == "failed"


def test_the_office_config_round_trips_to_its_workers(tmp_path: Path, provider: Provider) -> None:
    from mcbadge.server.config import from_environment, to_environment

    config = replace(office(tmp_path, fetching(provider)), workers=2)
    assert from_environment({"MCBADGE_SERVICE_CONFIG": to_environment(config)}) == config


def test_verifications_stalled_on_a_slow_provider_hold_only_their_own_threads(
    tmp_path: Path, https_server: HTTPSServer
) -> None:
    """A provider whose did.json never answers: four verifications of its credentials, at
    most two at once (``[limits] concurrent_verifications``); while they wait on it, the
    rest of the service answers, and only two requests ever reach the slow provider at a
    time."""
    https_server.routes["/.well-known/did.json"] = Route(stall=True)
    key = SigningKey.load(key_file(tmp_path))
    issuer = Issuer(
        {"type": ["Profile"], "name": "Slow Academy"},
        key,
        format=key.default_cryptosuite,
        registry=f"sqlite:///{tmp_path / 'slow.db'}",
        status_base_url=f"https://issuer.test:{https_server.port}/status/",
        issuer_id=did_web_for(f"issuer.test:{https_server.port}"),
    )
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    fetch = FetchConfig(
        enabled=True,
        timeout=3,
        resolve=(f"issuer.test:{https_server.port}:127.0.0.1",),
        ca_bundle=str(https_server.ca_path),
    )
    config = replace(office(tmp_path, fetch), limits=LimitsConfig(concurrent_verifications=2))
    with serve(config) as url, client(url) as http, ThreadPoolExecutor(4) as pool:

        def one() -> dict[str, Any]:
            with client(url) as own:  # one connection per request, as separate callers
                return verify_at(own, issued)

        futures: list[Future[dict[str, Any]]] = [pool.submit(one) for _ in range(4)]
        deadline = time.monotonic() + 60  # a bound on the wait, not a timing assertion
        while len(https_server.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # time for the other two to arrive, were they let through
        assert http.get("/healthz").status_code == 200
        assert not any(future.done() for future in futures)
        assert len(https_server.requests) == 2  # the other two wait their turn
        results = [future.result(timeout=120) for future in futures]
    assert len(https_server.requests) == 4
    for body in results:
        assert body["verified"] is False
        assert checks(body)["key_resolution"][0] == "failed"


def test_a_teachers_presentation_of_another_providers_credential(
    tmp_path: Path, provider: Provider
) -> None:
    """The office's /presentations/verify: its own challenge, the teacher's did:key, and the
    provider's credential inside, whose did:web key and status list are fetched."""
    from mcbadge.did import did_for_key
    from mcbadge.issuer.supplied import issue_credential
    from mcbadge.keys import generate_key
    from mcbadge.present import present

    teacher = generate_key("ed25519")
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": provider.issuer.issuer_id,
        "credentialSubject": {"id": did_for_key(teacher), "name": "Ada"},
    }
    issued = issue_credential(provider.issuer, unsigned)
    with serve(office(tmp_path, fetching(provider))) as url, client(url) as http:
        challenge = http.post("/challenges").json()["challenge"]
        presentation = present([issued.document], teacher, challenge=challenge).document
        answer = http.post(
            "/presentations/verify",
            json={"verifiablePresentation": presentation, "options": {"challenge": challenge}},
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verified"] is True, [c for c in body["checks"] if c["status"] == "failed"]
        (inner,) = body["results"]["credentials"]
        assert inner["verified"] is True
        replay = http.post(
            "/presentations/verify",
            json={"verifiablePresentation": presentation, "options": {"challenge": challenge}},
        )
        assert replay.json()["verified"] is False
        assert checks(replay.json())["challenge"] == ("failed", "challenge.reused")
