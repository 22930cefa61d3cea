"""Per-client request counters of the HTTP service, on the registry's database (table
``rate_counters``): a fixed one-minute window per client key, so every worker and every host
on one database counts the same requests (nothing lives in one process's memory)::

    counter = RateCounter(Registry.open("sqlite:///provider.db"))
    decision = counter.hit("token:3f2a9c0b1d4e", limit=600)
    if not decision.allowed:
        ...  # answer 429 with Retry-After: decision.retry_after

Each hit is ONE statement (an upsert that returns the new count) in its own short
transaction. The counters are not worth an fsync: losing the last minute's counts in a power
cut only lets a client make a few more requests. So on SQLite they are written through a
connection of their own with ``synchronous=NORMAL`` (in WAL mode a commit is then not
flushed to disk until the next checkpoint), and on PostgreSQL with ``synchronous_commit``
off for that transaction; the registry's credentials and status changes keep their full
durability. Rows of windows older than the previous one are deleted by the first hit of a
key in each new window, so the table holds about two rows per active client.

The window is the wall clock's minute (``int(time.time()) // 60`` on each host); hosts with
clocks seconds apart count a few requests in the neighbouring window, which is harmless. A
fixed window lets a client send up to twice the limit across a window boundary; the limit is
a guard against runaway or abusive clients, not an exact quota.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mcbadge.errors import RegistryError

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = ["WINDOW_SECONDS", "RateCounter", "RateDecision", "create_rate_table"]

WINDOW_SECONDS = 60
_MAX_KEY = 200

_metadata = sa.MetaData()
rate_counters_t = sa.Table(
    "rate_counters",
    _metadata,
    sa.Column("client_key", sa.String(_MAX_KEY), nullable=False),
    sa.Column("window", sa.BigInteger, nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("client_key", "window", name="pk_rate_counters"),
)
_window_index = sa.Index("ix_rate_counters_window", rate_counters_t.c.window)


def create_rate_table(conn: sa.Connection) -> None:
    """Migration step: the rate_counters table (see :data:`mcbadge.registry.core.MIGRATIONS`)."""
    rate_counters_t.create(conn, checkfirst=True)
    _window_index.create(conn, checkfirst=True)


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one hit: ``allowed``, the count in this window, and the whole seconds
    until the window ends (what ``Retry-After`` says when it is refused)."""

    allowed: bool
    count: int
    limit: int
    retry_after: int


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 60000")
    # The registry put the file in WAL mode when it opened it (a persistent setting).
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class RateCounter:
    """Count requests per client key in ``registry``'s database. ``clock`` returns the Unix
    time in seconds (tests fix it)."""

    def __init__(self, registry: Registry, *, clock: Callable[[], float] = time.time) -> None:
        self._registry = registry
        self._clock = clock
        self._lock = threading.Lock()
        self._engine: sa.Engine | None = None

    def _sqlite_engine(self) -> sa.Engine:
        with self._lock:
            if self._engine is None:
                engine = sa.create_engine(sa.make_url(self._registry.url))
                sa.event.listen(engine, "connect", _sqlite_connect)
                sa.event.listen(engine, "begin", _sqlite_begin)
                self._engine = engine
            return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def hit(self, client_key: str, *, limit: int) -> RateDecision:
        """Count one request of ``client_key`` and say whether it is within ``limit`` per
        minute. Raises :class:`~mcbadge.errors.RegistryError` (``registry.unavailable``) when
        the database cannot count it: the caller then refuses the request (fail closed)."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        key = client_key[:_MAX_KEY]
        count = self._count(key, window)
        return RateDecision(count <= limit, count, limit, retry_after)

    def _upsert(self, conn: sa.Connection, key: str, window: int) -> int:
        dialect = self._registry.dialect
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        upsert = (
            insert(rate_counters_t)
            .values(client_key=key, window=window, hits=1)
            .on_conflict_do_update(
                index_elements=[rate_counters_t.c.client_key, rate_counters_t.c.window],
                set_={"hits": rate_counters_t.c.hits + 1},
            )
            .returning(rate_counters_t.c.hits)
        )
        count = int(conn.execute(upsert).scalar_one())
        if count == 1:  # the key's first hit in this window: forget windows before the last
            conn.execute(sa.delete(rate_counters_t).where(rate_counters_t.c.window < window - 1))
        return count

    def _count(self, key: str, window: int) -> int:
        if self._registry.dialect == "postgresql":

            def work(conn: sa.Connection) -> int:
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                return self._upsert(conn, key, window)

            return self._registry._write("count a request", work)
        try:
            with self._sqlite_engine().begin() as conn:
                return self._upsert(conn, key, window)
        except sa.exc.SQLAlchemyError as exc:
            raise RegistryError(
                f"the registry could not count a request ({type(exc).__name__})",
                code="registry.unavailable",
            ) from None
