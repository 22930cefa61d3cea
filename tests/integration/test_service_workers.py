"""``mcbadge serve --workers 2`` on PostgreSQL: two worker processes that share nothing but
the database. Which worker serves a request is not left to chance: every other worker is
stopped (SIGSTOP) while one serves, and the worker that held the server side of the TCP
connection is read from ``/proc``. A credential issued by one worker is revoked through the
other, both host the same status list, a re-issue on the other worker returns the same
credential, a challenge issued by one is consumed by the other (a replay on the first
fails), and a token revoked in the registry is refused by both at once (nothing is cached
per process)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.integration.serve_process import running_service
from tests.integration.service_helpers import free_port

from mcbadge.did import did_for_key
from mcbadge.keys import generate_key, save_key
from mcbadge.present import present
from mcbadge.registry import Registry
from mcbadge.registry.access import AccessTokenStore, IssuedToken
from mcbadge.status.bitstring import bit_at, decode_bitstring
from pg_fixture import pg_url_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]


def unsigned_credential(issuer_id: str, subject: str, name: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": name,
        "type": ["VerifiableCredential"],
        "issuer": issuer_id,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject},
    }


def issue_request(issuer_id: str, n: int, run: str) -> dict[str, Any]:
    return {
        "credential": unsigned_credential(
            issuer_id, f"did:example:teacher-{n}", f"urn:example:{run}:{n}"
        ),
        "options": {
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}
        },
    }


def revoke_request(credential_id: str) -> dict[str, Any]:
    return {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
    }


def revocation_entry(credential: dict[str, Any]) -> tuple[str, int]:
    """The (status list URL, index) of the credential's revocation entry."""
    entries = credential["credentialStatus"]
    entries = entries if isinstance(entries, list) else [entries]
    for entry in entries:
        if entry["statusPurpose"] == "revocation":
            return entry["statusListCredential"], int(entry["statusListIndex"])
    raise AssertionError(f"no revocation entry in {entries}")


def hosted_bit(list_document: dict[str, Any], index: int) -> bool:
    bits = decode_bitstring(list_document["credentialSubject"]["encodedList"])
    return bit_at(bits, index)


def issuer_with_token(tmp_path: Path, db: str, client: str) -> tuple[Path, str, IssuedToken]:
    """A new issuer key saved as ``issuer.json`` in ``tmp_path``, its did:key, and an access
    token to act for it issued to ``client`` in the registry at ``db``."""
    key = generate_key("ed25519")
    key_file = tmp_path / "issuer.json"
    save_key(key, key_file)
    issuer_id = did_for_key(key)
    with Registry.open(db) as registry:
        token = AccessTokenStore(registry).issue(client, issuer_ids=[issuer_id])
    return key_file, issuer_id, token


