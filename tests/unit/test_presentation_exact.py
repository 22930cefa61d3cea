"""The verifier's exact report for a Data Integrity presentation: a teacher signs a verifiable
presentation (eddsa-rdfc-2022 or ecdsa-rdfc-2019, ``proofPurpose authentication``) answering
the office's challenge for its domain. Each test changes one thing and pins every outer check
(id, status, code, message, indeterminate), the summary, the exit code and each credential's
result, so a changed code, message or verdict is a changed test (docs/security.md, "Mutation
testing"). Keys and the clock are fixed; the VP-JWT path has its own tests."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from test_verify_exact import NOW, OB, V2, _ed

import mcbadge.verify.presentation as presentation
from mcbadge.did import did_for_key
from mcbadge.errors import FetchError, MCBadgeError
from mcbadge.keys import Key
from mcbadge.multibase import b64url_decode, b64url_encode, multibase_encode
from mcbadge.present import create_presentation, present
from mcbadge.proofs import sign
from mcbadge.proofs.di import hash_data
from mcbadge.verify import (
    PRESENTATION_CHECK_IDS,
    BundleResult,
    Summary,
    VerificationPolicy,
    exit_code_for,
    verify_presentation,
)

STAMP = "2025-06-01T12:00:00Z"
CHALLENGE = "office-challenge-7f3a9c"
DOMAIN = "https://licensure.example"


def _p256(secret: int) -> Key:
    private = ec.derive_private_key(secret, ec.SECP256R1())
    return Key(private.public_key(), private)


ISSUER = _ed(1)
TEACHER = _ed(7)
STRANGER = _ed(9)
TEACHER_P256 = _p256(987654321)
HOLDER = did_for_key(TEACHER)
HOLDER_P256 = did_for_key(TEACHER_P256)
STRANGER_DID = did_for_key(STRANGER)


def vm_of(key: Key) -> str:
    did = did_for_key(key)
    return f"{did}#{did.removeprefix('did:key:')}"


def credential(
    subject_id: str | None = HOLDER, number: int = 1, issuer: str | None = None, **subject: Any
) -> dict[str, Any]:
    """An OB 3.0 credential signed by ISSUER's key for ``subject_id`` (None: no subject id);
    ``issuer`` names a did:web whose ``#key-1`` is that key instead of ISSUER's did:key."""
    doc: dict[str, Any] = {
        "@context": [V2, OB],
        "id": f"urn:uuid:7f0d0a2e-1111-4c1e-9c55-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer or did_for_key(ISSUER), "type": ["Profile"], "name": "Academy"},
        "name": "Teaching CS Principles",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://academy.example/achievements/csp",
                "type": ["Achievement"],
                "name": "Teaching CS Principles",
                "description": "Completed the CS Principles practicum.",
                "criteria": {"narrative": "Taught a full unit."},
            },
            **subject,
        },
    }
    if subject_id is not None:
        doc["credentialSubject"]["id"] = subject_id
    vm = f"{issuer}#key-1" if issuer else None
    created = datetime(2025, 1, 1, tzinfo=UTC)
    signed = sign(doc, ISSUER, format="eddsa-rdfc-2022", created=created, verification_method=vm)
    return signed.document


def signed_vp(
    unsecured: dict[str, Any], key: Key = TEACHER, *more: dict[str, Any], **options: Any
) -> dict[str, Any]:
    """``unsecured`` with an authentication proof whose options are exactly these (a member
    set to None is left out); ``more`` are proofs already made (a proof set)."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019" if key.key_type == "p256" else "eddsa-rdfc-2022",
        "created": STAMP,
        "verificationMethod": vm_of(key),
        "proofPurpose": "authentication",
        "challenge": CHALLENGE,
        "domain": DOMAIN,
    }
    for name, value in options.items():
        if value is None:
            proof.pop(name, None)
        else:
            proof[name] = value
    _, _, data = hash_data(unsecured, proof)
    proof["proofValue"] = multibase_encode(key.sign(data))
    proofs = [*more, proof]
    return {**unsecured, "proof": proofs if more else proof}


def unsigned(*credentials: Any, holder: str | None = HOLDER, **members: Any) -> dict[str, Any]:
    document = create_presentation(list(credentials), holder=holder)
    for name, value in members.items():
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    return document


def with_members(document: dict[str, Any], **members: Any) -> dict[str, Any]:
    """A copy of a signed presentation with members changed after signing (None removes)."""
    changed = copy.deepcopy(document)
    for name, value in members.items():
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    return changed


def policy(**options: Any) -> VerificationPolicy:
    base: dict[str, Any] = {
        "now": NOW + timedelta(seconds=30),
        "challenge": CHALLENGE,
        "domain": DOMAIN,
        "offline": True,
    }
    base.update(options)
    return VerificationPolicy(**base)


def run(document: Any, **options: Any) -> BundleResult:
    given = copy.deepcopy(document) if isinstance(document, dict) else document
    return verify_presentation(given, policy(**options))


class Store:
    """A challenge store double: records each consume, raises ``error`` when given one."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, datetime | None]] = []

    def consume(self, value: str, *, now: datetime | None = None) -> None:
        self.calls.append((value, now))
        if self.error is not None:
            raise self.error


class Host:
    """Serves documents by URL in place of the network; records requests and closes."""

    def __init__(
        self, documents: dict[str, Any] | None = None, policy: VerificationPolicy | None = None
    ) -> None:
        self.policy = policy  # what it was built for, when verify_presentation built it
        self.documents = {url: json.dumps(doc).encode() for url, doc in (documents or {}).items()}
        self.requests: list[str] = []
        self.closed = 0

    def get(self, url: str) -> bytes:
        self.requests.append(url)
        if url not in self.documents:
            raise FetchError(f"{url} is unreachable", code="key_resolution.unreachable")
        return self.documents[url]

    def close(self) -> None:
        self.closed += 1


Row = tuple[str, str, str, str, bool]
PROOF_IDS = (
    "data_loss",
    "canonicalization",
    "proof",
    "cryptosuite",
    "signature",
    "key_resolution",
    "key_binding",
    "proof_purpose",
)


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[str, Any]]:
    """What this module logged: each message, with the exception type it carries."""
    return [
        (r.getMessage(), r.exc_info[0] if r.exc_info else None)
        for r in caplog.records
        if r.name == "mcbadge.verify.presentation"
    ]


def rows(result: BundleResult) -> list[Row]:
    return [(c.id, c.status, c.code, c.message, c.indeterminate) for c in result.outer.checks]


