"""The credentials the OB 3.0 API lists for a learner: those this provider issued to them and
those their tools stored (``upsertCredential``).

A stored credential is checked for shape, never verified (:func:`parse_credential`): an OB 3.0
AchievementCredential by its JSON Schema, or a compact JWS whose payload is one. It is kept as
received under its ``id`` and returned as it came; storing says nothing about validity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mcbadge.errors import MCBadgeError
from mcbadge.registry._util import aware_now as _now
from mcbadge.registry._util import digest as _digest
from mcbadge.registry._util import stamp as _stamp

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = [
    "CredentialPage",
    "LearnerError",
    "NotJSONData",
    "StoredCredential",
    "canonical_json",
    "list_credentials",
    "parse_credential",
    "upsert_credential",
]

_metadata = sa.MetaData()
learner_credentials_t = sa.Table(
    "learner_credentials",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("learner", sa.String(128), nullable=False),
    sa.Column("credential_key", sa.String(512), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.UniqueConstraint("learner", "credential_key", name="uq_learner_credential"),
)
_indexes = (sa.Index("ix_learner_credentials_at", learner_credentials_t.c.learner, "updated_at"),)


def create_credential_table(conn: sa.Connection) -> None:
    """Migration step (with the learners table): the credentials stored for learners."""
    learner_credentials_t.create(conn, checkfirst=True)
    for index in _indexes:
        index.create(conn, checkfirst=True)


class LearnerError(MCBadgeError):
    """A learner cannot sign in, or a credential or profile cannot be stored (``learner.*``)."""

    code = "learner.invalid"


@dataclass(frozen=True)
class StoredCredential:
    """A credential as the API returns it: JSON text of an object, or a compact JWS."""

    document: str

    @property
    def is_jws(self) -> bool:
        return not self.document.lstrip().startswith("{")


@dataclass(frozen=True)
class CredentialPage:
    items: list[StoredCredential]
    total: int


class NotJSONData(ValueError):
    """What a library caller handed over cannot be stored as JSON text."""


def canonical_json(document: Mapping[str, Any]) -> str:
    """The stored text of ``document``: sorted keys, no spaces, non-ASCII kept. Raises
    :class:`NotJSONData` for what JSON cannot hold (NaN or an infinity, a value that is not
    a JSON type, a cycle, text with an unpaired surrogate, absurd nesting)."""
    try:
        text = json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:  # UnicodeEncodeError included
        raise NotJSONData(
            "it holds something JSON cannot (NaN or an infinity, a value that is not a "
            f"number, text, list or object, a cycle, an unpaired surrogate): {type(exc).__name__}"
        ) from None
    return text


def parse_credential(body: Any) -> tuple[str, str]:
    """``(key, text)`` of a credential a learner's tool sent: an OB 3.0 AchievementCredential
    (a JSON object) or a compact JWS (a string) whose payload is one, directly (VC-JOSE-COSE)
    or as its ``vc`` claim (VC-JWT). The key is the credential's ``id`` (VC-JWT: ``jti`` when
    the ``vc`` has none). Shape is checked (JSON Schema of an AchievementCredential, JWS
    structure); signatures are NOT: raises :class:`LearnerError` ``learner.bad_credential``."""
    from mcbadge import schema
    from mcbadge.errors import SchemaError

    if isinstance(body, str):
        from mcbadge.proofs.jwt import decode_jwt

        token = body.strip()
        try:
            _header, payload, _input, _signature = decode_jwt(token)
        except MCBadgeError as exc:
            raise LearnerError(
                f"the body is not a compact JWS credential: {exc.message}",
                code="learner.bad_credential",
            ) from None
        vc = payload.get("vc", payload)
        if not isinstance(vc, dict):
            raise LearnerError(
                "the JWS payload's vc claim is not a credential", code="learner.bad_credential"
            )
        document: Mapping[str, Any] = vc
        key = vc.get("id") or payload.get("jti")
        text = token
    elif isinstance(body, dict):
        document = body
        key = body.get("id")
        try:
            text = canonical_json(body)
        except NotJSONData as exc:
            raise LearnerError(
                f"the credential is not JSON data: {exc}", code="learner.bad_credential"
            ) from None
    else:
        raise LearnerError(
            "the body must be a credential (a JSON object) or a compact JWS",
            code="learner.bad_credential",
        )
    try:
        schema.validate(dict(document), "achievementcredential")
    except SchemaError as exc:
        raise LearnerError(
            f"the credential is not an OB 3.0 AchievementCredential: {exc.message}",
            code="learner.bad_credential",
        ) from None
    if not isinstance(key, str) or not key or len(key) > 512:
        raise LearnerError(
            "the credential has no id (of at most 512 characters) to store it under",
            code="learner.bad_credential",
        )
    return key, text


def upsert_credential(
    registry: Registry, learner: str, body: Any, *, now: datetime | None = None
) -> str:
    """Store a credential for the learner (see :func:`parse_credential`): ``created``,
    ``replaced`` (same id, other content) or ``unchanged``."""
    key, text = parse_credential(body)
    digest = _digest(text)
    when = _stamp(_now(now))

    def work(conn: sa.Connection) -> str:
        row = conn.execute(
            sa.select(learner_credentials_t.c.digest).where(
                learner_credentials_t.c.learner == learner,
                learner_credentials_t.c.credential_key == key,
            )
        ).first()
        if row is None:
            conn.execute(
                sa.insert(learner_credentials_t).values(
                    learner=learner,
                    credential_key=key,
                    document=text,
                    digest=digest,
                    created_at=when,
                    updated_at=when,
                )
            )
            return "created"
        if row.digest == digest:
            return "unchanged"
        conn.execute(
            sa.update(learner_credentials_t)
            .where(
                learner_credentials_t.c.learner == learner,
                learner_credentials_t.c.credential_key == key,
            )
            .values(document=text, digest=digest, updated_at=when)
        )
        return "replaced"

    return registry._write("store a learner's credential", work)


def list_credentials(
    registry: Registry,
    learner: str,
    *,
    limit: int,
    offset: int,
    since: datetime | None = None,
) -> CredentialPage:
    """One page of the learner's credentials, oldest first: those this provider issued
    to the learner's e-mail (not revoked) and those stored for them, together (a stored
    copy of one of the provider's own awards is not listed: the provider's record is);
    ``since`` keeps those issued or stored at or after it. ``total`` counts every match."""
    from mcbadge.registry.core import credentials_t

    if limit < 1 or offset < 0:
        raise ValueError("limit must be at least 1 and offset at least 0")
    issued = sa.select(
        credentials_t.c.issued_at.label("at"),
        credentials_t.c.id.label("key"),
        credentials_t.c.document.label("document"),
    ).where(
        credentials_t.c.recipient_hash == learner,
        credentials_t.c.state == "issued",
        credentials_t.c.document.is_not(None),
        credentials_t.c.revoked == sa.false(),
    )
    issued_ids = sa.select(credentials_t.c.id).where(
        credentials_t.c.recipient_hash == learner, credentials_t.c.state == "issued"
    )
    # a copy of one of this provider's own awards is not listed twice: its record wins
    stored = sa.select(
        learner_credentials_t.c.updated_at.label("at"),
        learner_credentials_t.c.credential_key.label("key"),
        learner_credentials_t.c.document.label("document"),
    ).where(
        learner_credentials_t.c.learner == learner,
        learner_credentials_t.c.credential_key.not_in(issued_ids),
    )
    if since is not None:
        bound = _stamp(_now(since))
        issued = issued.where(credentials_t.c.issued_at >= bound)
        stored = stored.where(learner_credentials_t.c.updated_at >= bound)
    both = sa.union_all(issued, stored).subquery()

    def work(conn: sa.Connection) -> CredentialPage:
        total = conn.execute(sa.select(sa.func.count()).select_from(both)).scalar_one()
        rows = conn.execute(
            sa.select(both.c.document).order_by(both.c.at, both.c.key).limit(limit).offset(offset)
        ).all()
        return CredentialPage(
            items=[StoredCredential(str(row.document)) for row in rows], total=int(total)
        )

    return registry._read("list a learner's credentials", work)
