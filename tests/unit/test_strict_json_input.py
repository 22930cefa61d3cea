"""``StrictJSON``: a value the strict parser has already read is verified as it is, where any
other mapping is written out and read back strictly (the service's verify route uses it for
the credential in a request body it has just parsed, within the verifier's own bounds)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import mcbadge.verify._input as verify_input
from mcbadge._json import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, StrictJSON, loads_strict
from mcbadge.issuer import SigningKey, sign_credential
from mcbadge.server.config import LimitsConfig
from mcbadge.server.routes.vc_api_verify import strictly_read
from mcbadge.verify import VerificationPolicy, verify

GENERIC = VerificationPolicy(offline=True, generic_credentials=True)


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    key = SigningKey.generate()
    document = sign_credential(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": key.did_key,
            "credentialSubject": {"id": "did:example:teacher"},
        },
        key,
        "eddsa-rdfc-2022",
    )
    assert isinstance(document, dict)
    return loads_strict(json.dumps(document))  # type: ignore[no-any-return]


def _report(result: Any) -> list[tuple[str, str, str]]:
    return [(check.id, check.status, check.code) for check in result.checks]


def test_a_strictly_read_credential_is_verified_without_being_written_out_again(
    credential: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = verify(credential, GENERIC)
    assert expected.verified, expected.failed_checks

    def no_dumps(*args: Any, **kwargs: Any) -> str:
        raise TypeError("written out")

    monkeypatch.setattr(verify_input.json, "dumps", no_dumps)
    wrapped = verify(StrictJSON(credential), GENERIC)
    assert wrapped.verified, wrapped.failed_checks
    assert _report(wrapped) == _report(expected)
    # a plain mapping still takes the round trip (here refused, as a dict that is not JSON)
    assert verify(credential, GENERIC).check("input").code == "input.not_json_data"


def test_a_strictly_read_value_that_is_not_an_object_fails_input() -> None:
    result = verify(StrictJSON(["a", "list"]), GENERIC)
    assert not result.verified
    assert result.check("input").code == "input.not_object"


def test_a_tampered_strictly_read_credential_still_fails_its_signature(
    credential: dict[str, Any],
) -> None:
    tampered = {**credential, "credentialSubject": {"id": "did:example:someone-else"}}
    result = verify(StrictJSON(tampered), GENERIC)
    assert not result.verified
    assert result.check("signature").status == "failed"


def test_only_values_read_within_the_verifiers_bounds_may_be_wrapped() -> None:
    assert StrictJSON.within_bounds(DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH)
    assert StrictJSON.within_bounds(1024, 8)
    assert not StrictJSON.within_bounds(DEFAULT_MAX_BYTES + 1, DEFAULT_MAX_DEPTH)
    assert not StrictJSON.within_bounds(DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH + 1)


def test_the_service_wraps_a_body_member_only_under_limits_no_looser_than_the_verifiers() -> None:
    value: dict[str, Any] = {"a": 1}
    wrapped = strictly_read(value, LimitsConfig())
    assert isinstance(wrapped, StrictJSON)
    assert wrapped.value is value
    assert strictly_read(value, LimitsConfig(max_json_depth=DEFAULT_MAX_DEPTH + 1)) is value
    assert strictly_read(value, LimitsConfig(max_body_bytes=DEFAULT_MAX_BYTES + 1)) is value


def test_its_repr_does_not_print_the_credential(credential: dict[str, Any]) -> None:
    assert repr(StrictJSON(credential)) == "StrictJSON(<dict>)"
