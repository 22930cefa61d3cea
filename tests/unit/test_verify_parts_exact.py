"""The verifier's parts, exactly: result values and their JSON, the text report's marks and
sentences, policy refusals, date parsing, input reading, fetching, the status-list verdict cache,
batch verification and document checks. Each test pins what a surviving mutant changed (see
docs/security.md, "Mutation testing")."""

from __future__ import annotations

import json
import pickle
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_verify_exact import (
    ED,
    LIST_URL,
    NOW,
    OTHER,
    Host,
    credential,
    di,
    jwt,
    status_list,
    with_status,
)

from mcbadge.errors import FetchError, InputError, MCBadgeError, NetworkPolicyError
from mcbadge.verify import (
    CHECK_IDS,
    BundleResult,
    Check,
    NestedResult,
    Summary,
    VerificationPolicy,
    VerificationResult,
    _list_cache,
    _network,
    _util,
    exit_code_for,
    pipeline,
    render_text,
    verify,
    verify_many,
)
from mcbadge.verify._context import RunContext
from mcbadge.verify._input import (
    ParsedInput,
    decode_jws_parts,
    looks_like_jws,
    parse_input,
    refuse_path_like,
)
from mcbadge.verify.document import DOCUMENT_CHECK_IDS, document_checks
from mcbadge.verify.report import EXIT_FAILED, EXIT_INDETERMINATE, EXIT_OK

OFFLINE = VerificationPolicy(now=NOW, offline=True)


def _result(*checks: Check, summary: Summary | None = None) -> VerificationResult:
    given = {c.id: c for c in checks}
    return VerificationResult(
        tuple(given.get(cid) or Check(cid, "passed", f"{cid}.ok", "fine") for cid in CHECK_IDS),
        summary or Summary(),
    )


# ---------------------------------------------------------------- result values


def test_check_to_dict_and_pickle() -> None:
    check = Check("status", "failed", "status.x", "m", True)
    assert check.to_dict() == {
        "id": "status",
        "status": "failed",
        "code": "status.x",
        "message": "m",
        "indeterminate": True,
    }
    assert pickle.loads(pickle.dumps(check)) == check
    assert Check("a", "passed", "a.ok", "m").indeterminate is False


def test_summary_to_dict_and_pickle() -> None:
    summary = Summary("did:x", "Name", "Ach", "r", "2024", "2030", "active", "jwt", "urn:1", "aw")
    assert summary.to_dict() == {
        "issuer_id": "did:x",
        "issuer_name": "Name",
        "achievement_name": "Ach",
        "recipient": "r",
        "valid_from": "2024",
        "valid_until": "2030",
        "status_state": "active",
        "proof_format": "jwt",
        "credential_id": "urn:1",
        "awarded_date": "aw",
        "achievement_id": None,
        "achievement_type": None,
        "achieved_levels": [],
        "result_statuses": [],
        "evidence": [],
        "alignments": [],
        "teacher": None,
        "teacher_matched": None,
        "verification_method": None,
    }
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert Summary().status_state == "unknown"


def test_verification_result_properties() -> None:
    definite = Check("signature", "failed", "signature.invalid", "bad")
    undecided = Check("status", "failed", "status.x", "?", True)
    both = _result(definite, undecided)
    assert both.verified is False
    assert both.indeterminate is False
    assert both.failed_checks == ["signature", "status"]
    only_undecided = _result(undecided)
    assert only_undecided.indeterminate is True
    assert only_undecided.verified is False
    ok = _result()
    assert (ok.verified, ok.indeterminate, ok.failed_checks) == (True, False, [])
    assert ok.check("status").code == "status.ok"
    with pytest.raises(KeyError):
        ok.check("nope")
    assert pickle.loads(pickle.dumps(both)) == both
    warning_only = _result(Check("schema", "warning", "schema.w", "w"))
    assert warning_only.verified is True


def test_verification_result_to_dict_and_json() -> None:
    result = _result(
        Check("status", "failed", "status.x", "é", True), summary=Summary(issuer_id="did:x")
    )
    as_dict = result.to_dict()
    assert list(as_dict) == ["verified", "indeterminate", "failed_checks", "summary", "checks"]
    assert as_dict["verified"] is False
    assert as_dict["indeterminate"] is True
    assert as_dict["failed_checks"] == ["status"]
    assert as_dict["summary"]["issuer_id"] == "did:x"
    assert as_dict["checks"][CHECK_IDS.index("status")]["message"] == "é"
    text = result.to_json()
    assert "\n" not in text
    assert '"message":"é"' in text
    assert json.loads(text) == as_dict
    mixed = _result(
        Check("status", "failed", "status.x", "?", True), Check("input", "failed", "input.x", "x")
    )
    assert mixed.to_dict()["indeterminate"] is False
    assert _result().to_dict()["indeterminate"] is False


def test_bundle_result() -> None:
    good, bad = _result(), _result(Check("signature", "failed", "signature.invalid", "x"))
    undecided = _result(Check("status", "failed", "status.x", "?", True))
    bundle = BundleResult(
        "presentation", good, (NestedResult("/a", good), NestedResult("/b", undecided))
    )
    assert bundle.verified is False
    assert bundle.indeterminate is True
    assert bundle.failed_locations == ["/b"]
    assert exit_code_for(bundle) == EXIT_INDETERMINATE
    worse = BundleResult("clr", bad, (NestedResult("/b", undecided),))
    assert worse.indeterminate is False
    assert worse.failed_locations == ["", "/b"]
    assert exit_code_for(worse) == EXIT_FAILED
    as_dict = worse.to_dict()
    assert list(as_dict) == [
        "kind",
        "verified",
        "indeterminate",
        "failed_locations",
        "outer",
        "nested",
    ]
    assert as_dict["kind"] == "clr"
    assert as_dict["nested"][0]["location"] == "/b"
    assert as_dict["nested"][0]["verified"] is False
    assert json.loads(worse.to_json()) == as_dict
    assert "\n" not in worse.to_json()
    assert pickle.loads(pickle.dumps(worse)) == worse
    fine = BundleResult("clr", good)
    assert (fine.verified, fine.indeterminate, fine.failed_locations) == (True, False, [])
    assert exit_code_for(fine) == EXIT_OK
    assert NestedResult("/x", good).to_dict()["location"] == "/x"


# ---------------------------------------------------------------- the text report


def test_exit_codes() -> None:
    assert (EXIT_OK, EXIT_FAILED, EXIT_INDETERMINATE) == (0, 1, 2)


def test_render_text_marks_and_colour() -> None:
    result = _result(
        Check("signature", "failed", "signature.invalid", "bad"),
        Check("status", "failed", "status.x", "undecided", True),
        Check("schema", "warning", "schema.w", "warned"),
        Check("recipient", "skipped", "recipient.not_applicable", "skipped"),
    )
    lines = render_text(result).splitlines()
    assert lines[0] == "NOT VERIFIED"
    assert lines[1] == "  Why:         signature: bad"
    assert "  [FAIL] signature         bad (signature.invalid)" in lines
    assert "  [????] status            undecided (status.x)" in lines
    assert "  [warn] schema            warned (schema.w)" in lines
    assert "  [skip] recipient         skipped (recipient.not_applicable)" in lines
    assert "  [ok  ] input             fine (input.ok)" in lines
    coloured = render_text(result, colour=True).splitlines()
    assert "  [\x1b[31mFAIL\x1b[0m] signature         bad (signature.invalid)" in coloured
    assert "  [\x1b[31m????\x1b[0m] status            undecided (status.x)" in coloured
    assert "  [\x1b[33mwarn\x1b[0m] schema            warned (schema.w)" in coloured
    assert "  [\x1b[2mskip\x1b[0m] recipient         skipped (recipient.not_applicable)" in coloured
    assert "  [\x1b[32mok  \x1b[0m] input             fine (input.ok)" in coloured


def test_render_text_why_counts_the_other_failures() -> None:
    result = _result(
        Check("signature", "failed", "signature.invalid", "bad"),
        Check("validity", "failed", "validity.expired", "old"),
        Check("recipient", "failed", "recipient.mismatch", "who"),
        Check("status", "failed", "status.x", "undecided", True),
    )
    assert render_text(result).splitlines()[1] == (
        "  Why:         signature: bad (and 2 more below)"
    )
    undecided = _result(
        Check("status", "failed", "status.x", "one", True),
        Check("endorsements", "failed", "endorsements.x", "two", True),
    )
    lines = render_text(undecided, name="f.json").splitlines()
    assert lines[0] == "f.json: INDETERMINATE"
    assert lines[1] == "  Why:         could not be checked: status: one (and 1 more below)"
    assert render_text(_result()).splitlines()[0] == "VERIFIED"