def ok(cid: str, message: str) -> Row:
    return (cid, "passed", f"{cid}.ok", message, False)


def fail(cid: str, detail: str, message: str, indeterminate: bool = False) -> Row:
    return (cid, "failed", f"{cid}.{detail}", message, indeterminate)


def skip(cid: str, message: str, detail: str = "not_applicable") -> Row:
    return (cid, "skipped", f"{cid}.{detail}", message, False)


def warn(cid: str, detail: str, message: str) -> Row:
    return (cid, "warning", f"{cid}.{detail}", message, False)


def not_reached(reason: str, *cids: str) -> dict[str, Row]:
    return {cid: skip(cid, reason, "not_reached") for cid in cids}


def expect(result: BundleResult, changed: dict[str, Row]) -> None:
    """Every outer check, in report order: the good presentation's, with ``changed``."""
    assert result.kind == "presentation"
    table = {**GOOD, **changed}
    assert rows(result) == [table[cid] for cid in PRESENTATION_CHECK_IDS]


def nested(result: BundleResult) -> list[tuple[str, bool, list[str]]]:
    return [(n.location, n.result.verified, n.result.failed_checks) for n in result.nested]


def summary(result: BundleResult, recipient: str | None = HOLDER, **more: Any) -> None:
    more.setdefault("proof_format", "eddsa-rdfc-2022")
    assert result.outer.summary == Summary(recipient=recipient, **more)


CRED = credential()
ONE_GOOD: list[tuple[str, bool, list[str]]] = [("/verifiableCredential/0", True, [])]
GOOD_VP = present([CRED], TEACHER, challenge=CHALLENGE, domain=DOMAIN, now=NOW).document
BASE = unsigned(CRED)
GOOD: dict[str, Row] = {
    "input": ok("input", "read a presentation as JSON"),
    "data_model": ok("data_model", "follows the VCDM presentation data model"),
    "context": ok("context", "only bundled JSON-LD contexts are used"),
    "data_loss": ok("data_loss", "every term is defined by the bundled contexts"),
    "canonicalization": ok("canonicalization", "RDFC-1.0"),
    "proof": ok("proof", "the proof: DataIntegrityProof"),
    "cryptosuite": ok("cryptosuite", "eddsa-rdfc-2022"),
    "signature": ok("signature", "the proof verified"),
    "key_resolution": ok("key_resolution", f"resolved the key of {HOLDER}"),
    "key_binding": ok("key_binding", "the key is listed under the signer's authentication"),
    "proof_purpose": ok("proof_purpose", "authentication"),
    "challenge": warn(
        "challenge",
        "not_single_use",
        "the challenge matches; no challenge store was given, so single use was not enforced",
    ),
    "domain": ok("domain", f"the domain is {DOMAIN!r}"),
    "freshness": ok("freshness", "signed within the last 600 s"),
    "jwt": skip("jwt", "a Data Integrity presentation, not a VP-JWT"),
    "jwt_claims": skip("jwt_claims", "a Data Integrity presentation, not a VP-JWT"),
    "holder_binding": ok(
        "holder_binding", "signed by the holder; every credential's subject is the holder"
    ),
    "credentials": ok("credentials", "1 credential(s) inside, each verified below"),
}
UNPROVEN = skip("holder_binding", "not checked: the presentation's proof failed", "not_reached")
CONSUMED = ok("challenge", "the challenge matches and was used for the first time")
NOT_CONSUMED = skip(
    "challenge",
    "the challenge matches, but it was not consumed: the presentation's proof failed",
    "not_consumed",
)


def proof_refused(row: Row) -> dict[str, Row]:
    """The proof layer refused the proof with ``row``: the other proof checks are not reached
    and the holder binding is not checked."""
    changed = not_reached(f"not reached: {row[0]} failed", *PROOF_IDS)
    changed[row[0]] = row
    changed["holder_binding"] = UNPROVEN
    return changed


def context_refused(row: Row) -> dict[str, Row]:
    """The presentation's contexts were refused: its proof is not even looked at."""
    changed = not_reached("not reached: context failed", *PROOF_IDS, "jwt", "jwt_claims")
    changed["context"] = row
    changed["proof"] = skip(
        "proof", "not checked: the presentation's contexts are not allowed", "not_reached"
    )
    changed["holder_binding"] = UNPROVEN
    return changed


def stopped_at(reason: str, *done: Row) -> dict[str, Row]:
    """Nothing after ``done`` ran: every other check says why."""
    changed = not_reached(f"not reached: {reason}", *PRESENTATION_CHECK_IDS)
    changed.update({row[0]: row for row in done})
    return changed


MALFORMED = "the presentation is not well formed"


# --- presentations that verify -----------------------------------------------------------------


def test_the_teachers_presentation_verifies() -> None:
    result = run(GOOD_VP)
    expect(result, {})
    summary(result)
    assert exit_code_for(result) == 0
    assert nested(result) == ONE_GOOD
    # inside, the credential is verified as itself: no expected recipient, no challenge
    inner = result.nested[0].result
    assert inner.check("recipient").code == "recipient.not_applicable"
    assert inner.summary.recipient == HOLDER


def test_an_ecdsa_presentation_with_an_id() -> None:
    document = present(
        [credential(HOLDER_P256)],
        TEACHER_P256,
        challenge=CHALLENGE,
        domain=DOMAIN,
        now=NOW,
        id="urn:uuid:0c6f1d2e-0000-4000-8000-000000000001",
    ).document
    result = run(document)
    expect(
        result,
        {
            "cryptosuite": ok("cryptosuite", "ecdsa-rdfc-2019"),
            "key_resolution": ok("key_resolution", f"resolved the key of {HOLDER_P256}"),
        },
    )
    summary(
        result,
        HOLDER_P256,
        proof_format="ecdsa-rdfc-2019",
        credential_id="urn:uuid:0c6f1d2e-0000-4000-8000-000000000001",
    )
    assert nested(result) == ONE_GOOD


def test_a_proof_set_of_the_holder_names_the_count() -> None:
    first = signed_vp(BASE)["proof"]
    result = run(signed_vp(BASE, TEACHER, first))
    expect(
        result,
        {
            "proof": ok("proof", "2 proofs: DataIntegrityProof"),
            "signature": ok("signature", "2 proofs verified"),
        },
    )
    assert exit_code_for(result) == 0


