"""The verification page for people: ``GET /`` (and ``GET /verify``) shows a form, ``POST
/verify`` shows the report.

A licensure clerk drops or chooses files (a credential as JSON or VC-JWT, a presentation, a
CLR 2.0 record, a baked PNG or SVG badge) or pastes one, and reads the HTML report of
:mod:`mcbadge.report`; with a stack rule (and the office's trust list) the page shows the
rule's evaluation instead. Plain HTML, a ``multipart/form-data`` POST: no script, on the form
or on the report. What a document is, whether it verifies, whether its issuer is trusted and
whether a rule is met are the library's (:func:`mcbadge.verify.verify_any`,
:mod:`mcbadge.licensure`); this module reads the form, calls them and renders.

Verification here is offline: the service fetches nothing a document names (no JSON-LD
context, did:web document or status list from the network); the did:web documents and the
current status lists of the issuers this instance holds are answered from its keys and
registry, as for ``POST /credentials/verify``. Errors are pages, never JSON: a body
over ``limits.max_body_bytes`` (the limit of every route) is a 413 page, a form that cannot
be used is the form again with an error summary linked to the field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from mcbadge.server.body import media_type
from mcbadge.server.deps import get_state, in_verification_thread

if TYPE_CHECKING:
    import jinja2

    from mcbadge.licensure.trust import TrustLists
    from mcbadge.verify import VerificationPolicy

__all__ = ["router"]

logger = logging.getLogger(__name__)
router = APIRouter()

#: What the report links back to (relative, so a base URL with a path still works).
NAV = (("./", "Verify another document"),)
#: A body over the limit is read and thrown away up to this many times the limit, so that a
#: browser still sending its upload reads the 413 page rather than a reset connection.
_DRAIN_FACTOR = 8
_MAX_DOCUMENTS = 50
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_TEXT_FIELDS = ("text", "recipient", "challenge", "domain", "trust_list_pin")


@cache
def _environment() -> jinja2.Environment:
    """The page's templates, with the report's beside them (its stylesheet, its layout)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("mcbadge.server", "templates"),
                jinja2.PackageLoader("mcbadge.report", "templates"),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=_SECURITY_HEADERS)


@dataclass(frozen=True)
class _Upload:
    name: str
    data: bytes


@dataclass
class _Form:
    """What the clerk sent: the documents, the optional fields, and what was wrong with it
    (field id -> sentence; the summary lists them in this order)."""

    documents: list[_Upload] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    rule: _Upload | None = None
    trust_list: _Upload | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        return self.values.get(name, "").strip() or None


def _fetching(request: Request) -> bool:
    """Whether this instance fetches what a document names (``[verify] fetch``): the
    footer of every page says which, so a clerk can read an INDETERMINATE verdict."""
    return get_state(request).config.fetch.enabled


def _form_page(request: Request, form: _Form | None = None, status: int = 200) -> HTMLResponse:
    form = form if form is not None else _Form()
    errors = list(form.errors.items())
    title = "Verify a credential"
    text = (
        _environment()
        .get_template("verify_form.html")
        .render(
            title=f"Error: {title}" if errors else title,
            heading=title,
            errors=errors,
            error=form.errors,
            values={name: form.values.get(name, "") for name in _TEXT_FIELDS},
            fetching=_fetching(request),
        )
    )
    return _html(text, status)


def _message_page(
    request: Request, status: int, heading: str, sentences: Sequence[str]
) -> HTMLResponse:
    text = (
        _environment()
        .get_template("message.html")
        .render(title=heading, heading=heading, sentences=sentences, fetching=_fetching(request))
    )
    return _html(text, status)


@router.get("/", include_in_schema=False)
@router.get("/verify", include_in_schema=False)
def verification_form(request: Request) -> HTMLResponse:
    """The form: a file input (drop files on it), a text area, the optional rule."""
    return _form_page(request)


async def _read_form(request: Request, limit: int) -> bytes | None:
    """The body, at most ``limit`` bytes; ``None`` when it is larger. Unlike the APIs' reader
    (:func:`mcbadge.server.body.read_body`), what is over the limit is read on and thrown
    away up to a bound, so that a browser still sending its upload reads the 413 page rather
    than a reset connection; a body declared larger than that bound is not read at all."""
    declared = request.headers.get("content-length", "")
    if declared and not declared.isdigit():
        return None
    if declared.isdigit() and int(declared) > limit * _DRAIN_FACTOR:
        return None
    chunks: list[bytes] = []
    received = 0
    while received <= limit * _DRAIN_FACTOR:
        message = await request.receive()
        if message["type"] != "http.request":
            break  # the client went away
        body = message.get("body", b"")
        received += len(body)
        if received <= limit:
            chunks.append(body)
        if not message.get("more_body", False):
            break
    return b"".join(chunks) if received <= limit else None


