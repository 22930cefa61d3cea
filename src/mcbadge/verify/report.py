"""Rendering a :class:`VerificationResult` for people (text) and mapping it to an exit code."""

from __future__ import annotations

from mcbadge.verify.result import BundleResult, VerificationResult

__all__ = ["EXIT_FAILED", "EXIT_INDETERMINATE", "EXIT_OK", "exit_code_for", "render_text"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INDETERMINATE = 2

_MARKS = {"passed": "ok", "failed": "FAIL", "skipped": "skip", "warning": "warn"}
_COLOURS = {"passed": "32", "failed": "31", "skipped": "2", "warning": "33"}


def exit_code_for(result: VerificationResult | BundleResult) -> int:
    """0 verified, 1 failed, 2 indeterminate (nothing failed outright, something undecided).

    For a bundle: 0 only when the outer checks and every nested credential verify.
    """
    if result.verified:
        return EXIT_OK
    return EXIT_INDETERMINATE if result.indeterminate else EXIT_FAILED


def _verdict(result: VerificationResult) -> str:
    if result.verified:
        return "VERIFIED"
    return "INDETERMINATE" if result.indeterminate else "NOT VERIFIED"


def _why(result: VerificationResult) -> str | None:
    """One sentence on why the verdict is not VERIFIED: the first failure, in report order."""
    failures = [check for check in result.checks if check.status == "failed"]
    if not failures:
        return None
    definite = [check for check in failures if not check.indeterminate]
    first = (definite or failures)[0]
    more = len(definite or failures) - 1
    tail = f" (and {more} more below)" if more else ""
    lead = "" if definite else "could not be checked: "
    return f"{lead}{first.id}: {first.message}{tail}"


def _status_text(result: VerificationResult) -> str | None:
    """The summary's status in words; ``None`` when the document was never read."""
    state = result.summary.status_state
    if result.check("data_model").code == "data_model.not_reached":
        return None  # nothing was read, so there is no status to speak of
    if state == "active":
        return "active (not revoked or suspended)"
    if state in ("revoked", "suspended"):
        return state.upper()
    if state == "none":
        return "none (the credential carries no revocation status)"
    check = result.check("status")
    undecided = next(
        (
            c
            for c in result.checks
            if c.id.startswith("status") and c.status == "failed" and c.indeterminate
        ),
        None,
    )
    if state == "unknown" and undecided is not None:
        return f"unknown: {undecided.message}"
    return check.message if check.code.endswith(".not_reached") else state


def _issuer_text(result: VerificationResult, trust: str | None) -> str | None:
    """The issuer's name and id; without a trust decision, a warning that the name is only
    what the credential says about itself."""
    summary = result.summary
    shown = summary.issuer_name or summary.issuer_id
    if shown is None:
        return None
    if summary.issuer_name and summary.issuer_id:
        shown = f"{summary.issuer_name} ({summary.issuer_id})"
    if trust is None:
        return f"{shown}; the name is self-asserted and unchecked (no trust list)"
    return shown


def render_text(
    result: VerificationResult,
    *,
    name: str | None = None,
    colour: bool = False,
    trust: str | None = None,
    trusted: bool | None = None,
) -> str:
    """A readable report: a verdict line, why, the summary, then one line per check.

    ``trust``: the trust decision in words (a ``Trust:`` line) and ``trusted`` its verdict: a
    verified credential whose issuer is not trusted reads ``VERIFIED, ISSUER NOT TRUSTED``.
    Without ``trust`` the ``Issuer:`` line says the issuer's name is self-asserted and unchecked.

    Marks: ``ok`` passed, ``FAIL`` failed, ``????`` could not be decided (indeterminate),
    ``skip`` not applicable or not reached (the message says which), ``warn`` a warning.
    """
    summary = result.summary
    verdict = _verdict(result)
    if trust is not None and result.verified and trusted is not True:
        verdict += ", ISSUER NOT TRUSTED"
    lines = [f"{name}: {verdict}" if name else verdict]
    facts = [
        ("Why", _why(result)),
        ("Issuer", _issuer_text(result, trust)),
        ("Trust", trust),
        ("Achievement", summary.achievement_name),
        ("Recipient", summary.recipient),
        ("Awarded", summary.awarded_date),
        ("Valid from", summary.valid_from),
        ("Valid until", summary.valid_until),
        ("Status", _status_text(result)),
        ("Proof", summary.proof_format),
    ]
    lines.extend(f"  {label + ':':<13}{value}" for label, value in facts if value)
    for check in result.checks:
        mark = _MARKS[check.status]
        if check.status == "failed" and check.indeterminate:
            mark = "????"
        mark = f"\x1b[{_COLOURS[check.status]}m{mark:<4}\x1b[0m" if colour else f"{mark:<4}"
        lines.append(f"  [{mark}] {check.id:<17} {check.message} ({check.code})")
    return "\n".join(lines)
