"""Behaviour of the verifier's structural data model rules (verify/checks_local.py,
structural_problems) that the 2026-12-05 mutation round of verify/ found untested: who must
have an issuer id, which subjects need an id or an identifier, and the exact sentences the
`data_model` check says about them. One survivor (structural_problems 79) made the verifier
say "verified" for a credential whose issuer id is the empty string (FAIL-OPEN, below). Each
test pins one rule, and the mutants it kills are named in its docstring (numbers are those of
the round's scratch copy, made by mutmut at 8d0e924). The other survivors of this list
(_scan 2 and 3; structural_problems 53-56, the message of a nested endorsement's own
data_model check, which no report shows) are equivalent or not observable."""

from __future__ import annotations

from typing import Any

import pytest
from test_verify_exact import ED, NOW, credential, di, endorsement, header, raw_jwt, status_list

from mcbadge.verify import Check, VerificationPolicy, verify, verify_clr
from mcbadge.verify.document import document_checks

OFFLINE = VerificationPolicy(now=NOW, offline=True)
EMBEDDED = VerificationPolicy(now=NOW, offline=True, trust_embedded_keys=True)
NO_ISSUER_ID = Check("data_model", "failed", "data_model.invalid", "issuer must have an id")
NO_SUBJECT_ID = Check(
    "data_model",
    "failed",
    "data_model.invalid",
    "credentialSubject needs an id or at least one identifier",
)
EMPTY_ISSUERS = pytest.mark.parametrize(
    "issuer",
    ["", {"id": "", "type": ["Profile"], "name": "Nobody"}],
    ids=["url", "profile"],
)


def _vc_jose(doc: dict[str, Any]) -> str:
    """``doc`` as a VC-JOSE-COSE credential (``typ: vc+jwt``, no ``iss`` claim, which that
    format makes optional) signed by ED, whose public key rides in the header (``jwk``)."""
    return raw_jwt(header(typ="vc+jwt", kid=None, jwk=ED.public_jwk()), doc)


# ---------------------------------------------------------------- issuer


@EMPTY_ISSUERS
def test_a_credential_whose_issuer_id_is_empty_is_not_verified(issuer: Any) -> None:
    """FAIL-OPEN guard. An Open Badges credential must name its issuer: an issuer id that is
    the empty string (the issuer given as "" or as a profile with id "") fails `data_model`
    ("issuer must have an id"), so the credential is not verified, even when the policy
    trusts the key a VC-JOSE-COSE credential carries in its own header (which then binds the
    key to no issuer at all). The same credential with its issuer's DID verifies.
    Kills structural_problems 79 (`or` -> `and`: only a missing or non-string issuer id was
    refused, so data_model passed and the credential read as verified)."""
    doc = credential()
    doc["issuer"] = issuer
    result = verify(_vc_jose(doc), EMBEDDED)
    assert result.verified is False
    assert result.failed_checks == ["data_model"]
    assert result.check("data_model") == NO_ISSUER_ID
    assert verify(_vc_jose(credential()), EMBEDDED).verified is True


@EMPTY_ISSUERS
def test_the_signing_gate_refuses_a_credential_whose_issuer_id_is_empty(issuer: Any) -> None:
    """The issuer's signing gate (document checks of a builder-checked credential) refuses a
    credential whose issuer id is the empty string: `data_model` fails, "issuer must have an
    id". Kills structural_problems 79 (the structural check passed it)."""
    doc = credential()
    doc["issuer"] = issuer
    assert document_checks(doc, now=NOW, model_checked=True)[0] == NO_ISSUER_ID


@pytest.mark.parametrize(
    "issuer",
    [{"type": ["Profile"], "name": "Example Teacher Academy"}, "", {"id": "", "type": "Profile"}],
    ids=["no-id", "empty-string", "empty-id"],
)
def test_a_status_list_credential_without_an_issuer_id_fails_its_data_model(issuer: Any) -> None:
    """A status list credential must name its issuer: the document checks the issuer runs on
    one whose issuer has no id, or an empty one, fail `data_model` with "issuer must have an
    id" (an empty id passed before: the status list rule alone tested only for a string).
    Kills structural_problems 37 (the problem was None: joining the report's message raised
    TypeError out of document_checks), 38 and 39 (the sentence changed)."""
    doc = status_list(signed="no")
    doc["issuer"] = issuer
    assert document_checks(doc, now=NOW)[0] == NO_ISSUER_ID


# ---------------------------------------------------------------- CLR


def test_a_plain_credential_given_as_a_clr_fails_the_record_s_data_model() -> None:
    """A plain Open Badges credential handed to verify_clr is no CLR learner record: the
    record's (outer) `data_model` check fails with exactly "a CLR learner record must be a
    ClrCredential". Kills structural_problems 65 (the sentence changed)."""
    result = verify_clr(di(credential()), OFFLINE)
    assert result.outer.check("data_model") == Check(
        "data_model",
        "failed",
        "data_model.invalid",
        "a CLR learner record must be a ClrCredential",
    )


# ---------------------------------------------------------------- subjects


def test_a_credential_whose_subject_has_no_id_nor_identifier_fails_its_data_model() -> None:
    """An Open Badges credential's subject (the recipient) needs an id or at least one
    identifier: one with neither fails `data_model` with exactly that sentence and the code
    `data_model.invalid`, the structural rule's, before the typed model is consulted.
    Kills structural_problems 99 (the rule applied to endorsements only: the typed model's
    `data_model.missing_subject_id` and its sentence were reported instead) and 107, 108,
    109 (the sentence changed)."""
    doc = credential()
    del doc["credentialSubject"]["id"]
    result = verify(di(doc), OFFLINE)
    assert result.failed_checks == ["data_model"]
    assert result.check("data_model") == NO_SUBJECT_ID


def test_the_signing_gate_refuses_a_subject_without_id_nor_identifier() -> None:
    """The issuer's signing gate (structure only: the builder ran the typed model) refuses a
    credential whose subject has neither an id nor an identifier, so no award is signed for
    nobody. Kills structural_problems 99 (the gate passed it: follows the data model) and
    107, 108, 109 (the sentence changed)."""
    doc = credential()
    del doc["credentialSubject"]["id"]
    assert document_checks(doc, now=NOW, model_checked=True)[0] == NO_SUBJECT_ID


def test_an_endorsement_s_subject_is_judged_by_the_endorsement_model() -> None:
    """An EndorsementCredential's subject is what is endorsed, not a recipient: the "needs an
    id or at least one identifier" rule does not apply to it. One without an id fails
    `data_model` on the endorsement model's own rule, "credentialSubject.id: Field
    required". Kills structural_problems 96, 97, 98 (the exemption's type name misspelled,
    so endorsements got the recipient rule) and 99 (the rule applied to endorsements only)."""
    doc = endorsement()
    del doc["credentialSubject"]["id"]
    assert verify(doc, OFFLINE).check("data_model") == Check(
        "data_model", "failed", "data_model.invalid", "credentialSubject.id: Field required"
    )
