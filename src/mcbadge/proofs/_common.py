"""Shared pieces of the proof layer: canonicalization, timestamps, outcomes, key binding."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mcbadge.did import VerificationMethod
from mcbadge.errors import InputError, MCBadgeError

__all__ = [
    "CLOCK_SKEW",
    "Issue",
    "ProofOutcome",
    "ProofResult",
    "canonize",
    "check_key_binding",
    "copy_json",
    "format_datetime",
    "issuer_id",
    "parse_datetime",
]

CLOCK_SKEW = timedelta(minutes=5)

_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def canonize(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``: :func:`mcbadge.jsonld.canonize`, whose
    safe mode refuses undefined terms (``data_loss.*``) and whose work is bounded by the
    document's size (``canonicalization.budget_exceeded``); see docs/jsonld.md. There is no
    second, unbounded path: a pyld fallback here would undo both."""
    from mcbadge.jsonld import canonize as jsonld_canonize

    return jsonld_canonize(document)


_ATOMIC = frozenset({str, int, float, bool, type(None)})


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, strings, numbers, booleans, None), several
    times faster than :func:`copy.deepcopy`; any other object is deep-copied normally."""
    kind = type(value)
    if kind is dict:
        return {k: (v if type(v) in _ATOMIC else copy_json(v)) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _ATOMIC else copy_json(v) for v in value]
    if kind in _ATOMIC:
        return value
    return copy.deepcopy(value)


def copy_for_signing(
    document: Mapping[str, Any], what: str
) -> tuple[dict[str, Any], list[Any] | None]:
    """A copy of ``document`` without its ``proof``, and a copy of the proof set it already
    carries (``None`` when it has none), for a signer to add its own proof to. A cycle, or
    nesting deeper than the interpreter can follow, anywhere in it (the old proofs included)
    is refused as ``input.too_deep`` naming ``what`` ("credential", "presentation")."""
    try:
        unsecured = {k: copy_json(v) for k, v in document.items() if k != "proof"}
        existing = document.get("proof")
        if existing is None:
            return unsecured, None
        return unsecured, copy_json(existing if isinstance(existing, list) else [existing])
    except RecursionError:  # a cycle, or nesting deeper than any credential
        raise InputError(f"the {what} is nested too deeply", code="input.too_deep") from None


def numeric_date(value: datetime) -> int:
    """JWT NumericDate of ``value``; a naive value is UTC, as :func:`format_datetime` reads it
    for a Data Integrity proof's ``created`` (``datetime.timestamp`` would take local time)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def parse_datetime(value: Any, *, code: str) -> datetime:
    """Strict xsd:dateTime with an explicit offset (``Z`` or ``±hh:mm``), as aware UTC."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise MCBadgeError(f"{value!r} is not an xsd:dateTime with a time zone", code=code)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MCBadgeError(f"{value!r} is not a valid date and time", code=code) from None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:00+01:00 has no UTC spelling in Python's range, but it is still an
        # exact instant: comparisons and timestamp() work on the aware value as it is.
        return parsed


def format_datetime(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` (UTC; naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Issue:
    """One error or warning, with its check-id'd ``code``."""

    code: str
    message: str

    @property
    def check_id(self) -> str:
        return self.code.split(".", 1)[0]


@dataclass
class ProofOutcome:
    """The verdict on one proof (or the one JWS of a VC-JWT)."""

    index: int
    type: str | None
    cryptosuite: str | None = None
    verification_method: str | None = None
    controller: str | None = None
    verified: bool = False
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


@dataclass
class ProofResult:
    """The verdict of :func:`mcbadge.proofs.verify_proof`.

    ``proof_set_policy`` is ``"all"``: with several proofs, every one must verify (a proof
    that does not verify means the document or the proof set was tampered with).
    """

    verified: bool
    format: str | None
    proofs: list[ProofOutcome] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    proof_set_policy: str = "all"
    document: dict[str, Any] | None = None

    @property
    def all_errors(self) -> list[Issue]:
        return list(self.errors) + [e for p in self.proofs for e in p.errors]

    @property
    def all_warnings(self) -> list[Issue]:
        return list(self.warnings) + [w for p in self.proofs for w in p.warnings]

    @property
    def code(self) -> str | None:
        """The first error code (None when verified)."""
        errors = self.all_errors
        return errors[0].code if errors else None

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.all_errors]


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def check_key_binding(issuer: str | None, vm: VerificationMethod) -> None:
    """The verification method must be one the issuer controls, listed in assertionMethod."""
    if issuer is None:
        raise MCBadgeError("the credential names no issuer id", code="key_binding.no_issuer")
    base = vm.id.split("#", 1)[0]
    if base != issuer or vm.controller != issuer:
        raise MCBadgeError(
            "the signing key does not belong to the credential's issuer",
            code="key_binding.not_issuer_key",
        )
    if "assertionMethod" not in vm.relationships:
        raise MCBadgeError(
            "the issuer has not authorized that key to issue credentials (assertionMethod)",
            code="key_binding.not_assertion_method",
        )
