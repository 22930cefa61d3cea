"""Reports a licensure office can file: HTML (per credential, batch, bundle, evaluation) and CSV.

Rendering only: every verdict comes from :mod:`mcbadge.verify` and every trust decision from
:mod:`mcbadge.licensure`; nothing here decides. See docs/verifying.md.
"""

from __future__ import annotations

from mcbadge.report._view import SELF_ASSERTED, Tally, trust_text, verdict_word
from mcbadge.report.evaluation import (
    EVALUATION_COLUMNS,
    render_evaluation_csv,
    render_evaluation_html,
)
from mcbadge.report.html import (
    ReportItem,
    render_batch_html,
    render_bundle_html,
    render_credential_html,
    render_page,
)
from mcbadge.report.table import COLUMNS, render_csv, safe_cell

__all__ = [
    "COLUMNS",
    "EVALUATION_COLUMNS",
    "SELF_ASSERTED",
    "ReportItem",
    "Tally",
    "render_batch_html",
    "render_bundle_html",
    "render_credential_html",
    "render_csv",
    "render_evaluation_csv",
    "render_evaluation_html",
    "render_page",
    "safe_cell",
    "trust_text",
    "verdict_word",
]
