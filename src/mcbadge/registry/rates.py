"""Per-client request counters of the HTTP service, on the registry's database (table
``rate_counters``): a fixed one-minute window per client key, so every worker and every host
on one database counts the same requests::

    counter = RateCounter(Registry.open("sqlite:///provider.db"))
    decision = counter.hit("token:3f2a9c0b1d4e", limit=600)
    if not decision.allowed:
        ...  # answer 429 with Retry-After: decision.retry_after

Cost. A database write per request costs about as much as a third of a whole in-process
verification (measured in docs/service-security.md), which is the service's entire overhead
budget on ``/credentials/verify``. So each process adds its requests to the database in
batches: a key's hits are counted locally and written (one upsert that returns the
database's total for the window, every process's hits included) once ``limit // 20`` of them
are pending; between two writes a process decides from the last total it read plus its own
pending hits. A client is therefore never let through more than ``(processes - 1) * (limit
// 20 - 1)`` requests above its limit in a window, and exactly at its limit with one process
or a limit under 40 (one write per request). The batch is soft state only: a process that
dies loses at most its unwritten hits, a window's worth of leniency, nothing a second
process needs to decide correctly.

The counters are not worth an fsync either: on SQLite they are written through a connection
of their own with ``synchronous=NORMAL`` (in WAL mode a commit is then flushed at the next
checkpoint), on PostgreSQL with ``synchronous_commit`` off for that transaction; the
registry's credentials and status changes keep their full durability. Rows of windows
before the previous one are deleted by the first write of a key in each new window.

The window is the wall clock's minute on each host; hosts whose clocks are seconds apart
count a few requests in the neighbouring window, which is harmless. A fixed window lets a
client send up to twice the limit across a window boundary: the limit guards against
runaway or abusive clients, it is not an exact quota.
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

__all__ = [
    "BATCH_SHARE",
    "WINDOW_SECONDS",
    "PendingWrite",
    "RateCounter",
    "RateDecision",
    "create_rate_table",
]

WINDOW_SECONDS = 60
#: A process writes a key's hits once ``limit // BATCH_SHARE`` are pending (at least 1).
BATCH_SHARE = 20
_MAX_KEY = 200
#: Local entries kept before those of past windows are dropped.
_MAX_LOCAL = 10_000

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


@dataclass
class _Local:
    """This process's view of one key in one window."""

    window: int
    known: int = 0  # the database's total at the last write (every process's hits)
    pending: int = 0  # this process's hits not written yet


@dataclass(frozen=True)
class PendingWrite:
    """A batch of one key's hits that :meth:`RateCounter.write` adds to the database."""

    key: str
    window: int
    hits: int
    limit: int
    retry_after: int
    entry: _Local


class RateCounter:
    """Count requests per client key in ``registry``'s database. ``clock`` returns the Unix
    time in seconds (tests fix it). Thread-safe; one per process."""

    def __init__(self, registry: Registry, *, clock: Callable[[], float] = time.time) -> None:
        self._registry = registry
        self._clock = clock
        self._lock = threading.Lock()
        self._engine: sa.Engine | None = None
        self._local: dict[str, _Local] = {}

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
        step = self.count_locally(client_key, limit=limit)
        return step if isinstance(step, RateDecision) else self.write(step)

    def count_locally(self, client_key: str, *, limit: int) -> RateDecision | PendingWrite:
        """:meth:`hit` without touching the database: the decision, or, when this process's
        batch for the key is full, the :class:`PendingWrite` to pass to :meth:`write` (which
        does; an async caller runs it in a thread)."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        key = client_key[:_MAX_KEY]
        batch = max(1, limit // BATCH_SHARE)
        with self._lock:
            entry = self._entry(key, window)
            entry.pending += 1
            if entry.pending < batch:
                count = entry.known + entry.pending
                return RateDecision(count <= limit, count, limit, retry_after)
            taken, entry.pending = entry.pending, 0
        return PendingWrite(key, window, taken, limit, retry_after, entry)

    def write(self, pending: PendingWrite) -> RateDecision:
        """Write a full batch (from :meth:`count_locally`) and decide from the new total."""
        entry = pending.entry
        try:
            total = self._count(pending.key, pending.window, pending.hits)
        except RegistryError:
            with self._lock:
                entry.pending += pending.hits
            raise
        with self._lock:
            entry.known = max(entry.known, total)
            count = entry.known + entry.pending
        return RateDecision(count <= pending.limit, count, pending.limit, pending.retry_after)

    def _entry(self, key: str, window: int) -> _Local:
        entry = self._local.get(key)
        if entry is None or entry.window != window:
            if len(self._local) >= _MAX_LOCAL:
                self._local = {k: e for k, e in self._local.items() if e.window >= window}
            entry = self._local[key] = _Local(window)
        return entry

    def _upsert(self, conn: sa.Connection, key: str, window: int, hits: int) -> int:
        dialect = self._registry.dialect
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        upsert = (
            insert(rate_counters_t)
            .values(client_key=key, window=window, hits=hits)
            .on_conflict_do_update(
                index_elements=[rate_counters_t.c.client_key, rate_counters_t.c.window],
                set_={"hits": rate_counters_t.c.hits + hits},
            )
            .returning(rate_counters_t.c.hits)
        )
        count = int(conn.execute(upsert).scalar_one())
        if count == hits:  # the key's first write in this window: forget windows before the last
            conn.execute(sa.delete(rate_counters_t).where(rate_counters_t.c.window < window - 1))
        return count

    def _count(self, key: str, window: int, hits: int) -> int:
        """Add ``hits`` to the key's window in the database; the new total."""
        if self._registry.dialect == "postgresql":

            def work(conn: sa.Connection) -> int:
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                return self._upsert(conn, key, window, hits)

            return self._registry._write("count a request", work)
        try:
            with self._sqlite_engine().begin() as conn:
                return self._upsert(conn, key, window, hits)
        except sa.exc.SQLAlchemyError as exc:
            raise RegistryError(
                f"the registry could not count a request ({type(exc).__name__})",
                code="registry.unavailable",
            ) from None
