"""The registry's PostgreSQL-only behaviour: the mutation survivors of ``mcbadge.registry``
that the mutation run (which has no PostgreSQL server) could not see.

Pinned here, on a throwaway PostgreSQL server (``scripts/ci-postgres.sh``; skipped without
``MCBADGE_TEST_PG_URL``, failing under ``CI=true``):

- the row locks of the write paths: a second writer of the same credential (or of the same
  open status list) waits for the first one's transaction instead of acting on what it read
  before the first one committed. Each race is driven step by step: the first writer is held
  just after its locking SELECT, the second one is started, and the first is let go only
  once the second is seen waiting for a lock in ``pg_stat_activity`` (or has finished: the
  lock is missing). No sleeps decide an outcome; every wait is bounded;
- a plain look-up takes no row lock (a reader never waits for a writer);
- ``Registry.open`` migrates under the advisory lock, so it waits for another migrator;
- a pooled connection the server dropped is replaced before use (``pool_pre_ping``);
- a failing rate count on PostgreSQL names the operation.

Each test that needs the server to itself (locks, backends, advisory locks are seen
database-wide) runs in a database of its own, dropped afterwards.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from tests.registry_kit import DownEngine, opened, refused, refused_unavailable

from mcbadge.registry import SCHEMA_VERSION, Registry
from mcbadge.registry.audit import Actor
from mcbadge.registry.core import _MIGRATION_LOCK
from mcbadge.registry.rates import RateCounter

pytestmark = pytest.mark.postgres

ISSUER = "did:example:pg-issuer"
TEMPLATE = "https://provider.example/status/{purpose}-{n}.json"
#: The longest any step of a race may take (the suite's own timeout is 60 s a test).
STEP = 20.0


def _pg_url() -> str:
    """The throwaway PostgreSQL server's URL (``tests/pg_fixture.py``: the test is skipped
    locally, and fails under ``CI=true``, when none is set). Imported by name so that mypy
    run on this file alone needs no path to ``tests/``."""
    return str(importlib.import_module("pg_fixture").pg_url_or_skip())


class _Server:
    """A database of the test's own on the server, and a connection outside it to watch it."""

    def __init__(self, admin: sa.Engine, url: str, name: str) -> None:
        self.admin = admin
        self.url = url
        self.name = name

    def backends(self, condition: str = "true") -> int:
        """How many server processes are connected to the test's database (and meet
        ``condition``, a clause on ``pg_stat_activity``)."""
        with self.admin.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity"
                        f" WHERE datname = :name AND pid <> pg_backend_pid() AND ({condition})"
                    ),
                    {"name": self.name},
                ).scalar_one()
            )

    def lock_waiters(self) -> int:
        """Backends of the test's database waiting for a lock (a row or an advisory lock)."""
        return self.backends("wait_event_type = 'Lock'")


@pytest.fixture
def server() -> Iterator[_Server]:
    base = sa.make_url(_pg_url())
    name = f"mcbadge_pgx_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield _Server(admin, base.set(database=name).render_as_string(hide_password=False), name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(name)s",
                {"name": name},
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


@pytest.fixture
def registry(server: _Server) -> Iterator[Registry]:
    with opened(server.url, fill_limit=2) as registry:
        yield registry


def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds (a bounded wait on the server's state, not a race)."""
    deadline = time.monotonic() + STEP
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.01)


class _Outcome:
    """What a call run in a thread returned or raised."""

    def __init__(self, call: Callable[[], Any], name: str) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(call,), name=name, daemon=True)

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.value = call()
        except BaseException as exc:  # handed to the test thread
            self.error = exc

    def result(self) -> Any:
        self.thread.join(STEP)
        assert not self.thread.is_alive(), f"{self.thread.name} did not finish"
        if self.error is not None:
            raise self.error
        return self.value


class _HoldAfter:
    """Holds the thread named ``first`` just after its first statement containing ``marker``
    (run, so its locks are taken), until :meth:`release`."""

    def __init__(self, engine: sa.Engine, marker: str) -> None:
        self.engine = engine
        self.marker = marker
        self.reached = threading.Event()
        self.go = threading.Event()

    def __enter__(self) -> _HoldAfter:
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.go.set()
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (
            threading.current_thread().name == "first"
            and self.marker in statement
            and not self.reached.is_set()
        ):
            self.reached.set()
            self.go.wait(STEP)

    def release(self) -> None:
        self.go.set()


