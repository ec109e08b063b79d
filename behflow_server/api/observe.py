"""Operations endpoints outside /api/v1 (no account needed): probes and Prometheus metrics.

- GET /livez: the process answers (no database call), for a liveness probe.
- GET /readyz: 200 when the database answers within READY_TIMEOUT_SECONDS and no migration
  is pending, else 503 with the reason and Retry-After (for a readiness probe and a load
  balancer); also 503 once shutdown has begun, so traffic moves to the other replicas.
- GET /startupz: 200 once the lifespan start-up finished (migrations, event bus, scheduler).
- GET /metrics: the Prometheus text format (BEHFLOW_METRICS_ENABLED, BEHFLOW_METRICS_TOKEN).

And MetricsMiddleware, which counts and times every HTTP request by its route template.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from behflow_server import metrics, migrate
from behflow_server.context import AppContext
from behflow_server.errors import ServiceUnavailable, Unauthorized

READY_TIMEOUT_SECONDS = 1.0
RETRY_AFTER_SECONDS = 5
# Requests that matched no route are counted under one label, never by their raw path.
UNMATCHED = "unmatched"


@dataclass
class Lifecycle:
    """Where the app's lifespan is: set by create_app's lifespan, read by the probes."""

    started: bool = False
    stopping: bool = False
    # Set once the schema was seen at this code's head: it can only move forward from there.
    schema_current: bool = False

    def stop(self) -> None:
        """Shutdown has begun (a SIGTERM): readiness fails from now on."""
        self.stopping = True


def schema_state(engine: Engine) -> tuple[bool, list[str]]:
    """(ready, pending revisions). A schema newer than this code (a rolling update's new
    replicas migrated it) is ready: migrations stay backward compatible for one version."""
    if migrate.schema_is_newer(engine):
        return True, []
    pending = migrate.pending_revisions(engine)
    return not pending, pending


def install(app: FastAPI, context: AppContext, lifecycle: Lifecycle) -> None:
    settings = context.settings

    @app.get("/livez", tags=["operations"], include_in_schema=False)
    def livez() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/startupz", tags=["operations"], include_in_schema=False)
    def startupz() -> Response:
        if not lifecycle.started:
            return _not_ready("starting", "The server is still starting.")
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", tags=["operations"], include_in_schema=False)
    async def readyz() -> Response:
        if lifecycle.stopping:
            return _not_ready("shutting_down", "The server is shutting down.")
        if not lifecycle.started:
            return _not_ready("starting", "The server is still starting.")
        try:
            with anyio.fail_after(READY_TIMEOUT_SECONDS):
                # A hung database call is left behind in its thread; the probe answers.
                pending = await anyio.to_thread.run_sync(
                    _check, context, lifecycle, abandon_on_cancel=True
                )
        except TimeoutError:
            return _not_ready(
                "database_timeout",
                f"The database did not answer within {READY_TIMEOUT_SECONDS:g} s.",
            )
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            return _not_ready(
                "database_unavailable", f"The database is not reachable: {reason}".rstrip(": ")
            )
        if pending:
            return _not_ready(
                "migrations_pending",
                "Database migrations are pending: run `behflow server migrate`.",
                {"pending": pending},
            )
        return JSONResponse({"status": "ok", "database": context.db.kind})

    if not settings.metrics_enabled:
        return
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def prometheus_metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise Unauthorized("A valid metrics token is needed.", code="not_authenticated")
        metrics.refresh_pool(context.db.engine)
        scheduler = context.scheduler
        metrics.scheduler_leader(scheduler is not None and scheduler.is_leader)
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


def _check(context: AppContext, lifecycle: Lifecycle) -> list[str]:
    context.db.ping()
    if lifecycle.schema_current:
        return []
    ready, pending = schema_state(context.db.engine)
    lifecycle.schema_current = ready
    return pending


def _not_ready(code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    error = ServiceUnavailable(message, code=code, details=details or {})
    return JSONResponse(
        error.to_dict(),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class MetricsMiddleware:
    """Counts and times each HTTP request under its route template (`/api/v1/tasks/{number}`),
    never its raw path, so the number of series stays bounded."""

    def __init__(self, app: ASGIApp, context: AppContext) -> None:
        self.app = app
        self.context = context
        self.per_request_pool = metrics.multiprocess_enabled()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        metrics.HTTP_IN_FLIGHT.inc()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except asyncio.CancelledError:
            status = 499  # the client went away
            raise
        finally:
            metrics.HTTP_IN_FLIGHT.dec()
            metrics.observe_request(
                scope["method"], route_of(scope), status, time.perf_counter() - started
            )
            if self.per_request_pool:
                metrics.refresh_pool(self.context.db.engine)


def route_of(scope: Scope) -> str:
    """The template of the route that answered (`/api/v1/tasks/{number}`), else "unmatched".

    FastAPI keeps a route of an included router as declared (`/tasks/{number}`, without the
    router's prefix), so the prefix is the part of the path before where its pattern matches
    (the prefixes here are fixed text, never parameters)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) if route is not None else None
    if not template:
        return UNMATCHED
    path: str = scope.get("path", "")
    pattern = getattr(route, "path_regex", None)
    if pattern is None or pattern.match(path):
        return str(template)
    start = path.find("/", 1)
    while start > 0:
        if pattern.match(path[start:]):
            return path[:start] + str(template)
        start = path.find("/", start + 1)
    return str(template)
