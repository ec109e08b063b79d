"""`behflow server ...`: run and look after the local Behflow server."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(help="Run the Behflow server.", no_args_is_help=True)


def _settings_or_exit(**overrides: object):  # type: ignore[no-untyped-def]
    from behflow_server.config import ConfigError, load_settings

    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def start(
    host: str | None = typer.Option(None, help="Address to bind (default 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to listen on (default 8765)."),
) -> None:
    """Start the server in the foreground (Ctrl-C stops it).

    Example: behflow server start --port 9000
    """
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings_or_exit(**overrides)
    from behflow_server.serve import serve

    typer.echo(f"Behflow server on http://{settings.host}:{settings.port}", err=True)
    serve(settings)


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    settings = _settings_or_exit()
    from behflow_server import migrate as migrations
    from behflow_server.db import Database

    try:
        applied = migrations.upgrade(Database(settings.resolved_database_url).engine)
    except Exception as exc:
        typer.echo(f"error: migration failed: {exc}", err=True)
        raise typer.Exit(1) from None
    print("applied: " + ", ".join(applied) if applied else "database is up to date",
          file=sys.stdout)