def _race(
    server: _Server,
    registry: Registry,
    marker: str,
    first: Callable[[], Any],
    second: Callable[[], Any],
) -> tuple[_Outcome, _Outcome, bool]:
    """Run ``first`` up to (and including) its statement containing ``marker``, then
    ``second`` until it waits for a lock or finishes, then let ``first`` go on. Returns both
    outcomes and whether ``second`` waited (for the lock ``first`` held)."""
    with _HoldAfter(registry._engine, marker) as hold:
        one = _Outcome(first, "first")
        one.thread.start()
        _until(
            lambda: hold.reached.is_set() or not one.thread.is_alive(),
            "the first writer to run its locking statement",
        )
        if not hold.reached.is_set():
            one.result()  # it failed before: its error
            pytest.fail("the first writer never ran its locking statement")
        two = _Outcome(second, "second")
        two.thread.start()
        _until(
            lambda: not two.thread.is_alive() or server.lock_waiters() > 0,
            "the second writer to wait for a lock or finish",
        )
        waited = two.thread.is_alive()
        hold.release()
        one.thread.join(STEP)
        two.thread.join(STEP)
    return one, two, waited


def _history(registry: Registry, credential_id: str) -> list[tuple[str, str | None]]:
    """The credential's status events as ``(action, reason)``, in the order given."""
    return [(action, reason) for action, _p, reason, _at in registry.status_events(credential_id)]


def _reserved(registry: Registry, key: str) -> str:
    reservation = registry.reserve(
        ISSUER, key, purposes=("revocation", "suspension"), list_url_template=TEMPLATE
    )
    return reservation.credential_id


# -- row locks of the write paths ----------------------------------------------------------


def test_a_second_recording_waits_for_the_first_and_is_refused(
    server: _Server, registry: Registry
) -> None:
    """Two processes record different signed documents for one reserved credential at once.
    The first one's ``SELECT … FOR UPDATE`` makes the second wait; it then reads the first's
    document and is refused. Without the lock both read ``reserved``, both succeed, and the
    second caller is told its document was recorded when the first one's overwrote it.
    Kills Registry.record_issued 20, 23, 24 (``lock=True`` → None / default / False)."""
    credential_id = _reserved(registry, "rec-1")
    one, two, waited = _race(
        server,
        registry,
        "FROM credentials",
        lambda: registry.record_issued(credential_id, '{"doc":"first"}', "ldp_vc"),
        lambda: registry.record_issued(credential_id, '{"doc":"second"}', "ldp_vc"),
    )
    assert one.result() is None
    refused(
        two.result,
        "registry.already_issued",
        f"credential {credential_id} was already issued with a different document",
    )
    assert waited
    assert registry.get(credential_id).document == '{"doc":"first"}'


def test_a_batch_recording_locks_its_rows_against_a_single_recording(
    server: _Server, registry: Registry
) -> None:
    """``record_issued_many`` reads its credentials ``FOR UPDATE`` on PostgreSQL: a single
    ``record_issued`` of another document waits, then is refused. Without the lock the
    single one records its document first, and the batch's UPDATE (``state = 'reserved'``)
    then matches no row, so the batch reports its item recorded when it is not.
    Kills Registry.record_issued_many 48, 49, 50 (the dialect test wrong on PostgreSQL)."""
    credential_id = _reserved(registry, "rec-many-1")
    one, two, waited = _race(
        server,
        registry,
        "FROM credentials",
        lambda: registry.record_issued_many([(credential_id, '{"doc":"batch"}', "ldp_vc")]),
        lambda: registry.record_issued(credential_id, '{"doc":"single"}', "ldp_vc"),
    )
    assert one.result() == [None]
    refused(
        two.result,
        "registry.already_issued",
        f"credential {credential_id} was already issued with a different document",
    )
    assert waited
    assert registry.get(credential_id).document == '{"doc":"batch"}'


