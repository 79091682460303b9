"""Every error the service answers is one JSON shape with the right status code.

``{"error": {"status": 422, "message": "...", "problems": [{"field": "lines[0].quantity",
"rule": "must be greater than 0, got 0"}]}}``.  Bad input is 400 (not JSON), 401 (no
or wrong token), 403 (the token's role may not), 404 (unknown id), 409 (an order id
already used with other content, a fulfilled order cancelled), 413 (body or problem too
large) or 422 (a rule broken); never 500.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dispatch.payloads import UNION_TAGS, PayloadError, pydantic_rule
from solvers.errors import EngineError, InvalidInputError

_log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer: status code, a message and the (field, rule) problems."""

    def __init__(
        self,
        status: int,
        message: str,
        problems: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = tuple(problems)
        self.headers = headers


def error_body(
    status: int, message: str, problems: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {
        "error": {
            "status": status,
            "message": message,
            "problems": [{"field": f, "rule": r} for f, r in problems],
        }
    }


def error_response(error: ApiError) -> JSONResponse:
    """An :class:`ApiError` as a response."""
    return JSONResponse(
        error_body(error.status, error.message, error.problems),
        status_code=error.status,
        headers=error.headers,
    )


def from_engine(error: EngineError, status: int = 422) -> ApiError:
    """An engine error as an answer: a payload's every problem, or the one field."""
    if isinstance(error, PayloadError):
        return ApiError(status, str(error), error.problems)
    if isinstance(error, InvalidInputError):
        return ApiError(status, str(error), [(error.field, error.rule)])
    return ApiError(status, str(error), [("request", str(error))])


def _path(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts.pop(0)
        if not parts:
            return str(where)
    out = ""
    for key in parts:
        if key in UNION_TAGS:  # real13: promised.(windows)[0].hard reads promised[0].hard
            continue
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(body)"


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as JSON: validation problems with their paths, HTTP errors,
    engine errors (422) and :class:`ApiError`."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        status = 422
        for e in error.errors():
            if e.get("type") == "json_invalid":
                status = 400
                problems.append(
                    ("(body)", f"must be JSON ({e.get('ctx', {}).get('error', 'invalid')})")
                )
                continue
            problems.append((_path(e.get("loc", ())), pydantic_rule(e)))
        n = len(problems)
        message = f"{n} invalid field{'s' if n != 1 else ''}: " + "; ".join(
            f"{f}: {r}" for f, r in problems
        )
        if status == 400:
            message = "the body is not valid JSON"
        return error_response(ApiError(status, message, problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = str(error.detail)
        return error_response(
            ApiError(error.status_code, message, [("request", message)], dict(error.headers or {}))
        )

    @app.exception_handler(EngineError)
    async def engine_error(_request: Request, error: EngineError) -> JSONResponse:
        return error_response(from_engine(error))


class InternalErrors:
    """ASGI middleware: an unexpected exception (a bug, not bad input) becomes the one
    JSON error shape with status 500, naming only the kind of failure; it is logged
    (``logging``, configured by whoever runs the server) and not raised further, so
    the connection stays usable."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            _log.exception("internal error answering %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            message = f"internal error ({type(error).__name__})"
            response = error_response(ApiError(500, message, [("request", message)]))
            await response(scope, receive, send)
