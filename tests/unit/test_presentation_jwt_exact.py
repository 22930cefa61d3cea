"""The presentation verifier's exact reports for VP-JWTs (a teacher's presentation signed as a
JWT): the VC-JWT 1.1 ``vp`` claim form and the VC-JOSE-COSE ``vp+jwt`` form.

Each scenario changes one thing in a correctly signed VP-JWT (a claim, a header member, the
signing key, the clock) and pins the whole outer report: every check of
``PRESENTATION_CHECK_IDS`` with its status, code, message and indeterminate flag, the summary,
the nested credentials and the exit code. Keys and the clock are fixed, so the reports are
exact; each expected line was read against the rule in ``mcbadge.verify.presentation``.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from test_verify_exact import NOW, OB, V2, _ed

import mcbadge.verify.presentation as presentation_module
from mcbadge.did import did_for_key
from mcbadge.errors import FetchError
from mcbadge.keys import Key
from mcbadge.multibase import b64url_encode
from mcbadge.present import present
from mcbadge.proofs import sign
from mcbadge.verify import (
    CHECK_IDS,
    PRESENTATION_CHECK_IDS,
    VerificationPolicy,
    exit_code_for,
    verify_presentation,
)
from mcbadge.verify.result import Check, Summary

T = int(NOW.timestamp())
SKEW = 300  # VerificationPolicy.clock_skew, in seconds
V1 = "https://www.w3.org/2018/credentials/v1"
CHALLENGE = "office-challenge-7f3a9c"
DOMAIN = "https://licensure.example"
VP_ID = "urn:uuid:0a0b0c0d-1111-4222-8333-444444444444"


ISSUER = _ed(1)
HOLDER = _ed(7)
OTHER = _ed(9)
HOLDER_DID = did_for_key(HOLDER)
OTHER_DID = did_for_key(OTHER)
KID = f"{HOLDER_DID}#{HOLDER_DID.removeprefix('did:key:')}"
HOLDER_WEB = "did:web:teacher.example"


def credential(subject: str = HOLDER_DID, issuer: str | None = None) -> dict[str, Any]:
    """An unsigned OB 3.0 credential issued to ``subject``."""
    return {
        "@context": [V2, OB],
        "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer or did_for_key(ISSUER),
            "type": ["Profile"],
            "name": "Example Teacher Academy",
        },
        "name": "CS Pedagogy I",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/cs1",
                "type": ["Achievement"],
                "name": "CS Pedagogy I",
                "description": "Teaching introductory programming.",
                "criteria": {"narrative": "Completed the course."},
            },
        },
    }


def di(doc: dict[str, Any], **kw: Any) -> dict[str, Any]:
    signed: dict[str, Any] = sign(
        doc, ISSUER, format="eddsa-rdfc-2022", created=datetime(2025, 1, 1, tzinfo=UTC), **kw
    ).document
    return signed


BADGE = di(credential())
BADGE_JWT = sign(credential(), ISSUER, format="jwt").jwt
#: A badge whose issuer is a did:web: offline, its key cannot be resolved (indeterminate).
WEB_ISSUED = di(
    credential(issuer="did:web:academy.example"),
    verification_method="did:web:academy.example#key-1",
)
NOT_DATA_URL = {"type": "EnvelopedVerifiableCredential", "id": "https://example.edu/badge"}
NOT_A_JWT = {"@context": V2, "type": "EnvelopedVerifiableCredential", "id": "data:text/plain,x"}


def raw_jwt(header: dict[str, Any], payload: dict[str, Any], key: Key = HOLDER) -> str:
    head = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url_encode(key.sign(f'{head}.{body}'.encode()))}"


def _apply(base: dict[str, Any], changes: dict[str, Any] | None) -> dict[str, Any]:
    """``base`` with ``changes`` (a value of None removes the member)."""
    for name, value in (changes or {}).items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def vp_jwt(
    form: str = "vp+jwt",
    *,
    claims: dict[str, Any] | None = None,
    head: dict[str, Any] | None = None,
    vp: dict[str, Any] | None = None,
    key: Key = HOLDER,
) -> str:
    """A VP-JWT of the teacher's badge, signed by ``key``, one member changed at a time.

    ``form="vp+jwt"``: VCDM 2.0, the payload is the presentation plus the JWT claims;
    ``form="vp"``: VCDM 1.1 in a ``vp`` claim, carrying the badge and a VC-JWT string.
    """
    presentation = _apply(
        {
            "@context": [V2] if form == "vp+jwt" else [V1],
            "id": VP_ID,
            "type": ["VerifiablePresentation"],
            "holder": HOLDER_DID,
            "verifiableCredential": [copy.deepcopy(BADGE)]
            if form == "vp+jwt"
            else [copy.deepcopy(BADGE), BADGE_JWT],
        },
        vp,
    )
    registered = _apply(
        {
            "iss": HOLDER_DID,
            "jti": VP_ID,
            "aud": DOMAIN,
            "nonce": CHALLENGE,
            "iat": T - 60,
            "nbf": T - 60,
            "exp": T + 540,
        },
        claims,
    )
    header = {"alg": "EdDSA", "typ": "vp+jwt", "cty": "vp", "kid": KID}
    if form == "vp":
        header = {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    payload = (
        {**presentation, **registered} if form == "vp+jwt" else {**registered, "vp": presentation}
    )
    return raw_jwt(_apply(header, head), payload, key)


def policy(**options: Any) -> VerificationPolicy:
    base: dict[str, Any] = {"now": NOW, "challenge": CHALLENGE, "domain": DOMAIN, "offline": True}
    return VerificationPolicy(**(base | options))


# --- expected reports ----------------------------------------------------------------------

Row = tuple[str, str, str, bool]  # status, code, message, indeterminate


def ok(code: str, message: str) -> Row:
    return ("passed", code, message, False)


def fail(code: str, message: str, indeterminate: bool = False) -> Row:
    return ("failed", code, message, indeterminate)


def skip(code: str, message: str) -> Row:
    return ("skipped", code, message, False)


def warn(code: str, message: str) -> Row:
    return ("warning", code, message, False)


def unreached(reason: str, *check_ids: str) -> dict[str, Row]:
    return {cid: skip(f"{cid}.not_reached", reason) for cid in check_ids}


NOT_DI = "a VP-JWT, not a Data Integrity proof"
SINGLE_USE = "the challenge matches; no challenge store was given, so single use was not enforced"

#: A good vp+jwt: every check, in report order.
GOOD: dict[str, Row] = {
    "input": ok("input.ok", "read a presentation as a VP-JWT"),
    "data_model": ok("data_model.ok", "follows the VCDM presentation data model"),
    "context": ok("context.ok", "only bundled JSON-LD contexts are used"),
    "data_loss": skip("data_loss.not_applicable", NOT_DI),
    "canonicalization": skip("canonicalization.not_applicable", NOT_DI),
    "proof": ok("proof.ok", "vp+jwt"),
    "cryptosuite": skip("cryptosuite.not_applicable", NOT_DI),
    "signature": ok("signature.ok", "the JWS verified"),
    "key_resolution": ok("key_resolution.ok", f"resolved the key of {HOLDER_DID}"),
    "key_binding": ok("key_binding.ok", "the key is listed under the signer's authentication"),
    "proof_purpose": ok("proof_purpose.ok", "authentication (VP-JWT)"),
    "challenge": warn("challenge.not_single_use", SINGLE_USE),
    "domain": ok("domain.ok", f"the aud is {DOMAIN!r}"),
    "freshness": ok("freshness.ok", "signed within the last 600 s"),
    "jwt": ok("jwt.ok", "vp+jwt header acceptable (alg EdDSA)"),
    "jwt_claims": ok("jwt_claims.ok", "claims consistent"),
    "holder_binding": ok(
        "holder_binding.ok", "signed by the holder; every credential's subject is the holder"
    ),
    "credentials": ok("credentials.ok", "1 credential(s) inside, each verified below"),
}
#: The same for the VC-JWT 1.1 form (``vp`` claim; the badge and a VC-JWT inside).
GOOD_VP_CLAIM: dict[str, Row] = GOOD | {
    "proof": ok("proof.ok", "VP-JWT (vp claim)"),
    "jwt": ok("jwt.ok", "vp header acceptable (alg EdDSA)"),
    "credentials": ok("credentials.ok", "2 credential(s) inside, each verified below"),
}
#: What a VP-JWT whose JWS did not verify reports: the proof layer's passes are not given.
PROOF_UNREACHED = ("proof", "signature", "key_resolution", "key_binding", "proof_purpose")
HOLDER_NOT_REACHED = {
    "holder_binding": skip(
        "holder_binding.not_reached", "not checked: the presentation's proof failed"
    )
}


def report(base: dict[str, Row] = GOOD, **changes: Row) -> dict[str, Row]:
    return base | changes


@dataclass(frozen=True)
class Case:
    document: Callable[[], Any]
    checks: dict[str, Row]
    exit_code: int
    recipient: str | None = HOLDER_DID
    proof_format: str | None = "vp+jwt"
    credential_id: str | None = VP_ID
    nested: tuple[tuple[str, bool], ...] = (("/verifiableCredential/0", True),)
    options: dict[str, Any] = field(default_factory=dict)


def _unsigned(header: dict[str, Any]) -> str:
    token = vp_jwt(head=header)
    return token.rsplit(".", 1)[0] + "."


def _did_web(did: str, key: Key, *relationships: str) -> dict[str, Any]:
    """A did:web document, its one key (``#key-1``) listed under ``relationships``."""
    vm = f"{did}#key-1"
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_multibase(),
            }
        ],
    }
    for relationship in relationships:
        document[relationship] = [vm]
    return document