def test_two_revocations_at_once_revoke_once(server: _Server, registry: Registry) -> None:
    """The second of two concurrent revocations waits for the first, then finds the
    credential revoked: one ``revoke`` event, the first reason, and the second caller gets
    that record back. Without the lock both revoke: two events, and the reason and time of
    the second are overwritten by the first one's.
    Kills Registry._change 4, 7, 8 (``lock=True`` → None / default / False)."""
    credential_id = _reserved(registry, "rev-1")
    one, two, waited = _race(
        server,
        registry,
        "FROM credentials",
        lambda: registry.revoke(credential_id, "first reason"),
        lambda: registry.revoke(credential_id, "second reason"),
    )
    first, second = one.result(), two.result()
    assert _history(registry, credential_id) == [("revoke", "first reason")]
    assert first.revocation_reason == "first reason"
    assert second == first
    assert waited


def test_two_reservations_at_once_never_overfill_a_list(
    server: _Server, registry: Registry
) -> None:
    """With ``fill_limit=2`` and one index of list 1 taken, two reservations race for the
    last one. The first locks the open list (``FOR UPDATE`` on PostgreSQL); the second waits,
    finds it full and starts list 2. Without the lock both take an index in list 1, which
    ends with 3 entries, over its fill limit.
    Kills Registry._current_list 16, 17, 18 (the dialect test wrong on PostgreSQL)."""
    registry.reserve(ISSUER, "fill-0", list_url_template=TEMPLATE)
    one, two, waited = _race(
        server,
        registry,
        "FROM status_lists",
        lambda: registry.reserve(ISSUER, "fill-1", list_url_template=TEMPLATE),
        lambda: registry.reserve(ISSUER, "fill-2", list_url_template=TEMPLATE),
    )
    assert one.result().entries["revocation"].list_url.endswith("revocation-1.json")
    assert two.result().entries["revocation"].list_url.endswith("revocation-2.json")
    assert waited
    assert [
        (lst.url.rsplit("/", 1)[1], lst.allocated, lst.full)
        for lst in registry.status_lists(ISSUER)
    ] == [
        ("revocation-1.json", 2, True),
        ("revocation-2.json", 1, False),
    ]


def test_a_look_up_does_not_wait_for_a_writer(server: _Server, registry: Registry) -> None:
    """``get`` reads a credential without a row lock: a writer holding the row (here an
    open ``SELECT … FOR UPDATE``, as ``record_issued`` takes) does not hold up a reader.
    Kills Registry._row 1 (``lock`` on by default: every look-up would lock the row and
    wait for the writer's transaction)."""
    credential_id = _reserved(registry, "look-1")
    writer = sa.create_engine(server.url)
    try:
        with writer.begin() as conn:
            conn.execute(
                sa.text("SELECT id FROM credentials WHERE id = :id FOR UPDATE"),
                {"id": credential_id},
            )
            look = _Outcome(lambda: registry.get(credential_id), "reader")
            look.thread.start()
            _until(
                lambda: not look.thread.is_alive() or server.lock_waiters() > 0,
                "the look-up to finish or wait",
            )
            assert not look.thread.is_alive(), "the look-up waited for the writer's row lock"
        assert look.result().credential_id == credential_id
    finally:
        writer.dispose()


# -- orders the SQL must ask for ----------------------------------------------------------------


def test_status_lists_come_in_sequence_order_within_each_purpose(registry: Registry) -> None:
    """With ``fill_limit=2`` every two reservations start a list of each purpose. On
    PostgreSQL the query's outer join and sort give no order within a purpose unless it is
    asked for (this data came back scrambled without ``seq`` in the ORDER BY), and
    ``ORDER BY purpose, NULL`` is an error there.
    Kills Registry.status_lists 13 (``seq`` → None) and 15 (``seq`` dropped)."""
    for n in range(12):
        _reserved(registry, f"list-{n}")
    assert [(lst.purpose, lst.url.rsplit("/", 1)[1]) for lst in registry.status_lists(ISSUER)] == [
        (purpose, f"{purpose}-{n}.json")
        for purpose in ("revocation", "suspension")
        for n in range(1, 7)
    ]