async def _parse(request: Request, body: bytes) -> _Form:
    """The multipart body as a :class:`_Form` (errors in ``form.errors``, never raised)."""
    from starlette.datastructures import Headers, UploadFile
    from starlette.formparsers import MultiPartException, MultiPartParser

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    form = _Form()
    limits = get_state(request).config.limits
    try:
        parsed = await MultiPartParser(
            Headers(scope=request.scope),
            stream(),
            max_files=_MAX_DOCUMENTS + 2,
            max_fields=len(_TEXT_FIELDS) + 4,
            max_part_size=limits.max_body_bytes,
        ).parse()
    except MultiPartException as exc:
        form.errors["documents"] = f"The form could not be read ({exc.message}). Send it again."
        return form
    try:
        for name, item in parsed.multi_items():
            if isinstance(item, UploadFile):
                data = await item.read()
                if not item.filename and not data:
                    continue  # a file input left empty
                upload = _Upload(_base_name(item.filename), data)
                if name == "documents":
                    form.documents.append(upload)
                elif name == "rule":
                    form.rule = upload
                elif name == "trust_list":
                    form.trust_list = upload
            elif name in _TEXT_FIELDS:
                form.values[name] = item
    finally:
        await parsed.close()
    _check_form(form)
    return form


def _base_name(filename: str | None) -> str:
    """The file's own name, without any folder a client sent (``/`` or ``\\``)."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return name or "upload"


def _check_form(form: _Form) -> None:
    """The form's own rules: something to verify, not two things at once, a pin with a list."""
    pasted = form.value("text")
    if not form.documents and pasted is None:
        form.errors["documents"] = (
            "Choose a file to verify (or drop it on the file field), or paste a credential "
            "in the text box."
        )
    elif form.documents and pasted is not None:
        form.errors["documents"] = (
            "Give either files or pasted text, not both: clear the text box or the file field."
        )
    elif pasted is not None:
        form.documents.append(_Upload("pasted text", pasted.encode("utf-8")))
    if len(form.documents) > _MAX_DOCUMENTS:
        form.errors["documents"] = f"Choose at most {_MAX_DOCUMENTS} files at once."
    pin = form.value("trust_list_pin")
    if form.trust_list is not None and pin is None:
        form.errors["trust_list_pin"] = (
            'Give the trust list\'s pin: its SHA-256 (as "mcbadge trust inspect" prints it) '
            "or the DID of the office that signed it."
        )
    elif form.trust_list is None and pin is not None:
        form.errors["trust_list"] = "Choose the trust list file that this pin is for."


def _trust_lists(form: _Form, policy: VerificationPolicy) -> TrustLists | None:
    """The uploaded trust list, anchored by the pin the clerk gave (never by itself)."""
    if form.trust_list is None:
        return None
    from mcbadge.licensure.trust import TrustListError, TrustListSource, load_trust_lists

    pin = form.value("trust_list_pin") or ""
    pins = {"operator": pin} if pin.startswith("did:") else {"sha256": pin.lower()}
    spec = "&".join(f"{name}={value}" for name, value in pins.items())
    try:
        parsed = TrustListSource.parse(f"list#{spec}")  # the pin only; the name is not parsed
    except ValueError:
        form.errors["trust_list_pin"] = (
            "The pin must be the list's SHA-256 (64 hexadecimal digits) or the DID of the "
            "office that signed it (did:...)."
        )
        return None
    source = TrustListSource(
        Path(form.trust_list.name),
        sha256=parsed.sha256,
        operator=parsed.operator,
        data=form.trust_list.data,
    )
    try:
        return load_trust_lists([source], policy=policy)
    except TrustListError as exc:
        form.errors["trust_list"] = f"The trust list cannot be relied on: {exc.message}."
        return None


def _policy(form: _Form, request: Request) -> VerificationPolicy:
    """The service's policy (this instance's own did:web documents and status lists answered
    from its keys and registry; others fetched only when ``[verify] fetch`` is on), judging
    Open Badges as ``mcbadge verify`` does, with the clerk's optional fields."""
    import dataclasses

    from mcbadge.server.routes.vc_api_verify import verification_policy

    policy = verification_policy(
        request,
        expected_recipient=form.value("recipient"),
        challenge=form.value("challenge"),
        domain=form.value("domain"),
    )
    # the W3C suites' plain credentials are the VC API's concern; a clerk verifies badges
    return dataclasses.replace(policy, generic_credentials=False)


