"""The shape of a trust decision, shared by trust lists and the stack rules that name them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mcbadge.verify.result import VerificationResult

__all__ = ["IssuerTrust", "TrustDecision"]


@dataclass(frozen=True, slots=True)
class TrustDecision:
    """Whether the issuer of one verified credential is trusted, and why.

    ``trusted`` is ``True`` or ``False`` when the lists decided, ``None`` when they could not
    (no list loaded, the credential never verified): a caller never treats ``None`` as yes.
    ``code`` is stable (``trust.<detail>``); ``reason`` is a sentence a clerk reads.
    ``list_name``/``list_id``/``entry`` name the trust list and issuer entry that matched;
    ``list_version`` is that list's version, ``via`` the id of the list that accepted it (when
    it was relied on through another list's ``acceptedLists``).
    """

    trusted: bool | None
    code: str
    reason: str
    list_name: str | None = None
    list_id: str | None = None
    entry: str | None = None
    list_version: int | None = None
    via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "trusted": self.trusted,
            "code": self.code,
            "reason": self.reason,
            "list_name": self.list_name,
            "list_id": self.list_id,
            "entry": self.entry,
            "list_version": self.list_version,
            "via": self.via,
        }


class IssuerTrust(Protocol):
    """Anything that decides whether a credential's issuer is trusted for what it issued."""

    def decide(self, credential: Mapping[str, Any], result: VerificationResult) -> TrustDecision:
        """Decide for ``credential`` (the parsed credential), given its verification ``result``."""
        ...
