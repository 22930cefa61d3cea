"""W3C VC API (VCALM 0.9): verification and challenges.

* ``POST /credentials/verify`` (``verifyCredential``): ``{verifiableCredential, options}``
  -> the VCALM ``VerificationResult`` (``verified``, ``problemDetails``, ``results`` with
  ``validFrom`` / ``validUntil`` / ``credentialSchema`` / ``credentialStatus`` / ``proof``,
  ``credential`` when ``returnCredential``), plus mcbadge's own report: ``checks`` (every
  check with its stable id and code), and ``errors`` / ``warnings`` (the failed and warning
  checks as ProblemDetails, the shape of earlier VC API drafts that the W3C verifier suite
  still reads).
* ``POST /presentations/verify`` and ``POST /challenges``: see :mod:`.vc_api_present`.

The status of a credential that does not verify is ``config.invalid_status``: the spec's
``200`` with ``verified: false``, or the ``400`` / ``422`` the W3C verifier suites expect. A
request that cannot be verified at all (not JSON, no ``verifiableCredential``) is always a
400 ProblemDetails.

Verification (:func:`verification_policy`) never fetches a JSON-LD context. did:key and
did:jwk resolve locally, this instance's own did:web from its keys, and its own status lists
from the registry's current bits. Other providers' did:web documents and status lists are
fetched only when ``[verify] fetch`` is on, through the worker's hardened fetcher (HTTPS,
public addresses only, bounded per verification); by default the service is offline, so a
public endpoint cannot be made to send requests anywhere, and such a document is reported as
not retrieved (indeterminate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from mcbadge._json import StrictJSON
from mcbadge.errors import MCBadgeError
from mcbadge.server.body import parse_json, read_body, require_media_type
from mcbadge.server.deps import get_state, in_verification_thread, verifies_inline
from mcbadge.server.problems import Problem
from mcbadge.server.responses import FastJSONResponse
from mcbadge.verify import verify
from mcbadge.verify._input import parse_input
from mcbadge.verify._util import as_list
from mcbadge.verify.checks_proof import PROOF_CHECK_IDS

if TYPE_CHECKING:
    from mcbadge.server.config import LimitsConfig
    from mcbadge.verify import Check, VerificationPolicy, VerificationResult

router = APIRouter()

#: The options VCALM's VerifyCredentialOptions defines, and ``checks`` (a list of check
#: names) that earlier drafts defined and the W3C verifier suite still sends.
_VERIFY_OPTIONS = frozenset({"returnResults", "returnProblemDetails", "returnCredential", "checks"})

_VC_ERRORS = "https://www.w3.org/TR/vc-data-model#"
_DI_ERRORS = "https://w3id.org/security#"
_STATUS_ERRORS = "https://www.w3.org/ns/credentials/status-list#"
_MCBADGE_ERRORS = "https://mcbadge.dev/problems/"
#: The error type (VC DM 2.0 §7.1, Data Integrity, Bitstring Status List) of each check.
_ERROR_TYPES = {
    "input": _VC_ERRORS + "PARSING_ERROR",
    "data_model": _VC_ERRORS + "MALFORMED_VALUE_ERROR",
    "schema": _VC_ERRORS + "MALFORMED_VALUE_ERROR",
    "context": _VC_ERRORS + "MALFORMED_VALUE_ERROR",
    "data_loss": _VC_ERRORS + "MALFORMED_VALUE_ERROR",
    "canonicalization": _VC_ERRORS + "MALFORMED_VALUE_ERROR",
    "proof": _DI_ERRORS + "PROOF_VERIFICATION_ERROR",
    "cryptosuite": _DI_ERRORS + "PROOF_VERIFICATION_ERROR",
    "signature": _DI_ERRORS + "PROOF_VERIFICATION_ERROR",
    "key_resolution": _DI_ERRORS + "PROOF_VERIFICATION_ERROR",
    "key_binding": _DI_ERRORS + "PROOF_VERIFICATION_ERROR",
    "proof_purpose": _DI_ERRORS + "PROOF_VERIFICATION_ERROR",
    "proof_time": _DI_ERRORS + "PROOF_VERIFICATION_ERROR",
    "jwt": _VC_ERRORS + "CRYPTOGRAPHIC_SECURITY_ERROR",
    "jwt_claims": _VC_ERRORS + "CRYPTOGRAPHIC_SECURITY_ERROR",
    "validity": _VC_ERRORS + "RANGE_ERROR",
    "status": _STATUS_ERRORS + "STATUS_VERIFICATION_ERROR",
    "status_retrieval": _STATUS_ERRORS + "STATUS_RETRIEVAL_ERROR",
    "status_list": _STATUS_ERRORS + "STATUS_VERIFICATION_ERROR",
    "status_range": _STATUS_ERRORS + "STATUS_LIST_LENGTH_ERROR",
    "challenge": _DI_ERRORS + "INVALID_CHALLENGE_ERROR",
    "domain": _DI_ERRORS + "INVALID_DOMAIN_ERROR",
}
#: The checks of the credential's proof (VCALM ``results.proof``): the verifier's proof family
#: but for the JSON-LD ones (data loss, canonicalization), which judge the data model.
_PROOF_CHECKS = frozenset(PROOF_CHECK_IDS) - {"data_loss", "canonicalization"}
_STATUS_CHECKS = frozenset({"status", "status_retrieval", "status_list", "status_range"})


def verification_policy(request: Request, **options: Any) -> VerificationPolicy:
    """The service's policy: plain W3C credentials accepted, this instance's own did:web
    documents and status lists answered from its keys and registry (the status lists exactly
    as ``GET`` serves them, from the same cache: :func:`.hosting.status_host`), anything else
    fetched through the worker's fetcher when ``[verify] fetch`` is on, else not at all.

    Without ``options`` it is one policy per worker, so a status list verified for one
    request is not verified again for the next while its signed bytes are unchanged (the
    verifier's list cache is keyed by the policy and the list's digest; the list itself is
    read from the registry on every request, so a revocation is seen at once)."""
    app_state = request.app.state
    if not options:
        shared: VerificationPolicy | None = getattr(app_state, "verification_policy", None)
        if shared is not None:
            return shared
    from mcbadge.server.routes.hosting import status_host
    from mcbadge.verify import VerificationPolicy

    state = get_state(request)
    did_documents = {
        issuer_id: issuer.did_document()
        for issuer_id, issuer in state.issuers.items()
        if issuer_id.startswith("did:web:")
    }
    fetch = state.config.fetch
    policy = VerificationPolicy(
        offline=state.fetcher is None,
        fetcher=state.fetcher,
        timeout=fetch.timeout,
        max_fetches=fetch.max_fetches,
        fetch_seconds=fetch.fetch_seconds,
        generic_credentials=True,
        did_documents=did_documents,
        status_list_resolver=status_host(request).signed_status_list,
        local_status_base_urls=(f"{state.config.public_url}/status/",),
        **options,
    )
    if not options:
        # two requests racing here build equal policies; the last one stays
        app_state.verification_policy = policy
    return policy


def strictly_read(value: dict[str, Any], limits: LimitsConfig) -> Any:
    """A member of a request body that :func:`~mcbadge.server.body.parse_json` read, as the
    verifier's input: marked as read strictly already (:class:`mcbadge._json.StrictJSON`,
    so ``verify()`` does not write it out and read it back) when the service's body limits
    are no looser than the verifier's own, else as it is."""
    if StrictJSON.within_bounds(limits.max_body_bytes, limits.max_json_depth):
        return StrictJSON(value)
    return value


