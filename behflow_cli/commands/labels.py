"""`behflow project list` and `behflow tag list`: names with open, overdue and total counts."""

from __future__ import annotations

from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares

LABEL_FIELDS = ("name", "open", "overdue", "total")


def _show(rows: list[dict[str, Any]], out: output.Output, kind: str, how_to_add: str) -> None:
    if not out.human:
        out.records(rows, LABEL_FIELDS)
        return
    from rich.table import Table

    console = output.console()
    if not rows:
        console.print(f"No {kind}s yet. {how_to_add}")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column(kind.capitalize(), style="cyan" if kind == "project" else "magenta")
    for column in ("Open", "Overdue", "Total"):
        table.add_column(column, justify="right")
    for row in rows:
        overdue = f"[bold red]{row['overdue']}[/]" if row["overdue"] else "0"
        name = ("#" if kind == "tag" else "") + output._escape(row["name"])
        table.add_row(name, str(row["open"]), overdue, str(row["total"]))
    console.print(table)


def _group(kind: str, help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False)


project_app = _group("project", "Projects and how many tasks each holds.")
tag_app = _group("tag", "Tags and how many tasks carry each.")


# A callback keeps each a group with a `list` subcommand (room for rename/merge later).
@project_app.callback()
def _projects() -> None:
    """Projects and how many tasks each holds."""


@tag_app.callback()
def _tags() -> None:
    """Tags and how many tasks carry each."""


@project_app.command("list")
@declares(LABEL_FIELDS)
def list_projects(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """List your projects with open, overdue and total task counts (deleted tasks left out).

    Example: behflow project list --json name,open
    """
    from behflow_cli.session import client

    out = output.Output(fmt, json_fields, LABEL_FIELDS)
    with client() as api:
        rows = [dict(row) for row in api.projects()]
    _show(rows, out, "project", "Give a task one: behflow task add 'Paint fence project:Home'")


@tag_app.command("list")
@declares(LABEL_FIELDS)
def list_tags(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """List your tags with open, overdue and total task counts (deleted tasks left out).

    Example: behflow tag list --json name,overdue
    """
    from behflow_cli.session import client

    out = output.Output(fmt, json_fields, LABEL_FIELDS)
    with client() as api:
        rows = [dict(row) for row in api.tags()]
    _show(rows, out, "tag", "Tag a task: behflow task update 3 +work")
