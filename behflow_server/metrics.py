"""Prometheus metrics (prometheus-client): one registry, and the helpers the domains call.

Every series is named in docs/deployment.md#metrics; dashboards and alert rules (deploy/)
use these names, so they do not change. The helpers are called at the existing choke points
(the HTTP middleware, events.service after a commit, the scheduler's run, webhook and
notification delivery, the agent's turn, a failed password), cost a lock and an add each, and
never raise.

Several worker processes (uvicorn --workers) each keep their own counters: with
PROMETHEUS_MULTIPROC_DIR set before this module is first imported (serve.prepare_worker_metrics
does it when the server starts several workers) prometheus-client writes them to files there,
and /metrics adds up every worker's files.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

from behflow_server import __version__

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# No `_created` series: a counter's start time doubles what a scrape carries, and
# Prometheus's rate() does not need it.
disable_created_metrics()  # type: ignore[no-untyped-call]
CONTENT_TYPE = CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

# Latency buckets for an API whose reads take a few ms: finer at the low end than the default.
_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "behflow_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "behflow_http_request_duration_seconds",
    "Time to answer an HTTP request (to the end of its body), by route template and status.",
    ["method", "route", "status"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge(
    "behflow_http_requests_in_flight",
    "HTTP requests being answered now (open event streams included).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
DB_POOL = Gauge(
    "behflow_db_pool_connections",
    "Database connections of the pool: checked_out (in use), idle, overflow (beyond the size).",
    ["state"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
SSE_SUBSCRIBERS = Gauge(
    "behflow_sse_subscribers",
    "Open live event subscriptions (SSE streams).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
EVENTS_PUBLISHED = Counter(
    "behflow_events_published",
    "Events committed (and so handed to streams, webhooks and other replicas), by type.",
    ["type"],
    registry=REGISTRY,
)
SCHEDULER_RUNS = Counter(
    "behflow_scheduler_runs",
    "Process runs finished, by kind and outcome (succeeded, failed).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
SCHEDULER_LAST_SUCCESS = Gauge(
    "behflow_scheduler_last_success_timestamp_seconds",
    "When a run of this kind last succeeded (Unix time).",
    ["kind"],
    multiprocess_mode="max",
    registry=REGISTRY,
)
SCHEDULER_LEADER = Gauge(
    "behflow_scheduler_leader",
    "1 while this process holds the scheduler leadership, else 0.",
    multiprocess_mode="max",
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "behflow_webhook_deliveries",
    "Webhook delivery attempts, by outcome (delivered, failed, refused).",
    ["outcome"],
    registry=REGISTRY,
)
NOTIFICATION_DELIVERIES = Counter(
    "behflow_notification_deliveries",
    "Apprise notification attempts, by outcome (delivered, failed, refused).",
    ["outcome"],
    registry=REGISTRY,
)
AGENT_MESSAGES = Counter(
    "behflow_agent_messages",
    "Chat messages the agent answered, by model and outcome (ok, degraded, error).",
    ["model", "outcome"],
    registry=REGISTRY,
)
LOGIN_FAILURES = Counter(
    "behflow_login_failures",
    "Wrong passwords (sign-ins and password changes).",
    registry=REGISTRY,
)
INFO = Gauge(
    "behflow_info",
    "The running Behflow version (always 1).",
    ["version"],
    multiprocess_mode="max",
    registry=REGISTRY,
)
INFO.labels(version=__version__).set(1)


def multiprocess_enabled() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def worker_exited(pid: int) -> None:
    """Forget the live gauges of a worker that has exited (its counters stay counted)."""
    if multiprocess_enabled():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    code = str(status)
    HTTP_REQUESTS.labels(method, route, code).inc()
    HTTP_DURATION.labels(method, route, code).observe(seconds)


def refresh_pool(engine: Engine) -> None:
    """Copy the pool's counts into behflow_db_pool_connections (at a scrape; in multi-worker
    mode also after each request, since the scrape runs in only one of the workers)."""
    pool = engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if checked_out is None:
        return  # a pool without counts (NullPool, StaticPool)
    DB_POOL.labels("checked_out").set(pool.checkedout())  # type: ignore[attr-defined]
    DB_POOL.labels("idle").set(pool.checkedin())  # type: ignore[attr-defined]
    DB_POOL.labels("overflow").set(max(0, pool.overflow()))  # type: ignore[attr-defined]


def events_published(types: list[str]) -> None:
    for type_ in types:
        EVENTS_PUBLISHED.labels(type_).inc()


def scheduler_run(kind: str, outcome: str) -> None:
    SCHEDULER_RUNS.labels(kind, outcome).inc()
    if outcome == "succeeded":
        SCHEDULER_LAST_SUCCESS.labels(kind).set(time.time())


def scheduler_leader(leading: bool) -> None:
    SCHEDULER_LEADER.set(1 if leading else 0)


def webhook_delivery(outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(outcome).inc()


def notification_delivery(outcome: str) -> None:
    NOTIFICATION_DELIVERIES.labels(outcome).inc()


def agent_message(model: str, outcome: str) -> None:
    AGENT_MESSAGES.labels(model, outcome).inc()


def login_failure() -> None:
    LOGIN_FAILURES.inc()


def render() -> bytes:
    """The Prometheus text exposition of every series (of every worker, in multi-worker mode)."""
    if multiprocess_enabled():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
