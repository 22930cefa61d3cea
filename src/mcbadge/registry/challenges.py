"""The verifier's challenge store, on the registry's database (schema version 3).

A licensure office that asks for a presentation first issues a challenge: random (256 bits),
single use, with an expiry. The holder signs it into the presentation; verification consumes
it. A challenge that was already used, was never issued here, or has expired fails with its
own code (``challenge.reused``, ``challenge.unknown``, ``challenge.expired``)::

    store = ChallengeStore(Registry.open("sqlite:///office.db"))
    issued = store.issue(ttl=timedelta(minutes=10))  # issued.value goes to the teacher
    policy = VerificationPolicy(challenge=issued.value, challenge_store=store)

Only the SHA-256 of each challenge is kept. Consuming is one conditional ``UPDATE`` (``used_at``
set only where it is still empty and the challenge has not expired), so two verifiers racing
for the same challenge cannot both win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from mcbadge.errors import MCBadgeError
from mcbadge.registry._util import aware_now as _now
from mcbadge.registry._util import digest as _digest
from mcbadge.registry._util import stamp as _stamp

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = ["DEFAULT_TTL", "MAX_TTL", "Challenge", "ChallengeError", "ChallengeStore"]

DEFAULT_TTL = timedelta(minutes=10)
MAX_TTL = timedelta(days=7)
#: Expired challenges are forgotten this long after expiry (until then they read "expired").
_KEEP_EXPIRED = timedelta(days=30)

_metadata = sa.MetaData()
challenges_t = sa.Table(
    "challenges",
    _metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("used_at", sa.String(40), nullable=True),
)
_expiry_index = sa.Index("ix_challenges_expires", challenges_t.c.expires_at)


def create_challenge_table(conn: sa.Connection) -> None:
    """Migration step 3: the challenges table (see :data:`mcbadge.registry.core.MIGRATIONS`)."""
    challenges_t.create(conn, checkfirst=True)
    _expiry_index.create(conn, checkfirst=True)


class ChallengeError(MCBadgeError):
    """A challenge cannot be used: ``challenge.reused``, ``.unknown`` or ``.expired``."""

    code = "challenge.unknown"


@dataclass(frozen=True)
class Challenge:
    """An issued challenge: ``value`` (give it to the holder) and when it expires."""

    value: str
    expires_at: datetime

    def __repr__(self) -> str:  # the value is a single-use secret until it is used
        return f"Challenge(expires_at={self.expires_at.isoformat()})"


class ChallengeStore:
    """Issue and consume single-use challenges in ``registry``'s database."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def issue(self, ttl: timedelta = DEFAULT_TTL, *, now: datetime | None = None) -> Challenge:
        """A new random challenge, valid for ``ttl`` (at most :data:`MAX_TTL`); durable when
        this returns."""
        if not isinstance(ttl, timedelta) or not timedelta(0) < ttl <= MAX_TTL:
            raise ValueError(f"ttl must be a positive timedelta of at most {MAX_TTL}")
        when = _now(now)
        value = secrets.token_urlsafe(32)
        expires = when + ttl

        def work(conn: sa.Connection) -> None:
            conn.execute(
                sa.delete(challenges_t).where(
                    challenges_t.c.expires_at < _stamp(when - _KEEP_EXPIRED)
                )
            )
            conn.execute(
                sa.insert(challenges_t).values(
                    digest=_digest(value),
                    created_at=_stamp(when),
                    expires_at=_stamp(expires),
                    used_at=None,
                )
            )

        self._registry._write("issue a challenge", work)
        return Challenge(value, expires)

    def consume(self, value: str, *, now: datetime | None = None) -> None:
        """Use ``value`` once; raises :class:`ChallengeError` when it cannot be used."""
        if not isinstance(value, str) or not value or len(value) > 1024:
            raise ChallengeError(
                "the challenge is not one this office issued", code="challenge.unknown"
            )
        when = _stamp(_now(now))
        digest = _digest(value)

        def work(conn: sa.Connection) -> str | None:
            done = conn.execute(
                sa.update(challenges_t)
                .where(
                    challenges_t.c.digest == digest,
                    challenges_t.c.used_at.is_(None),
                    challenges_t.c.expires_at > when,
                )
                .values(used_at=when)
            )
            if done.rowcount == 1:
                return None
            row = conn.execute(
                sa.select(challenges_t.c.used_at, challenges_t.c.expires_at).where(
                    challenges_t.c.digest == digest
                )
            ).first()
            if row is None:
                return "unknown"
            return "reused" if row.used_at is not None else "expired"

        why = self._registry._write("use a challenge", work)
        if why == "unknown":
            raise ChallengeError(
                "the challenge was not issued by this office (or is long expired)",
                code="challenge.unknown",
            )
        if why == "reused":
            raise ChallengeError(
                "the challenge was already used: a presentation answers a challenge only once "
                "(this one may be a replay)",
                code="challenge.reused",
            )
        if why == "expired":
            raise ChallengeError(
                "the challenge has expired; issue a new one", code="challenge.expired"
            )