@pytest.mark.parametrize(
    "holder", [None, {"id": HOLDER, "name": "A. Teacher"}], ids=["no-holder", "holder-object"]
)
def test_the_holder_may_be_left_out_or_an_object(holder: Any) -> None:
    # without a holder the signer is the holder; an object names the holder by its id
    result = run(signed_vp(unsigned(CRED, holder=holder)))
    expect(result, {})
    summary(result)
    assert nested(result) == ONE_GOOD


def test_unsafe_mode_says_nobody_checked_the_holder() -> None:
    someone_else = credential(STRANGER_DID, number=2)
    result = run(signed_vp(unsigned(someone_else)), holder_binding="NOT-CHECKED-UNSAFE")
    expect(
        result,
        {
            "holder_binding": skip(
                "holder_binding",
                "NOT CHECKED (holder_binding NOT-CHECKED-UNSAFE): nobody checked that the signer "
                "is the holder or that these credentials were issued to the person presenting "
                "them",
                "not_checked",
            )
        },
    )
    assert exit_code_for(result) == 0


# --- a did:web holder: keys fetched, two suites, an issuing-only key ----------------------------

HOLDER_WEB = "did:web:teacher.example"
HOLDER_WEB_URL = "https://teacher.example/.well-known/did.json"
ISSUER_WEB = "did:web:academy.example"


def _method(did: str, name: str, key: Key) -> dict[str, Any]:
    return {
        "id": f"{did}#{name}",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": did_for_key(key).removeprefix("did:key:"),
    }


HOLDER_WEB_DOC = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": HOLDER_WEB,
    "verificationMethod": [
        _method(HOLDER_WEB, "ed", TEACHER),
        _method(HOLDER_WEB, "p256", TEACHER_P256),
        _method(HOLDER_WEB, "issuing", STRANGER),
    ],
    "authentication": [f"{HOLDER_WEB}#ed", f"{HOLDER_WEB}#p256"],
    "assertionMethod": [f"{HOLDER_WEB}#issuing"],
}
ISSUER_WEB_DOC = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": ISSUER_WEB,
    "verificationMethod": [_method(ISSUER_WEB, "key-1", ISSUER)],
    "assertionMethod": [f"{ISSUER_WEB}#key-1"],
}
WEB_BASE = unsigned(credential(HOLDER_WEB, issuer=ISSUER_WEB), holder=HOLDER_WEB)


def run_web(document: dict[str, Any], host: Host) -> BundleResult:
    # the holder's DID document is fetched; the issuer's is one the verifier already holds
    return run(document, offline=False, fetcher=host, did_documents={ISSUER_WEB: ISSUER_WEB_DOC})


def test_a_did_web_holder_signs_with_two_suites() -> None:
    first = signed_vp(WEB_BASE, TEACHER, verificationMethod=f"{HOLDER_WEB}#ed")["proof"]
    document = signed_vp(WEB_BASE, TEACHER_P256, first, verificationMethod=f"{HOLDER_WEB}#p256")
    host = Host({HOLDER_WEB_URL: HOLDER_WEB_DOC})
    result = run_web(document, host)
    expect(
        result,
        {
            "proof": ok("proof", "2 proofs: DataIntegrityProof"),
            "cryptosuite": ok("cryptosuite", "ecdsa-rdfc-2019, eddsa-rdfc-2022"),
            "signature": ok("signature", "2 proofs verified"),
            "key_resolution": ok("key_resolution", f"resolved the key of {HOLDER_WEB}"),
        },
    )
    summary(result, HOLDER_WEB)
    assert nested(result) == ONE_GOOD
    # fetched once for both proofs, and the verifier does not close a fetcher it was given
    assert (host.requests, host.closed) == ([HOLDER_WEB_URL], 0)


def test_a_did_web_holders_issuing_key_cannot_sign_a_presentation() -> None:
    document = signed_vp(WEB_BASE, STRANGER, verificationMethod=f"{HOLDER_WEB}#issuing")
    result = run_web(document, Host({HOLDER_WEB_URL: HOLDER_WEB_DOC}))
    expect(
        result,
        proof_refused(
            fail(
                "key_binding",
                "not_authentication",
                "the holder has not listed that key under authentication (a key for issuing, "
                "assertionMethod, cannot sign a presentation)",
            )
        ),
    )
    summary(result, HOLDER_WEB)


# --- the holder's proof ------------------------------------------------------------------------


#: What a presentation without a proof reports: nothing in it answers the verifier's challenge,
#: names its domain or says when it was made (no row passes by having nothing to judge).
UNSIGNED_ROWS = {
    "challenge": fail("challenge", "missing", "the presentation does not answer a challenge"),
    "domain": fail("domain", "missing", "the presentation names no domain"),
    "freshness": fail("freshness", "no_created", "the presentation does not say when it was made"),
}


def test_an_unsigned_presentation_fails_proof_missing() -> None:
    store = Store()
    result = run(BASE, challenge_store=store)
    changed = not_reached("not reached: proof failed", *PROOF_IDS)
    changed.update(
        proof=fail("proof", "missing", "the presentation is not signed by its holder (no proof)"),
        holder_binding=UNPROVEN,
        **UNSIGNED_ROWS,
    )
    expect(result, changed)
    summary(result, proof_format=None)
    assert exit_code_for(result) == 1
    assert nested(result) == ONE_GOOD
    assert store.calls == []


PURPOSE = fail(
    "proof_purpose",
    "mismatch",
    "a presentation proof must have proofPurpose authentication, not 'assertionMethod'",
)


def test_a_proof_for_issuing_is_not_an_authentication() -> None:
    # one proof: its message names no proof number; the challenge is not burnt
    store = Store()
    result = run(signed_vp(BASE, proofPurpose="assertionMethod"), challenge_store=store)
    expect(result, {**proof_refused(PURPOSE), "challenge": NOT_CONSUMED})
    assert store.calls == []


def test_in_a_proof_set_the_failing_proof_is_named() -> None:
    first = signed_vp(BASE)["proof"]
    result = run(signed_vp(BASE, TEACHER, first, proofPurpose="assertionMethod"))
    expect(result, proof_refused((*PURPOSE[:3], "proof 2: " + PURPOSE[3], False)))


def test_proofs_by_two_signers_are_refused() -> None:
    first = signed_vp(BASE)["proof"]
    store = Store()
    result = run(signed_vp(BASE, STRANGER, first), challenge_store=store)
    refused = fail(
        "key_binding", "several_signers", "the proofs of the presentation name different DIDs"
    )
    expect(result, {**proof_refused(refused), "challenge": NOT_CONSUMED})
    assert store.calls == []


