"""Rendering a :class:`VerificationResult` for people (text) and mapping it to an exit code."""

from __future__ import annotations

from mcbadge.verify.result import VerificationResult

__all__ = ["EXIT_FAILED", "EXIT_INDETERMINATE", "EXIT_OK", "exit_code_for", "render_text"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INDETERMINATE = 2

_MARKS = {"passed": "ok", "failed": "FAIL", "skipped": "skip", "warning": "warn"}
_COLOURS = {"passed": "32", "failed": "31", "skipped": "2", "warning": "33"}


def exit_code_for(result: VerificationResult) -> int:
    """0 verified, 1 failed, 2 indeterminate (nothing failed outright, something undecided)."""
    if result.verified:
        return EXIT_OK
    return EXIT_INDETERMINATE if result.indeterminate else EXIT_FAILED


def _verdict(result: VerificationResult) -> str:
    if result.verified:
        return "VERIFIED"
    return "INDETERMINATE" if result.indeterminate else "NOT VERIFIED"


def render_text(
    result: VerificationResult, *, name: str | None = None, colour: bool = False
) -> str:
    """A readable report: a verdict line, the summary, then one line per check."""
    summary = result.summary
    lines = [f"{name}: {_verdict(result)}" if name else _verdict(result)]
    facts = [
        ("Issuer", summary.issuer_name or summary.issuer_id),
        ("Achievement", summary.achievement_name),
        ("Recipient", summary.recipient),
        ("Valid from", summary.valid_from),
        ("Valid until", summary.valid_until),
        ("Status", summary.status_state),
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
