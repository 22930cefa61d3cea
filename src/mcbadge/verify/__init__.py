"""The verifier: every Open Badges 3.0 check, a precise report, fail-closed on hostile input.

``verify(document, policy)`` returns a :class:`VerificationResult` listing every check in
:data:`CHECK_IDS` order; ``verify_many`` verifies many documents on a process pool;
``verify_clr`` verifies a CLR 2.0 learner record and every credential inside it (a
:class:`BundleResult`); ``verify_any`` verifies a document as whichever of a credential, a
presentation or a learner record it is.
"""

from __future__ import annotations

from mcbadge.verify.batch import verify_many
from mcbadge.verify.clr import verify_clr
from mcbadge.verify.detect import verify_any
from mcbadge.verify.pipeline import verify
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.presentation import (
    PRESENTATION_CHECK_IDS,
    is_presentation,
    verify_presentation,
)
from mcbadge.verify.report import exit_code_for, render_bundle_text, render_text
from mcbadge.verify.result import (
    CHECK_IDS,
    BundleKind,
    BundleResult,
    Check,
    CheckStatus,
    NestedResult,
    Summary,
    VerificationResult,
)

__all__ = [
    "CHECK_IDS",
    "PRESENTATION_CHECK_IDS",
    "BundleKind",
    "BundleResult",
    "Check",
    "CheckStatus",
    "NestedResult",
    "Summary",
    "VerificationPolicy",
    "VerificationResult",
    "exit_code_for",
    "is_presentation",
    "render_bundle_text",
    "render_text",
    "verify",
    "verify_any",
    "verify_clr",
    "verify_many",
    "verify_presentation",
]
