"""Tampering with signed credentials, under every proof format: each case names its check."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from _helpers import ATTACKER_KEY, ISSUER_KEY, NOW, V2, make_credential, run
from _signer import b58encode, b64url, jwt_payload, p256_key, sign_di, sign_jwt
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbadge.multibase import b58decode

P256_KEY = p256_key(1)
L = 2**252 + 27742317777372353535851937790883648493


def eddsa() -> dict[str, Any]:
    return sign_di(make_credential(), ISSUER_KEY)


def ecdsa() -> dict[str, Any]:
    return sign_di(make_credential(P256_KEY), P256_KEY)


def _proof_bytes(document: dict[str, Any]) -> bytes:
    return b58decode(document["proof"][0]["proofValue"][1:])


def _set_proof_bytes(document: dict[str, Any], raw: bytes) -> dict[str, Any]:
    document["proof"][0]["proofValue"] = "z" + b58encode(raw)
    return document


def test_fresh_credentials_verify() -> None:
    for document in (eddsa(), ecdsa()):
        assert run(document, offline=True)[0] == 0
    for key in (ISSUER_KEY, P256_KEY):
        assert run(sign_jwt(jwt_payload(make_credential(key)), key), offline=True)[0] == 0


@pytest.mark.parametrize("factory", [eddsa, ecdsa], ids=["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda d: d["credentialSubject"]["achievement"].update(name="PhD"),
            id="achievement-name",
        ),
        pytest.param(
            lambda d: d["credentialSubject"].update(id="did:example:mallory"), id="recipient"
        ),
        pytest.param(lambda d: d.update(validFrom="2025-01-01T00:00:00Z"), id="validFrom"),
        pytest.param(lambda d: d["issuer"].update(name="Harvard"), id="issuer-name"),
        pytest.param(
            lambda d: d["proof"][0].update(created="2026-01-02T00:00:00Z"), id="proof-created"
        ),
    ],
)
def test_tampered_content_fails_the_signature(factory: Any, tamper: Any) -> None:
    document = factory()
    tamper(document)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


@pytest.mark.parametrize("factory", [eddsa, ecdsa], ids=["eddsa", "ecdsa"])
@pytest.mark.parametrize("bit", [0, 100, 511])
def test_proof_value_bit_flip(factory: Any, bit: int) -> None:
    document = factory()
    raw = bytearray(_proof_bytes(document))
    raw[bit // 8] ^= 1 << (bit % 8)
    code, result = run(_set_proof_bytes(document, bytes(raw)), offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda raw: "u" + b64url(raw), id="base64url-multibase"),
        pytest.param(lambda raw: b58encode(raw), id="no-multibase-prefix"),
        pytest.param(lambda raw: "z" + b58encode(raw[:40]), id="truncated"),
        pytest.param(lambda raw: "z" + b58encode(raw) + "0OIl", id="bad-base58-characters"),
    ],
)
def test_proof_value_wrong_encoding(encode: Any) -> None:
    document = eddsa()
    document["proof"][0]["proofValue"] = encode(_proof_bytes(document))
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_ecdsa_der_signature_is_rejected() -> None:
    document = ecdsa()
    raw = _proof_bytes(document)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    code, result = run(_set_proof_bytes(document, der), offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]  # DER is not the raw r||s encoding


def test_ecdsa_zero_signature_is_rejected() -> None:
    code, result = run(_set_proof_bytes(ecdsa(), b"\0" * 64), offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_ed25519_s_plus_l_malleability_is_rejected() -> None:
    document = eddsa()
    raw = _proof_bytes(document)
    s = int.from_bytes(raw[32:], "little") + L
    assert s < 2**256
    code, result = run(
        _set_proof_bytes(document, raw[:32] + s.to_bytes(32, "little")), offline=True
    )
    assert code == 1
    assert result.failed_checks == ["signature"]  # S >= L must be rejected, never accepted


@pytest.mark.parametrize(
    ("change", "check_id"),
    [
        pytest.param({"type": "Ed25519Signature2018"}, "proof", id="unknown-proof-type"),
        # the typed model already requires a proof type
        pytest.param({"type": None}, "data_model+proof", id="missing-proof-type"),
        pytest.param({"cryptosuite": "eddsa-jcs-2022"}, "cryptosuite", id="unknown-cryptosuite"),
        pytest.param({"cryptosuite": "ecdsa-rdfc-2019"}, "cryptosuite", id="cryptosuite-swap"),
        pytest.param({"cryptosuite": None}, "cryptosuite", id="missing-cryptosuite"),
    ],
)
def test_proof_type_and_suite(change: dict[str, Any], check_id: str) -> None:
    document = eddsa()
    for key, value in change.items():
        if value is None:
            del document["proof"][0][key]
        else:
            document["proof"][0][key] = value
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == check_id.split("+")


def _ed25519_2020() -> dict[str, Any]:
    from mcbadge.did import did_for_key
    from mcbadge.keys import generate_key
    from mcbadge.proofs import sign

    key = generate_key("ed25519")
    credential = make_credential()
    credential["issuer"]["id"] = did_for_key(key)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return sign(credential, key, format="ed25519-2020", created=created).document


def test_tampered_ed25519_signature_2020_fails_the_signature() -> None:
    document = _ed25519_2020()
    assert run(document, offline=True)[0] == 0
    document["credentialSubject"]["achievement"]["name"] = "PhD"
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_ed25519_signature_2020_without_its_context() -> None:
    document = _ed25519_2020()
    document["@context"] = document["@context"][:2]
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["context"]
    assert result.check("context").code == "context.missing_suite_context"


def test_missing_proof() -> None:
    code, result = run(make_credential(), offline=True)
    assert code == 1
    assert result.failed_checks == ["proof"]


@pytest.mark.parametrize("purpose", ["authentication", "capabilityInvocation", None])
def test_wrong_proof_purpose_even_when_signed(purpose: str | None) -> None:
    document = sign_di(make_credential(), ISSUER_KEY, proofPurpose=purpose)
    if purpose is None:
        del document["proof"][0]["proofPurpose"]
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["proof_purpose"]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"created": "2026-12-01T00:00:00Z"}, "proof_time.created_in_future"),
        ({"expires": "2026-03-01T00:00:00Z"}, "proof_time.expired"),
        ({"created": "2026-01-01T00:00:00"}, "proof_time.bad_datetime"),
    ],
)
def test_proof_times(options: dict[str, str], code: str) -> None:
    code_out, result = run(sign_di(make_credential(), ISSUER_KEY, **options), offline=True)
    assert code_out == 1
    assert result.failed_checks == ["proof_time"]
    assert result.check("proof_time").code == code


def test_attacker_key_with_valid_signature_fails_key_binding() -> None:
    # The attacker signs correctly, with their own key, a credential naming our issuer.
    document = sign_di(make_credential(ISSUER_KEY), ATTACKER_KEY)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["key_binding"]
    assert result.check("key_binding").code == "key_binding.not_issuer_key"


def test_attacker_names_issuer_key_but_signs_with_own() -> None:
    document = sign_di(make_credential(ISSUER_KEY), ATTACKER_KEY, vm=ISSUER_KEY.vm)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["signature"]


def test_untrusted_issuer_allow_list() -> None:
    code, result = run(eddsa(), offline=True, trusted_issuers=frozenset({ATTACKER_KEY.did}))
    assert code == 1
    assert result.check("key_binding").code == "key_binding.untrusted_issuer"


def _did_web_document(relationship: str) -> dict[str, Any]:
    did = "did:web:academy.example"
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ISSUER_KEY.multikey,
            }
        ],
        relationship: [f"{did}#key-1"],
    }


def _did_web_credential() -> dict[str, Any]:
    did = "did:web:academy.example"
    credential = make_credential()
    credential["issuer"]["id"] = did
    return sign_di(credential, ISSUER_KEY, vm=f"{did}#key-1")


def test_did_web_key_under_assertion_method_verifies() -> None:
    documents = {"did:web:academy.example": _did_web_document("assertionMethod")}
    assert run(_did_web_credential(), offline=True, did_documents=documents)[0] == 0


def test_did_web_key_not_under_assertion_method() -> None:
    documents = {"did:web:academy.example": _did_web_document("authentication")}
    code, result = run(_did_web_credential(), offline=True, did_documents=documents)
    assert code == 1
    assert result.failed_checks == ["key_binding"]
    assert result.check("key_binding").code == "key_binding.not_assertion_method"


def test_did_web_unresolvable_offline_is_indeterminate() -> None:
    code, result = run(_did_web_credential(), offline=True)
    assert code == 2
    assert result.failed_checks == ["key_resolution"]
    assert result.indeterminate


def test_spec_https_verification_method_needs_trust_embedded_keys(reference: Any) -> None:
    path = reference / "examples/ob3/spec-rendered/06-sample-openbadgecredential/signed-di.json"
    document = json.loads(path.read_text())
    assert run(copy.deepcopy(document), offline=True)[1].failed_checks == ["key_binding"]
    assert run(document, offline=True, trust_embedded_keys=True)[0] == 0


# --- proof members of the wrong JSON type (issue #16) -----------------------------------------
# Each member, present with a wrong type (null included), fails with its own code, in the
# verifier and in mcbadge.proofs.verify_proof alike: never a crash, never internal_error.
MEMBER_CODES = {
    "type": "proof.bad_type",
    "cryptosuite": "cryptosuite.bad_cryptosuite",
    "proofPurpose": "proof_purpose.bad_proof_purpose",
    "verificationMethod": "proof.bad_verification_method",
    "created": "proof_time.bad_created",
    "expires": "proof_time.bad_expires",
    "proofValue": "proof.bad_proof_value",
    "id": "proof.bad_id",
    "challenge": "proof.bad_challenge",
    "nonce": "proof.bad_nonce",
    "domain": "proof.bad_domain",
    "previousProof": "proof.bad_previous_proof",
    "@context": "proof.bad_context",
}
_STRING_OR_STRINGS = {"domain", "previousProof"}


def _wrong_for(member: str) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.just(""),
    )
    containers = st.one_of(
        st.lists(scalars, max_size=3),
        st.dictionaries(st.text(max_size=4), scalars, max_size=2),
    )
    values = st.one_of(scalars, containers)
    if member in _STRING_OR_STRINGS:
        # an array of non-empty strings is a valid value: need one bad element
        values = values.filter(
            lambda v: not (isinstance(v, list) and v and all(isinstance(x, str) and x for x in v))
        )
    elif member == "@context":
        # contexts may be objects (and arrays of URLs / objects); these are type errors
        values = st.one_of(
            scalars, st.lists(st.one_of(st.none(), st.integers(-10, 10), st.booleans()), max_size=3)
        )
    return values


_SIGNED = eddsa()


def _no_internal_errors(result: Any) -> None:
    assert not [c.code for c in result.checks if c.code.endswith("internal_error")]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_proof_member_of_the_wrong_type_fails_with_its_own_code(data: st.DataObject) -> None:
    from mcbadge.proofs import verify_proof

    member = data.draw(st.sampled_from(sorted(MEMBER_CODES)))
    value = data.draw(_wrong_for(member))
    document = copy.deepcopy(_SIGNED)
    document["proof"][0][member] = value
    expected = MEMBER_CODES[member]
    code, result = run(document, offline=True)
    assert code == 1
    _no_internal_errors(result)
    assert result.check(expected.split(".")[0]).code == expected
    assert verify_proof(document, None, now=NOW).codes == [expected]


def test_proof_type_given_as_an_array() -> None:
    # was: TypeError (unhashable list) in the verifier, reported as data_loss.internal_error
    document = eddsa()
    document["proof"][0]["type"] = ["DataIntegrityProof"]
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["proof"]
    assert result.check("proof").code == "proof.bad_type"


@pytest.mark.parametrize("member", ["challenge", "domain", "nonce", "@context"])
def test_null_proof_member_is_not_ignored(member: str) -> None:
    # JSON-LD drops null values, so the signature still verified with a null added after
    # signing: verify_proof said yes to a proof carrying members nobody signed
    from mcbadge.proofs import verify_proof

    document = eddsa()
    document["proof"][0][member] = None
    assert verify_proof(document, None, now=NOW).codes == [MEMBER_CODES[member]]
    assert run(document, offline=True)[0] == 1


# --- previousProof: chains are refused, whatever their shape ----------------------------------
def _two_proofs(previous: Any, *, sign_second_over_first: bool) -> dict[str, Any]:
    """The issuer's proof p1, then a second issuer proof p2 naming ``previous``."""
    first = sign_di(make_credential(), ISSUER_KEY, id="urn:uuid:p1")
    if sign_second_over_first:
        # vc-data-integrity §4.3: a chained proof signs the document with its previous proofs
        second = sign_di(first, ISSUER_KEY, id="urn:uuid:p2", previousProof=previous)
        second["proof"] = [first["proof"][0], second["proof"][0]]
        return second
    second = sign_di(make_credential(), ISSUER_KEY, id="urn:uuid:p2", previousProof=previous)
    first["proof"].append(second["proof"][0])
    return first


