"""Verified status list credentials, remembered so a folder sharing one list verifies it once.

A verdict is reused only when everything it depended on is the same: the same policy object
(so the same keys, resolver settings, clock skew and fetcher), the same nesting depth, the same
URL and the exact same fetched bytes (SHA-256). It is time-bounded twice: by the list's
``ttl`` (or, without one, by the HTTP freshness the fetcher reported), measured on a monotonic
clock, and by the instants the verdict itself depended on: the ``now`` it was judged at (an
earlier ``now`` is not reused: a "created" or "validFrom" check could fail there) and the
earliest of the list's ``validUntil``/``expirationDate``, its proofs' ``expires`` and a VC-JWT's
``exp`` (plus the clock skew), after which it would have failed. Only a list that verified is
ever stored; a failed or undecided one is verified again next time. Bounded (LRU).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mcbadge.verify._context import RunContext
from mcbadge.verify._network import Fetched
from mcbadge.verify._util import DateTimeError, as_list, parse_datetime

__all__ = ["MAX_ENTRIES", "clear", "remember", "verified_before"]

MAX_ENTRIES = 64
_MAX_SECONDS = 24 * 3600.0
#: Monotonic seconds; replaced by tests.
clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class _Verdict:
    policy: Any
    judged_at: datetime
    holds_until: datetime | None
    fresh_until: float


_Key = tuple[int, int, str, str]
_entries: OrderedDict[_Key, _Verdict] = OrderedDict()
_lock = threading.Lock()


def _key(ctx: RunContext, fetched: Fetched) -> _Key | None:
    if not fetched.digest:
        return None
    return (id(ctx.policy), ctx.depth, fetched.url, fetched.digest)


def verified_before(ctx: RunContext, fetched: Fetched) -> bool:
    """True when this exact list was verified under this policy and the verdict still holds."""
    key = _key(ctx, fetched)
    if key is None:
        return False
    with _lock:
        verdict = _entries.get(key)
        if verdict is None:
            return False
        if verdict.policy is not ctx.policy or verdict.fresh_until <= clock():
            del _entries[key]
            return False
        _entries.move_to_end(key)
    if ctx.now < verdict.judged_at:
        return False
    return verdict.holds_until is None or ctx.now < verdict.holds_until


def remember(
    ctx: RunContext, fetched: Fetched, list_credential: dict[str, Any], jwt_payload: Any
) -> None:
    """Store the verdict of a list that has just VERIFIED (the caller checks that)."""
    key = _key(ctx, fetched)
    seconds = _fresh_seconds(fetched, list_credential)
    if key is None or seconds is None:
        return
    try:
        holds_until = _holds_until(list_credential, jwt_payload, ctx.policy.clock_skew)
    except (DateTimeError, TypeError, ValueError, OverflowError, OSError):
        return  # a date we cannot read: never cache on a guess
    verdict = _Verdict(ctx.policy, ctx.now, holds_until, clock() + seconds)
    with _lock:
        _entries[key] = verdict
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def clear() -> None:
    """Forget every remembered verdict."""
    with _lock:
        _entries.clear()


def _fresh_seconds(fetched: Fetched, list_credential: dict[str, Any]) -> float | None:
    subject = list_credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0:
        return min(ttl / 1000, _MAX_SECONDS)
    if fetched.expires_at is not None:
        remaining = (fetched.expires_at - datetime.now(UTC)).total_seconds()
        return min(remaining, _MAX_SECONDS) if remaining > 0 else None
    return None


def _holds_until(
    list_credential: dict[str, Any], jwt_payload: Any, skew: timedelta
) -> datetime | None:
    ends: list[datetime] = []
    for name in ("validUntil", "expirationDate"):
        if name in list_credential:
            ends.append(parse_datetime(list_credential[name], name))
    for proof in as_list(list_credential.get("proof")):
        if isinstance(proof, dict) and "expires" in proof:
            ends.append(parse_datetime(proof["expires"], "expires"))
    if isinstance(jwt_payload, dict) and "exp" in jwt_payload:
        exp = jwt_payload["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise TypeError("exp is not a NumericDate")
        ends.append(datetime.fromtimestamp(exp, UTC))
    return min(ends) + skew if ends else None
