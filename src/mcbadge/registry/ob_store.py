"""What the Open Badges 3.0 REST API serves for each learner: who may sign in, their profile,
and their credentials (those this provider issued to them and those they added).

A learner is a teacher, known by e-mail; the registry keys everything by the same
``sha256$`` hash of the normalised address that it keeps for each award
(:func:`mcbadge.registry.core.recipient_hash`), so one lookup finds both. There is no password
store: the operator invites a teacher (``mcbadge serve-learner invite EMAIL``), which creates a
one-time **sign-in code** (about 100 bits, grouped for typing) that the teacher types with their
e-mail on the consent page. Only its SHA-256 is kept; it is used once, expires, and five wrong
codes in a row lock it until the operator invites the teacher again::

    learners = LearnerStore(registry)
    invite = learners.invite("ada@school.example")     # invite.code goes to the teacher
    learner = learners.sign_in("ada@school.example", typed_code)   # LearnerError if not

The credentials listed for a learner, and the rule for what a tool may store, are in
:mod:`mcbadge.registry.ob_credentials` (``LearnerStore`` reaches them for the routes).
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mcbadge.errors import MCBadgeError
from mcbadge.registry._util import aware_now as _now
from mcbadge.registry._util import digest as _digest
from mcbadge.registry._util import stamp as _stamp
from mcbadge.registry.ob_credentials import (
    CredentialPage,
    LearnerError,
    NotJSONData,
    StoredCredential,
    canonical_json,
    create_credential_table,
    list_credentials,
    parse_credential,
    upsert_credential,
)

if TYPE_CHECKING:
    from mcbadge.registry.core import Registry

__all__ = [
    "INVITE_TTL",
    "MAX_FAILED_SIGN_INS",
    "CredentialPage",
    "Invite",
    "LearnerError",
    "LearnerStore",
    "StoredCredential",
    "learner_key",
    "parse_credential",
]

INVITE_TTL = timedelta(days=7)
MAX_FAILED_SIGN_INS = 5
#: Crockford-like alphabet: no I, L, O, U (nothing to misread when typed from a letter)
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_GROUPS = 4
_CODE_GROUP_LENGTH = 5
_MISREAD = str.maketrans("OILU", "011V")
_OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"

_metadata = sa.MetaData()
learners_t = sa.Table(
    "learners",
    _metadata,
    sa.Column("learner", sa.String(128), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("code_digest", sa.String(64), nullable=True),
    sa.Column("code_expires_at", sa.String(40), nullable=True),
    sa.Column("failed_sign_ins", sa.Integer, nullable=False, default=0),
    sa.Column("profile", sa.Text, nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)


def create_learner_tables(conn: sa.Connection) -> None:
    """Migration step: learners and their credentials (see ``MIGRATIONS``)."""
    learners_t.create(conn, checkfirst=True)
    create_credential_table(conn)


@dataclass(frozen=True)
class Invite:
    """A teacher's one-time sign-in code (shown once) and when it expires."""

    email: str
    code: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"Invite(email={self.email!r}, expires_at={self.expires_at.isoformat()})"


def learner_key(email: str) -> str:
    """The registry's key of a learner: the award's ``recipient_hash`` of the e-mail."""
    from mcbadge.issuer.build import normalize_email
    from mcbadge.registry.core import recipient_hash

    return recipient_hash(normalize_email(email))


def _normalize_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    # what people misread when they type a code from a letter or a screen
    return cleaned.translate(_MISREAD)


def _new_code() -> str:
    groups = [
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUP_LENGTH))
        for _ in range(_CODE_GROUPS)
    ]
    return "-".join(groups)


def _profile_check(profile: Any) -> dict[str, Any]:
    from mcbadge import schema
    from mcbadge.errors import SchemaError

    if not isinstance(profile, dict):
        raise LearnerError("a profile is a JSON object", code="learner.bad_profile")
    try:
        # the 1EdTech schema as published (purl) and the strict one the OB 3.0 API's OpenAPI
        # ``Profile`` agrees with: ``type`` an array naming ``Profile`` (the purl schema lets
        # it be any string, "Person" included)
        schema.validate(profile, "profile")
        schema.validate(profile, "profile-strict")
    except SchemaError as exc:
        raise LearnerError(
            f"the profile is not an OB 3.0 Profile: {exc.message}", code="learner.bad_profile"
        ) from None
    return profile


