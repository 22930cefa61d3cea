"""W3C VC API (VCALM 0.9): presentations and their challenges.

* ``POST /challenges`` (``challenge``): an empty body (or ``{}``) -> ``200 {challenge}``, a
  random value from the registry's :class:`~mcbadge.registry.ChallengeStore`: single use and
  expiring (:data:`~mcbadge.registry.challenges.DEFAULT_TTL`), shared by every worker.
* ``POST /presentations/verify`` (``verifyPresentation``): ``{verifiablePresentation,
  options: {challenge, domain, returnPresentation}}`` -> VCALM's presentation
  ``VerificationResult`` (``results.presentation`` with ``challenge`` / ``domain`` /
  ``holder`` / ``proof``, ``results.credentials`` one credential result each), plus
  mcbadge's outer ``checks`` and ``errors`` / ``warnings``.

Challenges. The presentation must answer ``options.challenge``, and that challenge must be
one this service issued with ``POST /challenges``; it is consumed in the same request, so a
second verification of the same presentation (a replay) fails ``challenge.reused``. A
challenge this service did not issue fails ``challenge.unknown``, and a request without a
challenge fails ``challenge.not_given``: the VC API leaves challenge checking to the verifier
("if provided"), but a challenge only protects against replay when the verifier that checks
it also made it and can tell it was used before (the VCALM threat model's "challenge
reuse"), and a presentation verified without one proves nothing about when or to whom it
was presented. These are verification results (``verified: false`` with the check's code),
not request errors.

The holder binding is the library's: the presentation's signer is its holder, and each
credential's subject is the holder. The VC API calls the second part business logic of the
caller; a caller that checks it itself sends the extension option ``"holderBinding":
"NOT-CHECKED-UNSAFE"`` (VerifyPresentationOptions allows extensions), and the report then
says it was not checked. The proofless form (``{presentation}``) is answered with a 400: an
unsigned presentation proves nothing of its own; verify its credentials one by one with
``/credentials/verify``, which is what the VC API says the API composes to.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mcbadge.errors import MCBadgeError
from mcbadge.server.body import JSON_TYPES, media_type, read_body, read_json
from mcbadge.server.deps import get_state, in_verification_thread
from mcbadge.server.problems import Problem
from mcbadge.server.routes.vc_api_verify import (
    credential_response,
    problem_of,
    verification_policy,
)

if TYPE_CHECKING:
    from mcbadge.verify import BundleResult, Check

router = APIRouter()

_HOLDER_BINDING_MODES = ("required", "NOT-CHECKED-UNSAFE")
_PROOF_CHECKS = (
    "data_loss",
    "canonicalization",
    "proof",
    "cryptosuite",
    "signature",
    "key_resolution",
    "key_binding",
    "proof_purpose",
    "freshness",
    "jwt",
    "jwt_claims",
)


@router.post("/challenges")
async def create_challenge(request: Request) -> dict[str, str]:
    from mcbadge.registry import ChallengeStore

    state = get_state(request)
    body = await read_body(request, state.config.limits)
    if body.strip():
        parsed = _json_of(request, body, state.config.limits)
        if parsed != {}:
            raise Problem(
                400,
                "input.not_empty",
                "POST /challenges takes an empty body (or {}): it has no options",
            )
    try:
        challenge = await run_in_threadpool(ChallengeStore(state.registry).issue)
    except MCBadgeError as exc:
        raise Problem(503, exc.code, f"no challenge could be made: {exc.message}") from None
    return {"challenge": challenge.value}


def _json_of(request: Request, body: bytes, limits: Any) -> Any:
    """A non-empty body of a route that takes none: it must still be JSON (else 415/400)."""
    from mcbadge._json import loads_strict
    from mcbadge.errors import InputError

    kind = media_type(request)
    if kind not in JSON_TYPES:
        raise Problem(
            415, "input.content_type", f"send no body, or {{}} as application/json, not {kind}"
        )
    try:
        return loads_strict(body, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth)
    except InputError as exc:
        raise Problem(400, exc.code, exc.message) from None


def _outer_check(result: BundleResult, check_id: str) -> Check | None:
    for check in result.outer.checks:
        if check.id == check_id:
            return check
    return None


def _verified(check: Check | None) -> bool:
    return check is not None and check.status in ("passed", "warning")


def presentation_response(
    result: BundleResult,
    presentation: dict[str, Any],
    nested_credentials: list[Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    """The VCALM presentation ``VerificationResult``, with mcbadge's outer checks."""
    from mcbadge.verify._util import as_list

    outer = result.outer
    presentation_results: dict[str, Any] = {}
    for name in ("challenge", "domain"):
        if isinstance(options.get(name), str):
            presentation_results[name] = {
                "verified": _verified(_outer_check(result, name)),
                "input": options[name],
            }
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if isinstance(holder_id, str):
        presentation_results["holder"] = {
            "verified": _verified(_outer_check(result, "holder_binding")),
            "input": holder_id,
        }
    proof_checks = [check for check in outer.checks if check.id in _PROOF_CHECKS]
    proof_ok = not any(check.status == "failed" for check in proof_checks)
    presentation_results["proof"] = [
        {
            "verified": proof_ok,
            "input": entry,
            "problemDetails": [
                problem_of(check) for check in proof_checks if check.status == "failed"
            ],
        }
        for entry in as_list(presentation.get("proof"))
    ]
    # One result per credential the verifier found (a VP-JWT's are inside its token, so the
    # request's own list may be shorter): the credential itself where the request shows it.
    credentials = [
        credential_response(
            item.result,
            nested_credentials[number] if number < len(nested_credentials) else None,
            {"returnCredential": number < len(nested_credentials)},
        )
        for number, item in enumerate(result.nested)
    ]
    failed = [check for check in outer.checks if check.status == "failed"]
    warnings = [check for check in outer.checks if check.status == "warning"]
    body: dict[str, Any] = {
        "verified": result.verified,
        "problemDetails": [problem_of(check) for check in [*failed, *warnings]],
        "results": {"presentation": presentation_results, "credentials": credentials},
        "checks": [check.to_dict() for check in outer.checks],
        "errors": [problem_of(check) for check in failed],
        "warnings": [problem_of(check) for check in warnings],
    }
    if options.get("returnPresentation") is True:
        body["verifiablePresentation"] = presentation
    return body