def _web_holder(*relationships: str) -> dict[str, Any]:
    """The teacher's did:web document."""
    return _did_web(HOLDER_WEB, HOLDER, *relationships)


def _web_signed() -> str:
    """A vp+jwt of a did:web teacher (key ``#key-1``), the badge issued to that DID."""
    badge = di(credential(subject=HOLDER_WEB))
    return vp_jwt(
        claims={"iss": HOLDER_WEB},
        head={"kid": f"{HOLDER_WEB}#key-1"},
        vp={"holder": HOLDER_WEB, "verifiableCredential": [badge]},
    )


class Host:
    """Serves documents by URL in place of the network (``get(url) -> bytes``)."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = {url: json.dumps(doc).encode() for url, doc in documents.items()}

    def get(self, url: str) -> bytes:
        if url not in self.documents:
            raise FetchError(f"{url} is unreachable", code="key_resolution.unreachable")
        return self.documents[url]


def _past(check_id: str) -> dict[str, Row]:
    """A VP-JWT whose JWS failed at ``check_id``: the proof layer's checks are not reached."""
    others = [cid for cid in PROOF_UNREACHED if cid != check_id]
    return unreached(f"not reached: {check_id} failed", *others) | HOLDER_NOT_REACHED


def _claim_failed(code: str, message: str) -> dict[str, Row]:
    return report(jwt_claims=fail(code, message))


