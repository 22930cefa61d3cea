"""The Issuer's view of :class:`mcbadge.registry.Registry` (SQLite by default, PostgreSQL by URL).

The registry row (credential id, a random never-used status index) is written *before*
signing; a re-run finds it by idempotency key and re-emits the stored document, or, when
only the reservation exists (a crash between reserving and recording), signs again with
the same id and index. This module maps the registry's records to what the Issuer needs and
implements the OB 3.0 one-``credentialStatus`` rule for suspendable credentials: they get a
suspension entry in the credential (plus a revocation slot kept in the registry, never put in
the credential), and revoking one also suspends it for good. It is deliberately only an
adapter: every row, constraint and transaction lives in :mod:`mcbadge.registry` (no SQL here).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mcbadge.errors import RegistryError
from mcbadge.registry import AwardRequest
from mcbadge.registry.audit import Actor

__all__ = ["CredentialRecord", "IssuerStore", "default_database_url", "stored_text"]

Build = Callable[[str, dict[str, tuple[str, int]]], dict[str, Any]]


def key_conflict(request: AwardRequest, reservation: Any) -> RegistryError | None:
    """The error when ``request``'s key already names an award of another achievement or to
    another recipient (a key is never silently re-used for a different award)."""
    if reservation.new or reservation.idempotency_key != request.key:
        return None
    other = []
    if (
        request.achievement_id is not None
        and reservation.achievement_id is not None
        and reservation.achievement_id != request.achievement_id
    ):
        other.append(f"achievement {reservation.achievement_id}")
    if (
        request.recipient_hash is not None
        and reservation.recipient_hash is not None
        and reservation.recipient_hash != request.recipient_hash
    ):
        other.append("another recipient")
    if not other:
        return None
    return RegistryError(
        f"idempotency key {request.key!r} was already used for {' and '.join(other)} "
        f"({reservation.credential_id}); a key names one award: use another key",
        code="registry.key_conflict",
    )


def default_database_url() -> str:
    """The registry's default: a SQLite file in the user's data directory."""
    from mcbadge.registry import default_url

    return default_url()


@dataclass(frozen=True)
class CredentialRecord:
    """One issued (or reserved) credential. ``unsigned`` is the credential to sign (built
    when reserving; ``None`` for records read back later)."""

    issuer_id: str
    idempotency_key: str
    credential_id: str
    unsigned: dict[str, Any] | None
    document: dict[str, Any] | str | None
    status_indexes: dict[str, tuple[str, int]]  # purpose in the credential -> (list URL, index)
    revoked: bool = False
    revocation_reason: str | None = None
    suspended: bool = False
    suspension_reason: str | None = None

    @property
    def signed(self) -> bool:
        return self.document is not None


def stored_text(document: Mapping[str, Any] | str) -> str:
    """The text the registry keeps for a signed credential: the compact VC-JWT as it is, a
    JSON document in compact form (its digest is what makes recording idempotent)."""
    if isinstance(document, str):
        return document
    return json.dumps(document, separators=(",", ":"))


def _document(text: str | None) -> dict[str, Any] | str | None:
    if text is None:
        return None
    if text.lstrip().startswith("{"):
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            return parsed
    return text


class IssuerStore:
    """The Issuer's registry: ``url`` is a SQLAlchemy URL (``sqlite:///file``,
    ``postgresql+psycopg://…``), ``None`` for the registry's default file; or pass an open
    :class:`mcbadge.registry.Registry` as ``registry``."""

    def __init__(self, url: str | None = None, *, registry: Any = None) -> None:
        from mcbadge.registry import Registry

        self.registry: Registry = registry if registry is not None else Registry.open(url)
        self.url = self.registry.url
        #: Which registry this is, for messages (see :attr:`mcbadge.registry.Registry.location`).
        self.location = self.registry.location
        self._list_ids: dict[str, int] = {}

    def close(self) -> None:
        self.registry.close()

    def __enter__(self) -> IssuerStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- records -------------------------------------------------------------------------
    @staticmethod
    def _purposes(record: Any) -> dict[str, tuple[str, int]]:
        """The entries that go into the credential: suspension when there is one (OB 3.0
        allows one credentialStatus), else revocation."""
        entries = record.entries
        chosen = "suspension" if "suspension" in entries else "revocation"
        if chosen not in entries:
            return {}
        entry = entries[chosen]
        return {chosen: (entry.list_url, int(entry.index))}

    def _record(self, record: Any, unsigned: dict[str, Any] | None = None) -> CredentialRecord:
        return CredentialRecord(
            issuer_id=record.issuer_id,
            idempotency_key=record.idempotency_key,
            credential_id=record.credential_id,
            unsigned=unsigned,
            document=_document(record.document),
            status_indexes=self._purposes(record),
            revoked=record.revoked,
            revocation_reason=record.revocation_reason,
            suspended=record.suspended,
            suspension_reason=record.suspension_reason,
        )

    def find(self, issuer_id: str, idempotency_key: str) -> CredentialRecord | None:
        record = self.registry.find_by_idempotency_key(issuer_id, idempotency_key)
        return None if record is None else self._record(record)

    def get(self, credential_id: str) -> CredentialRecord:
        return self._record(self.registry.get(credential_id))

    def records(self, issuer_id: str) -> Iterator[CredentialRecord]:
        yield from (self._record(r) for r in self.registry.list_credentials(issuer_id))

    # -- issuing -------------------------------------------------------------------------
    def reserve(
        self,
        issuer_id: str,
        idempotency_key: str,
        *,
        status_base_url: str,
        suspension: bool,
        build: Build,
        achievement_id: str | None = None,
        recipient_hash: str | None = None,
        match_award: bool = False,
    ) -> CredentialRecord:
        """Reserve (or find) the credential for this key, then ``build(credential_id,
        status_indexes)`` the unsigned credential unless it was issued already. With
        ``match_award`` an existing award of the achievement to the recipient is found
        whatever its key; a key already used for another award is ``registry.key_conflict``."""
        purposes = ("revocation", "suspension") if suspension else ("revocation",)
        reservation = self.registry.reserve(
            issuer_id,
            idempotency_key,
            achievement_id=achievement_id,
            recipient_hash=recipient_hash,
            purposes=purposes,
            list_url_template=f"{status_base_url}{{purpose}}-{{n}}.json",
            match_award=match_award,
        )
        conflict = key_conflict(
            AwardRequest(idempotency_key, achievement_id, recipient_hash), reservation
        )
        if conflict is not None:
            raise conflict
        if suspension and "suspension" not in reservation.entries:
            raise RegistryError(
                f"{idempotency_key!r} was issued before without a suspension entry",
                code="registry.not_suspendable",
            )
        record = self._record(reservation)
        if record.document is not None:
            return record
        return self._record(
            reservation, build(reservation.credential_id, dict(record.status_indexes))
        )

    def record_issued(
        self,
        credential_id: str,
        document: dict[str, Any] | str,
        format: str,
        *,
        actor: Actor | None = None,
    ) -> None:
        self.registry.record_issued(credential_id, stored_text(document), format, actor=actor)

    def reserve_many(
        self,
        issuer_id: str,
        requests: list[tuple[str, str | None] | AwardRequest],
        *,
        status_base_url: str,
        suspension: bool,
    ) -> list[CredentialRecord | RegistryError]:
        """Reserve (or find) many ``(idempotency_key, achievement_id)`` or
        :class:`~mcbadge.registry.AwardRequest` in one durable transaction; the records
        carry no unsigned credential (the caller builds it from ``credential_id`` and
        ``status_indexes``). A key already used for another award
        (``registry.key_conflict``), or issued before without the suspension entry a
        suspendable issuer needs, is that row's error."""
        purposes = ("revocation", "suspension") if suspension else ("revocation",)
        awards = [r if isinstance(r, AwardRequest) else AwardRequest(r[0], r[1]) for r in requests]
        reservations = self.registry.reserve_many(
            issuer_id,
            awards,
            purposes=purposes,
            list_url_template=f"{status_base_url}{{purpose}}-{{n}}.json",
        )
        out: list[CredentialRecord | RegistryError] = []
        for award, reservation in zip(awards, reservations, strict=True):
            key = award.key
            conflict = key_conflict(award, reservation)
            if conflict is not None:
                out.append(conflict)
            elif suspension and "suspension" not in reservation.entries:
                out.append(
                    RegistryError(
                        f"{key!r} was issued before without a suspension entry",
                        code="registry.not_suspendable",
                    )
                )
            else:
                out.append(self._record(reservation))
        return out

    def record_issued_many(
        self, items: list[tuple[str, dict[str, Any] | str, str]]
    ) -> list[RegistryError | None]:
        """Record many signed credentials in one durable transaction (see
        :meth:`mcbadge.registry.Registry.record_issued_many`)."""
        return self.registry.record_issued_many(
            [
                (credential_id, stored_text(document), format)
                for credential_id, document, format in items
            ]
        )

    # -- status changes ------------------------------------------------------------------
    def revoke(
        self,
        credential_id: str,
        reason: str | None = None,
        *,
        issuer_id: str | None = None,
        actor: Actor | None = None,
    ) -> CredentialRecord:
        """Revoke (permanent). A suspendable credential is suspended too, because its one
        credentialStatus entry is the suspension one; it can never be unsuspended. With
        ``issuer_id``, another issuer's credential is ``registry.unknown_credential`` and is
        left unchanged."""
        record = self.registry.get(credential_id)
        if issuer_id is not None and record.issuer_id != issuer_id:
            raise RegistryError(
                f"no credential {credential_id} of {issuer_id} in this registry",
                code="registry.unknown_credential",
            )
        if "suspension" in record.entries and not record.suspended and not record.revoked:
            self.registry.suspend(
                credential_id, reason or "revoked", issuer_id=issuer_id, actor=actor
            )
        return self._record(
            self.registry.revoke(credential_id, reason or "", issuer_id=issuer_id, actor=actor)
        )

    def suspend(
        self,
        credential_id: str,
        reason: str | None = None,
        *,
        issuer_id: str | None = None,
        actor: Actor | None = None,
    ) -> CredentialRecord:
        return self._record(
            self.registry.suspend(credential_id, reason or "", issuer_id=issuer_id, actor=actor)
        )

    def unsuspend(
        self,
        credential_id: str,
        reason: str | None = None,
        *,
        issuer_id: str | None = None,
        actor: Actor | None = None,
    ) -> CredentialRecord:
        return self._record(
            self.registry.unsuspend(credential_id, reason or "", issuer_id=issuer_id, actor=actor)
        )

    # -- publishing ----------------------------------------------------------------------
    def status_lists(self, issuer_id: str) -> list[tuple[str, str]]:
        """Every ``(list_url, purpose)`` of the issuer."""
        lists = self.registry.status_lists(issuer_id)
        self._list_ids.update({item.url: item.list_id for item in lists})
        return [(item.url, item.purpose) for item in lists]

    def status_list_bits(self, list_url: str) -> bytearray:
        if list_url not in self._list_ids:
            raise RegistryError(f"no status list {list_url}", code="registry.unknown_list")
        return self.registry.status_list_bits(self._list_ids[list_url])

    def revocations(self, issuer_id: str) -> list[tuple[str, str | None]]:
        return [(r.credential_id, r.reason or None) for r in self.registry.revocations(issuer_id)]

    def list_records(self, issuer_id: str) -> list[Any]:
        """The issuer's :class:`mcbadge.registry.StatusListRecord` rows (id, URL, purpose,
        creation time): what the publisher fingerprints its lists by."""
        lists = self.registry.status_lists(issuer_id)
        self._list_ids.update({item.url: item.list_id for item in lists})
        return list(lists)

    def unsuspended_indexes(self, list_url: str) -> set[int]:
        """See :meth:`mcbadge.registry.Registry.unsuspended_indexes`."""
        if list_url not in self._list_ids:
            raise RegistryError(f"no status list {list_url}", code="registry.unknown_list")
        return self.registry.unsuspended_indexes(self._list_ids[list_url])
