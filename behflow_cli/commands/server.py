"""`behflow server ...`: run and look after the local Behflow server."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import FAILURE, UNREACHABLE, CliError

if TYPE_CHECKING:
    from behflow_server.config import Settings

app = typer.Typer(help="Run the Behflow server.", no_args_is_help=True, add_completion=False)

SERVER_FIELDS = ("status", "url", "pid", "version", "database", "log")


def _settings_or_exit(**overrides: object) -> Settings:
    from behflow_server.config import ConfigError, load_settings

    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        raise CliError(str(exc), 2) from None


@app.command()
def start(
    host: str | None = typer.Option(None, help="Address to bind (default 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to listen on (default 8765)."),
    background: bool = typer.Option(
        False,
        "--background",
        "-b",
        help="Run detached; the log and pid files go in the state directory.",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        "-w",
        min=1,
        max=32,
        help="Server processes sharing the port (default 1, or BEHFLOW_WORKERS).",
    ),
) -> None:
    """Start the server (in the foreground unless --background; Ctrl-C stops it).

    Examples:

      behflow server start --port 9000

      behflow server start --background

      behflow server start --workers 2
    """
    import os

    from behflow_cli import autostart, config

    if workers is not None:
        os.environ["BEHFLOW_WORKERS"] = str(workers)  # read by the server (and a background one)
    if background:
        host = host or config.DEFAULT_HOST
        port = port or config.default_port()
        pid = autostart.running_pid()
        if pid is not None:
            raise CliError(f"the background server is already running (pid {pid})", FAILURE)
        pid = autostart.start_background(host, port)
        output.info(
            f"Behflow server on http://{host}:{port} (pid {pid}, log {autostart.log_path()})"
        )
        return
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings_or_exit(**overrides)
    from behflow_server.serve import serve

    output.info(f"Behflow server on http://{settings.host}:{settings.port} (Ctrl-C stops it)")
    with autostart.foreground_pid():
        serve(settings)


@app.command()
def stop() -> None:
    """Stop the local server: started by `start` (in the foreground or --background), by
    autostart, or by `python3 dev.py run`.

    Example: behflow server stop
    """
    from behflow_cli import autostart

    pid = autostart.stop()
    if pid is None:
        raise CliError("no background Behflow server is running", FAILURE)
    output.info(f"Stopped the Behflow server (pid {pid}).")


@app.command()
@declares(SERVER_FIELDS)
def status(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """Say whether the configured server answers; exits 5 when it does not.

    Example: behflow server status --json status,version
    """
    from behflow_cli import autostart, config
    from behflow_cli.client import ApiError, BehflowClient

    out = output.Output(fmt, json_fields, SERVER_FIELDS)
    url = config.server_url()
    info: dict[str, object] = {"status": "stopped", "url": url, "pid": autostart.running_pid()}
    info["log"] = str(autostart.log_path()) if info["pid"] else None
    try:
        with BehflowClient(url, timeout=3.0) as api:
            health = api.health()
        info.update(
            status="running", version=health.get("version"), database=health.get("database")
        )
    except ApiError as exc:
        info["status"] = "unreachable" if exc.status == 0 else f"unhealthy ({exc.message})"
    if out.human:
        output.key_value_table([(k.capitalize(), output._text(v)) for k, v in info.items() if v])
    else:
        out.record(info, SERVER_FIELDS)
    if info["status"] != "running":
        raise typer.Exit(UNREACHABLE)


@app.command()
def logs(
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    lines: int = typer.Option(100, "--lines", "-n", min=0, help="Show this many last lines."),
) -> None:
    """Print the background server's log.

    Example: behflow server logs -f
    """
    from behflow_cli import autostart

    path = autostart.log_path()
    if not path.exists():
        raise CliError(f"no server log yet at {path}", FAILURE)
    with path.open("r", errors="replace") as handle:
        tail = handle.readlines()[-lines:] if lines else []
        sys.stdout.writelines(tail)
        sys.stdout.flush()
        while follow:
            line = handle.readline()
            if line:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                time.sleep(0.2)


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit (the server also does this on start).

    Example: BEHFLOW_DATABASE_URL=postgresql://db/behflow behflow server migrate
    """
    settings = _settings_or_exit()
    from behflow_server import migrate as migrations
    from behflow_server.db import Database

    try:
        applied = migrations.upgrade(Database(settings.resolved_database_url).engine)
    except Exception as exc:
        raise CliError(f"migration failed: {exc}", FAILURE) from None
    output.write("applied: " + ", ".join(applied) if applied else "database is up to date")


@app.command()
def backup(
    path: str = typer.Argument(..., help="File to write the backup to."),
    force: bool = typer.Option(False, "--force", help="Replace PATH if it exists."),
) -> None:
    """Back up the SQLite store to PATH while the server keeps running (SQLite's online
    backup API; the copy is integrity-checked). On PostgreSQL it prints the pg_dump command.

    Example: behflow server backup ~/behflow-$(date +%F).db
    """
    from pathlib import Path

    settings = _settings_or_exit()
    from behflow_server import backup as backups
    from behflow_server.errors import BehflowError

    try:
        result = backups.backup(settings.resolved_database_url, Path(path), overwrite=force)
    except BehflowError as exc:
        raise CliError(exc.message, FAILURE) from None
    output.write(
        f"backed up {result.tasks} task(s), migration {result.revision}, "
        f"{result.bytes} bytes to {result.path}"
    )


@app.command()
def restore(
    path: str = typer.Argument(..., help="A file made by `behflow server backup`."),
) -> None:
    """Replace the SQLite store with the backup at PATH (the current store is kept as
    <store>.bak). Stop the server first; it migrates an older backup on its next start.

    Example: behflow server stop && behflow server restore ~/behflow-2026-01-31.db
    """
    from pathlib import Path

    from behflow_cli import autostart

    settings = _settings_or_exit()
    pid = autostart.running_pid()
    if pid is not None:
        raise CliError(
            f"the server is running (pid {pid}): stop it first (behflow server stop)", FAILURE
        )
    from behflow_server import backup as backups
    from behflow_server.errors import BehflowError

    try:
        result = backups.restore(settings.resolved_database_url, Path(path))
    except BehflowError as exc:
        raise CliError(exc.message, FAILURE) from None
    output.write(
        f"restored {result.tasks} task(s), migration {result.revision}, into {result.path} "
        f"(the previous store is {result.path.name}.bak)"
    )
