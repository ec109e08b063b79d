"""Probes (/livez, /readyz, /startupz), Prometheus /metrics, JSON logs and optional tracing."""

from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from behflow_server import logs, metrics, migrate
from behflow_server.api import observe
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.events.bus import EventBus
from behflow_server.main import create_app
from tests.conftest import TEST_SECRET

# The names the deploy/ dashboards and alert rules use (docs/deployment.md#metrics).
CONTRACT = {
    "behflow_http_requests": "counter",
    "behflow_http_request_duration_seconds": "histogram",
    "behflow_http_requests_in_flight": "gauge",
    "behflow_db_pool_connections": "gauge",
    "behflow_sse_subscribers": "gauge",
    "behflow_events_published": "counter",
    "behflow_scheduler_runs": "counter",
    "behflow_scheduler_last_success_timestamp_seconds": "gauge",
    "behflow_scheduler_leader": "gauge",
    "behflow_webhook_deliveries": "counter",
    "behflow_notification_deliveries": "counter",
    "behflow_agent_messages": "counter",
    "behflow_login_failures": "counter",
    "behflow_info": "gauge",
}


def scrape(
    client: TestClient, **headers: str
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_series_follow_requests_events_chat_and_logins(
    client: TestClient, register: Callable[..., dict[str, str]]
) -> None:
    text = client.get("/metrics").text
    families = {f.name: f.type for f in text_string_to_metric_families(text)}
    for name, kind in CONTRACT.items():
        assert families.get(name) == kind, name
    before = scrape(client)
    auth = register("metrics-user")
    number = client.post("/api/v1/tasks", json={"title": "measured"}, headers=auth).json()["number"]
    assert client.get(f"/api/v1/tasks/{number}", headers=auth).status_code == 200
    assert client.get("/api/v1/tasks/999999", headers=auth).status_code == 404
    wrong = client.post("/login", json={"username": "metrics-user", "password": "wrong one!"})
    assert wrong.status_code == 401
    chat = client.post("/api/v1/chat", json={"message": "list my tasks"}, headers=auth)
    assert chat.status_code == 200, chat.text
    assert client.get("/no/such/path").status_code == 404
    after = scrape(client)

    def grew(name: str, by: float = 1, **labels: str) -> None:
        assert value(after, name, **labels) - value(before, name, **labels) == by, (name, labels)

    route = "/api/v1/tasks/{number}"
    grew("behflow_http_requests_total", method="GET", route=route, status="200")
    grew("behflow_http_requests_total", method="GET", route=route, status="404")
    grew("behflow_http_request_duration_seconds_count", method="GET", route=route, status="200")
    grew("behflow_http_requests_total", method="GET", route="unmatched", status="404")
    assert not any("999999" in dict(labels).get("route", "") for _, labels in after)
    grew("behflow_events_published_total", type="task.created")
    grew("behflow_login_failures_total")
    grew("behflow_agent_messages_total", model="offline", outcome="ok")
    # The scrape itself is in flight while it renders; nothing else is.
    assert value(after, "behflow_http_requests_in_flight") == 1
    assert value(after, "behflow_db_pool_connections", state="idle") >= 1
    assert value(after, "behflow_info", version=metrics.__version__) == 1


def test_sse_subscribers_and_scheduler_helpers() -> None:
    async def subscribe_and_leave() -> tuple[float, float]:
        bus = EventBus()
        start = metrics.SSE_SUBSCRIBERS._value.get()
        subscription = bus.open(uuid.uuid4())
        assert subscription is not None
        during = metrics.SSE_SUBSCRIBERS._value.get() - start
        subscription.close()
        subscription.close()  # idempotent: counted down once
        return during, metrics.SSE_SUBSCRIBERS._value.get() - start

    import asyncio

    assert asyncio.run(subscribe_and_leave()) == (1, 0)
    runs = metrics.SCHEDULER_RUNS.labels("test-kind", "succeeded")
    count = runs._value.get()
    metrics.scheduler_run("test-kind", "succeeded")
    assert runs._value.get() == count + 1
    stamp = metrics.SCHEDULER_LAST_SUCCESS.labels("test-kind")._value.get()
    assert abs(stamp - time.time()) < 5


def test_metrics_token_and_switch(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=TEST_SECRET, scheduler_enabled=False)  # type: ignore[arg-type]
    guarded = settings.model_copy(update={"metrics_token": SecretStr("s3cret-token")})
    with TestClient(create_app(guarded)) as client:
        refused = client.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "not_authenticated"
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        scrape(client, Authorization="Bearer s3cret-token")
    off = settings.model_copy(update={"metrics_enabled": False})
    with TestClient(create_app(off)) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/livez").status_code == 200


def test_readiness_waits_for_pending_migrations(tmp_path: Path) -> None:
    """BEHFLOW_MIGRATE_ON_START=false: the server starts, but is not ready until `behflow
    server migrate` (here: migrate.upgrade) has run. (A fresh SQLite file: the PostgreSQL
    test database is shared and already migrated.)"""
    unmigrated = Settings(
        data_dir=tmp_path,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
        migrate_on_start=False,
    )
    app = create_app(unmigrated)
    with TestClient(app) as client:
        assert client.get("/livez").json() == {"status": "ok"}
        assert client.get("/startupz").status_code == 200
        pending = client.get("/readyz")
        assert pending.status_code == 503
        assert pending.headers["Retry-After"] == str(observe.RETRY_AFTER_SECONDS)
        body = pending.json()["error"]
        assert body["code"] == "migrations_pending"
        assert body["details"]["pending"][0] == "0001"
        migrate.upgrade(app.state.context.db.engine)
        assert client.get("/readyz").json() == {"status": "ok", "database": "sqlite"}


def test_readiness_follows_the_database(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "ok", "database": settings_kind(settings)}
        db = app.state.context.db

        def unreachable() -> None:
            raise OSError("connection refused")

        monkeypatch.setattr(db, "ping", unreachable)
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "database_unavailable"
        assert client.get("/livez").status_code == 200  # liveness needs no database

        monkeypatch.setattr(observe, "READY_TIMEOUT_SECONDS", 0.05)
        monkeypatch.setattr(db, "ping", lambda: time.sleep(0.3))
        slow = client.get("/readyz")
        assert slow.status_code == 503
        assert slow.json()["error"]["code"] == "database_timeout"
        app.state.lifecycle.stop()
        assert client.get("/readyz").json()["error"]["code"] == "shutting_down"


def settings_kind(settings: Settings) -> str:
    return "postgresql" if settings.resolved_database_url.startswith("postgresql") else "sqlite"


def test_schema_newer_than_the_code_is_ready_and_left_alone(tmp_path: Path) -> None:
    """A rolling update: the new release migrated the store; this one runs on it as it is."""
    engine = Database(f"sqlite:///{tmp_path / 'newer.db'}").engine
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    assert observe.schema_state(engine) == (True, [])
    assert migrate.upgrade(engine) == []
    engine.dispose()


def test_role_api_runs_no_scheduler(tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path, secret_key=TEST_SECRET, scheduler_enabled=True)  # type: ignore[arg-type]
    assert base.runs_scheduler
    assert not base.model_copy(update={"role": "api"}).runs_scheduler
    assert base.model_copy(update={"role": "scheduler"}).runs_scheduler
    api_only = base.model_copy(update={"role": "api"})
    app = create_app(api_only)
    with TestClient(app):
        assert app.state.context.scheduler is None


def test_json_logs_carry_the_request_id(client: TestClient) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        logs.configure("info", "json")
        handler = root.handlers[0]
        handler.setStream(stream)  # type: ignore[attr-defined]
        response = client.get("/livez", headers={"X-Request-ID": "trace-me-123"})
        logging.getLogger("behflow.test").info("outside a request")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert response.headers["x-request-id"] == "trace-me-123"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "behflow.access"]
    assert access and access[-1]["request_id"] == "trace-me-123"
    assert access[-1]["level"] == "INFO" and "GET /livez 200" in access[-1]["message"]
    outside = [line for line in lines if line["logger"] == "behflow.test"]
    assert outside[0]["request_id"] is None


