"""The verifier's exact reports: for each scenario, every one of the 23 checks with its status,
code, message and whether it is indeterminate, plus the summary and the exit code.

A clerk reads these lines (docs/verifying.md): a changed code, a changed message or a check
that silently reads "skip" instead of "FAIL" is a change in behaviour. Each scenario is one
behaviour (one fault, or one good credential of one kind); keys and the clock are fixed, so
the reports are exact. The expected reports were produced by the verifier and then read line
by line against the rule each scenario breaks (verify_exact_reports.json); after a deliberate
change, ``python tests/unit/test_verify_exact.py`` rewrites that file for review.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from mcbadge.did import did_for_key, did_jwk
from mcbadge.errors import FetchError
from mcbadge.keys import Key
from mcbadge.multibase import b64url_encode
from mcbadge.proofs import sign
from mcbadge.status import build_status_list_credential
from mcbadge.status.bitstring import new_bitstring, set_bit
from mcbadge.verify import VerificationPolicy, verify
from mcbadge.verify.report import exit_code_for, render_text

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _ed(seed: int) -> Key:
    private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return Key(private.public_key(), private)


ED = _ed(1)
OTHER = _ed(2)
P256_PRIVATE = ec.derive_private_key(123456789, ec.SECP256R1())
P256 = Key(P256_PRIVATE.public_key(), P256_PRIVATE)
ISSUER = did_for_key(ED)
CREATED = datetime(2025, 1, 1, tzinfo=UTC)


def credential(issuer: str = ISSUER, *, v1: bool = False, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V1 if v1 else V2, OB],
        "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Teacher Academy"},
        "name": "CS Pedagogy I",
        "credentialSubject": {
            "id": "did:example:teacher1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/cs1",
                "type": ["Achievement"],
                "name": "CS Pedagogy I",
                "description": "Teaching introductory programming.",
                "criteria": {"narrative": "Completed the course."},
            },
        },
    }
    if v1:
        doc["issuanceDate"] = "2024-01-01T00:00:00Z"
        doc["expirationDate"] = "2030-01-01T00:00:00Z"
    else:
        doc["validFrom"] = "2024-01-01T00:00:00Z"
        doc["validUntil"] = "2030-01-01T00:00:00Z"
    for name, value in extra.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def di(doc: dict[str, Any], key: Key = ED, fmt: str = "eddsa-rdfc-2022", **kw: Any) -> Any:
    kw.setdefault("created", CREATED)
    return sign(doc, key, format=fmt, **kw).document  # type: ignore[arg-type]


def jwt(doc: dict[str, Any], key: Key = ED, **kw: Any) -> str:
    token = sign(doc, key, format="jwt", **kw).jwt
    assert token is not None
    return token


def raw_jwt(header: dict[str, Any], payload: dict[str, Any], key: Key = ED) -> str:
    head = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url_encode(key.sign(f'{head}.{body}'.encode()))}"


def v2_payload(doc: dict[str, Any], **claims: Any) -> dict[str, Any]:
    payload = dict(doc)
    payload.update(
        iss=doc["issuer"]["id"],
        jti=doc["id"],
        sub=doc["credentialSubject"]["id"],
        nbf=int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()),
        exp=int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
    )
    for name, value in claims.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return payload


def header(key: Key = ED, **extra: Any) -> dict[str, Any]:
    head: dict[str, Any] = {"alg": key.alg, "typ": "JWT", "kid": f"{did_jwk(key)}#0"}
    for name, value in extra.items():
        if value is None:
            head.pop(name, None)
        else:
            head[name] = value
    return head


def with_proof(**changes: Any) -> dict[str, Any]:
    doc = di(credential())
    for name, value in changes.items():
        if value is None:
            doc["proof"].pop(name, None)
        else:
            doc["proof"][name] = value
    return doc


def endorsement(key: Key = OTHER, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2, OB],
        "id": "urn:uuid:e0000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Endorsement of CS Pedagogy I",
        "issuer": {"id": did_for_key(key), "type": ["Profile"], "name": "CS Teachers"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://example.edu/achievements/cs1",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Rigorous.",
        },
    }
    doc.update(extra)
    return doc


def endorsed(*endorsements: Any, field: str = "endorsement") -> dict[str, Any]:
    doc = credential()
    doc["credentialSubject"]["achievement"][field] = list(endorsements)
    return di(doc)


def identified(**identity: Any) -> dict[str, Any]:
    doc = credential()
    subject = doc["credentialSubject"]
    del subject["id"]
    subject["identifier"] = [{"type": "IdentityObject", "identityType": "emailAddress", **identity}]
    return di(doc)


def identified_many(*identities: dict[str, Any]) -> dict[str, Any]:
    doc = credential()
    subject = doc["credentialSubject"]
    del subject["id"]
    subject["identifier"] = [{"type": "IdentityObject", **i} for i in identities]
    return di(doc)


def _sha256(text: str) -> str:
    return "sha256$" + hashlib.sha256(text.encode()).hexdigest()


def _md5(text: str) -> str:
    return "md5$" + hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _tampered() -> dict[str, Any]:
    doc = di(credential())
    doc["name"] = "Forged"
    return doc


def _two_proofs(second_bad: bool) -> dict[str, Any]:
    doc = sign(di(credential()), ED, format="ed25519-2020", created=CREATED).document
    if second_bad:
        doc["proof"][1]["proofValue"] = doc["proof"][0]["proofValue"]
    return doc


def _status_entry() -> dict[str, Any]:
    return {
        "id": "https://status.example.edu/lists/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://status.example.edu/lists/1",
    }


def _https_vm_doc() -> dict[str, Any]:
    url = "https://example.edu/issuers/1"
    return di(credential(url), verification_method=f"{url}#{ED.public_multibase()}")


def _nested_endorsements(depth: int) -> dict[str, Any]:
    inner: dict[str, Any] = di(endorsement(), OTHER)
    for _ in range(depth):
        inner = di(
            endorsement(
                issuer={
                    "id": did_for_key(OTHER),
                    "type": ["Profile"],
                    "endorsement": [inner],
                }
            ),
            OTHER,
        )
    return endorsed(inner)


LIST_URL = "https://status.example.edu/lists/1"
REVOCATIONS_URL = "https://status.example.edu/revocations.json"


class Host:
    """Serves documents by URL in place of the network (``get(url) -> bytes``)."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = {
            url: doc
            if isinstance(doc, bytes)
            else (doc.encode() if isinstance(doc, str) else json.dumps(doc).encode())
            for url, doc in documents.items()
        }

    def get(self, url: str) -> bytes:
        if url not in self.documents:
            raise FetchError(f"{url} is unreachable", code="status_retrieval.unreachable")
        return self.documents[url]