def problem_of(check: Check) -> dict[str, Any]:
    """A failed or warning check as a ProblemDetails object (with our check id and code)."""
    return {
        "type": _ERROR_TYPES.get(check.id, _MCBADGE_ERRORS + check.code),
        "title": check.code,
        "detail": check.message,
        "check": check.id,
        "code": check.code,
    }


def _secured_credential(credential: Any) -> dict[str, Any]:
    """The credential whose members ``results`` describe: an enveloped (VC-JWT) credential's
    payload, read without verifying it again (the checks already did); ``{}`` when unreadable."""
    if not isinstance(credential, dict):
        return {}
    if credential.get("type") != "EnvelopedVerifiableCredential":
        return credential
    try:
        return parse_input(credential).credential
    except MCBadgeError:
        return {}


def vcalm_results(result: VerificationResult, credential: Any) -> dict[str, Any]:
    """VCALM's ``results``: per data model property, ``verified`` and the ``input``."""
    document = _secured_credential(credential)
    validity_ok = result.check("validity").status != "failed"
    out: dict[str, Any] = {}
    for term in ("validFrom", "validUntil"):
        if isinstance(document.get(term), str):
            out[term] = {"verified": validity_ok, "input": document[term]}
    schema_ok = result.check("schema").status != "failed"
    out["credentialSchema"] = [
        {"verified": schema_ok, "input": entry}
        for entry in as_list(document.get("credentialSchema"))
    ]
    # one pass over the checks: this runs for every request (a twentieth of the route's own
    # CPU when each family was filtered, and its verdict taken, separately)
    status_ok, proof_failed = True, []
    for check in result.checks:
        if check.status != "failed":
            continue
        if check.id in _STATUS_CHECKS:
            status_ok = False
        elif check.id in _PROOF_CHECKS:
            proof_failed.append(check)
    out["credentialStatus"] = [
        {"value": 0 if status_ok else 1, "verified": status_ok, "input": entry}
        for entry in as_list(document.get("credentialStatus"))
    ]
    out["proof"] = [
        {
            "verified": not proof_failed,
            "input": entry,
            "problemDetails": [problem_of(check) for check in proof_failed],
        }
        for entry in as_list(document.get("proof"))
    ]
    return out


