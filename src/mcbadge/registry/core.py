"""Registry implementation (SQLAlchemy 2 Core). See :mod:`mcbadge.registry` for the API tour.

Concurrency model: every write is one transaction. On SQLite each write transaction starts
with ``BEGIN IMMEDIATE`` (the database write lock is taken up front, so concurrent processes
serialise instead of failing on lock upgrade) and waits up to ``busy_timeout``; the journal is
WAL with ``synchronous=FULL`` so a commit survives power loss once it returns. On PostgreSQL
the UNIQUE constraints decide races: a transaction that loses (same idempotency key, same
index, same new list) rolls back and is retried, and sees the winner's row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from mcbadge.errors import RegistryError
from mcbadge.registry.audit import Actor, write_record

__all__ = [
    "DEFAULT_LIST_SIZE",
    "PURPOSES",
    "SCHEMA_VERSION",
    "AwardRequest",
    "CredentialRecord",
    "Registry",
    "Reservation",
    "RevocationRecord",
    "StatusEntry",
    "StatusListRecord",
    "default_url",
    "describe_url",
    "recipient_hash",
]

DEFAULT_LIST_SIZE = 131_072  # Bitstring Status List minimum (16 KiB), for herd privacy
PURPOSES = ("revocation", "suspension")
_RETRIES = 200
#: Rounds of random draws for a batch's indexes before drawing among the free ones: at the
#: default fill limit (half the list) a draw is taken with odds at most 1/2, so a batch
#: needs a few rounds; only a list filled near its size runs out of them.
_DRAW_ROUNDS = 100
_T = TypeVar("_T")
_MIGRATION_LOCK = 0x6D636264  # pg_advisory_xact_lock key ("mcbd")


def default_url() -> str:
    """``sqlite:///<user_data_dir>/mcbadge/registry.db`` (directory created)."""
    import platformdirs

    directory = Path(platformdirs.user_data_dir("mcbadge", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'registry.db'}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# -- schema ------------------------------------------------------------------------------

metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)
issuers = sa.Table(
    "issuers",
    metadata,
    sa.Column("id", sa.String(512), primary_key=True),
    sa.Column("name", sa.Text, nullable=True),
)
status_lists_t = sa.Table(
    "status_lists",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issuer_id", sa.String(512), sa.ForeignKey("issuers.id"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("url", sa.String(2048), nullable=False, unique=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("full", sa.Boolean, nullable=False, default=False),
    sa.UniqueConstraint("issuer_id", "purpose", "seq", name="uq_status_list_seq"),
    sa.CheckConstraint("purpose IN ('revocation', 'suspension')", name="ck_list_purpose"),
    sa.CheckConstraint("size >= 131072", name="ck_list_size"),
)
credentials_t = sa.Table(
    "credentials",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("issuer_id", sa.String(512), sa.ForeignKey("issuers.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(512), nullable=False),
    sa.Column("achievement_id", sa.Text, nullable=True),
    sa.Column("recipient_hash", sa.Text, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("document", sa.Text, nullable=True),
    sa.Column("format", sa.String(64), nullable=True),
    sa.Column("digest", sa.String(64), nullable=True),
    sa.Column("reserved_at", sa.String(40), nullable=False),
    sa.Column("issued_at", sa.String(40), nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
    sa.Column("revocation_reason", sa.Text, nullable=True),
    sa.Column("revoked_at", sa.String(40), nullable=True),
    sa.Column("suspended", sa.Boolean, nullable=False, default=False),
    sa.Column("suspension_reason", sa.Text, nullable=True),
    sa.UniqueConstraint("issuer_id", "idempotency_key", name="uq_credential_idempotency"),
    sa.CheckConstraint("state IN ('reserved', 'issued')", name="ck_credential_state"),
)
status_entries_t = sa.Table(
    "status_entries",
    metadata,
    sa.Column("list_id", sa.Integer, sa.ForeignKey("status_lists.id"), nullable=False),
    sa.Column("status_index", sa.Integer, nullable=False),
    sa.Column("credential_id", sa.String(128), sa.ForeignKey("credentials.id"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.PrimaryKeyConstraint("list_id", "status_index", name="pk_status_entries"),
    sa.UniqueConstraint("credential_id", "purpose", name="uq_entry_credential_purpose"),
)
status_events_t = sa.Table(
    "status_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("credential_id", sa.String(128), sa.ForeignKey("credentials.id"), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.CheckConstraint("action IN ('revoke', 'suspend', 'unsuspend')", name="ck_event_action"),
)

sa.Index("ix_credentials_issuer", credentials_t.c.issuer_id)
sa.Index("ix_events_credential", status_events_t.c.credential_id)
_award_index = sa.Index(
    "ix_credentials_award",
    credentials_t.c.issuer_id,
    credentials_t.c.recipient_hash,
    credentials_t.c.achievement_id,
)


def _migration_1(conn: sa.Connection) -> None:
    for table in (issuers, status_lists_t, credentials_t, status_entries_t, status_events_t):
        table.create(conn, checkfirst=True)


# -- awards: the natural key (issuer, achievement id, recipient) ------------------------------


def recipient_hash(normalized_email: str) -> str:
    """What the registry keeps to know who an award went to: ``sha256$`` of the normalised
    e-mail (unsalted, so the same teacher is found again; the credential itself carries its
    own salted hash)."""
    return "sha256$" + hashlib.sha256(normalized_email.encode("utf-8")).hexdigest()


def _default_key_recipient(key: str) -> str | None:
    """The e-mail of a key in the default form ``"<e-mail> <achievement>"``, else ``None``."""
    email, space, rest = key.partition(" ")
    local, at, domain = email.partition("@")
    if not space or not rest or not at or not local or not domain or email != email.lower():
        return None
    return email


def _migration_2(conn: sa.Connection) -> None:
    """Awards are found by (issuer, recipient, achievement): index them, and fill the
    recipient of every row whose key has the default ``"<e-mail> <achievement>"`` form (rows
    keyed otherwise, e.g. by an old roster row id, are matched when that row comes again)."""
    _award_index.create(conn, checkfirst=True)
    rows = conn.execute(
        sa.select(credentials_t.c.id, credentials_t.c.idempotency_key).where(
            credentials_t.c.recipient_hash.is_(None)
        )
    ).all()
    updates = [
        {"b_id": row.id, "recipient_hash": recipient_hash(email)}
        for row in rows
        if (email := _default_key_recipient(row.idempotency_key)) is not None
    ]
    if updates:
        conn.execute(
            sa.update(credentials_t).where(credentials_t.c.id == sa.bindparam("b_id")),
            updates,
        )


def _migration_3(conn: sa.Connection) -> None:
    """The verifier's single-use challenges (:mod:`mcbadge.registry.challenges`)."""
    from mcbadge.registry.challenges import create_challenge_table

    create_challenge_table(conn)


def _migration_4(conn: sa.Connection) -> None:
    """The HTTP service's access tokens (:mod:`mcbadge.registry.access`)."""
    from mcbadge.registry.access import create_access_token_table

    create_access_token_table(conn)


def _migration_5(conn: sa.Connection) -> None:
    """The audit records (:mod:`mcbadge.registry.audit`) and the service's per-client
    request counters (:mod:`mcbadge.registry.rates`)."""
    from mcbadge.registry.audit import create_audit_table
    from mcbadge.registry.rates import create_rate_table

    create_audit_table(conn)
    create_rate_table(conn)


def _migration_6(conn: sa.Connection) -> None:
    """OAuth 2.0 clients, codes, refresh tokens, learner grants (:mod:`mcbadge.registry.oauth`)
    and the OB 3.0 API's learners and their credentials (:mod:`mcbadge.registry.ob_store`)."""
    from mcbadge.registry.oauth import create_oauth_tables
    from mcbadge.registry.ob_store import create_learner_tables

    create_oauth_tables(conn)
    create_learner_tables(conn)


#: Ordered migration steps; step ``n`` (1-based) brings the schema to version ``n``.
#: Append only — never edit a released step.
MIGRATIONS: Sequence[Callable[[sa.Connection], None]] = (
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
    _migration_5,
    _migration_6,
)
SCHEMA_VERSION = len(MIGRATIONS)


# -- records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusEntry:
    """One allocated status-list slot: what goes into a credentialStatus entry."""

    purpose: str
    list_id: int
    list_url: str
    index: int


@dataclass(frozen=True)
class CredentialRecord:
    """One credential row with its current status."""

    credential_id: str
    issuer_id: str
    idempotency_key: str
    achievement_id: str | None
    recipient_hash: str | None
    state: str  # 'reserved' | 'issued'
    document: str | None
    format: str | None
    digest: str | None
    reserved_at: str
    issued_at: str | None
    entries: dict[str, StatusEntry] = field(default_factory=dict)
    revoked: bool = False
    revocation_reason: str | None = None
    revoked_at: str | None = None
    suspended: bool = False
    suspension_reason: str | None = None


@dataclass(frozen=True)
class Reservation(CredentialRecord):
    """What :meth:`Registry.reserve` returns; ``new`` is False when the key was seen before.
    ``document is not None`` means it was issued already: re-emit, don't re-sign."""

    new: bool = False


@dataclass(frozen=True)
class AwardRequest:
    """One credential to reserve in :meth:`Registry.reserve_many`.

    ``key`` is the idempotency key. With ``match_award`` (the key is the natural one, not a
    caller's explicit key) an existing award of ``achievement_id`` to ``recipient_hash`` by
    the same issuer is returned whatever key it was reserved under, and so is a row reserved
    under ``legacy_key`` (a key older mcbadge used, e.g. a roster row id) for the same
    achievement whose recipient was never recorded (it is recorded now)."""

    key: str
    achievement_id: str | None = None
    recipient_hash: str | None = None
    match_award: bool = False
    legacy_key: str | None = None


@dataclass(frozen=True)
class StatusListRecord:
    list_id: int
    issuer_id: str
    purpose: str
    url: str
    size: int
    created_at: str
    full: bool
    allocated: int


@dataclass(frozen=True)
class RevocationRecord:
    credential_id: str
    reason: str | None
    revoked_at: str


# -- engine ------------------------------------------------------------------------------


_SQLITE_BUSY_SECONDS = 60


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_SECONDS * 1000}")
    _enable_wal(cursor)
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _enable_wal(cursor: Any) -> None:
    """Put the database in WAL mode. Switching a new file needs it to itself, and SQLite
    answers "database is locked" at once instead of waiting out the busy timeout, so a
    second issuer opening the same new registry at that moment retries (as long as the
    busy timeout) instead of failing."""
    deadline = time.monotonic() + _SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(conn: sa.Connection) -> None:
    write = conn.get_execution_options().get("mcbadge_write", True)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _unavailable(exc: BaseException, what: str) -> RegistryError:
    return RegistryError(
        f"the issuer registry could not {what} ({type(exc).__name__})",
        code="registry.unavailable",
    )


class Registry:
    """The issuer's durable registry. Create with :meth:`open`; thread-safe (a pool of
    connections); use one per process (or share across threads)."""

    def __init__(
        self, engine: sa.Engine, *, url: str, fill_limit: int | None, list_size: int
    ) -> None:
        self._engine = engine
        self._reader = engine.execution_options(mcbadge_write=False)
        self.url = url
        self.list_size = list_size
        self.fill_limit = fill_limit if fill_limit is not None else list_size // 2
        self.dialect = engine.dialect.name

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        list_size: int = DEFAULT_LIST_SIZE,
        fill_limit: int | None = None,
    ) -> Registry:
        """Open (creating and migrating as needed) the registry at ``url``.

        ``list_size`` is the bits per new status list (at least 131,072). A list is marked
        full, and a new one started, once ``fill_limit`` indexes are allocated in it
        (default half the list, so random allocation stays quick and herds stay large).
        """
        if list_size < DEFAULT_LIST_SIZE:
            raise RegistryError(
                f"a status list must have at least {DEFAULT_LIST_SIZE} entries",
                code="registry.list_too_small",
            )
        if fill_limit is not None and not 1 <= fill_limit <= list_size:
            raise RegistryError("fill_limit must be 1..list_size", code="registry.bad_option")
        url = url or default_url()
        try:
            sa_url = sa.make_url(url)
        except sa.exc.ArgumentError:
            raise RegistryError(
                "not a database URL (expected sqlite:///path or postgresql+psycopg://…)",
                code="registry.bad_url",
            ) from None
        backend = sa_url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise RegistryError(
                f"unsupported registry database {backend!r} (SQLite or PostgreSQL)",
                code="registry.bad_url",
            )
        if backend == "sqlite" and sa_url.database in (None, "", ":memory:"):
            raise RegistryError(
                "an in-memory SQLite registry would not be durable; give a file path",
                code="registry.bad_url",
            )
        try:
            if backend == "sqlite":
                engine = sa.create_engine(sa_url, connect_args={"timeout": 60})
                sa.event.listen(engine, "connect", _sqlite_connect)
                sa.event.listen(engine, "begin", _sqlite_begin)
            else:
                engine = sa.create_engine(sa_url, pool_pre_ping=True)
            registry = cls(engine, url=url, fill_limit=fill_limit, list_size=list_size)
            registry._migrate()
        except RegistryError:
            raise
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise _unavailable(exc, "open the database") from None
        return registry

    @property
    def location(self) -> str:
        """Which registry this is, for messages: the SQLAlchemy URL with a SQLite path made
        absolute and any password hidden (``sqlite:////home/ada/…/registry.db``)."""
        return describe_url(self.url)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- migrations ------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(sa.select(schema_version.c.version)).scalar()
            if current is None:
                conn.execute(sa.insert(schema_version).values(id=1, version=0))
                current = 0
            if current > SCHEMA_VERSION:
                raise RegistryError(
                    f"the registry database is schema version {current}, newer than this "
                    f"mcbadge ({SCHEMA_VERSION}); upgrade mcbadge",
                    code="registry.schema_too_new",
                )
            for step in range(current, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
                conn.execute(sa.update(schema_version).values(version=step + 1))

    def schema_version(self) -> int:
        with self._reader.connect() as conn:
            return int(conn.execute(sa.select(schema_version.c.version)).scalar_one())

    # -- helpers ---------------------------------------------------------------------
    def _write(self, what: str, work: Callable[[sa.Connection], _T]) -> _T:
        """Run ``work`` in one write transaction, retrying when a UNIQUE race is lost."""
        for _attempt in range(_RETRIES):
            try:
                with self._engine.begin() as conn:
                    return work(conn)
            except sa.exc.IntegrityError:
                continue
            except sa.exc.OperationalError as exc:
                if "deadlock" in str(exc).lower() or "could not serialize" in str(exc).lower():
                    continue
                raise _unavailable(exc, what) from None
            except sa.exc.SQLAlchemyError as exc:
                raise _unavailable(exc, what) from None
        raise RegistryError(
            f"the issuer registry could not {what}: too much contention",
            code="registry.contention",
        )

    def _read(self, what: str, work: Callable[[sa.Connection], _T]) -> _T:
        try:
            with self._reader.connect() as conn:
                return work(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise _unavailable(exc, what) from None

    @staticmethod
    def _entries(conn: sa.Connection, credential_id: str) -> dict[str, StatusEntry]:
        rows = conn.execute(
            sa.select(
                status_entries_t.c.purpose,
                status_entries_t.c.list_id,
                status_lists_t.c.url,
                status_entries_t.c.status_index,
            )
            .join(status_lists_t, status_lists_t.c.id == status_entries_t.c.list_id)
            .where(status_entries_t.c.credential_id == credential_id)
        ).all()
        return {r[0]: StatusEntry(r[0], int(r[1]), str(r[2]), int(r[3])) for r in rows}

    @classmethod
    def _record(cls, conn: sa.Connection, row: Any, *, new: bool | None = None) -> Any:
        values: dict[str, Any] = dict(  # noqa: C408
            credential_id=row.id,
            issuer_id=row.issuer_id,
            idempotency_key=row.idempotency_key,
            achievement_id=row.achievement_id,
            recipient_hash=row.recipient_hash,
            state=row.state,
            document=row.document,
            format=row.format,
            digest=row.digest,
            reserved_at=row.reserved_at,
            issued_at=row.issued_at,
            entries=cls._entries(conn, row.id),
            revoked=bool(row.revoked),
            revocation_reason=row.revocation_reason,
            revoked_at=row.revoked_at,
            suspended=bool(row.suspended),
            suspension_reason=row.suspension_reason,
        )
        if new is None:
            return CredentialRecord(**values)
        return Reservation(**values, new=new)

    @staticmethod
    def _row(conn: sa.Connection, credential_id: str, *, lock: bool = False) -> Any:
        query = sa.select(credentials_t).where(credentials_t.c.id == credential_id)
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise RegistryError(
                f"no credential {credential_id} in this registry",
                code="registry.unknown_credential",
            )
        return row

    # -- issuers ---------------------------------------------------------------------
    def ensure_issuer(self, issuer_id: str, name: str | None = None) -> None:
        """Record an issuer (idempotent; updates the name when given)."""

        def work(conn: sa.Connection) -> None:
            self._ensure_issuer(conn, issuer_id, name)

        self._write("record the issuer", work)

    @staticmethod
    def _ensure_issuer(conn: sa.Connection, issuer_id: str, name: str | None) -> None:
        found = conn.execute(sa.select(issuers.c.name).where(issuers.c.id == issuer_id)).first()
        if found is None:
            conn.execute(sa.insert(issuers).values(id=issuer_id, name=name))
        elif name is not None and found[0] != name:
            conn.execute(sa.update(issuers).where(issuers.c.id == issuer_id).values(name=name))

    # -- reservation -----------------------------------------------------------------
    def reserve(
        self,
        issuer_id: str,
        idempotency_key: str,
        *,
        achievement_id: str | None = None,
        recipient_hash: str | None = None,
        purposes: Sequence[str] = ("revocation",),
        list_url_template: str,
        match_award: bool = False,
        legacy_key: str | None = None,
    ) -> Reservation:
        """Reserve a credential id and one random free status index per purpose, in one
        transaction; or return the existing reservation for ``idempotency_key`` (with
        ``match_award``, also an existing award of the same achievement to the same
        recipient: see :class:`AwardRequest`).

        ``list_url_template`` names new lists; it may use ``{purpose}`` and ``{n}`` (the
        list's sequence number for this issuer and purpose, from 1), e.g.
        ``"https://provider.example/status/{purpose}/{n}"``. Without ``{n}`` the template
        is used as a prefix and ``{purpose}/{n}`` appended.
        """
        if not issuer_id or not idempotency_key:
            raise RegistryError(
                "issuer id and idempotency key are required", code="registry.bad_key"
            )
        wanted = list(dict.fromkeys(purposes))
        if not wanted or any(p not in PURPOSES for p in wanted):
            raise RegistryError(
                "purposes must be 'revocation' and/or 'suspension'", code="registry.bad_purpose"
            )

        request = AwardRequest(
            idempotency_key, achievement_id, recipient_hash, match_award, legacy_key
        )

        def work(conn: sa.Connection) -> Reservation:
            existing = self._find_awards(conn, issuer_id, [request]).get(idempotency_key)
            if existing is not None:
                return existing
            self._ensure_issuer(conn, issuer_id, None)
            credential_id = f"urn:uuid:{uuid.uuid4()}"
            conn.execute(
                sa.insert(credentials_t).values(
                    id=credential_id,
                    issuer_id=issuer_id,
                    idempotency_key=idempotency_key,
                    achievement_id=achievement_id,
                    recipient_hash=recipient_hash,
                    state="reserved",
                    reserved_at=_now(),
                    revoked=False,
                    suspended=False,
                )
            )
            for purpose in wanted:
                self._allocate(conn, issuer_id, purpose, credential_id, list_url_template)
            row = self._row(conn, credential_id)
            created: Reservation = self._record(conn, row, new=True)
            return created

        return self._write("reserve a credential", work)

    def reserve_many(
        self,
        issuer_id: str,
        requests: Sequence[tuple[str, str | None] | AwardRequest],
        *,
        purposes: Sequence[str] = ("revocation",),
        list_url_template: str,
    ) -> list[Reservation]:
        """:meth:`reserve` for many ``(idempotency_key, achievement_id)`` pairs or
        :class:`AwardRequest` in ONE transaction (durable when it returns): one commit and a
        handful of statements per chunk instead of a dozen per credential. Results are in
        request order; a key given twice gets the same reservation (``new`` only on the
        first)."""
        wanted = list(dict.fromkeys(purposes))
        if not wanted or any(p not in PURPOSES for p in wanted):
            raise RegistryError(
                "purposes must be 'revocation' and/or 'suspension'", code="registry.bad_purpose"
            )
        awards = [r if isinstance(r, AwardRequest) else AwardRequest(r[0], r[1]) for r in requests]
        if not issuer_id or any(not award.key for award in awards):
            raise RegistryError(
                "issuer id and idempotency key are required", code="registry.bad_key"
            )
        if not requests:
            return []

        def work(conn: sa.Connection) -> list[Reservation]:
            found = self._find_awards(conn, issuer_id, awards)
            fresh: dict[str, tuple[str, str | None]] = {}
            hashes: dict[str, str | None] = {}
            for award in awards:
                if award.key not in found and award.key not in fresh:
                    fresh[award.key] = (f"urn:uuid:{uuid.uuid4()}", award.achievement_id)
                    hashes[award.key] = award.recipient_hash
            if fresh:
                self._ensure_issuer(conn, issuer_id, None)
                now = _now()
                conn.execute(
                    sa.insert(credentials_t),
                    [
                        {
                            "id": credential_id,
                            "issuer_id": issuer_id,
                            "idempotency_key": key,
                            "achievement_id": achievement_id,
                            "recipient_hash": hashes[key],
                            "state": "reserved",
                            "reserved_at": now,
                            "revoked": False,
                            "suspended": False,
                        }
                        for key, (credential_id, achievement_id) in fresh.items()
                    ],
                )
                ids = [credential_id for credential_id, _ in fresh.values()]
                entries = {
                    purpose: self._allocate_many(conn, issuer_id, purpose, ids, list_url_template)
                    for purpose in wanted
                }
                for key, (credential_id, achievement_id) in fresh.items():
                    found[key] = Reservation(
                        credential_id=credential_id,
                        issuer_id=issuer_id,
                        idempotency_key=key,
                        achievement_id=achievement_id,
                        recipient_hash=hashes[key],
                        state="reserved",
                        document=None,
                        format=None,
                        digest=None,
                        reserved_at=now,
                        issued_at=None,
                        entries={p: entries[p][credential_id] for p in wanted},
                        new=True,
                    )
            result: list[Reservation] = []
            given: set[str] = set()
            for key in (award.key for award in awards):
                reservation = found[key]
                if key in given and reservation.new:
                    reservation = dataclasses.replace(reservation, new=False)
                given.add(key)
                result.append(reservation)
            return result

        return self._write("reserve credentials", work)

    def _find_awards(
        self, conn: sa.Connection, issuer_id: str, awards: Sequence[AwardRequest]
    ) -> dict[str, Reservation]:
        """The existing reservations of ``awards``, by requested key: by idempotency key;
        for a ``match_award`` request not found so, the issuer's earliest award of the same
        achievement to the same recipient; else a ``legacy_key`` row of the same achievement
        with no recipient recorded (which gets the recipient now)."""
        keys = list(dict.fromkeys(award.key for award in awards))
        found: dict[str, Reservation] = {}
        for start in range(0, len(keys), 500):
            rows = conn.execute(
                sa.select(credentials_t).where(
                    credentials_t.c.issuer_id == issuer_id,
                    credentials_t.c.idempotency_key.in_(keys[start : start + 500]),
                )
            ).all()
            for row in rows:
                found[row.idempotency_key] = self._record(conn, row, new=False)
        natural = [
            award
            for award in awards
            if award.match_award
            and award.key not in found
            and award.recipient_hash is not None
            and award.achievement_id is not None
        ]
        if not natural:
            return found
        hashes = list(dict.fromkeys(award.recipient_hash for award in natural))
        earliest: dict[tuple[str | None, str | None], Any] = {}
        for start in range(0, len(hashes), 500):
            rows = conn.execute(
                sa.select(credentials_t)
                .where(
                    credentials_t.c.issuer_id == issuer_id,
                    credentials_t.c.recipient_hash.in_(hashes[start : start + 500]),
                )
                .order_by(credentials_t.c.reserved_at, credentials_t.c.id)
            ).all()
            for row in rows:
                earliest.setdefault((row.recipient_hash, row.achievement_id), row)
        legacy_keys = [
            award.legacy_key
            for award in natural
            if award.legacy_key and (award.recipient_hash, award.achievement_id) not in earliest
        ]
        legacy: dict[str, Any] = {}
        for start in range(0, len(legacy_keys), 500):
            rows = conn.execute(
                sa.select(credentials_t).where(
                    credentials_t.c.issuer_id == issuer_id,
                    credentials_t.c.idempotency_key.in_(legacy_keys[start : start + 500]),
                    credentials_t.c.recipient_hash.is_(None),
                )
            ).all()
            legacy.update((row.idempotency_key, row) for row in rows)
        for award in natural:
            pair = (award.recipient_hash, award.achievement_id)
            match: Any = earliest.get(pair)
            old = legacy.pop(award.legacy_key or "", None) if match is None else None
            if old is not None and old.achievement_id == award.achievement_id:
                # A row an older mcbadge keyed by this roster row's id: the same award.
                conn.execute(
                    sa.update(credentials_t)
                    .where(credentials_t.c.id == old.id)
                    .values(recipient_hash=award.recipient_hash)
                )
                match = earliest[pair] = self._row(conn, old.id)
            if match is not None:
                found[award.key] = self._record(conn, match, new=False)
        return found

    def _current_list(
        self, conn: sa.Connection, issuer_id: str, purpose: str, template: str
    ) -> tuple[int, int, str]:
        """The issuer's open list for ``purpose`` (id, size, url), started when none is."""
        query = (
            sa.select(status_lists_t)
            .where(
                status_lists_t.c.issuer_id == issuer_id,
                status_lists_t.c.purpose == purpose,
                status_lists_t.c.full.is_(False),
            )
            .order_by(status_lists_t.c.seq)
            .limit(1)
        )
        if self.dialect == "postgresql":
            query = query.with_for_update()
        current = conn.execute(query).first()
        if current is not None:
            return int(current.id), int(current.size), str(current.url)
        seq = (
            conn.execute(
                sa.select(sa.func.max(status_lists_t.c.seq)).where(
                    status_lists_t.c.issuer_id == issuer_id,
                    status_lists_t.c.purpose == purpose,
                )
            ).scalar()
            or 0
        ) + 1
        url = _list_url(template, purpose, seq)
        owner = conn.execute(
            sa.select(status_lists_t.c.issuer_id).where(status_lists_t.c.url == url)
        ).scalar()
        if owner is not None and owner != issuer_id:
            raise RegistryError(
                f"status list URL {url} already belongs to another issuer",
                code="registry.list_url_taken",
            )
        list_id = conn.execute(
            sa.insert(status_lists_t)
            .values(
                issuer_id=issuer_id,
                purpose=purpose,
                seq=seq,
                url=url,
                size=self.list_size,
                created_at=_now(),
                full=False,
            )
            .returning(status_lists_t.c.id)
        ).scalar_one()
        return int(list_id), self.list_size, url

    def _allocate(
        self, conn: sa.Connection, issuer_id: str, purpose: str, credential_id: str, template: str
    ) -> None:
        self._allocate_many(conn, issuer_id, purpose, [credential_id], template)

    def _allocate_many(
        self,
        conn: sa.Connection,
        issuer_id: str,
        purpose: str,
        credential_ids: Sequence[str],
        template: str,
    ) -> dict[str, StatusEntry]:
        """One random free index per credential, in the open list (a list is marked full,
        and the next one started, at ``fill_limit``); inserted in this transaction."""
        allocated: dict[str, StatusEntry] = {}
        remaining = list(credential_ids)
        while remaining:
            list_id, size, url = self._current_list(conn, issuer_id, purpose, template)
            count = conn.execute(
                sa.select(sa.func.count()).where(status_entries_t.c.list_id == list_id)
            ).scalar_one()
            take = max(1, min(len(remaining), self.fill_limit - count))
            # Indexes in the order they were drawn (a dict keeps it): each credential gets
            # an independent random index, never one correlated with its roster position.
            chosen: dict[int, None] = {}
            for _ in range(_DRAW_ROUNDS):
                draws: dict[int, None] = {}
                while len(draws) < take - len(chosen):
                    index = secrets.randbelow(size)
                    if index not in chosen:
                        draws[index] = None
                clashes = set(
                    conn.execute(
                        sa.select(status_entries_t.c.status_index).where(
                            status_entries_t.c.list_id == list_id,
                            status_entries_t.c.status_index.in_(list(draws)),
                        )
                    ).scalars()
                )
                chosen.update((index, None) for index in draws if index not in clashes)
                if len(chosen) == take:
                    break
            else:
                # A list filled close to its size (a ``fill_limit`` near ``list_size``): the
                # draws rarely land on the few indexes left, so draw among those directly.
                self._draw_among_free(conn, list_id, size, chosen, take)
            batch, remaining = remaining[:take], remaining[take:]
            pairs = list(zip(batch, chosen, strict=True))
            conn.execute(
                sa.insert(status_entries_t),
                [
                    {
                        "list_id": list_id,
                        "status_index": index,
                        "credential_id": credential_id,
                        "purpose": purpose,
                    }
                    for credential_id, index in pairs
                ],
            )
            for credential_id, index in pairs:
                allocated[credential_id] = StatusEntry(purpose, list_id, url, index)
            if count + take >= self.fill_limit:
                conn.execute(
                    sa.update(status_lists_t)
                    .where(status_lists_t.c.id == list_id)
                    .values(full=True)
                )
        return allocated

    @staticmethod
    def _draw_among_free(
        conn: sa.Connection, list_id: int, size: int, chosen: dict[int, None], take: int
    ) -> None:
        """Fill ``chosen`` up to ``take`` indexes drawn at random among the list's free ones
        (every index is read: only for a list the rounds of draws could not fill)."""
        taken = set(
            conn.execute(
                sa.select(status_entries_t.c.status_index).where(
                    status_entries_t.c.list_id == list_id
                )
            ).scalars()
        )
        free = [index for index in range(size) if index not in taken and index not in chosen]
        if len(free) < take - len(chosen):  # pragma: no cover - take <= fill_limit - count <= free
            raise RegistryError("no free status index found", code="registry.list_full")
        while len(chosen) < take:
            at = secrets.randbelow(len(free))
            free[at], free[-1] = free[-1], free[at]
            chosen[free.pop()] = None

    def record_issued(
        self, credential_id: str, document: str, format: str, *, actor: Actor | None = None
    ) -> None:
        """Store the signed ``document`` (JSON text or compact JWS) and mark it issued;
        durable on return. Recording the same document again is a no-op; a different one
        for an issued credential is refused (``registry.already_issued``). With ``actor``,
        the audit record of the issue is written in the same transaction."""
        if not isinstance(document, str) or not document:
            raise RegistryError(
                "the signed document must be non-empty text", code="registry.bad_document"
            )
        digest = hashlib.sha256(document.encode("utf-8")).hexdigest()

        def work(conn: sa.Connection) -> None:
            row = self._row(conn, credential_id, lock=True)
            if row.state == "issued":
                if row.digest == digest:
                    if actor is not None:
                        write_record(
                            conn,
                            actor,
                            "issue",
                            issuer_id=row.issuer_id,
                            target=credential_id,
                            outcome="unchanged",
                        )
                    return
                raise RegistryError(
                    f"credential {credential_id} was already issued with a different document",
                    code="registry.already_issued",
                )
            conn.execute(
                sa.update(credentials_t)
                .where(credentials_t.c.id == credential_id)
                .values(
                    state="issued",
                    document=document,
                    format=format,
                    digest=digest,
                    issued_at=_now(),
                )
            )
            if actor is not None:
                write_record(conn, actor, "issue", issuer_id=row.issuer_id, target=credential_id)

        self._write("record the issued credential", work)

    def record_issued_many(
        self, items: Sequence[tuple[str, str, str]]
    ) -> list[RegistryError | None]:
        """:meth:`record_issued` for many ``(credential_id, document, format)`` in ONE
        transaction, durable when it returns. Per item ``None`` (recorded, or the same
        document recorded before) or the error that item alone would have raised."""
        outcome: list[RegistryError | None] = [None] * len(items)
        digests: list[str] = []
        for position, (_, document, _) in enumerate(items):
            if not isinstance(document, str) or not document:
                outcome[position] = RegistryError(
                    "the signed document must be non-empty text", code="registry.bad_document"
                )
                digests.append("")
            else:
                digests.append(hashlib.sha256(document.encode("utf-8")).hexdigest())

        def work(conn: sa.Connection) -> list[RegistryError | None]:
            result = list(outcome)
            ids = [item[0] for item in items]
            state: dict[str, tuple[str, str | None]] = {}
            for start in range(0, len(ids), 500):
                query = sa.select(
                    credentials_t.c.id, credentials_t.c.state, credentials_t.c.digest
                ).where(credentials_t.c.id.in_(ids[start : start + 500]))
                if self.dialect == "postgresql":
                    query = query.with_for_update()
                for row in conn.execute(query):
                    state[row.id] = (row.state, row.digest)
            now = _now()
            updates: list[dict[str, Any]] = []
            for position, (credential_id, document, format) in enumerate(items):
                if result[position] is not None:
                    continue
                digest = digests[position]
                current = state.get(credential_id)
                if current is None:
                    result[position] = RegistryError(
                        f"no credential {credential_id} in this registry",
                        code="registry.unknown_credential",
                    )
                elif current[0] == "issued":
                    if current[1] != digest:
                        result[position] = RegistryError(
                            f"credential {credential_id} was already issued with a different "
                            "document",
                            code="registry.already_issued",
                        )
                else:
                    state[credential_id] = ("issued", digest)
                    updates.append(
                        {
                            "b_id": credential_id,
                            "state": "issued",
                            "document": document,
                            "format": format,
                            "digest": digest,
                            "issued_at": now,
                        }
                    )
            if updates:
                conn.execute(
                    sa.update(credentials_t).where(
                        credentials_t.c.id == sa.bindparam("b_id"),
                        credentials_t.c.state == "reserved",
                    ),
                    updates,
                )
            return result

        return self._write("record the issued credentials", work)

    # -- look-ups --------------------------------------------------------------------
    def get(self, credential_id: str) -> CredentialRecord:
        """The record of ``credential_id`` (``registry.unknown_credential`` when absent)."""

        def work(conn: sa.Connection) -> CredentialRecord:
            result: CredentialRecord = self._record(conn, self._row(conn, credential_id))
            return result

        return self._read("read a credential", work)

    def find_by_idempotency_key(self, issuer_id: str, key: str) -> CredentialRecord | None:
        def work(conn: sa.Connection) -> CredentialRecord | None:
            row = conn.execute(
                sa.select(credentials_t).where(
                    credentials_t.c.issuer_id == issuer_id,
                    credentials_t.c.idempotency_key == key,
                )
            ).first()
            return None if row is None else self._record(conn, row)

        return self._read("find a credential", work)

    def list_credentials(
        self,
        issuer_id: str,
        *,
        state: str | None = None,
        revoked: bool | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[CredentialRecord]:
        """The issuer's credentials in reservation order, optionally filtered."""

        def work(conn: sa.Connection) -> list[CredentialRecord]:
            query = sa.select(credentials_t).where(credentials_t.c.issuer_id == issuer_id)
            if state is not None:
                query = query.where(credentials_t.c.state == state)
            if revoked is not None:
                query = query.where(credentials_t.c.revoked.is_(revoked))
            query = query.order_by(credentials_t.c.reserved_at, credentials_t.c.id).offset(offset)
            if limit is not None:
                query = query.limit(limit)
            return [self._record(conn, row) for row in conn.execute(query).all()]

        return self._read("list credentials", work)

    # -- status changes --------------------------------------------------------------
    def revoke(
        self,
        credential_id: str,
        reason: str,
        *,
        issuer_id: str | None = None,
        actor: Actor | None = None,
    ) -> CredentialRecord:
        """Revoke (permanent). Revoking a revoked credential changes nothing. Committed
        before return. With ``issuer_id``, only a credential of that issuer is changed
        (another issuer's is ``registry.unknown_credential``, in the same transaction)."""
        return self._change(credential_id, "revoke", reason, issuer_id, actor)

    def suspend(
        self,
        credential_id: str,
        reason: str,
        *,
        issuer_id: str | None = None,
        actor: Actor | None = None,
    ) -> CredentialRecord:
        """Suspend; needs a suspension entry allocated at reservation."""
        return self._change(credential_id, "suspend", reason, issuer_id, actor)

    def unsuspend(
        self,
        credential_id: str,
        reason: str,
        *,
        issuer_id: str | None = None,
        actor: Actor | None = None,
    ) -> CredentialRecord:
        """Lift a suspension (refused for a revoked or not-suspended credential)."""
        return self._change(credential_id, "unsuspend", reason, issuer_id, actor)

    def _change(
        self,
        credential_id: str,
        action: str,
        reason: str,
        issuer_id: str | None,
        actor: Actor | None = None,
    ) -> CredentialRecord:
        """One status change and, with ``actor``, its audit record, in one transaction."""

        def work(conn: sa.Connection) -> CredentialRecord:
            row = self._row(conn, credential_id, lock=True)
            if issuer_id is not None and row.issuer_id != issuer_id:
                # The same answer as an unknown id: one issuer learns nothing about another's.
                raise RegistryError(
                    f"no credential {credential_id} of {issuer_id} in this registry",
                    code="registry.unknown_credential",
                )
            purpose = "revocation" if action == "revoke" else "suspension"
            if purpose not in self._entries(conn, credential_id):
                raise RegistryError(
                    f"credential {credential_id} was issued without a {purpose} status entry",
                    code=f"registry.no_{purpose}_entry",
                )
            values: dict[str, Any]
            if action == "revoke":
                if row.revoked:
                    if actor is not None:
                        write_record(
                            conn,
                            actor,
                            action,
                            issuer_id=row.issuer_id,
                            target=credential_id,
                            outcome="unchanged",
                            detail=reason,
                        )
                    return self._record(conn, row)  # type: ignore[no-any-return]
                values = {"revoked": True, "revocation_reason": reason, "revoked_at": _now()}
            elif row.revoked:
                raise RegistryError(
                    f"credential {credential_id} is revoked; its suspension cannot change",
                    code="registry.revoked",
                )
            elif action == "suspend":
                if row.suspended:
                    raise RegistryError(
                        f"credential {credential_id} is already suspended",
                        code="registry.already_suspended",
                    )
                values = {"suspended": True, "suspension_reason": reason}
            else:
                if not row.suspended:
                    raise RegistryError(
                        f"credential {credential_id} is not suspended",
                        code="registry.not_suspended",
                    )
                values = {"suspended": False, "suspension_reason": None}
            conn.execute(
                sa.update(credentials_t).where(credentials_t.c.id == credential_id).values(**values)
            )
            conn.execute(
                sa.insert(status_events_t).values(
                    credential_id=credential_id,
                    purpose=purpose,
                    action=action,
                    reason=reason,
                    at=_now(),
                )
            )
            if actor is not None:
                write_record(
                    conn,
                    actor,
                    action,
                    issuer_id=row.issuer_id,
                    target=credential_id,
                    detail=reason,
                )
            return self._record(conn, self._row(conn, credential_id))  # type: ignore[no-any-return]

        return self._write(f"{action} the credential", work)

    def status_events(self, credential_id: str) -> list[tuple[str, str, str | None, str]]:
        """The credential's status history: ``(action, purpose, reason, at)``, oldest first."""

        def work(conn: sa.Connection) -> list[tuple[str, str, str | None, str]]:
            rows = conn.execute(
                sa.select(
                    status_events_t.c.action,
                    status_events_t.c.purpose,
                    status_events_t.c.reason,
                    status_events_t.c.at,
                )
                .where(status_events_t.c.credential_id == credential_id)
                .order_by(status_events_t.c.id)
            ).all()
            return [(r[0], r[1], r[2], r[3]) for r in rows]

        return self._read("read status events", work)

    # -- publishing ------------------------------------------------------------------
    def status_lists(self, issuer_id: str) -> list[StatusListRecord]:
        def work(conn: sa.Connection) -> list[StatusListRecord]:
            counts = (
                sa.select(status_entries_t.c.list_id, sa.func.count().label("n"))
                .group_by(status_entries_t.c.list_id)
                .subquery()
            )
            rows = conn.execute(
                sa.select(status_lists_t, sa.func.coalesce(counts.c.n, 0).label("n"))
                .outerjoin(counts, counts.c.list_id == status_lists_t.c.id)
                .where(status_lists_t.c.issuer_id == issuer_id)
                .order_by(status_lists_t.c.purpose, status_lists_t.c.seq)
            ).all()
            return [
                StatusListRecord(
                    int(r.id),
                    r.issuer_id,
                    r.purpose,
                    r.url,
                    int(r.size),
                    r.created_at,
                    bool(r.full),
                    int(r.n),
                )
                for r in rows
            ]

        return self._read("list status lists", work)

    def status_list_at(self, url: str) -> StatusListRecord | None:
        """The status list published at ``url`` (any issuer), or ``None``: what a service
        hosting the lists looks a requested URL up by, without listing every list."""

        def work(conn: sa.Connection) -> StatusListRecord | None:
            row = conn.execute(sa.select(status_lists_t).where(status_lists_t.c.url == url)).first()
            if row is None:
                return None
            allocated = conn.execute(
                sa.select(sa.func.count()).where(status_entries_t.c.list_id == row.id)
            ).scalar_one()
            return StatusListRecord(
                int(row.id),
                row.issuer_id,
                row.purpose,
                row.url,
                int(row.size),
                row.created_at,
                bool(row.full),
                int(allocated),
            )

        return self._read("find a status list", work)

    def status_list_bits(self, list_id: int) -> bytearray:
        """The list's bitstring, MSB-first (index 0 is the top bit of byte 0): set for
        revoked credentials (revocation lists) or currently suspended ones (suspension lists)."""

        def work(conn: sa.Connection) -> bytearray:
            lst = conn.execute(
                sa.select(status_lists_t.c.size, status_lists_t.c.purpose).where(
                    status_lists_t.c.id == list_id
                )
            ).first()
            if lst is None:
                raise RegistryError(f"no status list {list_id}", code="registry.unknown_list")
            flag = (
                credentials_t.c.revoked
                if lst.purpose == "revocation"
                else credentials_t.c.suspended
            )
            bits = bytearray((int(lst.size) + 7) // 8)
            indexes = conn.execute(
                sa.select(status_entries_t.c.status_index)
                .join(credentials_t, credentials_t.c.id == status_entries_t.c.credential_id)
                .where(status_entries_t.c.list_id == list_id, flag.is_(True))
            ).scalars()
            for index in indexes:
                bits[index // 8] |= 0x80 >> (index % 8)
            return bits

        return self._read("read a status list", work)

    def revocations(self, issuer_id: str) -> list[RevocationRecord]:
        """Revoked credentials of ``issuer_id`` (for a 1EdTech revocation list), oldest first."""

        def work(conn: sa.Connection) -> list[RevocationRecord]:
            rows = conn.execute(
                sa.select(
                    credentials_t.c.id,
                    credentials_t.c.revocation_reason,
                    credentials_t.c.revoked_at,
                )
                .where(credentials_t.c.issuer_id == issuer_id, credentials_t.c.revoked.is_(True))
                .order_by(credentials_t.c.revoked_at, credentials_t.c.id)
            ).all()
            return [RevocationRecord(r[0], r[1], r[2]) for r in rows]

        return self._read("read revocations", work)

    # -- publishing guards -----------------------------------------------------------
    def unsuspended_indexes(self, list_id: int) -> set[int]:
        """Indexes of the suspension list ``list_id`` whose credential is not suspended now
        and whose last suspension event is an explicit ``unsuspend``: the only bits a
        publisher may clear in a suspension list this registry published before."""

        def work(conn: sa.Connection) -> set[int]:
            last = (
                sa.select(
                    status_events_t.c.credential_id,
                    sa.func.max(status_events_t.c.id).label("last_id"),
                )
                .where(status_events_t.c.purpose == "suspension")
                .group_by(status_events_t.c.credential_id)
                .subquery()
            )
            rows = conn.execute(
                sa.select(status_entries_t.c.status_index)
                .join(credentials_t, credentials_t.c.id == status_entries_t.c.credential_id)
                .join(last, last.c.credential_id == status_entries_t.c.credential_id)
                .join(status_events_t, status_events_t.c.id == last.c.last_id)
                .where(
                    status_entries_t.c.list_id == list_id,
                    status_entries_t.c.purpose == "suspension",
                    credentials_t.c.suspended.is_(False),
                    status_events_t.c.action == "unsuspend",
                )
            ).scalars()
            return {int(index) for index in rows}

        return self._read("read unsuspensions", work)


def describe_url(url: str) -> str:
    """A registry URL as messages show it: a SQLite path made absolute, a password hidden."""
    try:
        sa_url = sa.make_url(url)
    except sa.exc.ArgumentError:
        return "(not a database URL)"
    if sa_url.get_backend_name() == "sqlite" and sa_url.database:
        path = Path(sa_url.database).expanduser().resolve()
        return f"sqlite:///{path}"
    return sa_url.render_as_string(hide_password=True)


def _list_url(template: str, purpose: str, seq: int) -> str:
    if "{n}" in template:
        return template.replace("{purpose}", purpose).replace("{n}", str(seq))
    return f"{template.rstrip('/')}/{purpose}/{seq}"