def test_render_text_summary_lines_and_status_words() -> None:
    summary = Summary(
        issuer_id="did:x",
        recipient="r@example.edu",
        awarded_date="2024-02-01T00:00:00Z",
        valid_from="2024",
        status_state="active",
        proof_format="VC-JWT",
    )
    lines = render_text(_result(summary=summary)).splitlines()
    assert lines == [
        "VERIFIED",
        "  Issuer:      did:x; the name is self-asserted and unchecked (no trust list)",
        "  Recipient:   r@example.edu",
        "  Awarded:     2024-02-01T00:00:00Z",
        "  Valid from:  2024",
        "  Status:      active (not revoked or suspended)",
        "  Proof:       VC-JWT",
        *lines[7:],
    ]
    assert len(lines) == 7 + len(CHECK_IDS)


@pytest.mark.parametrize(
    ("state", "checks", "expected"),
    [
        ("suspended", (), "SUSPENDED"),
        ("revoked", (), "REVOKED"),
        ("none", (), "none (the credential carries no revocation status)"),
        (
            "unknown",
            (Check("status_list", "failed", "status_list.x", "list broke", True),),
            "unknown: list broke",
        ),
        (
            "unknown",
            (Check("status_list", "failed", "status_list.x", "list broke"),),
            "unknown",
        ),
        (
            "not_checked",
            (Check("status", "skipped", "status.not_reached", "not checked: proof failed"),),
            "not checked: proof failed",
        ),
        ("not_checked", (), "not_checked"),
    ],
)
def test_render_text_status_words(state: str, checks: tuple[Check, ...], expected: str) -> None:
    lines = render_text(_result(*checks, summary=Summary(status_state=state))).splitlines()
    assert f"  Status:      {expected}" in lines


def test_render_text_no_status_line_when_nothing_was_read() -> None:
    result = _result(Check("data_model", "skipped", "data_model.not_reached", "not reached"))
    assert not any("Status:" in line for line in render_text(result).splitlines())


def test_render_text_prefers_the_issuer_name() -> None:
    summary = Summary(issuer_id="did:x", issuer_name="Academy")
    assert (
        "  Issuer:      Academy (did:x); the name is self-asserted and unchecked (no trust list)"
        in render_text(_result(summary=summary)).splitlines()
    )


# ---------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"now": datetime(2025, 1, 1)}, "VerificationPolicy.now must be a timezone-aware datetime"),
        ({"now": "2025"}, "VerificationPolicy.now must be a timezone-aware datetime"),
        ({"clock_skew": timedelta(seconds=-1)}, "clock_skew must be a non-negative timedelta"),
        ({"clock_skew": 5}, "clock_skew must be a non-negative timedelta"),
        ({"timeout": 0}, "timeout must be positive"),
        ({"max_endorsement_depth": -1}, "max_endorsement_depth must be >= 0"),
        ({"resolve": "a:1:1.2.3.4"}, "resolve is a sequence of HOST:PORT:ADDR strings"),
        ({"resolve": ("nonsense",)}, "--resolve entry 'nonsense' is not HOST:PORT:ADDR"),
    ],
)
def test_policy_refusals(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        VerificationPolicy(**options)
    assert str(info.value) == message


def test_policy_defaults_and_normalisation() -> None:
    policy = VerificationPolicy(trusted_issuers=["did:x"])  # type: ignore[arg-type]
    assert policy.trusted_issuers == frozenset({"did:x"})
    assert isinstance(policy.trusted_issuers, frozenset)
    defaults = VerificationPolicy()
    assert defaults.clock_skew == timedelta(seconds=300)
    assert defaults.recipient_identity_type == "emailAddress"
    assert defaults.timeout == 10.0
    assert defaults.max_endorsement_depth == 2
    assert (defaults.offline, defaults.trust_embedded_keys, defaults.require_status) == (
        False,
        False,
        False,
    )
    assert (defaults.check_endorsements, defaults.check_jwt_data_loss) == (True, True)
    assert VerificationPolicy(clock_skew=timedelta(0), max_endorsement_depth=0).clock_skew == (
        timedelta(0)
    )
    assert VerificationPolicy(resolve=("a.example:443:1.2.3.4",)).resolve == (
        "a.example:443:1.2.3.4",
    )
    assert VerificationPolicy(timeout=0.001).timeout == 0.001


# ---------------------------------------------------------------- _util


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02t03:04:05z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123456789Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04:05.5+01:00", datetime(2024, 1, 2, 2, 4, 5, 500000, tzinfo=UTC)),
    ],
)
def test_util_parse_datetime(text: str, expected: datetime) -> None:
    assert _util.parse_datetime(text, "validFrom") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "validFrom is not a date-time string"),
        ("2024-01-02T03:04:05", "validFrom (2024-01-02T03:04:05) has no time zone"),
        ("2024-01-02 03:04", "validFrom (2024-01-02 03:04) has no time zone"),
        ("2024-01-02T03:04:05.25", "validFrom (2024-01-02T03:04:05.25) has no time zone"),
        ("2024-01-02", "validFrom ('2024-01-02') is not an RFC 3339 date-time"),
        (
            "2024-01-02T03:04:05.1234567890Z",
            "validFrom ('2024-01-02T03:04:05.1234567890Z') is not an RFC 3339 date-time",
        ),
        (
            "x2024-01-02T03:04:05Z",
            "validFrom ('x2024-01-02T03:04:05Z') is not an RFC 3339 date-time",
        ),
        ("2024-13-02T03:04:05Z", "validFrom ('2024-13-02T03:04:05Z') is not a valid date-time"),
    ],
)
def test_util_parse_datetime_refusals(value: Any, message: str) -> None:
    with pytest.raises(_util.DateTimeError) as info:
        _util.parse_datetime(value, "validFrom")
    assert str(info.value) == message


def test_util_exceeds_is_strict() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert _util.exceeds(now + timedelta(minutes=5, seconds=1), now, timedelta(minutes=5))
    assert not _util.exceeds(now + timedelta(minutes=5), now, timedelta(minutes=5))


def test_util_check_constructors() -> None:
    assert _util.passed("a", "m") == Check("a", "passed", "a.ok", "m")
    assert _util.passed("a", "m", "x") == Check("a", "passed", "a.x", "m")
    assert _util.failed("a", "d", "m") == Check("a", "failed", "a.d", "m", False)
    assert _util.failed("a", "d", "m", indeterminate=True).indeterminate is True
    assert _util.skipped("a", "m") == Check("a", "skipped", "a.not_applicable", "m")
    assert _util.warning("a", "d", "m") == Check("a", "warning", "a.d", "m")
    own = _util.check_from_error("status", MCBadgeError("m", code="status.bad"))
    assert own == Check("status", "failed", "status.bad", "m", False)
    other = _util.check_from_error(
        "status", MCBadgeError("m", code="input.bad"), indeterminate=True
    )
    assert other == Check("status", "failed", "status.input.bad", "m", True)
    prefix = _util.check_from_error("status", MCBadgeError("m", code="status_list.bad"))
    assert prefix.code == "status.status_list.bad"
    assert _util.as_list(None) == []
    assert _util.as_list(5) == [5]
    assert _util.as_list([1, 2]) == [1, 2]


# ---------------------------------------------------------------- _input


def test_parse_input_forms(tmp_path: Path) -> None:
    doc = di(credential())
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc))
    assert parse_input(path) == ParsedInput(doc)
    assert parse_input(json.dumps(doc).encode()).source_format == "json"
    assert parse_input(bytearray(json.dumps(doc).encode())).credential == doc
    assert parse_input(memoryview(json.dumps(doc).encode())).credential == doc
    token = jwt(credential())
    parsed = parse_input(f"  {token}\n")
    assert parsed.jws == token
    assert parsed.source_format == "jwt"
    assert parsed.jwt_header is not None
    assert parsed.jwt_header["alg"] == "EdDSA"
    assert parsed.jwt_payload is not None
    assert parsed.jwt_payload["iss"] == credential()["issuer"]["id"]
    with pytest.raises(TypeError) as info:
        parse_input(5)
    assert str(info.value) == (
        "verify() takes a mapping, JSON str/bytes, a compact JWS, baked PNG/SVG bytes or a path"
    )


