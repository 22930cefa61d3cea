"""What ``sign(format="vc+jwt")`` writes when the issuer names no signing time: the
VC-JOSE-COSE credential's ``iat`` claim is the moment it was signed (docs/signing.md: "``iat``
(the signing time: ``created``, else now)"), and the token verifies right away."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from test_proofs_exact import ED, credential

from mcbadge.did import OfflineResolver, did_for_key
from mcbadge.proofs import decode_jwt, sign, verify_proof

ISSUER = did_for_key(ED)


def test_a_vc_jwt_signed_without_created_carries_the_signing_time_as_iat() -> None:
    """Without ``created`` the vc+jwt payload is the credential plus ``iss`` and ``iat``, and
    ``iat`` is the current time as a whole number of seconds (not left out)."""
    cred = credential(ISSUER)
    before = math.floor(datetime.now(UTC).timestamp())
    signed = sign(cred, ED, format="vc+jwt")
    after = math.ceil(datetime.now(UTC).timestamp())
    assert signed.jwt is not None
    _, payload, _, _ = decode_jwt(signed.jwt)
    assert list(payload) == [*cred, "iss", "iat"]
    iat = payload["iat"]
    assert type(iat) is int
    assert before <= iat <= after
    assert payload == {**cred, "iss": ISSUER, "iat": iat}
    # the credential read back keeps no iat of its own
    assert signed.document == cred
    result = verify_proof(signed.jwt, OfflineResolver())
    assert result.verified, result.errors
    assert result.format == "vc+jwt"
