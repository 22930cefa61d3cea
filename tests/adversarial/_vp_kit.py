"""Test-only presentations: a teacher (holder) key, credentials issued to the teacher, and
presentations signed by mcbadge's holder side, so each hostile test changes one thing."""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta
from typing import Any

from _helpers import ISSUER_KEY, NOW, make_credential
from _signer import TestKey, ed25519_key, p256_key, sign_di

from mcbadge.keys import Key
from mcbadge.present import present
from mcbadge.verify import BundleResult, VerificationPolicy, exit_code_for, verify_presentation

CHALLENGE = "office-challenge-7f3a9c"
DOMAIN = "https://licensure.example"
TEACHER = p256_key(42)
SECOND_ISSUER = ed25519_key(2)


def mc_key(key: TestKey) -> Key:
    """The mcbadge Key of a test key (with its private half)."""
    return Key(key.private.public_key(), key.private)


def teacher_credential(
    issuer: TestKey = ISSUER_KEY, subject: str | None = None, number: int = 1, **overrides: Any
) -> dict[str, Any]:
    """A signed OB 3.0 credential whose subject is the teacher's DID."""
    document = make_credential(issuer, **overrides)
    document["id"] = f"urn:uuid:7f0d0a2e-1111-4c1e-9c55-{number:012d}"
    document["credentialSubject"] = {
        **document["credentialSubject"],
        "id": subject or TEACHER.did,
    }
    return sign_di(document, issuer)


def vp(
    credentials: list[Any] | None = None,
    *,
    key: TestKey = TEACHER,
    challenge: str = CHALLENGE,
    domain: str | None = DOMAIN,
    format: str = "di",
    **options: Any,
) -> Any:
    """A signed presentation (a dict for Data Integrity, a compact JWS for the JWT forms)."""
    creds = credentials if credentials is not None else [teacher_credential()]
    options.setdefault("now", NOW)
    signed = present(
        creds,
        mc_key(key),
        challenge=challenge,
        domain=domain,
        format=format,  # type: ignore[arg-type]
        **options,
    )
    return signed.jwt if signed.jwt is not None else signed.document


def vp_policy(**options: Any) -> VerificationPolicy:
    base: dict[str, Any] = {
        "now": NOW + timedelta(seconds=30),
        "challenge": CHALLENGE,
        "domain": DOMAIN,
        "offline": True,
    }
    base.update(options)
    return VerificationPolicy(**base)


def check(document: Any, **options: Any) -> tuple[int, BundleResult]:
    result = verify_presentation(
        copy.deepcopy(document) if isinstance(document, dict) else document, vp_policy(**options)
    )
    return exit_code_for(result), result


def b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    head, body, signature = token.split(".")

    def decode(part: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return value

    return decode(head), decode(body), signature


def resign_jwt(header: dict[str, Any], payload: dict[str, Any], key: TestKey = TEACHER) -> str:
    """A VP-JWT with this header and payload, correctly signed by ``key``."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = base64.urlsafe_b64encode(key.sign_raw(signing_input.encode())).rstrip(b"=")
    return f"{signing_input}.{signature.decode()}"
