"""Signing that refuses what every verifier rejects: the public :func:`sign`.

:func:`mcbadge.proofs.sign` signs whatever JSON it is given (the proof layer sits below the
verifier and cannot know the data model). This module sits above both: :func:`sign` first runs
the verifier's own document checks (:mod:`mcbadge.verify.document`: ``data_model``,
``schema``, ``context`` and the *syntax* of the validity dates) on the credential as given,
and refuses with :class:`SigningRefusedError`, carrying the same check id and code that
``mcbadge verify`` would report, instead of producing a signed credential no verifier accepts.

What is not checked here, because signing such a credential is legitimate: a ``validFrom`` in
the future (not yet valid), an expired window (back-dated records), status, recipient,
endorsements. ``check=False`` skips the gate; it exists for test vectors and for documents
another tool validates, and is named loudly in the CLI (``--unsafe-skip-checks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mcbadge.errors import MCBadgeError
from mcbadge.verify.document import DOCUMENT_CHECK_IDS, document_checks

if TYPE_CHECKING:
    from mcbadge.keys import Key
    from mcbadge.proofs import ProofFormat, SignedCredential
    from mcbadge.verify.result import Check

__all__ = ["PRESIGN_CHECK_IDS", "SigningRefusedError", "check_before_signing", "sign"]

#: The verifier checks a credential must pass before it is signed, in the verifier's order.
PRESIGN_CHECK_IDS = DOCUMENT_CHECK_IDS

# Validity failures that are about the dates' syntax or order, not about today's date.
_VALIDITY_SYNTAX = frozenset(
    {
        "validity.missing_start",
        "validity.bad_datetime",
        "validity.naive_datetime",
        "validity.inverted",
    }
)


class SigningRefusedError(MCBadgeError):
    """The credential fails a check every verifier runs, so it was not signed.

    ``code`` is the first failing check's code (``data_model.invalid``, ``schema.invalid``,
    ``context.not_allowed``, ``validity.bad_datetime`` …) and ``check_id`` its check, exactly
    as ``mcbadge verify`` reports them; ``checks`` holds every failing check."""

    code = "data_model.invalid"

    def __init__(self, failures: list[Check]) -> None:
        first = failures[0]
        detail = "; ".join(f"{check.code}: {check.message}" for check in failures)
        super().__init__(
            f"refusing to sign: the credential fails the verifier's checks ({detail})",
            code=first.code,
        )
        self.check_id: str = first.id
        self.checks: tuple[Check, ...] = tuple(failures)


def presign_failures(
    credential: object,
    *,
    now: datetime | None = None,
    model_checked: bool = False,
    generic: bool = False,
) -> list[Check]:
    """The verifier's document checks that ``credential`` fails (empty: it may be signed).

    See :func:`mcbadge.verify.document.document_checks` (``model_checked`` included); a
    validity failure counts only when it is about the dates themselves (missing, not RFC 3339,
    no time zone, end before start), not about today's date. ``generic`` lets a plain W3C
    credential (no Open Badges type) pass by the W3C data model alone."""
    return [
        check
        for check in document_checks(
            credential, now=now, model_checked=model_checked, generic=generic
        )
        if check.status == "failed" and (check.id != "validity" or check.code in _VALIDITY_SYNTAX)
    ]


def check_before_signing(
    credential: object, *, model_checked: bool = False, generic: bool = False
) -> None:
    """Raise :class:`SigningRefusedError` when ``credential`` fails a check every verifier
    runs (data model, bundled JSON Schema, contexts, validity-date syntax); ``model_checked``
    and ``generic`` as in :func:`presign_failures`."""
    failures = presign_failures(credential, model_checked=model_checked, generic=generic)
    if failures:
        raise SigningRefusedError(failures)


def sign(
    credential: Mapping[str, Any],
    key: Key,
    *,
    format: ProofFormat,
    verification_method: str | None = None,
    created: datetime | None = None,
    expires: datetime | None = None,
    embed_jwk: bool = False,
    check: bool = True,
) -> SignedCredential:
    """Sign ``credential`` with ``key`` (see :func:`mcbadge.proofs.sign`), after
    :func:`check_before_signing`: a credential that fails the data model, the bundled JSON
    Schema, the context allow-list or the validity-date syntax raises
    :class:`SigningRefusedError` with the verifier's check id and code, and nothing is signed.

    ``check=False`` signs without these checks: UNSAFE, the result may be a credential every
    verifier rejects; for test vectors and documents validated elsewhere only.
    """
    from mcbadge.proofs import sign as sign_proof

    if check:
        check_before_signing(credential)
    return sign_proof(
        credential,
        key,
        format=format,
        verification_method=verification_method,
        created=created,
        expires=expires,
        embed_jwk=embed_jwk,
    )
