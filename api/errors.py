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
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.engine import ServiceUnavailable
from api.lang import request_lang
from api.store.outcomes import OutcomeConflict, OutcomeNotFound
from matcher.data.errors import DataValidationError, MatcherError, Problem
from matcher.i18n import Message, catalogue, t, text_in
from matcher.index import UnknownIdError

log = logging.getLogger(__name__)


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^/\\\s'\"]+){2,}[/\\]?")


def scrub_paths(text: str | None) -> str | None:
    """``text`` with server file paths cut to their last part: an answer must not show the
    server's folders (a tampered model's error used to name its full path, even on /health)."""
    if text is None:
        return None
    return _PATH.sub(lambda m: "…/" + re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1], text)


def problem_entry(problem: Problem, prefix: str, lang: str | None = None) -> dict:
    loc = [prefix] + ([problem.column] if problem.column else [])
    msg = (
        problem.expected_message(lang)
        if problem.value not in (None, "")
        else problem.expected_in(lang)
    )
    return {"loc": loc, "msg": msg, "input": problem.value}


def _readable(entries: list[dict], lang: str | None = None) -> str:
    lines = []
    for e in entries:
        where = ".".join(str(p) for p in e["loc"])
        value = e.get("input")
        value = value[:80] + "…" if isinstance(value, str) and len(value) > 80 else _jsonable(value)
        msg = text_in(e["msg"], lang)
        if value not in (None, "", {}) and not isinstance(value, dict):
            msg = t("api.error.got", lang, msg=msg, value=repr(value))
        lines.append(f"{where}: {msg}")
    return "; ".join(lines)


def validation_response(entries: list[dict], lang: str | None = None) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={
            "detail": _readable(entries, lang),
            "errors": [
                {**e, "msg": text_in(e["msg"], lang), "input": _jsonable(e.get("input"))}
                for e in entries
            ],
        },
    )


def framework_message(error: dict):
    """A pydantic error's text as a catalogue Message where the catalogue has its type (a
    rule of ours raised as ValueError keeps its own Message); else pydantic's English text."""
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Message):
        return cause.args[0]
    key = f"api.validation.{error.get('type')}"
    if key in catalogue():
        try:
            return Message(key, **{k: v for k, v in ctx.items() if k != "error"})
        except (KeyError, IndexError):  # a template naming a value this error lacks
            pass
    return error["msg"]


def error_detail(exc: Exception, lang: str | None) -> str:
    """A refusal's text in ``lang``: a Message (or a list of them), else as raised."""
    if hasattr(exc, "text"):  # several Messages (api.routers.events.EventProblems)
        return exc.text(lang)
    detail = getattr(exc, "detail", None)
    if detail is None:
        detail = exc.args[0] if len(exc.args) == 1 else str(exc)
    return scrub_paths(text_in(detail, lang))


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
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        entries = [
            {
                "loc": [p for p in e["loc"] if p != "body"] or ["body"],
                "msg": framework_message(e),
                "input": e.get("input"),
            }
            for e in exc.errors()
        ]
        return validation_response(entries, request_lang(request))

    @app.exception_handler(DataValidationError)
    async def _invalid_data(request: Request, exc: DataValidationError) -> JSONResponse:
        lang = request_lang(request)
        entries = [problem_entry(p, "profile", lang) for p in exc.problems]
        return validation_response(entries, lang)

    @app.exception_handler(UnknownIdError)
    @app.exception_handler(OutcomeNotFound)
    async def _unknown_id(request: Request, exc: UnknownIdError | OutcomeNotFound) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_404_NOT_FOUND,
            content={"detail": error_detail(exc, request_lang(request))},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = request_lang(request)
        detail = exc.detail
        if f"api.http.{exc.status_code}" in catalogue() and detail == _standard_phrase(
            exc.status_code
        ):
            detail = t(f"api.http.{exc.status_code}", lang)  # unknown route, wrong method ...
        else:
            detail = error_detail(exc, lang)
        return JSONResponse(
            status_code=exc.status_code, content={"detail": detail}, headers=exc.headers
        )

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(request: Request, exc: ServiceUnavailable) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={"detail": error_detail(exc, request_lang(request))},
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        # a locked SQLite file or a PostgreSQL lock/connection timeout: the write did not
        # happen and may simply be retried; never a 500
        log.warning("database busy or unreachable: %s", exc.orig)
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={"detail": t("api.error.busy", request_lang(request))},
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("write conflict: %s", exc.orig)
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={"detail": t("api.error.write_conflict", request_lang(request))},
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:  # logged with traceback
        return JSONResponse(
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            content={
                "detail": t("api.error.internal", request_lang(request), kind=type(exc).__name__)
            },
        )

    @app.exception_handler(OutcomeConflict)
    async def _outcome_conflict(request: Request, exc: OutcomeConflict) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={
                "detail": error_detail(exc, request_lang(request)),
                "outcome_id": exc.outcome_id,
            },
        )

    @app.exception_handler(MatcherError)
    async def _user_error(request: Request, exc: MatcherError) -> JSONResponse:
        return JSONResponse(
            status_code=status.HTTP_400_BAD_REQUEST,
            content={"detail": error_detail(exc, request_lang(request))},
        )


def _standard_phrase(code: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""