def test_parse_input_of_an_unreadable_path(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(InputError) as info:
        parse_input(missing)
    assert info.value.code == "input.unreadable"
    assert info.value.message == f"cannot read {missing}: No such file or directory"


def test_parse_input_size_limits() -> None:
    from mcbadge.verify._input import MAX_BYTES

    assert MAX_BYTES == 8 * 1024 * 1024
    with pytest.raises(InputError) as info:
        parse_input(" " * (MAX_BYTES + 1))
    assert (info.value.code, info.value.message) == (
        "input.too_large",
        "the document is larger than 8388608 bytes",
    )
    with pytest.raises(InputError) as info:
        parse_input(" " * MAX_BYTES)
    assert info.value.code == "input.malformed"
    with pytest.raises(InputError) as info:
        parse_input(b" " * MAX_BYTES)
    assert info.value.code == "input.malformed"


def test_parse_input_of_a_baked_svg_string_and_bytes() -> None:
    from mcbadge.baking import bake_svg

    doc = di(credential())
    svg = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', json.dumps(doc))
    text = svg.decode() if isinstance(svg, bytes) else svg
    assert parse_input(text).source_format == "baked"
    assert parse_input(text.encode()).credential == doc
    assert parse_input(b"\n  <!-- c -->" + text.encode()).credential == doc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b.c", True),
        ("a.b.", True),
        (" a.b.c \n", True),
        ("a.b", False),
        ("a..c", False),
        ("a.b.c.d", False),
        ("a+.b.c", False),
    ],
)
def test_looks_like_jws(text: str, expected: bool) -> None:
    assert looks_like_jws(text) is expected


def test_decode_jws_parts_refusals() -> None:
    with pytest.raises(InputError) as info:
        decode_jws_parts("a.b")
    assert (info.value.code, info.value.message) == (
        "jwt.malformed",
        "a compact JWS has exactly three parts",
    )
    with pytest.raises(InputError) as info:
        decode_jws_parts("e.e.e")
    assert info.value.message == "the JWT header is not base64url"
    with pytest.raises(InputError) as info:
        decode_jws_parts("WzFd.e30.")
    assert info.value.message == "the JWT header is not a JSON object"
    with pytest.raises(InputError) as info:
        decode_jws_parts("e30.eyJh.")
    assert info.value.code == "jwt.malformed"
    assert info.value.message.startswith("the JWT payload is not acceptable JSON: ")
    assert decode_jws_parts("e30.e30.") == ({}, {})


@pytest.mark.parametrize(
    "text",
    ["badge.png", "in/badge.json", "C:\\badges\\b", "b.JSONLD", "x.jwt", "a.svg", "n.txt"],
)
def test_refuse_path_like(text: str) -> None:
    with pytest.raises(TypeError) as info:
        refuse_path_like(f" {text} ")
    assert str(info.value) == (
        f"verify() got a str that looks like a file name ({text!r}); a str is read as the "
        "credential's own text. To verify a file, pass a path object: verify(pathlib.Path(...))"
    )


@pytest.mark.parametrize(
    "text",
    ["", "   ", '{"a": "b/c"}', "[1]", '"x.json"', "<svg/>", "a.b.c", "x" * 4097 + "/", "a/\nb"],
)
def test_refuse_path_like_lets_documents_through(text: str) -> None:
    refuse_path_like(text)


def test_verify_refuses_a_path_like_str_but_not_one_inside_a_credential() -> None:
    with pytest.raises(TypeError):
        verify("badge.png", OFFLINE)
    assert verify("hello", OFFLINE).check("input").code == "input.malformed"


# ---------------------------------------------------------------- document checks


def test_document_checks_of_a_good_credential() -> None:
    checks = document_checks(credential(), now=NOW)
    assert DOCUMENT_CHECK_IDS == ("data_model", "schema", "context", "validity")
    assert [c.id for c in checks] == list(DOCUMENT_CHECK_IDS)
    assert [c.status for c in checks] == ["passed", "skipped", "passed", "passed"]
    assert checks[0].message == "follows the Open Badges 3.0 data model"
    assert checks[3].message == "valid now: from 2024-01-01T00:00:00Z until 2030-01-01T00:00:00Z"


def test_document_checks_model_checked_is_structure_only() -> None:
    doc = credential()
    doc["credentialSubject"]["achievement"]["name"] = 5  # the typed model would refuse this
    assert document_checks(doc, now=NOW)[0].status == "failed"
    fast = document_checks(doc, now=NOW, model_checked=True)
    assert fast[0] == Check(
        "data_model", "passed", "data_model.ok", "follows the Open Badges 3.0 data model"
    )
    broken = credential()
    broken["issuer"] = {"name": "x"}
    assert document_checks(broken, now=NOW, model_checked=True)[0] == Check(
        "data_model", "failed", "data_model.invalid", "issuer must have an id"
    )


def test_document_checks_of_what_cannot_be_read() -> None:
    assert document_checks([1]) == (  # type: ignore[arg-type]
        Check("input", "failed", "input.not_object", "the credential must be a JSON object"),
    )
    [only] = document_checks({"a": {1}})
    assert (only.id, only.code) == ("input", "input.not_json_data")


def test_document_checks_kind_and_default_now() -> None:
    expired = credential(validFrom="2019-01-01T00:00:00Z", validUntil="2020-01-01T00:00:00Z")
    assert document_checks(expired)[3].code == "validity.expired"
    endorsement = credential(type=["VerifiableCredential", "EndorsementCredential"])
    del endorsement["credentialSubject"]["id"]
    checks = document_checks(endorsement, now=NOW)
    assert checks[0].code != "data_model.ok" or checks[0].status == "passed"
    status_doc = status_list(signed="no")
    checks = document_checks(status_doc, now=NOW)
    assert checks[0].message == "status list credential structure is valid"
    assert checks[2].message == "only bundled JSON-LD contexts are used"


def test_document_checks_keep_a_raised_check_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcbadge.verify import document as document_module

    def broken(ctx: RunContext) -> Check:
        raise MCBadgeError("schema store broke", code="schema.store")

    monkeypatch.setattr(document_module, "check_schema", broken)
    checks = document_checks(credential(), now=NOW)
    assert checks[1] == Check("schema", "failed", "schema.store", "schema store broke")


# ---------------------------------------------------------------- pipeline


def test_a_check_that_crashes_fails_with_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(ctx: RunContext) -> Check:
        raise KeyError("x")

    monkeypatch.setattr(pipeline, "check_schema", crash)
    result = verify(di(credential()), OFFLINE)
    assert result.check("schema") == Check(
        "schema",
        "failed",
        "schema.internal_error",
        "the schema check could not be completed: mcbadge hit an internal error (KeyError); "
        "this is a bug, please report it",
    )


def test_a_typed_error_escaping_a_check_keeps_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    def typed(ctx: RunContext) -> Check:
        raise MCBadgeError("nope", code="context.weird")

    monkeypatch.setattr(pipeline, "check_context", typed)
    assert verify(di(credential()), OFFLINE).check("context") == Check(
        "context", "failed", "context.weird", "nope"
    )


def test_proof_family_crash_and_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(ctx: RunContext) -> dict[str, Check]:
        raise ValueError("x")

    monkeypatch.setattr(pipeline, "run_proof_checks", crash)
    result = verify(di(credential()), OFFLINE)
    assert result.check("signature").code == "signature.internal_error"
    assert result.check("signature").message == (
        "the proof checks could not be completed: mcbadge hit an internal error (ValueError); "
        "this is a bug, please report it"
    )
    assert result.check("proof") == Check(
        "proof", "skipped", "proof.not_reached", "not reached: the proof checks failed"
    )

    def typed(ctx: RunContext) -> dict[str, Check]:
        raise MCBadgeError("bad purpose", code="proof_purpose.odd")

    monkeypatch.setattr(pipeline, "run_proof_checks", typed)
    result = verify(di(credential()), OFFLINE)
    assert result.check("proof_purpose") == Check(
        "proof_purpose", "failed", "proof_purpose.odd", "bad purpose"
    )
    assert result.check("signature").code == "signature.not_reached"

    def other(ctx: RunContext) -> dict[str, Check]:
        raise MCBadgeError("odd", code="weird.code")

    monkeypatch.setattr(pipeline, "run_proof_checks", other)
    assert verify(di(credential()), OFFLINE).check("signature").code == "signature.weird.code"


def test_a_check_never_run_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "run_proof_checks", lambda ctx: {})
    result = verify(di(credential()), OFFLINE)
    assert result.check("signature") == Check(
        "signature", "failed", "signature.not_evaluated", "the signature check was not run"
    )


def test_summary_of_an_identifier_recipient_and_of_unreadable_dates() -> None:
    doc = credential(validFrom="soon", validUntil="later", expirationDate="2031")
    del doc["credentialSubject"]["id"]
    doc["credentialSubject"]["identifier"] = [
        {"identityType": "emailAddress"},
        {"identityType": "telephone"},
        "junk",
    ]
    summary = verify(doc, OFFLINE).summary
    assert summary.recipient == "identifier (emailAddress, telephone)"
    assert (summary.valid_from, summary.valid_until) == ("soon", "2031")
    plain = credential(awardedDate="2024-02-01T00:00:00Z")
    plain["issuer"] = "did:x:1"
    plain["credentialSubject"] = {"identifier": []}
    summary = verify(plain, OFFLINE).summary
    assert summary.recipient is None
    assert summary.issuer_id == "did:x:1"
    assert summary.issuer_name is None
    assert summary.achievement_name is None
    assert summary.awarded_date == "2024-02-01T00:00:00Z"
    assert summary.proof_format is None
    assert summary.credential_id == "urn:uuid:11111111-2222-4333-8444-555555555555"


