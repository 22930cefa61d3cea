"""Fixtures shared by the unit tests: the process's local time zone set away from UTC, so
that a test shows a naive or local time is not taken for UTC (POSIX TZ strings: no tz
database needed)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


def _local_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> Iterator[None]:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def far_east_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone set to UTC+9."""
    yield from _local_zone(monkeypatch, "JST-9")


@pytest.fixture
def far_west_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone set to UTC-5."""
    yield from _local_zone(monkeypatch, "EST5")
