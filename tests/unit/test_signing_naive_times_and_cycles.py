"""Signers read a naive time as UTC in every format, and refuse a credential or presentation
whose proof set (or any member) cannot be copied, with ``input.too_deep`` rather than a
``RecursionError``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from test_proofs_exact import ED, credential

from mcbadge.did import did_for_key
from mcbadge.errors import InputError
from mcbadge.present import sign_presentation
from mcbadge.proofs import decode_jwt, sign
from mcbadge.proofs.jwt import sign_vc_jwt

ISSUER = did_for_key(ED)
NAIVE = datetime(2026, 1, 2, 3, 4, 5)
EPOCH = int(NAIVE.replace(tzinfo=UTC).timestamp())


@pytest.mark.usefixtures("far_east_local_time")
def test_a_vc_jwt_signed_at_a_naive_time_carries_that_time_in_utc_as_iat() -> None:
    token = sign(credential(ISSUER), ED, format="vc+jwt", created=NAIVE).jwt
    assert token is not None
    assert decode_jwt(token)[1]["iat"] == EPOCH
    low_level = sign_vc_jwt(credential(ISSUER), ED, verification_method=None, issued_at=NAIVE)
    assert decode_jwt(low_level)[1]["iat"] == EPOCH
    # the same instant a Data Integrity proof writes for the same value
    proof = sign(credential(ISSUER), ED, format="eddsa-rdfc-2022", created=NAIVE).document["proof"]
    assert proof["created"] == "2026-01-02T03:04:05Z"


def _cycle() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    return loop


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": True}
    for _ in range(levels):
        value = {"next": value}
    return value


@pytest.mark.parametrize("inside", [_cycle(), _deep(20_000)], ids=["cycle", "deep"])
def test_a_credential_whose_old_proof_cannot_be_copied_is_refused_as_too_deep(
    inside: dict[str, Any],
) -> None:
    document = {**credential(ISSUER), "proof": {"type": "DataIntegrityProof", "x": inside}}
    with pytest.raises(InputError) as refused:
        sign(document, ED, format="eddsa-rdfc-2022")
    assert refused.value.code == "input.too_deep"
    assert refused.value.message == "the credential is nested too deeply"


@pytest.mark.parametrize("format", ["di", "jwt"])
def test_a_presentation_that_cannot_be_copied_is_refused_as_too_deep(format: str) -> None:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": ISSUER,
        "x": _cycle(),
    }
    with pytest.raises(InputError) as refused:
        sign_presentation(
            presentation,
            ED,
            challenge="c-1",
            domain="https://office.example",
            format=format,  # type: ignore[arg-type]
        )
    assert refused.value.code == "input.too_deep"
    assert refused.value.message == "the presentation is nested too deeply"
