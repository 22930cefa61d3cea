"""The CSV export of a batch: one row per credential, safe to open in a spreadsheet.

Columns: see :data:`COLUMNS`. A bundle gives a row for its outer record and one per credential
inside (``location`` says where it sat); a skipped file gives a row whose verdict is
``SKIPPED`` and whose ``note`` says why. Every cell that a spreadsheet would read as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or their full-width
forms, after any leading spaces) is prefixed with ``'`` (OWASP's advice against CSV
injection): a credential's name is hostile input, and a clerk opens this file in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from mcbadge.report._view import trust_flag, trust_text, verdict_word
from mcbadge.verify.report import _status_text
from mcbadge.verify.result import BundleResult, VerificationResult

if TYPE_CHECKING:
    from mcbadge.licensure.decision import TrustDecision
    from mcbadge.report.html import ReportItem

__all__ = ["COLUMNS", "render_csv", "safe_cell"]

COLUMNS: tuple[str, ...] = (
    "file",
    "location",
    "verdict",
    "failed_checks",
    "issuer",
    "issuer_id",
    "trusted",
    "trust",
    "achievement",
    "achievement_id",
    "achievement_type",
    "level",
    "result_status",
    "recipient",
    "teacher",
    "teacher_matched",
    "awarded",
    "valid_from",
    "valid_until",
    "status",
    "credential_id",
    "note",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: str | None) -> str:
    """``value`` as a cell no spreadsheet evaluates."""
    if not value:
        return ""
    return "'" + value if value.lstrip(" ").startswith(_FORMULA_STARTS) else value


def _matched(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "") if value is not None else ""


def _row(
    file: str, location: str, result: VerificationResult, trust: TrustDecision | None
) -> list[str]:
    summary = result.summary
    return [
        file,
        location,
        verdict_word(result),
        " ".join(result.failed_checks),
        summary.issuer_name or "",
        summary.issuer_id or "",
        trust_flag(trust),
        trust_text(trust),
        summary.achievement_name or "",
        summary.achievement_id or "",
        summary.achievement_type or "",
        "; ".join(summary.achieved_levels),
        "; ".join(summary.result_statuses),
        summary.recipient or "",
        summary.teacher or "",
        _matched(summary.teacher_matched),
        summary.awarded_date or "",
        summary.valid_from or "",
        summary.valid_until or "",
        _status_text(result) or "",
        summary.credential_id or "",
        "",
    ]


def _rows(item: ReportItem) -> Iterator[list[str]]:
    result = item.result
    if isinstance(result, BundleResult):
        yield _row(item.name, "(outer record)", result.outer, None)
        trusts = list(item.nested_trust) + [None] * (len(result.nested) - len(item.nested_trust))
        for nested, trust in zip(result.nested, trusts, strict=True):
            yield _row(item.name, nested.location, nested.result, trust)
    elif isinstance(result, VerificationResult):
        yield _row(item.name, "", result, item.trust)
    else:
        row = [""] * len(COLUMNS)
        row[0], row[2], row[-1] = item.name, "SKIPPED", item.skipped or "not verified"
        yield row


def render_csv(items: Sequence[ReportItem]) -> str:
    """The batch as CSV text (RFC 4180: CRLF line ends, a header row, quoted as needed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        for row in _rows(item):
            writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
