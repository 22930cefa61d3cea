"""Status lists delivered as VC-JWTs, the fetcher cache honouring a list's ttl/validUntil, and
the remaining ways a status list can fail to be the issuer's (each: exit code + check id)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from _helpers import ATTACKER_KEY, ISSUER_KEY, NOW, FakeHost, make_credential, run
from _signer import b64url, jwt_payload, sign_di, sign_jwt
from _status_kit import LIST_URL, credential_with_status, status_list

from https_fixture import HTTPSServer, Route
from mcbadge.net import Fetcher, NetworkPolicy

pytest_plugins = ["https_fixture"]


def jwt_status_list(set_indices: tuple[int, ...] = (), **options: Any) -> str:
    return sign_jwt(jwt_payload(status_list(set_indices, sign=False, **options)), ISSUER_KEY)


def test_vc_jwt_status_list_active(host: FakeHost) -> None:
    host.put(LIST_URL, jwt_status_list((3,)).encode())
    code, result = run(credential_with_status(index=7))
    assert code == 0, [result.check(c).code for c in result.failed_checks]
    assert "VC-JWT" in result.check("status_list").message
    assert result.summary.status_state == "active"


def test_vc_jwt_status_list_revoked(host: FakeHost) -> None:
    host.put(LIST_URL, (jwt_status_list((7,)) + "\n").encode())
    code, result = run(credential_with_status(index=7))
    assert code == 1
    assert result.failed_checks == ["status"]
    assert result.check("status").code == "status.revoked"


def test_vc_jwt_status_list_tampered(host: FakeHost) -> None:
    # The issuer signed "index 7 revoked"; the payload is swapped for a clean list in transit.
    header, _, signature = jwt_status_list((7,)).split(".")
    clean = jwt_payload(status_list((), sign=False))
    host.put(LIST_URL, f"{header}.{b64url(json.dumps(clean).encode())}.{signature}".encode())
    code, result = run(credential_with_status(index=7))
    assert code == 2
    assert result.failed_checks == ["status_list"]
    assert result.check("status_list").code == "status_list.unverified"


def test_vc_jwt_status_list_signed_by_an_attacker(host: FakeHost) -> None:
    payload = jwt_payload(status_list((), sign=False))  # claims the issuer ...
    host.put(LIST_URL, sign_jwt(payload, ATTACKER_KEY).encode())  # ... signed by someone else
    code, result = run(credential_with_status(index=7))
    assert code == 2
    assert result.check("status_list").code == "status_list.unverified"
    assert "key_binding" in result.check("status_list").message


def test_vc_jwt_status_list_alg_none(host: FakeHost) -> None:
    payload = jwt_payload(status_list((), sign=False))
    head = b64url(json.dumps({"alg": "none", "kid": ISSUER_KEY.vm}).encode())
    host.put(LIST_URL, f"{head}.{b64url(json.dumps(payload).encode())}.".encode())
    code, result = run(credential_with_status(index=7))
    assert code == 2
    assert result.failed_checks == ["status_list"]


def test_garbled_vc_jwt_status_list(host: FakeHost) -> None:
    host.put(LIST_URL, b"bm90.anNvbg.c2ln")
    code, result = run(credential_with_status(index=7))
    assert code == 2
    assert result.check("status_list").code == "status_list.malformed"


def test_out_of_range_index_in_an_unsigned_list_is_not_a_verdict(host: FakeHost) -> None:
    # Only the issuer's own list may make the index "out of range"; an unsigned one decides nothing.
    host.put(LIST_URL, status_list((), sign=False))
    code, result = run(credential_with_status(index=131_072 * 4))
    assert code == 2
    assert result.failed_checks == ["status_list"]
    assert result.check("status_list").code == "status_list.unverified"


def test_status_list_not_yet_valid(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), validFrom="2027-01-01T00:00:00Z"))
    code, result = run(credential_with_status())
    assert code == 2
    assert result.check("status_list").code == "status_list.not_yet_valid"


def test_status_list_of_the_wrong_type(host: FakeHost) -> None:
    host.put(LIST_URL, status_list((), type=["VerifiableCredential", "StatusList2021Credential"]))
    code, result = run(credential_with_status())
    assert code == 2
    assert result.check("status_list").code == "status_list.wrong_type"


def test_unreachable_1edtech_revocation_list(host: FakeHost) -> None:
    status = {"id": "https://status.test/revocations", "type": "1EdTechRevocationList"}
    contexts = [
        *make_credential()["@context"],
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    credential = make_credential(credentialStatus=status, **{"@context": contexts})
    code, result = run(sign_di(credential, ISSUER_KEY))
    assert code == 2
    assert result.failed_checks == ["status_retrieval"]
    assert host.requests == ["https://status.test/revocations"]


def test_vc_jwt_credential_with_undefined_terms_warns_under_data_loss() -> None:
    credential = make_credential()
    credential["credentialSubject"]["teachingLicenceNumber"] = "TX-12345"  # no context defines it
    token = sign_jwt(jwt_payload(credential), ISSUER_KEY)
    code, result = run(token, offline=True)
    assert code == 0
    assert result.failed_checks == []
    check = result.check("data_loss")
    assert (check.status, check.code) == ("warning", "data_loss.undefined_term")
    assert "teachingLicenceNumber" in check.message
    code, result = run(token, offline=True, check_jwt_data_loss=False)
    assert code == 0
    assert (result.check("data_loss").status, result.check("data_loss").code) == (
        "skipped",
        "data_loss.disabled",
    )


def test_vc_jwt_credential_without_undefined_terms_passes_data_loss() -> None:
    token = sign_jwt(jwt_payload(make_credential()), ISSUER_KEY)
    code, result = run(token, offline=True)
    assert code == 0
    assert result.check("data_loss").status == "passed"


# --- over loopback HTTPS with the real fetcher and a controllable cache clock ---------------


class _Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _fetcher(server: HTTPSServer, clock: _Clock) -> Fetcher:
    policy = NetworkPolicy(resolve=server.resolve_entries("status.test"), ca_bundle=server.ca_path)
    return Fetcher(policy, clock=clock)


def _serve_list(server: HTTPSServer, document: Any, **headers: str) -> str:
    url = server.url("status.test", "/lists/1")
    body = document.encode() if isinstance(document, str) else json.dumps(document).encode()
    server.routes["/lists/1"] = Route(
        headers={"Content-Type": "application/json", **headers}, body=body
    )
    return url


def _list_with_ttl(url: str, ttl_ms: int | None, **overrides: Any) -> dict[str, Any]:
    document = status_list((), url=url, sign=False, **overrides)
    if ttl_ms is not None:
        document["credentialSubject"]["ttl"] = ttl_ms
    return sign_di(document, ISSUER_KEY)


def _verify_twice(fetcher: Fetcher, url: str, clock: _Clock, advance: timedelta) -> list[int]:
    codes = []
    credential = credential_with_status(url=url)
    codes.append(run(credential, fetcher=fetcher)[0])
    clock.now += advance
    codes.append(run(credential, fetcher=fetcher)[0])
    return codes


def test_vc_jwt_status_list_over_https(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    token = jwt_status_list((7,), url=url)
    _serve_list(https_server, token, **{"Content-Type": "application/vc+jwt"})
    fetcher = _fetcher(https_server, _Clock())
    code, result = run(credential_with_status(url=url, index=7), fetcher=fetcher)
    assert code == 1
    assert result.check("status").code == "status.revoked"
    assert "application/vc+jwt" in https_server.requests[0].headers.get("Accept", "")


def test_a_verified_list_is_cached_for_its_ttl(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve_list(https_server, _list_with_ttl(url, 300_000))
    clock = _Clock()
    fetcher = _fetcher(https_server, clock)
    assert _verify_twice(fetcher, url, clock, timedelta(seconds=299)) == [0, 0]
    assert fetcher.request_count == 1
    clock.now += timedelta(seconds=2)  # past the ttl
    assert run(credential_with_status(url=url), fetcher=fetcher)[0] == 0
    assert fetcher.request_count == 2


def test_without_ttl_or_cache_headers_the_list_is_fetched_every_time(
    https_server: HTTPSServer,
) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve_list(https_server, _list_with_ttl(url, None))
    clock = _Clock()
    fetcher = _fetcher(https_server, clock)
    assert _verify_twice(fetcher, url, clock, timedelta(seconds=1)) == [0, 0]
    assert fetcher.request_count == 2


def test_valid_until_caps_the_ttl(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    until = (NOW + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _serve_list(https_server, _list_with_ttl(url, 3_600_000, validUntil=until))
    clock = _Clock()
    fetcher = _fetcher(https_server, clock)
    assert _verify_twice(fetcher, url, clock, timedelta(seconds=30)) == [0, 0]
    assert fetcher.request_count == 1
    clock.now += timedelta(seconds=60)  # 90 s in: past validUntil, well inside the ttl
    run(credential_with_status(url=url), fetcher=fetcher)
    assert fetcher.request_count == 2


def test_server_max_age_caps_the_ttl(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve_list(https_server, _list_with_ttl(url, 3_600_000), **{"Cache-Control": "max-age=10"})
    clock = _Clock()
    fetcher = _fetcher(https_server, clock)
    assert _verify_twice(fetcher, url, clock, timedelta(seconds=11)) == [0, 0]
    assert fetcher.request_count == 2


def test_an_unverified_list_is_not_kept_for_its_ttl(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    document = status_list((), url=url, sign=False)
    document["credentialSubject"]["ttl"] = 3_600_000
    _serve_list(https_server, document)
    clock = _Clock()
    fetcher = _fetcher(https_server, clock)
    assert _verify_twice(fetcher, url, clock, timedelta(seconds=1)) == [2, 2]
    assert fetcher.request_count == 2


def test_offline_makes_zero_requests_over_https(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve_list(https_server, _list_with_ttl(url, None))
    fetcher = _fetcher(https_server, _Clock())
    code, result = run(credential_with_status(url=url), offline=True)
    assert code == 2
    assert result.failed_checks == ["status_retrieval", "network_policy"]
    assert https_server.requests == []
    assert fetcher.request_count == 0


def test_bad_index_and_unknown_schema_make_zero_requests(https_server: HTTPSServer) -> None:
    url = https_server.url("status.test", "/lists/1")
    _serve_list(https_server, _list_with_ttl(url, None))
    schema = {
        "id": https_server.url("status.test", "/schema.json"),
        "type": "1EdTechJsonSchemaValidator2019",
    }
    contexts = [
        *make_credential()["@context"],
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    credential = sign_di(
        make_credential(credentialSchema=[schema], **{"@context": contexts}), ISSUER_KEY
    )
    code, result = run(credential, fetcher=_fetcher(https_server, _Clock()))
    assert code == 0
    assert result.check("schema").code == "schema.unknown_url"
    code, result = run(
        credential_with_status(url=url, index="007"), fetcher=_fetcher(https_server, _Clock())
    )
    assert code == 1
    assert result.failed_checks == ["status_range"]
    assert https_server.requests == []
