"""Pin the holder's Data Integrity presentation proof (``verify_authentication_proof`` and
``sign_presentation_di``): behaviour the 2026-12-05 mutation round of proofs/ found untested.

Each refusal of a presentation proof is pinned as the exact ProofOutcome the verifier turns
into the report's check (code, message, type, cryptosuite, verification method, controller).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcbadge.did import OfflineResolver, did_for_key
from mcbadge.errors import KeyMaterialError, MCBadgeError
from mcbadge.keys import generate_key
from mcbadge.proofs._common import Issue, ProofOutcome
from mcbadge.proofs.di import DI_V2
from mcbadge.proofs.ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from mcbadge.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022
from mcbadge.proofs.presentation import sign_presentation_di, verify_authentication_proof

ED = generate_key("ed25519")
HOLDER = did_for_key(ED)
VM = f"{HOLDER}#{HOLDER.split(':')[-1]}"
V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def presentation() -> dict[str, Any]:
    return {"@context": [V2], "type": ["VerifiablePresentation"], "holder": HOLDER}


def signed(**kw: Any) -> dict[str, Any]:
    kw.setdefault("challenge", "c-123")
    return sign_presentation_di(
        presentation(),
        ED,
        EDDSA_RDFC_2022,
        verification_method=VM,
        created=NOW - timedelta(hours=1),
        **kw,
    )


def check(proof: Any) -> ProofOutcome:
    doc = signed()
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    return verify_authentication_proof(unsecured, proof, OfflineResolver(), index=0, now=NOW)


def test_a_holders_proof_verifies_with_every_outcome_field() -> None:
    """A presentation the holder signed verifies: the outcome names the proof type, suite,
    key and controller, and verified is exactly True (kills verify_authentication_proof
    21, 22, 23, 24, 25, 26, 80, 81, 82, 83, 84, 165, 166)."""
    proof = signed()["proof"]
    outcome = check(proof)
    assert outcome == ProofOutcome(
        index=0,
        type="DataIntegrityProof",
        cryptosuite="eddsa-rdfc-2022",
        verification_method=VM,
        controller=HOLDER,
        verified=True,
    )
    assert outcome.verified is True


def _proof(**changes: Any) -> dict[str, Any]:
    proof: dict[str, Any] = dict(signed()["proof"])
    for k, v in changes.items():
        if v is None:
            proof.pop(k, None)
        else:
            proof[k] = v
    return proof


@pytest.mark.parametrize(
    ("proof", "ptype", "suite", "vm", "issue"),
    [
        # kills 6, 7, 8, 9, 10, 11, 12, 13
        ("not a proof", None, None, None, ("proof.malformed", "a proof is not an object")),
        # kills 21-24 (message), 31, 32, 34, 35-40
        (
            _proof(type="Ed25519Signature2020"),
            "Ed25519Signature2020",
            None,
            None,
            (
                "proof.unsupported_type",
                "the proof type 'Ed25519Signature2020' is not supported",
            ),
        ),
        # kills 31, 33, 41, 43-48
        (
            _proof(cryptosuite="bbs-2023"),
            "DataIntegrityProof",
            None,
            None,
            ("cryptosuite.unsupported", "the proof's cryptosuite is not supported"),
        ),
        # kills 67, 68, 69, 71-79
        (
            _proof(previousProof="urn:uuid:1"),
            "DataIntegrityProof",
            "eddsa-rdfc-2022",
            None,
            ("proof.chain_unsupported", "proof chains (previousProof) are not supported"),
        ),
        # kills 90, 95, 96
        (
            _proof(created="yesterday"),
            "DataIntegrityProof",
            "eddsa-rdfc-2022",
            VM,
            ("freshness.bad_created", "'yesterday' is not an xsd:dateTime with a time zone"),
        ),
        # kills 112, 117, 118
        (
            _proof(expires="tomorrow"),
            "DataIntegrityProof",
            "eddsa-rdfc-2022",
            VM,
            ("freshness.bad_expires", "'tomorrow' is not an xsd:dateTime with a time zone"),
        ),
        # kills 145-150
        (
            _proof(cryptosuite="ecdsa-rdfc-2019"),
            "DataIntegrityProof",
            "ecdsa-rdfc-2019",
            VM,
            ("cryptosuite.key_mismatch", "ecdsa-rdfc-2019 needs a p256 key"),
        ),
    ],
)
def test_a_refused_presentation_proof_has_this_exact_outcome(
    proof: Any, ptype: str | None, suite: str | None, vm: str | None, issue: tuple[str, str]
) -> None:
    """Each way a holder's presentation proof is refused gives the report this exact code and
    message, and the outcome fields known by then (verify_authentication_proof mutants named
    on each case)."""
    outcome = check(proof)
    assert outcome.errors == [Issue(*issue)]
    assert outcome.type == ptype
    assert outcome.cryptosuite == suite
    assert outcome.verification_method == vm
    assert outcome.controller == (HOLDER if issue[0] == "cryptosuite.key_mismatch" else None)
    assert outcome.verified is False


def test_signing_a_presentation_with_the_wrong_key_type_is_refused_exactly() -> None:
    """A holder who signs with a key the suite cannot use gets cryptosuite.key_mismatch with
    the suite and both key types named (kills sign_presentation_di 6, 7, 8, 9, 10, 11)."""
    with pytest.raises(KeyMaterialError) as info:
        sign_presentation_di(
            presentation(),
            ED,
            ECDSA_RDFC_2019,
            verification_method=VM,
            challenge="c",
            created=NOW,
        )
    assert info.value.code == "cryptosuite.key_mismatch"
    assert info.value.message == "ecdsa-rdfc-2019 needs a p256 key, not ed25519"


def test_signing_a_presentation_for_an_empty_domain_is_refused() -> None:
    """The holder cannot sign for an empty domain (kills sign_presentation_di 2)."""
    with pytest.raises(MCBadgeError) as info:
        signed(domain="")
    assert info.value.code == "domain.bad_domain"
    assert info.value.message == "the domain must be a non-empty string"


def test_a_vcdm_2_presentation_keeps_its_context() -> None:
    """Only a VCDM 1.1 presentation gets the Data Integrity context added; a VCDM 2.0 one
    keeps its @context as it is (kills sign_presentation_di 19)."""
    assert signed()["@context"] == [V2]
    doc = presentation()
    doc["@context"] = [V1]
    out = sign_presentation_di(
        doc, ED, EDDSA_RDFC_2022, verification_method=VM, challenge="c", created=NOW
    )
    assert out["@context"] == [V1, DI_V2]


def test_signing_appends_to_a_proof_set_flat_and_writes_the_proof_last() -> None:
    """Signing a presentation that already has a proof set appends one proof to the set (not
    a set inside a set), and the presentation is written with its proof last (kills
    sign_presentation_di 15, 16, 69)."""
    doc = presentation()
    doc = {"proof": [{"id": "urn:a"}, {"id": "urn:b"}], **doc}
    out = sign_presentation_di(
        doc, ED, EDDSA_RDFC_2022, verification_method=VM, challenge="c", created=NOW
    )
    assert list(out) == ["@context", "type", "holder", "proof"]
    assert out["proof"][:2] == [{"id": "urn:a"}, {"id": "urn:b"}]
    assert len(out["proof"]) == 3
    assert out["proof"][2]["challenge"] == "c"
