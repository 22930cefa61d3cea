"""Exact tests for what a vc+jwt payload may be (``check_vc_jwt_payload``).

These pin behaviour that the 2026-12-05 mutation round of proofs/ found untested: a vc+jwt's
payload must be a VCDM 2.0 credential itself, with no ``vc``/``vp`` claim and no nested
envelope; the refusals carry exact check codes and messages.
"""

from __future__ import annotations

from typing import Any

import pytest

from mcbadge.errors import MCBadgeError
from mcbadge.proofs.vc_jose import VCDM2_CONTEXT, check_vc_jwt_payload

VP_MESSAGE = (
    "a vc+jwt must not carry a 'vp' claim: its payload is the credential itself "
    "(VC-JOSE-COSE §3.1.1)"
)
NESTED_MESSAGE = "the vc+jwt's payload is itself an enveloped credential: envelopes do not nest"
NOT_VCDM2_MESSAGE = (
    "a vc+jwt secures a VCDM 2.0 credential only: its first @context must be "
    "https://www.w3.org/ns/credentials/v2 (a VCDM 1.1 credential is signed as a VC-JWT "
    "with a vc claim)"
)


def _refusal(payload: dict[str, Any]) -> MCBadgeError:
    with pytest.raises(MCBadgeError) as info:
        check_vc_jwt_payload(payload)
    return info.value


def test_a_vp_claim_in_a_vc_jwt_is_refused() -> None:
    """A credential secured as a vc+jwt must not carry a ``vp`` claim: the refusal is
    ``jwt.vc_claim_forbidden`` naming the claim. Kills mutants 3, 4 (``vp`` no longer looked
    for) and, through the exact message, 12, 13, 14."""
    error = _refusal({"@context": [VCDM2_CONTEXT], "type": ["VerifiableCredential"], "vp": {}})
    assert error.code == "jwt.vc_claim_forbidden"
    assert error.message == VP_MESSAGE


@pytest.mark.parametrize(
    "kind",
    ["EnvelopedVerifiableCredential", ["EnvelopedVerifiablePresentation"]],
)
def test_an_envelope_as_a_vc_jwt_payload_is_refused(kind: Any) -> None:
    """An enveloped credential or presentation cannot be the credential a vc+jwt secures
    (envelopes do not nest), even with the VCDM 2.0 context first: the refusal is
    ``jwt.nested_envelope`` with its exact message. Kills mutants 15 (envelope never seen),
    16-19 (code or message dropped), 20-23 (code or message altered)."""
    error = _refusal({"@context": [VCDM2_CONTEXT], "type": kind, "id": "data:application/vc+jwt,x"})
    assert error.code == "jwt.nested_envelope"
    assert error.message == NESTED_MESSAGE


def test_a_single_string_vcdm2_context_is_accepted() -> None:
    """``@context`` given as the single VCDM 2.0 string (not an array) is a VCDM 2.0
    credential: the payload is accepted. Kills mutants 30 and 32 (the string is indexed, its
    first character compared)."""
    check_vc_jwt_payload({"@context": VCDM2_CONTEXT, "type": "VerifiableCredential"})


@pytest.mark.parametrize("context", [None, [], "https://www.w3.org/2018/credentials/v1"])
def test_a_payload_without_the_vcdm2_context_first_is_refused(context: Any) -> None:
    """No ``@context``, an empty one, or a VCDM 1.1 one: not a VCDM 2.0 credential, refused
    as ``jwt.not_vcdm2`` with its exact message (never a crash). Kills mutants 30, 32
    (indexing ``None`` or ``[]``), 40, 42 (message altered)."""
    payload: dict[str, Any] = {"type": ["VerifiableCredential"]}
    if context is not None:
        payload["@context"] = context
    error = _refusal(payload)
    assert error.code == "jwt.not_vcdm2"
    assert error.message == NOT_VCDM2_MESSAGE
