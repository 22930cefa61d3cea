"""The service's frame: configuration checks, the app on a real port, errors as
ProblemDetails without stack traces."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from tests.integration.service_helpers import client, serve

from mcbadge.issuer import SigningKey
from mcbadge.keys import generate_key, save_key
from mcbadge.server import serve_in_thread
from mcbadge.server.config import ConfigError, IssuerConfig, ServiceConfig
from mcbadge.server.runner import ListenError


def test_unauthenticated_mode_is_refused_off_loopback() -> None:
    with pytest.raises(ConfigError, match="loopback"):
        ServiceConfig(host="0.0.0.0", allow_unauthenticated=True).check()
    ServiceConfig(host="127.0.0.1", allow_unauthenticated=True).check()


def test_plain_http_base_url_is_refused_unless_loopback() -> None:
    with pytest.raises(ConfigError, match="https"):
        ServiceConfig(base_url="http://badges.provider.example").check()


def test_unknown_path_is_a_problem_details_404(tmp_path) -> None:  # type: ignore[no-untyped-def]
    save_key(generate_key("ed25519"), tmp_path / "key.json")
    config = ServiceConfig(
        db=f"sqlite:///{tmp_path / 'service.db'}",
        issuers=(IssuerConfig(key=str(tmp_path / "key.json")),),
    )
    with serve(config) as url, client(url) as http:
        assert http.get("/healthz").json()["status"] == "ok"
        answer = http.get("/no/such/thing")
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "http.not_found"
        ims = http.get("/ims/ob/v3p0/nothing")
        assert ims.status_code == 404
        assert ims.json()["imsx_codeMajor"] == "failure"
        assert (
            ims.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
            == "not_found"
        )


def test_serve_in_thread_serves_on_loopback_under_its_own_address_until_the_block_ends(
    tmp_path: Path,
) -> None:
    """The public helper a script uses: the credentials it issues carry the address it
    listens on (so their status lists resolve there), and the port is closed afterwards."""
    save_key(generate_key("ed25519"), tmp_path / "key.json")
    config = ServiceConfig(
        db=f"sqlite:///{tmp_path / 'service.db'}",
        issuers=(IssuerConfig(key=str(tmp_path / "key.json")),),
        allow_unauthenticated=True,
    )
    issuer = SigningKey.load(tmp_path / "key.json").did_key
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:teacher"},
    }
    with serve_in_thread(config) as url, client(url) as http:
        assert url.startswith("http://127.0.0.1:")
        answer = http.post("/credentials/issue", json={"credential": credential})
        assert answer.status_code == 201, answer.text
        entry = answer.json()["verifiableCredential"]["credentialStatus"]
        assert entry["statusListCredential"].startswith(url + "/")
        assert http.get(entry["statusListCredential"]).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/healthz", timeout=30)


def test_serve_in_thread_on_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    config = ServiceConfig(db=f"sqlite:///{tmp_path / 'service.db'}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(ListenError, match=f"cannot listen on 127.0.0.1:{port}"),
            serve_in_thread(config, port=port),
        ):
            pass
