"""The Issuer: one provider's identity, keys, signature format, registry and status lists.

``Issuer.issue`` turns one (achievement, e-mail) pair into a signed credential;
``Issuer.issue_batch`` does a roster in chunks, on worker processes that each issue whole
chunks. Both are idempotent under ONE rule: an award is (issuer, achievement id, recipient),
and asking for it again, by either path, returns the credential already issued for it, never
a second one. An explicit idempotency key (``idempotency_key=``, a roster's key column) names
an award instead, e.g. to award again on purpose; re-using a key for another achievement or
recipient is refused (``registry.key_conflict``). The registry row (credential id, status
indexes) is written before signing, so a re-run re-emits what was signed and re-signs what was
only reserved. Every credential is built and checked (:func:`mcbadge.signing.presign_failures`,
the verifier's own document checks) before anything is reserved or signed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mcbadge.errors import InputError, MCBadgeError, RegistryError, ValidationError
from mcbadge.issuer.build import RosterRow, build_credential, load_profile, normalize_email, place
from mcbadge.issuer.keys import SigningKey, did_web_document, did_web_url
from mcbadge.issuer.signing import FORMATS, check_key_for_format, sign_credential
from mcbadge.issuer.store import CredentialRecord, IssuerStore, stored_text
from mcbadge.keys import Key
from mcbadge.registry import AwardRequest, Registry, recipient_hash
from mcbadge.registry.audit import Actor, AuditLog, audited
from mcbadge.signing import SigningRefusedError, check_before_signing, presign_failures

if TYPE_CHECKING:
    from mcbadge.publish import PublishedStatus
    from mcbadge.verify.result import Check

__all__ = [
    "BatchOutcome",
    "BatchResult",
    "IssuedCredential",
    "Issuer",
    "award_key",
    "default_status_base_url",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedCredential:
    """A signed credential and where its status lives. ``reemitted`` is true when the
    registry already held it (nothing new was issued)."""

    credential_id: str
    document: dict[str, Any] | str
    idempotency_key: str
    status_indexes: Mapping[str, tuple[str, int]]
    reemitted: bool = False

    @property
    def is_jwt(self) -> bool:
        return isinstance(self.document, str)

    def to_bytes(self) -> bytes:
        """The credential as a file's content: JSON, or the compact JWT."""
        if isinstance(self.document, str):
            return (self.document + "\n").encode("ascii")
        return (json.dumps(self.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class BatchOutcome:
    """One roster row's result: ``issued`` or an error ``code`` and ``message``."""

    row: RosterRow
    issued: IssuedCredential | None = None
    code: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.issued is not None


@dataclass(frozen=True)
class BatchResult:
    """Results in roster order, and the counts."""

    outcomes: list[BatchOutcome] = field(default_factory=list)

    @property
    def issued(self) -> int:
        return sum(1 for o in self.outcomes if o.issued is not None and not o.issued.reemitted)

    @property
    def reemitted(self) -> int:
        return sum(1 for o in self.outcomes if o.issued is not None and o.issued.reemitted)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.issued is None)

    def summary(self) -> dict[str, int]:
        return {"issued": self.issued, "reemitted": self.reemitted, "failed": self.failed}


def award_key(normalized_email: str, achievement_id: str) -> str:
    """The default idempotency key of an award, its natural key: ``"sha256$<hex of the
    e-mail> <achievement id>"`` (the issuer is implied: keys are per issuer; the registry
    keeps no e-mail address in clear)."""
    return f"{recipient_hash(normalized_email)} {achievement_id}"


def checked(credential: dict[str, Any]) -> dict[str, Any]:
    """``credential`` (just built by :func:`build_credential`, so already validated by the
    typed model) when it passes the verifier's other document checks, else
    :class:`~mcbadge.signing.SigningRefusedError` (nothing is reserved or signed for it)."""
    check_before_signing(credential, model_checked=True)
    return credential


def default_status_base_url(profile: Mapping[str, Any]) -> str:
    """``https://HOST/status/`` for a did:web id, else the profile ``url`` + ``/status/``."""
    from urllib.parse import urlsplit

    profile_id = profile.get("id")
    if isinstance(profile_id, str) and profile_id.startswith("did:web:"):
        host = did_web_url(profile_id).split("/")[2]
        return f"https://{host}/status/"
    url = profile.get("url")
    if isinstance(url, str) and urlsplit(url).scheme == "https":
        return url.rstrip("/") + "/status/"
    raise ValidationError(
        "cannot tell where status lists are published: give a status URL "
        "(or a did:web id or an https url in the issuer profile)",
        code="status.no_status_url",
    )


# -- batch work (module level so it pickles) -----------------------------------------------
# A signed row: the text the registry stores (compact JSON, or the VC-JWT), else the error code
# and message of the refusal.
_SignResult = tuple[str | None, str, str]
# A checked row: its unsigned credential built under a provisional id, or the refusal's
# (code, message).
_Checked = dict[str, Any] | tuple[str, str]
# What a worker needs to build one row: achievement id (catalog key), normalised e-mail,
# level, evidence, valid_until, valid_from.
_Spec = tuple[str, str, str | None, tuple[Any, ...], datetime | None, datetime]
# What signing needs for one reserved row: its checked credential, id and status indexes.
_SignItem = tuple[dict[str, Any], str, dict[str, tuple[str, int]]]
# One row of a chunk: what to reserve (key, achievement id, recipient), what to build.
_ChunkItem = tuple[AwardRequest, _Spec]
# A row's result: ("issued", id, indexes, stored text), ("reemitted", id, indexes,
# document), or ("failed", code, message).
_RowResult = tuple[Any, ...]


@dataclass
class _BatchContext:
    """Everything shared by a batch's rows; crosses to each worker once (initializer)."""

    profile: dict[str, Any]
    catalog: dict[str, dict[str, Any]]
    credential_schema: bool
    format: str
    issuer_id: str
    status_base_url: str
    suspension: bool
    key: SigningKey | None = None  # in the issuing process
    jwk: dict[str, str] | None = None  # for workers (a key object does not pickle)
    vm_id: str = ""
    # For workers: how to open their own connection to the issuer's registry.
    registry_url: str = ""
    list_size: int = 0
    fill_limit: int = 0
    # The verdict of the pre-signing checks per row shape (see _check_rows).
    verdicts: dict[str, list[Check]] = field(default_factory=dict)


def status_entries(indexes: Mapping[str, tuple[str, int]]) -> list[dict[str, Any]]:
    """The BitstringStatusListEntry objects for reserved ``{purpose: (list URL, index)}``."""
    return [
        {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
        for purpose, (list_url, index) in indexes.items()
    ]


def _build_row(ctx: _BatchContext, spec: _Spec, credential_id: str) -> dict[str, Any]:
    achievement_id, email, level, evidence, valid_until, valid_from = spec
    return build_credential(
        credential_id=credential_id,
        issuer=ctx.profile,
        achievement=ctx.catalog[achievement_id],
        recipient_email=email,
        valid_from=valid_from,
        valid_until=valid_until,
        achieved_level=level,
        evidence=evidence,
        credential_schema=ctx.credential_schema,
    )


def _shape(spec: _Spec) -> str:
    """What a row's credential depends on besides the e-mail. Two rows of one batch with the
    same shape build credentials that differ only in their ``urn:uuid`` id and the
    recipient's salted ``sha256$`` hash (both made by mcbadge, in fixed forms), so the
    verifier's document checks give both the same verdict."""
    achievement_id, _, level, evidence, valid_until, valid_from = spec
    return json.dumps(
        [achievement_id, level, list(evidence), str(valid_until), str(valid_from)],
        sort_keys=True,
        default=str,
    )


def _check_rows(ctx: _BatchContext, specs: list[_Spec]) -> list[_Checked]:
    """Build each row under a provisional id and put it through the verifier's document
    checks (once per row shape), so bad input fails before anything is reserved; the build
    is kept and signed once the row's id and indexes are reserved."""
    out: list[_Checked] = []
    for spec in specs:
        try:
            built = _build_row(ctx, spec, f"urn:uuid:{uuid.uuid4()}")
            shape = _shape(spec)
            failures = ctx.verdicts.get(shape)
            if failures is None:
                failures = ctx.verdicts[shape] = presign_failures(built, model_checked=True)
            if failures:
                raise SigningRefusedError(failures)
            out.append(built)
        except MCBadgeError as exc:
            out.append((exc.code, exc.message))
    return out


def _sign_rows(ctx: _BatchContext, items: list[_SignItem]) -> list[_SignResult]:
    """Place each checked row's reserved id and status entries, sign it, and give the text
    the registry stores."""
    assert ctx.key is not None
    out: list[_SignResult] = []
    for checked, credential_id, indexes in items:
        try:
            unsigned = place(checked, credential_id, status_entries(indexes))
            out.append((stored_text(sign_credential(unsigned, ctx.key, ctx.format)), "", ""))
        except MCBadgeError as exc:
            out.append((None, exc.code, exc.message))
    return out


def _issue_chunk(
    ctx: _BatchContext, store: IssuerStore, items: list[_ChunkItem]
) -> list[_RowResult]:
    """One chunk of a batch, in order: check builds (a refused row reserves nothing), one
    transaction reserving the rest (durable before any signing), signing, and one
    transaction recording what was signed. The same steps run in the issuing process
    (``jobs=1``) and in each worker (on its own connection to the registry)."""
    results: list[_RowResult] = [("failed", "", "")] * len(items)
    built: dict[int, dict[str, Any]] = {}
    for row, build in enumerate(_check_rows(ctx, [spec for _, spec in items])):
        if isinstance(build, tuple):
            results[row] = ("failed", build[0], build[1])
        else:
            built[row] = build
    passed = list(built)
    if not passed:
        return results
    records = store.reserve_many(
        ctx.issuer_id,
        [items[row][0] for row in passed],
        status_base_url=ctx.status_base_url,
        suspension=ctx.suspension,
    )
    to_sign: list[tuple[int, CredentialRecord]] = []
    for row, record in zip(passed, records, strict=True):
        if isinstance(record, MCBadgeError):
            results[row] = ("failed", record.code, record.message)
        elif record.document is not None:
            results[row] = (
                "reemitted",
                record.credential_id,
                record.status_indexes,
                record.document,
            )
        else:
            to_sign.append((row, record))
    if not to_sign:
        return results
    signed = _sign_rows(
        ctx,
        [
            (built[row], record.credential_id, dict(record.status_indexes))
            for row, record in to_sign
        ],
    )
    good = [
        (row, record, text)
        for (row, record), (text, _, _) in zip(to_sign, signed, strict=True)
        if text is not None
    ]
    errors = store.record_issued_many(
        [(record.credential_id, text, ctx.format) for _, record, text in good]
    )
    refused = {row: error for (row, _, _), error in zip(good, errors, strict=True) if error}
    for (row, record), (text, code, message) in zip(to_sign, signed, strict=True):
        error = refused.get(row)
        if text is None:
            results[row] = ("failed", code, message)
        elif error is not None:
            results[row] = ("failed", error.code, error.message)
        else:
            results[row] = ("issued", record.credential_id, record.status_indexes, text)
    return results


# The most rows one registry transaction reserves or records.
_CHUNK_ROWS = 128
# With workers, chunks shrink towards the end of the batch (each a share of what is left) so
# that no worker is left signing a long last chunk alone; never below this many rows.
_TAIL_ROWS = 16


def _chunks(order: list[int], workers: int) -> list[list[int]]:
    """The roster positions of a batch, cut into the chunks it is issued in."""
    if workers <= 1:
        return [order[i : i + _CHUNK_ROWS] for i in range(0, len(order), _CHUNK_ROWS)]
    floor = max(1, min(_TAIL_ROWS, len(order) // (workers * 4)))
    chunks: list[list[int]] = []
    start = 0
    while start < len(order):
        size = max(floor, min(_CHUNK_ROWS, (len(order) - start) // (workers * 2)))
        chunks.append(order[start : start + size])
        start += size
    return chunks


# One worker process's batch context and its own connection to the registry (opened on
# its first chunk, never the issuing process's connections, which it inherited by fork).
_WORKER: _BatchContext | None = None
_WORKER_STORE: IssuerStore | None = None


def _worker_init(ctx: _BatchContext) -> None:
    global _WORKER
    _die_with_parent()
    assert ctx.jwk is not None
    ctx.key = SigningKey.from_jwk(ctx.jwk).with_verification_method(ctx.vm_id)
    _WORKER = ctx


def _worker_issue(items: list[_ChunkItem]) -> list[_RowResult]:
    global _WORKER_STORE
    assert _WORKER is not None
    if _WORKER_STORE is None:
        from mcbadge.registry import Registry

        _WORKER_STORE = IssuerStore(
            registry=Registry.open(
                _WORKER.registry_url,
                list_size=_WORKER.list_size,
                fill_limit=_WORKER.fill_limit,
            )
        )
    return _issue_chunk(_WORKER, _WORKER_STORE, items)


def _start_method() -> str:
    """``fork`` when this process has one thread (workers start in milliseconds, with every
    module imported and every context already processed; they open their own registry
    connection, never use the inherited ones, and leave with ``os._exit``), else ``spawn``: a
    fork would copy other threads' held locks (servers, DB pools). A spawned worker re-imports
    everything (~0.7 s each)."""
    import multiprocessing
    import threading

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _die_with_parent() -> None:
    """A worker whose issuing process died (killed, crashed) dies too, at once, so that
    nothing more reaches the registry after it: the batch is simply run again. On Linux the
    kernel kills the worker when its parent exits (``PR_SET_PDEATHSIG``); elsewhere a thread
    notices within half a second."""
    import signal
    import sys

    parent = os.getppid()
    if sys.platform == "linux":
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # 1: PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the call took effect
                os._exit(1)
            return
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="mcbadge-parent-watch", daemon=True).start()


def _serving_url(url: str) -> bool:
    """https, or http on this machine only (a service under test on 127.0.0.1)."""
    if url.startswith("https://"):
        return True
    host = urlsplit(url).hostname if url.startswith("http://") else None
    return host in ("127.0.0.1", "localhost", "::1")


class Issuer:
    """Issues credentials for one provider.

    * ``profile``: the issuer Profile (``name``, ``url``, ``email`` …); its ``id`` is the
      issuer's DID when it is one, otherwise ``issuer_id`` or the active key's did:key is used.
    * ``keys``: :class:`SigningKey` or :class:`mcbadge.keys.Key` (Ed25519 / P-256): the
      active signing key first, then older keys kept for rotation (they stay
      in :meth:`did_document`, so credentials they signed keep verifying).
    * ``format``: ``eddsa-rdfc-2022`` | ``ecdsa-rdfc-2019`` | ``ed25519-2020`` | ``jwt`` |
      ``vc+jwt`` (VC-JOSE-COSE; VCDM 2.0 credentials, which the issuer builds).
    * ``registry``: an :class:`IssuerStore`, a :class:`mcbadge.registry.Registry`, a
      SQLAlchemy URL, or ``None`` (the registry's default file).
    * ``status_base_url``: where :meth:`publish` output is served, ending in ``/``.
    * ``suspension``: make credentials suspendable. OB 3.0 allows ONE ``credentialStatus``,
      so such a credential's entry is a suspension entry; revoking it suspends it for good
      (and lists it in the 1EdTech revocation list), so a verifier reports it as suspended.
      Without ``suspension`` the entry is a revocation entry.
    """

    def __init__(
        self,
        profile: Mapping[str, Any],
        keys: SigningKey | Key | Sequence[SigningKey | Key],
        *,
        format: str = "eddsa-rdfc-2022",
        registry: IssuerStore | Registry | str | None = None,
        status_base_url: str,
        suspension: bool = False,
        issuer_id: str | None = None,
        credential_schema: bool = True,
        list_validity: timedelta = timedelta(days=7),
        list_ttl: timedelta = timedelta(minutes=5),
    ) -> None:
        key_list = [
            key if isinstance(key, SigningKey) else SigningKey.from_proofs_key(key)
            for key in ([keys] if not isinstance(keys, Sequence) else keys)
        ]
        if not key_list:
            raise ValueError("an Issuer needs at least one signing key")
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        if not _serving_url(status_base_url) or not status_base_url.endswith("/"):
            raise ValueError(
                "status_base_url must be an https:// URL ending in '/' (http:// only on loopback)"
            )
        check_key_for_format(key_list[0], format)
        profile_id = profile.get("id")
        did = issuer_id or (
            profile_id if isinstance(profile_id, str) and profile_id.startswith("did:") else None
        )
        did = did or key_list[0].did_key
        if did.startswith("did:key:") and did != key_list[0].did_key:
            raise ValueError("a did:key issuer id must be the active key's did:key")
        self.issuer_id: str = did
        self.keys: list[SigningKey] = [
            key
            if key.vm_id.startswith(did + "#") or did.startswith("did:key:")
            else key.with_verification_method(f"{did}#{key.fragment}")
            for key in key_list
        ]
        self.profile: dict[str, Any] = {**dict(profile), "id": did}
        self.profile.setdefault("type", ["Profile"])
        self.format = format
        if isinstance(registry, IssuerStore):
            self.registry = registry
        elif isinstance(registry, str) or registry is None:
            self.registry = IssuerStore(registry)
        else:
            self.registry = IssuerStore(registry=registry)
        self.status_base_url = status_base_url
        self.suspension = suspension
        self.credential_schema: bool = credential_schema
        self.list_validity = list_validity
        self.list_ttl = list_ttl

    @classmethod
    def from_files(
        cls,
        profile_path: str | os.PathLike[str],
        key_path: str | os.PathLike[str],
        *,
        format: str | None = None,
        registry: IssuerStore | Registry | str | None = None,
        status_base_url: str | None = None,
        suspension: bool = False,
        old_key_paths: Sequence[str | os.PathLike[str]] = (),
        issuer_id: str | None = None,
    ) -> Issuer:
        """An Issuer from an ``issuer.json`` Profile and private key files.

        The issuer id is ``issuer_id``, else the Profile's ``id`` when it is a DID, else the
        key's did:key. Without ``status_base_url`` the lists live under ``/status/`` on the
        did:web host, or else under the profile's ``url``. ``format`` defaults to the key's
        suite.
        """
        profile = load_profile(profile_path)
        if issuer_id is not None:
            if not issuer_id.startswith("did:"):
                raise ValueError("the issuer id must be a DID (did:web:… or did:key:…)")
            profile["id"] = issuer_id
        key = SigningKey.load(key_path)
        old = [SigningKey.load(path) for path in old_key_paths]
        base = status_base_url or default_status_base_url(profile)
        return cls(
            profile,
            [key, *old],
            format=format or key.default_cryptosuite,
            registry=registry,
            status_base_url=base,
            suspension=suspension,
            issuer_id=issuer_id,
        )

    @property
    def active_key(self) -> SigningKey:
        return self.keys[0]

    def did_document(self) -> dict[str, Any]:
        """The did.json to host for a did:web issuer (every key, active first)."""
        if not self.issuer_id.startswith("did:web:"):
            raise ValueError("only a did:web issuer has a DID document to host")
        return did_web_document(self.issuer_id, self.keys)

    # -- issuing ------------------------------------------------------------------------
    def _reserve(
        self,
        achievement: Mapping[str, Any],
        recipient_email: str,
        *,
        achieved_level: str | None,
        evidence: Sequence[str | Mapping[str, Any]],
        valid_until: datetime | None,
        idempotency_key: str | None,
    ) -> CredentialRecord:
        email = normalize_email(recipient_email)
        achievement_id = str(achievement.get("id"))
        key = idempotency_key or award_key(email, achievement_id)
        valid_from = datetime.now(UTC)

        def build(credential_id: str, indexes: dict[str, tuple[str, int]]) -> dict[str, Any]:
            entries = status_entries(indexes)
            return build_credential(
                credential_id=credential_id,
                issuer=self.profile,
                achievement=achievement,
                recipient_email=email,
                valid_from=valid_from,
                valid_until=valid_until,
                achieved_level=achieved_level,
                evidence=evidence,
                credential_status=entries,
                credential_schema=self.credential_schema,
            )

        # Build and check once first so bad input fails before anything is reserved.
        checked(build(f"urn:uuid:{uuid.uuid4()}", {}))
        return self.registry.reserve(
            self.issuer_id,
            key,
            status_base_url=self.status_base_url,
            suspension=self.suspension,
            build=build,
            achievement_id=achievement_id,
            recipient_hash=recipient_hash(email),
            match_award=idempotency_key is None,
        )

    def _finish(
        self,
        record: CredentialRecord,
        document: dict[str, Any] | str,
        actor: Actor | None = None,
    ) -> IssuedCredential:
        self.registry.record_issued(record.credential_id, document, self.format, actor=actor)
        return IssuedCredential(
            record.credential_id, document, record.idempotency_key, record.status_indexes
        )

    @staticmethod
    def _reemit(record: CredentialRecord) -> IssuedCredential:
        assert record.document is not None
        return IssuedCredential(
            record.credential_id,
            record.document,
            record.idempotency_key,
            record.status_indexes,
            reemitted=True,
        )

    def issue(
        self,
        achievement: Mapping[str, Any],
        recipient_email: str,
        *,
        achieved_level: str | None = None,
        evidence: Sequence[str | Mapping[str, Any]] = (),
        valid_until: datetime | None = None,
        idempotency_key: str | None = None,
        actor: Actor | None = None,
    ) -> IssuedCredential:
        """Issue (or re-emit) one signed credential.

        Without ``idempotency_key`` the award is (this issuer, the achievement's id, the
        normalised e-mail): if it was issued before, by :meth:`issue` or :meth:`issue_batch`
        and under whatever key, that credential comes back with ``reemitted=True`` and
        nothing is signed. An explicit ``idempotency_key`` (e.g. a provider's own award id)
        names the award instead: a new key issues a new credential even for the same
        teacher and achievement (a deliberate re-award); a key already used for another
        achievement or recipient raises ``RegistryError`` ``registry.key_conflict``. A
        credential that fails the verifier's document checks raises
        :class:`~mcbadge.signing.SigningRefusedError` before anything is reserved.

        With ``actor`` (who asks: :class:`mcbadge.registry.Actor`) the issue is audited in the
        registry: in the transaction that records the credential, or, for a re-emitted
        credential or a refusal, in one of its own.
        """
        with audited(self.registry.registry, actor, "issue", issuer_id=self.issuer_id):
            if idempotency_key is not None and not idempotency_key.strip():
                raise InputError(
                    "an idempotency key must not be empty", code="input.bad_idempotency_key"
                )
            record = self._reserve(
                achievement,
                recipient_email,
                achieved_level=achieved_level,
                evidence=evidence,
                valid_until=valid_until,
                idempotency_key=idempotency_key,
            )
            if record.document is not None:
                if actor is not None:
                    AuditLog(self.registry.registry).record(
                        actor,
                        "issue",
                        issuer_id=self.issuer_id,
                        target=record.credential_id,
                        outcome="reemitted",
                    )
                return self._reemit(record)
            assert record.unsigned is not None
            # If signing refuses (e.g. a catalog term no context defines), the reservation
            # stays: its index is never reused, and a re-run builds the credential from the
            # corrected catalog under the same id and index.
            signed = sign_credential(record.unsigned, self.active_key, self.format)
            return self._finish(record, signed, actor)

    def issue_credential(
        self,
        credential: Mapping[str, Any],
        *,
        credential_id: str | None = None,
        status_purposes: Sequence[str] | None = None,
        actor: Actor | None = None,
    ) -> IssuedCredential:
        """Sign a credential the caller supplies (an OpenBadgeCredential or a plain W3C
        credential whose ``issuer`` is this issuer), with status entries from the registry:
        see :func:`mcbadge.issuer.supplied.issue_credential` (the VC API's issue)."""
        from mcbadge.issuer.supplied import issue_credential

        return issue_credential(
            self,
            credential,
            credential_id=credential_id,
            status_purposes=status_purposes,
            actor=actor,
        )

    def issue_batch(
        self,
        rows: Iterable[RosterRow],
        *,
        catalog: Mapping[str, Mapping[str, Any]],
        jobs: int = 1,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchResult:
        """Issue a roster; results come back in roster order.

        Rows go in chunks through four steps: a check build under a provisional id (bad input
        fails before anything is reserved), one registry transaction reserving the chunk's ids
        and status indexes (durable before any signing), signing that same build under the
        reserved id and indexes (on ``jobs`` worker processes, started once with the profile,
        catalog and key), and one transaction recording the chunk's signed credentials
        (durable before ``progress`` counts them). With workers, each worker takes whole
        chunks through all four steps on its own connection to the registry, and this
        process only hands out chunks and collects what was recorded.
        Each row's award follows :meth:`issue`'s rule: a row without a key
        (``RosterRow.key``) is the award (issuer, achievement id, e-mail) and re-emits any
        credential issued for it before (by :meth:`issue` too); a row with a key is the award
        that key names. An interrupted batch can simply be run again. A row repeating an
        earlier row's award is re-emitted after it; a key repeated for another achievement
        or e-mail fails with ``registry.key_conflict``.
        """
        rows = list(rows)
        total = len(rows)
        outcomes: list[BatchOutcome | None] = [None] * total
        done = 0

        def finish(position: int, outcome: BatchOutcome) -> None:
            nonlocal done
            outcomes[position] = outcome
            done += 1
            if progress is not None:
                progress(done, total)

        ctx = _BatchContext(
            profile=self.profile,
            catalog={},
            credential_schema=self.credential_schema,
            format=self.format,
            issuer_id=self.issuer_id,
            status_base_url=self.status_base_url,
            suspension=self.suspension,
            key=self.active_key,
        )
        specs: dict[int, _Spec] = {}
        keys: dict[int, str] = {}
        requests: dict[int, AwardRequest] = {}
        first_of: dict[str, int] = {}
        repeats: list[tuple[int, int]] = []
        valid_from = datetime.now(UTC)
        for position, row in enumerate(rows):
            achievement = catalog.get(row.achievement_id)
            try:
                if achievement is None:
                    raise ValidationError(
                        f"achievement {row.achievement_id!r} is not in the catalog",
                        code="data_model.unknown_achievement",
                    )
                email = normalize_email(row.email)
                achievement_id = str(achievement.get("id"))
                key = row.key or award_key(email, achievement_id)
                request = AwardRequest(
                    key,
                    achievement_id,
                    recipient_hash(email),
                    match_award=not row.key,
                    legacy_key=row.row_id or None,
                )
                earlier = first_of.get(key)
                if earlier is not None and (
                    requests[earlier].achievement_id != achievement_id
                    or requests[earlier].recipient_hash != request.recipient_hash
                ):
                    raise RegistryError(
                        f"idempotency key {key!r} is used by an earlier row for another "
                        "achievement or recipient; a key names one award",
                        code="registry.key_conflict",
                    )
            except MCBadgeError as exc:
                outcomes[position] = BatchOutcome(row, code=exc.code, message=exc.message)
                continue
            if earlier is not None:
                repeats.append((position, earlier))
                continue
            first_of[key] = position
            requests[position] = request
            ctx.catalog.setdefault(row.achievement_id, dict(achievement))
            keys[position] = key
            specs[position] = (
                row.achievement_id,
                email,
                row.achieved_level,
                tuple(row.evidence),
                row.valid_until,
                valid_from,
            )
        for outcome in outcomes:
            if outcome is not None:
                done += 1
                if progress is not None:
                    progress(done, total)
        workers = min(jobs, len(specs))
        items = {p: (requests[p], spec) for p, spec in specs.items()}
        chunks = _chunks(list(specs), workers)

        def finished(chunk: list[int], results: list[_RowResult]) -> None:
            for position, result in zip(chunk, results, strict=True):
                row = rows[position]
                if result[0] == "failed":
                    finish(position, BatchOutcome(row, code=result[1], message=result[2]))
                    continue
                kind, credential_id, indexes, document = result
                if kind == "issued" and self.format not in ("jwt", "vc+jwt"):
                    document = json.loads(document)
                issued = IssuedCredential(
                    credential_id, document, keys[position], indexes, reemitted=kind != "issued"
                )
                finish(position, BatchOutcome(row, issued))

        if workers <= 1:
            for chunk in chunks:
                finished(chunk, _issue_chunk(ctx, self.registry, [items[p] for p in chunk]))
        else:
            self._run_pool(ctx, workers, chunks, items, finished)
        for position, first in repeats:
            before = outcomes[first]
            assert before is not None
            if before.issued is not None:
                again = dataclasses.replace(before.issued, reemitted=True)
                finish(position, BatchOutcome(rows[position], again))
            else:
                finish(
                    position,
                    BatchOutcome(rows[position], code=before.code, message=before.message),
                )
        return BatchResult([outcome for outcome in outcomes if outcome is not None])

    def _run_pool(
        self,
        ctx: _BatchContext,
        workers: int,
        chunks: list[list[int]],
        items: Mapping[int, _ChunkItem],
        finished: Callable[[list[int], list[_RowResult]], None],
    ) -> None:
        """Each worker checks, reserves, signs and records whole chunks on its own registry
        connection (the registry hands out ids and status indexes safely to concurrent
        issuers); this process only hands out chunks and collects what was recorded."""
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, wait

        from mcbadge._pool import heap_frozen_for_fork

        key = self.active_key
        shipped = dataclasses.replace(
            ctx,
            key=None,
            jwk=key.private_jwk(),
            vm_id=key.vm_id,
            registry_url=self.registry.url,
            list_size=self.registry.registry.list_size,
            fill_limit=self.registry.registry.fill_limit,
        )
        method = _start_method()
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_worker_init,
            initargs=(shipped,),
        )
        depth = workers * 2  # chunks in flight: one being issued and one queued per worker
        pending = iter(chunks)
        in_flight: dict[Future[list[_RowResult]], list[int]] = {}

        def fill() -> None:
            while len(in_flight) < depth:
                chunk = next(pending, None)
                if chunk is None:
                    return
                in_flight[pool.submit(_worker_issue, [items[p] for p in chunk])] = chunk

        try:
            # The workers are forked on the first submit, before the pool starts its thread.
            with heap_frozen_for_fork(method):
                fill()
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(in_flight.pop(future), future.result())
                fill()
        finally:
            pool.shutdown(cancel_futures=True)

    # -- status changes -----------------------------------------------------------------
    # Scoped to this issuer in the registry itself (checked in the transaction that changes
    # the row): in a shared registry one issuer can never change another issuer's credential.
    # With ``actor``, the change and its audit record are one transaction; a refusal (an
    # unknown credential, another issuer's) is audited in a transaction of its own.
    def revoke(
        self, credential_id: str, reason: str | None = None, *, actor: Actor | None = None
    ) -> CredentialRecord:
        """Mark a credential revoked (permanent); publish to make it visible."""
        with self._audited(actor, "revoke", credential_id):
            return self.registry.revoke(
                credential_id, reason, issuer_id=self.issuer_id, actor=actor
            )

    def suspend(
        self, credential_id: str, reason: str | None = None, *, actor: Actor | None = None
    ) -> CredentialRecord:
        with self._audited(actor, "suspend", credential_id):
            return self.registry.suspend(
                credential_id, reason, issuer_id=self.issuer_id, actor=actor
            )

    def unsuspend(
        self, credential_id: str, reason: str | None = None, *, actor: Actor | None = None
    ) -> CredentialRecord:
        with self._audited(actor, "unsuspend", credential_id):
            return self.registry.unsuspend(
                credential_id, reason, issuer_id=self.issuer_id, actor=actor
            )

    def _audited(
        self, actor: Actor | None, action: str, credential_id: str
    ) -> AbstractContextManager[None]:
        return audited(
            self.registry.registry, actor, action, issuer_id=self.issuer_id, target=credential_id
        )

    # -- publishing ---------------------------------------------------------------------
    def publish(
        self, out_dir: str | os.PathLike[str] | None = None, *, now: datetime | None = None
    ) -> PublishedStatus:
        """Sign the status lists and the revocation list; see :func:`mcbadge.publish.publish`."""
        from mcbadge.publish import publish

        return publish(self, out_dir, now=now)
