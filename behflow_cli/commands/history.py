"""`behflow undo`, `behflow redo`, `behflow history` and `behflow task log N`.

One history on the server for every client: `behflow undo` reverts the last change whichever
client made it (the TUI, the web page, the agent, automation), and the TUI's `u` reverts one
made here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import FAILURE, CliError

app = typer.Typer(add_completion=False)

HISTORY_FIELDS = ("id", "created_at", "client", "kind", "summary", "undone", "changes")
HISTORY_COLUMNS = ("created_at", "client", "summary")
LOG_FIELDS = ("changeset", "created_at", "client", "kind", "action", "field", "before", "after")
LOG_COLUMNS = ("created_at", "client", "action", "field", "before", "after")
UNDO_FIELDS = ("original", "reverted", "changeset")


@app.callback()
def _group() -> None:
    """History and undo. (A callback keeps this a group, so the root CLI can pick from it.)"""


def origin(client: str) -> str:
    """Where a change came from, as a sentence says it: "the web", "the TUI", "automation"."""
    name = client.split("/", 1)[0]
    known = {"cli": "the CLI", "tui": "the TUI", "web": "the web", "mcp": "MCP", "api": "the API"}
    if name in known:
        return known[name]
    if client.startswith("automation:"):
        return f"automation ({client.split(':', 1)[1]})"
    if client == "import":
        return "an import"
    return f"the {client}" if client.startswith("agent") else client


def ago(stamp: str, now: datetime | None = None) -> str:
    seconds = ((now or datetime.now(UTC)) - datetime.fromisoformat(stamp)).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    days = round(seconds / 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def _revert(
    redo: bool, changeset: str | None, force: bool, fmt: str | None, fields: str | None
) -> None:
    from behflow_cli.client import ApiError
    from behflow_cli.session import client, interactive

    out = output.Output(fmt, fields, UNDO_FIELDS)
    verb = "redo" if redo else "undo"
    with client() as api:
        try:
            result = api.undo(redo=redo, changeset=changeset, force=force)
        except ApiError as exc:
            if exc.code != "history_conflict":
                if exc.code in ("nothing_to_undo", "nothing_to_redo", "already_undone"):
                    raise CliError(exc.message, FAILURE) from None
                raise
            if not interactive():
                raise CliError(f"{exc.message} (run `behflow {verb} --force`)", FAILURE) from None
            if not typer.confirm(
                f"{exc.message.split(' Reverting')[0]}. {verb.capitalize()} anyway?"
            ):
                raise CliError(f"nothing {verb}ne", FAILURE) from None
            target = exc.details.get("changeset") if isinstance(exc.details, dict) else None
            result = api.undo(redo=redo, changeset=target or changeset, force=True)
    if not out.human:
        out.records([result], UNDO_FIELDS)
        return
    done = result["original"]
    word = "Redid" if redo else "Undid"
    summary = done["summary"].removeprefix("redo: ")
    output.console().print(
        f"{word}: {output._escape(summary)} (from {origin(done['client'])}, "
        f"{ago(done['created_at'])})",
        highlight=False,
    )


@app.command()
@declares(UNDO_FIELDS)
def undo(
    changeset: str | None = typer.Option(
        None, "--changeset", help="The changeset id to undo (see `behflow history --json`)."
    ),
    force: bool = typer.Option(False, "--force", "-f", help="Undo even over later changes."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Undo your last change, whichever client made it (CLI, TUI, web, agent, automation).

    If a later change overwrote what it changed, asks first on a terminal; elsewhere it stops
    with exit code 1 unless --force. An undo is itself undone by `behflow redo`.

    Example: behflow undo
    """
    _revert(False, changeset, force, fmt, json_fields)


@app.command()
@declares(UNDO_FIELDS)
def redo(
    changeset: str | None = typer.Option(None, "--changeset", help="The undo to redo."),
    force: bool = typer.Option(False, "--force", "-f", help="Redo even over later changes."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Bring back what the last undo reverted (not possible once a new change was made).

    Example: behflow redo
    """
    _revert(True, changeset, force, fmt, json_fields)


@app.command()
@declares(HISTORY_FIELDS)
def history(
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=200, help="How many changesets."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Your recent changes, newest first: when, from which client, what changed.

    Example: behflow history --limit 5
    """
    from behflow_cli.session import client

    out = output.Output(fmt, json_fields, HISTORY_FIELDS)
    with client() as api:
        items = list(api.history(limit=limit)["items"])
    if not out.human:
        out.records(items, HISTORY_COLUMNS)
        return
    console = output.console()
    if not items:
        console.print("No changes yet.")
        return
    for item in items:
        undone = " [dim](undone)[/]" if item["undone"] else ""
        console.print(
            f"{ago(item['created_at']):>12}  [cyan]{output._escape(item['client']):<16}[/] "
            f"{output._escape(item['summary'])}{undone}",
            highlight=False,
        )


def _value(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def task_log(
    number: int = typer.Argument(..., min=1, help="The task's number."),
    limit: int = typer.Option(100, "--limit", "-n", min=1, max=200, help="How many changes."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """A task's history, newest first: each change's client and field: before -> after.

    Example: behflow task log 12
    """
    from behflow_cli.session import client

    out = output.Output(fmt, json_fields, LOG_FIELDS)
    with client() as api:
        entries = list(api.task_history(number, limit=limit)["items"])
    rows = [
        {**{k: e[k] for k in ("changeset", "created_at", "client", "kind", "action")}, **f}
        for e in entries
        for f in e["fields"]
    ]
    if not out.human:
        out.records(rows, LOG_COLUMNS)
        return
    console = output.console()
    if not entries:
        console.print(f"No recorded changes for #{number}.")
        return
    for entry in entries:
        kind = f" ({entry['kind']})" if entry["kind"] != "change" else ""
        console.print(
            f"[bold]{ago(entry['created_at'])}[/]  {entry['action']}{kind} from "
            f"{output._escape(origin(entry['client']))}",
            highlight=False,
        )
        for change in entry["fields"]:
            console.print(
                f"    {change['field']}: {output._escape(_value(change['before']))} -> "
                f"{output._escape(_value(change['after']))}",
                highlight=False,
            )


task_log = declares(LOG_FIELDS)(task_log)
