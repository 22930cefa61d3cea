"""The OAuth 2.0 tables (migration step ``_migration_oauth`` of the registry) and the time and
digest helpers every part of :mod:`mcbadge.registry.oauth` shares."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

CODE_TTL = timedelta(minutes=5)
ACCESS_TOKEN_TTL = timedelta(hours=1)
REFRESH_TOKEN_TTL = timedelta(days=30)
_KEEP_USED = timedelta(days=30)

_metadata = sa.MetaData()
oauth_clients_t = sa.Table(
    "oauth_clients",
    _metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("secret_digest", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("client_metadata", sa.Text, nullable=False),
    sa.Column("issuer_ids", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
    sa.CheckConstraint("kind IN ('learner', 'machine')", name="ck_oauth_client_kind"),
)
oauth_codes_t = sa.Table(
    "oauth_codes",
    _metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("learner", sa.String(128), nullable=False),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("code_challenge", sa.String(128), nullable=False),
    sa.Column("code_challenge_method", sa.String(16), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("used_at", sa.String(40), nullable=True),
    #: the token family issued from this code (revoked if the code is presented again)
    sa.Column("family", sa.String(64), nullable=True),
)
oauth_refresh_t = sa.Table(
    "oauth_refresh_tokens",
    _metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("learner", sa.String(128), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("used_at", sa.String(40), nullable=True),
    sa.Column("revoked_at", sa.String(40), nullable=True),
)
#: access token id -> the learner it acts for and its family (the access token itself is in
#: access_tokens, only by digest)
oauth_grants_t = sa.Table(
    "oauth_access_grants",
    _metadata,
    sa.Column("token_id", sa.String(12), primary_key=True),
    sa.Column("family", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("learner", sa.String(128), nullable=False),
)
_indexes = (
    sa.Index("ix_oauth_refresh_family", oauth_refresh_t.c.family),
    sa.Index("ix_oauth_grants_family", oauth_grants_t.c.family),
    sa.Index("ix_oauth_codes_expires", oauth_codes_t.c.expires_at),
)


def create_oauth_tables(conn: sa.Connection) -> None:
    """Migration step: the OAuth 2.0 tables (see :data:`mcbadge.registry.core.MIGRATIONS`)."""
    for table in (oauth_clients_t, oauth_codes_t, oauth_refresh_t, oauth_grants_t):
        table.create(conn, checkfirst=True)
    for index in _indexes:
        index.create(conn, checkfirst=True)
