"""Behaviour of the verifier that the 2026-12-05 mutation round of verify/ found untested, in
the modules outside the status, input, proof-check and pipeline groups (the survivors of
verify/_network.py, clr.py, report.py, result.py, document.py, files.py, detect.py,
_list_cache.py and checks_proof._jwt_data_loss). Most of those survivors are equivalent,
unreachable or only change debug logging; the three below changed what a user sees while no
test failed. Each test pins the rule, and the mutants it kills are named in its docstring
(numbers are those of the round's scratch copy, made by mutmut at 8d0e924)."""

from __future__ import annotations

from typing import Any

import pytest
from test_verify_exact import NOW, credential, jwt

from mcbadge.verify import Check, VerificationPolicy, verify

OFFLINE = VerificationPolicy(now=NOW, offline=True)
BUDGET_EXCEEDED = (
    "the credential is too large for the general JSON-LD processor (it needs that processor, "
    "and has over 5,000 JSON values or arrays too long); whether its terms are defined could "
    "not be checked"
)


def _over_json_ld_budget() -> dict[str, Any]:
    """A credential whose 1,500 language-tagged names need the general JSON-LD processor and
    are over its work budget (its name is not a plain string, so data_model fails too)."""
    doc = credential()
    doc["name"] = [{"@value": f"n{i}", "@language": "en"} for i in range(1_500)]
    return doc


def test_a_vc_jwt_over_the_json_ld_budget_says_its_terms_could_not_be_checked() -> None:
    """A VC-JWT whose credential is too large for the JSON-LD work budget fails `data_loss`
    (`data_loss.budget_exceeded`, not a warning: "we could not tell" is not a pass), and the
    report says why and that whether its terms are defined could not be checked.
    Kills checks_proof._jwt_data_loss 21 (the failure's message lost: None)."""
    result = verify(jwt(_over_json_ld_budget()), OFFLINE)
    assert result.verified is False
    assert result.failed_checks == ["data_model", "data_loss"]
    assert result.check("data_loss") == Check(
        "data_loss", "failed", "data_loss.budget_exceeded", BUDGET_EXCEEDED
    )


def test_asking_a_result_for_an_unknown_check_names_that_id_in_the_key_error() -> None:
    """`VerificationResult.check` with an id the report does not have (a misspelt
    "signatures") raises KeyError naming that id, so the caller sees which id was wrong.
    Kills result.VerificationResult.check 2 (KeyError(None))."""
    result = verify(credential(), OFFLINE)
    assert result.check("signature").id == "signature"
    with pytest.raises(KeyError) as caught:
        result.check("signatures")
    assert caught.value.args == ("signatures",)


def test_one_verification_s_fetches_are_bounded_by_the_policy_s_count_and_seconds() -> None:
    """A verification that may fetch (status lists, did:web documents) sees the caller's
    fetcher through a budget: at most `max_fetches` documents, and no new fetch once
    `fetch_seconds` have passed, so a slow provider cannot hold a verification (or a
    service's thread) for long. Kills _network.budgeted 4 (the time bound dropped)."""
    from mcbadge.net import FetchBudget
    from mcbadge.verify._network import budgeted

    class Host:
        def get(self, url: str) -> bytes:
            raise AssertionError("not fetched here")

    policy = VerificationPolicy(max_fetches=7, fetch_seconds=2.5)
    budget = budgeted(Host(), policy)
    assert isinstance(budget, FetchBudget)
    assert (budget.max_documents, budget.seconds) == (7, 2.5)
    assert budgeted(None, policy) is None
