"""Errors as JSON ``{"detail": "..."}`` with a message a person can act on.

Validation failures (422) also carry ``errors``: one entry per problem with its location,
so a client can highlight the field.
"""

from __future__ import annotations

import logging
import math
import re

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from api.engine import ServiceUnavailable
from api.store.outcomes import OutcomeConflict, OutcomeNotFound
from matcher.data.errors import DataValidationError, MatcherError, Problem
from matcher.index import UnknownIdError

log = logging.getLogger(__name__)


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^/\\\s'\"]+){2,}[/\\]?")


def scrub_paths(text: str | None) -> str | None:
    """``text`` with server file paths cut to their last part: an answer must not show the
    server's folders (a tampered model's error used to name its full path, even on /health)."""
    if text is None:
        return None
    return _PATH.sub(lambda m: "…/" + re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1], text)


def problem_entry(problem: Problem, prefix: str) -> dict:
    loc = [prefix] + ([problem.column] if problem.column else [])
    msg = problem.expected_message() if problem.value not in (None, "") else problem.expected_in()
    return {"loc": loc, "msg": msg, "input": problem.value}


def _readable(entries: list[dict]) -> str:
    lines = []
    for e in entries:
        where = ".".join(str(p) for p in e["loc"])
        value = e.get("input")
        value = value[:80] + "…" if isinstance(value, str) and len(value) > 80 else _jsonable(value)
        shown = (
            f" (got {value!r})"
            if value not in (None, "", {}) and not isinstance(value, dict)
            else ""
        )
        lines.append(f"{where}: {e['msg']}{shown}")
    return "; ".join(lines)


def validation_response(entries: list[dict]) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={
            "detail": _readable(entries),
            "errors": [{**e, "input": _jsonable(e.get("input"))} for e in entries],
        },
    )


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN / Infinity echoed back as text: JSON has no such numbers
    if isinstance(value, str):
        return scrub_paths(value[:200])
    if isinstance(value, list):
        return [_jsonable(v) for v in value[:20]]
    if isinstance(value, dict):
        return {str(k)[:64]: _jsonable(v) for k, v in list(value.items())[:20]}
    return value if isinstance(value, (int, float, bool, type(None))) else str(value)[:200]


VALIDATION_ERROR_SCHEMA = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "every problem, readable in one line"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "input": {},
                },
            },
        },
    },
}


def _document_validation_errors(app: FastAPI) -> None:
    """The OpenAPI schema shows the 422 body this module actually sends."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            schema.get("components", {}).get("schemas", {})["HTTPValidationError"] = (
                VALIDATION_ERROR_SCHEMA
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def install(app: FastAPI) -> None:
    _document_validation_errors(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        entries = [
            {
                "loc": [p for p in e["loc"] if p != "body"] or ["body"],
                "msg": e["msg"],
                "input": e.get("input"),
            }
            for e in exc.errors()
        ]
        return validation_response(entries)

    @app.exception_handler(DataValidationError)
    async def _invalid_data(_: Request, exc: DataValidationError) -> JSONResponse:
        return validation_response([problem_entry(p, "profile") for p in exc.problems])

    @app.exception_handler(UnknownIdError)
    @app.exception_handler(OutcomeNotFound)
    async def _unknown_id(_: Request, exc: UnknownIdError | OutcomeNotFound) -> JSONResponse:
        return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"detail": str(exc)})

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(_: Request, exc: ServiceUnavailable) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={"detail": scrub_paths(str(exc))},
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError) -> JSONResponse:
        # a locked SQLite file or a PostgreSQL lock/connection timeout: the write did not
        # happen and may simply be retried; never a 500
        log.warning("database busy or unreachable: %s", exc.orig)
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={
                "detail": "the database is busy (another write is running); "
                "nothing was written, retry in a few seconds"
            },
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(IntegrityError)
    async def _conflict(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("write conflict: %s", exc.orig)
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={
                "detail": "a concurrent write changed the same record; "
                "nothing was written, reload and retry"
            },
        )

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:  # logged with its traceback
        return JSONResponse(
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            content={
                "detail": f"internal error ({type(exc).__name__}); the server log has the details"
            },
        )

    @app.exception_handler(OutcomeConflict)
    async def _outcome_conflict(_: Request, exc: OutcomeConflict) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={"detail": str(exc), "outcome_id": exc.outcome_id},
        )

    @app.exception_handler(MatcherError)
    async def _user_error(_: Request, exc: MatcherError) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_400_BAD_REQUEST, content={"detail": scrub_paths(str(exc))}
        )
