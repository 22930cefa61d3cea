"""Pin behaviour that the 2026-12-05 mutation round of ``mcbadge.proofs`` found untested.

``decode_jwt`` (public in ``mcbadge.proofs``) takes ``payload=``, the token's payload as the
caller already read it; the token's payload segment is then still checked to be canonical
base64url, and the given payload must be a JSON object. These tests pin the check id and the
exact message each refusal reports.
"""

from __future__ import annotations

from typing import Any

import pytest

from mcbadge.errors import MCBadgeError
from mcbadge.multibase import b64url_encode
from mcbadge.proofs import decode_jwt

HEADER = b64url_encode(b'{"alg":"EdDSA"}')
SIGNATURE = b64url_encode(b"\x00" * 64)


def test_given_payload_with_a_non_canonical_payload_segment_is_refused() -> None:
    """A JWT whose payload segment is not canonical base64url is refused with
    ``jwt.bad_base64url`` and "the JWT payload is not canonical base64url", even when the
    caller passes the payload it already read (kills decode_jwt 62, 67, 68, 69)."""
    # "e30" is "{}"; "e31" decodes to the same bytes with a set spare bit
    token = f"{HEADER}.e31.{SIGNATURE}"
    with pytest.raises(MCBadgeError) as info:
        decode_jwt(token, payload={})
    assert (info.value.code, info.value.message) == (
        "jwt.bad_base64url",
        "the JWT payload is not canonical base64url",
    )


def test_given_payload_with_a_canonical_segment_is_accepted() -> None:
    """The canonical payload segment passes, and the given payload is returned as is."""
    given: dict[str, Any] = {"iss": "did:example:issuer"}
    header, payload, signing_input, signature = decode_jwt(
        f"{HEADER}.e30.{SIGNATURE}", payload=given
    )
    assert header == {"alg": "EdDSA"}
    assert payload is given
    assert signing_input == f"{HEADER}.e30".encode("ascii")
    assert signature == b"\x00" * 64


@pytest.mark.parametrize("given", [[], "x", 1, [{"iss": "x"}]])
def test_given_payload_that_is_not_a_json_object_is_refused(given: Any) -> None:
    """A payload that is not a JSON object is refused with ``jwt.bad_payload`` and "the JWT
    payload is not a JSON object" (kills decode_jwt 72-80)."""
    with pytest.raises(MCBadgeError) as info:
        decode_jwt(f"{HEADER}.e30.{SIGNATURE}", payload=given)
    assert (info.value.code, info.value.message) == (
        "jwt.bad_payload",
        "the JWT payload is not a JSON object",
    )
