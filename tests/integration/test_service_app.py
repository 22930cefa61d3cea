"""The service's frame: configuration checks, the app on a real port, errors as
ProblemDetails without stack traces."""

from __future__ import annotations

import pytest
from tests.integration.service_helpers import client, serve

from mcbadge.keys import generate_key, save_key
from mcbadge.server.config import ConfigError, IssuerConfig, ServiceConfig


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
