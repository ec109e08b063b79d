"""Run the app under uvicorn with Behflow's logging."""

from __future__ import annotations

import logging

from behflow_server.config import Settings


def configure_logging(level: str) -> None:
    numeric = logging.getLevelName(level.upper()) if level != "trace" else logging.DEBUG
    logging.basicConfig(
        level=numeric if isinstance(numeric, int) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def serve(settings: Settings) -> None:
    import uvicorn

    from behflow_server.main import create_app

    configure_logging(settings.log_level)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,  # behflow.access logs each request with its id
        server_header=False,
    )
