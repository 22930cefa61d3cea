"""A registry whose database is down, for the tests that pin ``registry.unavailable``: the
refusal names the operation that failed and the exception's type, never more.

    monkeypatch.setattr(registry, "_engine", DownEngine())   # every write fails
    monkeypatch.setattr(registry, "_reader", DownReader())   # every read fails
    refused_unavailable(lambda: store.revoke(token_id), "revoke an access token")

``opened(url)`` opens the registry such a test swaps parts of, and closes it through its real
engine afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from mcbadge.errors import RegistryError
from mcbadge.registry import Registry


@contextmanager
def opened(url: str, **options: Any) -> Iterator[Registry]:
    """``Registry.open(url, **options)``; afterwards its real engine is disposed, even when a
    test put a failing one in its place."""
    registry = Registry.open(url, **options)
    engine = registry._engine
    try:
        yield registry
    finally:
        engine.dispose()


def operational_error() -> sa.exc.OperationalError:
    """The error a database gives when its disk fails (not a lost race: never retried)."""
    return sa.exc.OperationalError("stmt", {}, Exception("disk I/O error"))


class DownEngine:
    """An engine whose every write transaction fails."""

    def begin(self) -> Any:
        raise operational_error()

    def dispose(self) -> None:
        pass


class DownReader:
    """A read-only engine whose every connection fails."""

    def connect(self) -> Any:
        raise operational_error()


def refused(call: Callable[[], object], code: str, message: str) -> None:
    """``call()`` raises a :class:`RegistryError` with exactly this code and message."""
    with pytest.raises(RegistryError) as caught:
        call()
    assert caught.value.code == code
    assert str(caught.value) == message


def refused_unavailable(call: Callable[[], object], what: str) -> None:
    """``call()`` is ``registry.unavailable``, naming ``what`` could not be done."""
    refused(
        call, "registry.unavailable", f"the issuer registry could not {what} (OperationalError)"
    )