def status_list(
    *indices: int, purpose: str = "revocation", key: Key = ED, signed: str = "di", **extra: Any
) -> Any:
    bits = new_bitstring()
    for index in indices:
        set_bit(bits, index)
    document = build_status_list_credential(
        LIST_URL, did_for_key(key), purpose, bits, valid_from="2024-01-01T00:00:00Z"
    )
    document.update(extra)
    if signed == "di":
        return di(document, key)
    if signed == "jwt":
        return jwt(document, key)
    return document


def with_status(lists: dict[str, Any], purpose: str = "revocation", index: int = 42) -> Any:
    entry = _status_entry() | {"statusPurpose": purpose, "statusListIndex": str(index)}
    entry["id"] = f"{LIST_URL}#{index}"
    return di(credential(credentialStatus=entry)), {"fetcher": Host(lists), "offline": False}


def with_revocation_list(revocations: Any) -> Any:
    entry = {"id": REVOCATIONS_URL, "type": "1EdTechRevocationList"}
    host = Host({REVOCATIONS_URL: revocations})
    # a VC-JWT: the 1EdTech entry type is defined by no bundled context (a data_loss warning)
    return jwt(credential(credentialStatus=entry)), {"fetcher": host, "offline": False}


Scenario = Callable[[], tuple[Any, dict[str, Any]]]

