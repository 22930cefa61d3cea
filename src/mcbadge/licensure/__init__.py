"""The licensure office's decisions, above verification: whom to trust, whether a set of
credentials meets a stack rule, and the micro-endorsement that results.

Every decision says why, and "could not tell" (``None``) is never "yes".
"""

from __future__ import annotations

from mcbadge.licensure.decision import IssuerTrust, TrustDecision
from mcbadge.licensure.trust import (
    NoTrustList,
    TrustList,
    TrustListError,
    TrustLists,
    TrustListSource,
    load_trust_lists,
)

__all__ = [
    "IssuerTrust",
    "NoTrustList",
    "TrustDecision",
    "TrustList",
    "TrustListError",
    "TrustListSource",
    "TrustLists",
    "load_trust_lists",
]
