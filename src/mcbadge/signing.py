"""Signing that refuses what every verifier rejects: the public :func:`sign`.

:func:`mcbadge.proofs.sign` signs whatever JSON it is given (the proof layer sits below the
verifier and cannot know the data model). This module sits above both: :func:`sign` first runs
the verifier's own document checks (:mod:`mcbadge.verify.checks_local`: ``data_model``,
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
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mcbadge.errors import MCBadgeError

if TYPE_CHECKING:
    from mcbadge.keys import Key
    from mcbadge.proofs import ProofFormat, SignedCredential
    from mcbadge.verify._context import RunContext
    from mcbadge.verify.policy import VerificationPolicy
    from mcbadge.verify.result import Check

__all__ = ["PRESIGN_CHECK_IDS", "SigningRefusedError", "check_before_signing", "sign"]

#: The verifier checks a credential must pass before it is signed, in the verifier's order.
PRESIGN_CHECK_IDS: tuple[str, ...] = ("data_model", "schema", "context", "validity")

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


def _kind(credential: Mapping[str, Any]) -> str:
    types = credential.get("type")
    names = types if isinstance(types, list) else [types]
    if "EndorsementCredential" in names:
        return "endorsement"
    if "BitstringStatusListCredential" in names or "StatusList2021Credential" in names:
        return "status_list"
    return "credential"


def presign_failures(
    credential: object, *, now: datetime | None = None, model_checked: bool = False
) -> list[Check]:
    """The verifier's document checks that ``credential`` fails (empty: it may be signed).

    ``model_checked`` is for credentials mcbadge's builders just made (a plain ``dict``
    validated by the same typed model ``parse_credential`` uses, see
    :func:`mcbadge.models.builders.award`): the strict JSON re-read and the second model
    validation are skipped (they cost more than the signature); the structural part of the
    data model check, the JSON Schema, contexts and dates are still checked."""
    from mcbadge.verify._context import RunContext
    from mcbadge.verify._input import ParsedInput, parse_input
    from mcbadge.verify._util import check_from_error
    from mcbadge.verify.checks_local import (
        check_context,
        check_data_model,
        check_schema,
        check_validity,
    )

    if not isinstance(credential, Mapping):
        return [check_from_error("input", MCBadgeError("the credential must be a JSON object"))]
    if model_checked and isinstance(credential, dict):
        parsed = ParsedInput(credential)
        data_model = _structure_only
    else:
        try:
            parsed = parse_input(credential)
        except MCBadgeError as exc:
            prefix = exc.code.split(".", 1)[0]
            return [check_from_error(prefix if prefix == "jwt" else "input", exc)]
        data_model = check_data_model
    ctx = RunContext(
        _POLICY or _offline_policy(),
        now if now is not None else datetime.now(UTC),
        parsed=parsed,
        kind=_kind(parsed.credential),
    )
    failures: list[Check] = []
    for check_id, run in (
        ("data_model", data_model),
        ("schema", check_schema),
        ("context", check_context),
        ("validity", check_validity),
    ):
        try:
            check = run(ctx)
        except MCBadgeError as exc:
            check = check_from_error(check_id, exc)
        if check.status != "failed":
            continue
        if check_id == "validity" and check.code not in _VALIDITY_SYNTAX:
            continue  # not yet valid / expired: a fact about today, not about the document
        failures.append(check)
    return failures


_POLICY: VerificationPolicy | None = None


def _offline_policy() -> VerificationPolicy:
    global _POLICY
    from mcbadge.verify.policy import VerificationPolicy

    _POLICY = VerificationPolicy(offline=True)
    return _POLICY


def _structure_only(ctx: RunContext) -> Check:
    """The data model check without its model validation (done by the builder)."""
    from mcbadge.verify._util import failed, passed
    from mcbadge.verify.checks_local import _structural_problems

    problems = _structural_problems(ctx)
    if problems:
        return failed("data_model", "invalid", "; ".join(problems))
    return passed("data_model", "follows the Open Badges 3.0 data model")


def check_before_signing(credential: object) -> None:
    """Raise :class:`SigningRefusedError` when ``credential`` fails a check every verifier
    runs (data model, bundled JSON Schema, contexts, validity-date syntax)."""
    failures = presign_failures(credential)
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