SCENARIOS: dict[str, Scenario] = {
    # good credentials, one per format
    "eddsa_ok": lambda: (di(credential()), {}),
    "ecdsa_ok": lambda: (
        di(credential(did_for_key(P256)), P256, "ecdsa-rdfc-2019"),
        {},
    ),
    "ed25519_2020_ok": lambda: (di(credential(), fmt="ed25519-2020"), {}),
    "vcdm11_di_ok": lambda: (di(credential(v1=True)), {}),
    "jwt_ok": lambda: (jwt(credential()), {}),
    "jwt_vcdm11_ok": lambda: (jwt(credential(v1=True)), {}),
    "jwt_own_jwk": lambda: (
        raw_jwt(header(kid=None, jwk=ED.public_jwk()), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_relative_kid": lambda: (
        raw_jwt(header(kid="#0"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "no_valid_until": lambda: (di(credential(validUntil=None)), {}),
    "awarded_date": lambda: (di(credential(awardedDate="2024-02-01T00:00:00Z")), {}),
    # input
    "input_empty": lambda: ("", {}),
    "input_blank": lambda: ("  \n ", {}),
    "input_not_json": lambda: ("hello there", {}),
    "input_array": lambda: ("[1, 2]", {}),
    "input_not_utf8": lambda: (b'{"a": "\xff"}', {}),
    "input_broken_jwt": lambda: (jwt(credential()).rsplit(".", 2)[0] + ".abc", {}),
    "input_cut_jwt": lambda: (jwt(credential()).split(".")[0], {}),
    "input_not_json_data": lambda: ({"a": {1, 2}}, {}),
    "input_duplicate_key": lambda: ('{"a": 1, "a": 2}', {}),
    "input_too_large": lambda: (b" " * (8 * 1024 * 1024 + 1), {}),
    "input_jwt_vc_not_object": lambda: (
        raw_jwt(header(), {"iss": did_jwk(ED), "vc": [1]}),
        {},
    ),
    # data model, schema, context
    "no_issuer_id": lambda: (
        di(credential()) | {"issuer": {"type": ["Profile"], "name": "x"}},
        {},
    ),
    "subject_list": lambda: (
        di(credential(credentialSubject=[credential()["credentialSubject"]])),
        {},
    ),
    "not_a_vc": lambda: (
        di(credential()) | {"type": ["OpenBadgeCredential"]},
        {},
    ),
    "null_member": lambda: (credential(description=None) | {"description": None}, {}),
    "missing_start": lambda: (di(credential(validFrom=None)), {}),
    "context_unbundled": lambda: (
        di(credential()) | {"@context": [V2, OB, "https://evil.example/ctx.json"]},
        {},
    ),
    "context_inline": lambda: (di(credential()) | {"@context": [V2, OB, {"x": "urn:x"}]}, {}),
    "context_no_ob": lambda: (di(credential()) | {"@context": [V2]}, {}),
    "schema_unknown": lambda: (
        di(credential())
        | {
            "credentialSchema": [
                {"id": "https://example.edu/schema.json", "type": "1EdTechJsonSchemaValidator2019"}
            ]
        },
        {},
    ),
    # DI proofs
    "proof_missing": lambda: (credential(), {}),
    "proof_malformed": lambda: (credential(proof=[5]), {}),
    "proof_unknown_type": lambda: (with_proof(type="RsaSignature2018"), {}),
    "proof_no_value": lambda: (with_proof(proofValue=None), {}),
    "proof_bad_member": lambda: (with_proof(nonce=5), {}),
    "proof_unsupported_suite": lambda: (with_proof(cryptosuite="eddsa-jcs-2022"), {}),
    "proof_wrong_purpose": lambda: (with_proof(proofPurpose="authentication"), {}),
    "proof_created_future": lambda: (di(credential(), created=NOW + timedelta(days=1)), {}),
    "proof_expired": lambda: (di(credential(), expires=NOW - timedelta(days=1)), {}),
    "proof_bad_created": lambda: (with_proof(created="2025-01-01T00:00:00"), {}),
    "proof_no_key_id": lambda: (with_proof(verificationMethod=None), {}),
    "proof_other_issuer_key": lambda: (
        di(credential(did_for_key(OTHER)), OTHER) | {"issuer": credential()["issuer"]},
        {},
    ),
    "proof_key_url_untrusted": lambda: (_https_vm_doc(), {}),
    "proof_key_url_trusted": lambda: (_https_vm_doc(), {"trust_embedded_keys": True}),
    "proof_tampered": lambda: (_tampered(), {}),
    "proof_bad_encoding": lambda: (with_proof(proofValue="zz!"), {}),
    "proof_set_ok": lambda: (_two_proofs(False), {}),
    "proof_set_one_bad": lambda: (_two_proofs(True), {}),
    "proof_did_web_offline": lambda: (
        di(credential("did:web:example.edu"), verification_method="did:web:example.edu#key-1"),
        {},
    ),
    # VC-JWT
    "jwt_alg_none": lambda: (raw_jwt(header(alg="none"), v2_payload(credential(did_jwk(ED)))), {}),
    "jwt_hmac": lambda: (raw_jwt(header(alg="HS256"), v2_payload(credential(did_jwk(ED)))), {}),
    "jwt_alg_unknown": lambda: (
        raw_jwt(header(alg="ES512"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_crit": lambda: (
        raw_jwt(header(crit=["exp"]), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_extra_header": lambda: (
        raw_jwt(header(cty="vc", zip="DEF"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_bad_typ": lambda: (raw_jwt(header(typ="jose"), v2_payload(credential(did_jwk(ED)))), {}),
    "jwt_no_key": lambda: (raw_jwt(header(kid=None), v2_payload(credential(did_jwk(ED)))), {}),
    "jwt_bad_member": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED)), nbf="soon")),
        {},
    ),
    "jwt_iss_mismatch": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED)), iss="did:example:x")),
        {},
    ),
    "jwt_jti_mismatch": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED)), jti="urn:x")),
        {},
    ),
    "jwt_sub_mismatch": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED)), sub="did:example:x")),
        {},
    ),
    "jwt_missing_iss": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED)), iss=None)),
        {},
    ),
    "jwt_nbf_mismatch": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED)), nbf=5)),
        {},
    ),
    "jwt_exp_without_date": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED), validUntil=None))),
        {},
    ),
    "jwt_expired": lambda: (
        raw_jwt(
            header(),
            v2_payload(
                credential(did_jwk(ED), validUntil="2025-01-01T00:00:00Z"),
                exp=int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()),
            ),
        ),
        {},
    ),
    "jwt_not_yet_valid": lambda: (
        raw_jwt(
            header(),
            v2_payload(
                credential(did_jwk(ED), validFrom="2026-01-01T00:00:00Z"),
                nbf=int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
            ),
        ),
        {},
    ),
    "jwt_embedded_untrusted": lambda: (
        raw_jwt(
            header(kid=None, jwk=ED.public_jwk()),
            v2_payload(credential("https://example.edu/issuers/1")),
        ),
        {},
    ),
    "jwt_embedded_trusted": lambda: (
        raw_jwt(
            header(kid=None, jwk=ED.public_jwk()),
            v2_payload(credential("https://example.edu/issuers/1")),
        ),
        {"trust_embedded_keys": True},
    ),
    "jwt_jwk_not_issuers": lambda: (
        raw_jwt(
            header(kid=None, jwk=OTHER.public_jwk()),
            v2_payload(credential(did_jwk(ED))),
            OTHER,
        ),
        {},
    ),
    "jwt_kid_other_issuer": lambda: (
        raw_jwt(header(OTHER), v2_payload(credential(did_jwk(ED))), OTHER),
        {},
    ),
    "jwt_bad_signature": lambda: (
        raw_jwt(header(), v2_payload(credential(did_jwk(ED))), OTHER),
        {},
    ),
    "jwt_data_loss": lambda: (
        jwt(credential(favouriteColour="green")),
        {},
    ),
    "jwt_data_loss_off": lambda: (
        jwt(credential(favouriteColour="green")),
        {"check_jwt_data_loss": False},
    ),
    "jwt_alg_es384": lambda: (
        raw_jwt(header(alg="ES384"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_alg_ps256": lambda: (
        raw_jwt(header(alg="PS256"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_alg_none_upper": lambda: (
        raw_jwt(header(alg="NONE"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_alg_hmac_lower": lambda: (
        raw_jwt(header(alg="hs256"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_typ_vc": lambda: (
        raw_jwt(header(typ="vc+jwt"), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_no_typ": lambda: (
        raw_jwt(header(typ=None), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_jwk_for_encryption": lambda: (
        raw_jwt(
            header(kid=None, jwk=dict(ED.public_jwk(), use="enc")),
            v2_payload(credential(did_jwk(ED))),
        ),
        {},
    ),
    "jwt_kid_and_same_jwk": lambda: (
        raw_jwt(header(jwk=ED.public_jwk()), v2_payload(credential(did_jwk(ED)))),
        {},
    ),
    "jwt_kid_url_trusted": lambda: (
        raw_jwt(
            header(kid=f"https://example.edu/issuers/1#{ED.public_multibase()}"),
            v2_payload(credential("https://example.edu/issuers/1")),
        ),
        {"trust_embedded_keys": True},
    ),
    "jwt_vcdm11_nbf_mismatch": lambda: (
        raw_jwt(
            header(),
            {
                "iss": did_jwk(ED),
                "nbf": 5,
                "vc": credential(did_jwk(ED), v1=True),
            },
        ),
        {},
    ),
    "jwt_vcdm11_exp_ok": lambda: (
        raw_jwt(
            header(),
            {
                "iss": did_jwk(ED),
                "exp": int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
                "vc": credential(did_jwk(ED), v1=True),
            },
        ),
        {},
    ),
    "jwt_claims_no_subject_object": lambda: (
        raw_jwt(
            header(),
            v2_payload(credential(did_jwk(ED)), sub=None)
            | {"credentialSubject": [credential()["credentialSubject"]]},
        ),
        {},
    ),
    "jwt_schema_bundled": lambda: (
        jwt(
            credential(
                credentialSchema=[
                    {
                        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                        "ob_v3p0_achievementcredential_schema.json",
                        "type": "1EdTechJsonSchemaValidator2019",
                    }
                ]
            )
        ),
        {},
    ),
    "jwt_schema_other_type": lambda: (
        jwt(credential(credentialSchema={"id": "https://x.example/s.json", "type": "Other"})),
        {},
    ),
    "null_in_list": lambda: (
        credential(type=["VerifiableCredential", None, "OpenBadgeCredential"]),
        {},
    ),
    "empty_list_member": lambda: (credential(evidence=[]), {}),
    "context_empty": lambda: (credential() | {"@context": []}, {}),
    "context_missing": lambda: (credential(**{"@context": None}), {}),
    "context_nested_inline": lambda: (
        di(credential())
        | {"credentialSubject": credential()["credentialSubject"] | {"@context": {"x": "urn:x"}}},
        {},
    ),
    "context_first_not_vc": lambda: (credential() | {"@context": [OB, V2]}, {}),
    "issued_in_future": lambda: (credential(issued="2026-01-01T00:00:00Z"), {}),
    "vcdm11_latest_start": lambda: (
        di(credential(v1=True, validFrom="2025-07-01T00:00:00Z")),
        {},
    ),
    "endorsement_kind_wrong_type": lambda: (
        endorsed(di(endorsement(type=["VerifiableCredential", "OpenBadgeCredential"]), OTHER)),
        {},
    ),
    "untrusted_issuer_string": lambda: (
        di(credential()) | {"issuer": ISSUER},
        {"trusted_issuers": frozenset({"did:x:1"})},
    ),
    "recipient_no_subject": lambda: (
        credential(credentialSubject=None),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_hash_upper": lambda: (
        identified(
            hashed=True,
            identityHash="SHA256$" + hashlib.sha256(b"a@example.edu").hexdigest().upper(),
        ),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_hash_unknown_alg": lambda: (
        identified(hashed=True, identityHash="sha1$abc"),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_hash_no_alg": lambda: (
        identified(hashed=True, identityHash=hashlib.sha256(b"a@example.edu").hexdigest()),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_hashed_missing": lambda: (
        identified(identityHash="a@example.edu"),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_plain_other_case": lambda: (
        identified(hashed=False, identityHash="A@example.edu"),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_salt_not_string": lambda: (
        identified(hashed=True, identityHash=_sha256("a@example.edu"), salt=5),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_second_identity": lambda: (
        identified_many(
            {"identityType": "emailAddress", "hashed": False, "identityHash": "b@example.edu"},
            {"identityType": "emailAddress", "hashed": False, "identityHash": "a@example.edu"},
        ),
        {"expected_recipient": "a@example.edu"},
    ),
    # validity
    "expired": lambda: (di(credential(validUntil="2025-01-01T00:00:00Z")), {}),
    "not_yet_valid": lambda: (di(credential(validFrom="2026-01-01T00:00:00Z")), {}),
    "inverted": lambda: (
        di(credential(validFrom="2024-06-01T00:00:00Z", validUntil="2024-01-01T00:00:00Z")),
        {},
    ),
    "naive_date": lambda: (di(credential(validUntil="2030-01-01T00:00:00")), {}),
    "bad_date": lambda: (di(credential(validUntil="2030-01-01")), {}),
    "awarded_in_future": lambda: (di(credential(awardedDate="2026-01-01T00:00:00Z")), {}),
    "vcdm11_valid_until_past": lambda: (
        di(credential(v1=True, validUntil="2025-01-01T00:00:00Z")),
        {},
    ),
    "skew_edge_ok": lambda: (
        di(credential(validUntil="2025-06-01T11:55:00Z")),
        {},
    ),
    "skew_edge_late": lambda: (
        di(credential(validUntil="2025-06-01T11:54:59Z")),
        {},
    ),
    "skew_zero": lambda: (
        di(credential(validUntil="2025-06-01T11:59:59Z")),
        {"clock_skew": timedelta(0)},
    ),
    # status
    "status_offline": lambda: (di(credential(credentialStatus=_status_entry())), {}),
    "require_status": lambda: (di(credential()), {"require_status": True}),
    "status_active": lambda: with_status({LIST_URL: status_list()}),
    "status_revoked": lambda: with_status({LIST_URL: status_list(42)}),
    "status_other_index_revoked": lambda: with_status({LIST_URL: status_list(41, 43)}),
    "status_suspended": lambda: with_status(
        {LIST_URL: status_list(42, purpose="suspension")}, purpose="suspension"
    ),
    "status_purpose_mismatch": lambda: with_status({LIST_URL: status_list(purpose="suspension")}),
    "status_unreachable": lambda: with_status({}),
    "status_list_unsigned": lambda: with_status({LIST_URL: status_list(signed="no")}),
    "status_list_jwt": lambda: with_status({LIST_URL: status_list(signed="jwt")}),
    "status_list_other_issuer": lambda: with_status({LIST_URL: status_list(key=OTHER)}),
    "status_list_expired": lambda: with_status(
        {LIST_URL: status_list(validUntil="2025-01-01T00:00:00Z")}
    ),
    "status_out_of_range": lambda: with_status({LIST_URL: status_list()}, index=200_000),
    "status_not_json": lambda: with_status({LIST_URL: b"<html>"}),
    "status_bad_entry": lambda: (
        di(credential(credentialStatus={"type": "BitstringStatusListEntry"})),
        {},
    ),
    "status_unsupported_type": lambda: (
        jwt(credential(credentialStatus={"type": "CRLEntry", "id": LIST_URL})),
        {},
    ),
    "revocation_list_active": lambda: with_revocation_list(
        {"revokedCredential": [{"id": "urn:uuid:other", "revoked": True}]}
    ),
    "revocation_list_revoked": lambda: with_revocation_list(
        {
            "revokedCredential": [
                {
                    "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
                    "revocationReason": "issued in error",
                }
            ]
        }
    ),
    "revocation_list_malformed": lambda: with_revocation_list({"revokedCredential": 5}),
    "revocation_list_not_object": lambda: with_revocation_list([1]),
    # recipient
    "recipient_id": lambda: (di(credential()), {"expected_recipient": "did:example:teacher1"}),
    "recipient_mismatch": lambda: (di(credential()), {"expected_recipient": "did:example:x"}),
    "recipient_sha256": lambda: (
        identified(hashed=True, identityHash=_sha256("a@example.edu" + "pepper"), salt="pepper"),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_md5": lambda: (
        identified(hashed=True, identityHash=_md5("a@example.edu")),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_plain": lambda: (
        identified(hashed=False, identityHash="a@example.edu"),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_hash_prefix_only": lambda: (
        identified(hashed=True, identityHash=_sha256("a@example.edu")[:20] + "0" * 51),
        {"expected_recipient": "a@example.edu"},
    ),
    "recipient_other_type": lambda: (
        identified(hashed=False, identityHash="a@example.edu"),
        {"expected_recipient": "a@example.edu", "recipient_identity_type": "telephone"},
    ),
    # trusted issuers
    "trusted_issuer": lambda: (di(credential()), {"trusted_issuers": frozenset({ISSUER})}),
    "untrusted_issuer": lambda: (di(credential()), {"trusted_issuers": frozenset({"did:x:1"})}),
    # endorsements
    "endorsement_ok": lambda: (endorsed(di(endorsement(), OTHER)), {}),
    "endorsement_jwt_ok": lambda: (
        endorsed(jwt(endorsement(), OTHER), field="endorsementJwt"),
        {},
    ),
    "endorsement_tampered": lambda: (
        endorsed(di(endorsement(), OTHER) | {"name": "Forged"}),
        {},
    ),
    "endorsement_off": lambda: (
        endorsed(di(endorsement(), OTHER)),
        {"check_endorsements": False},
    ),
    "endorsement_too_deep": lambda: (_nested_endorsements(2), {}),
    "endorsement_as_credential": lambda: (
        endorsed(di(credential(did_for_key(OTHER)), OTHER)),
        {},
    ),
    "endorsement_status_offline": lambda: (
        endorsed(di(endorsement(credentialStatus=_status_entry()), OTHER)),
        {},
    ),
}


def run(name: str) -> Any:
    document, options = SCENARIOS[name]()
    options.setdefault("offline", True)
    policy = VerificationPolicy(now=NOW, **options)
    return verify(copy.deepcopy(document), policy)


def report(result: Any) -> list[str]:
    lines = []
    for check in result.checks:
        mark = "?" if check.indeterminate else ""
        lines.append(f"{check.id} {check.status}{mark} {check.code} | {check.message}")
    return lines


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_report(name: str) -> None:
    result = run(name)
    expected = EXPECTED[name]
    assert report(result) == expected["checks"]
    assert exit_code_for(result) == expected["exit"]
    assert result.summary.to_dict() == expected["summary"]
    assert render_text(result, name=name).splitlines() == expected["text"]


def test_every_scenario_has_an_expected_report() -> None:
    assert sorted(EXPECTED) == sorted(SCENARIOS)


# ---------------------------------------------------------------------------- expected

REPORTS = Path(__file__).with_name("verify_exact_reports.json")
EXPECTED: dict[str, dict[str, Any]] = json.loads(REPORTS.read_text(encoding="utf-8"))


if __name__ == "__main__":  # rewrite the reports, to review (git diff) after a deliberate change
    out: dict[str, Any] = {}
    for scenario in sorted(SCENARIOS):
        res = run(scenario)
        out[scenario] = {
            "exit": exit_code_for(res),
            "summary": res.summary.to_dict(),
            "checks": report(res),
            "text": render_text(res, name=scenario).splitlines(),
        }
    REPORTS.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(f"{len(out)} reports written to {REPORTS}\n")