def test_status_events_come_oldest_first_after_a_rolled_back_change(
    server: _Server, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An audited status change whose audit record cannot be written rolls back, leaving a
    dead event row in the table's first page; once (auto)vacuum frees it, PostgreSQL stores
    a later event in that slot, before older ones. The history must still come oldest first,
    by event id, not in the order the rows lie in the table.
    Kills Registry.status_events 3 (``order_by(events.id)`` → ``order_by(None)``)."""
    credential_id = _reserved(registry, "events-1")
    registry.suspend(credential_id, "one")

    def audit_down(*_args: Any, **_kwargs: Any) -> None:
        raise sa.exc.OperationalError("INSERT INTO audit_log", {}, Exception("disk full"))

    with monkeypatch.context() as patched:
        patched.setattr("mcbadge.registry.core.write_record", audit_down)
        refused_unavailable(
            lambda: registry.unsuspend(credential_id, "lost", actor=Actor("desk")),
            "unsuspend the credential",
        )
    registry.unsuspend(credential_id, "two")
    vacuum = sa.create_engine(server.url, isolation_level="AUTOCOMMIT")
    try:
        with vacuum.connect() as conn:
            conn.exec_driver_sql("VACUUM status_events")
    finally:
        vacuum.dispose()
    registry.suspend(credential_id, "three")
    assert _history(registry, credential_id) == [
        ("suspend", "one"),
        ("unsuspend", "two"),
        ("suspend", "three"),
    ]


# -- opening: the migration lock and the pre-ping ------------------------------------------


def test_open_migrates_only_under_the_advisory_lock(server: _Server) -> None:
    """``Registry.open`` migrates inside ``pg_advisory_xact_lock``: while another migrator
    holds the lock, it waits and creates nothing; once the lock is released it migrates.
    Without the lock two processes opening one empty database at once both create the
    tables, and one fails. Kills Registry._migrate 2, 3 (the dialect test wrong on
    PostgreSQL, so no lock)."""
    other = sa.create_engine(server.url)
    opened: _Outcome | None = None
    try:
        with other.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
            conn.commit()
            opened = _Outcome(lambda: Registry.open(server.url), "opener")
            opened.thread.start()
            _until(
                lambda: not opened.thread.is_alive() or server.lock_waiters() > 0,
                "the opener to wait for the migration lock or finish",
            )
            assert opened.thread.is_alive(), "opened without waiting for the migration lock"
            assert not sa.inspect(conn).has_table("schema_version")
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
            conn.commit()
            registry = opened.result()
        try:
            assert registry.schema_version() == SCHEMA_VERSION
        finally:
            registry.close()
    finally:
        if opened is not None and opened.thread.is_alive():
            opened.thread.join(STEP)
        other.dispose()


def test_a_connection_the_server_dropped_is_replaced_before_use(server: _Server) -> None:
    """The server ends the registry's idle pooled connections (a restart, a failover, an
    idle timeout). The next read and write still work: ``pool_pre_ping`` finds the dead
    connection before use and opens a new one. Without it the first use after the drop is
    ``registry.unavailable``. Kills Registry.open 93, 95, 96 (``pool_pre_ping=True`` → None
    / dropped / False)."""
    with Registry.open(server.url) as registry:
        registry.ensure_issuer(ISSUER, "Before")
        assert server.backends() >= 1
        with server.admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": server.name},
            )
        _until(lambda: server.backends() == 0, "the server to end the pooled connections")
        assert registry.schema_version() == SCHEMA_VERSION
        registry.ensure_issuer(ISSUER, "After")
        reservation = registry.reserve(ISSUER, "after-drop", list_url_template=TEMPLATE)
        assert registry.get(reservation.credential_id).issuer_id == ISSUER


# -- the rate counter's PostgreSQL branch ------------------------------------------------------


def test_a_failing_count_on_postgresql_names_the_operation(server: _Server) -> None:
    """On PostgreSQL the counter writes through the registry's own ``_write``, so a failing
    database is ``registry.unavailable`` naming "count a request".
    Kills RateCounter._count 16, 20, 21 (the operation's name None or changed)."""
    registry = Registry.open(server.url)
    engine = registry._engine
    try:
        counter = RateCounter(registry)
        assert counter.hit("client-a", limit=1).allowed
        registry._engine = DownEngine()  # type: ignore[assignment]
        refused_unavailable(lambda: counter.hit("client-a", limit=1), "count a request")
    finally:
        engine.dispose()
