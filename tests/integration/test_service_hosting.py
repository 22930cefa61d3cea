"""Hosting (issue #15, item 2): the service serves its status lists, its 1EdTech revocation
list and its did:web document from the registry, always current, over real HTTP on
127.0.0.1; a verifier fetching them sees a revocation; a restart (same SQLite file) and
PostgreSQL lose nothing."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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

from https_fixture import TLSMaterial, make_tls_material
from mcbadge.issuer import Issuer, SigningKey
from mcbadge.server.config import IssuerConfig, ServiceConfig
from mcbadge.server.state import did_web_of, status_base_url_of
from mcbadge.status import decode_bitstring, status_value_at
from mcbadge.verify import VerificationPolicy, verify
from pg_fixture import pg_url_or_skip


def service_config(
    db: str, key: Path, *, did_web: bool = False, base_url: str | None = None, port: int = 8080
) -> ServiceConfig:
    return ServiceConfig(
        port=port,
        db=db,
        base_url=base_url,
        issuers=(IssuerConfig(key=str(key), did_web=did_web, name="Academy"),),
        allow_unauthenticated=True,
    )


def library_issuer(config: ServiceConfig, key: Path, *, did_web: bool = False) -> Issuer:
    """The issuer the service holds, as the library sees it (same key, registry, URLs):
    what issues and revokes in these tests while the HTTP routes for that are elsewhere."""
    signing_key = SigningKey.load(key)
    issuer_id = did_web_of(config.public_url) if did_web else signing_key.did_key
    return Issuer(
        {"type": ["Profile"], "name": "Academy"},
        signing_key,
        format=signing_key.default_cryptosuite,
        registry=config.db,
        status_base_url=status_base_url_of(config.public_url, issuer_id),
        issuer_id=issuer_id,
    )


def status_list_url(issued: Any) -> tuple[str, int]:
    (entry,) = issued.status_indexes.values()
    return str(entry[0]), int(entry[1])


def path_of(url: str) -> str:
    return urlsplit(url).path


def bit_at(answer: httpx.Response, index: int) -> int:
    subject = answer.json()["credentialSubject"]
    return status_value_at(decode_bitstring(subject["encodedList"]), index)


def https_policy(port: int, tls: TLSMaterial) -> VerificationPolicy:
    """A verifier that reaches issuer.test:<port> on 127.0.0.1 (an explicit pin, the only way
    the hardened fetcher reaches loopback) trusting the test CA; a fresh fetcher each time,
    so nothing is answered from an earlier fetch."""
    return VerificationPolicy(resolve=(f"issuer.test:{port}:127.0.0.1",), ca_bundle=tls.ca_path)


def status_check(result: Any) -> Any:
    (check,) = [check for check in result.checks if check.id == "status"]
    return check


# -- the status list -----------------------------------------------------------------------


def test_status_list_is_current_with_etag_cache_control_and_304(tmp_path: Path) -> None:
    key = key_file(tmp_path)
    config = service_config(f"sqlite:///{tmp_path / 'service.db'}", key)
    with serve(config) as url, client(url) as http:
        issuer = library_issuer(replace(config, base_url=url), key)
        first = issuer.issue(ACHIEVEMENT, "ada@school.test")
        issuer.issue(ACHIEVEMENT, "grace@school.test")
        list_url, index = status_list_url(first)
        assert list_url == f"{issuer.status_base_url}revocation-1.json"

        answer = http.get(path_of(list_url))
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/vc+ld+json"
        assert answer.headers["cache-control"] == "max-age=300"  # the issuer's list_ttl
        etag = answer.headers["etag"]
        assert etag.startswith('"')
        assert not etag.startswith("W/")
        document = answer.json()
        assert document["id"] == list_url
        assert document["issuer"] == issuer.issuer_id
        assert document["proof"][0]["verificationMethod"] == issuer.active_key.vm_id
        assert bit_at(answer, index) == 0

        unchanged = http.get(path_of(list_url), headers={"If-None-Match": etag})
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.headers["etag"] == etag
        assert unchanged.headers["cache-control"] == "max-age=300"

        issuer.revoke(first.credential_id, "issued to the wrong teacher")
        after = http.get(path_of(list_url), headers={"If-None-Match": etag})
        assert after.status_code == 200
        assert after.headers["etag"] != etag
        assert bit_at(after, index) == 1

        head = http.head(path_of(list_url))
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == after.headers["etag"]
        assert int(head.headers["content-length"]) == len(after.content)


def test_plain_json_is_served_to_a_client_that_asks_only_for_it(tmp_path: Path) -> None:
    key = key_file(tmp_path)
    config = service_config(f"sqlite:///{tmp_path / 'service.db'}", key)
    with serve(config) as url, client(url) as http:
        issued = library_issuer(replace(config, base_url=url), key).issue(
            ACHIEVEMENT, "ada@school.test"
        )
        path = path_of(status_list_url(issued)[0])
        plain = http.get(path, headers={"Accept": "application/json"})
        assert plain.headers["content-type"] == "application/json"
        assert plain.headers["vary"] == "Accept"
        both = http.get(path, headers={"Accept": "application/json, application/vc+ld+json"})
        assert both.headers["content-type"] == "application/vc+ld+json"
        assert plain.content == both.content


def test_unknown_list_is_a_problem_details_404(tmp_path: Path) -> None:
    key = key_file(tmp_path)
    config = service_config(f"sqlite:///{tmp_path / 'service.db'}", key)
    with serve(config) as url, client(url) as http:
        hostile = (
            "/status/revocation-1.json",
            "/status/nothing",
            "/elsewhere/status/x",
            "/status/%2e%2e/%2e%2e/etc/passwd",
            "/status/" + "a" * 5000,
            "/status/revocation-1.json%00",
        )
        for path in hostile:
            answer = http.get(path)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/problem+json"
            body = answer.json()
            assert body["code"] == "hosting.unknown_list"
            assert "Traceback" not in answer.text
        assert http.head("/status/revocation-1.json").status_code == 404


def test_revocation_list_names_each_revoked_credential(tmp_path: Path) -> None:
    key = key_file(tmp_path)
    config = service_config(f"sqlite:///{tmp_path / 'service.db'}", key)
    with serve(config) as url, client(url) as http:
        issuer = library_issuer(replace(config, base_url=url), key)
        issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
        published_url = issuer.publish().revocation_list_url
        assert published_url == f"{issuer.status_base_url}revocations.json"
        empty = http.get(path_of(published_url))
        assert empty.status_code == 200
        assert empty.headers["content-type"] == "application/json"
        assert empty.headers["cache-control"] == "max-age=300"
        assert empty.json() == {"revokedCredential": []}
        issuer.revoke(issued.credential_id, "wrong teacher")
        again = http.get(path_of(published_url), headers={"If-None-Match": empty.headers["etag"]})
        assert again.status_code == 200
        assert again.json()["revokedCredential"] == [
            {"id": issued.credential_id, "revoked": True, "revocationReason": "wrong teacher"}
        ]
        cached = http.get(path_of(published_url), headers={"If-None-Match": again.headers["etag"]})
        assert cached.status_code == 304


# -- did.json --------------------------------------------------------------------------------


def test_did_json_of_the_did_web_issuer(tmp_path: Path) -> None:
    key = key_file(tmp_path)
    config = service_config(f"sqlite:///{tmp_path / 'service.db'}", key, did_web=True)
    with serve(config) as url, client(url) as http:
        issuer = library_issuer(replace(config, base_url=url), key, did_web=True)
        answer = http.get("/.well-known/did.json")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == issuer.did_document()
        assert answer.json()["id"] == did_web_of(url)
        assert http.head("/.well-known/did.json").headers["etag"] == answer.headers["etag"]
        again = http.get("/.well-known/did.json", headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304
        elsewhere = http.get("/did.json")  # the DID has no path: only /.well-known
        assert elsewhere.status_code == 404
        assert elsewhere.json()["code"] == "hosting.no_did_document"


def test_no_did_web_issuer_no_did_json(tmp_path: Path) -> None:
    key = key_file(tmp_path)
    config = service_config(f"sqlite:///{tmp_path / 'service.db'}", key)
    with serve(config) as url, client(url) as http:
        answer = http.get("/.well-known/did.json")
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "hosting.no_did_document"
        assert "no did:web issuer" in answer.json()["detail"]
        assert http.head("/.well-known/did.json").status_code == 404


def test_base_url_with_a_path(tmp_path: Path) -> None:
    """did:web:host%3Aport:provider lives at /provider/did.json; lists under /provider/status/,
    whether or not the proxy strips /provider."""
    key = key_file(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}/provider"
    config = service_config(
        f"sqlite:///{tmp_path / 'service.db'}", key, did_web=True, base_url=base, port=port
    )
    with serve_on_port(config) as address, client(address) as http:
        issuer = library_issuer(config, key, did_web=True)
        assert issuer.issuer_id == f"did:web:127.0.0.1%3A{port}:provider"
        for path in ("/provider/did.json", "/did.json"):
            answer = http.get(path)
            assert answer.status_code == 200, path
            assert answer.json() == issuer.did_document()
        assert http.get("/.well-known/did.json").status_code == 404
        list_url, _ = status_list_url(issuer.issue(ACHIEVEMENT, "ada@school.test"))
        assert list_url == f"{base}/status/revocation-1.json"
        kept = http.get("/provider/status/revocation-1.json")
        stripped = http.get("/status/revocation-1.json")
        assert kept.status_code == stripped.status_code == 200
        assert kept.json()["id"] == list_url
        assert kept.content == stripped.content


# -- the verifier sees what is hosted --------------------------------------------------------


@pytest.mark.parametrize(("kind", "format"), [("ed25519", None), ("p256", "vc+jwt")])
def test_verifier_fetching_from_the_service_reports_the_revocation(
    tmp_path: Path, kind: str, format: str | None
) -> None:
    """mcbadge.verify resolves the did:web key from the served did.json and the status from
    the served list, over HTTPS (TLS as a proxy would end it): the hosted list is the real
    one. For a VC-JWT issuer the list is Data Integrity, as publish writes it."""
    tls = make_tls_material(tmp_path, ("issuer.test",))
    key = key_file(tmp_path, kind)
    port = free_port()
    config = replace(
        service_config(
            f"sqlite:///{tmp_path / 'service.db'}",
            key,
            did_web=True,
            base_url=f"https://issuer.test:{port}",
            port=port,
        ),
        issuers=(IssuerConfig(key=str(key), did_web=True, format=format),),
    )
    signing_key = SigningKey.load(key)
    issuer = Issuer(
        {"type": ["Profile"], "name": "Academy"},
        signing_key,
        format=format or signing_key.default_cryptosuite,
        registry=config.db,
        status_base_url=f"https://issuer.test:{port}/status/",
        issuer_id=did_web_of(config.public_url),
    )
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    assert issued.is_jwt == (format == "vc+jwt")
    with serve_on_port(config, tls):
        before = verify(issued.document, https_policy(port, tls))
        assert before.verified, [c for c in before.checks if c.status == "failed"]
        assert (status_check(before).status, status_check(before).code) == ("passed", "status.ok")
        issuer.revoke(issued.credential_id, "issued to the wrong teacher")
        after = verify(issued.document, https_policy(port, tls))
        assert not after.verified
        assert status_check(after).code == "status.revoked"
        assert [c.id for c in after.checks if c.status == "failed"] == ["status"]


# -- nothing lost across a restart, and on PostgreSQL ---------------------------------------


def test_status_survives_a_restart_on_the_same_sqlite_file(tmp_path: Path) -> None:
    key = key_file(tmp_path)
    config = service_config(f"sqlite:///{tmp_path / 'service.db'}", key, port=free_port())
    issuer = library_issuer(config, key)
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    other = issuer.issue(ACHIEVEMENT, "grace@school.test")
    list_url, index = status_list_url(issued)
    with serve_on_port(config) as address, client(address) as http:
        issuer.revoke(issued.credential_id)
        before = http.get(path_of(list_url))
        assert bit_at(before, index) == 1
    issuer.revoke(other.credential_id)  # while the service is down
    with serve_on_port(config) as address, client(address) as http:
        after = http.get(path_of(list_url))
        assert after.status_code == 200
        assert bit_at(after, index) == 1
        assert bit_at(after, status_list_url(other)[1]) == 1
        revoked = http.get(path_of(issuer.status_base_url) + "revocations.json").json()[
            "revokedCredential"
        ]
        assert {item["id"] for item in revoked} == {issued.credential_id, other.credential_id}
    with serve_on_port(config) as address, client(address) as http:
        # a fresh process (no cache) answers the very same bytes: stateless workers
        assert http.get(path_of(list_url)).headers["etag"] == after.headers["etag"]


@pytest.mark.postgres
def test_hosting_on_postgresql(tmp_path: Path) -> None:
    pg_url = pg_url_or_skip()
    key = key_file(tmp_path)
    port = free_port()
    # a path of its own: list URLs are unique across the shared test database
    base = f"http://127.0.0.1:{port}/{uuid.uuid4().hex}"
    config = service_config(pg_url, key, base_url=base, port=port)
    issuer = library_issuer(config, key)
    issued = issuer.issue(ACHIEVEMENT, "ada@school.test")
    list_url, index = status_list_url(issued)
    with serve_on_port(config) as address, client(address) as http:
        first = http.get(path_of(list_url))
        assert first.status_code == 200
        assert bit_at(first, index) == 0
        issuer.revoke(issued.credential_id, "wrong teacher")
        second = http.get(path_of(list_url), headers={"If-None-Match": first.headers["etag"]})
        assert second.status_code == 200
        assert bit_at(second, index) == 1
        revocations = http.get(path_of(issuer.status_base_url) + "revocations.json")
        assert [item["id"] for item in revocations.json()["revokedCredential"]] == [
            issued.credential_id
        ]
    with serve_on_port(config) as address, client(address) as http:
        again = http.get(path_of(list_url), headers={"If-None-Match": second.headers["etag"]})
        assert again.status_code == 304
