"""The state shared by the checks of one verification run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mcbadge.verify._input import ParsedInput
from mcbadge.verify.policy import VerificationPolicy
from mcbadge.verify.result import Check

__all__ = ["RunContext"]


@dataclass
class RunContext:
    """What the checks of one credential share: the input, the policy, the instant, results."""

    policy: VerificationPolicy
    now: datetime
    depth: int = 0
    parsed: ParsedInput | None = None
    results: dict[str, Check] = field(default_factory=dict)
    status_state: str = "unknown"
    resolver: Any = None
    fetcher: Any = None
    #: or "endorsement", "status_list", "clr" (a CLR's outer record), "vc" (a plain W3C
    #: credential, with ``VerificationPolicy.generic_credentials``)
    kind: str = "credential"
    network_refusals: list[Check] = field(default_factory=list)
    #: Facts derived from the credential once and shared by several checks.
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def credential(self) -> dict[str, Any]:
        if self.parsed is None:  # pragma: no cover - the pipeline stops before this
            raise RuntimeError("no credential parsed")
        return self.parsed.credential
