"""`behflow process ...`: list, show, create, update, enable, disable, run, history."""

from __future__ import annotations

import json
from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import FAILURE, CliError, usage

app = typer.Typer(
    help="See and control automated processes (reminders, rescheduling, analytics...).",
    no_args_is_help=True,
    add_completion=False,
)

PROCESS_FIELDS = (
    "name",
    "kind",
    "schedule",
    "timezone",
    "enabled",
    "next_run_at",
    "last_run_at",
    "config",
    "max_attempts",
    "timeout_seconds",
    "id",
    "created_at",
    "updated_at",
)

EXECUTION_FIELDS = (
    "started_at",
    "status",
    "attempt",
    "trigger",
    "scheduled_for",
    "finished_at",
    "next_attempt_at",
    "result",
    "error",
    "worker",
    "id",
    "process_id",
)


PROCESS_COLUMNS = ("name", "kind", "schedule", "enabled", "next_run_at", "last_run_at")
EXECUTION_COLUMNS = ("started_at", "status", "attempt", "trigger", "error")


def _client() -> Any:
    from behflow_cli.session import client

    return client()


def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
    """A client call; "no such process" says where to look."""
    from behflow_cli.client import ApiError

    try:
        return method(*args, **kwargs)
    except ApiError as exc:
        if exc.code == "process_not_found":
            raise CliError(f"{exc.message} See `behflow process list`.", FAILURE) from None
        raise


def _config(pairs: list[str]) -> dict[str, Any] | None:
    """`key=value` pairs; values read as JSON when they can be (numbers, true), else text."""
    if not pairs:
        return None
    config: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise usage(f"--config takes key=value, not {pair!r}")
        try:
            config[key.strip()] = json.loads(value)
        except ValueError:
            config[key.strip()] = value
    return config


def _show_process(process: dict[str, Any], out: output.Output) -> None:
    if not out.human:
        out.record(process, (*PROCESS_COLUMNS, "timezone", "config"))
        return
    pairs = [
        ("Kind", process["kind"]),
        ("Schedule", f"{process['schedule']} ({process['timezone']})"),
        ("Enabled", "yes" if process["enabled"] else "no"),
        ("Next run", output.local_time(process.get("next_run_at"))),
        ("Last run", output.local_time(process.get("last_run_at"))),
        ("Config", json.dumps(process.get("config") or {})),
        ("Retries", f"up to {process['max_attempts']} attempts"),
        ("Timeout", f"{process['timeout_seconds']} s"),
    ]
    output.key_value_table([(k, v) for k, v in pairs if v], title=process["name"])


def _rows_table(rows: list[dict[str, Any]], columns: tuple[str, ...], empty: str) -> None:
    from rich.table import Table

    out = output.console()
    if not rows:
        out.print(empty)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        table.add_column(column.replace("_", " ").capitalize(), overflow="fold")
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if column.endswith("_at") or column == "scheduled_for":
                cells.append(output.local_time(value))
            elif isinstance(value, bool):
                cells.append("yes" if value else "no")
            else:
                cells.append("" if value is None else str(value))
        table.add_row(*cells)
    out.print(table)