def test_a_tampered_presentation_fails_its_signature() -> None:
    store = Store()
    result = run(with_members(GOOD_VP, id="urn:uuid:changed"), challenge_store=store)
    refused = fail("signature", "invalid", "the signature does not verify")
    expect(result, {**proof_refused(refused), "challenge": NOT_CONSUMED})
    summary(result, credential_id="urn:uuid:changed")
    assert store.calls == []


def test_a_crash_in_the_proof_layer_fails_closed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(presentation, "verify_authentication_proof", boom)
    store = Store()
    with caplog.at_level(logging.DEBUG, logger="mcbadge.verify.presentation"):
        result = run(GOOD_VP, challenge_store=store)
    crashed = fail("signature", "internal_error", "the presentation's proof could not be checked")
    expect(result, {**proof_refused(crashed), "challenge": NOT_CONSUMED})
    assert store.calls == []
    assert logged(caplog) == [("presentation proof crashed", RuntimeError)]


# --- the challenge -----------------------------------------------------------------------------

MISSING = fail("challenge", "missing", "the presentation does not answer a challenge")
MISMATCH = fail("challenge", "mismatch", "the presentation answers a different challenge")
NOT_GIVEN = fail(
    "challenge",
    "not_given",
    "the verifier gave no challenge: a presentation without one can be replayed "
    "(issue one with `mcbadge challenge new`)",
)


def test_a_verifier_without_a_challenge_fails() -> None:
    result = run(GOOD_VP, challenge=None)
    expect(result, {"challenge": NOT_GIVEN})
    assert exit_code_for(result) == 1


def test_a_proof_without_a_challenge_answers_none() -> None:
    store = Store()
    result = run(signed_vp(BASE, challenge=None), challenge_store=store)
    expect(result, {"challenge": MISSING})
    assert store.calls == []


@pytest.mark.parametrize("value", ["", 5], ids=["empty", "number"])
def test_a_challenge_that_is_not_a_non_empty_string_answers_none(value: Any) -> None:
    result = run(signed_vp(BASE, challenge=value))
    refused = fail("proof", "bad_challenge", "the proof's challenge is not a non-empty string")
    expect(result, {**proof_refused(refused), "challenge": MISSING})


def test_a_different_challenge_is_refused_and_not_consumed() -> None:
    store = Store()
    result = run(GOOD_VP, challenge="another-challenge", challenge_store=store)
    expect(result, {"challenge": MISMATCH})
    assert store.calls == []


def test_every_proof_of_a_set_must_answer_the_challenge() -> None:
    first = signed_vp(BASE)["proof"]
    result = run(signed_vp(BASE, TEACHER, first, challenge="another-challenge"))
    expect(
        result,
        {
            "proof": ok("proof", "2 proofs: DataIntegrityProof"),
            "signature": ok("signature", "2 proofs verified"),
            "challenge": MISMATCH,
        },
    )


def test_a_challenge_is_consumed_once_at_the_verifiers_clock() -> None:
    store = Store()
    result = run(GOOD_VP, challenge_store=store)
    expect(result, {"challenge": CONSUMED})
    assert store.calls == [(CHALLENGE, NOW + timedelta(seconds=30))]
    assert exit_code_for(result) == 0


@pytest.mark.parametrize(
    ("code", "detail", "indeterminate"),
    [
        ("challenge.reused", "reused", False),
        ("challenge.expired", "expired", False),
        ("challenge.unknown", "unknown", False),
        ("challenge.store.timeout", "store.timeout", False),
        ("registry.unavailable", "store_unavailable", True),
    ],
)
def test_the_stores_refusal_is_the_challenges_verdict(
    code: str, detail: str, indeterminate: bool
) -> None:
    store = Store(MCBadgeError(f"the store says {code}", code=code))
    result = run(GOOD_VP, challenge_store=store)
    expect(
        result, {"challenge": fail("challenge", detail, f"the store says {code}", indeterminate)}
    )
    assert store.calls == [(CHALLENGE, NOW + timedelta(seconds=30))]
    assert exit_code_for(result) == (2 if indeterminate else 1)


def test_a_store_that_crashes_leaves_the_verdict_undecided() -> None:
    """A caller's store that raises something other than an MCBadgeError (its database went
    away) is "we could not tell": indeterminate, exit 2, and the error's text is not shown."""
    store = Store(ConnectionError("postgresql://office:s3cret@db/challenges refused"))
    result = run(GOOD_VP, challenge_store=store)
    expect(
        result,
        {
            "challenge": fail(
                "challenge",
                "store_unavailable",
                "the challenge store could not be used (ConnectionError), so single use could "
                "not be checked",
                True,
            )
        },
    )
    assert "s3cret" not in repr(result)
    assert exit_code_for(result) == 2


# --- the domain --------------------------------------------------------------------------------


def test_a_domain_the_verifier_did_not_ask_for_is_a_warning() -> None:
    result = run(GOOD_VP, domain=None)
    expect(
        result,
        {
            "domain": warn(
                "domain",
                "not_compared",
                "the presentation names a domain, but the verifier gave none to compare",
            )
        },
    )
    assert exit_code_for(result) == 0


def test_no_domain_on_either_side_is_not_applicable() -> None:
    result = run(signed_vp(BASE, domain=None), domain=None)
    expect(result, {"domain": skip("domain", "the verifier gave no domain")})
    assert exit_code_for(result) == 0


DOMAIN_MISSING = fail("domain", "missing", "the presentation names no domain")
DOMAIN_MISMATCH = fail("domain", "mismatch", f"the presentation's domain is not {DOMAIN!r}")


BAD_DOMAIN = fail(
    "proof", "bad_domain", "the proof's domain is not a string or an array of strings"
)


@pytest.mark.parametrize(
    ("value", "changed"),
    [
        (None, {"domain": DOMAIN_MISSING}),
        ("https://other.example", {"domain": DOMAIN_MISMATCH}),
        ([DOMAIN], {}),
        ([DOMAIN, DOMAIN], {}),
        ([DOMAIN, "https://other.example"], {"domain": DOMAIN_MISMATCH}),
        ([], {**proof_refused(BAD_DOMAIN), "domain": DOMAIN_MISMATCH}),
    ],
    ids=["missing", "other", "list", "repeated", "list-with-other", "empty-list"],
)
def test_the_proofs_domain_must_be_the_verifiers(value: Any, changed: dict[str, Row]) -> None:
    expect(run(signed_vp(BASE, domain=value)), changed)


