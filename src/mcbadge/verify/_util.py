"""Small helpers shared by the checks: check constructors, RFC 3339 parsing, JSON access."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from mcbadge.errors import MCBadgeError
from mcbadge.verify.result import Check

__all__ = [
    "as_list",
    "check_from_error",
    "exceeds",
    "failed",
    "parse_datetime",
    "passed",
    "skipped",
    "warning",
]

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def passed(check_id: str, message: str, detail: str = "ok") -> Check:
    return Check(check_id, "passed", f"{check_id}.{detail}", message)


def failed(check_id: str, detail: str, message: str, *, indeterminate: bool = False) -> Check:
    return Check(check_id, "failed", f"{check_id}.{detail}", message, indeterminate)


def skipped(check_id: str, message: str, detail: str = "not_applicable") -> Check:
    return Check(check_id, "skipped", f"{check_id}.{detail}", message)


def warning(check_id: str, detail: str, message: str) -> Check:
    return Check(check_id, "warning", f"{check_id}.{detail}", message)


def check_from_error(check_id: str, error: MCBadgeError, *, indeterminate: bool = False) -> Check:
    """A failed check from a typed error; keeps the error's code when it names this check."""
    code = error.code if error.code.startswith(f"{check_id}.") else f"{check_id}.{error.code}"
    return Check(check_id, "failed", code, error.message, indeterminate)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class DateTimeError(ValueError):
    """A date-time string is not RFC 3339 with an explicit offset."""


def parse_datetime(value: Any, name: str) -> datetime:
    """Parse an RFC 3339 date-time that MUST carry a time zone (naive ones are ambiguous)."""
    if not isinstance(value, str):
        raise DateTimeError(f"{name} is not a date-time string")
    if not _RFC3339.match(value):
        if re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2})?(\.\d+)?$", value):
            raise DateTimeError(f"{name} ({value}) has no time zone")
        raise DateTimeError(f"{name} ({value!r}) is not an RFC 3339 date-time")
    text = value.upper().replace("Z", "+00:00")
    # Python takes at most 6 fractional digits; extra precision cannot change the verdict.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DateTimeError(f"{name} ({value!r}) is not a valid date-time") from None


def exceeds(later: datetime, earlier: datetime, margin: timedelta) -> bool:
    """True when ``later`` is more than ``margin`` after ``earlier``.

    Every comparison of a date with the clock skew goes through here: ``later - earlier`` of two
    aware datetimes is always representable (the whole datetime range is ~3.7 million days, a
    timedelta holds 999,999,999), whereas ``validUntil + skew`` overflows for 9999-12-31 and
    ``validFrom - skew`` for 0001-01-01.
    """
    return later - earlier > margin
