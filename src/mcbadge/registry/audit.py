"""Audit records of the registry (table ``audit_log``): who issued, revoked, suspended or
unsuspended which credential, and who created or revoked which access token, when, and with
what outcome.

A record names its actor by the client name and the id of its access token (never the
token). When an :class:`Actor` is given, the registry writes the record of a change in the
SAME transaction as the change itself, so an acknowledged change always has its record and
a record never describes a change that was rolled back::

    registry.revoke(credential_id, "left the program", actor=Actor("badge-platform", "3f2a…"))
    for record in AuditLog(registry).records(issuer_id="did:web:badges.example"):
        print(record.at, record.client, record.action, record.target, record.outcome)

A refused request (an unknown credential, another issuer's credential, a signing refusal)
changes nothing; its record (``outcome`` is the error code) is written in a transaction of
its own by :meth:`AuditLog.record`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from mcbadge.errors import MCBadgeError

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = [
    "ACTIONS",
    "Actor",
    "AuditLog",
    "AuditRecord",
    "audited",
    "operator_actor",
    "write_record",
]

logger = logging.getLogger(__name__)

#: What a record can say was done.
ACTIONS = (
    "issue",
    "revoke",
    "unrevoke",  # only ever refused (a revocation is permanent) or a request changing nothing
    "suspend",
    "unsuspend",
    "token.create",
    "token.revoke",
    "client.revoke",
)
_MAX_DETAIL = 2000

_metadata = sa.MetaData()
audit_log_t = sa.Table(
    "audit_log",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("client", sa.String(256), nullable=False),
    sa.Column("token_id", sa.String(32), nullable=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("issuer_id", sa.String(512), nullable=True),
    sa.Column("target", sa.String(512), nullable=True),
    sa.Column("outcome", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
)
_issuer_index = sa.Index("ix_audit_issuer", audit_log_t.c.issuer_id, audit_log_t.c.id)
_target_index = sa.Index("ix_audit_target", audit_log_t.c.target)


def create_audit_table(conn: sa.Connection) -> None:
    """Migration step: the audit_log table (see :data:`mcbadge.registry.core.MIGRATIONS`)."""
    audit_log_t.create(conn, checkfirst=True)
    _issuer_index.create(conn, checkfirst=True)
    _target_index.create(conn, checkfirst=True)


@dataclass(frozen=True)
class Actor:
    """Who asks for a change: a client name (an OAuth 2.0 client id, a service token's
    client, ``operator (cli)``…) and the id of the access token it used, if any."""

    client: str
    token_id: str | None = None

    def __post_init__(self) -> None:
        if not self.client.strip():
            raise ValueError("an actor needs a client name")


def operator_actor(tool: str = "mcbadge CLI") -> Actor:
    """The actor of a command an operator runs on the registry directly: the user name of
    the process (``operator ada (mcbadge CLI)``)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        user = "unknown user"
    return Actor(f"operator {user} ({tool})")


@dataclass(frozen=True)
class AuditRecord:
    """One audited action. ``target`` is the credential id (``issue``, ``revoke``,
    ``suspend``, ``unsuspend``) or the token id (``token.*``); ``outcome`` is ``ok``,
    ``unchanged`` (a repeat that changed nothing), ``reemitted`` (an issue that returned the
    credential issued before) or the error code of a refused request."""

    record_id: int
    at: str
    client: str
    token_id: str | None
    action: str
    issuer_id: str | None
    target: str | None
    outcome: str
    detail: str | None

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "unchanged", "reemitted")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def write_record(
    conn: sa.Connection,
    actor: Actor,
    action: str,
    *,
    issuer_id: str | None = None,
    target: str | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> None:
    """Insert one record on ``conn``, inside the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    conn.execute(
        sa.insert(audit_log_t).values(
            at=_now(),
            client=actor.client[:256],
            token_id=actor.token_id,
            action=action,
            issuer_id=issuer_id,
            target=target,
            outcome=outcome[:64],
            detail=detail[:_MAX_DETAIL] if detail else None,
        )
    )


def _record(row: sa.Row[tuple[object, ...]]) -> AuditRecord:
    m = row._mapping
    return AuditRecord(
        record_id=int(m["id"]),
        at=str(m["at"]),
        client=str(m["client"]),
        token_id=None if m["token_id"] is None else str(m["token_id"]),
        action=str(m["action"]),
        issuer_id=None if m["issuer_id"] is None else str(m["issuer_id"]),
        target=None if m["target"] is None else str(m["target"]),
        outcome=str(m["outcome"]),
        detail=None if m["detail"] is None else str(m["detail"]),
    )


class AuditLog:
    """Read (and, for refused requests, write) the audit records of ``registry``."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        issuer_id: str | None = None,
        target: str | None = None,
        outcome: str = "ok",
        detail: str | None = None,
    ) -> None:
        """One record in a transaction of its own (for what changed nothing: a refusal, a
        re-emitted credential). Durable when this returns."""

        def work(conn: sa.Connection) -> None:
            write_record(
                conn,
                actor,
                action,
                issuer_id=issuer_id,
                target=target,
                outcome=outcome,
                detail=detail,
            )

        self._registry._write("write an audit record", work)

    def records(
        self,
        *,
        issuer_id: str | None = None,
        target: str | None = None,
        client: str | None = None,
        action: str | None = None,
        since: str | None = None,
        limit: int | None = 1000,
    ) -> list[AuditRecord]:
        """Records, oldest first, filtered by issuer, target (credential or token id),
        client, action, or ``since`` (an ISO 8601 UTC time: records at or after it);
        ``limit`` newest ones (``None``: all)."""

        def work(conn: sa.Connection) -> list[AuditRecord]:
            query = sa.select(audit_log_t)
            if issuer_id is not None:
                query = query.where(audit_log_t.c.issuer_id == issuer_id)
            if target is not None:
                query = query.where(audit_log_t.c.target == target)
            if client is not None:
                query = query.where(audit_log_t.c.client == client)
            if action is not None:
                query = query.where(audit_log_t.c.action == action)
            if since is not None:
                query = query.where(audit_log_t.c.at >= since)
            query = query.order_by(audit_log_t.c.id.desc())
            if limit is not None:
                query = query.limit(limit)
            return [_record(row) for row in reversed(conn.execute(query).all())]

        return self._registry._read("read the audit records", work)


@contextmanager
def audited(
    registry: Registry,
    actor: Actor | None,
    action: str,
    *,
    issuer_id: str | None,
    target: str | None = None,
) -> Iterator[None]:
    """Record the refusal of the block: an :class:`~mcbadge.errors.MCBadgeError` raised
    inside it is audited with its code as the outcome, then re-raised. (A success is audited
    by the registry, in the change's own transaction.) Nothing is recorded without an actor;
    a registry that cannot even write the refusal does not hide the original error."""
    try:
        yield
    except MCBadgeError as exc:
        if actor is not None:
            try:
                AuditLog(registry).record(
                    actor,
                    action,
                    issuer_id=issuer_id,
                    target=target,
                    outcome=exc.code,
                    detail=exc.message,
                )
            except MCBadgeError as failed:
                logger.warning("could not audit a refused %s: %s", action, failed.message)
        raise
