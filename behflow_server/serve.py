"""Run the app under uvicorn with Behflow's logging."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from behflow_server.config import Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def configure_logging(level: str, fmt: Literal["text", "json"] = "text") -> None:
    from behflow_server import logs

    logs.configure(level, fmt)


def redacted(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def worker_app() -> FastAPI:
    """The app of one worker process (`--workers N`): settings from the environment."""
    from behflow_server.main import create_app

    settings = load_settings()
    configure_logging(settings.log_level)
    sys.setswitchinterval(0.0005)
    return create_app(settings)


def __getattr__(name: str) -> Any:
    # uvicorn's workers import their protocol class by name ("behflow_server.serve:...").
    if name == "WorkerHTTPProtocol":
        from behflow_server.protocol import with_header_timeout

        return with_header_timeout(load_settings().header_timeout_seconds)
    raise AttributeError(name)


def prepare_worker_metrics(workers: int) -> None:
    """Several worker processes: give prometheus-client's multiprocess mode an empty directory
    (docs/deployment.md#metrics), before any worker imports behflow_server.metrics."""
    if workers <= 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    path = Path(tempfile.gettempdir()) / f"behflow-metrics-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def serve(settings: Settings) -> None:
    """Migrate, then serve until interrupted. Start-up failures exit with one readable line."""
    import uvicorn

    prepare_worker_metrics(int(getattr(settings, "workers", 1) or 1))

    from behflow_server import migrate
    from behflow_server.main import create_app
    from behflow_server.protocol import with_header_timeout

    configure_logging(settings.log_level, settings.log_format)
    # Request handlers run in a thread pool and release the GIL inside every database call;
    # with the default 5 ms switch interval a thread waits up to that long to get it back.
    sys.setswitchinterval(0.0005)
    app = create_app(settings)
    database = app.state.context.db
    try:
        if settings.migrate_on_start:
            migrate.upgrade(database.engine)
        else:
            database.ping()
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise SystemExit(
            f"error: cannot reach the database {redacted(database.url)}: {reason}"
        ) from None
    options: dict[str, Any] = {}
    if settings.workers > 1:
        # Each worker builds its own app from the environment: make it say what this one does.
        os.environ.update(
            BEHFLOW_HOST=settings.host,
            BEHFLOW_PORT=str(settings.port),
            BEHFLOW_WORKERS=str(settings.workers),
            BEHFLOW_DATABASE_URL=database.url,
        )
        target: Any = "behflow_server.serve:worker_app"
        options = {"factory": True, "workers": settings.workers}
        http: Any = "behflow_server.serve:WorkerHTTPProtocol"
        database.dispose()
    else:
        target, http = app, with_header_timeout(settings.header_timeout_seconds)
    uvicorn.run(
        target,
        **options,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's loggers go through ours (behflow_server/logs.py)
        # SIGTERM: readiness fails, event streams end (clients resume with Last-Event-ID on
        # another replica), and open requests get this long to finish.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        access_log=False,  # behflow.access logs each request with its id
        server_header=False,
        http=http,
        ws="none",  # no WebSocket routes: not loading the websockets library saves ~1 MB
        # X-Forwarded-For decides the client address (and so the login limits): believe it
        # only from the configured proxies, never by default (uvicorn trusts loopback).
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
