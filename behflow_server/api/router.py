"""Mounts every domain's routes: accounts at the root, the rest under /api/v1."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from behflow_server.api.deps import history_client
from behflow_server.auth.routes import router as auth_router
from behflow_server.calendar.routes import public_router as calendar_feed_router
from behflow_server.calendar.routes import router as calendar_router
from behflow_server.chat.routes import router as chat_router
from behflow_server.events.routes import router as events_router
from behflow_server.filters.routes import context_router
from behflow_server.filters.routes import router as filters_router
from behflow_server.interop.routes import router as interop_router
from behflow_server.notes.routes import router as notes_router
from behflow_server.notify.routes import router as notify_router
from behflow_server.processes.routes import router as processes_router
from behflow_server.processes.routes import stats_router
from behflow_server.tasks.history_routes import router as history_router
from behflow_server.tasks.recurrence_routes import router as recurrence_router
from behflow_server.tasks.routes import labels_router
from behflow_server.tasks.routes import router as tasks_router
from behflow_server.web.routes import router as web_router
from behflow_server.webhooks.routes import router as webhooks_router

API_PREFIX = "/api/v1"


def install_routes(app: FastAPI) -> None:
    """Each domain's router goes straight into the app: through two levels of nested routers
    FastAPI built every route's dependencies and models again at each level (create_app took
    180-330 ms; 5 ms included directly, issue #15)."""
    app.include_router(auth_router)
    api_dependencies = [Depends(history_client)]
    for router in (
        tasks_router,
        labels_router,
        chat_router,
        events_router,
        recurrence_router,
        processes_router,
        stats_router,
        webhooks_router,
        interop_router,
        calendar_router,
        notify_router,
        history_router,
        notes_router,
        filters_router,
        context_router,
    ):
        app.include_router(router, prefix=API_PREFIX, dependencies=api_dependencies)
    app.include_router(calendar_feed_router)
    app.include_router(web_router)
