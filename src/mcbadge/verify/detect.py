"""Verify one document whatever it holds: a credential, a presentation or a CLR 2.0 record.

:func:`mcbadge.verify` judges one credential; handed a presentation or a learner record it
refuses it with a code that says which (``input.presentation``, ``input.clr``) rather than
guess. :func:`verify_any` is for a caller that does not know what it was given (a file a clerk
dropped on a page, bytes from a form): it verifies the document as what it is, so the decision
of what a document is stays here, in one place, for the service and the library alike.
"""

from __future__ import annotations

from mcbadge.verify.pipeline import verify
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import BundleResult, VerificationResult

__all__ = ["verify_any"]


def verify_any(
    document: object,
    policy: VerificationPolicy | None = None,
    *,
    bundle_policy: VerificationPolicy | None = None,
) -> VerificationResult | BundleResult:
    """Verify ``document`` (what :func:`mcbadge.verify` takes: bytes, text, a mapping, a path;
    JSON, a VC-JWT or a baked PNG/SVG) as a credential, a presentation or a CLR 2.0 record.

    A credential gives a :class:`VerificationResult`; a presentation or a learner record a
    :class:`BundleResult` (its own checks, then one result per credential inside), verified
    under ``bundle_policy`` when given (a presentation's challenge, domain and recipient),
    else ``policy``. Like ``verify``, it raises only for programmer errors: whatever cannot be
    read is a failed result, never an exception.
    """
    policy = policy if policy is not None else VerificationPolicy()
    result = verify(document, policy)
    kind = result.check("input").code
    if kind == "input.presentation":
        from mcbadge.verify.presentation import verify_presentation

        return verify_presentation(document, bundle_policy or policy)
    if kind == "input.clr":
        from mcbadge.verify.clr import verify_clr

        return verify_clr(document, bundle_policy or policy)
    return result
