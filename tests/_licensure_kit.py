"""Test kit for stack rules and micro-endorsements: real providers (mcbadge's Issuer, did:key,
a SQLite registry, signed status lists served from memory), the example K-5 rule, and a small
real IssuerTrust (a fixed set of DIDs)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcbadge.errors import FetchError
from mcbadge.issuer import Issuer, SigningKey, load_catalog, load_profile
from mcbadge.licensure.decision import TrustDecision
from mcbadge.verify import VerificationPolicy, VerificationResult

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
K5_RULE = EXAMPLES / "rules" / "k5-cs-micro-endorsement.json"
PRE_ENGINEERING_RULE = EXAMPLES / "rules" / "pre-engineering-pathway-course.json"
TRUST_LIST_ID = "https://licensure.mountainstate.example.gov/trust/providers.json"
BASE = "https://pd.mountainstate.example.edu/cs-pd/achievements/"
K5 = (
    "k5-digital-citizenship",
    "k5-computing-systems-networks",
    "k5-algorithms-programming",
    "k5-data-analysis",
    "k5-cs-lesson-integration",
)
TEACHER = "dana.whitlock@pocahontas.k12.example.us"
OTHER_TEACHER = "marcus.hale@tucker.k12.example.us"


class StatusHost:
    """Serves published status lists by URL in place of the network."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}

    def put_all(self, documents: Mapping[str, Any]) -> None:
        for url, document in documents.items():
            self.documents[url] = json.dumps(document).encode()

    def close(self) -> None:
        """Nothing to release."""

    def get(self, url: str) -> bytes:
        if url not in self.documents:
            raise FetchError(f"{url} is unreachable", code="status_retrieval.unreachable")
        return self.documents[url]


@dataclass
class FixedIssuers:
    """A real IssuerTrust: trusts a fixed set of issuer DIDs, cannot tell for ``undecided``."""

    trusted: set[str]
    undecided: set[str] = field(default_factory=set)
    name: str = "test list"

    def decide(self, credential: Mapping[str, Any], result: VerificationResult) -> TrustDecision:
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        if issuer_id in self.trusted:
            return TrustDecision(True, "trust.listed", "listed", self.name, entry=str(issuer_id))
        if issuer_id in self.undecided:
            return TrustDecision(None, "trust.unreachable", "the list could not be read", self.name)
        return TrustDecision(False, "trust.not_listed", f"{issuer_id} is not on the list")


class Provider:
    """One provider: a real Issuer with its own did:key, publishing to a StatusHost."""

    def __init__(self, tmp: Path, host: StatusHost, name: str = "provider") -> None:
        self.host = host
        self.catalog = load_catalog(EXAMPLES / "catalog")
        profile = load_profile(EXAMPLES / "issuer.json")
        profile.pop("id", None)
        self.issuer = Issuer(
            profile,
            SigningKey.generate("Ed25519"),
            registry=f"sqlite:///{tmp / f'{name}.sqlite3'}",
            status_base_url=f"https://{name}.test/status/",
        )
        self.did = self.issuer.issuer_id

    def issue(
        self, slug: str, email: str = TEACHER, level: str = "proficient", key: str | None = None
    ) -> bytes:
        achievement = self.catalog[slug]
        issued = self.issuer.issue(
            achievement, email, achieved_level=f"{BASE}{slug}#{level}", idempotency_key=key
        )
        return issued.to_bytes()

    def publish(self, tmp: Path) -> None:
        self.host.put_all(self.issuer.publish(tmp / f"status-{self.did[-8:]}").status_lists)

    def revoke(self, credential: bytes, tmp: Path) -> None:
        self.issuer.revoke(json.loads(credential)["id"], "test")
        self.publish(tmp)

    def close(self) -> None:
        self.issuer.registry.close()


def policy(host: StatusHost, now: datetime | None = None) -> VerificationPolicy:
    return VerificationPolicy(fetcher=host, now=now or datetime.now(UTC))
