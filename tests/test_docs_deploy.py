"""docs/deploy.md's blocks that are not Python: each configuration file is one that
``mcbadge serve`` accepts, the nginx body limit is not below the service's, and the systemd
unit starts the service with that configuration."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from mcbadge.server.config import LimitsConfig, from_mapping

PAGE = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
UNITS = {"k": 1024, "m": 1024 * 1024, "g": 1024 * 1024 * 1024}


def blocks(language: str) -> list[str]:
    return [code for kind, code in FENCE.findall(PAGE.read_text("utf-8")) if kind == language]


def test_each_configuration_is_accepted() -> None:
    configurations = [from_mapping(tomllib.loads(text)).check() for text in blocks("toml")]
    assert [config.db.split(":", 1)[0] for config in configurations if config.db] == [
        "sqlite",
        "postgresql+psycopg",
        "sqlite",
    ]
    assert all(config.public_url.startswith("https://") for config in configurations)
    # the licensure office's instance fetches; the providers' stay offline (the default)
    assert [config.fetch.enabled for config in configurations] == [False, False, True]


def test_the_proxy_body_limit_is_not_below_the_service_limit() -> None:
    (nginx,) = blocks("nginx")
    size = re.search(r"client_max_body_size\s+(\d+)([kmg]?);", nginx)
    assert size is not None
    proxy_limit = int(size.group(1)) * UNITS.get(size.group(2), 1)
    for text in blocks("toml"):
        limits = from_mapping(tomllib.loads(text)).limits
        assert proxy_limit >= limits.max_body_bytes
    assert proxy_limit >= LimitsConfig().max_body_bytes
    for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header} " in nginx


def test_the_unit_starts_the_service_with_its_configuration() -> None:
    (unit,) = blocks("ini")
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.MULTILINE)
    assert exec_start is not None
    command = exec_start.group(1).split()
    assert command[1:3] == ["serve", "--config"]
    assert "KillSignal=SIGTERM" in unit
