"""Behaviour of the verifier's proof checks, its pipeline (what it refuses, the report's
summary), the policy and the batch runner that the 2026-12-05 mutation round of verify/ found
untested (docs/mutation-survivors.md, section 3, "Test gaps": "Proof (`checks_proof`)",
"Pipeline and summary" and "Policy, batch and dates"). Each surviving mutant changed what a
user sees (a code, a message, a summary field, a refused input) while no test failed; each
test below pins the rule, and the mutants it kills are named in comments."""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from test_clr_report_exact import _nested, _record
from test_verify_exact import (
    ED,
    ISSUER,
    NOW,
    V1,
    V2,
    credential,
    di,
    jwt,
    raw_jwt,
    with_proof,
)

from mcbadge.proofs.vc_jose import envelope
from mcbadge.verify import (
    Check,
    VerificationPolicy,
    is_presentation,
    verify,
    verify_clr,
    verify_many,
)
from mcbadge.verify._network import make_fetcher

OFFLINE = VerificationPolicy(now=NOW, offline=True)
KID = f"{ISSUER}#{ISSUER.removeprefix('did:key:')}"
PRESENTATION_REFUSED = (
    "this is a verifiable presentation, not a single credential: verify it with "
    "mcbadge.verify_presentation() or `mcbadge verify` (which checks the holder's proof and "
    "each credential inside)"
)


def _input_check(document: Any, policy: VerificationPolicy = OFFLINE) -> Check:
    result = verify(document, policy)
    assert not result.verified
    assert result.failed_checks == ["input"]
    check = result.check("input")
    assert check is not None
    return check


# ---------------------------------------------------------------- proof (checks_proof)


def test_an_enveloped_credential_is_read_as_vc_jose_whatever_its_header_says() -> None:
    """An EnvelopedVerifiableCredential (data:application/vc+jwt) says what its token is: the
    signature is checked as VC-JOSE-COSE vc+jwt even when the token's header carries no `typ`
    and no `cty`, so a payload without `iss` (optional in a vc+jwt) verifies. The same token
    on its own is a plain VC-JWT, which must carry `iss`.
    Kills checks_proof._crypto 8, 11, 19, 26, 27 (the media type not passed to the proof
    layer: the enveloped credential failed `jwt_claims` for its missing `iss`)."""
    token = raw_jwt({"alg": ED.alg, "kid": KID}, credential())
    result = verify(envelope(token), OFFLINE)
    assert result.verified, result.failed_checks
    checks = {check.id: check for check in result.checks}
    assert checks["signature"] == Check(
        "signature", "passed", "signature.ok", "the signature verifies"
    )
    assert checks["proof"] == Check("proof", "passed", "proof.ok", "VC-JOSE-COSE envelope (vc+jwt)")
    assert checks["jwt_claims"] == Check(
        "jwt_claims",
        "passed",
        "jwt_claims.ok",
        "no iss claim (optional in a vc+jwt); the kid names the key",
    )
    assert result.summary.proof_format == "VC-JOSE-COSE (vc+jwt, enveloped)"

    bare = verify(token, OFFLINE)
    assert not bare.verified
    assert bare.failed_checks == ["jwt_claims"]
    assert bare.check("jwt_claims") == Check(
        "jwt_claims", "failed", "jwt_claims.missing_iss", "the JWT has no iss claim"
    )


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            "https://example.org/contexts/v1",
            "JSON-LD context 'https://example.org/contexts/v1' is not one of the bundled "
            "contexts; mcbadge never fetches contexts from the network",
        ),
        (
            {"@vocab": 5},
            "the credential is not valid JSON-LD and cannot be canonicalized",
        ),
    ],
    ids=["unbundled-context", "invalid-inline-context"],
)
def test_a_vc_jwt_that_is_not_json_ld_warns_not_jsonld(context: Any, message: str) -> None:
    """A VC-JWT's credential that JSON-LD cannot read at all (a context that is not bundled, an
    invalid inline context) gets the `data_loss.not_jsonld` warning, whatever the JSON-LD
    layer's own error code was; only `data_loss.*` codes of the JSON-LD layer are kept.
    Kills checks_proof._jwt_data_loss 31 (the JSON-LD code's tail used: `data_loss.not_allowed`,
    `data_loss.jsonld_invalid_vocab_mapping`), 43 and 44 (a misspelt `not_jsonld`)."""
    doc = credential()
    doc["@context"] = [*doc["@context"], context]
    result = verify(jwt(doc), OFFLINE)
    assert result.failed_checks == ["context"]
    assert result.check("data_loss") == Check(
        "data_loss",
        "warning",
        "data_loss.not_jsonld",
        f"{message} (the JWS signature covers these bytes, but their meaning is undefined)",
    )


