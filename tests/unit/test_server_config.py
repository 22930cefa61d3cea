"""mcbadge.server.config: the TOML file's settings, the flags over them, and the JSON each
worker process rebuilds the configuration from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mcbadge.server.config import (
    ConfigError,
    FetchConfig,
    IssuerConfig,
    LimitsConfig,
    ProviderConfig,
    ServiceConfig,
    from_environment,
    from_mapping,
    load_config,
    to_environment,
)

FILE = """
host = "127.0.0.1"
port = 9000
db = "sqlite:///from-file.db"
workers = 2

[[issuers]]
key = "keys/provider.json"
did_web = true
name = "Mountain State"
format = "ecdsa-rdfc-2019"

[verify]
invalid_status = 422

[limits]
max_body_bytes = 2048
requests_per_minute = 50

[provider]
name = "Mountain State Micro-credentials"
privacy_url = "https://badges.example/privacy"
"""


def test_file_settings_relative_keys_and_flags_on_top(tmp_path: Path) -> None:
    (tmp_path / "service.toml").write_text(FILE, encoding="utf-8")
    config = load_config(tmp_path / "service.toml", port=9100, db=None, workers=None)
    assert config.port == 9100  # the flag
    assert config.db == "sqlite:///from-file.db"  # no flag given (None): the file's
    assert config.workers == 2
    assert config.invalid_status == 422
    assert config.limits == LimitsConfig(max_body_bytes=2048, requests_per_minute=50)
    assert config.provider == ProviderConfig(
        name="Mountain State Micro-credentials", privacy_url="https://badges.example/privacy"
    )
    assert config.issuers == (
        IssuerConfig(
            key=str(tmp_path.resolve() / "keys" / "provider.json"),
            did_web=True,
            name="Mountain State",
            format="ecdsa-rdfc-2019",
        ),
    )
    config.check()


def test_fetch_settings_of_the_verify_table(tmp_path: Path) -> None:
    (tmp_path / "service.toml").write_text(
        "[verify]\n"
        "fetch = true\n"
        "fetch_timeout = 3\n"
        "max_fetches = 8\n"
        "fetch_seconds = 7.5\n"
        'resolve = ["badges.provider.test:443:10.1.2.3"]\n'
        'ca_bundle = "certs/ca.pem"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "service.toml").check()
    assert config.fetch == FetchConfig(
        enabled=True,
        timeout=3.0,
        max_fetches=8,
        fetch_seconds=7.5,
        resolve=("badges.provider.test:443:10.1.2.3",),
        ca_bundle=str(tmp_path.resolve() / "certs" / "ca.pem"),
    )
    assert from_mapping({}).fetch == FetchConfig()  # off unless asked for
    assert not FetchConfig().enabled


def test_the_worker_fetcher_is_built_only_when_asked_for_and_tightly_bounded() -> None:
    from mcbadge.server.state import fetcher_of

    assert fetcher_of(ServiceConfig()) is None
    pin = "badges.provider.test:443:10.1.2.3"
    fetcher = fetcher_of(ServiceConfig(fetch=FetchConfig(enabled=True, timeout=3, resolve=(pin,))))
    assert fetcher is not None
    policy = fetcher.policy
    assert not policy.offline
    assert not policy.allow_http
    assert policy.timeout == 3
    assert dict(policy.resolve) == {("badges.provider.test", 443): "10.1.2.3"}
    assert policy.max_bytes == 1024 * 1024  # a did.json or a status list is a few KiB
    assert policy.cache_bytes == 32 * 1024 * 1024
    fetcher.close()


def test_each_worker_rebuilds_the_same_configuration() -> None:
    config = ServiceConfig(
        port=9001,
        db="sqlite:///x.db",
        issuers=(IssuerConfig(key="/k.json", did_web=True), IssuerConfig(key="/k2.json")),
        invalid_status=400,
        limits=LimitsConfig(max_json_depth=32),
        allow_unauthenticated=True,
        provider=ProviderConfig(name="Academy", terms_url="https://a.example/terms"),
        fetch=FetchConfig(enabled=True, resolve=("a.test:443:127.0.0.1",), ca_bundle="/ca.pem"),
    )
    environ = {"MCBADGE_SERVICE_CONFIG": to_environment(config)}
    assert from_environment(environ) == config


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hots": "x"}, "unknown setting 'hots' (known: allow_unauthenticated, base_url, db,"),
        ({"limits": {"max_body": 1}}, "unknown setting [limits] 'max_body'"),
        (
            {"verify": {"status": 200}},
            "unknown setting [verify] 'status' (known: ca_bundle, fetch, fetch_seconds,",
        ),
        ({"verify": {"fetch": "yes"}}, "[verify] fetch must be true or false"),
        ({"verify": {"fetch_timeout": True}}, "[verify] fetch_timeout must be a number"),
        ({"verify": {"max_fetches": 2.5}}, "[verify] max_fetches must be an integer"),
        ({"verify": {"resolve": "a:443:10.0.0.1"}}, "[verify] resolve must be an array"),
        ({"verify": {"resolve": [443]}}, 'resolve must be an array of "HOST:PORT:ADDR"'),
        ({"verify": {"resolve": ["a:443:nowhere"]}}, "verify.resolve: --resolve entry"),
        ({"verify": {"max_fetches": 0}}, "verify.max_fetches must be from 1 to 256"),
        ({"verify": {"fetch_timeout": 600}}, "verify.fetch_timeout must be more than 0"),
        ({"verify": {"fetch_seconds": 0}}, "verify.fetch_seconds must be more than 0"),
        (
            {"limits": {"concurrent_verifications": 0}},
            "limits.concurrent_verifications must be from 1 to 256",
        ),
        ({"issuers": [{"key": "k", "did": "x"}]}, "unknown setting [[issuers]] #1 'did'"),
        ({"issuers": {"key": "k"}}, "issuers must be an array of tables: [[issuers]]"),
        ({"limits": 5}, "[limits] must be a table of settings"),
        ({"provider": {"logo": "x"}}, "unknown setting [provider] 'logo' (known: image, name,"),
        ({"provider": {"terms_url": "ftp://x"}}, "provider.terms_url must be an http(s) URL"),
        ({"port": True}, "port must be an integer"),
        ({"workers": "2"}, "workers must be an integer"),
        ({"allow_unauthenticated": "yes"}, "allow_unauthenticated must be true or false"),
        ({"issuers": [{"key": 7}]}, "[[issuers]] #1 key must be a string"),
        ({"issuers": [{"name": "x"}]}, '[[issuers]] #1 needs key = "<key file'),
    ],
)
def test_a_wrong_setting_is_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        from_mapping(data).check()
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (ServiceConfig(host="0.0.0.0"), "needs --base-url (base_url)"),
        (ServiceConfig(host="0.0.0.0", base_url="https://b.example"), None),
        (ServiceConfig(host="::1", allow_unauthenticated=True), None),
        (ServiceConfig(host="localhost", allow_unauthenticated=True), None),
        (
            ServiceConfig(
                host="10.0.0.5", base_url="https://b.example", allow_unauthenticated=True
            ),
            "only allowed on a loopback address",
        ),
        (
            ServiceConfig(issuers=(IssuerConfig("a", did_web=True), IssuerConfig("b", True))),
            "only one issuer can be the instance's did:web",
        ),
        (ServiceConfig(issuers=(IssuerConfig("a", format="rsa"),)), "format must be one of"),
        (ServiceConfig(port=0), "port must be 1..65535"),
    ],
)
def test_check(config: ServiceConfig, message: str | None) -> None:
    if message is None:
        assert config.check() is config
        return
    with pytest.raises(ConfigError, match=re.escape(message)):
        config.check()


def test_unreadable_and_invalid_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("port = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml is not valid TOML"):
        load_config(tmp_path / "bad.toml")
    (tmp_path / "unknown.toml").write_text('hots = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown\.toml: unknown setting 'hots'"):
        load_config(tmp_path / "unknown.toml")


def test_an_unusable_ca_bundle_stops_the_service_at_start(tmp_path: Path) -> None:
    from mcbadge.server.state import build_state

    (tmp_path / "not-pem.txt").write_text("hello", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    for bundle, message in (
        (tmp_path / "missing.pem", "verify.ca_bundle: no such file"),
        (tmp_path / "not-pem.txt", "is not a PEM file of CAs"),
    ):
        config = ServiceConfig(db=db, fetch=FetchConfig(enabled=True, ca_bundle=str(bundle)))
        with pytest.raises(ConfigError, match=re.escape(message)):
            build_state(config)
