"""What an issuer's Data Integrity signing writes and how a holder's VP-JWT header is read: the
proof configuration takes the credential's ``@context`` (never the proof's own) as its last
member, a credential signed again is written with its proof set last, and a VP-JWT header
names the ``vp`` form unless its typ is a VC-JOSE-COSE presentation's."""

from __future__ import annotations

from typing import Any

import pytest
from test_proofs_exact import ED, NOW, V2, credential

from mcbadge.did import did_for_key
from mcbadge.proofs import di, sign
from mcbadge.proofs.presentation import _check_header

ISSUER = did_for_key(ED)
OLD_PROOF = {"type": "DataIntegrityProof", "id": "urn:uuid:old-proof"}


def test_the_proof_configuration_takes_the_documents_context_last() -> None:
    """The proof configuration is the proof's options without ``proofValue`` and without the
    proof's own ``@context``, followed by the document's ``@context``: member order included,
    so the proof's ``@context`` never keeps its place among the options."""
    document = {"@context": [V2, "https://example.edu/ctx.json"], "name": "CS Pedagogy I"}
    options = {
        "@context": [V2],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofValue": "z3FXQ",
        "proofPurpose": "assertionMethod",
    }
    config = di.proof_config(document, options)
    assert list(config.items()) == [
        ("type", "DataIntegrityProof"),
        ("cryptosuite", "eddsa-rdfc-2022"),
        ("proofPurpose", "assertionMethod"),
        ("@context", [V2, "https://example.edu/ctx.json"]),
    ]
    assert config["@context"] is not document["@context"]


@pytest.mark.parametrize("existing", [OLD_PROOF, [OLD_PROOF]], ids=["one_proof", "proof_set"])
def test_a_credential_signed_again_is_written_with_its_proof_set_last(existing: Any) -> None:
    """Signing a credential whose ``proof`` comes before its other members appends the new
    proof to the set and writes ``proof`` as the credential's last member."""
    cred = credential(ISSUER)
    doc = {"proof": existing, **cred}
    signed = sign(doc, ED, format="eddsa-rdfc-2022", created=NOW).document
    assert list(signed) == [*cred, "proof"]
    old, new = signed["proof"]
    assert old == OLD_PROOF
    assert new["cryptosuite"] == "eddsa-rdfc-2022"
    assert new["created"] == "2025-06-01T12:00:00Z"
    assert {k: v for k, v in signed.items() if k != "proof"} == cred


@pytest.mark.parametrize(
    ("header", "form"),
    [
        ({"alg": "EdDSA", "typ": "JWT", "kid": "did:key:z#z"}, "vp"),
        ({"alg": "ES256", "kid": "did:key:z#z"}, "vp"),
        ({"alg": "EdDSA", "typ": "vp+ld+jwt", "kid": "did:key:z#z"}, "vp+jwt"),
        ({"alg": "RS256", "typ": "vp+jwt", "cty": "vp", "kid": "did:key:z#z"}, "vp+jwt"),
    ],
    ids=["typ_jwt", "no_typ", "typ_vp_ld_jwt", "typ_vp_jwt"],
)
def test_a_vp_jwt_header_names_its_alg_and_form(header: dict[str, Any], form: str) -> None:
    """An acceptable VP-JWT header gives its alg and the form its typ announces: ``vp+jwt``
    for a VC-JOSE-COSE typ, else ``vp`` (the VC-JWT 1.1 ``vp`` claim), spelt exactly so."""
    assert _check_header(header) == (header["alg"], form)
