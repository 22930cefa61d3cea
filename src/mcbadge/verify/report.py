"""Rendering a :class:`VerificationResult` for people (text) and mapping it to an exit code."""

from __future__ import annotations

from mcbadge._display import one_line
from mcbadge.verify.result import BundleResult, VerificationResult

__all__ = [
    "EXIT_FAILED",
    "EXIT_INDETERMINATE",
    "EXIT_OK",
    "exit_code_for",
    "render_bundle_text",
    "render_text",
]

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


def _teacher_text(result: VerificationResult) -> str | None:
    """The teacher the report was asked about, and whether the credential names them."""
    summary = result.summary
    if summary.teacher is None:
        return None
    if summary.teacher_matched is True:
        return f"{summary.teacher} (the credential names this recipient)"
    if summary.teacher_matched is False:
        return f"{summary.teacher} (NOT the recipient this credential names)"
    return f"{summary.teacher} (not checked: {result.check('recipient').message})"


def _achievement_facts(result: VerificationResult) -> list[tuple[str, str | None]]:
    """The achievement's type and id, the achieved level(s), result status(es), the teacher."""
    summary = result.summary
    return [
        ("  type", summary.achievement_type),
        ("  id", summary.achievement_id),
        ("Level", "; ".join(summary.achieved_levels) or None),
        ("Result", "; ".join(summary.result_statuses) or None),
        ("Teacher", _teacher_text(result)),
    ]


def _listed_facts(result: VerificationResult) -> list[str]:
    """Evidence and alignments, one line each (the Summary bounds how many there are)."""
    lines: list[str] = []
    for link, name, narrative in result.summary.evidence:
        shown = " - ".join(part for part in (name, link) if part) or "(unnamed)"
        lines.append(f"  {'Evidence:':<13}{one_line(shown)}")
        if narrative:
            lines.extend(f"  {'':<13}| {one_line(line)}" for line in narrative.splitlines()[:20])
    for framework, code, name, _url in result.summary.alignments:
        where = " ".join(part for part in (framework, code) if part)
        shown = f"{where}: {name}" if where and name else (where or name or "(unnamed)")
        lines.append(f"  {'Alignment:':<13}{one_line(shown)}")
    return lines


def _status_text(result: VerificationResult) -> str | None:
    """The summary's status in words; ``None`` when the document was never read."""
    state = result.summary.status_state
    if not any(check.id == "status" for check in result.checks):
        return None  # a presentation's own checks: it has no revocation status of its own
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
    lines = [f"{one_line(name)}: {verdict}" if name else verdict]
    facts = [
        ("Why", _why(result)),
        ("Issuer", _issuer_text(result, trust)),
        ("Trust", trust),
        ("Achievement", summary.achievement_name),
        *_achievement_facts(result),
        ("Recipient", summary.recipient),
        ("Awarded", summary.awarded_date),
        ("Valid from", summary.valid_from),
        ("Valid until", summary.valid_until),
        ("Status", _status_text(result)),
        ("Proof", summary.proof_format),
    ]
    lines.extend(f"  {label + ':':<13}{one_line(value)}" for label, value in facts if value)
    lines.extend(_listed_facts(result))
    lines.extend(_check_lines(result, colour))
    return "\n".join(lines)


def _check_lines(result: VerificationResult, colour: bool, indent: str = "  ") -> list[str]:
    lines = []
    for check in result.checks:
        mark = _MARKS[check.status]
        if check.status == "failed" and check.indeterminate:
            mark = "????"
        mark = f"\x1b[{_COLOURS[check.status]}m{mark:<4}\x1b[0m" if colour else f"{mark:<4}"
        lines.append(f"{indent}[{mark}] {check.id:<17} {one_line(check.message)} ({check.code})")
    return lines


def render_bundle_text(
    bundle: BundleResult, *, name: str | None = None, colour: bool = False
) -> str:
    """A bundle's report for people: a presentation (:func:`_render_presentation_text`) or a
    CLR learner record (:func:`_render_clr_text`)."""
    if bundle.kind == "clr":
        return _render_clr_text(bundle, name=name, colour=colour)
    return _render_presentation_text(bundle, name=name, colour=colour)


def _render_presentation_text(
    bundle: BundleResult, *, name: str | None = None, colour: bool = False
) -> str:
    """A presentation: the verdict, the outer checks, then each credential inside with its
    location and full report, and a last line naming the credentials that failed."""
    verdict = (
        "VERIFIED"
        if bundle.verified
        else "INDETERMINATE"
        if bundle.indeterminate
        else "NOT VERIFIED"
    )
    what = "presentation"  # a CLR is rendered by _render_clr_text
    head = f"{one_line(name)}: " if name else ""
    lines = [f"{head}{verdict} ({what} of {len(bundle.nested)} credential(s))"]
    outer = bundle.outer
    facts = [
        ("Why", _why(outer)),
        ("Holder", outer.summary.recipient),
        ("Proof", outer.summary.proof_format),
    ]
    lines.extend(f"  {label + ':':<13}{one_line(value)}" for label, value in facts if value)
    lines.extend(_check_lines(outer, colour))
    for item in bundle.nested:
        lines.append("")
        body = render_text(item.result, name=f"  credential {item.location}", colour=colour)
        lines.extend(
            "  " + line if not line.startswith("  credential ") else line
            for line in body.split("\n")
        )
    failed = [one_line(loc) for loc in bundle.failed_locations if loc]
    lines.append("")
    if bundle.verified:
        lines.append(f"Verdict: VERIFIED: the {what} and all {len(bundle.nested)} credential(s)")
    else:
        parts = []
        if not outer.verified:
            parts.append(f"the {what} itself ({', '.join(outer.failed_checks)})")
        if failed:
            parts.append("credential(s) at " + ", ".join(failed))
        lines.append(f"Verdict: {verdict}: " + "; ".join(parts))
    return "\n".join(lines)


def _bundle_verdict(result: BundleResult) -> str:
    if result.verified:
        return "VERIFIED"
    return "INDETERMINATE" if result.indeterminate else "NOT VERIFIED"


_BUNDLE_NAMES = {"clr": "learner record (CLR 2.0)", "presentation": "presentation"}


def _render_clr_text(result: BundleResult, *, name: str | None = None, colour: bool = False) -> str:
    """A learner record's report: its verdict, which parts failed, then the outer record's
    report and one report per credential inside (each as :func:`render_text`, indented)."""
    what = _BUNDLE_NAMES.get(result.kind, result.kind)
    verdict = _bundle_verdict(result)
    lines = [f"{one_line(name)}: {verdict}" if name else verdict]
    good = sum(1 for item in result.nested if item.result.verified)
    lines.append(
        f"  A {what}: outer checks {_verdict(result.outer)}; "
        f"{good} of {len(result.nested)} credentials inside verified"
    )
    if not result.verified:
        where = ", ".join(
            one_line(loc) if loc else "the outer record" for loc in result.failed_locations
        )
        lines.append(f"  Not verified: {where}")
    parts = [("Outer record", result.outer)]
    parts.extend(
        (f"Credential {number} of {len(result.nested)} ({item.location})", item.result)
        for number, item in enumerate(result.nested, 1)
    )
    for label, part in parts:
        text = render_text(part, name=label, colour=colour)
        lines.extend("  " + line for line in text.splitlines())
    return "\n".join(lines)