@app.command("list")
@declares(PROCESS_FIELDS)
def list_(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """List your processes."""
    out = output.Output(fmt, json_fields, PROCESS_FIELDS)
    with _client() as api:
        rows = _call(api.processes)
    if out.human:
        _rows_table(rows, PROCESS_COLUMNS, "No processes.")
    else:
        out.records(rows, PROCESS_COLUMNS)


@app.command()
@declares(PROCESS_FIELDS)
def show(
    name: str = typer.Argument(..., help="The process name."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Show one process."""
    out = output.Output(fmt, json_fields, PROCESS_FIELDS)
    with _client() as api:
        _show_process(_call(api.process, name), out)


@app.command()
@declares(PROCESS_FIELDS)
def create(
    name: str = typer.Argument(..., help="A name: letters, digits, '-', '_', '.'."),
    kind: str = typer.Option(
        ..., "--kind", "-k", help="reschedule_overdue, reminders or analytics."
    ),
    schedule: str = typer.Option(
        ..., "--schedule", "-s", help="Cron ('0 9 * * 1-5') or interval ('every 15m')."
    ),
    config: list[str] = typer.Option([], "--config", "-c", help="key=value (repeat for more)."),
    timezone: str | None = typer.Option(None, "--timezone", help="Default: your account's."),
    disabled: bool = typer.Option(False, "--disabled", help="Create it switched off."),
    max_attempts: int | None = typer.Option(None, "--max-attempts", help="Tries per run."),
    timeout: int | None = typer.Option(None, "--timeout", help="Seconds before a run fails."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Create a process.

    Examples:

      behflow process create morning-moves --kind reschedule_overdue --schedule "0 7 * * *"
      --config policy=today --config time=09:00

      behflow process create nudges --kind reminders --schedule "every 5m" -c lead_minutes=60
    """
    out = output.Output(fmt, json_fields, PROCESS_FIELDS)
    body = {
        "name": name,
        "kind": kind,
        "schedule": schedule,
        "config": _config(config),
        "timezone": timezone,
        "enabled": False if disabled else None,
        "max_attempts": max_attempts,
        "timeout_seconds": timeout,
    }
    with _client() as api:
        created = _call(api.create_process, **body)
    _show_process(created, out)


@app.command()
@declares(PROCESS_FIELDS)
def update(
    name: str = typer.Argument(..., help="The process name."),
    schedule: str | None = typer.Option(None, "--schedule", "-s", help="A new schedule."),
    config: list[str] = typer.Option([], "--config", "-c", help="key=value: replaces the config."),
    timezone: str | None = typer.Option(None, "--timezone", help="A new time zone."),
    max_attempts: int | None = typer.Option(None, "--max-attempts", help="Tries per run."),
    timeout: int | None = typer.Option(None, "--timeout", help="Seconds before a run fails."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Change a process's schedule, config, zone, retries or timeout."""
    out = output.Output(fmt, json_fields, PROCESS_FIELDS)
    body = {
        "schedule": schedule,
        "config": _config(config),
        "timezone": timezone,
        "max_attempts": max_attempts,
        "timeout_seconds": timeout,
    }
    changes = {k: v for k, v in body.items() if v is not None}
    if not changes:
        raise usage("nothing to change: give --schedule, --config, --timezone, ...")
    with _client() as api:
        _show_process(_call(api.update_process, name, **changes), out)


def _switch(name: str, verb: str) -> None:
    with _client() as api:
        process = _call(getattr(api, f"{verb}_process"), name)
    when = output.local_time(process.get("next_run_at"))
    output.info(f"{name} {verb}d" + (f"; next run {when}" if when else ""))


@app.command()
def enable(name: str = typer.Argument(..., help="The process name.")) -> None:
    """Switch a process on."""
    _switch(name, "enable")


@app.command()
def disable(name: str = typer.Argument(..., help="The process name.")) -> None:
    """Switch a process off."""
    _switch(name, "disable")


@app.command()
@declares(EXECUTION_FIELDS)
def run(
    name: str = typer.Argument(..., help="The process name."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Run a process now and show the result (exit code 1 if the run failed)."""
    out = output.Output(fmt, json_fields, EXECUTION_FIELDS)
    with _client() as api:
        execution = _call(api.run_process, name)
    if out.human:
        pairs = [
            ("Status", execution["status"]),
            ("Result", json.dumps(execution.get("result") or {})),
            ("Error", execution.get("error") or ""),
        ]
        output.key_value_table([(k, v) for k, v in pairs if v], title=f"{name}: run now")
    else:
        out.record(execution, ("status", "attempt", "result", "error"))
    if execution["status"] != "succeeded":
        retry = " (the scheduler will retry it)" if execution["status"] == "retrying" else ""
        raise CliError(f"{name} failed: {execution.get('error')}{retry}", FAILURE)


@app.command()
@declares(EXECUTION_FIELDS)
def history(
    name: str = typer.Argument(..., help="The process name."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=500, help="How many runs."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Show a process's recent runs, newest first."""
    out = output.Output(fmt, json_fields, EXECUTION_FIELDS)
    with _client() as api:
        rows = _call(api.process_history, name, limit=limit)
    if out.human:
        _rows_table(rows, EXECUTION_COLUMNS, f"{name} has not run yet.")
    else:
        out.records(rows, EXECUTION_COLUMNS)