@pytest.mark.parametrize(
    ("previous", "over_first", "tamper"),
    [
        pytest.param("urn:uuid:nowhere", False, False, id="previous-proof-missing"),
        pytest.param("urn:uuid:p1", True, False, id="well-formed-chain"),
        pytest.param("urn:uuid:p1", True, True, id="previous-proof-tampered"),
        pytest.param("urn:uuid:p2", False, False, id="cycle-self"),
        pytest.param(["urn:uuid:p1", "urn:uuid:p2"], False, False, id="cycle-through-set"),
    ],
)
def test_previous_proof_chains_are_refused(previous: Any, over_first: bool, tamper: bool) -> None:
    from mcbadge.proofs import verify_proof

    document = _two_proofs(previous, sign_second_over_first=over_first)
    if tamper:
        document["proof"][0]["created"] = "2026-01-02T00:00:00Z"
    # the proof layer refuses the chained proof: never verified
    result = verify_proof(document, None, now=NOW)
    assert not result.verified
    assert "proof.chain_unsupported" in result.codes
    code, report = run(document, offline=True)
    assert code == 1
    assert report.check("proof").code == "proof.chain_unsupported" or (
        tamper and report.failed_checks == ["signature"]
    )


def test_dangling_previous_proof_signed_over_the_bare_document() -> None:
    # The one chain a lax verifier would accept: p2 verifies on its own (signed over the bare
    # document) and names a previous proof that is not there.
    from mcbadge.proofs import verify_proof

    document = sign_di(make_credential(), ISSUER_KEY, previousProof="urn:uuid:gone")
    assert verify_proof(document, None, now=NOW).codes == ["proof.chain_unsupported"]
    code, result = run(document, offline=True)
    assert code == 1
    assert result.failed_checks == ["proof"]
    assert result.check("proof").code == "proof.chain_unsupported"


