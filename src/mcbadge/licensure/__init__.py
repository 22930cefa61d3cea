"""The licensure office's decisions, above verification: whom to trust, whether a set of
credentials meets a stack rule, and the micro-endorsement that results.

Every decision says why, and "could not tell" (``None``) is never "yes".

``endorse`` is not re-exported here: it is also the name of the submodule
(``from mcbadge.licensure.endorse import endorse``). Only the trust protocol is imported
eagerly; the stack-rule names load on first use, so
``import mcbadge.licensure`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mcbadge.licensure.decision import IssuerTrust, TrustDecision
from mcbadge.licensure.trust import (
    NoTrustList,
    TrustList,
    TrustListError,
    TrustLists,
    TrustListSource,
    load_trust_lists,
)

if TYPE_CHECKING:
    from mcbadge.licensure.endorse import Reevaluation, reevaluate
    from mcbadge.licensure.evaluation import (
        Candidate,
        EvaluationResult,
        candidates_from_bundle,
        evaluate,
        evaluate_documents,
        verify_documents,
    )
    from mcbadge.licensure.outcome import CandidateRef, Outcome, Rejection
    from mcbadge.licensure.rules import (
        AchievementRequirement,
        AllOf,
        AnyOf,
        AtLeast,
        Requirement,
        StackRule,
        UnsafeNoRule,
        load_rule,
    )

_LAZY: dict[str, str] = {
    "AchievementRequirement": "mcbadge.licensure.rules",
    "AllOf": "mcbadge.licensure.rules",
    "AnyOf": "mcbadge.licensure.rules",
    "AtLeast": "mcbadge.licensure.rules",
    "Requirement": "mcbadge.licensure.rules",
    "StackRule": "mcbadge.licensure.rules",
    "UnsafeNoRule": "mcbadge.licensure.rules",
    "load_rule": "mcbadge.licensure.rules",
    "Candidate": "mcbadge.licensure.evaluation",
    "EvaluationResult": "mcbadge.licensure.evaluation",
    "candidates_from_bundle": "mcbadge.licensure.evaluation",
    "evaluate": "mcbadge.licensure.evaluation",
    "evaluate_documents": "mcbadge.licensure.evaluation",
    "verify_documents": "mcbadge.licensure.evaluation",
    "CandidateRef": "mcbadge.licensure.outcome",
    "Outcome": "mcbadge.licensure.outcome",
    "Rejection": "mcbadge.licensure.outcome",
    "Reevaluation": "mcbadge.licensure.endorse",
    "reevaluate": "mcbadge.licensure.endorse",
}

__all__ = [
    "AchievementRequirement",
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Candidate",
    "CandidateRef",
    "EvaluationResult",
    "IssuerTrust",
    "NoTrustList",
    "Outcome",
    "Reevaluation",
    "Rejection",
    "Requirement",
    "StackRule",
    "TrustDecision",
    "TrustList",
    "TrustListError",
    "TrustListSource",
    "TrustLists",
    "UnsafeNoRule",
    "candidates_from_bundle",
    "evaluate",
    "evaluate_documents",
    "load_rule",
    "load_trust_lists",
    "reevaluate",
    "verify_documents",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mcbadge.licensure' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