def credential_response(
    result: VerificationResult, credential: Any, options: dict[str, Any]
) -> dict[str, Any]:
    """The VCALM ``VerificationResult`` of one credential, with mcbadge's checks
    (``verified`` is ``result.verified``: no check failed)."""
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for check in result.checks:
        if check.status == "failed":
            errors.append(problem_of(check))
        elif check.status == "warning":
            warnings.append(problem_of(check))
    body: dict[str, Any] = {
        "verified": not errors,
        "problemDetails": [*errors, *warnings],
        "results": vcalm_results(result, credential),
        "checks": [check.to_dict() for check in result.checks],
        "errors": errors,
        "warnings": warnings,
    }
    if options.get("returnCredential") is True:
        body["credential"] = credential
    return body


def read_options(value: Any, allowed: frozenset[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Problem(400, "input.not_object", "options must be a JSON object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise Problem(
            400,
            "input.unknown_option",
            f"unknown option(s): {', '.join(unknown)} (this verifier takes "
            f"{', '.join(sorted(allowed))})",
        )
    for name, option in value.items():
        if name == "checks":
            if not isinstance(option, list) or not all(isinstance(c, str) for c in option):
                raise Problem(400, "input.bad_option", "options.checks must be a list of names")
        elif name.startswith("return") and not isinstance(option, bool):
            raise Problem(400, "input.bad_option", f"options.{name} must be true or false")
    return value


@router.post("/credentials/verify")
async def verify_credential(request: Request) -> FastJSONResponse:
    state = get_state(request)
    require_media_type(request)
    raw = await read_body(request, state.config.limits)
    body = parse_json(raw, state.config.limits)
    if not isinstance(body, dict):
        raise Problem(400, "input.not_object", "the request body must be a JSON object")
    credential = body.get("verifiableCredential")
    if credential is None:
        raise Problem(400, "input.missing_field", "verifiableCredential is required")
    if not isinstance(credential, dict):
        raise Problem(
            400,
            "input.not_object",
            "verifiableCredential must be a JSON object (a credential with a proof, or an "
            "EnvelopedVerifiableCredential)",
        )
    options = read_options(body.get("options"), _VERIFY_OPTIONS)
    document = strictly_read(credential, state.config.limits)
    policy = verification_policy(request)
    if verifies_inline(request, raw, credential):
        result = verify(document, policy)
    else:
        result = await in_verification_thread(request, verify, document, policy)
    answer = credential_response(result, credential, options)
    status = 200 if answer["verified"] else state.config.invalid_status
    return FastJSONResponse(answer, status_code=status)


#: Answered by the app before its middleware stack (:class:`mcbadge.server.app.ServiceApp`):
#: the service's busiest route, where FastAPI's routing is a measurable share of the work.
DIRECT = {("POST", "/credentials/verify"): verify_credential}
