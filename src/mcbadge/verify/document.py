"""The verifier's document checks on their own: what a credential must pass before signing.

:func:`document_checks` runs ``data_model``, ``schema``, ``context`` and ``validity`` exactly as
:func:`mcbadge.verify.verify` runs them (same ids, codes and messages), without proofs, status
or the network. The signing gate (:mod:`mcbadge.signing`) and the issuer use it, so a provider
is refused with the codes a licensure office would see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from mcbadge.errors import MCBadgeError
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import ParsedInput, parse_input
from mcbadge.verify._util import check_from_error, failed, passed
from mcbadge.verify.checks_local import (
    check_context,
    check_data_model,
    check_schema,
    check_validity,
    is_generic_credential,
    structural_problems,
)
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import Check

__all__ = ["DOCUMENT_CHECK_IDS", "document_checks"]

#: The checks :func:`document_checks` runs, in the verifier's order.
DOCUMENT_CHECK_IDS: tuple[str, ...] = ("data_model", "schema", "context", "validity")

_OFFLINE = VerificationPolicy(offline=True)


def _kind(credential: Mapping[str, Any], generic: bool = False) -> str:
    if generic and is_generic_credential(credential):
        return "vc"
    types = credential.get("type")
    names = types if isinstance(types, list) else [types]
    if "ClrCredential" in names:
        return "clr"
    if "EndorsementCredential" in names:
        return "endorsement"
    if "BitstringStatusListCredential" in names or "StatusList2021Credential" in names:
        return "status_list"
    return "credential"


def _structure_only(ctx: RunContext) -> Check:
    """The data model check without its typed-model validation (the builder just did it)."""
    problems = structural_problems(ctx)
    if problems:
        return failed("data_model", "invalid", "; ".join(problems))
    return passed("data_model", "follows the Open Badges 3.0 data model")


def document_checks(
    credential: object,
    *,
    now: datetime | None = None,
    model_checked: bool = False,
    generic: bool = False,
) -> tuple[Check, ...]:
    """The ``data_model``, ``schema``, ``context`` and ``validity`` checks of ``credential``.

    A document that cannot be read gives one failed ``input`` (or ``jwt``) check instead.
    ``model_checked`` is for a plain ``dict`` that mcbadge's builders just validated with the
    same typed model (:func:`mcbadge.models.builders.award`): the strict JSON re-read and the
    second model validation are skipped (they cost more than the signature); the structural
    part of the data model check, the JSON Schema, contexts and dates are still checked.
    ``generic`` checks a plain W3C credential (no Open Badges type) by the W3C data model, as
    ``VerificationPolicy.generic_credentials`` does; an Open Badges credential is checked in
    full either way.
    """
    if not isinstance(credential, Mapping):
        return (
            check_from_error(
                "input",
                MCBadgeError("the credential must be a JSON object", code="input.not_object"),
            ),
        )
    data_model: Callable[[RunContext], Check] = check_data_model
    if model_checked and isinstance(credential, dict):
        parsed = ParsedInput(credential)
        data_model = _structure_only
    else:
        try:
            parsed = parse_input(credential)
        except MCBadgeError as exc:
            prefix = exc.code.split(".", 1)[0]
            return (check_from_error(prefix if prefix == "jwt" else "input", exc),)
    ctx = RunContext(
        _OFFLINE,
        now if now is not None else datetime.now(UTC),
        parsed=parsed,
        kind=_kind(parsed.credential, generic),
    )
    checks: list[Check] = []
    for check_id, run in zip(
        DOCUMENT_CHECK_IDS,
        (data_model, check_schema, check_context, check_validity),
        strict=True,
    ):
        try:
            checks.append(run(ctx))
        except MCBadgeError as exc:
            checks.append(check_from_error(check_id, exc))
    return tuple(checks)