# --- the proof's @context must be the document's ----------------------------------------------
@pytest.mark.parametrize(
    "proof_context",
    [
        pytest.param(["https://www.w3.org/ns/credentials/v2"], id="prefix-is-fine"),
        pytest.param(["https://w3id.org/security/data-integrity/v2"], id="another-context"),
        pytest.param(list(reversed(V2)), id="reordered"),
        pytest.param([*V2, "https://w3id.org/security/data-integrity/v2"], id="longer"),
    ],
)
def test_proof_context_differing_from_the_document(proof_context: list[str]) -> None:
    from mcbadge.proofs import verify_proof

    # signed WITH that @context in the proof, so only the context rule can refuse it
    document = sign_di(make_credential(), ISSUER_KEY, **{"@context": proof_context})
    codes = verify_proof(document, None, now=NOW).codes
    code, result = run(document, offline=True)
    if proof_context == V2[:1]:
        assert codes == []
        assert code == 0
        return
    assert codes == ["proof.context_mismatch"]
    assert code == 1
    assert result.check("proof").code == "proof.context_mismatch"


# --- a DID document key controlled by another DID ---------------------------------------------
def test_did_web_key_controlled_by_another_did_does_not_bind() -> None:
    from mcbadge.did import OfflineResolver
    from mcbadge.proofs import verify_proof

    document = _did_web_document("assertionMethod")
    document["verificationMethod"][0]["controller"] = "did:web:attacker.example"
    documents = {"did:web:academy.example": document}
    credential = _did_web_credential()
    codes = verify_proof(credential, OfflineResolver(documents), now=NOW).codes
    assert codes == ["key_resolution.controller_mismatch"]
    code, result = run(credential, offline=True, did_documents=documents)
    assert code == 1
    assert result.failed_checks == ["key_resolution"]
    assert result.check("key_resolution").code == "key_resolution.controller_mismatch"