def test_two_workers_serve_one_registry(tmp_path: Path) -> None:
    pg_url = pg_url_or_skip()
    key_file, issuer_id, token = issuer_with_token(tmp_path, pg_url, "workers-test")
    run = tmp_path.name
    with running_service(tmp_path, db=pg_url, keys=[key_file], workers=2) as service:
        first, second = service.worker_pids()
        assert first != second

        with service.only(first):
            status, body, served = service.request(
                "POST", "/credentials/issue", issue_request(issuer_id, 1, run), token=token.value
            )
        assert (status, served) == (201, first), body
        credential = body["verifiableCredential"]
        list_url, index = revocation_entry(credential)
        list_path = urlsplit(list_url).path

        with service.only(second):
            status, listed, served = service.request("GET", list_path)
            assert (status, served) == (200, second), listed
            assert hosted_bit(listed, index) is False
            status, body, served = service.request(
                "POST", "/credentials/status", revoke_request(credential["id"]), token=token.value
            )
            assert (status, served) == (200, second), body
            # the same request on the other worker: the credential the first one issued
            status, body, served = service.request(
                "POST", "/credentials/issue", issue_request(issuer_id, 1, run), token=token.value
            )
            assert served == second
            assert status in (200, 201), body
            assert body["verifiableCredential"] == credential

        with service.only(first):
            status, listed, served = service.request("GET", list_path)
        assert (status, served) == (200, first)
        assert hosted_bit(listed, index) is True  # revoked through the other worker

        # a challenge issued by one worker is consumed by the other, and only once
        holder = generate_key("ed25519")
        request = issue_request(issuer_id, 3, run)
        request["credential"]["credentialSubject"] = {"id": did_for_key(holder)}
        status, body, _ = service.request("POST", "/credentials/issue", request, token=token.value)
        assert status == 201, body
        held = body["verifiableCredential"]
        with service.only(first):
            status, body, served = service.request("POST", "/challenges")
        assert (status, served) == (200, first), body
        challenge = body["challenge"]
        presentation = present([held], holder, challenge=challenge).document
        asked = {"verifiablePresentation": presentation, "options": {"challenge": challenge}}
        with service.only(second):
            status, body, served = service.request("POST", "/presentations/verify", asked)
        assert (status, served) == (200, second), body
        assert body["verified"] is True, body
        with service.only(first):
            status, body, served = service.request("POST", "/presentations/verify", asked)
        assert served == first
        assert body["verified"] is False
        assert {c["id"]: c["code"] for c in body["checks"]}["challenge"] == "challenge.reused"

        with Registry.open(pg_url) as registry:
            AccessTokenStore(registry).revoke(token.grant.token_id)
        for worker in (first, second):
            with service.only(worker):
                status, body, served = service.request(
                    "POST",
                    "/credentials/issue",
                    issue_request(issuer_id, 2, run),
                    token=token.value,
                )
            assert (status, served) == (401, worker), body
            assert body["code"] == "auth.unknown_token"

        workers = service.worker_pids()
        assert service.stop() == 0, service.log_text()
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), f"worker {pid} outlived SIGTERM"


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_two_hosts_on_one_database_hand_out_no_index_twice(tmp_path: Path) -> None:
    """Two separate ``mcbadge serve`` instances (as on two hosts behind one proxy) on one
    PostgreSQL: concurrent issuing through both never shares a status index, and a
    revocation through one is in the list the other hosts."""
    pg_url = pg_url_or_skip()
    key_file, issuer_id, issued = issuer_with_token(tmp_path, pg_url, "hosts-test")
    token = issued.value
    run = tmp_path.name
    per_host = 12
    # hosts behind one proxy share its public URL: the list URLs they allocate carry it
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with (
        running_service(
            tmp_path, db=pg_url, keys=[key_file], workers=1, name="a", port=port
        ) as host_a,
        running_service(
            tmp_path, db=pg_url, keys=[key_file], workers=1, name="b", base_url=public
        ) as host_b,
    ):
        hosts = (host_a, host_b)
        issued: dict[int, dict[str, Any]] = {}
        errors: list[Any] = []

        def issue_through(host_index: int) -> None:
            host = hosts[host_index]
            for k in range(per_host):
                n = host_index * per_host + k
                status, body, _ = host.request(
                    "POST", "/credentials/issue", issue_request(issuer_id, n, run), token=token
                )
                if status != 201:
                    errors.append(body)
                    return
                issued[n] = body["verifiableCredential"]

        threads = [threading.Thread(target=issue_through, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors, errors
        assert len(issued) == 2 * per_host
        positions = [revocation_entry(credential) for credential in issued.values()]
        assert len(set(positions)) == len(positions)

        credential = issued[0]  # issued through host a
        list_url, index = revocation_entry(credential)
        status, body, _ = host_b.request(
            "POST", "/credentials/status", revoke_request(credential["id"]), token=token
        )
        assert status == 200, body
        status, listed, _ = host_a.request("GET", urlsplit(list_url).path)
        assert status == 200
        assert hosted_bit(listed, index) is True
        for n, other in issued.items():  # the others are not revoked
            other_url, other_index = revocation_entry(other)
            if n != 0 and other_url == list_url:
                assert hosted_bit(listed, other_index) is False
