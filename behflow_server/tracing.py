"""Optional OpenTelemetry tracing through the official FastAPI, SQLAlchemy and httpx
instrumentations, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OTEL_* variables
configure the exporter: OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, ...).

The libraries are the `otel` extra (`pip install 'behflow[otel]'`), not a hard dependency:
without them the server says so in one log line and runs untraced.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

log = logging.getLogger("behflow.tracing")
ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
_state: dict[str, Any] = {}


def enabled() -> bool:
    return bool(os.environ.get(ENDPOINT_ENV))


def instrument(app: FastAPI, engine: Engine, *, exporter: Any | None = None) -> bool:
    """Trace `app`'s requests, `engine`'s queries and every httpx client's requests. Does
    nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test hands in an `exporter`);
    returns whether tracing is on."""
    if exporter is None and not enabled():
        return False
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    except ImportError as exc:
        if not _state.get("warned"):
            _state["warned"] = True
            log.warning(
                "%s is set but the OpenTelemetry libraries are not installed (%s): "
                "pip install 'behflow[otel]'; running without tracing",
                ENDPOINT_ENV,
                exc.name,
            )
        return False
    provider = _provider(exporter)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="livez,readyz")
    # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses unchanged.
    SQLAlchemyInstrumentor().instrument(
        engine=engine, tracer_provider=provider, skip_dep_check=True
    )
    if not _state.get("httpx"):
        _state["httpx"] = True
        HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    return True


def _provider(exporter: Any | None) -> Any:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is not None:  # a test's in-memory exporter: spans at once, not in batches
        provider = TracerProvider(resource=Resource.create({"service.name": "behflow"}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider
    if "provider" not in _state:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found,unused-ignore]
            OTLPSpanExporter,
        )

        service = os.environ.get("OTEL_SERVICE_NAME", "behflow")
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _state["provider"] = provider
        log.info("tracing: spans go to %s", os.environ.get(ENDPOINT_ENV))
    return _state["provider"]