def test_the_domain_mismatch_names_the_verifiers_domain() -> None:
    result = run(GOOD_VP, domain="https://office.example")
    row = fail("domain", "mismatch", "the presentation's domain is not 'https://office.example'")
    expect(result, {"domain": row})


def test_every_proof_of_a_set_must_name_the_domain() -> None:
    first = signed_vp(BASE)["proof"]
    result = run(signed_vp(BASE, TEACHER, first, domain=None))
    expect(
        result,
        {
            "proof": ok("proof", "2 proofs: DataIntegrityProof"),
            "signature": ok("signature", "2 proofs verified"),
            "domain": DOMAIN_MISSING,
        },
    )


# --- freshness: created within presentation_max_age, at the clock-skew edges to the second -----

SIGNED_AT = "2025-06-01T12:00:00+00:00"


@pytest.mark.parametrize(
    ("after", "max_age", "row"),
    [
        (600 + 300, 600, GOOD["freshness"]),
        (
            600 + 301,
            600,
            fail(
                "freshness",
                "stale",
                f"the presentation was signed at {SIGNED_AT}, more than 600 s ago",
            ),
        ),
        (120 + 300, 120, ok("freshness", "signed within the last 120 s")),
        (
            120 + 301,
            120,
            fail(
                "freshness",
                "stale",
                f"the presentation was signed at {SIGNED_AT}, more than 120 s ago",
            ),
        ),
        (-300, 600, GOOD["freshness"]),
    ],
    ids=["edge", "stale", "short-edge", "short-stale", "future-edge"],
)
def test_a_presentation_is_fresh_up_to_its_max_age_plus_the_skew(
    after: int, max_age: int, row: Row
) -> None:
    result = run(
        GOOD_VP,
        now=NOW + timedelta(seconds=after),
        presentation_max_age=timedelta(seconds=max_age),
    )
    expect(result, {"freshness": row})


def test_a_presentation_signed_beyond_the_skew_in_the_future_is_refused() -> None:
    result = run(GOOD_VP, now=NOW - timedelta(seconds=301))
    refused = fail("freshness", "created_in_future", "the proof was created in the future")
    expect(result, proof_refused(refused))


def test_the_proof_layer_gets_the_policys_skew() -> None:
    # no skew: a proof made one second after the verifier's clock is in the future
    expect(run(GOOD_VP, now=NOW, clock_skew=timedelta(0)), {})
    result = run(GOOD_VP, now=NOW - timedelta(seconds=1), clock_skew=timedelta(0))
    refused = fail("freshness", "created_in_future", "the proof was created in the future")
    expect(result, proof_refused(refused))


def test_no_skew_leaves_only_the_max_age() -> None:
    at_edge = run(GOOD_VP, now=NOW + timedelta(seconds=600), clock_skew=timedelta(0))
    expect(at_edge, {})
    late = run(GOOD_VP, now=NOW + timedelta(seconds=601), clock_skew=timedelta(0))
    stale = f"the presentation was signed at {SIGNED_AT}, more than 600 s ago"
    expect(late, {"freshness": fail("freshness", "stale", stale)})


def test_a_proof_that_does_not_say_when_it_was_made_is_not_fresh() -> None:
    result = run(signed_vp(BASE, created=None))
    no_created = fail(
        "freshness", "no_created", "the presentation's proof does not say when it was made"
    )
    expect(result, {"freshness": no_created})
    # in a proof set, every proof must say it
    first = signed_vp(BASE)["proof"]
    result = run(signed_vp(BASE, TEACHER, first, created=None))
    expect(
        result,
        {
            "proof": ok("proof", "2 proofs: DataIntegrityProof"),
            "signature": ok("signature", "2 proofs verified"),
            "freshness": no_created,
        },
    )


@pytest.mark.parametrize(
    ("expires", "changed"),
    [
        ("2025-06-01T11:55:30Z", {}),
        (
            "2025-06-01T11:55:29Z",
            proof_refused(fail("freshness", "expired", "the presentation proof has expired")),
        ),
    ],
    ids=["edge", "expired"],
)
def test_an_expiring_proof_holds_until_expires_plus_the_skew(
    expires: str, changed: dict[str, Row]
) -> None:
    # the verifier's clock is 12:00:30; the skew is 300 s
    expect(run(signed_vp(BASE, expires=expires)), changed)


# --- contexts: only bundled ones; a refused context leaves the proof unread -------------------

UNBUNDLED = "https://example.com/unbundled/v1"
NOT_ALLOWED = fail(
    "context",
    "not_allowed",
    f"JSON-LD context {UNBUNDLED!r} is not bundled; contexts are never fetched",
)
INLINE = fail("context", "inline", "inline JSON-LD contexts are not accepted")


def _proof_with(**members: Any) -> dict[str, Any]:
    return with_members(GOOD_VP, proof={**GOOD_VP["proof"], **members})


def _enveloped(url: str | None, context: Any = V2) -> dict[str, Any]:
    entry: dict[str, Any] = {"@context": context, "type": "EnvelopedVerifiableCredential"}
    if url is not None:
        entry["id"] = url
    return entry


@pytest.mark.parametrize(
    ("document", "row"),
    [
        (with_members(GOOD_VP, **{"@context": [V2, UNBUNDLED]}), NOT_ALLOWED),
        (with_members(GOOD_VP, **{"@context": [V2, {"@vocab": "https://x.example/#"}]}), INLINE),
        (_proof_with(**{"@context": UNBUNDLED}), NOT_ALLOWED),
        (_proof_with(**{"@context": [{"@vocab": "https://x.example/#"}]}), INLINE),
        (
            with_members(
                GOOD_VP,
                verifiableCredential=[
                    CRED,
                    _enveloped("data:application/jwt,a.b.c", [V2, UNBUNDLED]),
                ],
            ),
            NOT_ALLOWED,
        ),
    ],
    ids=["presentation", "presentation-inline", "proof", "proof-inline", "envelope"],
)
def test_a_context_that_is_not_bundled_is_refused(document: dict[str, Any], row: Row) -> None:
    store = Store()
    result = run(document, challenge_store=store)
    changed = {**context_refused(row), "challenge": NOT_CONSUMED}
    if len(document["verifiableCredential"]) == 2:
        changed["credentials"] = fail(
            "credentials",
            "not_verified",
            "1 of 2 credential(s) do not verify: /verifiableCredential/1",
        )
    expect(result, changed)
    assert store.calls == []
    summary(result)


