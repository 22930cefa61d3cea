"""mcbadge.net: the hardened fetcher against a loopback HTTPS server (tests/https_fixture.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from https_fixture import HTTPSServer, Route
from mcbadge.errors import FetchError, NetworkPolicyError
from mcbadge.net import Fetcher, NetworkPolicy, is_public_address, parse_resolve

pytest_plugins = ["https_fixture"]

LIST = {"type": ["VerifiableCredential", "BitstringStatusListCredential"], "id": "x"}


def _fetcher(server: HTTPSServer, *hosts: str, **policy: object) -> Fetcher:
    return Fetcher(
        NetworkPolicy(
            resolve=server.resolve_entries(*(hosts or ("status.test",))),
            ca_bundle=server.ca_path,
            **policy,  # type: ignore[arg-type]
        )
    )


def _json_route(body: object, **headers: str) -> Route:
    return Route(200, {"Content-Type": "application/json", **headers}, json.dumps(body).encode())


def _error(func: object, *args: object, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        func(*args, **kwargs)  # type: ignore[operator]
    return info.value


# --------------------------------------------------------------------- happy path


def test_fetches_json_with_sni_and_host_for_the_hostname(https_server: HTTPSServer) -> None:
    https_server.routes["/lists/1"] = _json_route(LIST)
    fetcher = _fetcher(https_server)
    url = https_server.url("status.test", "/lists/1")
    document = fetcher.get_json(url)
    assert document.data == LIST
    assert document.url == url
    assert document.headers["content-type"] == "application/json"
    assert fetcher.request_count == 1
    [request] = https_server.requests
    assert request.sni == "status.test"
    assert request.headers["Host"] == f"status.test:{https_server.port}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Accept-Encoding"] == "identity"


def test_get_bytes_returns_the_raw_body(https_server: HTTPSServer) -> None:
    https_server.routes["/jwt"] = Route(200, {"Content-Type": "application/vc+jwt"}, b"a.b.c")
    document = _fetcher(https_server).get_bytes(https_server.url("status.test", "/jwt"))
    assert document.body == b"a.b.c"
    assert document.data is None


def test_certificate_is_checked_against_the_hostname(https_server: HTTPSServer) -> None:
    # wrong.test is not in the certificate: pinning it to the right address must not help
    https_server.routes["/x"] = _json_route({})
    fetcher = _fetcher(https_server, "wrong.test")
    error = _error(fetcher.get_json, https_server.url("wrong.test", "/x"))
    assert error.code == "status_retrieval.tls_failed"
    assert https_server.requests == []


def test_unknown_ca_is_refused(https_server: HTTPSServer) -> None:
    https_server.routes["/x"] = _json_route({})
    fetcher = Fetcher(NetworkPolicy(resolve=https_server.resolve_entries("status.test")))
    error = _error(fetcher.get_json, https_server.url("status.test", "/x"))
    assert error.code == "status_retrieval.tls_failed"
    assert https_server.requests == []


# --------------------------------------------------------------------- policy refusals


def test_offline_refuses_without_any_request(https_server: HTTPSServer) -> None:
    fetcher = _fetcher(https_server, offline=True)
    error = _error(fetcher.get_json, https_server.url("status.test", "/x"))
    assert isinstance(error, NetworkPolicyError)
    assert error.code == "network_policy.offline"
    assert fetcher.request_count == 0
    assert https_server.requests == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://status.test/x", "network_policy.not_https"),
        ("ftp://status.test/x", "network_policy.not_https"),
        ("file:///etc/passwd", "network_policy.not_https"),
        ("https://user:pw@status.test/x", "network_policy.bad_url"),
        ("https:///x", "network_policy.bad_url"),
        ("https://status.test:99999/x", "network_policy.bad_url"),
    ],
)
def test_bad_urls_are_refused_before_any_request(url: str, code: str) -> None:
    fetcher = Fetcher(NetworkPolicy(), resolver=_must_not_resolve)
    error = _error(fetcher.get_json, url)
    assert isinstance(error, NetworkPolicyError)
    assert error.code == code
    assert fetcher.request_count == 0


def _must_not_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"resolved {host}:{port}")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.5.5.5",
        "10.0.0.1",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a00:1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused_after_resolution(address: str) -> None:
    assert not is_public_address(address)
    fetcher = Fetcher(NetworkPolicy(), resolver=lambda host, port: [address])
    error = _error(fetcher.get_json, "https://status.example/list")
    assert isinstance(error, NetworkPolicyError)
    assert error.code == "network_policy.private_address"
    assert fetcher.request_count == 0


def test_one_private_address_among_public_ones_is_refused() -> None:
    fetcher = Fetcher(NetworkPolicy(), resolver=lambda host, port: ["93.184.216.34", "10.0.0.7"])
    assert _error(fetcher.get_json, "https://status.example/").code == (
        "network_policy.private_address"
    )
    assert fetcher.request_count == 0


def test_ip_literal_urls_are_vetted_too() -> None:
    fetcher = Fetcher(NetworkPolicy(), resolver=_must_not_resolve)
    for url in ("https://127.0.0.1/x", "https://[::1]/x", "https://[::ffff:7f00:1]/x"):
        assert _error(fetcher.get_json, url).code == "network_policy.private_address"
    assert fetcher.request_count == 0


def test_public_addresses_pass_the_check() -> None:
    for address in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert is_public_address(address)


def test_loopback_server_is_unreachable_without_a_resolve_entry(https_server: HTTPSServer) -> None:
    https_server.routes["/x"] = _json_route({})
    fetcher = Fetcher(
        NetworkPolicy(ca_bundle=https_server.ca_path), resolver=lambda host, port: ["127.0.0.1"]
    )
    error = _error(fetcher.get_json, https_server.url("status.test", "/x"))
    assert error.code == "network_policy.private_address"
    assert https_server.requests == []


def test_unusable_ca_bundle_is_a_typed_error(https_server: HTTPSServer, tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate", encoding="utf-8")
    https_server.routes["/x"] = _json_route({})
    fetcher = Fetcher(
        NetworkPolicy(resolve=https_server.resolve_entries("status.test"), ca_bundle=bogus)
    )
    error = _error(fetcher.get_json, https_server.url("status.test", "/x"))
    assert error.code == "status_retrieval.tls_failed"
    assert https_server.requests == []


def test_redirects_are_not_followed(https_server: HTTPSServer) -> None:
    target = https_server.url("status.test", "/real")
    https_server.routes["/moved"] = Route(302, {"Location": target}, b"")
    https_server.routes["/real"] = _json_route(LIST)
    fetcher = _fetcher(https_server)
    error = _error(fetcher.get_json, https_server.url("status.test", "/moved"))
    assert isinstance(error, NetworkPolicyError)
    assert error.code == "network_policy.redirect"
    assert [r.path for r in https_server.requests] == ["/moved"]
    assert fetcher.request_count == 1


# --------------------------------------------------------------------- failures


@pytest.mark.parametrize("content_length", [True, False])
def test_oversize_body_is_cut_while_streaming(
    https_server: HTTPSServer, content_length: bool
) -> None:
    body = b"[" + b"0," * 600_000 + b"0]"
    https_server.routes["/big"] = Route(200, {}, body, content_length=content_length)
    fetcher = _fetcher(https_server, max_bytes=100_000)
    error = _error(fetcher.get_json, https_server.url("status.test", "/big"))
    assert error.code == "status_retrieval.too_large"
    assert fetcher.request_count == 1


def test_per_call_size_cap(https_server: HTTPSServer) -> None:
    https_server.routes["/x"] = _json_route({"a": "b" * 500})
    fetcher = _fetcher(https_server)
    error = _error(fetcher.get_json, https_server.url("status.test", "/x"), max_bytes=100)
    assert error.code == "status_retrieval.too_large"


def test_stalled_server_hits_the_timeout(https_server: HTTPSServer) -> None:
    https_server.routes["/slow"] = Route(stall=True)
    fetcher = _fetcher(https_server, timeout=0.5)
    error = _error(fetcher.get_json, https_server.url("status.test", "/slow"))
    assert error.code == "status_retrieval.timeout"


def test_trickling_body_is_cut_by_the_total_deadline(https_server: HTTPSServer) -> None:
    # each piece arrives well within the per-read timeout; only the overall deadline stops it
    https_server.routes["/drip"] = Route(
        200, {}, b"[" + b"0," * 500 + b"0]", trickle=10, piece_delay=0.05
    )
    fetcher = _fetcher(https_server, timeout=0.4)
    error = _error(fetcher.get_json, https_server.url("status.test", "/drip"))
    assert error.code == "status_retrieval.timeout"


def test_trickled_body_within_the_deadline_is_read_whole(https_server: HTTPSServer) -> None:
    https_server.routes["/drip"] = Route(200, {}, json.dumps(LIST).encode(), trickle=7)
    assert _fetcher(https_server).get_json(https_server.url("status.test", "/drip")).data == LIST


@pytest.mark.parametrize(
    ("route", "code"),
    [
        (Route(404, {}, b"nope"), "status_retrieval.http_status"),
        (Route(500, {}, b"{}"), "status_retrieval.http_status"),
        (Route(200, {}, b'{"a": 1, "a": 2}'), "status_retrieval.bad_json"),
        (Route(200, {}, b"[NaN]"), "status_retrieval.bad_json"),
        (Route(200, {"Content-Encoding": "gzip"}, b"\x1f\x8b"), "status_retrieval.bad_encoding"),
    ],
)
def test_failures_are_fetch_errors(https_server: HTTPSServer, route: Route, code: str) -> None:
    https_server.routes["/x"] = route
    error = _error(_fetcher(https_server).get_json, https_server.url("status.test", "/x"))
    assert not isinstance(error, NetworkPolicyError)
    assert error.code == code


def test_environment_proxies_are_ignored(
    https_server: HTTPSServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    https_server.routes["/x"] = _json_route(LIST)
    assert _fetcher(https_server).get_json(https_server.url("status.test", "/x")).data == LIST


# --------------------------------------------------------------------- cache


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _cached_fetcher(server: HTTPSServer, clock: _Clock, **policy: object) -> Fetcher:
    return Fetcher(
        NetworkPolicy(
            resolve=server.resolve_entries("status.test"),
            ca_bundle=server.ca_path,
            **policy,  # type: ignore[arg-type]
        ),
        clock=clock,
    )


def test_cache_honours_max_age(https_server: HTTPSServer) -> None:
    https_server.routes["/x"] = _json_route(LIST, **{"Cache-Control": "public, max-age=60"})
    clock = _Clock()
    fetcher = _cached_fetcher(https_server, clock)
    url = https_server.url("status.test", "/x")
    first = fetcher.get_json(url)
    assert first.expires_at == clock.now + timedelta(seconds=60)
    second = fetcher.get_json(url)
    assert second.from_cache
    assert second.data == LIST
    assert fetcher.request_count == 1
    clock.now += timedelta(seconds=61)
    assert not fetcher.get_json(url).from_cache
    assert fetcher.request_count == 2


def test_no_cache_headers_mean_no_caching(https_server: HTTPSServer) -> None:
    https_server.routes["/x"] = _json_route(LIST)
    https_server.routes["/y"] = _json_route(LIST, **{"Cache-Control": "no-store, max-age=60"})
    fetcher = _cached_fetcher(https_server, _Clock())
    for path in ("/x", "/x", "/y", "/y"):
        fetcher.get_json(https_server.url("status.test", path))
    assert fetcher.request_count == 4


def test_caller_expiry_sets_or_shortens_the_cache_lifetime(https_server: HTTPSServer) -> None:
    https_server.routes["/plain"] = _json_route(LIST)
    https_server.routes["/long"] = _json_route(LIST, **{"Cache-Control": "max-age=3600"})
    clock = _Clock()
    fetcher = _cached_fetcher(https_server, clock)
    plain = https_server.url("status.test", "/plain")
    long = https_server.url("status.test", "/long")
    fetcher.get_json(plain)
    fetcher.update_expiry(plain, clock.now + timedelta(seconds=300))  # e.g. the list's ttl
    fetcher.get_json(long)
    fetcher.update_expiry(long, clock.now + timedelta(seconds=10))  # validUntil sooner
    clock.now += timedelta(seconds=5)
    assert fetcher.get_json(plain).from_cache
    assert fetcher.get_json(long).from_cache
    clock.now += timedelta(seconds=10)
    assert fetcher.get_json(plain).from_cache
    assert not fetcher.get_json(long).from_cache
    assert fetcher.request_count == 3


def test_no_store_is_not_revived_by_a_caller_expiry(https_server: HTTPSServer) -> None:
    https_server.routes["/x"] = _json_route(LIST, **{"Cache-Control": "no-store"})
    clock = _Clock()
    fetcher = _cached_fetcher(https_server, clock)
    url = https_server.url("status.test", "/x")
    fetcher.get_json(url)
    fetcher.update_expiry(url, clock.now + timedelta(seconds=300))  # a list's ttl
    assert not fetcher.get_json(url).from_cache
    assert fetcher.request_count == 2


def test_cache_is_bounded(https_server: HTTPSServer) -> None:
    for index in range(3):
        https_server.routes[f"/{index}"] = _json_route(LIST, **{"Cache-Control": "max-age=60"})
    fetcher = _cached_fetcher(https_server, _Clock(), cache_entries=2)
    for path in ("/0", "/1", "/2", "/0"):
        fetcher.get_json(https_server.url("status.test", path))
    assert fetcher.request_count == 4  # /0 was evicted by /2


def test_cache_is_bounded_in_bytes(https_server: HTTPSServer) -> None:
    # three documents of 400 bytes, room for two: the least recently used one goes
    for index in range(3):
        https_server.routes[f"/{index}"] = Route(
            200,
            {"Content-Type": "application/json", "Cache-Control": "max-age=60"},
            b"[" + b" " * 398 + b"]",
        )
    https_server.routes["/big"] = Route(
        200,
        {"Content-Type": "application/json", "Cache-Control": "max-age=60"},
        b"[" + b" " * 998 + b"]",
    )
    fetcher = _cached_fetcher(https_server, _Clock(), cache_bytes=900)
    url = partial(https_server.url, "status.test")
    for path in ("/0", "/1", "/0", "/2"):  # /2 pushes out /1, used before /0
        fetcher.get_json(url(path))
    assert fetcher.request_count == 3
    assert fetcher.get_json(url("/0")).from_cache
    assert fetcher.get_json(url("/2")).from_cache
    assert not fetcher.get_json(url("/1")).from_cache  # fetched again, pushing out /0
    assert fetcher.request_count == 4
    for _ in range(2):  # larger than the whole cache: never kept, nothing pushed out
        assert not fetcher.get_json(url("/big")).from_cache
    assert fetcher.get_json(url("/2")).from_cache
    assert fetcher.get_json(url("/1")).from_cache
    assert fetcher.request_count == 6
    fetcher.clear_cache()
    assert not fetcher.get_json(url("/2")).from_cache


# --------------------------------------------------------------------- helpers


def test_parse_resolve() -> None:
    assert parse_resolve("status.test:443:127.0.0.1") == (("status.test", 443), "127.0.0.1")
    assert parse_resolve("Issuer.Test:8443:[::1]") == (("issuer.test", 8443), "::1")
    for bad in ("status.test:443", "status.test:x:127.0.0.1", "h:443:not-an-ip", ":443:1.2.3.4"):
        with pytest.raises(ValueError, match="resolve entry"):
            parse_resolve(bad)


def test_system_resolver_answer_for_localhost_is_refused() -> None:
    fetcher = Fetcher(NetworkPolicy())
    error = _error(fetcher.get_json, "https://localhost:9/x")
    assert error.code == "network_policy.private_address"
    assert fetcher.request_count == 0


def test_hung_system_resolver_is_cut_by_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import threading

    release = threading.Event()

    def hang(*args: object, **kwargs: object) -> list[object]:
        release.wait(10)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    fetcher = Fetcher(NetworkPolicy(timeout=0.2))
    try:
        error = _error(fetcher.get_json, "https://status.example/list")
    finally:
        release.set()
    assert error.code == "status_retrieval.timeout"
    assert fetcher.request_count == 0


def test_unresolvable_host_is_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def fail(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    error = _error(Fetcher(NetworkPolicy()).get_json, "https://nowhere.example/list")
    assert not isinstance(error, NetworkPolicyError)
    assert error.code == "status_retrieval.dns_failed"