class LearnerStore:
    """Learners' sign-in codes, profiles and hosted credentials in ``registry``'s database."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    # -- sign-in -----------------------------------------------------------------------------

    def invite(
        self, email: str, *, ttl: timedelta = INVITE_TTL, now: datetime | None = None
    ) -> Invite:
        """A new one-time sign-in code for ``email`` (replacing any earlier one and clearing
        a lock); the learner is created on the first invitation."""
        from mcbadge.issuer.build import normalize_email

        if not timedelta(0) < ttl <= timedelta(days=90):
            raise ValueError("ttl must be positive and at most 90 days")
        address = normalize_email(email)
        learner = learner_key(address)
        code = _new_code()
        when = _now(now)
        values = {
            "code_digest": _digest(_normalize_code(code)),
            "code_expires_at": _stamp(when + ttl),
            "failed_sign_ins": 0,
            "updated_at": _stamp(when),
        }

        def work(conn: sa.Connection) -> None:
            done = conn.execute(
                sa.update(learners_t).where(learners_t.c.learner == learner).values(**values)
            )
            if done.rowcount == 0:
                conn.execute(
                    sa.insert(learners_t).values(
                        learner=learner,
                        email=address,
                        profile=None,
                        created_at=_stamp(when),
                        **values,
                    )
                )

        self._registry._write("invite a learner", work)
        return Invite(email=address, code=code, expires_at=when + ttl)

    def sign_in(self, email: str, code: str, *, now: datetime | None = None) -> str:
        """The learner key when ``code`` is the learner's current sign-in code (it is then
        used up); :class:`LearnerError` ``learner.sign_in`` otherwise, with one sentence for
        every cause so the page does not tell which e-mail addresses are known."""
        from mcbadge.issuer.build import normalize_email

        refused = LearnerError(
            "the e-mail address and sign-in code do not match an invitation that can still "
            "be used; ask the provider for a new sign-in code",
            code="learner.sign_in",
        )
        try:
            learner = learner_key(normalize_email(email))
        except MCBadgeError:
            raise refused from None
        if not isinstance(code, str) or not code or len(code) > 64:
            raise refused
        typed = _digest(_normalize_code(code))
        when = _stamp(_now(now))

        def work(conn: sa.Connection) -> bool:
            row = conn.execute(sa.select(learners_t).where(learners_t.c.learner == learner)).first()
            if row is None or row.code_digest is None:
                return False
            if row.failed_sign_ins >= MAX_FAILED_SIGN_INS or row.code_expires_at <= when:
                return False
            if not hmac.compare_digest(str(row.code_digest), typed):
                conn.execute(
                    sa.update(learners_t)
                    .where(learners_t.c.learner == learner)
                    .values(failed_sign_ins=learners_t.c.failed_sign_ins + 1)
                )
                return False
            used = conn.execute(
                sa.update(learners_t)
                .where(learners_t.c.learner == learner, learners_t.c.code_digest == typed)
                .values(code_digest=None, code_expires_at=None, failed_sign_ins=0, updated_at=when)
            )
            return used.rowcount == 1

        if not self._registry._write("sign a learner in", work):
            raise refused
        return learner

    # -- profile -----------------------------------------------------------------------------

    def profile(self, learner: str) -> dict[str, Any] | None:
        """The learner's profile: as last PUT, else a minimal one with their e-mail."""

        def work(conn: sa.Connection) -> tuple[str, str | None] | None:
            row = conn.execute(
                sa.select(learners_t.c.email, learners_t.c.profile).where(
                    learners_t.c.learner == learner
                )
            ).first()
            return (str(row.email), row.profile) if row is not None else None

        found = self._registry._read("read a learner's profile", work)
        if found is None:
            return None
        email, stored = found
        if stored is not None:
            document: dict[str, Any] = json.loads(stored)
            return document
        return {
            "@context": [_VC_CONTEXT, _OB_CONTEXT],
            "id": f"mailto:{email}",
            "type": ["Profile"],
            "email": email,
        }

    def put_profile(
        self, learner: str, profile: Any, *, now: datetime | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Replace the learner's profile (checked against the OB 3.0 Profile schema); returns
        it and whether it changed."""
        checked = _profile_check(profile)
        try:
            text = canonical_json(checked)
        except NotJSONData as exc:
            raise LearnerError(
                f"the profile is not JSON data: {exc}", code="learner.bad_profile"
            ) from None
        when = _stamp(_now(now))

        def work(conn: sa.Connection) -> bool | None:
            current = conn.execute(
                sa.select(learners_t.c.profile).where(learners_t.c.learner == learner)
            ).first()
            if current is None:
                return None
            if current.profile == text:
                return False
            conn.execute(
                sa.update(learners_t)
                .where(learners_t.c.learner == learner)
                .values(profile=text, updated_at=when)
            )
            return True

        changed = self._registry._write("store a learner's profile", work)
        if changed is None:
            raise LearnerError("no learner has this key", code="learner.unknown")
        return checked, changed

    # -- credentials (mcbadge.registry.ob_credentials) ---------------------------------------

    def upsert_credential(self, learner: str, body: Any, *, now: datetime | None = None) -> str:
        """Store a credential for the learner (see :func:`parse_credential`): ``created``,
        ``replaced`` (same id, other content) or ``unchanged``."""
        return upsert_credential(self._registry, learner, body, now=now)

    def credentials(
        self, learner: str, *, limit: int, offset: int, since: datetime | None = None
    ) -> CredentialPage:
        """One page of the learner's credentials (see :func:`list_credentials`)."""
        return list_credentials(self._registry, learner, limit=limit, offset=offset, since=since)