def test_summary_window_is_the_latest_start_and_the_earliest_end() -> None:
    doc = credential(
        v1=True,
        validFrom="2024-06-01T00:00:00Z",
        validUntil="2029-01-01T00:00:00Z",
    )
    summary = verify(doc, OFFLINE).summary
    assert (summary.valid_from, summary.valid_until) == (
        "2024-06-01T00:00:00Z",
        "2029-01-01T00:00:00Z",
    )
    no_end = credential(validUntil=None, validFrom="bad")
    assert verify(no_end, OFFLINE).summary.valid_until is None


def test_summary_proof_format_of_a_proof_set_and_of_a_suite_without_cryptosuite() -> None:
    doc = credential(proof=[5, {"type": "Ed25519Signature2020"}])
    assert verify(doc, OFFLINE).summary.proof_format == "Ed25519Signature2020"
    doc = credential(proof={"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"})
    assert verify(doc, OFFLINE).summary.proof_format == "ecdsa-rdfc-2019"


def test_summary_of_an_unread_document() -> None:
    result = verify("", OFFLINE)
    assert result.summary == Summary(status_state="not_checked")


def test_verify_rejects_a_bad_policy_type() -> None:
    with pytest.raises(TypeError) as info:
        verify({}, {"offline": True})  # type: ignore[arg-type]
    assert str(info.value) == "policy must be a VerificationPolicy"


def test_verify_closes_the_fetcher_it_built_only(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []

    class Own:
        def get(self, url: str) -> bytes:
            raise FetchError("down", code="status_retrieval.unreachable")

        def close(self) -> None:
            closed.append("own")

    monkeypatch.setattr(pipeline, "make_fetcher", lambda policy: Own())
    verify(di(credential()), VerificationPolicy(now=NOW))
    assert closed == ["own"]
    given = Own()
    verify(di(credential()), VerificationPolicy(now=NOW, fetcher=given))
    assert closed == ["own"]


def test_verify_survives_a_fetcher_that_cannot_be_built(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(policy: VerificationPolicy) -> Any:
        raise RuntimeError("no")

    monkeypatch.setattr(pipeline, "make_fetcher", broken)
    document, options = with_status({})
    options.pop("fetcher")
    result = verify(document, VerificationPolicy(now=NOW, **options))
    assert result.check("status_retrieval").code == "status_retrieval.unavailable"
    assert result.check("status_retrieval").message == "network access is not available"
    assert result.indeterminate


def test_network_refusal_of_a_did_web_key_is_reported() -> None:
    class Refusing:
        def get(self, url: str) -> bytes:
            raise NetworkPolicyError(f"{url} is private", code="network_policy.private_address")

    doc = di(credential("did:web:example.edu"), verification_method="did:web:example.edu#key-1")
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=Refusing()))
    assert result.check("key_resolution") == Check(
        "key_resolution",
        "failed",
        "key_resolution.unreachable",
        "the issuer's DID document could not be retrieved: "
        "https://example.edu/.well-known/did.json is private",
        True,
    )
    assert result.check("network_policy") == Check(
        "network_policy",
        "failed",
        "network_policy.private_address",
        "https://example.edu/.well-known/did.json is private",
        True,
    )
    assert exit_code_for(result) == EXIT_INDETERMINATE


def test_did_web_key_that_cannot_be_fetched_is_undecided() -> None:
    doc = di(credential("did:web:example.edu"), verification_method="did:web:example.edu#key-1")
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=Host({})))
    assert result.check("key_resolution") == Check(
        "key_resolution",
        "failed",
        "key_resolution.unreachable",
        "the issuer's DID document could not be retrieved: "
        "https://example.edu/.well-known/did.json is unreachable",
        True,
    )
    assert result.check("network_policy").status == "passed"


def test_did_web_document_of_another_did() -> None:
    from mcbadge.did import build_did_web_document

    document = build_did_web_document("other.example", [ED])
    doc = di(credential("did:web:example.edu"), verification_method="did:web:example.edu#key-1")
    host = Host({"https://example.edu/.well-known/did.json": document})
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=host))
    assert result.check("key_resolution") == Check(
        "key_resolution",
        "failed",
        "key_resolution.did_mismatch",
        "the did:web document does not describe that DID",
    )


def test_did_web_key_fetched_and_verified() -> None:
    from mcbadge.did import build_did_web_document

    document = build_did_web_document("example.edu", [ED])
    vm = document["assertionMethod"][0]
    doc = di(credential("did:web:example.edu"), verification_method=vm)
    host = Host({"https://example.edu/.well-known/did.json": document})
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=host))
    assert result.verified, result.failed_checks
    preloaded = VerificationPolicy(
        now=NOW, offline=True, did_documents={"did:web:example.edu": document}
    )
    assert verify(doc, preloaded).verified


# ---------------------------------------------------------------- fetching


class _Bytes:
    def __init__(self, body: Any) -> None:
        self.body = body
        self.accept: list[str] = []

    def get(self, url: str) -> Any:
        return self.body


class _Rich:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.accepts: list[str] = []

    def get_bytes(self, url: str, *, accept: str) -> Any:
        self.accepts.append(accept)
        fetched_at = datetime(2025, 1, 1, tzinfo=UTC)

        class Response:
            body = self.body

        response = Response()
        response.fetched_at = fetched_at  # type: ignore[attr-defined]
        response.expires_at = fetched_at + timedelta(hours=1)  # type: ignore[attr-defined]
        return response


def test_fetch_document_forms() -> None:
    fetched = _network.fetch_document(_Bytes('{"a": 1}'), "https://x/1", offline=False)
    assert fetched.document == {"a": 1}
    assert fetched.url == "https://x/1"
    assert fetched.digest == __import__("hashlib").sha256(b'{"a": 1}').hexdigest()
    assert (fetched.fetched_at, fetched.expires_at) == (None, None)
    token = " e30.e30.AA \n"
    assert _network.fetch_document(_Bytes(token.encode()), "u", offline=False).document == (
        "e30.e30.AA"
    )
    rich = _Rich(b'{"b": 2}')
    got = _network.fetch_document(rich, "u", offline=False)
    assert got.fetched_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert got.expires_at == datetime(2025, 1, 1, 1, tzinfo=UTC)
    assert rich.accepts == [_network.STATUS_ACCEPT]
    assert _network.STATUS_ACCEPT == (
        "application/vc+ld+json, application/vc+jwt, application/vc, application/json"
    )
    _network.fetch_json(rich, "u", offline=False)
    assert rich.accepts[-1] == "application/json"


@pytest.mark.parametrize(
    ("fetcher", "offline", "code", "message"),
    [
        (_Bytes(b"{}"), True, "network_policy.offline", "offline mode: u was not fetched"),
        (None, False, "status_retrieval.unavailable", "network access is not available"),
        (_Bytes(5), False, "status_retrieval.failed", "no content from u"),
        (_Bytes(b"[1]"), False, "status_retrieval.bad_json", "u did not return a JSON object"),
        (
            _Bytes(b"\xff\xfe"),
            False,
            "status_retrieval.bad_json",
            "u did not return acceptable JSON: ",
        ),
    ],
)
def test_fetch_document_refusals(fetcher: Any, offline: bool, code: str, message: str) -> None:
    with pytest.raises(MCBadgeError) as info:
        _network.fetch_document(fetcher, "u", offline=offline)
    assert info.value.code == code
    assert info.value.message.startswith(message)
    if not message.endswith(": "):
        assert info.value.message == message


def test_make_resolver_is_offline_without_network() -> None:
    from mcbadge.did import OfflineResolver

    policy = VerificationPolicy(
        offline=True, trust_embedded_keys=True, did_documents={"did:web:a": {"id": "did:web:a"}}
    )
    resolver = _network.make_resolver(policy, _Bytes(b"{}"))
    assert isinstance(resolver, OfflineResolver)
    assert resolver.trust_embedded_keys is True
    assert resolver.documents == {"did:web:a": {"id": "did:web:a"}}
    assert isinstance(_network.make_resolver(VerificationPolicy(), None), OfflineResolver)
    web = _network.make_resolver(VerificationPolicy(trust_embedded_keys=True), _Bytes(b"{}"))
    assert not isinstance(web, OfflineResolver)
    assert web.trust_embedded_keys is True
    assert web.fetch_failures == []


