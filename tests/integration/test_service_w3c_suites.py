"""What the public W3C test suites found in the VC API routes, each checked here without the
suites (scripts/w3c_suites.py runs the suites themselves; docs/service-w3c.md):

* the VC API issuer suite wants a plain credential's single proof as an object, not a
  one-element array ("MUST successfully issue a credential");
* the VC Data Model 2.0 suite wants ``credentialSchema``, ``refreshService``, ``termsOfUse``,
  ``evidence`` without a type and malformed ``relatedResource`` entries refused (issuing a
  400, verifying a credential someone else signed: not verified).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.service_helpers import client, serve

from mcbadge.issuer import SigningKey
from mcbadge.issuer.signing import sign_credential
from mcbadge.keys import generate_key, save_key
from mcbadge.server.config import IssuerConfig, ServiceConfig

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    save_key(generate_key("ed25519"), tmp_path / "ed.json")
    return SigningKey.load(tmp_path / "ed.json")


@pytest.fixture
def http(tmp_path: Path, key: SigningKey) -> Iterator[httpx.Client]:
    config = ServiceConfig(
        db=f"sqlite:///{tmp_path / 'service.db'}",
        issuers=(IssuerConfig(key=str(tmp_path / "ed.json")),),
        allow_unauthenticated=True,
        invalid_status=400,
    )
    with serve(config) as url, client(url) as connection:
        yield connection


def _v2(issuer: str, **members: Any) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:subject"},
        **members,
    }


def _issued(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body = answer.json()
    credential: dict[str, Any] = body.get("verifiableCredential", body)
    return credential


def test_a_vcdm_1_1_credential_is_issued_with_one_proof_object_and_verifies(
    http: httpx.Client, key: SigningKey
) -> None:
    credential = {
        "@context": [V1],
        "id": "urn:uuid:6f1d3a52-3f0e-4c57-9d38-0c6a1c1c1a11",
        "type": ["VerifiableCredential"],
        "issuer": key.did_key,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:key:z6MkhTNL7i2etLerDK8Acz5t528giE5KA4p75T6ka1E1D74r"},
    }
    signed = _issued(http.post("/credentials/issue", json={"credential": credential}))
    assert isinstance(signed["proof"], dict)
    assert signed["proof"]["type"] == "DataIntegrityProof"
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    answer = http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert answer.status_code == 200, answer.text
    assert answer.json()["verified"] is True


def test_a_reissue_under_the_same_id_answers_the_same_proof_object(
    http: httpx.Client, key: SigningKey
) -> None:
    credential = _v2(key.did_key, id="urn:uuid:0b3c2f8e-8d2a-4b47-9d0f-5a0c2f1e7d21")
    first = _issued(http.post("/credentials/issue", json={"credential": credential}))
    again = _issued(http.post("/credentials/issue", json={"credential": credential}))
    assert isinstance(first["proof"], dict)
    assert again == first


BROKEN_MEMBERS = [
    ({"credentialSchema": {"id": "did:example:schemas/1"}}, "credentialSchema must have a type"),
    (
        {"credentialSchema": {"id": 4, "type": "JsonSchema"}},
        "credentialSchema must have an id that is a URL",
    ),
    ({"refreshService": {"id": "did:example:refresh/1"}}, "refreshService must have a type"),
    ({"termsOfUse": {"id": "did:example:terms/1"}}, "termsOfUse must have a type"),
    ({"evidence": [{"id": "https://evidence.example/1"}]}, "evidence must have a type"),
    ({"relatedResource": [V2]}, "relatedResource must be an object"),
    ({"relatedResource": [{"digestSRI": SRI}]}, "relatedResource must have an id that is a URL"),
    ({"relatedResource": [{"id": V2}]}, "relatedResource must have a digestSRI or a digest"),
    (
        {"relatedResource": [{"id": V2, "digestSRI": SRI}, {"id": V2, "digestSRI": SRI}]},
        "is listed twice",
    ),
]


@pytest.mark.parametrize(("members", "sentence"), BROKEN_MEMBERS)
def test_issuing_a_credential_with_a_broken_member_is_a_400_naming_it(
    http: httpx.Client, key: SigningKey, members: dict[str, Any], sentence: str
) -> None:
    answer = http.post("/credentials/issue", json={"credential": _v2(key.did_key, **members)})
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "data_model.invalid"
    assert sentence in problem["detail"]


# the broken members that are still valid JSON-LD, so that a credential carrying them can be signed
SIGNABLE = [BROKEN_MEMBERS[i] for i in (0, 2, 3, 4, 7, 8)]


@pytest.mark.parametrize(("members", "sentence"), SIGNABLE)
def test_a_signed_credential_with_a_broken_member_does_not_verify(
    http: httpx.Client, key: SigningKey, members: dict[str, Any], sentence: str
) -> None:
    signed = sign_credential(_v2(key.did_key, **members), key, "eddsa-rdfc-2022")
    answer = http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["verified"] is False
    failed = [check for check in body["checks"] if check["status"] == "failed"]
    assert [check["id"] for check in failed] == ["data_model"]
    assert sentence in failed[0]["message"]


def test_conforming_members_are_issued(http: httpx.Client, key: SigningKey) -> None:
    credential = _v2(
        key.did_key,
        # the examples context's @vocab defines IssuerPolicy (no data loss)
        **{"@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"]},
        termsOfUse={"id": "https://example.org/terms", "type": "IssuerPolicy"},
        relatedResource=[{"id": V2, "digestSRI": SRI}],
    )
    signed = _issued(http.post("/credentials/issue", json={"credential": credential}))
    assert signed["termsOfUse"] == credential["termsOfUse"]
    assert signed["relatedResource"] == credential["relatedResource"]
