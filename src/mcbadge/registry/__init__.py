"""The issuer's durable registry: what was reserved, issued, revoked and suspended.

SQLite by default (a file in the user's data directory), PostgreSQL by URL::

    registry = Registry.open()  # <user_data_dir>/mcbadge/registry.db
    registry = Registry.open("sqlite:///provider.db")
    registry = Registry.open("postgresql+psycopg://user@host/db")

Issuing one credential with it (the Issuer API does this for every roster row):

1. :meth:`Registry.reserve` — in one transaction, for an idempotency key (the Issuer's default
   is the award's natural key, :func:`recipient_hash` of the e-mail plus the achievement id):
   returns the existing reservation when the key was seen before (with ``match_award``, also
   an existing award of the same achievement to the same recipient under any key, see
   :class:`AwardRequest`), else creates a
   ``urn:uuid:`` credential id and allocates a cryptographically random, never-used index in
   the issuer's current status list for each purpose. The index is allocated *before* signing
   and never freed. ``reservation.document is not None`` means the credential was issued
   already: re-emit it, do not sign again.
2. Sign the credential (another layer), then :meth:`Registry.record_issued` — stores the
   document and its sha256 digest; durable when it returns.
3. :meth:`Registry.revoke`, :meth:`Registry.suspend`, :meth:`Registry.unsuspend` — committed
   (and fsync'd by the database) before they return; every change is also logged in
   ``status_events``.
4. Publishing: :meth:`Registry.status_lists` and :meth:`Registry.status_list_bits` give each
   list and its bits (MSB-first, Bitstring Status List); :meth:`Registry.revocations` gives the
   rows of a 1EdTech revocation list.

:attr:`Registry.location` names the registry in messages (every ``mcbadge`` command that
opens one prints it). ``Registry.open()``, ``Issuer(..., registry=None)`` and every
``mcbadge`` command run without ``--db`` open the same default file (:func:`default_url`).

5. Verifying presentations: :class:`ChallengeStore` issues single-use, expiring challenges
   and consumes them (schema version 3, table ``challenges``).
6. The HTTP service: :class:`AccessTokenStore` keeps the SHA-256 of each access token with
   the issuers it may act for (schema version 4, table ``access_tokens``).
7. Audit: with an ``actor=`` (:class:`Actor`, a client name and token id), every issue,
   status change and token change writes an audit record in its own transaction;
   :class:`AuditLog` reads them (table ``audit_log``). The service's per-client request
   counters live in ``rate_counters`` (:mod:`mcbadge.registry.rates`).

Errors are :class:`mcbadge.errors.RegistryError` with ``code`` ``registry.<detail>``.
"""

from mcbadge.registry.access import AccessError, AccessGrant, AccessTokenStore, IssuedToken
from mcbadge.registry.audit import Actor, AuditLog, AuditRecord
from mcbadge.registry.challenges import Challenge, ChallengeError, ChallengeStore
from mcbadge.registry.core import (
    DEFAULT_LIST_SIZE,
    PURPOSES,
    SCHEMA_VERSION,
    AwardRequest,
    CredentialRecord,
    Registry,
    Reservation,
    RevocationRecord,
    StatusEntry,
    StatusListRecord,
    default_url,
    describe_url,
    recipient_hash,
)

__all__ = [
    "DEFAULT_LIST_SIZE",
    "PURPOSES",
    "SCHEMA_VERSION",
    "AccessError",
    "AccessGrant",
    "AccessTokenStore",
    "Actor",
    "AuditLog",
    "AuditRecord",
    "AwardRequest",
    "Challenge",
    "ChallengeError",
    "ChallengeStore",
    "CredentialRecord",
    "IssuedToken",
    "Registry",
    "Reservation",
    "RevocationRecord",
    "StatusEntry",
    "StatusListRecord",
    "default_url",
    "describe_url",
    "recipient_hash",
]
