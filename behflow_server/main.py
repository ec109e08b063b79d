"""create_app(settings): the FastAPI app with its lifespan, routes and error handling."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from behflow_server import __version__, migrate, tracing
from behflow_server.api import docs as api_docs
from behflow_server.api import handlers
from behflow_server.api import observe as api_observe
from behflow_server.api.concurrency import ExpensiveRequestLimitMiddleware
from behflow_server.api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from behflow_server.api.router import install_routes
from behflow_server.config import Settings, load_settings
from behflow_server.context import AppContext
from behflow_server.dates import set_default_country
from behflow_server.errors import ServiceUnavailable, Unauthorized
from behflow_server.events.live import LiveEvents
from behflow_server.mcp import http as mcp_http
from behflow_server.scheduler import Scheduler
from behflow_server.webhooks.delivery import WebhookDispatcher

log = logging.getLogger("behflow")
MAX_BODY_BYTES = 1_048_576


def _token_user(context: AppContext) -> Callable[[str], uuid.UUID | None]:
    """The user a bearer token names when its signature and expiry hold (no database call)."""

    def user_of(token: str) -> uuid.UUID | None:
        try:
            return context.tokens.decode(token).user_id
        except Unauthorized:
            return None

    return user_of


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    settings = settings or (context.settings if context else load_settings())
    context = context or AppContext.from_settings(settings)
    set_default_country(settings.holiday_country)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            applied = migrate.upgrade(context.db.engine)
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
        live_events = LiveEvents.start_for(context, on_shutdown=lifecycle.stop)
        webhooks = WebhookDispatcher.start_for(context)
        scheduler = Scheduler.start_for(context) if settings.runs_scheduler else None
        lifecycle.started = True
        try:
            async with mcp_endpoint.running():
                yield
        finally:
            lifecycle.stopping = True
            if scheduler is not None:
                scheduler.stop()
            webhooks.stop()
            live_events.stop()
            context.db.dispose()

    app = FastAPI(
        title="Behflow",
        version=__version__,
        description="Self-hosted task manager with an AI agent.",
        lifespan=lifespan,
        # /docs is served by api/docs.py from this origin; no CDN, no inline script.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.context = context
    lifecycle = api_observe.Lifecycle()
    app.state.lifecycle = lifecycle
    handlers.install(app)
    api_docs.install(app)
    api_observe.install(app, context, lifecycle)
    install_routes(app)
    mcp_endpoint = mcp_http.mount(app, context)  # MCP over streamable HTTP at /mcp

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, Any]:
        """Liveness and database check."""
        try:
            context.db.ping()
        except Exception as exc:
            raise ServiceUnavailable(
                "The database is not reachable.", code="database_unavailable"
            ) from exc
        return {"status": "ok", "version": __version__, "database": context.db.kind}

    # Innermost of the middleware, so its 429 carries the CORS headers and the body limit has
    # already read the body before a slot is taken.
    app.add_middleware(
        ExpensiveRequestLimitMiddleware,
        limit=settings.expensive_requests_per_user,
        wait_seconds=settings.expensive_request_wait_seconds,
        user_of=_token_user(context),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-Timezone",
                "X-Request-ID",
                "Last-Event-ID",
            ],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=MAX_BODY_BYTES,
        body_timeout=settings.body_timeout_seconds,
    )
    if settings.metrics_enabled:
        app.add_middleware(api_observe.MetricsMiddleware, context=context)
    app.add_middleware(RequestIdMiddleware)
    tracing.instrument(app, context.db.engine)  # only when OTEL_EXPORTER_OTLP_ENDPOINT is set
    return app
