"""Fixtures for the adversarial suite: an issuer key, a valid credential factory, a fake
status-list host (counting requests), and the verify + exit-code helper."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from _signer import TestKey, ed25519_key

from mcbadge.errors import FetchError
from mcbadge.verify import VerificationPolicy, VerificationResult, exit_code_for, verify

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ISSUER_KEY = ed25519_key(1)
ATTACKER_KEY = ed25519_key(666)
V2 = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
V1 = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    # VCDM 1.1 does not define the Data Integrity proof terms; without this context the
    # proof's cryptosuite would be dropped by JSON-LD (and caught as data loss).
    "https://w3id.org/security/data-integrity/v2",
]


def make_credential(
    key: TestKey = ISSUER_KEY, *, v1: bool = False, **overrides: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": list(V1 if v1 else V2),
        "id": "urn:uuid:7f0d0a2e-1111-4c1e-9c55-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.did, "type": ["Profile"], "name": "State CS Academy"},
        "name": "Teaching CS Principles",
        "credentialSubject": {
            "id": "did:example:teacher-42",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://academy.example/achievements/csp",
                "type": ["Achievement"],
                "name": "Teaching CS Principles",
                "description": "Completed the CS Principles practicum.",
                "criteria": {"narrative": "Taught a full unit."},
            },
        },
    }
    document["issuanceDate" if v1 else "validFrom"] = "2026-01-01T00:00:00Z"
    document.update(overrides)
    return document


class FakeHost:
    """Serves JSON documents by URL in place of the network; counts every request."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.requests: list[str] = []

    def put(self, url: str, document: Any) -> None:
        self.documents[url] = (
            document if isinstance(document, bytes) else json.dumps(document).encode()
        )

    def close(self) -> None:
        """Nothing to release (the real fetcher closes its HTTP client)."""

    def get(self, url: str) -> bytes:
        self.requests.append(url)
        if url not in self.documents:
            raise FetchError(f"{url} is unreachable", code="status_retrieval.unreachable")
        return self.documents[url]


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> FakeHost:
    fake = FakeHost()
    import mcbadge.verify.batch as batch
    import mcbadge.verify.pipeline as pipeline

    monkeypatch.setattr(pipeline, "make_fetcher", lambda policy: fake)
    monkeypatch.setattr(batch, "make_fetcher", lambda policy: fake)
    return fake


def policy(**options: Any) -> VerificationPolicy:
    return VerificationPolicy(now=NOW, **options)


def run(document: Any, **options: Any) -> tuple[int, VerificationResult]:
    result = verify(
        copy.deepcopy(document) if isinstance(document, dict) else document, policy(**options)
    )
    return exit_code_for(result), result


Runner = Callable[..., tuple[int, VerificationResult]]
