"""Small helpers every registry table module shares: how times are stored (UTC ISO 8601 to
the microsecond, so they sort as text on SQLite and PostgreSQL alike) and how secrets are
kept (only their SHA-256)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

__all__ = ["aware_now", "digest", "stamp"]


def stamp(value: datetime) -> str:
    """``value`` as the registry stores a time."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def digest(value: str) -> str:
    """The SHA-256 (hex) under which a secret (a token, a code, a challenge) is kept."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def aware_now(now: datetime | None) -> datetime:
    """``now`` (a test's fixed instant) or the current time; a naive datetime is refused."""
    when = now if now is not None else datetime.now(UTC)
    if when.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return when
