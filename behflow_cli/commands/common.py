"""Options shared by commands that print data."""

from __future__ import annotations

import typer

FORMAT_HELP = (
    "Output format: table (default on a terminal), plain (default when piped), tsv, json, ndjson."
)
JSON_HELP = "Print JSON; optionally only these comma-separated fields (e.g. --json number,title)."

FormatOption = typer.Option(None, "--format", "-F", help=FORMAT_HELP, metavar="FORMAT")
JsonOption = typer.Option(None, "--json", help=JSON_HELP, metavar="[FIELDS]")
