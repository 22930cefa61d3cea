"""The licensure office's decisions, above verification: whom to trust, whether a set of
credentials meets a stack rule, and the micro-endorsement that results.

Every decision says why, and "could not tell" (``None``) is never "yes".
"""

from __future__ import annotations

from mcbadge.licensure.decision import IssuerTrust, TrustDecision

__all__ = ["IssuerTrust", "TrustDecision"]
