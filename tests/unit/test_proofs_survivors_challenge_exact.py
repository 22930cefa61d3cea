"""The holder-side signer's refusal of a missing challenge or a bad domain, exactly: the
behaviour of ``mcbadge.proofs.presentation._check_challenge`` (run by both presentation
signers, Data Integrity and VP-JWT, under ``mcbadge.present`` and ``mcbadge.sign_presentation``)
that the 2026-12-05 mutation round of ``proofs/`` found untested.

A presentation must answer the verifier's challenge: a holder asked to sign one without a
challenge (or with an empty or non-string one) is refused with ``challenge.missing`` and an
exact message, whatever the format. A domain, when given, must be a non-empty string: the Data
Integrity signer refuses anything else with ``domain.bad_domain`` (the VP-JWT signer's refusal
of an empty domain is pinned in ``test_proofs_survivors_vp_jwt_exact.py``).
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from test_verify_exact import NOW, _ed, credential, di

from mcbadge.did import did_for_key
from mcbadge.errors import MCBadgeError
from mcbadge.present import present

HOLDER = _ed(7)
BADGE = di(credential(credentialSubject={"id": did_for_key(HOLDER)}))
DOMAIN = "https://licensure.example"
NO_CHALLENGE = "a presentation must answer the verifier's challenge (a string)"
BAD_DOMAIN = "the domain must be a non-empty string"

Format = Literal["di", "eddsa-rdfc-2022", "jwt", "vp+jwt"]


@pytest.mark.parametrize("form", ["di", "eddsa-rdfc-2022", "jwt", "vp+jwt"])
@pytest.mark.parametrize("challenge", ["", None, 7, ["office-challenge"]])
def test_a_presentation_without_a_challenge_is_refused(form: Format, challenge: Any) -> None:
    """A holder cannot sign a presentation that answers no challenge (empty, missing or not a
    string), in any format: the refusal is ``challenge.missing`` with its exact message.

    Kills _check_challenge 5 (the message None), 10 and 11 (the message changed)."""
    with pytest.raises(MCBadgeError) as caught:
        present([BADGE], HOLDER, challenge=challenge, domain=DOMAIN, format=form, now=NOW)
    assert caught.value.code == "challenge.missing"
    assert caught.value.message == NO_CHALLENGE
    assert str(caught.value) == NO_CHALLENGE


@pytest.mark.parametrize("form", ["di", "eddsa-rdfc-2022"])
@pytest.mark.parametrize("domain", ["", 5, {"id": DOMAIN}])
def test_a_di_presentation_for_a_bad_domain_is_refused(form: Format, domain: Any) -> None:
    """A Data Integrity presentation's domain, when given, names the verifier it is meant
    for: an empty or non-string domain is refused with ``domain.bad_domain`` and its exact
    message rather than signed into a proof no verifier can match.

    Kills _check_challenge 14 (``or`` -> ``and``: the empty string and non-empty non-strings
    pass), 17 and 19-22 (the code None, missing or changed; 19/20 raise TypeError), 18, 23 and 24
    (the message None or changed)."""
    with pytest.raises(MCBadgeError) as caught:
        present([BADGE], HOLDER, challenge="office-challenge", domain=domain, format=form, now=NOW)
    assert caught.value.code == "domain.bad_domain"
    assert caught.value.message == BAD_DOMAIN


@pytest.mark.parametrize(("form", "name"), [("di", "eddsa-rdfc-2022"), ("jwt", "jwt")])
def test_a_good_challenge_and_domain_are_signed(form: Format, name: str) -> None:
    """The control: the same holder, badge, challenge and domain sign without refusal, so the
    refusals above come from the challenge or the domain alone."""
    signed = present(
        [BADGE], HOLDER, challenge="office-challenge", domain=DOMAIN, format=form, now=NOW
    )
    assert signed.format == name