def test_make_fetcher_follows_the_policy() -> None:
    fetcher = _network.make_fetcher(
        VerificationPolicy(offline=True, timeout=3.0, resolve=("a.example:443:1.2.3.4",))
    )
    try:
        assert fetcher.policy.offline is True
        assert fetcher.policy.timeout == 3.0
        assert fetcher.policy.resolve == {("a.example", 443): "1.2.3.4"}
    finally:
        fetcher.close()


# ---------------------------------------------------------------- status list verdict cache


def test_a_verified_list_is_remembered_per_policy() -> None:
    _list_cache.clear()
    calls: list[str] = []

    class Counting(Host):
        def get(self, url: str) -> bytes:
            calls.append(url)
            return super().get(url)

    listed = status_list()
    listed["credentialSubject"]["ttl"] = 60_000
    listed = di({k: v for k, v in listed.items() if k != "proof"})
    doc, _ = with_status({})
    policy = VerificationPolicy(now=NOW, fetcher=Counting({LIST_URL: listed}))
    assert verify(doc, policy).verified
    key = next(iter(_list_cache._entries))
    assert key[0] == id(policy)
    assert key[1:3] == (0, LIST_URL)
    verdict = _list_cache._entries[key]
    assert verdict.policy is policy
    assert verdict.judged_at == NOW
    assert verdict.holds_until is None
    assert verify(doc, policy).verified
    assert len(_list_cache._entries) == 1
    _list_cache.clear()
    assert not _list_cache._entries


def test_list_cache_fresh_seconds_and_holds_until() -> None:
    fetched = _network.Fetched("u", {}, digest="d")
    subject = {"credentialSubject": {"ttl": 5000}}
    assert _list_cache._fresh_seconds(fetched, subject) == 5.0
    assert _list_cache._fresh_seconds(fetched, {"credentialSubject": [{"ttl": 5000}]}) == 5.0
    assert _list_cache._fresh_seconds(fetched, {"credentialSubject": {"ttl": 10**12}}) == 86400.0
    assert _list_cache._fresh_seconds(fetched, {"credentialSubject": {"ttl": True}}) is None
    assert _list_cache._fresh_seconds(fetched, {"credentialSubject": {"ttl": 0}}) is None
    assert _list_cache._fresh_seconds(fetched, {}) is None
    later = _network.Fetched("u", {}, expires_at=datetime.now(UTC) + timedelta(hours=1))
    seconds = _list_cache._fresh_seconds(later, {})
    assert seconds is not None
    assert 3500 < seconds <= 3600
    past = _network.Fetched("u", {}, expires_at=datetime.now(UTC) - timedelta(hours=1))
    assert _list_cache._fresh_seconds(past, {}) is None
    skew = timedelta(minutes=5)
    until = _list_cache._holds_until(
        {
            "validUntil": "2030-01-01T00:00:00Z",
            "expirationDate": "2029-01-01T00:00:00Z",
            "proof": [{"expires": "2028-01-01T00:00:00Z"}, 5],
        },
        {"exp": datetime(2027, 1, 1, tzinfo=UTC).timestamp()},
        skew,
    )
    assert until == datetime(2027, 1, 1, tzinfo=UTC) + skew
    assert _list_cache._holds_until({}, None, skew) is None
    with pytest.raises(TypeError):
        _list_cache._holds_until({}, {"exp": True}, skew)
    assert _list_cache.MAX_ENTRIES == 64


def test_list_cache_key_and_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    _list_cache.clear()
    policy = VerificationPolicy(now=NOW)
    ctx = RunContext(policy, NOW)
    fetched = _network.Fetched("u", {}, digest="abc")
    assert _list_cache._key(ctx, fetched) == (id(policy), 0, "u", "abc")
    assert _list_cache._key(ctx, _network.Fetched("u", {})) is None
    assert not _list_cache.verified_before(ctx, _network.Fetched("u", {}))
    now = [100.0]
    monkeypatch.setattr(_list_cache, "clock", lambda: now[0])
    listed = {"credentialSubject": {"ttl": 10_000}, "validUntil": "2025-06-01T12:00:00Z"}
    _list_cache.remember(ctx, fetched, listed, None)
    assert _list_cache.verified_before(ctx, fetched)
    # an earlier now is not reused; a now past validUntil + skew is not either
    assert not _list_cache.verified_before(RunContext(policy, NOW - timedelta(seconds=1)), fetched)
    edge = RunContext(policy, NOW + timedelta(minutes=5))
    assert not _list_cache.verified_before(edge, fetched)
    inside = RunContext(policy, NOW + timedelta(minutes=4, seconds=59))
    assert _list_cache.verified_before(inside, fetched)
    # another policy object: not reused, and the entry is dropped
    other = RunContext(VerificationPolicy(now=NOW), NOW)
    other_fetched = fetched
    assert not _list_cache.verified_before(other, other_fetched)
    # past its ttl: dropped
    _list_cache.remember(ctx, fetched, listed, None)
    now[0] = 110.0
    assert not _list_cache.verified_before(ctx, fetched)
    assert not _list_cache._entries
    _list_cache.remember(ctx, fetched, {"credentialSubject": {}}, None)
    assert not _list_cache._entries
    _list_cache.remember(ctx, fetched, listed | {"validUntil": "bad"}, None)
    assert not _list_cache._entries
    _list_cache.remember(ctx, _network.Fetched("u", {}), listed, None)
    assert not _list_cache._entries


def test_list_cache_is_bounded_lru(monkeypatch: pytest.MonkeyPatch) -> None:
    _list_cache.clear()
    monkeypatch.setattr(_list_cache, "clock", lambda: 0.0)
    policy = VerificationPolicy(now=NOW)
    ctx = RunContext(policy, NOW)
    listed = {"credentialSubject": {"ttl": 10_000}}
    for i in range(_list_cache.MAX_ENTRIES):
        _list_cache.remember(ctx, _network.Fetched(f"u{i}", {}, digest="d"), listed, None)
    assert _list_cache.verified_before(ctx, _network.Fetched("u0", {}, digest="d"))
    _list_cache.remember(ctx, _network.Fetched("new", {}, digest="d"), listed, None)
    assert len(_list_cache._entries) == _list_cache.MAX_ENTRIES
    assert _list_cache.verified_before(ctx, _network.Fetched("u0", {}, digest="d"))
    assert not _list_cache.verified_before(ctx, _network.Fetched("u1", {}, digest="d"))
    _list_cache.clear()


# ---------------------------------------------------------------- status freshness


def test_a_verified_list_sets_the_fetchers_expiry() -> None:
    updates: list[tuple[str, datetime]] = []

    class Caching(_Rich):
        def update_expiry(self, url: str, when: datetime) -> None:
            updates.append((url, when))

    listed = status_list(signed="no")
    listed["credentialSubject"]["ttl"] = 60_000
    listed["validUntil"] = "2025-01-01T00:00:30Z"
    body = json.dumps(di(listed)).encode()
    doc, _ = with_status({})
    policy = VerificationPolicy(now=datetime(2025, 1, 1, tzinfo=UTC), fetcher=Caching(body))
    assert verify(doc, policy).verified
    assert updates == [(LIST_URL, datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC))]
    updates.clear()
    listed["validUntil"] = "2026-01-01T00:00:00Z"
    policy = VerificationPolicy(
        now=datetime(2025, 1, 1, tzinfo=UTC), fetcher=Caching(json.dumps(di(listed)).encode())
    )
    assert verify(doc, policy).verified
    assert updates == [(LIST_URL, datetime(2025, 1, 1, 0, 1, tzinfo=UTC))]
    updates.clear()
    del listed["credentialSubject"]["ttl"]
    policy = VerificationPolicy(
        now=datetime(2025, 1, 1, tzinfo=UTC), fetcher=Caching(json.dumps(di(listed)).encode())
    )
    assert verify(doc, policy).verified
    assert updates == [(LIST_URL, datetime(2025, 1, 1, 1, tzinfo=UTC))]


# ---------------------------------------------------------------- status details


def test_status_message_purpose_and_other_purposes() -> None:
    doc, options = with_status({LIST_URL: status_list(42, purpose="refresh")}, purpose="refresh")
    result = verify(doc, VerificationPolicy(now=NOW, **options))
    assert result.check("status") == Check(
        "status", "passed", "status.ok", "refresh status value 1"
    )
    doc, options = with_status({LIST_URL: status_list(purpose="suspension")}, purpose="suspension")
    result = verify(doc, VerificationPolicy(now=NOW, **options))
    assert result.check("status") == Check("status", "passed", "status.ok", "not suspended")
    assert result.summary.status_state == "active"