def test_a_bundled_proof_context_is_allowed() -> None:
    expect(run(_proof_with(**{"@context": [V2]})), {})


def test_an_embedded_credentials_contexts_are_its_own() -> None:
    # the outer check reads only the presentation's, its proofs' and envelopes' contexts; an
    # embedded credential's unknown context then fails the presentation's canonicalization
    inner = copy.deepcopy(CRED)
    inner["@context"].append(UNBUNDLED)
    result = run(with_members(GOOD_VP, verifiableCredential=[inner]))
    refused = fail(
        "context",
        "not_allowed",
        f"JSON-LD context {UNBUNDLED!r} is not one of the bundled contexts; mcbadge never "
        "fetches contexts from the network",
    )
    changed = {
        **not_reached("not reached: context failed", *PROOF_IDS),
        "context": refused,
        "holder_binding": UNPROVEN,
        "credentials": fail(
            "credentials",
            "not_verified",
            "1 of 1 credential(s) do not verify: /verifiableCredential/0",
        ),
    }
    expect(result, changed)
    assert nested(result) == [("/verifiableCredential/0", False, ["context"])]


@pytest.mark.parametrize(
    ("created", "row"),
    [
        ("2025-06-01T12:05:30Z", GOOD["freshness"]),
        (
            "2025-06-01T12:05:31Z",
            fail(
                "freshness",
                "created_in_future",
                "the presentation says it was signed at 2025-06-01T12:05:31+00:00, in the future",
            ),
        ),
        ("2025-06-01T11:45:30Z", GOOD["freshness"]),
        (
            "2025-06-01T11:45:29Z",
            fail(
                "freshness",
                "stale",
                "the presentation was signed at 2025-06-01T11:45:29+00:00, more than 600 s ago",
            ),
        ),
        (
            "not-a-date",
            fail("freshness", "bad_created", "created ('not-a-date') is not an RFC 3339 date-time"),
        ),
    ],
    ids=["future-edge", "future", "stale-edge", "stale", "bad"],
)
def test_freshness_is_judged_even_when_the_proof_is_not_read(created: str, row: Row) -> None:
    # the verifier's clock is 12:00:30: a proof the context check stopped is still dated
    document = with_members(signed_vp(BASE, created=created), **{"@context": [V2, UNBUNDLED]})
    result = run(document)
    expect(result, {**context_refused(NOT_ALLOWED), "freshness": row})


def test_the_summary_keeps_only_a_string_id() -> None:
    document = with_members(GOOD_VP, id=5, **{"@context": [V2, UNBUNDLED]})
    result = run(document)
    expect(result, context_refused(NOT_ALLOWED))
    summary(result, credential_id=None)


# --- the data model and reading ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"@context": [UNBUNDLED, V2]}, "@context must start with the W3C credentials context"),
        ({"@context": None}, "@context must start with the W3C credentials context"),
        ({"type": "VerifiableCredential"}, "type must include VerifiablePresentation"),
        ({"holder": {"name": "A. Teacher"}}, "holder must be a URL or an object with an id"),
        (
            {"type": ["VerifiableCredential"], "holder": 5},
            "type must include VerifiablePresentation; holder must be a URL or an object with "
            "an id",
        ),
        ({"verifiableCredential": [CRED, "a.b.c", 5]}, "verifiableCredential/1 is not an object"),
        ({"verifiableCredential": 5}, "verifiableCredential/0 is not an object"),
    ],
    ids=["context-order", "no-context", "type", "holder-object", "two-problems", "jws", "number"],
)
def test_a_presentation_outside_the_data_model_is_read_no_further(
    members: dict[str, Any], message: str
) -> None:
    store = Store()
    result = run(with_members(GOOD_VP, **members), challenge_store=store)
    row = fail("data_model", "invalid", message)
    expect(result, stopped_at(MALFORMED, GOOD["input"], row))
    assert result.outer.summary == Summary(proof_format="eddsa-rdfc-2022")
    assert (nested(result), store.calls) == ([], [])


@pytest.mark.parametrize(
    ("document", "row"),
    [
        (
            b"not json",
            fail(
                "input",
                "malformed",
                "the document is not valid JSON: Expecting value at line 1 column 1",
            ),
        ),
        (b"[1]", fail("input", "not_object", "the document is not a JSON object")),
        ("a.b.c", fail("jwt", "malformed", "the JWT header is not base64url")),
    ],
    ids=["not-json", "not-object", "bad-jws"],
)
def test_an_unreadable_presentation(document: Any, row: Row) -> None:
    result = run(document)
    expect(result, stopped_at("the presentation could not be read", row))
    assert result.outer.summary == Summary()
    assert nested(result) == []


def _vp_jwt_holding(*entries: Any) -> str:
    """A VP-JWT (VC-JWT 1.1 ``vp`` claim) of the teacher, re-signed to hold ``entries``."""
    unsecured = copy.deepcopy(CRED)
    unsecured.pop("proof")
    token = sign(unsecured, ISSUER, format="jwt").jwt
    signed = present([token], TEACHER, challenge=CHALLENGE, domain=DOMAIN, format="jwt", now=NOW)
    assert signed.jwt is not None
    head, body, _ = signed.jwt.split(".")
    payload = json.loads(b64url_decode(body))
    payload["vp"]["verifiableCredential"] = [token if e == "JWS" else e for e in entries]
    body = b64url_encode(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url_encode(TEACHER.sign(f'{head}.{body}'.encode()))}"


def test_a_vp_jwt_may_hold_compact_jws_strings_but_nothing_else() -> None:
    # only the rows of the shared outer checks; the JWT's own checks are pinned elsewhere
    mine = ("input", "data_model", "context", "holder_binding", "credentials")
    good = run(_vp_jwt_holding("JWS", CRED))
    assert [row for row in rows(good) if row[0] in mine] == [
        ok("input", "read a presentation as a VP-JWT"),
        GOOD["data_model"],
        GOOD["context"],
        GOOD["holder_binding"],
        ok("credentials", "2 credential(s) inside, each verified below"),
    ]
    assert exit_code_for(good) == 0
    assert good.outer.summary == Summary(recipient=HOLDER, proof_format="VP-JWT (vp claim)")
    bad = run(_vp_jwt_holding("JWS", "JWS", 5, "x"))
    assert [row for row in rows(bad) if row[0] in mine] == [
        ok("input", "read a presentation as a VP-JWT"),
        fail("data_model", "invalid", "verifiableCredential/2 is not an object or a compact JWS"),
        *not_reached(f"not reached: {MALFORMED}", *mine[2:]).values(),
    ]
    assert bad.outer.summary == Summary(proof_format="VP-JWT (vp claim)")
    assert bad.nested == ()