def test_preloaded_method_controlled_by_another_did_does_not_bind() -> None:
    from mcbadge.did import OfflineResolver
    from mcbadge.proofs import verify_proof

    vm = {
        "id": "did:web:academy.example#key-1",
        "type": "Multikey",
        "controller": "did:web:attacker.example",
        "publicKeyMultibase": ISSUER_KEY.multikey,
    }
    resolver = OfflineResolver({"did:web:academy.example#key-1": vm})
    codes = verify_proof(_did_web_credential(), resolver, now=NOW).codes
    assert codes == ["key_resolution.controller_mismatch"]


# --- an OpenBadgeCredential is not an endorsement ---------------------------------------------
def _endorsement_subject() -> dict[str, Any]:
    return {
        "id": "https://academy.example/achievements/csp",
        "type": ["EndorsementSubject"],
        "endorsementComment": "Rigorous.",
    }


def test_signed_open_badge_passed_off_as_an_endorsement() -> None:
    # A real, validly signed OpenBadgeCredential (the attacker's own) placed where an
    # EndorsementCredential belongs must not count as an endorsement. As an embedded object
    # the outer data model already refuses it; inside endorsementJwt only the endorsement
    # check can see what the token holds.
    badge = make_credential(ATTACKER_KEY)
    token = sign_jwt(jwt_payload(badge), ATTACKER_KEY)
    assert run(token, offline=True)[0] == 0
    embedded = make_credential()
    embedded["credentialSubject"]["achievement"]["endorsement"] = [sign_di(badge, ATTACKER_KEY)]
    code, result = run(sign_di(embedded, ISSUER_KEY), offline=True)
    assert code == 1
    assert result.check("data_model").status == "failed"
    credential = make_credential()
    credential["credentialSubject"]["achievement"]["endorsementJwt"] = [token]
    code, result = run(sign_di(credential, ISSUER_KEY), offline=True)
    assert code == 1
    assert result.failed_checks == ["endorsements"]
    assert result.check("endorsements").code == "endorsements.invalid"
    assert "data_model" in result.check("endorsements").message