def test_tracing_spans_for_requests_and_queries(tmp_path: Path) -> None:
    pytest.importorskip("opentelemetry.instrumentation.fastapi")
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from behflow_server import tracing

    settings = Settings(data_dir=tmp_path, secret_key=TEST_SECRET, scheduler_enabled=False)  # type: ignore[arg-type]
    app = create_app(settings)
    exporter = InMemorySpanExporter()
    assert tracing.instrument(app, app.state.context.db.engine, exporter=exporter)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
    names = [span.name for span in exporter.get_finished_spans()]
    assert "GET /health" in names
    assert any(name.startswith("SELECT") or name == "connect" for name in names), names


def test_tracing_is_off_without_an_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from behflow_server import tracing

    monkeypatch.delenv(tracing.ENDPOINT_ENV, raising=False)
    settings = Settings(data_dir=tmp_path, secret_key=TEST_SECRET)  # type: ignore[arg-type]
    app = create_app(settings)
    assert not tracing.instrument(app, app.state.context.db.engine)


def test_metrics_add_up_across_worker_processes(tmp_path: Path) -> None:
    """uvicorn --workers: each worker counts in its own files; any worker's /metrics adds up."""
    import subprocess
    import sys

    directory = tmp_path / "multiproc"
    env = {**os.environ, metrics.MULTIPROC_ENV: str(directory)}
    directory.mkdir()
    count = (
        "from behflow_server import metrics; metrics.login_failure(); metrics.SSE_SUBSCRIBERS.inc()"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from behflow_server import metrics; print(metrics.render().decode())",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(shown)
        for s in family.samples
    }
    assert value(samples, "behflow_login_failures_total") == 2
    assert value(samples, "behflow_sse_subscribers") == 2
    assert value(samples, "behflow_info", version=metrics.__version__) == 1