def _unreadable(form: _Form, results: Sequence[Any]) -> None:
    """A document nothing could be read from goes back to the form, with the reason."""
    from mcbadge.verify import VerificationResult

    for upload, result in zip(form.documents, results, strict=True):
        check = result.check("input") if isinstance(result, VerificationResult) else None
        if check is not None and check.status == "failed":
            form.errors["documents"] = (
                f"{upload.name} could not be read as a credential, presentation, learner "
                f"record or badge image: {check.message}."
            )
            return


def _verification_report(
    form: _Form, policy: VerificationPolicy, trust: TrustLists | None
) -> str | None:
    from mcbadge.licensure.trust import NoTrustList, decide_bundle, decide_file
    from mcbadge.report import (
        ReportItem,
        render_batch_html,
        render_bundle_html,
        render_credential_html,
    )
    from mcbadge.verify import BundleResult, verify_any

    results = [verify_any(upload.data, policy) for upload in form.documents]
    _unreadable(form, results)
    if form.errors:
        return None
    # no trust list: every decision says so ("not decided"), never "trusted"
    deciding = trust if trust is not None else NoTrustList()
    items = []
    for upload, result in zip(form.documents, results, strict=True):
        if isinstance(result, BundleResult):
            nested = decide_bundle(deciding, upload.data, result)
            items.append(ReportItem(upload.name, result, nested_trust=nested))
        else:
            decision = decide_file(deciding, upload.data, result)
            items.append(ReportItem(upload.name, result, trust=decision))
    if len(items) > 1:
        return render_batch_html(items, nav=NAV)
    item = items[0]
    if isinstance(item.result, BundleResult):
        return render_bundle_html(
            item.result, name=item.name, nested_trust=item.nested_trust, nav=NAV
        )
    assert item.result is not None
    return render_credential_html(item.result, name=item.name, trust=item.trust, nav=NAV)


def _evaluation_report(
    form: _Form, policy: VerificationPolicy, trust: TrustLists | None
) -> str | None:
    from mcbadge.errors import RuleError
    from mcbadge.licensure.evaluation import evaluate_documents, trust_for_rule
    from mcbadge.licensure.rules import load_rule
    from mcbadge.report import render_evaluation_html

    assert form.rule is not None
    try:
        rule = load_rule(form.rule.data)
    except RuleError as exc:
        form.errors["rule"] = (
            f"{form.rule.name} is not a stack rule mcbadge can use: {exc.message}."
        )
        return None
    evaluation = evaluate_documents(
        rule,
        [(upload.name, upload.data) for upload in form.documents],
        policy=policy,
        trust=trust_for_rule(rule, trust),
        recipient=form.value("recipient"),
    )
    return render_evaluation_html(evaluation, nav=NAV)


def _too_large(request: Request, limit: int) -> HTMLResponse:
    return _message_page(
        request,
        413,
        "The upload is too large",
        [
            f"This service accepts at most {limit:,} bytes ({limit / 1048576:.1f} MB) in one "
            "form, and what was sent is larger. Nothing was verified.",
            "A credential or a badge image is much smaller than that: check that the right "
            "file was chosen, or send fewer files at once.",
        ],
    )


@router.post("/verify", include_in_schema=False)
async def verify_page(request: Request) -> Response:
    """Verify what the form carries and answer with the report (or the form, with errors)."""
    state = get_state(request)
    limits = state.config.limits
    if media_type(request) != "multipart/form-data":
        return _message_page(
            request,
            415,
            "The form was sent in a way this page does not read",
            ["Open the verification page and send the form from there (multipart/form-data)."],
        )
    body = await _read_form(request, limits.max_body_bytes)
    if body is None:
        return _too_large(request, limits.max_body_bytes)
    form = await _parse(request, body)
    if form.errors:
        return _form_page(request, form, 400)
    try:
        # verifying is CPU work (canonicalization, signatures): off the event loop
        page = await in_verification_thread(request, _report, form, request)
    except Exception:  # a person reads this answer: a page, never a trace
        logger.exception("the verification page failed on a submission")
        return _message_page(
            request,
            500,
            "The service failed on this document",
            [
                "Nothing was decided about it: this is a fault of the service, not a verdict. "
                "The fault is logged for the service's operator.",
                "Try again, or verify the file with the mcbadge command.",
            ],
        )
    if page is None:
        return _form_page(request, form, 400)
    return _html(page)


def _report(form: _Form, request: Request) -> str | None:
    """The report page for the form, or ``None`` with the reasons in ``form.errors``."""
    policy = _policy(form, request)
    trust = _trust_lists(form, policy)
    if form.errors:
        return None
    if form.rule is not None:
        return _evaluation_report(form, policy, trust)
    return _verification_report(form, policy, trust)
