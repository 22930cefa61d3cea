"""W3C VC API (VCALM 0.9, ``reference/api/vcalm/oas.yaml``): issuing and status.

* ``POST /credentials/issue`` (``issueCredential``): ``{credential, options}`` ->
  ``201 {verifiableCredential}``. The issuer is the credential's ``issuer``: one this instance
  holds (else 400, as the spec says for an issuer that "does not match the expected
  configuration") and one the caller may act for (else 403). Signed by
  :func:`mcbadge.issuer.supplied.issue_credential`. A Data Integrity issuer answers the
  credential with its proof; a VC-JWT issuer answers an ``EnvelopedVerifiableCredential``
  (``VerifiableCredentialResponse`` allows either).
* ``POST /credentials/status`` (``updateCredentialStatus``): ``{credentialId,
  credentialStatus: {type, statusPurpose, statusListIndex?, statusListCredential?}, status}``
  -> 200; 404 for a credential this instance did not issue, 403 for another issuer's.

Options the spec defines are taken as it defines them (``credentialId`` names the credential
and makes a repeated request idempotent; ``mandatoryPointers`` only matters to selective
disclosure suites, which this issuer does not offer, so it is accepted and has no effect).
``credentialStatus`` (``{type: BitstringStatusListEntry, statusPurpose}``, one or a list) is
the status option of earlier VC API drafts, kept because issuer coordinators still send it.
Any other option is refused (the spec's ``additionalProperties: false``).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mcbadge.errors import MCBadgeError
from mcbadge.server.auth import Caller, authenticated_caller, require_issuer_audited
from mcbadge.server.body import read_json
from mcbadge.server.deps import get_state
from mcbadge.server.problems import Problem

if TYPE_CHECKING:
    from mcbadge.issuer import IssuedCredential

router = APIRouter()

_ISSUE_OPTIONS = frozenset({"credentialId", "mandatoryPointers", "credentialStatus"})
_STATUS_FIELDS = frozenset({"credentialId", "credentialStatus", "status", "indexAllocator"})
_STATUS_ENTRY_FIELDS = frozenset(
    {"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"}
)
_STATUS_TYPES = ("BitstringStatusListEntry", "BitstringStatusList")
#: mcbadge error codes answered with 409 Conflict: the request is well formed, but the
#: credential's current state (or an earlier request) does not allow it.
_CONFLICTS = frozenset(
    {
        "issue.duplicate_id",
        "registry.key_conflict",
        "registry.already_issued",
        "registry.no_revocation_entry",
        "registry.no_suspension_entry",
        "registry.revoked",
        "status.permanent",
        "status.not_issued",
    }
)
#: Registry failures that are the service's, not the request's: retry later.
_UNAVAILABLE = frozenset({"registry.unavailable", "registry.contention", "registry.schema_too_new"})
_ENVELOPE_MEDIA_TYPES = {"vc+jwt": "application/vc+jwt", "jwt": "application/jwt"}


def problem_for(exc: MCBadgeError) -> Problem:
    """The HTTP answer to a library error: its code and sentence, never a trace."""
    code = exc.code
    if code == "registry.unknown_credential":
        return Problem(404, code, exc.message)
    if code in _CONFLICTS:
        return Problem(409, code, exc.message)
    if code in _UNAVAILABLE:
        return Problem(503, code, f"the registry could not complete the request: {exc.message}")
    return Problem(400, code, exc.message)


def _object(value: Any, where: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        missing = value is None
        raise Problem(
            400,
            "input.missing_field" if missing else "input.not_object",
            f"{where} is required and must be a JSON object"
            if missing
            else f"{where} must be a JSON object",
        )
    return value


def _issue_options(options: dict[str, Any]) -> tuple[str | None, tuple[str, ...] | None]:
    from mcbadge.issuer.supplied import parse_status_request

    unknown = sorted(set(options) - _ISSUE_OPTIONS)
    if unknown:
        raise Problem(
            400,
            "input.unknown_option",
            f"unknown issue option(s): {', '.join(unknown)} (this issuer takes "
            f"{', '.join(sorted(_ISSUE_OPTIONS))})",
        )
    credential_id = options.get("credentialId")
    if credential_id is not None and (not isinstance(credential_id, str) or not credential_id):
        raise Problem(400, "input.bad_option", "options.credentialId must be a non-empty string")
    pointers = options.get("mandatoryPointers")
    if pointers is not None and (
        not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers)
    ):
        raise Problem(400, "input.bad_option", "options.mandatoryPointers must be strings")
    purposes = None
    if "credentialStatus" in options:
        try:
            purposes = parse_status_request(options["credentialStatus"])
        except MCBadgeError as exc:
            raise problem_for(exc) from None
    return credential_id, purposes


def _response_credential(issued: IssuedCredential, format: str) -> dict[str, Any]:
    document = issued.document
    if isinstance(document, str):
        media_type = _ENVELOPE_MEDIA_TYPES.get(format, "application/vc+jwt")
        return {
            "@context": "https://www.w3.org/ns/credentials/v2",
            "id": f"data:{media_type},{document}",
            "type": "EnvelopedVerifiableCredential",
        }
    return document


@router.post("/credentials/issue", status_code=201)
async def issue_credential(
    request: Request, caller: Annotated[Caller, Depends(authenticated_caller)]
) -> JSONResponse:
    from mcbadge.issuer.supplied import credential_issuer_id

    state = get_state(request)
    body = _object(await read_json(request, state.config.limits), "the request body")
    credential = _object(body.get("credential"), "credential")
    options = _object(body.get("options"), "options", required=False)
    credential_id, purposes = _issue_options(options)
    issuer_id = credential_issuer_id(credential)
    if issuer_id is None:
        raise Problem(
            400,
            "issue.no_issuer",
            "credential.issuer must name the issuer (a URL, or an object with an id)",
        )
    issuer = state.issuers.get(issuer_id)
    if issuer is None:
        raise Problem(
            400,
            "issue.unknown_issuer",
            f"this service does not hold the issuer {issuer_id}; it issues as "
            f"{', '.join(sorted(state.issuers)) or 'no issuer'}",
        )
    await require_issuer_audited(request, caller, issuer_id, "issue")
    try:
        issued = await run_in_threadpool(
            issuer.issue_credential,
            credential,
            credential_id=credential_id,
            status_purposes=purposes,
            actor=caller.actor,
        )
    except MCBadgeError as exc:
        raise problem_for(exc) from None
    return JSONResponse(
        {"verifiableCredential": _response_credential(issued, issuer.format)}, status_code=201
    )


def _status_change(body: dict[str, Any]) -> tuple[str, Any]:
    from mcbadge.issuer.supplied import StatusChange
    from mcbadge.status import parse_status_index

    unknown = sorted(set(body) - _STATUS_FIELDS)
    if unknown:
        raise Problem(400, "input.unknown_field", f"unknown field(s): {', '.join(unknown)}")
    credential_id = body.get("credentialId")
    if not isinstance(credential_id, str) or not credential_id:
        raise Problem(
            400, "input.missing_field", "credentialId is required and must be a non-empty string"
        )
    if not isinstance(body.get("status"), bool):
        raise Problem(400, "input.missing_field", "status is required and must be true or false")
    entry = _object(body.get("credentialStatus"), "credentialStatus")
    unknown = sorted(set(entry) - _STATUS_ENTRY_FIELDS)
    if unknown:
        raise Problem(
            400, "input.unknown_field", f"unknown credentialStatus field(s): {', '.join(unknown)}"
        )
    if entry.get("type") not in _STATUS_TYPES:
        raise Problem(
            400,
            "input.bad_status_type",
            f"credentialStatus.type must be BitstringStatusListEntry, not {entry.get('type')!r}",
        )
    purpose = entry.get("statusPurpose")
    if purpose not in ("revocation", "suspension"):
        raise Problem(
            400,
            "input.bad_status_purpose",
            f"credentialStatus.statusPurpose must be revocation or suspension, not {purpose!r}",
        )
    index = None
    if "statusListIndex" in entry:
        try:
            index = parse_status_index(entry["statusListIndex"])
        except MCBadgeError as exc:
            raise Problem(400, "input.bad_status_index", exc.message) from None
    list_url = entry.get("statusListCredential")
    if list_url is not None and not isinstance(list_url, str):
        raise Problem(400, "input.bad_status_list", "statusListCredential must be a URL")
    return credential_id, StatusChange(purpose, body["status"], list_url, index)


@router.post("/credentials/status")
async def update_credential_status(
    request: Request, caller: Annotated[Caller, Depends(authenticated_caller)]
) -> dict[str, Any]:
    from mcbadge.issuer.supplied import change_status, find_issued

    state = get_state(request)
    body = _object(await read_json(request, state.config.limits), "the request body")
    credential_id, change = _status_change(body)
    try:
        record = await run_in_threadpool(find_issued, state.issuers, credential_id)
    except MCBadgeError as exc:
        raise problem_for(exc) from None
    if record is None:
        raise Problem(
            404,
            "status.unknown_credential",
            f"no credential {credential_id} was issued by this service",
        )
    if change.purpose == "revocation":
        action = "revoke" if change.status else "unrevoke"
    else:
        action = "suspend" if change.status else "unsuspend"
    await require_issuer_audited(request, caller, record.issuer_id, action, record.credential_id)
    issuer = state.issuers[record.issuer_id]
    try:
        updated = await run_in_threadpool(
            partial(change_status, actor=caller.actor),
            issuer,
            record,
            change,
            f"VC API request by {caller.name}",
        )
    except MCBadgeError as exc:
        raise problem_for(exc) from None
    return {
        "credentialId": credential_id,
        "issuer": updated.issuer_id,
        "revoked": updated.revoked,
        "suspended": updated.suspended,
    }