def test_status_of_a_credential_with_no_id_on_a_revocation_list() -> None:
    # unreachable through verify() (data_model requires an id): the status check on its own
    from test_verify_exact import REVOCATIONS_URL

    from mcbadge.verify.checks_status import run_status_checks

    entry = {"id": REVOCATIONS_URL, "type": "1EdTechRevocationList"}
    host = Host({REVOCATIONS_URL: {"revokedCredential": []}})
    ctx = RunContext(
        VerificationPolicy(now=NOW, fetcher=host),
        NOW,
        parsed=ParsedInput(credential(credentialStatus=entry, id=None)),
        fetcher=host,
    )
    checks = run_status_checks(ctx, lambda document, c: verify(document, OFFLINE))
    assert checks["status"] == Check(
        "status", "failed", "status.no_credential_id", "the credential has no id to look up"
    )
    assert checks["status_list"] == Check(
        "status_list", "skipped", "status_list.not_reached", "not reached: status failed"
    )
    assert ctx.status_state == "unknown"


def test_status_list_vc_jwt_that_cannot_be_read() -> None:
    doc, options = with_status({LIST_URL: b"e30.e30.AA"})
    result = verify(doc, VerificationPolicy(now=NOW, **options))
    check = result.check("status_list")
    assert (check.status, check.indeterminate) == ("failed", True)
    assert check.code.startswith("status_list.")


def test_status_list_of_another_issuer_never_fails_outright() -> None:
    doc, options = with_status({LIST_URL: status_list(key=OTHER)}, index=200_000)
    result = verify(doc, VerificationPolicy(now=NOW, **options))
    assert result.indeterminate
    assert result.check("status_list").code == "status_list.wrong_issuer"


def test_status_list_unverified_with_an_out_of_range_index_is_undecided() -> None:
    doc, options = with_status({LIST_URL: status_list(signed="no")}, index=200_000)
    result = verify(doc, VerificationPolicy(now=NOW, **options))
    assert result.check("status_list") == Check(
        "status_list",
        "failed",
        "status_list.unverified",
        "the status list credential does not verify: the credential has no proof (proof.missing)",
        True,
    )


# ---------------------------------------------------------------- batch


def test_verify_many_in_order_with_one_job() -> None:
    old = credential(validFrom="2019-01-01T00:00:00Z", validUntil="2020-01-01T00:00:00Z")
    documents = [di(credential()), "", di(old)]
    results = list(verify_many(documents, OFFLINE))
    assert [r.verified for r in results] == [True, False, False]
    assert results[2].failed_checks == ["validity"]


@pytest.mark.parametrize(("jobs", "chunk"), [(0, 1), (1, 0)])
def test_verify_many_refuses_bad_sizes(jobs: int, chunk: int) -> None:
    with pytest.raises(ValueError, match="at least 1") as info:
        list(verify_many([], OFFLINE, jobs=jobs, chunk_size=chunk))
    assert str(info.value) == "jobs and chunk_size must be at least 1"


def test_verify_many_builds_and_closes_one_fetcher(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcbadge.verify import batch

    built: list[Any] = []

    class Own(Host):
        closed = False

        def close(self) -> None:
            self.closed = True

    def make(policy: VerificationPolicy) -> Own:
        fetcher = Own({LIST_URL: status_list()})
        built.append(fetcher)
        return fetcher

    monkeypatch.setattr(batch, "make_fetcher", make)
    doc, _ = with_status({})
    results = list(verify_many([doc, doc], VerificationPolicy(now=NOW)))
    assert [r.verified for r in results] == [True, True]
    assert len(built) == 1
    assert built[0].closed is True
    built.clear()
    list(verify_many([doc], VerificationPolicy(now=NOW, fetcher=Own({LIST_URL: status_list()}))))
    assert built == []


def test_verify_chunk_in_a_worker_uses_one_fetcher(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcbadge.verify import batch

    built: list[Any] = []

    def make(policy: VerificationPolicy) -> Host:
        built.append(policy)
        return Host({LIST_URL: status_list()})

    monkeypatch.setattr(batch, "make_fetcher", make)
    doc, _ = with_status({})
    batch._init_worker(VerificationPolicy(now=NOW))
    assert batch._worker_fetcher is None
    first = batch._verify_chunk([doc])
    second = batch._verify_chunk([doc, di(credential())])
    assert [r.verified for r in first + second] == [True, True, True]
    assert len(built) == 1
    batch._init_worker(OFFLINE)
    assert batch._worker_fetcher is None
    assert batch._verify_chunk([doc])[0].check("status_retrieval").code == (
        "status_retrieval.refused"
    )
    assert len(built) == 1


# ---------------------------------------------------------------- survivors of the verify/ pass


def test_bundle_json_is_compact_and_keeps_non_ascii() -> None:
    bundle = BundleResult("clr", _result(Check("status", "failed", "status.x", "é", True)))
    text = bundle.to_json()
    assert text.startswith('{"kind":"clr","verified":false,"indeterminate":true,')
    assert '"message":"é"' in text


def test_holds_until_reads_expiration_date_and_a_single_proofs_expires() -> None:
    skew = timedelta(minutes=5)
    at = datetime(2027, 1, 1, tzinfo=UTC)
    assert _list_cache._holds_until({"expirationDate": "2027-01-01T00:00:00Z"}, None, skew) == (
        at + skew
    )
    single = {"proof": {"expires": "2027-01-01T00:00:00Z"}}
    assert _list_cache._holds_until(single, None, skew) == at + skew
    with pytest.raises(TypeError) as info:
        _list_cache._holds_until({}, {"exp": "1"}, skew)
    assert str(info.value) == "exp is not a NumericDate"


def test_a_crash_is_logged_for_debugging(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(ctx: RunContext) -> Check:
        raise KeyError("x")

    monkeypatch.setattr(pipeline, "check_schema", crash)
    with caplog.at_level("DEBUG", logger="mcbadge.verify.pipeline"):
        verify(di(credential()), OFFLINE)
    [record] = [r for r in caplog.records if r.name == "mcbadge.verify.pipeline"]
    assert record.getMessage() == "schema check crashed"
    assert record.exc_info is not None


@pytest.mark.parametrize(
    "data",
    [
        b" " * 4093 + b"<svg/>",  # "<sv" within the first 4096 bytes, "g" after
        b"<?xml version='1.0'?><note/>",  # XML, but no <svg
        b"<?xml version='1.0'?>" + b" " * (65533 - 21) + b"<svg/>",  # <svg past 64 KiB
    ],
)
def test_what_is_not_an_svg_is_read_as_text(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        parse_input(data)
    assert info.value.code == "input.malformed"


def test_a_baked_svg_after_an_xml_declaration() -> None:
    from mcbadge.baking import bake_svg

    doc = di(credential())
    svg = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', json.dumps(doc))
    data = svg if isinstance(svg, bytes) else svg.encode()
    if not data.lstrip().startswith(b"<?xml"):
        data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + data
    assert parse_input(data).credential == doc


def test_verify_many_without_a_policy_and_on_two_processes() -> None:
    from mcbadge.verify import batch

    batch._worker_policy = None  # forked workers must get the policy from the initializer
    assert [r.verified for r in verify_many([di(credential())])] == [True]
    documents = [di(credential()), "", di(credential()), "x", di(credential())] * 2
    results = list(verify_many(documents, OFFLINE, jobs=2, chunk_size=1))
    assert [r.verified for r in results] == [True, False, True, False, True] * 2
    assert results[3].check("input").code == "input.malformed"


def test_verify_many_hands_its_policy_to_the_fetcher(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcbadge.verify import batch

    seen: list[Any] = []

    class Closable(Host):
        def close(self) -> None:
            """Nothing to release."""

    def make(policy: VerificationPolicy) -> Host:
        seen.append(policy)
        return Closable({})

    monkeypatch.setattr(batch, "make_fetcher", make)
    policy = VerificationPolicy(now=NOW)
    list(verify_many([di(credential())], policy))
    assert seen == [policy]
    batch._init_worker(policy)
    batch._verify_chunk([di(credential())])
    assert seen == [policy, policy]


def test_a_worker_without_its_policy_refuses() -> None:
    from mcbadge.verify import batch

    batch._worker_policy = None
    with pytest.raises(RuntimeError) as info:
        batch._verify_chunk([])
    assert str(info.value) == "verify worker used without its policy"


def test_a_revocation_list_served_as_a_jwt_is_not_a_list() -> None:
    from test_verify_exact import REVOCATIONS_URL

    entry = {"id": REVOCATIONS_URL, "type": "1EdTechRevocationList"}
    host = Host({REVOCATIONS_URL: b"e30.e30.AA"})
    result = verify(
        jwt(credential(credentialStatus=entry)), VerificationPolicy(now=NOW, fetcher=host)
    )
    assert result.check("status_list") == Check(
        "status_list",
        "failed",
        "status_list.malformed",
        "the 1EdTech revocation list is not a JSON object",
        True,
    )


def test_document_checks_of_a_status_list_2021_credential_and_its_now() -> None:
    listed = status_list(signed="no")
    listed["type"] = ["VerifiableCredential", "StatusList2021Credential"]
    checks = document_checks(listed, now=NOW)
    assert checks[0].message == "status list credential structure is valid"
    early = document_checks(credential(), now=datetime(2020, 1, 1, tzinfo=UTC))
    assert early[3].code == "validity.not_yet_valid"


def test_document_checks_refusal_is_an_input_check() -> None:
    [only] = document_checks({"a": float("nan")})
    assert (only.id, only.status) == ("input", "failed")
    assert only.code == "input.not_json_data"


def test_did_web_document_that_is_not_json_names_its_url() -> None:
    doc = di(credential("did:web:example.edu"), verification_method="did:web:example.edu#key-1")
    host = Host({"https://example.edu/.well-known/did.json": b"not json"})
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=host))
    check = result.check("key_resolution")
    assert check.code == "key_resolution.unreachable"
    assert check.message.startswith(
        "the issuer's DID document could not be retrieved: "
        "https://example.edu/.well-known/did.json did not return acceptable JSON: "
    )


def _message_entry(index: int) -> dict[str, Any]:
    return {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
        "statusSize": 2,
        "statusMessage": [
            {"status": "0x0", "message": "pending"},
            {"status": "0x1", "message": "accepted"},
            {"status": "0x2", "message": "rejected"},
            {"status": "0x3", "message": "undefined"},
        ],
    }


def test_a_status_message_is_a_warning_with_its_text() -> None:
    listed = status_list(84, purpose="message")  # bits 84-85 hold entry 42: value 2
    doc = di(credential(credentialStatus=_message_entry(42)))
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=Host({LIST_URL: listed})))
    assert result.check("status") == Check(
        "status", "warning", "status.message", "status message: rejected"
    )


def test_a_status_list_vc_jwt_that_cannot_be_read_is_undecided() -> None:
    doc, options = with_status({LIST_URL: b"e30.WzFd.AA"})
    check = verify(doc, VerificationPolicy(now=NOW, **options)).check("status_list")
    assert (check.id, check.status, check.code, check.indeterminate) == (
        "status_list",
        "failed",
        "status_list.malformed",
        True,
    )
    assert check.message.startswith("the status list VC-JWT cannot be read: ")


def test_status_of_a_credential_whose_issuer_is_a_string() -> None:
    doc = di(credential(credentialStatus=_status_entry_at(42)) | {})
    doc = di(
        {k: v for k, v in doc.items() if k != "proof"} | {"issuer": credential()["issuer"]["id"]}
    )
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=Host({LIST_URL: status_list()})))
    assert result.check("status").message == "not revoked"


