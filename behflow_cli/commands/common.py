"""Options shared by commands that print data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

FORMAT_HELP = (
    "Output format: table (default on a terminal), plain (default when piped), tsv, json, ndjson."
)
JSON_HELP = "Print JSON; optionally only these comma-separated fields (e.g. --json number,title)."

FormatOption = typer.Option(None, "--format", "-F", help=FORMAT_HELP, metavar="FORMAT")
JsonOption = typer.Option(None, "--json", help=JSON_HELP, metavar="[FIELDS]")


def json_fields(fields: Sequence[str]) -> Callable[[F], F]:
    """Declare the fields a command's --json can print. `behflow` reads them before parsing,
    to tell `--json title,due_at` (fields) from `--json` followed by other words."""

    def mark(command: F) -> F:
        command.json_fields = tuple(fields)  # type: ignore[attr-defined]  # read by main.py
        return command

    return mark
