"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from behflow_server.db import is_database_unavailable, is_statement_timeout
from behflow_server.errors import BehflowError, DatabaseUnavailable, ServiceUnavailable

log = logging.getLogger("behflow.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _clean(error: dict[str, Any]) -> dict[str, Any]:
    return {
        "field": _field_path(tuple(error.get("loc", ()))),
        "message": error.get("msg", "invalid"),
        "type": error.get("type", "invalid"),
    }


async def _behflow_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BehflowError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_clean(e) for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        return error_response(400, "invalid_json", "The request body is not valid JSON.")
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    return error_response(
        422, "invalid_input", f"{first['field']}: {first['message']}", {"errors": errors}
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _unstorable_value(_: Request, exc: Exception) -> JSONResponse:
    """The database refused a value from the request: NUL characters or out-of-range numbers
    (PostgreSQL), integers beyond 64 bits (SQLite). The request's fault, so a 422."""
    text = str(exc)
    nul = "NUL" in text or "u0000" in text
    reason = "a text contains a NUL character" if nul else "a value is out of range"
    return error_response(
        422, "invalid_input", f"The request cannot be stored: {reason}.", {"reason": reason}
    )


# Raised when the database is restarting, stopped, unreachable, out of pooled connections, or
# (SQLite) write-locked past the busy timeout; `_database_error` decides which ones are outages.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    sqlite3.OperationalError,
)


def _database_unavailable(request: Request, exc: BaseException) -> JSONResponse:
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    error = DatabaseUnavailable()
    return error_response(error.status, error.code, error.message, error.details, error.headers)


def _database_timeout(request: Request, exc: BaseException) -> JSONResponse:
    context = getattr(request.app.state, "context", None)
    limit = context.db.statement_timeout if context is not None else 0
    log.warning(
        "database statement timeout (%gs) on %s %s", limit, request.method, request.url.path
    )
    error = ServiceUnavailable(
        f"The database did not answer within {limit:g} s; try again shortly.",
        code="database_timeout",
        details={"timeout_seconds": limit},
        headers={"Retry-After": "2"},
    )
    return error_response(error.status, error.code, error.message, error.details, error.headers)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if is_statement_timeout(exc):
        return _database_timeout(request, exc)
    if is_database_unavailable(exc):
        return _database_unavailable(request, exc)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Last resort; a database outage wrapped in something else is still a 503.
    if is_statement_timeout(exc):
        return _database_timeout(request, exc)
    if is_database_unavailable(exc):
        return _database_unavailable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "Something went wrong on the server.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(BehflowError, _behflow_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sa_exc.DataError, _unstorable_value)
    app.add_exception_handler(OverflowError, _unstorable_value)
    # psycopg's own errors matter only where the PostgreSQL engine (which imports it) runs; a
    # SQLite server need not import it (~60 ms of every start).
    psycopg = sys.modules.get("psycopg")
    extra = (psycopg.OperationalError, psycopg.InterfaceError) if psycopg is not None else ()
    for database_error in (*DATABASE_ERRORS, *extra):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(Exception, _unexpected)