def _status_entry_at(index: int) -> dict[str, Any]:
    return {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
    }


class _Expiring(_Rich):
    def __init__(self, body: bytes, fetched_at: Any, expires_at: Any) -> None:
        super().__init__(body)
        self.at, self.until = fetched_at, expires_at
        self.updates: list[tuple[str, datetime]] = []

    def get_bytes(self, url: str, *, accept: str) -> Any:
        response = super().get_bytes(url, accept=accept)
        response.fetched_at, response.expires_at = self.at, self.until
        return response

    def update_expiry(self, url: str, when: datetime) -> None:
        self.updates.append((url, when))


def _freshness(
    listed: dict[str, Any], fetched_at: Any, expires_at: Any, *, as_jwt: bool = False
) -> list[Any]:
    unsigned = {k: v for k, v in listed.items() if k != "proof"}
    body = jwt(unsigned).encode() if as_jwt else json.dumps(di(unsigned)).encode()
    fetcher = _Expiring(body, fetched_at, expires_at)
    doc, _ = with_status({})
    result = verify(doc, VerificationPolicy(now=datetime(2025, 1, 1, tzinfo=UTC), fetcher=fetcher))
    assert result.verified, result.failed_checks
    return fetcher.updates


def test_freshness_of_a_list_whose_subject_is_a_one_item_list() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    listed = status_list(signed="no")
    listed["credentialSubject"] = [dict(listed["credentialSubject"], ttl=1)]
    # a one-item list subject is read; a ttl of 1 ms counts
    updates = _freshness(listed, at, None)
    assert updates == [(LIST_URL, at + timedelta(milliseconds=1))] or updates == []


def test_freshness_rules() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    listed = status_list(signed="no")
    listed["credentialSubject"]["ttl"] = 1
    assert _freshness(listed, at, None) == [(LIST_URL, at + timedelta(milliseconds=1))]
    plain = status_list(signed="no")
    assert _freshness(plain, at, None) == []
    assert _freshness(plain, at, at) == []
    assert _freshness(plain, None, at + timedelta(hours=1)) == []
    ending = dict(plain, validUntil="2025-01-01T00:10:00Z")
    assert _freshness(ending, at, at + timedelta(hours=1)) == [
        (LIST_URL, at + timedelta(minutes=10))
    ]


def test_a_host_without_fetch_times_is_never_asked_to_keep_a_list() -> None:
    updates: list[Any] = []

    class Recording(Host):
        def update_expiry(self, url: str, when: datetime) -> None:
            updates.append(url)

    doc, _ = with_status({})
    listed = status_list()
    listed_doc = {k: v for k, v in listed.items() if k != "proof"}
    listed_doc["credentialSubject"]["ttl"] = 60_000
    host = Recording({LIST_URL: di(listed_doc)})
    assert verify(doc, VerificationPolicy(now=NOW, fetcher=host)).verified
    assert updates == []


def test_fresh_seconds_edges() -> None:
    fetched = _network.Fetched("u", {}, digest="d")
    assert _list_cache._fresh_seconds(fetched, {"credentialSubject": {"ttl": 1}}) == 0.001
    soon = _network.Fetched("u", {}, expires_at=datetime.now(UTC) + timedelta(seconds=30))
    seconds = _list_cache._fresh_seconds(soon, {})
    assert seconds is not None
    assert 0 < seconds <= 30


def test_a_remembered_vc_jwt_list_holds_only_until_its_exp(monkeypatch: pytest.MonkeyPatch) -> None:
    _list_cache.clear()
    monkeypatch.setattr(_list_cache, "clock", lambda: 0.0)
    policy = VerificationPolicy(now=NOW)
    ctx = RunContext(policy, NOW)
    fetched = _network.Fetched("u", "token", digest="d")
    exp = (NOW + timedelta(minutes=1)).timestamp()
    _list_cache.remember(ctx, fetched, {"credentialSubject": {"ttl": 10_000_000}}, {"exp": exp})
    inside = RunContext(policy, NOW + timedelta(minutes=5))
    assert _list_cache.verified_before(inside, fetched)
    late = RunContext(policy, NOW + timedelta(minutes=6, seconds=1))
    assert not _list_cache.verified_before(late, fetched)
    _list_cache.clear()


def test_make_fetcher_passes_the_ca_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    fetcher = _network.make_fetcher(VerificationPolicy(ca_bundle=bundle))
    try:
        assert fetcher.policy.ca_bundle == bundle
    finally:
        fetcher.close()


def _endorsed_with(*endorsements: Any, **extra: Any) -> dict[str, Any]:
    doc = credential(**extra)
    doc["credentialSubject"]["achievement"]["endorsement"] = list(endorsements)
    return di(doc)


def test_nested_endorsements_within_the_depth_limit_verify() -> None:
    from test_verify_exact import _nested_endorsements

    assert verify(_nested_endorsements(1), OFFLINE).verified
    deep = _nested_endorsements(2)
    assert verify(deep, VerificationPolicy(now=NOW, offline=True, max_endorsement_depth=5)).verified


def test_an_endorsement_is_not_judged_by_the_credentials_own_policy_rules() -> None:
    from test_verify_exact import endorsement

    signed = di(endorsement(), OTHER)
    doc = _endorsed_with(signed)
    for options in (
        {"expected_recipient": "did:example:teacher1"},
        {"trusted_issuers": frozenset({credential()["issuer"]["id"]})},
    ):
        result = verify(doc, VerificationPolicy(now=NOW, offline=True, **options))
        assert result.check("endorsements").status == "passed", options
    with_list = _endorsed_with(signed, credentialStatus=_status_entry_at(42))
    policy = VerificationPolicy(
        now=NOW, require_status=True, fetcher=Host({LIST_URL: status_list()})
    )
    assert verify(with_list, policy).verified