def test_a_real_endorsement_credential_is_accepted() -> None:
    endorsement = make_credential(
        ATTACKER_KEY,
        type=["VerifiableCredential", "EndorsementCredential"],
        credentialSubject=_endorsement_subject(),
    )
    for holder, value in (
        ("endorsement", sign_di(endorsement, ATTACKER_KEY)),
        ("endorsementJwt", sign_jwt(jwt_payload(endorsement), ATTACKER_KEY)),
    ):
        credential = make_credential()
        credential["credentialSubject"]["achievement"][holder] = [value]
        code, result = run(sign_di(credential, ISSUER_KEY), offline=True)
        assert code == 0, result.failed_checks
        assert result.check("endorsements").status == "passed"


# --- proof expires: enforced by the verifier AND by verify_proof; each copy tested alone ------
def _proof_layer_says_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the proof layer inside the verifier by one that verifies everything, so a test
    sees the verifier's own structural rule alone."""
    import mcbadge.verify.checks_proof as checks_proof
    from mcbadge.proofs import ProofResult

    monkeypatch.setattr(
        checks_proof, "verify_proof", lambda *a, **k: ProofResult(True, "eddsa-rdfc-2022")
    )


def test_expired_proof_refused_by_verify_proof() -> None:
    from mcbadge.proofs import verify_proof

    document = sign_di(make_credential(), ISSUER_KEY, expires="2026-03-01T00:00:00Z")
    assert verify_proof(document, None, now=NOW).codes == ["proof_time.expired"]
    later = datetime(2026, 2, 1, tzinfo=UTC)
    assert verify_proof(document, None, now=later).codes == []


def test_expired_proof_refused_by_the_verifier_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    document = sign_di(make_credential(), ISSUER_KEY, expires="2026-03-01T00:00:00Z")
    _proof_layer_says_yes(monkeypatch)
    code, result = run(document, offline=True)
    assert code == 1
    assert result.check("proof_time").code == "proof_time.expired"
    from mcbadge.verify import VerificationPolicy, exit_code_for, verify

    earlier = VerificationPolicy(now=datetime(2026, 2, 1, tzinfo=UTC), offline=True)
    assert exit_code_for(verify(document, earlier)) == 0


def test_the_policy_clock_skew_reaches_the_proof_layer() -> None:
    # A proof that expired 30 minutes ago, under a policy tolerating an hour of clock skew: the
    # verifier's own rule accepted it, the proof layer (fixed 5 minutes) refused it.
    from datetime import timedelta

    from mcbadge.verify import VerificationPolicy, exit_code_for, verify

    document = sign_di(make_credential(), ISSUER_KEY, expires="2026-05-31T23:30:00Z")
    assert run(document, offline=True)[1].check("proof_time").code == "proof_time.expired"
    lenient = VerificationPolicy(now=NOW, offline=True, clock_skew=timedelta(hours=1))
    result = verify(copy.deepcopy(document), lenient)
    assert exit_code_for(result) == 0, result.failed_checks
    strict = VerificationPolicy(now=NOW, offline=True, clock_skew=timedelta(0))
    token = sign_jwt(jwt_payload(make_credential(validUntil="2026-05-31T23:58:00Z")), ISSUER_KEY)
    assert verify(token, strict).check("jwt_claims").code == "jwt_claims.expired"
    assert exit_code_for(verify(token, lenient)) == 0
