"""Logging set-up: text lines, or one JSON object a line (BEHFLOW_LOG_FORMAT=json), with the
request id of the request being answered on every line logged while answering it.

JSON lines come from python-json-logger's formatter on the standard logging module, so every
library's logger (uvicorn's, SQLAlchemy's, APScheduler's) is formatted the same way without
rewriting their calls; structlog would want its own logger API in our code for no gain here.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Literal

# Set by RequestIdMiddleware for the duration of a request (thread-pool handlers inherit it).
request_id_var: ContextVar[str | None] = ContextVar("behflow_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def configure(level: str, fmt: Literal["text", "json"] = "text") -> None:
    """Route every logger (uvicorn's included) through one stderr handler on the root."""
    numeric = logging.getLevelName(level.upper()) if level != "trace" else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric if isinstance(numeric, int) else logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
