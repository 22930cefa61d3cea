"""Hostile CLR 2.0 learner records: a good outer proof never hides a bad credential inside.

Each case builds a record whose outer ClrCredential is signed by an assembler (a registrar, not
the nested issuers) and asserts the bundle verdict, the exit code, where the failure is
(``failed_locations``) and the nested check id / code, through the library and the CLI.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, NOW, FakeHost, make_credential
from _signer import ed25519_key, jwt_payload, sign_di, sign_jwt
from _status_kit import LIST_URL, status_entry, status_list

import mcbadge
from mcbadge.cli import main
from mcbadge.clr import clr_document
from mcbadge.multibase import b64url_decode, b64url_encode
from mcbadge.verify import BundleResult, VerificationPolicy, exit_code_for

ASSEMBLER_KEY = ed25519_key(77)
OTHER_ISSUER = ed25519_key(78)
AT = "/credentialSubject/verifiableCredential"
CLI_NOW = "2026-06-01T00:00:00Z"


def _nested(key: Any = ISSUER_KEY, number: int = 1, **overrides: Any) -> dict[str, Any]:
    credential = make_credential(key, **overrides)
    credential["id"] = f"urn:uuid:7f0d0a2e-1111-4c1e-9c55-00000000010{number}"
    credential["credentialSubject"] = copy.deepcopy(credential["credentialSubject"])
    credential["credentialSubject"]["achievement"]["id"] = f"https://academy.example/a/{number}"
    return sign_di(credential, key)


def _record(entries: list[Any], *, sign: bool = True, **overrides: Any) -> dict[str, Any]:
    """A CLR over ``entries`` (embedded as given), signed by the assembler."""
    good = [_nested(number=1), _nested(OTHER_ISSUER, number=2)]
    record = clr_document(good, issuer=ASSEMBLER_KEY.did, valid_from=NOW.replace(month=1))
    record["credentialSubject"]["verifiableCredential"] = entries
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        # the CLR JSON Schema wants objects (build_clr names no schema for such a record)
        del record["credentialSchema"]
    record.update(overrides)
    return sign_di(record, ASSEMBLER_KEY) if sign else record


def _verify(record: Any, **options: Any) -> tuple[int, BundleResult]:
    result = mcbadge.verify_clr(record, VerificationPolicy(now=NOW, offline=True, **options))
    return exit_code_for(result), result


def _cli(tmp_path: Path, record: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    code = main(["verify", "--offline", "--format", "json", "--now", CLI_NOW, str(path)])
    return code, json.loads(capsys.readouterr().out)


def _failed(result: Any) -> list[tuple[str, str]]:
    return [(check.id, check.code) for check in result.checks if check.status == "failed"]


def test_a_good_record_from_an_assembler_who_issued_nothing_inside_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record([_nested(number=1), _nested(OTHER_ISSUER, number=2)])
    code, result = _verify(record)
    assert code == 0
    assert result.outer.verified
    assert [item.location for item in result.nested] == [f"{AT}/0", f"{AT}/1"]
    assert all(item.result.verified for item in result.nested)
    # each nested credential is judged against its own issuer, not the assembler
    assert result.nested[1].result.summary.issuer_id == OTHER_ISSUER.did
    cli_code, report = _cli(tmp_path, record, capsys)
    assert cli_code == 0
    assert report["kind"] == "clr"
    assert report["verified"] is True


def test_a_nested_credential_tampered_under_a_good_outer_proof_fails_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = _nested(OTHER_ISSUER, number=2)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Placement CS A"
    record = _record([_nested(number=1), tampered])  # the assembler signs over the tampering
    code, result = _verify(record)
    assert code == 1
    assert result.outer.verified  # the outer proof is good ...
    assert result.failed_locations == [f"{AT}/1"]  # ... and the bad credential is named
    assert _failed(result.nested[1].result) == [("signature", "signature.invalid")]
    assert result.nested[0].result.verified
    cli_code, report = _cli(tmp_path, record, capsys)
    assert cli_code == 1
    assert report["failed_locations"] == [f"{AT}/1"]
    assert report["nested"][1]["failed_checks"] == ["signature"]


def test_a_tampered_nested_vc_jwt_fails_on_its_own_signature() -> None:
    token = sign_jwt(jwt_payload(make_credential(ISSUER_KEY)), ISSUER_KEY)
    head, body, signature = token.split(".")
    payload = json.loads(b64url_decode(body))
    payload["name"] = "Something else"
    body = b64url_encode(json.dumps(payload).encode())
    forged = f"{head}.{body}.{signature}"
    code, result = _verify(_record([token, forged]))
    assert code == 1
    assert result.outer.verified
    assert result.nested[0].result.verified
    assert result.failed_locations == [f"{AT}/1"]
    assert ("signature", "signature.invalid") in _failed(result.nested[1].result)


def test_an_expired_nested_credential_fails_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = _nested(number=2, validUntil="2026-03-01T00:00:00Z")
    record = _record([_nested(number=1), expired])
    code, result = _verify(record)
    assert code == 1
    assert result.failed_locations == [f"{AT}/1"]
    assert _failed(result.nested[1].result) == [("validity", "validity.expired")]
    cli_code, report = _cli(tmp_path, record, capsys)
    assert cli_code == 1
    assert report["nested"][1]["failed_checks"] == ["validity"]


def test_a_revoked_nested_credential_fails_the_record_and_an_unreachable_list_is_exit_2() -> None:
    revoked = _nested(number=2, credentialStatus=status_entry(index=42))
    record = _record([_nested(number=1), revoked])
    host = FakeHost()
    host.put(LIST_URL, status_list((42,)))
    result = mcbadge.verify_clr(record, VerificationPolicy(now=NOW, fetcher=host))
    assert exit_code_for(result) == 1
    assert result.failed_locations == [f"{AT}/1"]
    assert _failed(result.nested[1].result) == [("status", "status.revoked")]
    assert result.nested[1].result.summary.status_state == "revoked"
    # the same record when the list cannot be fetched: undecided, never verified
    undecided = mcbadge.verify_clr(record, VerificationPolicy(now=NOW, fetcher=FakeHost()))
    assert exit_code_for(undecided) == 2
    assert undecided.indeterminate
    assert not undecided.verified
    assert undecided.failed_locations == [f"{AT}/1"]


def test_a_tampered_outer_record_fails_and_still_reports_every_nested_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record([_nested(number=1), _nested(OTHER_ISSUER, number=2)])
    record["name"] = "Master Teacher Record"  # after the assembler signed
    code, result = _verify(record)
    assert code == 1
    assert result.failed_locations == [""]
    assert _failed(result.outer) == [("signature", "signature.invalid")]
    assert len(result.nested) == 2
    assert all(item.result.verified for item in result.nested)
    cli_code, report = _cli(tmp_path, record, capsys)
    assert cli_code == 1
    assert report["outer"]["failed_checks"] == ["signature"]
    assert len(report["nested"]) == 2


def test_an_unsigned_record_of_good_credentials_does_not_verify() -> None:
    code, result = _verify(_record([_nested(number=1)], sign=False))
    assert code == 1
    assert _failed(result.outer) == [("proof", "proof.missing")]
    assert result.nested[0].result.verified


def test_an_outer_proof_by_a_key_not_the_assemblers_fails_key_binding() -> None:
    record = _record([_nested(number=1)], sign=False)
    forged = sign_di(record, ATTACKER_KEY, vm=f"{ASSEMBLER_KEY.did}#{ATTACKER_KEY.multikey}")
    code, result = _verify(forged)
    assert code == 1
    assert result.failed_locations == [""]
    assert result.outer.check("key_resolution").status == "failed"


@pytest.mark.parametrize(
    ("held", "outer_code", "nested_failure"),
    [
        (42, "data_model.invalid", ("input", "input.not_object")),
        ("not a credential", "data_model.invalid", ("input", "input.malformed")),
        # one object is a valid "one credential" form; it fails on its own as a credential
        ({"hello": "world"}, "data_model.ok", ("data_model", "data_model.invalid")),
    ],
)
def test_a_nested_value_that_is_not_a_list_is_judged_and_named(
    held: Any, outer_code: str, nested_failure: tuple[str, str]
) -> None:
    code, result = _verify(_record(held))
    assert code == 1
    assert result.outer.check("data_model").code == outer_code
    assert [item.location for item in result.nested] == [AT]
    assert _failed(result.nested[0].result)[0] == nested_failure


def test_garbage_entries_each_get_their_own_failed_result() -> None:
    entries: list[Any] = [_nested(number=1), 7, None, [], "plain text", "a.b", {"x": 1}]
    code, result = _verify(_record(entries))
    assert code == 1
    assert result.outer.check("data_model").status == "failed"
    codes = [item.result.check("input").code for item in result.nested]
    assert codes == [
        "input.ok",
        "input.not_object",
        "input.not_object",
        "input.not_object",
        "input.malformed",
        "input.malformed",
        "input.ok",
    ]
    assert result.nested[0].result.verified
    assert result.nested[6].result.check("data_model").code == "data_model.invalid"
    assert result.failed_locations == ["", *(f"{AT}/{n}" for n in range(1, 7))]


def test_an_empty_credential_list_is_refused_by_the_outer_data_model() -> None:
    code, result = _verify(_record([]))
    assert code == 1
    assert result.outer.check("data_model").status == "failed"
    assert result.nested == ()


def test_more_credentials_than_the_limit_fail_at_the_first_one_not_checked() -> None:
    from mcbadge.verify.clr import MAX_NESTED

    code, result = _verify(_record([0] * (MAX_NESTED + 5000), sign=False))
    assert code == 1
    assert len(result.nested) == MAX_NESTED + 1
    last = result.nested[-1]
    assert last.location == f"{AT}/{MAX_NESTED}"
    assert last.result.check("input").code == "input.too_many"
    assert f"holds {MAX_NESTED + 5000} credentials" in last.result.check("input").message


def test_a_record_nested_in_a_record_is_not_followed() -> None:
    inner = _record([_nested(number=1)])
    code, result = _verify(_record([inner]))
    assert code == 1
    assert result.nested[0].result.check("input").code == "input.clr"


def test_trusted_issuers_judge_the_nested_issuers_not_the_assembler() -> None:
    record = _record([_nested(number=1), _nested(OTHER_ISSUER, number=2)])
    code, result = _verify(record, trusted_issuers=frozenset({ISSUER_KEY.did}))
    assert code == 1
    assert result.outer.verified  # the assembler is not on the list and need not be
    assert result.failed_locations == [f"{AT}/1"]
    assert _failed(result.nested[1].result) == [("key_binding", "key_binding.untrusted_issuer")]


def test_verify_refuses_a_record_instead_of_skipping_what_is_inside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = _nested(number=2)
    tampered["name"] = "changed"
    record = _record([_nested(number=1), tampered])
    single = mcbadge.verify(record, VerificationPolicy(now=NOW, offline=True))
    assert not single.verified
    assert _failed(single) == [("input", "input.clr")]
    assert "verify_clr" in single.check("input").message
    # the CLI reads the same file as a record and fails it for the credential inside
    cli_code, report = _cli(tmp_path, record, capsys)
    assert cli_code == 1
    assert report["failed_locations"] == [f"{AT}/1"]


def test_a_record_of_300_credentials_gets_its_verdict_in_bounds(tmp_path: Path) -> None:
    """Time and memory scale with the credentials inside: 300 signed credentials (one tampered)
    under a good outer proof are judged by the CLI in a time- and memory-bounded child."""
    import resource
    import subprocess
    import sys

    signed = [_nested(number=n) for n in range(9)]
    entries = [signed[n % 9] for n in range(300)]
    entries[123] = copy.deepcopy(entries[123])
    entries[123]["name"] = "changed"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_record(entries)), encoding="utf-8")
    limit = 1536 * 1024 * 1024

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcbadge",
            "verify",
            "--offline",
            "--format",
            "json",
            "--now",
            CLI_NOW,
            str(path),
        ],
        capture_output=True,
        timeout=60,
        preexec_fn=bounded,
        check=False,
    )
    report = json.loads(child.stdout)
    assert child.returncode == 1
    assert report["outer"]["verified"] is True
    assert len(report["nested"]) == 300
    assert report["failed_locations"] == [f"{AT}/123"]