def _unread(**changes: Row) -> dict[str, Row]:
    """The presentation could not be read: every other check is not reached."""
    return (
        unreached("not reached: the presentation could not be read", *PRESENTATION_CHECK_IDS)
        | changes
    )


def _ill_formed(**changes: Row) -> dict[str, Row]:
    kept = ("input", "data_loss", "canonicalization", "cryptosuite")
    rest = [cid for cid in PRESENTATION_CHECK_IDS if cid not in kept]
    return (
        {cid: GOOD[cid] for cid in kept}
        | unreached("not reached: the presentation is not well formed", *rest)
        | changes
    )


NO_CHALLENGE = fail("challenge.missing", "the presentation does not answer a challenge")
IN_FUTURE = "the presentation says it was signed at 2025-06-01T12:05:01+00:00, in the future"

#: What a VP-JWT with a registered claim of the wrong JSON type does not reach: the JWS is never
#: checked, so neither are the proof, the challenge, the domain, freshness or the holder.
CLAIM_TYPE_UNREACHED = (
    unreached(
        "not reached: jwt_claims failed",
        *PROOF_UNREACHED,
        "challenge",
        "domain",
        "freshness",
        "jwt",
    )
    | HOLDER_NOT_REACHED
)


CASES: dict[str, Case] = {
    # good presentations, one per form
    "vp_jwt_ok": Case(vp_jwt, GOOD, 0),
    "vp_claim_ok": Case(
        lambda: vp_jwt("vp"),
        GOOD_VP_CLAIM,
        0,
        proof_format="VP-JWT (vp claim)",
        nested=(("/verifiableCredential/0", True), ("/verifiableCredential/1", True)),
    ),
    "holder_as_object": Case(lambda: vp_jwt(vp={"holder": {"id": HOLDER_DID}}), GOOD, 0),
    # iss / holder
    "no_iss_no_holder": Case(
        lambda: vp_jwt(claims={"iss": None}, vp={"holder": None}),
        _claim_failed("jwt_claims.missing_iss", "the VP-JWT names no holder (iss)"),
        1,
    ),
    "iss_without_holder": Case(lambda: vp_jwt(vp={"holder": None}), GOOD, 0),
    "holder_without_iss": Case(lambda: vp_jwt(claims={"iss": None}), GOOD, 0),
    "iss_not_holder": Case(
        lambda: vp_jwt(claims={"iss": OTHER_DID}),
        _claim_failed("jwt_claims.iss_mismatch", "the JWT iss is not the presentation's holder"),
        1,
    ),
    "iss_names_someone_else": Case(  # no holder: iss is the claimed holder, not the signer
        lambda: vp_jwt(claims={"iss": OTHER_DID}, vp={"holder": None}),
        report(
            holder_binding=fail(
                "holder_binding.signer_not_holder",
                f"the presentation names {OTHER_DID} as its holder but was signed by {HOLDER_DID}",
            )
        ),
        1,
        recipient=OTHER_DID,
    ),
    # jti / id
    "jti_not_vp_id": Case(
        lambda: vp_jwt(claims={"jti": "urn:uuid:other"}),
        _claim_failed("jwt_claims.jti_mismatch", "the JWT jti is not the VP's id"),
        1,
    ),
    "jti_without_vp_id": Case(lambda: vp_jwt(vp={"id": None}), GOOD, 0, credential_id=None),
    "vp_id_without_jti": Case(lambda: vp_jwt(claims={"jti": None}), GOOD, 0),
    "vp_id_not_a_string": Case(
        lambda: vp_jwt(claims={"jti": None}, vp={"id": 5}), GOOD, 0, credential_id=None
    ),
    # nonce, aud, exp
    "no_nonce": Case(
        lambda: vp_jwt(claims={"nonce": None}),
        _claim_failed("jwt_claims.missing_nonce", "the VP-JWT has no nonce")
        | {"challenge": NO_CHALLENGE},
        1,
    ),
    "no_aud": Case(
        lambda: vp_jwt(claims={"aud": None}),
        _claim_failed("jwt_claims.missing_aud", "the VP-JWT has no aud")
        | {"domain": fail("domain.missing", "the presentation names no aud")},
        1,
    ),
    "no_exp": Case(
        lambda: vp_jwt(claims={"exp": None}),
        _claim_failed("jwt_claims.missing_exp", "the VP-JWT has no exp"),
        1,
    ),
    "exp_within_skew": Case(
        lambda: vp_jwt(claims={"exp": T - SKEW, "iat": T - 400, "nbf": T - 400}), GOOD, 0
    ),
    "exp_past_skew": Case(
        lambda: vp_jwt(claims={"exp": T - SKEW - 1, "iat": T - 400, "nbf": T - 400}),
        _claim_failed("jwt_claims.expired", "the VP-JWT has expired (exp)"),
        1,
    ),
    # nbf, iat
    "nbf_within_skew": Case(lambda: vp_jwt(claims={"nbf": T + SKEW}), GOOD, 0),
    "nbf_past_skew": Case(
        lambda: vp_jwt(claims={"nbf": T + SKEW + 1}),
        _claim_failed("jwt_claims.not_yet_valid", "the VP-JWT is not valid yet"),
        1,
    ),
    "iat_within_skew": Case(lambda: vp_jwt(claims={"iat": T + SKEW}), GOOD, 0),
    "iat_past_skew": Case(
        lambda: vp_jwt(claims={"iat": T + SKEW + 1}),
        _claim_failed("jwt_claims.iat_in_future", "the VP-JWT was issued later")
        | {"freshness": fail("freshness.created_in_future", IN_FUTURE)},
        1,
    ),
    "no_iat": Case(
        lambda: vp_jwt(claims={"iat": None}),
        report(
            freshness=fail("freshness.no_iat", "the VP-JWT does not say when it was made (iat)")
        ),
        1,
    ),
    "iat_out_of_range": Case(
        lambda: vp_jwt(claims={"iat": 1e20}),
        _claim_failed("jwt_claims.iat_in_future", "the VP-JWT was issued later")
        | {"freshness": fail("freshness.bad_iat", "the VP-JWT iat is out of range")},
        1,
    ),
    "iat_stale": Case(
        lambda: vp_jwt(claims={"iat": T - 901, "nbf": T - 901}),
        report(
            freshness=fail(
                "freshness.stale",
                "the presentation was signed at 2025-06-01T11:44:59+00:00, more than 600 s ago",
            )
        ),
        1,
    ),
    "every_claim_wrong": Case(  # jwt_claims reports the first rule broken: iss
        lambda: vp_jwt(
            claims={
                "iss": None,
                "jti": "urn:x",
                "nonce": None,
                "aud": None,
                "exp": None,
                "nbf": T + SKEW + 1,
                "iat": T + SKEW + 1,
            },
            vp={"holder": None},
        ),
        _claim_failed("jwt_claims.missing_iss", "the VP-JWT names no holder (iss)")
        | {
            "challenge": NO_CHALLENGE,
            "domain": fail("domain.missing", "the presentation names no aud"),
            "freshness": fail("freshness.created_in_future", IN_FUTURE),
        },
        1,
    ),
    "vp_claim_no_nonce": Case(
        lambda: vp_jwt("vp", claims={"nonce": None}),
        GOOD_VP_CLAIM
        | {
            "jwt_claims": fail("jwt_claims.missing_nonce", "the VP-JWT has no nonce"),
            "challenge": NO_CHALLENGE,
        },
        1,
        proof_format="VP-JWT (vp claim)",
        nested=(("/verifiableCredential/0", True), ("/verifiableCredential/1", True)),
    ),
    # the JWS fails: the claims are still judged, the proof layer's passes are not given
    "signed_by_another_key": Case(
        lambda: vp_jwt(key=OTHER),
        report(signature=fail("signature.invalid", "the signature does not verify"))
        | _past("signature"),
        1,
    ),
    "vp_claim_signed_by_another_key": Case(
        lambda: vp_jwt("vp", key=OTHER),
        GOOD_VP_CLAIM
        | {"signature": fail("signature.invalid", "the signature does not verify")}
        | _past("signature"),
        1,
        proof_format="VP-JWT (vp claim)",
        nested=(("/verifiableCredential/0", True), ("/verifiableCredential/1", True)),
    ),
    "key_unknown_offline": Case(
        lambda: vp_jwt(head={"kid": f"{HOLDER_WEB}#key-1"}),
        report(
            key_resolution=fail(
                "key_resolution.offline", "the did:web document is not available offline", True
            )
        )
        | _past("key_resolution"),
        2,
    ),
    "key_only_for_issuing": Case(
        _web_signed,
        report(
            key_binding=fail(
                "key_binding.not_authentication",
                "the holder has not listed that key under authentication (a key for issuing, "
                "assertionMethod, cannot sign a presentation)",
            )
        )
        | _past("key_binding"),
        1,
        recipient=HOLDER_WEB,
        options={"did_documents": {HOLDER_WEB: _web_holder("assertionMethod")}},
    ),
    "key_for_authentication": Case(
        _web_signed,
        report(key_resolution=ok("key_resolution.ok", f"resolved the key of {HOLDER_WEB}")),
        0,
        recipient=HOLDER_WEB,
        options={"did_documents": {HOLDER_WEB: _web_holder("authentication")}},
    ),
    "key_fetched_with_the_fetcher": Case(
        _web_signed,
        report(key_resolution=ok("key_resolution.ok", f"resolved the key of {HOLDER_WEB}")),
        0,
        recipient=HOLDER_WEB,
        options={
            "offline": False,
            "fetcher": Host(
                {"https://teacher.example/.well-known/did.json": _web_holder("authentication")}
            ),
        },
    ),
    "issuer_key_preloaded": Case(  # the credentials inside use the verifier's resolver
        lambda: vp_jwt(vp={"verifiableCredential": [WEB_ISSUED]}),
        GOOD,
        0,
        options={
            "did_documents": {
                "did:web:academy.example": _did_web(
                    "did:web:academy.example", ISSUER, "assertionMethod"
                )
            }
        },
    ),
    "alg_not_the_keys": Case(
        lambda: vp_jwt(head={"alg": "ES256"}),
        report(jwt=fail("jwt.alg_mismatch", "the JWT says ES256 but the key is a ed25519 key"))
        | _past("jwt"),
        1,
    ),
    "alg_hmac": Case(
        lambda: vp_jwt(head={"alg": "HS256"}),
        report(jwt=fail("jwt.alg_hmac", "HMAC JWTs are refused: a presentation needs a signature"))
        | _past("jwt"),
        1,
    ),
    "typ_not_a_presentation": Case(
        lambda: vp_jwt(head={"typ": "vc+jwt"}),
        report(jwt=fail("jwt.bad_typ", "the JWT typ 'vc+jwt' is not a presentation's"))
        | _past("jwt"),
        1,
    ),
    "no_kid": Case(
        lambda: vp_jwt(head={"kid": None}),
        report(jwt=fail("jwt.no_key", "the JWT names no key (kid)")) | _past("jwt"),
        1,
    ),
    "vp_claim_typ_vp_jwt": Case(
        lambda: vp_jwt("vp", head={"typ": "vp+jwt"}),
        GOOD_VP_CLAIM
        | {"jwt": fail("jwt.bad_payload", "a vp+jwt is the presentation; it has no vp claim")}
        | _past("jwt"),
        1,
        proof_format="VP-JWT (vp claim)",
        nested=(("/verifiableCredential/0", True), ("/verifiableCredential/1", True)),
    ),
    # the JWS fails before the presentation is read from it: no claim is judged
    "alg_none": Case(
        lambda: _unsigned({"alg": "none"}),
        report(jwt=fail("jwt.alg_none", "unsigned JWTs (alg none) are refused"))
        | unreached(
            "not reached: jwt failed",
            *PROOF_UNREACHED,
            "challenge",
            "domain",
            "freshness",
            "jwt_claims",
        )
        | HOLDER_NOT_REACHED,
        1,
        recipient=None,
    ),
    # an unsigned token's header members get the codes a signed token's would (jwt.bad_alg,
    # not "the JWT header has no alg")
    "unsigned_alg_not_a_string": Case(
        lambda: _unsigned({"alg": 5}),
        report(jwt=fail("jwt.bad_alg", "the JWT header alg is not a string"))
        | unreached(
            "not reached: jwt failed",
            *PROOF_UNREACHED,
            "challenge",
            "domain",
            "freshness",
            "jwt_claims",
        )
        | HOLDER_NOT_REACHED,
        1,
        recipient=None,
    ),
    "claim_of_the_wrong_type": Case(
        lambda: vp_jwt(claims={"exp": "soon"}),
        report(jwt_claims=fail("jwt_claims.bad_exp", "the JWT claim exp is not a NumericDate"))
        | CLAIM_TYPE_UNREACHED,
        1,
        recipient=None,
    ),
    # the same refusal in the vp claim form: the report names that form, and the data model
    # judged is the presentation in the claim, not the JWT payload around it
    "claim_of_the_wrong_type_vp_claim": Case(
        lambda: vp_jwt("vp", claims={"exp": "soon"}),
        report(
            GOOD_VP_CLAIM,
            jwt_claims=fail("jwt_claims.bad_exp", "the JWT claim exp is not a NumericDate"),
        )
        | CLAIM_TYPE_UNREACHED,
        1,
        recipient=None,
        proof_format="VP-JWT (vp claim)",
        nested=(("/verifiableCredential/0", True), ("/verifiableCredential/1", True)),
    ),
    "vp_claim_not_an_object": Case(
        lambda: raw_jwt(
            {"alg": "EdDSA", "typ": "JWT", "kid": KID},
            {"iss": HOLDER_DID, "nonce": CHALLENGE, "aud": DOMAIN, "vp": 5},
        ),
        _ill_formed(
            data_model=fail(
                "data_model.invalid",
                "@context must start with the W3C credentials context; "
                "type must include VerifiablePresentation",
            ),
            jwt=fail("jwt.bad_payload", "the JWT's vp claim is not a presentation"),
        ),
        1,
        recipient=None,
        proof_format="VP-JWT (vp claim)",
        credential_id=None,
        nested=(),
    ),
    # the presentation cannot be read
    "jwt_cut_short": Case(
        lambda: ".".join(vp_jwt().split(".")[:2]),
        _unread(
            jwt=fail(
                "jwt.malformed",
                "the document looks like a VC-JWT that is cut short or damaged: a compact JWS "
                "has three parts separated by dots, this one has 2",
            )
        ),
        1,
        recipient=None,
        proof_format=None,
        credential_id=None,
        nested=(),
    ),
    "empty": Case(
        lambda: "",
        _unread(input=fail("input.malformed", "the document is empty")),
        1,
        recipient=None,
        proof_format=None,
        credential_id=None,
        nested=(),
    ),
    # the credentials inside
    "no_credentials": Case(
        lambda: vp_jwt(vp={"verifiableCredential": []}),
        report(credentials=fail("credentials.none", "the presentation holds no credentials")),
        1,
        nested=(),
    ),
    "too_many_credentials": Case(
        lambda: vp_jwt(vp={"verifiableCredential": [{}] * 1001}),
        report(
            credentials=fail(
                "credentials.too_many",
                "the presentation holds 1001 credentials; at most 1000 are verified",
            )
        ),
        1,
        nested=(),
    ),
    "a_credential_undecided": Case(
        lambda: vp_jwt(vp={"verifiableCredential": [BADGE, WEB_ISSUED]}),
        report(
            credentials=fail(
                "credentials.not_verified",
                "1 of 2 credential(s) do not verify: /verifiableCredential/1",
                True,
            )
        ),
        2,
        nested=(("/verifiableCredential/0", True), ("/verifiableCredential/1", False)),
    ),
    "credentials_not_readable": Case(
        lambda: vp_jwt(vp={"verifiableCredential": [BADGE, NOT_DATA_URL, NOT_A_JWT]}),
        report(
            credentials=fail(
                "credentials.not_verified",
                "2 of 3 credential(s) do not verify: /verifiableCredential/1, "
                "/verifiableCredential/2",
            ),
            holder_binding=fail(
                "holder_binding.not_established",
                "not bound to the holder: /verifiableCredential/1, /verifiableCredential/2 (it "
                "names no subject id and no expected recipient was given to match)",
            ),
        ),
        1,
        nested=(
            ("/verifiableCredential/0", True),
            ("/verifiableCredential/1", False),
            ("/verifiableCredential/2", False),
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_vp_jwt_report(name: str) -> None:
    case = CASES[name]
    result = verify_presentation(case.document(), policy(**case.options))
    assert [c.id for c in result.outer.checks] == list(PRESENTATION_CHECK_IDS)
    expected = [(cid, *case.checks[cid]) for cid in PRESENTATION_CHECK_IDS]
    actual = [(c.id, c.status, c.code, c.message, c.indeterminate) for c in result.outer.checks]
    assert actual == expected
    summary = result.outer.summary
    assert (summary.recipient, summary.proof_format, summary.credential_id) == (
        case.recipient,
        case.proof_format,
        case.credential_id,
    )
    assert summary.status_state == "unknown"
    assert result.kind == "presentation"
    assert tuple((n.location, n.result.verified) for n in result.nested) == case.nested
    assert exit_code_for(result) == case.exit_code


# --- the credentials inside ----------------------------------------------------------------


def test_an_unreadable_credential_reports_every_check() -> None:
    result = verify_presentation(
        vp_jwt(vp={"verifiableCredential": [BADGE, NOT_DATA_URL, NOT_A_JWT]}), policy()
    )
    not_read = "not reached: the credential could not be read"
    for item, message in (
        (result.nested[1], "the EnvelopedVerifiableCredential's id is not a data: URL"),
        (
            result.nested[2],
            "the enveloped credential is 'text/plain', not a VC-JWT "
            "(application/vc+jwt or application/jwt)",
        ),
    ):
        checks = [(c.id, c.status, c.code, c.message, c.indeterminate) for c in item.result.checks]
        assert checks == [
            ("input", "failed", "input.enveloped_not_jwt", message, False),
            *[(cid, "skipped", f"{cid}.not_reached", not_read, False) for cid in CHECK_IDS[1:]],
        ]
        assert item.result.summary.status_state == "not_checked"
        assert exit_code_for(item.result) == 1


def test_a_thousand_credentials_are_all_verified() -> None:
    result = verify_presentation(vp_jwt(vp={"verifiableCredential": [{}] * 1000}), policy())
    assert len(result.nested) == 1000
    credentials = result.outer.check("credentials")
    assert credentials.code == "credentials.not_verified"
    assert credentials.message.startswith("1000 of 1000 credential(s) do not verify: ")


# --- the entry point -----------------------------------------------------------------------


def test_programmer_errors_raise() -> None:
    with pytest.raises(TypeError) as policy_error:
        verify_presentation(vp_jwt(), policy=object())  # type: ignore[arg-type]
    assert str(policy_error.value) == "policy must be a VerificationPolicy"
    with pytest.raises(TypeError) as document_error:
        verify_presentation(42)
    assert str(document_error.value) == (
        "verify_presentation() takes a mapping, JSON str/bytes, a compact JWS or a path"
    )


def test_without_a_policy_the_default_one_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(presentation_module, "make_fetcher", lambda policy: None)
    result = verify_presentation(vp_jwt())
    assert result.outer.check("challenge") == Check(
        "challenge",
        "failed",
        "challenge.not_given",
        "the verifier gave no challenge: a presentation without one can be replayed "
        "(issue one with `mcbadge challenge new`)",
    )
    assert result.outer.check("signature").status == "passed"


def test_a_crash_is_a_failed_input_check(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    boom = RuntimeError("boom")

    def crash(*args: Any) -> Any:
        raise boom

    monkeypatch.setattr(presentation_module, "verify_presentation_jwt", crash)
    with caplog.at_level(logging.DEBUG, logger="mcbadge.verify.presentation"):
        result = verify_presentation(vp_jwt(), policy())
    assert result.kind == "presentation"
    assert result.nested == ()
    assert result.outer.summary == Summary()
    message = (
        "the presentation could not be verified: mcbadge hit an internal error "
        "(RuntimeError); this is a bug, please report it"
    )
    assert [(c.id, c.status, c.code, c.message, c.indeterminate) for c in result.outer.checks] == [
        ("input", "failed", "input.internal_error", message, False),
        *[
            (cid, "skipped", f"{cid}.not_reached", "not reached", False)
            for cid in PRESENTATION_CHECK_IDS[1:]
        ],
    ]
    crashed = [r for r in caplog.records if r.getMessage() == "presentation verification crashed"]
    assert len(crashed) == 1
    assert crashed[0].exc_info is not None
    assert crashed[0].exc_info[1] is boom


class SpyFetcher:
    """A fetcher that records being closed (and serves nothing)."""

    def __init__(self) -> None:
        self.closed = 0

    def get(self, url: str) -> bytes:
        raise FetchError(f"{url} is unreachable", code="key_resolution.unreachable")

    def close(self) -> None:
        self.closed += 1


def test_the_verifier_closes_the_fetcher_it_made(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[VerificationPolicy, SpyFetcher]] = []

    def make_fetcher(given: VerificationPolicy) -> SpyFetcher:
        made.append((given, SpyFetcher()))
        return made[-1][1]

    monkeypatch.setattr(presentation_module, "make_fetcher", make_fetcher)
    online = policy(offline=False)
    assert verify_presentation(vp_jwt(), online).verified
    assert [(given is online, spy.closed) for given, spy in made] == [(True, 1)]
    # offline: no fetcher is made; a caller's fetcher is the caller's to close
    made.clear()
    assert verify_presentation(vp_jwt(), policy()).verified
    own = SpyFetcher()
    assert verify_presentation(vp_jwt(), policy(offline=False, fetcher=own)).verified
    assert (made, own.closed) == ([], 0)


# --- Data Integrity: what the VP-JWT code shares with it -------------------------------------


def test_data_integrity_input_and_proof_format() -> None:
    signed = present(
        [BADGE], HOLDER, challenge=CHALLENGE, domain=DOMAIN, format="di", now=NOW
    ).document
    result = verify_presentation(signed, policy())
    assert result.outer.check("input") == Check(
        "input", "passed", "input.ok", "read a presentation as JSON"
    )
    assert result.outer.summary.proof_format == "eddsa-rdfc-2022"
    # no cryptosuite: the proof's type names the format
    del signed["proof"]["cryptosuite"]
    assert verify_presentation(signed, policy()).outer.summary.proof_format == "DataIntegrityProof"


def test_a_proof_error_of_no_check_is_reported_under_signature() -> None:
    """An error code whose prefix is no presentation check (``proof_time.*``) is reported as a
    failed ``signature`` check keeping the whole code."""
    signed = present(
        [BADGE], HOLDER, challenge=CHALLENGE, domain=DOMAIN, format="di", now=NOW
    ).document
    signed["proof"]["created"] = 5
    check = verify_presentation(signed, policy()).outer.check("signature")
    assert check == Check(
        "signature",
        "failed",
        "signature.proof_time.bad_created",
        "the proof's created is not a date-time string",
        False,
    )


class ChallengeBook:
    """A challenge store that records what it was asked to consume, and when."""

    def __init__(self) -> None:
        self.consumed: list[tuple[str, datetime]] = []

    def consume(self, challenge: str, *, now: datetime) -> None:
        self.consumed.append((challenge, now))


def test_the_challenge_is_consumed_at_the_verifiers_time_once_the_jws_verified() -> None:
    book = ChallengeBook()
    result = verify_presentation(vp_jwt(), policy(challenge_store=book))
    assert result.outer.check("challenge") == Check(
        "challenge",
        "passed",
        "challenge.ok",
        "the challenge matches and was used for the first time",
    )
    assert book.consumed == [(CHALLENGE, NOW)]
    # a JWS that does not verify does not use up the challenge
    result = verify_presentation(vp_jwt(key=OTHER), policy(challenge_store=book))
    assert result.outer.check("challenge") == Check(
        "challenge",
        "skipped",
        "challenge.not_consumed",
        "the challenge matches, but it was not consumed: the presentation's proof failed",
    )
    assert book.consumed == [(CHALLENGE, NOW)]