def test_a_nested_endorsement_uses_the_same_resolver_and_fetcher() -> None:
    from test_verify_exact import endorsement

    from mcbadge.did import build_did_web_document

    did = "did:web:endorser.example"
    document = build_did_web_document("endorser.example", [OTHER])
    vm = document["assertionMethod"][0]
    signed = di(endorsement(issuer={"id": did, "type": ["Profile"]}), OTHER, verification_method=vm)
    doc = _endorsed_with(signed)
    preloaded = VerificationPolicy(now=NOW, offline=True, did_documents={did: document})
    assert verify(doc, preloaded).check("endorsements").status == "passed"
    with_status_entry = di(endorsement(credentialStatus=_status_entry_at(7)) | {}, OTHER)
    listed = status_list(key=OTHER)
    result = verify(
        _endorsed_with(with_status_entry),
        VerificationPolicy(now=NOW, fetcher=Host({LIST_URL: listed})),
    )
    assert result.check("endorsements").status == "passed"


def _v2_token(**claims: Any) -> str:
    from test_verify_exact import header, raw_jwt, v2_payload

    from mcbadge.did import did_jwk

    extra = {k: v for k, v in claims.items() if k in ("validFrom", "validUntil")}
    rest = {k: v for k, v in claims.items() if k not in extra}
    return raw_jwt(header(), v2_payload(credential(did_jwk(ED), **extra), **rest))


def test_jwt_claims_nbf_and_exp_at_the_skew_edges() -> None:
    start = NOW + timedelta(minutes=5)
    token = _v2_token(validFrom=start.strftime("%Y-%m-%dT%H:%M:%SZ"), nbf=int(start.timestamp()))
    assert verify(token, OFFLINE).check("jwt_claims").status == "passed"
    end = NOW - timedelta(minutes=5)
    token = _v2_token(
        validFrom="2024-01-01T00:00:00Z",
        validUntil=end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        exp=int(end.timestamp()),
    )
    assert verify(token, OFFLINE).check("jwt_claims").status == "passed"


def test_jwt_exp_is_checked_when_there_is_no_nbf() -> None:
    token = _v2_token(nbf=None, exp=5)
    assert verify(token, OFFLINE).check("jwt_claims") == Check(
        "jwt_claims",
        "failed",
        "jwt_claims.exp_mismatch",
        "the JWT exp claim does not match validUntil",
    )


@pytest.mark.parametrize("value", ["1", True, [1]])
def test_the_verifiers_numeric_date_rule(value: Any) -> None:
    # the proof layer's member table refuses these first; this copy of the rule is tested too
    from mcbadge.verify import checks_proof

    with pytest.raises(checks_proof._Stop) as info:
        checks_proof._numeric_date({"exp": value}, "exp")
    assert info.value.check == Check(
        "jwt_claims", "failed", "jwt_claims.bad_exp", "the exp claim is not a NumericDate"
    )
    assert checks_proof._numeric_date({"exp": 5.9}, "exp") == 5
    assert checks_proof._numeric_date({}, "exp") is None


def test_the_policy_skew_judges_the_status_lists_window() -> None:
    listed = status_list(signed="no")
    listed["validFrom"] = (NOW + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc, _ = with_status({})
    host = Host({LIST_URL: di(listed)})
    assert verify(doc, VerificationPolicy(now=NOW, fetcher=host)).verified
    strict = verify(doc, VerificationPolicy(now=NOW, fetcher=host, clock_skew=timedelta(0)))
    check = strict.check("status_list")
    assert (check.status, check.indeterminate) == ("failed", True)
    assert check.code != "status_list.unverified"


def test_an_unverified_list_says_its_first_failure_and_names_the_others() -> None:
    listed = status_list(signed="no")
    listed["@context"] = [*listed["@context"], "https://evil.example/ctx.json"]
    doc, _ = with_status({})
    result = verify(doc, VerificationPolicy(now=NOW, fetcher=Host({LIST_URL: listed})))
    check = result.check("status_list")
    assert check.code == "status_list.unverified"
    assert check.message == (
        "the status list credential does not verify: JSON-LD context "
        "'https://evil.example/ctx.json' is not bundled; contexts are never fetched "
        "(context.not_allowed); also failed: proof"
    )


def test_endorsements_beyond_the_depth_limit() -> None:
    from test_verify_exact import endorsement

    doc = _endorsed_with(di(endorsement(), OTHER))
    result = verify(doc, VerificationPolicy(now=NOW, offline=True, max_endorsement_depth=0))
    assert result.check("endorsements") == Check(
        "endorsements",
        "failed",
        "endorsements.too_deep",
        "endorsements are nested too deeply to verify",
    )


def test_an_endorsement_failing_twice_says_the_first_failure_and_names_the_second() -> None:
    from test_verify_exact import endorsement

    bad = di(endorsement(validUntil="2024-06-01T00:00:00Z"), OTHER) | {"name": "Forged"}
    result = verify(_endorsed_with(bad), OFFLINE)
    assert result.check("endorsements").message == (
        "endorsement 1 does not verify: the signature does not verify (signature.invalid); "
        "also failed: validity"
    )


@pytest.mark.parametrize("text", ["Xbadges/b", "in/badge", "a\\b", "/" + "x" * 4095])
def test_refuse_path_like_edges(text: str) -> None:
    with pytest.raises(TypeError, match="looks like a file name"):
        refuse_path_like(text)


def test_refuse_path_like_quotes_at_most_80_characters() -> None:
    long = "d/" + "x" * 120
    with pytest.raises(TypeError) as info:
        refuse_path_like(long)
    assert f"({long[:80]!r})" in str(info.value)


def test_refuse_path_like_lets_a_long_text_through() -> None:
    refuse_path_like("/" + "x" * 4096)


def test_a_rich_fetch_keeps_the_url_and_the_digest() -> None:
    asked: list[str] = []

    class Recording(_Rich):
        def get_bytes(self, url: str, *, accept: str) -> Any:
            asked.append(url)
            return super().get_bytes(url, accept=accept)

    got = _network.fetch_document(Recording(b'{"b": 2}'), "https://x/1", offline=False)
    assert asked == ["https://x/1"]
    assert got.digest == __import__("hashlib").sha256(b'{"b": 2}').hexdigest()


def test_a_preloaded_did_web_document_is_used_before_the_network() -> None:
    from mcbadge.did import build_did_web_document

    document = build_did_web_document("example.edu", [ED])
    doc = di(credential("did:web:example.edu"), verification_method=document["assertionMethod"][0])
    policy = VerificationPolicy(
        now=NOW, fetcher=Host({}), did_documents={"did:web:example.edu": document}
    )
    assert verify(doc, policy).verified


@pytest.mark.parametrize(
    ("jws", "message"),
    [
        ("e.e.e", "the JWT header is not base64url"),
        ("WzFd.e30.", "the JWT header is not a JSON object"),
        ("e30.WzFd.", "the JWT payload is not a JSON object"),
    ],
)
def test_decode_jws_parts_codes(jws: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        decode_jws_parts(jws)
    assert (info.value.code, info.value.message) == ("jwt.malformed", message)


def test_web_resolver_resolve_fetches_did_web_and_defers_the_rest() -> None:
    from mcbadge.did import build_did_web_document, did_for_key

    document = build_did_web_document("example.edu", [ED])
    host = Host({"https://example.edu/.well-known/did.json": document})
    resolver = _network.make_resolver(VerificationPolicy(), host)
    assert resolver.resolve("did:web:example.edu#key-1") == document
    assert resolver.resolve(did_for_key(ED))["id"] == did_for_key(ED)
    preloaded = _network.make_resolver(
        VerificationPolicy(did_documents={"did:web:other.edu": {"id": "did:web:other.edu"}}), host
    )
    assert preloaded.resolve("did:web:other.edu") == {"id": "did:web:other.edu"}
    with pytest.raises(MCBadgeError) as info:
        resolver.resolve("did:web:missing.edu")
    assert info.value.code == "status_retrieval.unreachable"
    assert [e.code for e in resolver.fetch_failures] == ["status_retrieval.unreachable"]


def test_a_verified_result_has_no_reason_and_one_failure_names_no_others() -> None:
    from mcbadge.verify import VerificationResult

    passed = Check("proof", "passed", "proof.ok", "has a proof")
    assert VerificationResult((passed,)).why_not() == ""
    broken = Check("signature", "failed", "signature.invalid", "the signature does not verify")
    skipped = Check("status", "skipped", "status.not_reached", "not reached")
    assert VerificationResult((passed, broken, skipped)).why_not() == (
        "the signature does not verify (signature.invalid)"
    )
