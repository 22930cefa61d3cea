"""CLR learner records and bundle reports, exactly: what :func:`mcbadge.verify_clr` says of the
outer record and of each entry inside (a credential, something that is not one, one entry too
many), which policy knobs reach which part, and the text a licensure clerk reads for a bundle
(a CLR or a presentation), line by line.

Keys come from fixed seeds and the clock is fixed (``NOW``), so every report is exact. Each test
pins what a surviving mutant of ``verify/clr.py`` or ``verify/report.py`` changed (see
docs/security.md, "Mutation testing").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_verify_exact import ED, LIST_URL, NOW, OTHER, Host, _ed, credential, di, jwt

import mcbadge
from mcbadge.clr import clr_document
from mcbadge.did import build_did_web_document, did_for_key
from mcbadge.keys import Key
from mcbadge.present import present
from mcbadge.status import build_status_list_credential
from mcbadge.status.bitstring import new_bitstring, set_bit
from mcbadge.verify import (
    CHECK_IDS,
    BundleResult,
    Check,
    NestedResult,
    Summary,
    VerificationPolicy,
    VerificationResult,
    exit_code_for,
    render_text,
)
from mcbadge.verify import clr as clr_module
from mcbadge.verify.clr import MAX_NESTED, NESTED_POINTER
from mcbadge.verify.report import render_bundle_text

AT = "/credentialSubject/verifiableCredential"
ASSEMBLER = _ed(7)
ASSEMBLER_DID = did_for_key(ASSEMBLER)
ED_DID = did_for_key(ED)
OTHER_DID = did_for_key(OTHER)
OUTER_LIST_URL = "https://status.example.edu/lists/registrar"
OFFLINE = VerificationPolicy(now=NOW, offline=True)
NOT_REACHED = "not reached: the entry is not a credential"


# ---------------------------------------------------------------- building records


def _nested(number: int, key: Key = ED, issuer: str | None = None, **extra: Any) -> dict[str, Any]:
    """An unsigned OB 3.0 credential for the teacher, numbered so each one is distinct."""
    doc = credential(
        issuer or did_for_key(key),
        id=f"urn:uuid:00000000-0000-4000-8000-00000000000{number}",
        **extra,
    )
    doc["credentialSubject"]["achievement"]["id"] = f"https://example.edu/achievements/{number}"
    doc["credentialSubject"]["achievement"]["name"] = f"Unit {number}"
    return doc


def _record(entries: Any, *, signed: bool = True, **extra: Any) -> dict[str, Any]:
    """A ClrCredential over ``entries`` (embedded as given), assembled by the registrar."""
    readable = [
        entry
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and "OpenBadgeCredential" in entry.get("type", [])
    ]
    record = clr_document(
        readable or [_nested(9)],
        issuer={"id": ASSEMBLER_DID, "type": ["Profile"], "name": "State Registrar"},
        credential_id="urn:uuid:c1c1c1c1-0000-4000-8000-000000000001",
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    record["credentialSubject"]["verifiableCredential"] = entries
    if not isinstance(entries, list) or not entries or len(readable) < len(entries):
        del record["credentialSchema"]  # the CLR JSON Schema wants objects only
    record.update(extra)
    return di(record, ASSEMBLER) if signed else record


def _status_entry(url: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def _status_list(url: str, key: Key, *revoked: int) -> dict[str, Any]:
    bits = new_bitstring()
    for index in revoked:
        set_bit(bits, index)
    document = build_status_list_credential(
        url, did_for_key(key), "revocation", bits, valid_from="2024-01-01T00:00:00Z"
    )
    return di(document, key)  # type: ignore[no-any-return]


def _refused(code: str, message: str) -> VerificationResult:
    """What a nested entry that is not a credential must read, written out check by check."""
    checks = [Check("input", "failed", code, message)]
    checks += [Check(cid, "skipped", f"{cid}.not_reached", NOT_REACHED) for cid in CHECK_IDS[1:]]
    return VerificationResult(tuple(checks), Summary(status_state="not_checked"))


def _refused_lines(number: str, index: int, code: str, message: str) -> list[str]:
    """The text of such an entry inside a CLR report."""
    return [
        f"  Credential {number} ({AT}/{index}): NOT VERIFIED",
        f"    Why:         input: {message}",
        f"    [FAIL] input             {message} ({code})",
        *(f"    [skip] {cid:<17} {NOT_REACHED} ({cid}.not_reached)" for cid in CHECK_IDS[1:]),
    ]


_PASSING = re.compile(r"^ +\[(ok  |skip)\] ")


def _digest(text: str) -> list[str]:
    """The report without its passing and skipped check lines: verdicts, facts, failures."""
    return [line for line in text.split("\n") if not _PASSING.match(line)]


def _failed(result: VerificationResult) -> list[tuple[str, str, bool]]:
    return [(c.id, c.code, c.indeterminate) for c in result.checks if c.status == "failed"]


@pytest.fixture(scope="module")
def signed() -> dict[str, Any]:
    """Every signed document the tests share, signed once."""
    lists = {
        LIST_URL: _status_list(LIST_URL, ED, 42),
        OUTER_LIST_URL: _status_list(OUTER_LIST_URL, ASSEMBLER),
    }
    one = di(_nested(1))
    revoked = di(_nested(3, credentialStatus=_status_entry(LIST_URL, 42)))
    good_record = _record([one, jwt(_nested(2, OTHER), OTHER)])
    status_record = _record([one, revoked], credentialStatus=_status_entry(OUTER_LIST_URL, 7))
    return {
        "one": one,
        "two": di(_nested(2, OTHER), OTHER),
        "good": good_record,
        "status": status_record,
        "lists": lists,
        "garbage": _record([one, 7, None, [], "plain text", True, 1.5]),
        "empty": _record([]),
        "inner": _record([good_record]),
    }


# ---------------------------------------------------------------- verify_clr: results


GOOD_TEXT = [
    "record.json: VERIFIED",
    "  A learner record (CLR 2.0): outer checks VERIFIED; 2 of 2 credentials inside verified",
    "  Outer record: VERIFIED",
    f"    Issuer:      State Registrar ({ASSEMBLER_DID}); the name is self-asserted and "
    "unchecked (no trust list)",
    "    Recipient:   did:example:teacher1",
    "    Valid from:  2025-01-01T00:00:00Z",
    "    Status:      none (the credential carries no revocation status)",
    "    Proof:       eddsa-rdfc-2022",
    "    [ok  ] input             read as JSON (input.ok)",
    "    [ok  ] data_model        follows the CLR 2.0 data model (data_model.ok)",
    "    [skip] schema            the credential names no 1EdTech JSON Schema "
    "(schema.not_applicable)",
    "    [ok  ] context           only bundled JSON-LD contexts are used (context.ok)",
    "    [ok  ] data_loss         covered by the verified proof (data_loss.ok)",
    "    [ok  ] canonicalization  covered by the verified proof (canonicalization.ok)",
    "    [ok  ] proof             DataIntegrityProof proof present (proof.ok)",
    "    [ok  ] cryptosuite       cryptosuite eddsa-rdfc-2022 (cryptosuite.ok)",
    "    [ok  ] signature         the signature verifies (signature.ok)",
    "    [ok  ] key_resolution    covered by the verified proof (key_resolution.ok)",
    "    [ok  ] key_binding       the signing key belongs to the issuer (key_binding.ok)",
    "    [ok  ] proof_purpose     assertionMethod (proof_purpose.ok)",
    "    [ok  ] proof_time        proof times are acceptable (proof_time.ok)",
    "    [skip] jwt               not a VC-JWT (jwt.not_applicable)",
    "    [skip] jwt_claims        not a VC-JWT (jwt_claims.not_applicable)",
    "    [ok  ] validity          valid now: from 2025-01-01T00:00:00Z, with no end date "
    "(validity.ok)",
    "    [skip] status            the credential has no credentialStatus (status.not_applicable)",
    "    [skip] status_retrieval  no credentialStatus (status_retrieval.not_applicable)",
    "    [skip] status_list       no credentialStatus (status_list.not_applicable)",
    "    [skip] status_range      no credentialStatus (status_range.not_applicable)",
    "    [skip] recipient         no expected recipient was given (recipient.not_applicable)",
    "    [skip] endorsements      the credential carries no endorsements "
    "(endorsements.not_applicable)",
    "    [ok  ] network_policy    no request broke the network policy (network_policy.ok)",
    f"  Credential 1 of 2 ({AT}/0): VERIFIED",
    f"    Issuer:      Example Teacher Academy ({ED_DID}); the name is self-asserted and "
    "unchecked (no trust list)",
    "    Achievement: Unit 1",
    "      id:        https://example.edu/achievements/1",
    "    Recipient:   did:example:teacher1",
    "    Valid from:  2024-01-01T00:00:00Z",
    "    Valid until: 2030-01-01T00:00:00Z",
    "    Status:      none (the credential carries no revocation status)",
    "    Proof:       eddsa-rdfc-2022",
    "    [ok  ] input             read as JSON (input.ok)",
    "    [ok  ] data_model        follows the Open Badges 3.0 data model (data_model.ok)",
    "    [skip] schema            the credential names no 1EdTech JSON Schema "
    "(schema.not_applicable)",
    "    [ok  ] context           only bundled JSON-LD contexts are used (context.ok)",
    "    [ok  ] data_loss         covered by the verified proof (data_loss.ok)",
    "    [ok  ] canonicalization  covered by the verified proof (canonicalization.ok)",
    "    [ok  ] proof             DataIntegrityProof proof present (proof.ok)",
    "    [ok  ] cryptosuite       cryptosuite eddsa-rdfc-2022 (cryptosuite.ok)",
    "    [ok  ] signature         the signature verifies (signature.ok)",
    "    [ok  ] key_resolution    covered by the verified proof (key_resolution.ok)",
    "    [ok  ] key_binding       the signing key belongs to the issuer (key_binding.ok)",
    "    [ok  ] proof_purpose     assertionMethod (proof_purpose.ok)",
    "    [ok  ] proof_time        proof times are acceptable (proof_time.ok)",
    "    [skip] jwt               not a VC-JWT (jwt.not_applicable)",
    "    [skip] jwt_claims        not a VC-JWT (jwt_claims.not_applicable)",
    "    [ok  ] validity          valid now: from 2024-01-01T00:00:00Z until "
    "2030-01-01T00:00:00Z (validity.ok)",
    "    [skip] status            the credential has no credentialStatus (status.not_applicable)",
    "    [skip] status_retrieval  no credentialStatus (status_retrieval.not_applicable)",
    "    [skip] status_list       no credentialStatus (status_list.not_applicable)",
    "    [skip] status_range      no credentialStatus (status_range.not_applicable)",
    "    [skip] recipient         no expected recipient was given (recipient.not_applicable)",
    "    [skip] endorsements      the credential carries no endorsements "
    "(endorsements.not_applicable)",
    "    [ok  ] network_policy    no request broke the network policy (network_policy.ok)",
    f"  Credential 2 of 2 ({AT}/1): VERIFIED",
    f"    Issuer:      Example Teacher Academy ({OTHER_DID}); the name is self-asserted and "
    "unchecked (no trust list)",
    "    Achievement: Unit 2",
    "      id:        https://example.edu/achievements/2",
    "    Recipient:   did:example:teacher1",
    "    Valid from:  2024-01-01T00:00:00Z",
    "    Valid until: 2030-01-01T00:00:00Z",
    "    Status:      none (the credential carries no revocation status)",
    "    Proof:       VC-JWT",
    "    [ok  ] input             read as a VC-JWT (compact JWS) (input.ok)",
    "    [ok  ] data_model        follows the Open Badges 3.0 data model (data_model.ok)",
    "    [skip] schema            the credential names no 1EdTech JSON Schema "
    "(schema.not_applicable)",
    "    [ok  ] context           only bundled JSON-LD contexts are used (context.ok)",
    "    [ok  ] data_loss         JSON-LD processing of the JWT's credential drops nothing "
    "(data_loss.ok)",
    "    [skip] canonicalization  not applicable to a VC-JWT (canonicalization.not_applicable)",
    "    [ok  ] proof             VC-JWT envelope (proof.ok)",
    "    [skip] cryptosuite       not applicable to a VC-JWT (cryptosuite.not_applicable)",
    "    [ok  ] signature         the signature verifies (signature.ok)",
    "    [ok  ] key_resolution    the key was resolved (key_resolution.ok)",
    "    [ok  ] key_binding       the signing key belongs to the issuer (key_binding.ok)",
    "    [skip] proof_purpose     not applicable to a VC-JWT (proof_purpose.not_applicable)",
    "    [skip] proof_time        not applicable to a VC-JWT (proof_time.not_applicable)",
    "    [ok  ] jwt               JWS header acceptable (alg EdDSA) (jwt.ok)",
    "    [ok  ] jwt_claims        JWT claims match the credential (jwt_claims.ok)",
    "    [ok  ] validity          valid now: from 2024-01-01T00:00:00Z until "
    "2030-01-01T00:00:00Z (validity.ok)",
    "    [skip] status            the credential has no credentialStatus (status.not_applicable)",
    "    [skip] status_retrieval  no credentialStatus (status_retrieval.not_applicable)",
    "    [skip] status_list       no credentialStatus (status_list.not_applicable)",
    "    [skip] status_range      no credentialStatus (status_range.not_applicable)",
    "    [skip] recipient         no expected recipient was given (recipient.not_applicable)",
    "    [skip] endorsements      the credential carries no endorsements "
    "(endorsements.not_applicable)",
    "    [ok  ] network_policy    no request broke the network policy (network_policy.ok)",
]


def test_a_good_record_of_an_object_and_a_vc_jwt_verifies_and_reads_in_full(
    signed: dict[str, Any],
) -> None:
    result = mcbadge.verify_clr(signed["good"], OFFLINE)
    assert (result.kind, result.verified, result.indeterminate) == ("clr", True, False)
    assert (exit_code_for(result), result.failed_locations) == (0, [])
    assert [item.location for item in result.nested] == [f"{AT}/0", f"{AT}/1"]
    # the outer record is the assembler's statement; each credential inside is its issuer's
    assert result.outer.summary.issuer_id == ASSEMBLER_DID
    assert [item.result.summary.issuer_id for item in result.nested] == [ED_DID, OTHER_DID]
    assert result.nested[1].result.summary.proof_format == "VC-JWT"
    text = render_bundle_text(result, name="record.json")
    assert text.split("\n") == GOOD_TEXT
    assert "\x1b[" not in text  # no colour unless asked for


def test_a_coloured_record_report_colours_every_part(signed: dict[str, Any]) -> None:
    result = mcbadge.verify_clr(signed["good"], OFFLINE)
    coloured = render_bundle_text(result, name="record.json", colour=True).split("\n")
    plain = [line.replace("[ok  ]", "[\x1b[32mok  \x1b[0m]") for line in GOOD_TEXT]
    plain = [line.replace("[skip]", "[\x1b[2mskip\x1b[0m]") for line in plain]
    assert coloured == plain
    assert coloured[8] == "    [\x1b[32mok  \x1b[0m] input             read as JSON (input.ok)"
    # nested parts are coloured too, not only the outer record
    assert coloured[-1].startswith("    [\x1b[32mok  \x1b[0m] network_policy ")


def test_a_revoked_credential_inside_fails_the_record_and_is_named(
    signed: dict[str, Any],
) -> None:
    policy = VerificationPolicy(now=NOW, fetcher=Host(signed["lists"]))
    result = mcbadge.verify_clr(signed["status"], policy)
    assert (result.verified, result.indeterminate, exit_code_for(result)) == (False, False, 1)
    assert result.failed_locations == [f"{AT}/1"]
    # the outer record's own status is read through the run's fetcher: active
    assert result.outer.summary.status_state == "active"
    assert result.outer.check("status") == Check("status", "passed", "status.ok", "not revoked")
    assert _failed(result.nested[1].result) == [("status", "status.revoked", False)]
    assert result.nested[1].result.summary.status_state == "revoked"
    assert _digest(render_bundle_text(result, name="r.json")) == [
        "r.json: NOT VERIFIED",
        "  A learner record (CLR 2.0): outer checks VERIFIED; 1 of 2 credentials inside verified",
        f"  Not verified: {AT}/1",
        "  Outer record: VERIFIED",
        f"    Issuer:      State Registrar ({ASSEMBLER_DID}); the name is self-asserted and "
        "unchecked (no trust list)",
        "    Recipient:   did:example:teacher1",
        "    Valid from:  2025-01-01T00:00:00Z",
        "    Status:      active (not revoked or suspended)",
        "    Proof:       eddsa-rdfc-2022",
        f"  Credential 1 of 2 ({AT}/0): VERIFIED",
        f"    Issuer:      Example Teacher Academy ({ED_DID}); the name is self-asserted and "
        "unchecked (no trust list)",
        "    Achievement: Unit 1",
        "      id:        https://example.edu/achievements/1",
        "    Recipient:   did:example:teacher1",
        "    Valid from:  2024-01-01T00:00:00Z",
        "    Valid until: 2030-01-01T00:00:00Z",
        "    Status:      none (the credential carries no revocation status)",
        "    Proof:       eddsa-rdfc-2022",
        f"  Credential 2 of 2 ({AT}/1): NOT VERIFIED",
        "    Why:         status: the credential has been revoked",
        f"    Issuer:      Example Teacher Academy ({ED_DID}); the name is self-asserted and "
        "unchecked (no trust list)",
        "    Achievement: Unit 3",
        "      id:        https://example.edu/achievements/3",
        "    Recipient:   did:example:teacher1",
        "    Valid from:  2024-01-01T00:00:00Z",
        "    Valid until: 2030-01-01T00:00:00Z",
        "    Status:      REVOKED",
        "    Proof:       eddsa-rdfc-2022",
        "    [FAIL] status            the credential has been revoked (status.revoked)",
    ]


def test_an_unreachable_list_inside_leaves_the_record_undecided(signed: dict[str, Any]) -> None:
    lists = {OUTER_LIST_URL: signed["lists"][OUTER_LIST_URL]}  # the credential's list is gone
    result = mcbadge.verify_clr(signed["status"], VerificationPolicy(now=NOW, fetcher=Host(lists)))
    assert (result.verified, result.indeterminate, exit_code_for(result)) == (False, True, 2)
    assert result.failed_locations == [f"{AT}/1"]
    unreachable = f"{LIST_URL} is unreachable"
    assert _failed(result.nested[1].result) == [
        ("status_retrieval", "status_retrieval.unreachable", True)
    ]
    lines = _digest(render_bundle_text(result))
    assert lines[:4] == [
        "INDETERMINATE",
        "  A learner record (CLR 2.0): outer checks VERIFIED; 1 of 2 credentials inside verified",
        f"  Not verified: {AT}/1",
        "  Outer record: VERIFIED",
    ]
    assert lines[-11:] == [
        f"  Credential 2 of 2 ({AT}/1): INDETERMINATE",
        f"    Why:         could not be checked: status_retrieval: {unreachable}",
        f"    Issuer:      Example Teacher Academy ({ED_DID}); the name is self-asserted and "
        "unchecked (no trust list)",
        "    Achievement: Unit 3",
        "      id:        https://example.edu/achievements/3",
        "    Recipient:   did:example:teacher1",
        "    Valid from:  2024-01-01T00:00:00Z",
        "    Valid until: 2030-01-01T00:00:00Z",
        f"    Status:      unknown: {unreachable}",
        "    Proof:       eddsa-rdfc-2022",
        f"    [????] status_retrieval  {unreachable} (status_retrieval.unreachable)",
    ]


def test_entries_that_are_not_credentials_are_each_refused_exactly(
    signed: dict[str, Any],
) -> None:
    result = mcbadge.verify_clr(signed["garbage"], OFFLINE)
    assert exit_code_for(result) == 1
    assert result.failed_locations == ["", *(f"{AT}/{n}" for n in range(1, 7))]
    assert _failed(result.outer) == [("data_model", "data_model.invalid", False)]
    assert result.nested[0].result.verified
    not_object = "a credential inside a CLR must be a JSON object, not "
    not_jws = "a credential inside a CLR given as a string must be a compact JWS (VC-JWT)"
    assert [item.result for item in result.nested[1:]] == [
        _refused("input.not_object", not_object + "int"),
        _refused("input.not_object", not_object + "null"),
        _refused("input.not_object", not_object + "an array"),
        _refused("input.malformed", not_jws),
        _refused("input.not_object", not_object + "bool"),
        _refused("input.not_object", not_object + "float"),
    ]
    lines = render_bundle_text(result).split("\n")
    assert lines[:3] == [
        "NOT VERIFIED",
        "  A learner record (CLR 2.0): outer checks NOT VERIFIED; 1 of 7 credentials inside "
        "verified",
        "  Not verified: the outer record, " + ", ".join(f"{AT}/{n}" for n in range(1, 7)),
    ]
    start = lines.index(f"  Credential 2 of 7 ({AT}/1): NOT VERIFIED")
    assert lines[start : start + 2 * 25] == [
        *_refused_lines("2 of 7", 1, "input.not_object", not_object + "int"),
        *_refused_lines("3 of 7", 2, "input.not_object", not_object + "null"),
    ]
    assert lines[-25:] == _refused_lines("7 of 7", 6, "input.not_object", not_object + "float")
    five = lines.index(f"  Credential 5 of 7 ({AT}/4): NOT VERIFIED")
    assert lines[five : five + 25] == _refused_lines("5 of 7", 4, "input.malformed", not_jws)


def test_an_empty_record_fails_its_outer_data_model_and_holds_nothing(
    signed: dict[str, Any],
) -> None:
    result = mcbadge.verify_clr(signed["empty"], OFFLINE)
    assert (result.nested, result.failed_locations, exit_code_for(result)) == ((), [""], 1)
    empty = (
        "credentialSubject.verifiableCredential is null or an empty list; "
        "such members must be omitted"
    )
    assert _digest(render_bundle_text(result, name="empty.json")) == [
        "empty.json: NOT VERIFIED",
        "  A learner record (CLR 2.0): outer checks NOT VERIFIED; 0 of 0 credentials inside "
        "verified",
        "  Not verified: the outer record",
        "  Outer record: NOT VERIFIED",
        f"    Why:         data_model: {empty}",
        f"    Issuer:      State Registrar ({ASSEMBLER_DID}); the name is self-asserted and "
        "unchecked (no trust list)",
        "    Recipient:   did:example:teacher1",
        "    Valid from:  2025-01-01T00:00:00Z",
        "    Status:      none (the credential carries no revocation status)",
        "    Proof:       eddsa-rdfc-2022",
        f"    [FAIL] data_model        {empty} (data_model.invalid)",
    ]


def test_a_record_inside_a_record_is_not_followed(signed: dict[str, Any]) -> None:
    result = mcbadge.verify_clr(signed["inner"], OFFLINE)
    assert result.outer.verified
    assert [item.location for item in result.nested] == [f"{AT}/0"]
    inner = result.nested[0].result
    assert _failed(inner) == [("input", "input.clr", False)]
    assert inner.check("input").message.startswith(
        "this is a CLR learner record (ClrCredential): it holds other credentials"
    )
    assert inner.summary.status_state == "not_checked"


@pytest.mark.parametrize(
    ("held", "locations", "first_failure"),
    [
        # one object is the "one credential" form: judged on its own, at the bare pointer
        ({"hello": "world"}, [AT], ("data_model", "data_model.invalid", False)),
        (None, [AT], ("input", "input.not_object", False)),
        ("a.b", [AT], ("input", "input.malformed", False)),
    ],
)
def test_a_held_value_that_is_not_a_list_is_one_entry_at_the_bare_pointer(
    held: Any, locations: list[str], first_failure: tuple[str, str, bool]
) -> None:
    result = mcbadge.verify_clr(_record(held, signed=False), OFFLINE)
    assert NESTED_POINTER == AT
    assert [item.location for item in result.nested] == locations
    assert _failed(result.nested[0].result)[0] == first_failure


@pytest.mark.parametrize(
    "change",
    [
        lambda subject: subject.pop("verifiableCredential"),
        lambda subject: subject.clear(),
    ],
)
def test_a_record_holding_nothing_has_no_nested_results(change: Any) -> None:
    record = _record([_nested(1)], signed=False)
    change(record["credentialSubject"])
    result = mcbadge.verify_clr(record, OFFLINE)
    assert result.nested == ()
    assert result.outer.check("data_model").status == "failed"


def test_a_record_whose_subject_is_not_an_object_has_no_nested_results() -> None:
    record = _record([_nested(1)], signed=False)
    record["credentialSubject"] = [record["credentialSubject"]]
    result = mcbadge.verify_clr(record, OFFLINE)
    assert (result.nested, result.failed_locations) == ((), [""])


@pytest.mark.parametrize("document", [b"[1, 2]", "{not json", b"\xff"])
def test_an_unreadable_record_fails_its_input_and_holds_nothing(document: Any) -> None:
    result = mcbadge.verify_clr(document, OFFLINE)
    assert result.nested == ()
    assert result.outer.check("input").status == "failed"
    assert result.outer.check("data_model").code == "data_model.not_reached"
    assert exit_code_for(result) == 1


def test_exactly_the_limit_of_entries_is_checked_in_full() -> None:
    result = mcbadge.verify_clr(_record([0] * MAX_NESTED, signed=False), OFFLINE)
    assert MAX_NESTED == 1000
    assert len(result.nested) == MAX_NESTED
    assert result.nested[-1].location == f"{AT}/{MAX_NESTED - 1}"
    refused = _refused(
        "input.not_object", "a credential inside a CLR must be a JSON object, not int"
    )
    assert {item.result for item in result.nested} == {refused}


@pytest.mark.parametrize("count", [MAX_NESTED + 1, MAX_NESTED + 2])
def test_one_entry_past_the_limit_fails_at_the_first_one_not_checked(count: int) -> None:
    result = mcbadge.verify_clr(_record([0] * count, signed=False), OFFLINE)
    assert len(result.nested) == MAX_NESTED + 1
    assert result.nested[MAX_NESTED - 1].result.check("input").code == "input.not_object"
    last = result.nested[-1]
    assert last.location == f"{AT}/{MAX_NESTED}"
    assert last.result == _refused(
        "input.too_many",
        f"the record holds {count} credentials, more than the 1000 mcbadge checks in one "
        "record; this one and the rest were not checked",
    )
    assert result.failed_locations[-1] == f"{AT}/{MAX_NESTED}"


# ---------------------------------------------------------------- verify_clr: policy


def test_the_policy_must_be_a_verification_policy() -> None:
    with pytest.raises(TypeError, match=r"^policy must be a VerificationPolicy$"):
        mcbadge.verify_clr({}, {"offline": True})  # type: ignore[arg-type]


def test_without_a_policy_the_defaults_verify_a_record_that_needs_no_network(
    signed: dict[str, Any],
) -> None:
    result = mcbadge.verify_clr(signed["good"])
    assert result.outer.check("signature").status == "passed"
    assert [item.result.check("signature").status for item in result.nested] == ["passed"] * 2


def test_the_policy_clock_judges_the_record_and_every_credential() -> None:
    record = _record([di(_nested(4, validUntil="2025-06-02T00:00:00Z"))])
    fixed = mcbadge.verify_clr(record, OFFLINE)
    assert fixed.verified
    # without a fixed clock the verifier's own clock is used: that day has passed
    today = mcbadge.verify_clr(record, VerificationPolicy(offline=True))
    assert today.outer.verified
    assert _failed(today.nested[0].result) == [("validity", "validity.expired", False)]


def test_credential_policy_knobs_judge_the_credentials_inside_not_the_record(
    signed: dict[str, Any],
) -> None:
    record = _record([signed["one"], signed["two"]])
    trusted = VerificationPolicy(now=NOW, offline=True, trusted_issuers=frozenset({ED_DID}))
    result = mcbadge.verify_clr(record, trusted)
    assert result.outer.verified  # the assembler is not on the list and need not be
    assert result.failed_locations == [f"{AT}/1"]
    assert result.nested[1].result.check("key_binding") == Check(
        "key_binding",
        "failed",
        "key_binding.untrusted_issuer",
        f"issuer {OTHER_DID!r} is not on the trusted list",
    )
    required = mcbadge.verify_clr(
        record, VerificationPolicy(now=NOW, offline=True, require_status=True)
    )
    assert required.outer.check("status") == Check(
        "status", "skipped", "status.not_applicable", "the credential has no credentialStatus"
    )
    missing = Check(
        "status",
        "failed",
        "status.missing",
        "the policy requires a status, and the credential has none",
    )
    assert [item.result.check("status") for item in required.nested] == [missing, missing]
    assert required.failed_locations == [f"{AT}/0", f"{AT}/1"]


def test_the_expected_recipient_is_checked_on_the_record_and_inside(
    signed: dict[str, Any],
) -> None:
    policy = VerificationPolicy(now=NOW, offline=True, expected_recipient="did:example:other")
    result = mcbadge.verify_clr(signed["good"], policy)
    mismatch = Check(
        "recipient",
        "failed",
        "recipient.mismatch",
        "the credential was not issued to the expected recipient",
    )
    assert result.outer.check("recipient") == mismatch
    assert result.outer.summary.teacher is None  # the record is not a teacher's credential
    assert [item.result.check("recipient") for item in result.nested] == [mismatch, mismatch]
    assert [item.result.summary.teacher for item in result.nested] == ["did:example:other"] * 2


def test_did_web_keys_of_the_record_and_of_the_credentials_inside_are_fetched() -> None:
    """The run's resolver (built from the policy and the run's fetcher) serves the outer record
    and every credential inside: a did:web key is fetched, never looked up offline only."""
    registrar = build_did_web_document("registrar.example", [ASSEMBLER])
    academy = build_did_web_document("academy.example", [ED])
    inside = di(
        _nested(5, issuer="did:web:academy.example"),
        verification_method=academy["assertionMethod"][0],
    )
    record = _record([inside], signed=False)
    record["issuer"]["id"] = "did:web:registrar.example"
    record = di(record, ASSEMBLER, verification_method=registrar["assertionMethod"][0])
    host = Host(
        {
            "https://registrar.example/.well-known/did.json": registrar,
            "https://academy.example/.well-known/did.json": academy,
        }
    )
    result = mcbadge.verify_clr(record, VerificationPolicy(now=NOW, fetcher=host))
    assert result.outer.check("signature").status == "passed", result.outer.failed_checks
    assert result.nested[0].result.check("signature").status == "passed"
    assert (result.verified, exit_code_for(result)) == (True, 0)
    # the policy's preloaded documents reach both parts too (no fetcher at all)
    preloaded = VerificationPolicy(
        now=NOW,
        offline=True,
        did_documents={"did:web:registrar.example": registrar, "did:web:academy.example": academy},
    )
    assert mcbadge.verify_clr(record, preloaded).verified


class _ClosingHost(Host):
    def __init__(self, documents: dict[str, Any]) -> None:
        super().__init__(documents)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_an_own_fetcher_is_built_from_the_policy_used_and_closed(
    signed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    host = _ClosingHost(signed["lists"])
    built: list[VerificationPolicy] = []

    def make_fetcher(policy: VerificationPolicy) -> _ClosingHost:
        built.append(policy)
        return host

    monkeypatch.setattr(clr_module, "make_fetcher", make_fetcher)
    policy = VerificationPolicy(now=NOW)  # online, and no fetcher of the caller's
    result = mcbadge.verify_clr(signed["status"], policy)
    assert built == [policy]
    assert built[0] is policy
    assert result.outer.summary.status_state == "active"
    assert result.nested[1].result.summary.status_state == "revoked"
    assert host.closed == 1


def test_a_callers_fetcher_is_used_and_left_open(
    signed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def make_fetcher(policy: VerificationPolicy) -> None:
        raise AssertionError("a fetcher was given: none is built")

    monkeypatch.setattr(clr_module, "make_fetcher", make_fetcher)
    host = _ClosingHost(signed["lists"])
    result = mcbadge.verify_clr(signed["status"], VerificationPolicy(now=NOW, fetcher=host))
    assert result.nested[1].result.summary.status_state == "revoked"
    assert host.closed == 0


def test_offline_no_fetcher_is_built_and_status_is_not_fetched(
    signed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def make_fetcher(policy: VerificationPolicy) -> None:
        raise AssertionError("offline: no fetcher is built")

    monkeypatch.setattr(clr_module, "make_fetcher", make_fetcher)
    result = mcbadge.verify_clr(signed["status"], OFFLINE)
    assert result.outer.check("status_retrieval") == Check(
        "status_retrieval",
        "failed",
        "status_retrieval.refused",
        f"not retrieved: offline mode: {OUTER_LIST_URL} was not fetched",
        True,
    )
    assert (result.verified, result.indeterminate) == (False, True)
    assert result.outer.summary.status_state == "unknown"


# ---------------------------------------------------------------- bundle text, built by hand


def _made(*checks: Check, summary: Summary | None = None) -> VerificationResult:
    return VerificationResult(checks, summary or Summary())


OK_SIG = Check("signature", "passed", "signature.ok", "the signature verifies")
BAD_SIG = Check("signature", "failed", "signature.invalid", "the signature does not verify")
UNREACHABLE = Check(
    "status_retrieval", "failed", "status_retrieval.unreachable", "the list is unreachable", True
)
GOOD = _made(OK_SIG, summary=Summary(achievement_name="Unit 1"))
BAD = _made(BAD_SIG, summary=Summary(achievement_name="Unit 2"))
UNDECIDED = _made(OK_SIG, UNREACHABLE)
OUTER_GOOD = _made(
    Check("proof", "passed", "proof.ok", "the proof: DataIntegrityProof"),
    summary=Summary(recipient="did:example:holder", proof_format="eddsa-rdfc-2022"),
)
OUTER_BAD = _made(
    Check("proof", "passed", "proof.ok", "the proof: DataIntegrityProof"),
    Check("challenge", "failed", "challenge.mismatch", "a different challenge"),
    Check("credentials", "failed", "credentials.not_verified", "2 do not verify"),
    summary=Summary(recipient="did:example:holder", proof_format="eddsa-rdfc-2022"),
)


def _bundle(kind: Any, outer: VerificationResult, *nested: VerificationResult) -> BundleResult:
    where = "/verifiableCredential" if kind == "presentation" else AT
    return BundleResult(
        kind, outer, tuple(NestedResult(f"{where}/{n}", r) for n, r in enumerate(nested))
    )


def test_a_failed_presentation_reads_line_by_line() -> None:
    bundle = _bundle("presentation", OUTER_BAD, GOOD, BAD, UNDECIDED)
    assert render_bundle_text(bundle, name="vp.json").split("\n") == [
        "vp.json: NOT VERIFIED (presentation of 3 credential(s))",
        "  Why:         challenge: a different challenge (and 1 more below)",
        "  Holder:      did:example:holder",
        "  Proof:       eddsa-rdfc-2022",
        "  [ok  ] proof             the proof: DataIntegrityProof (proof.ok)",
        "  [FAIL] challenge         a different challenge (challenge.mismatch)",
        "  [FAIL] credentials       2 do not verify (credentials.not_verified)",
        "",
        "  credential /verifiableCredential/0: VERIFIED",
        "    Achievement: Unit 1",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        "",
        "  credential /verifiableCredential/1: NOT VERIFIED",
        "    Why:         signature: the signature does not verify",
        "    Achievement: Unit 2",
        "    [FAIL] signature         the signature does not verify (signature.invalid)",
        "",
        "  credential /verifiableCredential/2: INDETERMINATE",
        "    Why:         could not be checked: status_retrieval: the list is unreachable",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        "    [????] status_retrieval  the list is unreachable (status_retrieval.unreachable)",
        "",
        "Verdict: NOT VERIFIED: the presentation itself (challenge, credentials); credential(s) "
        "at /verifiableCredential/1, /verifiableCredential/2",
    ]


def test_an_undecided_presentation_and_a_good_one_without_a_name() -> None:
    undecided = render_bundle_text(_bundle("presentation", OUTER_GOOD, UNDECIDED))
    assert undecided.split("\n") == [
        "INDETERMINATE (presentation of 1 credential(s))",
        "  Holder:      did:example:holder",
        "  Proof:       eddsa-rdfc-2022",
        "  [ok  ] proof             the proof: DataIntegrityProof (proof.ok)",
        "",
        "  credential /verifiableCredential/0: INDETERMINATE",
        "    Why:         could not be checked: status_retrieval: the list is unreachable",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        "    [????] status_retrieval  the list is unreachable (status_retrieval.unreachable)",
        "",
        "Verdict: INDETERMINATE: credential(s) at /verifiableCredential/0",
    ]
    good = render_bundle_text(_bundle("presentation", OUTER_GOOD, GOOD, GOOD), name="")
    assert good.split("\n") == [
        "VERIFIED (presentation of 2 credential(s))",
        "  Holder:      did:example:holder",
        "  Proof:       eddsa-rdfc-2022",
        "  [ok  ] proof             the proof: DataIntegrityProof (proof.ok)",
        "",
        "  credential /verifiableCredential/0: VERIFIED",
        "    Achievement: Unit 1",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        "",
        "  credential /verifiableCredential/1: VERIFIED",
        "    Achievement: Unit 1",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        "",
        "Verdict: VERIFIED: the presentation and all 2 credential(s)",
    ]
    only_outer = render_bundle_text(_bundle("presentation", OUTER_BAD))
    assert only_outer.split("\n")[0] == "NOT VERIFIED (presentation of 0 credential(s))"
    assert only_outer.split("\n")[-1] == (
        "Verdict: NOT VERIFIED: the presentation itself (challenge, credentials)"
    )


def test_a_coloured_presentation_colours_the_outer_and_the_nested_checks() -> None:
    bundle = _bundle("presentation", OUTER_BAD, BAD)
    lines = render_bundle_text(bundle, colour=True).split("\n")
    assert lines[4:7] == [
        "  [\x1b[32mok  \x1b[0m] proof             the proof: DataIntegrityProof (proof.ok)",
        "  [\x1b[31mFAIL\x1b[0m] challenge         a different challenge (challenge.mismatch)",
        "  [\x1b[31mFAIL\x1b[0m] credentials       2 do not verify (credentials.not_verified)",
    ]
    assert lines[11] == (
        "    [\x1b[31mFAIL\x1b[0m] signature         the signature does not verify "
        "(signature.invalid)"
    )
    assert "\x1b[" not in render_bundle_text(bundle)  # the default is no colour


def test_a_record_failing_outside_and_inside_names_every_part() -> None:
    bundle = _bundle("clr", OUTER_BAD, BAD, GOOD, UNDECIDED)
    assert render_bundle_text(bundle, name="clr.json").split("\n") == [
        "clr.json: NOT VERIFIED",
        "  A learner record (CLR 2.0): outer checks NOT VERIFIED; 1 of 3 credentials inside "
        "verified",
        f"  Not verified: the outer record, {AT}/0, {AT}/2",
        "  Outer record: NOT VERIFIED",
        "    Why:         challenge: a different challenge (and 1 more below)",
        "    Recipient:   did:example:holder",
        "    Proof:       eddsa-rdfc-2022",
        "    [ok  ] proof             the proof: DataIntegrityProof (proof.ok)",
        "    [FAIL] challenge         a different challenge (challenge.mismatch)",
        "    [FAIL] credentials       2 do not verify (credentials.not_verified)",
        f"  Credential 1 of 3 ({AT}/0): NOT VERIFIED",
        "    Why:         signature: the signature does not verify",
        "    Achievement: Unit 2",
        "    [FAIL] signature         the signature does not verify (signature.invalid)",
        f"  Credential 2 of 3 ({AT}/1): VERIFIED",
        "    Achievement: Unit 1",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        f"  Credential 3 of 3 ({AT}/2): INDETERMINATE",
        "    Why:         could not be checked: status_retrieval: the list is unreachable",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        "    [????] status_retrieval  the list is unreachable (status_retrieval.unreachable)",
    ]


def test_record_verdicts_without_a_name_and_in_colour() -> None:
    good = render_bundle_text(_bundle("clr", GOOD, GOOD)).split("\n")
    assert good == [
        "VERIFIED",
        "  A learner record (CLR 2.0): outer checks VERIFIED; 1 of 1 credentials inside verified",
        "  Outer record: VERIFIED",
        "    Achievement: Unit 1",
        "    [ok  ] signature         the signature verifies (signature.ok)",
        f"  Credential 1 of 1 ({AT}/0): VERIFIED",
        "    Achievement: Unit 1",
        "    [ok  ] signature         the signature verifies (signature.ok)",
    ]
    undecided = render_bundle_text(_bundle("clr", UNDECIDED, GOOD), colour=True).split("\n")
    assert undecided[:3] == [
        "INDETERMINATE",
        "  A learner record (CLR 2.0): outer checks INDETERMINATE; 1 of 1 credentials inside "
        "verified",
        "  Not verified: the outer record",
    ]
    assert undecided[5:7] == [
        "    [\x1b[32mok  \x1b[0m] signature         the signature verifies (signature.ok)",
        "    [\x1b[31m????\x1b[0m] status_retrieval  the list is unreachable "
        "(status_retrieval.unreachable)",
    ]
    assert undecided[-1] == (
        "    [\x1b[32mok  \x1b[0m] signature         the signature verifies (signature.ok)"
    )


def test_a_real_presentation_reads_as_one() -> None:
    holder = _ed(9)
    inside = []
    for number, key in ((1, ED), (2, OTHER)):
        doc = _nested(number, key)
        doc["credentialSubject"]["id"] = did_for_key(holder)
        inside.append(di(doc, key))
    inside[1]["name"] = "Forged"
    document = present(
        inside, holder, challenge="c-1", domain="https://office.example", now=NOW
    ).document
    policy = VerificationPolicy(
        now=NOW + timedelta(seconds=30),
        challenge="c-1",
        domain="https://office.example",
        offline=True,
    )
    result = mcbadge.verify_presentation(document, policy)
    assert (result.kind, exit_code_for(result), result.failed_locations) == (
        "presentation",
        1,
        ["", "/verifiableCredential/1"],
    )
    lines = _digest(render_bundle_text(result, name="vp.json"))
    assert lines[:5] == [
        "vp.json: NOT VERIFIED (presentation of 2 credential(s))",
        "  Why:         credentials: 1 of 2 credential(s) do not verify: /verifiableCredential/1",
        f"  Holder:      {did_for_key(holder)}",
        "  Proof:       eddsa-rdfc-2022",
        "  [warn] challenge         the challenge matches; no challenge store was given, so "
        "single use was not enforced (challenge.not_single_use)",
    ]
    assert lines[-4:] == [
        "    Proof:       eddsa-rdfc-2022",
        "    [FAIL] signature         the signature does not verify (signature.invalid)",
        "",
        "Verdict: NOT VERIFIED: the presentation itself (credentials); credential(s) at "
        "/verifiableCredential/1",
    ]


# ---------------------------------------------------------------- render_text's facts


def _read(**fields: Any) -> VerificationResult:
    recipient = Check("recipient", "skipped", "recipient.not_applicable", "no e-mail to compare")
    return _made(OK_SIG, recipient, summary=Summary(**fields))


def test_achievement_facts_levels_results_and_an_undecided_teacher() -> None:
    result = _read(
        achievement_name="CS Pedagogy I",
        achievement_type="Certificate",
        achievement_id="https://example.edu/achievements/cs1",
        achieved_levels=("Proficient", "Distinguished"),
        result_statuses=("Completed", "InProgress"),
        teacher="dana@school.example",
        teacher_matched=None,
    )
    assert render_text(result).split("\n") == [
        "VERIFIED",
        "  Achievement: CS Pedagogy I",
        "    type:      Certificate",
        "    id:        https://example.edu/achievements/cs1",
        "  Level:       Proficient; Distinguished",
        "  Result:      Completed; InProgress",
        "  Teacher:     dana@school.example (not checked: no e-mail to compare)",
        "  [ok  ] signature         the signature verifies (signature.ok)",
        "  [skip] recipient         no e-mail to compare (recipient.not_applicable)",
    ]
    one = render_text(_read(achieved_levels=("Proficient",), result_statuses=("Completed",)))
    assert one.split("\n")[1:3] == ["  Level:       Proficient", "  Result:      Completed"]


@pytest.mark.parametrize(
    ("matched", "line"),
    [
        (True, "  Teacher:     t@x.example (the credential names this recipient)"),
        (False, "  Teacher:     t@x.example (NOT the recipient this credential names)"),
    ],
)
def test_a_decided_teacher(matched: bool, line: str) -> None:
    text = render_text(_read(teacher="t@x.example", teacher_matched=matched))
    assert text.split("\n")[1] == line


def test_evidence_and_alignments_one_line_each() -> None:
    narrative = "\n".join(f"step {n}" for n in range(1, 23))  # 22 lines: 20 are shown
    result = _read(
        evidence=(
            ("https://example.edu/e/1", "Portfolio", "Taught a unit.\nReflected on it."),
            (None, "Lesson plan", None),
            ("https://example.edu/e/3", None, None),
            (None, None, narrative),
        ),
        alignments=(
            ("CSTA", "1A-AP-10", "Algorithms", "https://csta.example/1A-AP-10"),
            (None, None, "Just a name", None),
            ("CSTA", None, None, None),
            (None, "2-AP-11", None, None),
            (None, None, None, "https://csta.example/x"),
        ),
    )
    assert render_text(result).split("\n")[1:-2] == [
        "  Evidence:    Portfolio - https://example.edu/e/1",
        "               | Taught a unit.",
        "               | Reflected on it.",
        "  Evidence:    Lesson plan",
        "  Evidence:    https://example.edu/e/3",
        "  Evidence:    (unnamed)",
        *(f"               | step {n}" for n in range(1, 21)),
        "  Alignment:   CSTA 1A-AP-10: Algorithms",
        "  Alignment:   Just a name",
        "  Alignment:   CSTA",
        "  Alignment:   2-AP-11",
        "  Alignment:   (unnamed)",
    ]


@pytest.mark.parametrize(
    ("trusted", "verdict"),
    [
        (True, "VERIFIED"),
        (False, "VERIFIED, ISSUER NOT TRUSTED"),
        (None, "VERIFIED, ISSUER NOT TRUSTED"),
    ],
)
def test_a_trust_decision_reads_in_the_verdict_and_replaces_the_warning(
    trusted: bool | None, verdict: str
) -> None:
    result = _read(issuer_id="did:example:academy", issuer_name="Academy")
    text = render_text(result, name="b.json", trust="on the office's list", trusted=trusted)
    assert text.split("\n")[:3] == [
        f"b.json: {verdict}",
        "  Issuer:      Academy (did:example:academy)",
        "  Trust:       on the office's list",
    ]
    # a credential that does not verify is not "trusted" or not: it does not verify
    failed = _made(BAD_SIG, summary=Summary(issuer_id="did:example:academy"))
    lines = render_text(failed, trust="not on the list", trusted=trusted).split("\n")
    assert lines[:4] == [
        "NOT VERIFIED",
        "  Why:         signature: the signature does not verify",
        "  Issuer:      did:example:academy",
        "  Trust:       not on the list",
    ]