def test_a_proof_expiry_that_is_not_a_date_time_is_named_in_the_failure() -> None:
    """A Data Integrity proof whose `expires` is not an RFC 3339 date-time fails `proof_time`
    with a message naming the member (`expires`) and the value given.
    Kills checks_proof._proof_times 44, 49, 50 (the member's name lost or misspelt)."""
    result = verify(with_proof(expires="soon"), OFFLINE)
    assert not result.verified
    assert result.failed_checks == ["proof_time"]
    assert result.check("proof_time") == Check(
        "proof_time",
        "failed",
        "proof_time.bad_datetime",
        "expires ('soon') is not an RFC 3339 date-time",
    )


def test_unknown_jwt_header_parameters_are_all_named_comma_separated() -> None:
    """A VC-JWT header with parameters the verifier does not accept fails `jwt.header_param`,
    naming every one of them, sorted and separated by ", ".
    Kills checks_proof._jwt_structure 102 (the separator)."""
    head = {"alg": ED.alg, "typ": "JWT", "kid": KID, "zip": "DEF", "x5u": "https://x.example/c"}
    payload = credential() | {"iss": ISSUER}
    result = verify(raw_jwt(head, payload), OFFLINE)
    assert not result.verified
    assert result.failed_checks == ["jwt"]
    assert result.check("jwt") == Check(
        "jwt", "failed", "jwt.header_param", "JWT header parameters not allowed: x5u, zip"
    )


# ---------------------------------------------------------------- pipeline: refused inputs


def test_a_vcdm_1_1_vp_jwt_is_refused_as_a_presentation() -> None:
    """A VC-JWT 1.1 presentation (typ `JWT`, the presentation in a `vp` claim, the payload
    itself untyped) is a presentation: verify() refuses it with `input.presentation` and the
    whole message, and is_presentation() says so.
    Kills pipeline.looks_like_presentation 10, 20, 21 (the `vp` claim not seen: the token
    read as a credential) and pipeline._refuse_presentation 6 to 11 (the message)."""
    vp = {
        "@context": [V1],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [jwt(credential())],
    }
    token = raw_jwt({"alg": ED.alg, "typ": "JWT", "kid": KID}, {"iss": ISSUER, "vp": vp})
    assert is_presentation(token)
    assert _input_check(token) == Check(
        "input", "failed", "input.presentation", PRESENTATION_REFUSED
    )


def test_a_token_typed_vp_ld_jwt_is_refused_as_a_presentation() -> None:
    """A token whose header says `typ: vp+ld+jwt` is a presentation by its own declaration,
    even when its payload is typed as a credential: it is refused with
    `input.presentation`, never read as the credential.
    Kills pipeline.looks_like_presentation 29, 30 (the `vp+ld+jwt` spelling)."""
    token = raw_jwt({"alg": ED.alg, "typ": "vp+ld+jwt", "kid": KID}, credential())
    assert is_presentation(token)
    assert _input_check(token) == Check(
        "input", "failed", "input.presentation", PRESENTATION_REFUSED
    )


def test_a_clr_given_to_verify_is_refused_with_the_whole_message() -> None:
    """A CLR learner record given to verify() (not verify_clr()) is refused with
    `input.clr`; the message explains why and where to verify it instead.
    Kills pipeline._refuse_clr 21 to 26 (the message's middle and end)."""
    record = _record([di(_nested(1))])
    assert _input_check(record) == Check(
        "input",
        "failed",
        "input.clr",
        "this is a CLR learner record (ClrCredential): it holds other credentials, each "
        "with its own issuer and proof, and checking only the record would skip them; "
        "verify it with mcbadge.verify_clr() or `mcbadge verify`, which check every "
        "credential inside",
    )


# ---------------------------------------------------------------- pipeline: the summary


def test_a_generic_credential_s_summary_names_the_expected_teacher() -> None:
    """With `generic_credentials`, a plain W3C credential is checked against the expected
    recipient like an Open Badge, and the report's summary says whom it was checked for
    (`teacher`) and that it matched.
    Kills pipeline._summary 7, 8 (the "vc" kind left out: teacher None)."""
    signed = di(
        {
            "@context": [V2],
            "id": "urn:uuid:7d9f2c55-1b0e-4c43-9a51-0e6b8f1a2c30",
            "type": ["VerifiableCredential"],
            "issuer": ISSUER,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:teacher1", "name": "Dana"},
        }
    )
    policy = VerificationPolicy(
        now=NOW, offline=True, generic_credentials=True, expected_recipient="did:example:teacher1"
    )
    result = verify(signed, policy)
    assert result.verified, result.failed_checks
    assert result.check("recipient") == Check(
        "recipient", "passed", "recipient.ok", "the subject id matches the expected recipient"
    )
    assert result.summary.teacher == "did:example:teacher1"
    assert result.summary.teacher_matched is True


