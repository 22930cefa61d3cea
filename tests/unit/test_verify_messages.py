"""What a person reads: input messages, the wording of checks that were not run, the verdict
and exit code of mixed results, the text report's Why and Status lines, and crash handling."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest
from test_verify import credential, policy

from mcbadge.verify import Check, Summary, VerificationResult, exit_code_for, render_text, verify
from mcbadge.verify.result import CHECK_IDS


def _result(*changes: Check) -> VerificationResult:
    by_id = {c.id: c for c in changes}
    checks = tuple(by_id.get(cid) or Check(cid, "passed", f"{cid}.ok", "fine") for cid in CHECK_IDS)
    return VerificationResult(checks, Summary(issuer_id="did:example:i"))


def test_a_definite_failure_beside_an_undecided_check_is_a_failure() -> None:
    result = _result(
        Check("status_retrieval", "failed", "status_retrieval.unreachable", "down", True),
        Check("recipient", "failed", "recipient.mismatch", "not them"),
    )
    assert (result.verified, result.indeterminate, exit_code_for(result)) == (False, False, 1)
    assert render_text(result).startswith("NOT VERIFIED")
    assert "Why:         recipient: not them" in render_text(result)
    undecided = _result(
        Check("status_retrieval", "failed", "status_retrieval.unreachable", "down", True)
    )
    assert (undecided.verified, undecided.indeterminate, exit_code_for(undecided)) == (
        False,
        True,
        2,
    )
    assert "Why:         could not be checked: status_retrieval: down" in render_text(undecided)


@pytest.mark.parametrize("position", [8, 40, 63])
def test_an_identity_hash_that_differs_after_its_first_digits_does_not_match(
    position: int,
) -> None:
    document = credential()
    identity = document["credentialSubject"]["identifier"][0]
    digest = hashlib.sha256(b"teacher@example.org" + b"pepper").hexdigest()
    flipped = digest[:position] + ("0" if digest[position] != "0" else "1") + digest[position + 1 :]
    identity["identityHash"] = "sha256$" + flipped
    result = verify(document, policy(expected_recipient="teacher@example.org"))
    assert result.check("recipient").code == "recipient.mismatch"
    identity["identityHash"] = "sha256$" + digest[:position]  # a prefix is not the hash
    result = verify(document, policy(expected_recipient="teacher@example.org"))
    assert result.check("recipient").code == "recipient.mismatch"
    identity["identityHash"] = "sha256$" + digest.upper()  # hex case does not matter
    result = verify(document, policy(expected_recipient="teacher@example.org"))
    assert result.check("recipient").status == "passed"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"", "the document is empty"),
        (b" \n\t", "the document is empty (it holds only white space)"),
        ("", "the document is empty"),
        (b"hello", "the document is not a credential"),
    ],
)
def test_empty_and_non_credential_text_say_so(document: Any, message: str) -> None:
    result = verify(document, policy())
    assert result.failed_checks == ["input"]
    assert result.check("input").code == "input.malformed"
    assert result.check("input").message.startswith(message)
    assert "Expecting value" not in result.check("input").message


def test_a_truncated_jwt_is_a_malformed_jwt_not_bad_json() -> None:
    header = "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDprZXk6ejZNayJ9"
    for token in (header, f"{header}.eyJpc3MiOiJkaWQ6a2V5", f"{header}.eyJpc3MiOiJk."[:60]):
        result = verify(token, policy())
        assert result.failed_checks == ["jwt"], token
        assert result.check("jwt").code == "jwt.malformed"
        assert result.check("input").code == "input.ok"
        assert result.check("data_model").message == "not reached: the JWT could not be decoded"
    assert "this one has 2" in verify(f"{header}.eyJpc3MiOiJk", policy()).check("jwt").message


def test_a_str_that_names_a_file_is_refused_and_a_path_is_read(tmp_path: Path) -> None:
    path = tmp_path / "badge.json"
    path.write_text("{}", encoding="utf-8")
    for text in (str(path), "badge.png", "C:\\Users\\clerk\\badge", "  ./badge.svg\n"):
        with pytest.raises(TypeError, match="looks like a file name"):
            verify(text, policy())
    assert verify(path, policy()).check("input").status == "passed"
    # text that merely mentions a file is still read as the document
    assert verify('{"note": "see badge.png"}', policy()).check("input").status == "passed"


def test_a_path_like_str_inside_a_document_is_data_not_a_programmer_error() -> None:
    # The parser nested documents go through (endorsements, status lists) never raises
    # TypeError: only the public verify() refuses a str that names a file.
    from mcbadge.errors import InputError
    from mcbadge.verify._input import parse_input

    with pytest.raises(InputError) as refused:
        parse_input("../../etc/badge.json")
    assert refused.value.code == "input.malformed"


def test_unread_input_has_no_status_line_and_says_not_checked() -> None:
    result = verify(b"", policy())
    assert result.summary.status_state == "not_checked"
    text = render_text(result)
    assert "Status" not in text
    assert "unknown" not in text


def test_status_after_an_earlier_failure_is_not_checked_and_named() -> None:
    document = credential(credentialStatus={"id": "https://s.example/1#3", "type": "X"})
    result = verify(document, policy())  # the signature cannot verify (bogus key)
    assert result.summary.status_state == "not_checked"
    status = result.check("status")
    assert status.code == "status.not_reached"
    assert status.message.startswith("not checked: ")
    assert "failed" in status.message
    assert "already failed" not in status.message
    assert f"Status:      {status.message}" in render_text(result)


def test_skipped_checks_after_an_undecided_check_do_not_say_failed() -> None:
    document = credential()
    document["issuer"]["id"] = "did:web:issuer.example"
    document["proof"][0]["verificationMethod"] = "did:web:issuer.example#key-1"
    result = verify(document, policy())  # offline: the did:web key cannot be fetched
    assert result.check("key_resolution").indeterminate
    assert (result.indeterminate, exit_code_for(result)) == (True, 2)
    for cid in ("status", "status_retrieval", "endorsements", "signature"):
        message = result.check(cid).message
        assert "key_resolution could not be decided" in message, (cid, message)
        assert "failed" not in message, (cid, message)
    binding = result.check("key_binding")
    assert (binding.status, binding.code) == ("skipped", "key_binding.not_reached")
    assert "not confirmed" in binding.message


def test_key_binding_never_reads_passed_beside_a_failed_signature() -> None:
    result = verify(credential(), policy())  # the proofValue does not verify
    assert result.check("signature").status == "failed"
    assert result.check("key_binding").status != "passed"


def test_a_crashing_check_logs_its_traceback_at_debug_level_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import mcbadge.verify.pipeline as pipeline

    def explode(ctx: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(pipeline, "check_recipient", explode)
    caplog.set_level(logging.DEBUG, logger="mcbadge")
    result = verify(credential(), policy())
    check = result.check("recipient")
    assert check.code == "recipient.internal_error"
    assert "internal error (ZeroDivisionError)" in check.message
    crashed = [r for r in caplog.records if r.exc_info]
    assert crashed
    assert all(r.levelno == logging.DEBUG for r in crashed)


def test_a_typed_error_escaping_a_check_family_fails_the_check_it_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mcbadge.verify.pipeline as pipeline
    from mcbadge.errors import MCBadgeError

    def escape(ctx: Any) -> Any:
        raise MCBadgeError("the key went away", code="key_resolution.gone")

    monkeypatch.setattr(pipeline, "run_proof_checks", escape)
    result = verify(credential(), policy())
    assert result.check("key_resolution").code == "key_resolution.gone"
    assert result.check("signature").code == "signature.not_reached"