# --- how many credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("members", [{"verifiableCredential": []}, {"verifiableCredential": None}])
def test_a_presentation_of_no_credentials(members: dict[str, Any]) -> None:
    result = run(signed_vp(unsigned(CRED, **members)))
    expect(
        result,
        {"credentials": fail("credentials", "none", "the presentation holds no credentials")},
    )
    assert nested(result) == []


UNSIGNED_COUNT = {
    **not_reached("not reached: proof failed", *PROOF_IDS),
    "proof": fail("proof", "missing", "the presentation is not signed by its holder (no proof)"),
    **UNSIGNED_ROWS,
    "holder_binding": UNPROVEN,
}


def test_the_most_credentials_a_presentation_may_hold() -> None:
    assert presentation.MAX_CREDENTIALS == 1000
    result = run(unsigned(CRED, holder=None, verifiableCredential=[{}] * 1000))
    assert len(result.nested) == 1000
    assert result.nested[999].location == "/verifiableCredential/999"
    credentials = result.outer.check("credentials")
    assert (credentials.code, credentials.indeterminate) == ("credentials.not_verified", False)
    assert credentials.message.startswith(
        "1000 of 1000 credential(s) do not verify: /verifiableCredential/0, "
        "/verifiableCredential/1, "
    )


def test_one_credential_too_many_is_refused_unverified() -> None:
    result = run(unsigned(CRED, holder=None, verifiableCredential=[{}] * 1001))
    too_many = fail(
        "credentials",
        "too_many",
        "the presentation holds 1001 credentials; at most 1000 are verified",
    )
    expect(result, {**UNSIGNED_COUNT, "credentials": too_many})
    assert result.outer.summary == Summary(proof_format=None)
    assert nested(result) == []


def test_the_credentials_check_is_undecided_only_when_every_failure_is() -> None:
    offline_issuer = credential(HOLDER, number=2, issuer=ISSUER_WEB)
    tampered = with_members(CRED, name="Tampered")
    undecided = run(signed_vp(unsigned(CRED, offline_issuer)))
    expect(
        undecided,
        {
            "credentials": fail(
                "credentials",
                "not_verified",
                "1 of 2 credential(s) do not verify: /verifiableCredential/1",
                indeterminate=True,
            )
        },
    )
    assert exit_code_for(undecided) == 2
    assert nested(undecided) == [*ONE_GOOD, ("/verifiableCredential/1", False, ["key_resolution"])]
    failed_too = run(signed_vp(unsigned(offline_issuer, tampered)))
    expect(
        failed_too,
        {
            "credentials": fail(
                "credentials",
                "not_verified",
                "2 of 2 credential(s) do not verify: /verifiableCredential/0, "
                "/verifiableCredential/1",
            )
        },
    )
    assert exit_code_for(failed_too) == 1


# --- the holder binding ------------------------------------------------------------------------


def test_a_holder_who_did_not_sign_is_refused() -> None:
    result = run(signed_vp(unsigned(CRED, holder=STRANGER_DID)))
    refused = fail(
        "holder_binding",
        "signer_not_holder",
        f"the presentation names {STRANGER_DID} as its holder but was signed by {HOLDER}",
    )
    expect(result, {"holder_binding": refused})
    summary(result, STRANGER_DID)  # the holder it claims, not the signer
    assert nested(result) == ONE_GOOD


NO_SUBJECT_ID = credential(None, 3)  # OB 3.0 wants a subject id or an identifier: data_model


def test_credentials_of_someone_else_are_named_before_unknown_ones() -> None:
    entries = [credential(STRANGER_DID, 2), NO_SUBJECT_ID, credential(STRANGER_DID, 4), CRED]
    result = run(signed_vp(unsigned(*entries)))
    refused = fail(
        "holder_binding",
        "subject_not_holder",
        "not bound to the holder: /verifiableCredential/0, /verifiableCredential/2 (its subject "
        "is someone other than the holder)",
    )
    bad = "1 of 4 credential(s) do not verify: /verifiableCredential/1"
    expect(
        result,
        {
            "holder_binding": refused,
            "credentials": fail("credentials", "not_verified", bad),
        },
    )
    assert [item[1] for item in nested(result)] == [True, False, True, True]


def test_a_credential_naming_no_subject_id_is_not_bound() -> None:
    listed = with_members(CRED, credentialSubject=[CRED["credentialSubject"]])
    result = run(signed_vp(unsigned(NO_SUBJECT_ID, listed)))
    refused = fail(
        "holder_binding",
        "not_established",
        "not bound to the holder: /verifiableCredential/0, /verifiableCredential/1 (it names no "
        "subject id and no expected recipient was given to match)",
    )
    bad = "2 of 2 credential(s) do not verify: /verifiableCredential/0, /verifiableCredential/1"
    expect(
        result,
        {"holder_binding": refused, "credentials": fail("credentials", "not_verified", bad)},
    )
    assert nested(result) == [
        ("/verifiableCredential/0", False, ["data_model"]),
        ("/verifiableCredential/1", False, ["data_model"]),
    ]


EMAIL = "teacher@example.edu"
BY_EMAIL = credential(
    None,
    5,
    identifier=[
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "pepper",
            "identityHash": "sha256$" + hashlib.sha256(f"{EMAIL}pepper".encode()).hexdigest(),
        }
    ],
)


def test_a_credential_may_name_the_expected_recipient_instead() -> None:
    result = run(signed_vp(unsigned(CRED, BY_EMAIL)), expected_recipient=EMAIL)
    bound = ok(
        "holder_binding",
        "signed by the holder; every credential's subject is the holder or the expected recipient",
    )
    expect(
        result,
        {
            "holder_binding": bound,
            "credentials": ok("credentials", "2 credential(s) inside, each verified below"),
        },
    )
    summary(result)
    # each credential is verified as itself: the recipient is the presentation's business
    assert nested(result) == [*ONE_GOOD, ("/verifiableCredential/1", True, [])]
    assert [n.result.check("recipient").code for n in result.nested] == [
        "recipient.not_applicable",
        "recipient.not_applicable",
    ]


