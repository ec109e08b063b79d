"""The `behflow` command: one Typer sub-app per command group."""

from __future__ import annotations

import typer

from behflow_cli.commands import server

app = typer.Typer(
    name="behflow",
    help="Behflow: a terminal-first task manager with an AI agent.",
    no_args_is_help=True,
)
app.add_typer(server.app, name="server")


def run() -> None:
    app()
