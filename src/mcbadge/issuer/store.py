"""The issuer's record of what it issued (SQLAlchemy: SQLite by default, PostgreSQL by URL).

One row per credential, keyed by ``(issuer_id, idempotency_key)``. The row is written
*before* signing: it reserves the credential id and a random, unused status-list index per
purpose, and keeps the unsigned credential, so a crashed batch re-signs exactly the same
credential (same id, same index) and a finished one re-emits the stored document.
Indexes are unique per list by a database constraint, so two workers can never share one.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcbadge.errors import RegistryError

__all__ = ["LIST_SIZE", "CredentialRecord", "IssuerStore", "default_database_url"]

LIST_SIZE = 131_072  # bits per status list: the Bitstring Status List minimum, for herd privacy
_FILL_LIMIT = LIST_SIZE // 2  # start a new list before random allocation gets slow
_RECOUNT = 256


def default_database_url() -> str:
    """A SQLite file in the user's data directory."""
    import platformdirs

    directory = Path(platformdirs.user_data_dir("mcbadge", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'registry.sqlite3'}"


@dataclass(frozen=True)
class CredentialRecord:
    """One issued (or reserved) credential."""

    issuer_id: str
    idempotency_key: str
    credential_id: str
    unsigned: dict[str, Any]
    document: dict[str, Any] | str | None
    status_indexes: dict[str, tuple[str, int]]  # purpose -> (list URL, index)
    revoked: bool = False
    revocation_reason: str | None = None
    suspended: bool = False
    suspension_reason: str | None = None

    @property
    def signed(self) -> bool:
        return self.document is not None


def _tables() -> Any:
    import sqlalchemy as sa

    metadata = sa.MetaData()
    credentials = sa.Table(
        "mcbadge_issued",
        metadata,
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issuer_id", sa.String(512), nullable=False),
        sa.Column("idempotency_key", sa.String(512), nullable=False),
        sa.Column("credential_id", sa.String(128), nullable=False, unique=True),
        sa.Column("unsigned", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False, default=False),
        sa.Column("revocation_reason", sa.Text, nullable=True),
        sa.Column("suspended", sa.Boolean, nullable=False, default=False),
        sa.Column("suspension_reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer_id", "idempotency_key", name="uq_issued_idempotency"),
    )
    indexes = sa.Table(
        "mcbadge_status_index",
        metadata,
        sa.Column("list_url", sa.String(1024), nullable=False),
        sa.Column("status_index", sa.Integer, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("issuer_id", sa.String(512), nullable=False),
        sa.Column("credential_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("list_url", "status_index", name="pk_status_index"),
    )
    return metadata, credentials, indexes


class IssuerStore:
    """The issuer's registry. ``url`` is a SQLAlchemy URL (``sqlite:///…``,
    ``postgresql+psycopg://…``); ``None`` means :func:`default_database_url`."""

    def __init__(self, url: str | None = None) -> None:
        import sqlalchemy as sa

        self.url = url or default_database_url()
        try:
            self._engine = sa.create_engine(self.url, future=True)
            if self._engine.dialect.name == "sqlite":
                sa.event.listen(self._engine, "connect", _sqlite_pragmas)
            self._metadata, self._credentials, self._indexes = _tables()
            self._metadata.create_all(self._engine)
            self._open_lists: dict[str, tuple[int, int]] = {}
        except sa.exc.SQLAlchemyError as exc:
            raise RegistryError(
                f"cannot open the issuer registry: {type(exc).__name__}",
                code="registry.unavailable",
            ) from None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> IssuerStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- reservation and issuance --------------------------------------------------------
    def find(self, issuer_id: str, idempotency_key: str) -> CredentialRecord | None:
        """The record for this idempotency key, or ``None``."""
        import sqlalchemy as sa

        table = self._credentials
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(
                    table.c.issuer_id == issuer_id, table.c.idempotency_key == idempotency_key
                )
            ).first()
            return None if row is None else self._record(conn, row)

    def get(self, credential_id: str) -> CredentialRecord:
        """The record of ``credential_id``; ``RegistryError`` when unknown."""
        import sqlalchemy as sa

        table = self._credentials
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(table.c.credential_id == credential_id)
            ).first()
            if row is None:
                raise RegistryError(
                    f"no credential {credential_id} in this registry",
                    code="input.unknown_credential",
                )
            return self._record(conn, row)

    def reserve(
        self,
        issuer_id: str,
        idempotency_key: str,
        credential_id: str,
        status_lists: dict[str, str],
        build: Any,
    ) -> CredentialRecord:
        """Reserve ``credential_id`` and one random free index in each purpose's list
        (``status_lists`` maps purpose → list-URL prefix), then store ``build(indexes)``,
        the unsigned credential. Returns the existing record when the key was seen before."""
        import sqlalchemy as sa

        for _attempt in range(64):
            existing = self.find(issuer_id, idempotency_key)
            if existing is not None:
                return existing
            try:
                with self._engine.begin() as conn:
                    indexes = {
                        purpose: self._free_index(conn, prefix)
                        for purpose, prefix in status_lists.items()
                    }
                    unsigned = build(indexes)
                    conn.execute(
                        sa.insert(self._credentials).values(
                            issuer_id=issuer_id,
                            idempotency_key=idempotency_key,
                            credential_id=credential_id,
                            unsigned=json.dumps(unsigned, separators=(",", ":")),
                            revoked=False,
                            suspended=False,
                            created_at=datetime.now(UTC),
                        )
                    )
                    for purpose, (list_url, index) in indexes.items():
                        conn.execute(
                            sa.insert(self._indexes).values(
                                list_url=list_url,
                                status_index=index,
                                purpose=purpose,
                                issuer_id=issuer_id,
                                credential_id=credential_id,
                            )
                        )
            except sa.exc.IntegrityError:
                continue  # an index or the idempotency key was taken concurrently: look again
            except sa.exc.SQLAlchemyError as exc:
                raise RegistryError(
                    f"the registry could not reserve a credential: {type(exc).__name__}",
                    code="registry.unavailable",
                ) from None
            return CredentialRecord(
                issuer_id, idempotency_key, credential_id, unsigned, None, dict(indexes)
            )
        raise RegistryError("no free status index could be reserved", code="registry.full")

    def _free_index(self, conn: Any, prefix: str) -> tuple[str, int]:
        import sqlalchemy as sa

        table = self._indexes
        # Counting a list's entries is the slow part for big lists, so the list in use is
        # remembered and recounted only every _RECOUNT allocations (other writers may add
        # entries meanwhile; the fill limit is a performance bound, not a correctness one).
        number, since = self._open_lists.get(prefix, (1, _RECOUNT))
        if since >= _RECOUNT:
            while True:
                list_url = f"{prefix}-{number}.json"
                used = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.list_url == list_url)
                ).scalar_one()
                if used < _FILL_LIMIT:
                    break
                number += 1
            since = 0
        self._open_lists[prefix] = (number, since + 1)
        list_url = f"{prefix}-{number}.json"
        while True:
            candidate = secrets.randbelow(LIST_SIZE)
            taken = conn.execute(
                sa.select(table.c.status_index).where(
                    table.c.list_url == list_url, table.c.status_index == candidate
                )
            ).first()
            if taken is None:
                return list_url, candidate

    def release(self, credential_id: str) -> None:
        """Drop a reservation that was never signed (signing refused it), so a corrected
        catalog can be issued under the same idempotency key. Signed records are kept."""
        import sqlalchemy as sa

        creds, indexes = self._credentials, self._indexes
        with self._engine.begin() as conn:
            deleted = conn.execute(
                sa.delete(creds).where(
                    creds.c.credential_id == credential_id, creds.c.document.is_(None)
                )
            )
            if deleted.rowcount:
                conn.execute(sa.delete(indexes).where(indexes.c.credential_id == credential_id))

    def record_issued(self, credential_id: str, document: dict[str, Any] | str) -> None:
        """Store the signed document of a reserved credential."""
        self._update(credential_id, document=_dump(document))

    # -- status changes ------------------------------------------------------------------
    def revoke(self, credential_id: str, reason: str | None = None) -> CredentialRecord:
        """Revoke (permanent). A credential whose only status entry is for suspension (OB 3.0
        allows one ``credentialStatus``) is revoked by suspending it for good: its bit stays
        set and it is listed in the 1EdTech revocation list."""
        record = self.get(credential_id)
        if "revocation" in record.status_indexes:
            self._update(credential_id, revoked=True, revocation_reason=reason)
        elif "suspension" in record.status_indexes:
            self._update(
                credential_id,
                revoked=True,
                revocation_reason=reason,
                suspended=True,
                suspension_reason=reason,
            )
        else:
            raise RegistryError(
                f"{credential_id} was issued without a status entry", code="status.not_revocable"
            )
        return self.get(credential_id)

    def suspend(self, credential_id: str, reason: str | None = None) -> CredentialRecord:
        self._suspendable(credential_id)
        self._update(credential_id, suspended=True, suspension_reason=reason)
        return self.get(credential_id)

    def unsuspend(self, credential_id: str) -> CredentialRecord:
        record = self._suspendable(credential_id)
        if record.revoked:
            raise RegistryError(
                f"{credential_id} is revoked; revocation cannot be undone",
                code="status.revoked",
            )
        self._update(credential_id, suspended=False, suspension_reason=None)
        return self.get(credential_id)

    def _suspendable(self, credential_id: str) -> CredentialRecord:
        record = self.get(credential_id)
        if "suspension" not in record.status_indexes:
            raise RegistryError(
                f"{credential_id} was issued without a suspension status entry",
                code="status.not_suspendable",
            )
        return record

    def _update(self, credential_id: str, **values: Any) -> None:
        import sqlalchemy as sa

        table = self._credentials
        with self._engine.begin() as conn:
            result = conn.execute(
                sa.update(table).where(table.c.credential_id == credential_id).values(**values)
            )
            if result.rowcount != 1:
                raise RegistryError(
                    f"no credential {credential_id} in this registry",
                    code="input.unknown_credential",
                )

    # -- what publishing needs -----------------------------------------------------------
    def status_lists(self, issuer_id: str) -> list[tuple[str, str]]:
        """Every ``(list_url, purpose)`` holding at least one of the issuer's indexes."""
        import sqlalchemy as sa

        table = self._indexes
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.list_url, table.c.purpose)
                .where(table.c.issuer_id == issuer_id)
                .distinct()
                .order_by(table.c.list_url)
            ).all()
        return [(str(url), str(purpose)) for url, purpose in rows]

    def status_list_bits(self, list_url: str) -> bytearray:
        """The list's bitstring: bit set where the credential is revoked (or, on a
        suspension list, suspended)."""
        import sqlalchemy as sa

        from mcbadge.status import new_bitstring, set_bit

        creds, table = self._credentials, self._indexes
        bits = new_bitstring(LIST_SIZE)
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.status_index, table.c.purpose, creds.c.revoked, creds.c.suspended)
                .join(creds, creds.c.credential_id == table.c.credential_id)
                .where(table.c.list_url == list_url)
            ).all()
        for index, purpose, revoked, suspended in rows:
            if revoked or (purpose == "suspension" and suspended):
                set_bit(bits, int(index))
        return bits

    def revocations(self, issuer_id: str) -> list[tuple[str, str | None]]:
        """``(credential_id, reason)`` of every revoked credential, oldest first."""
        import sqlalchemy as sa

        table = self._credentials
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.credential_id, table.c.revocation_reason)
                .where(table.c.issuer_id == issuer_id, table.c.revoked.is_(True))
                .order_by(table.c.pk)
            ).all()
        return [(str(cid), reason) for cid, reason in rows]

    def records(self, issuer_id: str) -> Iterator[CredentialRecord]:
        import sqlalchemy as sa

        table = self._credentials
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(table).where(table.c.issuer_id == issuer_id).order_by(table.c.pk)
            ).all()
            records = [self._record(conn, row) for row in rows]
        yield from records

    def _record(self, conn: Any, row: Any) -> CredentialRecord:
        import sqlalchemy as sa

        table = self._indexes
        index_rows = conn.execute(
            sa.select(table.c.purpose, table.c.list_url, table.c.status_index).where(
                table.c.credential_id == row.credential_id
            )
        ).all()
        document: dict[str, Any] | str | None = None
        if row.document is not None:
            document = (
                row.document if not row.document.startswith("{") else json.loads(row.document)
            )
        return CredentialRecord(
            issuer_id=row.issuer_id,
            idempotency_key=row.idempotency_key,
            credential_id=row.credential_id,
            unsigned=json.loads(row.unsigned),
            document=document,
            status_indexes={p: (str(u), int(i)) for p, u, i in index_rows},
            revoked=bool(row.revoked),
            revocation_reason=row.revocation_reason,
            suspended=bool(row.suspended),
            suspension_reason=row.suspension_reason,
        )


def _dump(document: dict[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
