"""What the trust-list tests share: keys, a provider with a did:web document, credentials
signed on demand, trust lists written to disk, and offline verification at a fixed instant."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mcbadge
from mcbadge.did import build_did_web_document, did_for_key
from mcbadge.keys import Key
from mcbadge.licensure.trust import create_trust_list, sha256_hex, sign_trust_list
from mcbadge.verify import VerificationPolicy, VerificationResult

NOW = datetime(2026, 12, 1, tzinfo=UTC)
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
ACH = "https://pd.provider.example/achievements/"
LIST_ID = "https://licensure.state-a.example.gov/trust/providers.json"


@dataclass
class World:
    """An office, a did:web provider with two published keys, a did:key provider, a stranger."""

    office: Key = field(default_factory=lambda: mcbadge.generate_key("ed25519"))
    other_office: Key = field(default_factory=lambda: mcbadge.generate_key("ed25519"))
    web_key: Key = field(default_factory=lambda: mcbadge.generate_key("ed25519"))
    web_key2: Key = field(default_factory=lambda: mcbadge.generate_key("ed25519"))
    small: Key = field(default_factory=lambda: mcbadge.generate_key("ed25519"))
    stranger: Key = field(default_factory=lambda: mcbadge.generate_key("ed25519"))

    def __post_init__(self) -> None:
        self.web_doc = build_did_web_document("pd.provider.example", [self.web_key, self.web_key2])
        self.web_did: str = self.web_doc["id"]
        self.web_vm: str = self.web_doc["verificationMethod"][0]["id"]
        self.web_vm2: str = self.web_doc["verificationMethod"][1]["id"]
        self.small_did = did_for_key(self.small)
        self.office_did = did_for_key(self.office)

    def policy(self, now: datetime = NOW) -> VerificationPolicy:
        return VerificationPolicy(offline=True, now=now, did_documents={self.web_did: self.web_doc})

    def entry(self, **changes: Any) -> dict[str, Any]:
        """The did:web provider's entry: key 1 pinned, its own MicroCredentials, active."""
        entry: dict[str, Any] = {
            "id": self.web_did,
            "name": "Provider Academy",
            "verificationMethods": [self.web_vm],
            "achievements": [ACH + "*"],
            "achievementTypes": ["MicroCredential"],
            "validFrom": "2024-01-01T00:00:00Z",
            "status": "active",
        }
        entry.update(changes)
        return {k: v for k, v in entry.items() if v is not None}

    def trust_list(
        self, issuers: list[dict[str, Any]] | None = None, **options: Any
    ) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "list_id": LIST_ID,
            "name": "State A providers",
            "operator_id": self.office_did,
            "operator_name": "State A Office of Educator Licensure",
            "valid_until": datetime(2027, 12, 31, tzinfo=UTC),
            "issued": datetime(2026, 11, 1, tzinfo=UTC),
            "issuers": [self.entry()] if issuers is None else issuers,
        }
        arguments.update(options)
        return create_trust_list(**arguments)

    def credential(
        self,
        key: Key | None = None,
        *,
        issuer: str | None = None,
        name: str = "Provider Academy",
        achievement: str = ACH + "k5-data",
        achievement_type: str = "MicroCredential",
        valid_from: str = "2026-11-16T15:00:00Z",
        vm: str | None = None,
        fmt: str = "eddsa-rdfc-2022",
    ) -> tuple[dict[str, Any] | str, dict[str, Any]]:
        """(what to verify, the parsed credential): by default from the did:web provider."""
        key = key or self.web_key
        if issuer is None:
            issuer = self.web_did if key in (self.web_key, self.web_key2) else did_for_key(key)
        if vm is None and issuer == self.web_did:
            vm = self.web_vm if key == self.web_key else self.web_vm2
        credential = {
            "@context": list(CONTEXTS),
            "id": "urn:uuid:2b7e7a34-0f0b-4d5c-8f7e-3f1c2d4b5a60",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": name},
            "validFrom": valid_from,
            "name": "K-5 Data and Analysis",
            "credentialSubject": {
                "id": "did:example:teacher-42",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": achievement,
                    "type": ["Achievement"],
                    "achievementType": achievement_type,
                    "name": "K-5 Data and Analysis",
                    "description": "Teaches K-5 students to collect and chart data.",
                    "criteria": {"narrative": "Submitted a lesson and student work."},
                },
            },
        }
        signed = mcbadge.sign(
            credential,
            key,
            format=fmt,  # type: ignore[arg-type]
            verification_method=vm,
            created=datetime(2026, 11, 30, tzinfo=UTC),
        )
        if signed.jwt is not None:
            return signed.jwt, signed.document
        return signed.document, signed.document

    def verify(self, document: dict[str, Any] | str, now: datetime = NOW) -> VerificationResult:
        return mcbadge.verify(document, self.policy(now))


def write(path: Path, document: dict[str, Any] | str) -> tuple[Path, str]:
    """Write a list (a dict as indented JSON, a str as is); returns the path and its SHA-256."""
    text = document if isinstance(document, str) else json.dumps(document, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path, sha256_hex(path.read_bytes())


def write_signed(
    path: Path, document: dict[str, Any], key: Key, fmt: str = "eddsa-rdfc-2022"
) -> Path:
    signed = sign_trust_list(document, key, format=fmt, created=datetime(2026, 11, 1, tzinfo=UTC))
    path.write_text(signed.to_text(), encoding="utf-8")
    return path