def test_a_clr_record_s_summary_has_no_teacher_match() -> None:
    """A CLR record is not a teacher's credential: its summary names no teacher and no
    teacher match, even though the record's own recipient check passed; the credentials
    inside carry the match.
    Kills pipeline._summary 11 (the match computed without a teacher: True)."""
    policy = VerificationPolicy(now=NOW, offline=True, expected_recipient="did:example:teacher1")
    result = verify_clr(_record([di(_nested(1))]), policy)
    recipient = result.outer.check("recipient")
    assert recipient is not None
    assert (recipient.status, recipient.code) == ("passed", "recipient.ok")
    assert result.outer.summary.teacher is None
    assert result.outer.summary.teacher_matched is None
    assert [item.result.summary.teacher_matched for item in result.nested] == [True]


def test_an_unreadable_input_s_summary_still_names_the_expected_teacher() -> None:
    """When the input cannot be read at all, the summary still says whom the credential was
    to be checked for (a clerk's report keeps the teacher's name), with no match.
    Kills pipeline._summary 16, 18 (teacher dropped from the early summary)."""
    result = verify("", VerificationPolicy(now=NOW, offline=True, expected_recipient="x"))
    assert not result.verified
    check = result.check("input")
    assert check is not None
    assert (check.status, check.code) == ("failed", "input.malformed")
    assert result.summary.teacher == "x"
    assert result.summary.teacher_matched is None


def test_the_summary_keeps_only_text_for_its_text_fields() -> None:
    """The summary's text fields hold strings only: an issuer name given as a language map
    (`{"en": ...}`) is not shown as the issuer's name (None), while string fields are kept.
    Kills pipeline._summary 65 (any value passed through as text)."""
    doc = credential()
    doc["issuer"]["name"] = {"en": "Academy"}
    result = verify(doc, OFFLINE)
    assert not result.verified
    assert result.summary.issuer_name is None
    assert result.summary.issuer_id == ISSUER
    assert result.summary.achievement_name == "CS Pedagogy I"


# ---------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"max_fetches": 0}, "max_fetches must be at least 1 (or None: no bound)"),
        ({"fetch_seconds": 0}, "fetch_seconds must be positive (or None: no bound)"),
        ({"fetch_seconds": -1.5}, "fetch_seconds must be positive (or None: no bound)"),
        ({"holder_binding": "x"}, "holder_binding must be one of required, NOT-CHECKED-UNSAFE"),
        (
            {"presentation_max_age": timedelta(0)},
            "presentation_max_age must be a positive timedelta",
        ),
    ],
    ids=[
        "max_fetches",
        "fetch_seconds-zero",
        "fetch_seconds-negative",
        "holder_binding",
        "max_age",
    ],
)
def test_a_policy_out_of_range_is_refused_with_its_exact_message(
    knobs: dict[str, Any], message: str
) -> None:
    """A programmer's wrong policy value is refused with a ValueError that says which knob
    and what it accepts.
    Kills policy.VerificationPolicy.__post_init__ 29, 30, 38, 39, 44, 51 (the messages)."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        VerificationPolicy(**knobs)


@pytest.mark.parametrize("seconds", [0.5, 1, 1.0])
def test_a_fetch_budget_of_a_second_or_less_is_accepted(seconds: float) -> None:
    """`fetch_seconds` is any positive number of seconds, a fraction of a second included.
    Kills policy.VerificationPolicy.__post_init__ 36 (`> 0` became `> 1`)."""
    assert VerificationPolicy(fetch_seconds=seconds).fetch_seconds == seconds


# ---------------------------------------------------------------- batch


@pytest.fixture
def spawned_workers() -> Iterator[None]:
    """Worker processes started the way macOS and Windows start them (spawn), where what the
    pool's initializer receives is pickled; restored afterwards."""
    before = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("spawn", force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(before, force=True)


@pytest.mark.usefixtures("spawned_workers")
def test_a_caller_s_fetcher_does_not_cross_into_worker_processes() -> None:
    """verify_many(..., jobs=2) with a caller's fetcher (sockets and locks, not picklable)
    still runs: the fetcher is not sent to the workers (each makes its own), and the results
    come back in input order.
    Kills batch.verify_many 36 (the fetcher kept: pickling the workers' policy fails). Under
    the Linux default (fork) nothing is pickled, hence the spawn start method here."""
    fetcher = make_fetcher(VerificationPolicy())
    try:
        policy = VerificationPolicy(now=NOW, offline=True, fetcher=fetcher)
        documents = [di(credential()), "", jwt(credential())]
        results = list(verify_many(documents, policy, jobs=2, chunk_size=1))
    finally:
        fetcher.close()
    assert [(r.verified, r.failed_checks) for r in results] == [
        (True, []),
        (False, ["input"]),
        (True, []),
    ]
    assert [r.summary.proof_format for r in results] == [
        "eddsa-rdfc-2022",
        None,
        "VC-JWT",
    ]
