"""`behflow tui`: the full-screen interface, on the same server and login as the CLI."""

from __future__ import annotations

import sys

import typer

from behflow_cli.errors import USAGE, CliError

app = typer.Typer(add_completion=False)


@app.command()
def tui() -> None:
    """Open the full-screen task list with live updates and the chat pane.

    Uses BEHFLOW_URL/BEHFLOW_TOKEN or your `behflow login`, and starts the local server if
    needed. Press ? inside for the keys.

    Example: behflow tui
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CliError("`behflow tui` needs a terminal; use `behflow task list` in scripts", USAGE)
    from behflow_cli.session import client

    api = client(timezone=True)
    api.health()  # starts the default local server now, before the screen takes over
    from behflow_cli.tui.app import create_app

    create_app(api).run()