def _options(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Problem(400, "input.not_object", "options must be a JSON object")
    for name in ("challenge", "domain"):
        if name in value and (not isinstance(value[name], str) or not value[name]):
            raise Problem(400, "input.bad_option", f"options.{name} must be a non-empty string")
    if "returnPresentation" in value and not isinstance(value["returnPresentation"], bool):
        raise Problem(400, "input.bad_option", "options.returnPresentation must be true or false")
    binding = value.get("holderBinding", "required")
    if binding not in _HOLDER_BINDING_MODES:
        raise Problem(
            400,
            "input.bad_option",
            f"options.holderBinding must be {' or '.join(_HOLDER_BINDING_MODES)}",
        )
    return value


@router.post("/presentations/verify")
async def verify_presentation(request: Request) -> JSONResponse:
    from mcbadge.registry import ChallengeStore
    from mcbadge.verify import verify_presentation as verify_bundle

    state = get_state(request)
    body = await read_json(request, state.config.limits)
    if not isinstance(body, dict):
        raise Problem(400, "input.not_object", "the request body must be a JSON object")
    presentation = body.get("verifiablePresentation")
    if presentation is None and "presentation" in body:
        raise Problem(
            400,
            "input.unsigned_presentation",
            "an unsigned presentation proves nothing of its own: send a signed "
            "verifiablePresentation, or verify each credential with POST /credentials/verify",
        )
    if presentation is None:
        raise Problem(400, "input.missing_field", "verifiablePresentation is required")
    if not isinstance(presentation, dict):
        raise Problem(
            400,
            "input.not_object",
            "verifiablePresentation must be a JSON object (a presentation with a proof, or an "
            "EnvelopedVerifiablePresentation)",
        )
    options = _options(body.get("options"))
    policy = dataclasses.replace(
        verification_policy(request),
        challenge=options.get("challenge"),
        domain=options.get("domain"),
        holder_binding=options.get("holderBinding", "required"),
        challenge_store=ChallengeStore(state.registry),
    )
    result = await in_verification_thread(request, verify_bundle, presentation, policy)
    nested = presentation.get("verifiableCredential")
    nested_list = nested if isinstance(nested, list) else [nested] if nested else []
    status = 200 if result.verified else state.config.invalid_status
    return JSONResponse(
        presentation_response(result, presentation, nested_list, options), status_code=status
    )
