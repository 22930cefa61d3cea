"""Presentation rules that the 2026-12-05 mutation round of verify/ found untested
(src/mcbadge/verify/presentation.py, docs/security.md, "Mutation testing").

None of the 75 surviving mutants of that module changes what a real presentation gets: each is
equivalent or sits behind an earlier check (docs/mutation-survivors.md). Three fail-closed
safety nets of ``_run`` are among them, though. They cannot be reached today, and were one
reached with its mutant in place, the presentation would read "verified" (a failure filed
under a check id the report does not list, or a signature check left as passed). These tests
reach each safety net by standing in for the layer below it, as
``test_verify_fail_open_guards.py`` does for the credential verifier's reader.
"""

from __future__ import annotations

from typing import Any

import pytest
import test_presentation_exact as di_vp
import test_presentation_jwt_exact as jwt_vp

import mcbadge.verify.presentation as presentation
from mcbadge.errors import MCBadgeError
from mcbadge.proofs.presentation import verify_presentation_jwt
from mcbadge.verify import PRESENTATION_CHECK_IDS, Summary, verify_presentation
from mcbadge.verify.result import BundleResult


def _row(result: BundleResult, cid: str) -> tuple[str, str, str, str, bool]:
    check = result.outer.check(cid)
    assert check is not None
    return (check.id, check.status, check.code, check.message, check.indeterminate)


@pytest.mark.parametrize("code", ["strange.thing", "error"])
def test_a_reading_error_under_any_code_fails_the_presentations_input_check(
    monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    """A presentation that cannot be read fails `input` whatever code the reader's error has:
    one that names no check of the presentation report (`strange.thing`, or a bare
    MCBadgeError's `error`) is filed as `input.<code>`, every other check "not reached".
    Filed under the code's own prefix, the failure would vanish from the report and the
    presentation would read verified. Kills `presentation._run` 15 and 21/22 (those read
    verified) and 25 (`error` has no detail after a dot: an internal error instead)."""

    def refuse(document: object) -> Any:
        raise MCBadgeError("the reader gave up", code=code)

    monkeypatch.setattr(presentation, "parse_input", refuse)
    result = verify_presentation(di_vp.GOOD_VP, di_vp.policy())
    reason = "not reached: the presentation could not be read"
    assert [(c.id, c.status, c.code, c.message, c.indeterminate) for c in result.outer.checks] == [
        ("input", "failed", f"input.{code}", "the reader gave up", False),
        *[
            (cid, "skipped", f"{cid}.not_reached", reason, False)
            for cid in PRESENTATION_CHECK_IDS[1:]
        ],
    ]
    assert result.outer.summary == Summary()
    assert result.nested == ()
    assert not result.verified


def test_a_vp_jwt_whose_signer_is_unknown_fails_signature_though_nothing_else_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A VP-JWT is verified only when its JWS names who signed it: should the proof layer
    report no error and no signer, `signature` fails `signature.not_verified` ("never a pass
    by omission") and the holder is not bound. Kills `presentation._run` 96-111 (96-98 leave
    `signature` passed or not reported, and the presentation reads verified)."""
    token = jwt_vp.vp_jwt()
    assert verify_presentation(token, jwt_vp.policy()).verified  # the same token, untouched

    def unnamed(jws: str, resolver: Any) -> Any:
        outcome, header, payload, vp = verify_presentation_jwt(jws, resolver)
        assert outcome.errors == []
        outcome.controller = None
        return outcome, header, payload, vp

    monkeypatch.setattr(presentation, "verify_presentation_jwt", unnamed)
    result = verify_presentation(token, jwt_vp.policy())
    assert _row(result, "signature") == (
        "signature",
        "failed",
        "signature.not_verified",
        "the presentation's JWT was not verified",
        False,
    )
    assert result.outer.failed_checks == ["signature"]
    assert _row(result, "holder_binding") == (
        "holder_binding",
        "skipped",
        "holder_binding.not_reached",
        "not checked: the presentation's proof failed",
        False,
    )
    assert not result.verified


def test_a_data_integrity_proof_not_confirmed_fails_signature_though_nothing_else_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Data Integrity presentation is verified only when its proof was confirmed: should the
    proof checks pass every check yet not confirm the signature, `signature` fails
    `signature.not_verified` ("never a pass by omission"). Kills `presentation._run` 201-215
    (201-203 leave `signature` passed or not reported, and the presentation reads verified)."""
    assert verify_presentation(di_vp.GOOD_VP, di_vp.policy()).verified  # untouched: verified
    real = presentation._proof_checks

    def unconfirmed(read: Any, resolver: Any, policy: Any, now: Any) -> Any:
        checks, signer, signed = real(read, resolver, policy, now)
        assert signed
        return checks, signer, False

    monkeypatch.setattr(presentation, "_proof_checks", unconfirmed)
    result = verify_presentation(di_vp.GOOD_VP, di_vp.policy())
    assert _row(result, "signature") == (
        "signature",
        "failed",
        "signature.not_verified",
        "the presentation's proof was not verified",
        False,
    )
    assert result.outer.failed_checks == ["signature"]
    assert not result.verified
