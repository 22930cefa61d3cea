"""Errors as the APIs say: ProblemDetails (RFC 9457, the VC API's shape) and, under
``/ims/``, the 1EdTech ``Imsx_StatusInfo``. No response ever carries a stack trace: an
unexpected exception is logged here and answered with a plain 500.

Routes raise :class:`Problem`; its ``code`` is a stable mcbadge code (``auth.missing_token``,
``input.too_deep`` …) that clients key on, its ``detail`` a sentence a person can read.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.responses import Response

__all__ = [
    "AnswerUnexpected",
    "Problem",
    "imsx_status",
    "install_handlers",
    "problem_body",
    "render_problem",
]

logger = logging.getLogger(__name__)

#: VC Data Model 2.0 §7.1 error types, by the first part of an mcbadge code.
_VC_TYPES = {
    "input": "PARSING_ERROR",
    "data_model": "MALFORMED_VALUE_ERROR",
    "schema": "MALFORMED_VALUE_ERROR",
    "validity": "RANGE_ERROR",
}
_VC_ERROR_BASE = "https://www.w3.org/TR/vc-data-model#"
_PROBLEM_BASE = "https://mcbadge.dev/problems/"

#: Imsx_StatusInfo codeMinor values by HTTP status.
_IMSX_MINOR = {
    400: "invalid_data",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    413: "invalid_data",
    415: "invalid_data",
    421: "misdirected_request",
    429: "server_busy",
    500: "internal_server_error",
    503: "server_busy",
}


class Problem(Exception):
    """An HTTP error answer: ``status``, a stable ``code``, a ``title`` and a ``detail``."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or _default_title(status)
        self.headers = headers or {}


def _default_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(problem: Problem) -> dict[str, Any]:
    """The ProblemDetails object (``type`` is a VC DM 2.0 error type where one fits)."""
    family = problem.code.split(".", 1)[0]
    kind = _VC_TYPES.get(family)
    return {
        "type": f"{_VC_ERROR_BASE}{kind}" if kind else f"{_PROBLEM_BASE}{problem.code}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
    }


def imsx_status(status: int, description: str, *, minor: str | None = None) -> dict[str, Any]:
    """An ``Imsx_StatusInfo`` failure (OB 3.0 REST API) for an HTTP status."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": minor or _IMSX_MINOR.get(status, "unknown"),
                }
            ]
        },
    }


def render_problem(request: Request, problem: Problem) -> Response:
    """The answer to ``problem``: Imsx_StatusInfo under ``/ims/``, else ProblemDetails."""
    from starlette.responses import JSONResponse

    if request.url.path.startswith("/ims/"):
        return JSONResponse(
            imsx_status(problem.status, problem.detail),
            status_code=problem.status,
            headers=problem.headers,
        )
    return JSONResponse(
        problem_body(problem),
        status_code=problem.status,
        headers=problem.headers,
        media_type="application/problem+json",
    )


def install_handlers(app: FastAPI) -> None:
    """Every error, expected or not, becomes a ProblemDetails / Imsx_StatusInfo answer."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return render_problem(request, exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, f"http.{exc.status_code}"
        )
        detail = exc.detail if isinstance(exc.detail, str) else _default_title(exc.status_code)
        return render_problem(
            request, Problem(exc.status_code, code, detail, headers=dict(exc.headers or {}))
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = first.get("msg", "the request is not valid")
        return render_problem(request, Problem(400, "input.invalid", f"{where}: {message}"))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        return _internal(request, exc)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    # The last resort (Starlette's outermost middleware), for a failure outside the app.
    app.add_exception_handler(Exception, on_unexpected)
    # Every failure inside it: answered here, so the connection stays usable.
    app.add_middleware(AnswerUnexpected)


def _internal(request: Request, exc: BaseException) -> Response:
    logger.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return render_problem(
        request, Problem(500, "internal", "the service failed on this request; it is logged")
    )


class AnswerUnexpected:
    """Answers an unexpected exception with a 500 Problem and does not re-raise it.

    Starlette's own last-resort handler sends the same answer but then re-raises, and
    uvicorn closes the connection: a client's next request on that keep-alive connection
    would fail with a reset. An exception after the answer has started cannot be answered
    and is re-raised (uvicorn logs it and closes the connection)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            from starlette.requests import Request

            await _internal(Request(scope), exc)(scope, receive, send)
