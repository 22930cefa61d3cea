"""Rules whose removal would let the verifier say "verified" wrongly, each found by a surviving
mutant of the mutation round (docs/security.md, "Mutation testing"): the code was right, but
no test would have failed had it been wrong."""

from __future__ import annotations

from typing import Any

from test_verify_exact import ISSUER, NOW, V2, credential, di, jwt

from mcbadge.verify import VerificationPolicy, verify

OFFLINE = VerificationPolicy(now=NOW, offline=True)


def _plain_w3c_credential() -> dict[str, Any]:
    """A plain W3C credential (no Open Badges type), signed by ISSUER's did:key."""
    return di(
        {
            "@context": [V2],
            "id": "urn:uuid:7d9f2c55-1b0e-4c43-9a51-0e6b8f1a2c30",
            "type": ["VerifiableCredential"],
            "issuer": ISSUER,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:teacher1", "name": "Dana"},
        }
    )


def test_a_trust_list_of_issuers_also_binds_plain_w3c_credentials() -> None:
    """`generic_credentials` reads a plain W3C credential; `trusted_issuers` still applies to
    it (pipeline._trusted_issuer judges the "vc" kind as well as Open Badges)."""
    signed = _plain_w3c_credential()
    generic = VerificationPolicy(now=NOW, offline=True, generic_credentials=True)
    assert verify(signed, generic).verified

    untrusted = VerificationPolicy(
        now=NOW, offline=True, generic_credentials=True, trusted_issuers={"did:example:other"}
    )
    result = verify(signed, untrusted)
    assert not result.verified
    check = result.check("key_binding")
    assert check is not None
    assert (check.status, check.code) == ("failed", "key_binding.untrusted_issuer")

    trusted = VerificationPolicy(
        now=NOW, offline=True, generic_credentials=True, trusted_issuers={ISSUER}
    )
    assert verify(signed, trusted).verified


def test_a_credential_wrapped_as_a_presentation_is_refused() -> None:
    """An EnvelopedVerifiablePresentation whose token is an ordinary credential VC-JWT is a
    type confusion: verify() refuses it as input.envelope_mismatch, never reads it as the
    credential it holds (which, on its own, verifies)."""
    token = jwt(credential())
    assert verify(token, OFFLINE).verified
    wrapped = {
        "@context": V2,
        "type": "EnvelopedVerifiablePresentation",
        "id": "data:application/vp+jwt," + token,
    }
    result = verify(wrapped, OFFLINE)
    assert not result.verified
    assert result.failed_checks == ["input"]
    check = result.check("input")
    assert check is not None
    assert check.code == "input.envelope_mismatch"