def test_a_credential_for_another_recipient_is_not_bound() -> None:
    result = run(
        signed_vp(unsigned(CRED, BY_EMAIL, credential(STRANGER_DID, 6))),
        expected_recipient="someone@example.edu",
    )
    refused = fail(
        "holder_binding",
        "recipient_mismatch",
        "not bound to the holder: /verifiableCredential/1, /verifiableCredential/2 (its subject "
        "is neither the holder nor the expected recipient)",
    )
    expect(
        result,
        {
            "holder_binding": refused,
            "credentials": ok("credentials", "3 credential(s) inside, each verified below"),
        },
    )


# --- the credentials inside --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "check"),
    [
        (
            "https://academy.example/credentials/1",
            (
                "input.enveloped_not_jwt",
                "the EnvelopedVerifiableCredential's id is not a data: URL",
            ),
        ),
        (
            None,
            (
                "input.enveloped_not_jwt",
                "the EnvelopedVerifiableCredential's id is not a data: URL",
            ),
        ),
        (
            "data:text/plain,a.b.c",
            (
                "input.enveloped_not_jwt",
                "the enveloped credential is 'text/plain', not a VC-JWT (application/vc+jwt or "
                "application/jwt)",
            ),
        ),
        (
            "data:application/jwt",
            (
                "input.enveloped_not_jwt",
                "the enveloped credential is 'application/jwt', not a VC-JWT "
                "(application/vc+jwt or application/jwt)",
            ),
        ),
        (
            "data:application/jwt,abc",
            (
                "input.enveloped_not_jwt",
                "the enveloped credential's data: URL does not hold a compact JWS",
            ),
        ),
        (
            "data:application/jwt,a.b,c.d",
            (
                "input.malformed",
                "the document is not a credential: not JSON (which starts with '{'), not a "
                "VC-JWT and not a baked PNG or SVG image; it starts with 'a.b,c.d'",
            ),
        ),
    ],
    ids=["https", "no-id", "text", "no-comma", "not-a-jws", "two-commas"],
)
def test_an_envelope_that_holds_no_vc_jwt_fails_that_credential_only(
    url: str | None, check: tuple[str, str]
) -> None:
    result = run(signed_vp(unsigned(CRED, verifiableCredential=[_enveloped(url), CRED])))
    refused = fail(
        "holder_binding",
        "not_established",
        "not bound to the holder: /verifiableCredential/0 (it names no subject id and no "
        "expected recipient was given to match)",
    )
    bad = "1 of 2 credential(s) do not verify: /verifiableCredential/0"
    expect(
        result,
        {"holder_binding": refused, "credentials": fail("credentials", "not_verified", bad)},
    )
    assert nested(result) == [
        ("/verifiableCredential/0", False, ["input"]),
        ("/verifiableCredential/1", True, []),
    ]
    inner = result.nested[0].result
    assert (inner.checks[0].code, inner.checks[0].message) == check
    assert inner.summary.status_state == "not_checked"


# --- the entry point: policy, fetcher, crashes -------------------------------------------------


def test_the_document_and_policy_types_are_programmer_errors() -> None:
    with pytest.raises(TypeError) as policy_error:
        verify_presentation(GOOD_VP, "strict")  # type: ignore[arg-type]
    assert str(policy_error.value) == "policy must be a VerificationPolicy"
    with pytest.raises(TypeError) as document_error:
        verify_presentation(42, policy())
    assert str(document_error.value) == (
        "verify_presentation() takes a mapping, JSON str/bytes, a compact JWS or a path"
    )


class _Unnamed:
    """A fetcher factory without a __name__ that cannot build one."""

    def __call__(self, policy: VerificationPolicy) -> Any:
        raise OSError("no fetcher")


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[Host]:
    """The fetchers verify_presentation builds for itself (Host doubles, never the network)."""
    made: list[Host] = []

    def make_fetcher(given: VerificationPolicy) -> Host:
        made.append(Host(policy=given))
        return made[-1]

    monkeypatch.setattr(presentation, "make_fetcher", make_fetcher)
    return made


def test_without_a_policy_the_defaults_apply(built: list[Host]) -> None:
    result = verify_presentation(copy.deepcopy(GOOD_VP))
    outer = {row[0]: row for row in rows(result)}
    assert outer["challenge"] == NOT_GIVEN
    assert outer["domain"] == warn(
        "domain",
        "not_compared",
        "the presentation names a domain, but the verifier gave none to compare",
    )
    # the clock is the real one, long after the presentation was signed
    assert outer["freshness"] == fail(
        "freshness", "stale", f"the presentation was signed at {SIGNED_AT}, more than 600 s ago"
    )
    assert [(h.requests, h.closed) for h in built] == [([], 1)]


def test_a_fetcher_built_for_the_run_is_closed_after_it(built: list[Host]) -> None:
    expect(run(GOOD_VP, offline=False), {})
    assert [(h.requests, h.closed) for h in built] == [([], 1)]
    assert built[0].policy == policy(offline=False)  # built for this verification's policy


def test_offline_nothing_is_built_and_a_given_fetcher_stays_open(built: list[Host]) -> None:
    expect(run(GOOD_VP), {})
    given = Host()
    expect(run(GOOD_VP, offline=False, fetcher=given), {})
    assert (built, given.closed) == ([], 0)


@pytest.mark.parametrize(("factory", "name"), [(None, "make_fetcher"), (_Unnamed(), "helper")])
def test_a_fetcher_that_cannot_be_built_is_logged_and_left_out(
    factory: Any, name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def make_fetcher(given: VerificationPolicy) -> Any:
        raise OSError("no fetcher")

    monkeypatch.setattr(presentation, "make_fetcher", factory or make_fetcher)
    with caplog.at_level(logging.DEBUG, logger="mcbadge.verify.presentation"):
        result = run(GOOD_VP, offline=False)
    expect(result, {})
    assert logged(caplog) == [(f"could not build {name}", OSError)]


def test_a_crash_is_an_internal_error_never_a_traceback(
    built: list[Host], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(presentation, "verify_in_context", boom)
    with caplog.at_level(logging.DEBUG, logger="mcbadge.verify.presentation"):
        result = run(GOOD_VP, offline=False)
    crashed = fail(
        "input",
        "internal_error",
        "the presentation could not be verified: mcbadge hit an internal error (KeyError); "
        "this is a bug, please report it",
    )
    expect(result, {**not_reached("not reached", *PRESENTATION_CHECK_IDS), "input": crashed})
    assert (result.outer.summary, result.nested, exit_code_for(result)) == (Summary(), (), 1)
    assert logged(caplog) == [("presentation verification crashed", KeyError)]
    assert [h.closed for h in built] == [1]  # closed on the way out all the same
