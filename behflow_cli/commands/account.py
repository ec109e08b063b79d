"""`behflow account ...`: your profile, password, time zone and signed-in sessions."""

from __future__ import annotations

import sys
from typing import Any

import typer

from behflow_cli import accounts, config, credentials, output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import FAILURE, CliError, usage

app = typer.Typer(
    help="Your account: profile, password, time zone, sessions.",
    no_args_is_help=True,
    add_completion=False,
)

PROFILE_FIELDS = ("username", "timezone", "id", "created_at", "url")
SESSION_FIELDS = ("id", "client", "created_at", "last_seen_at", "expires_at", "current")


def _client() -> Any:
    from behflow_cli.session import client

    return client()


@app.command()
@declares(PROFILE_FIELDS)
def show(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """Show your account: name, server, time zone, since when.

    Example: behflow account show --json timezone
    """
    out = output.Output(fmt, json_fields, PROFILE_FIELDS)
    with _client() as api:
        user = {**api.me(), "url": api.base_url}
    if out.human:
        output.key_value_table(
            [
                ("User", user["username"]),
                ("Server", user["url"]),
                ("Time zone", user["timezone"]),
                ("Since", output.day_and_time(user["created_at"], with_time=False)),
            ]
        )
    else:
        out.record(user, PROFILE_FIELDS)


@app.command()
@declares(PROFILE_FIELDS)
def timezone(
    zone: str | None = typer.Argument(
        None, help="An IANA zone such as Europe/Berlin; omit it to use this computer's."
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Set the time zone your dates are read and shown in (and processes run in).

    Examples:

      behflow account timezone Europe/Berlin

      behflow account timezone    (this computer's zone)
    """
    from behflow_cli.zone import local_timezone

    out = output.Output(fmt, json_fields, PROFILE_FIELDS)
    chosen = zone or local_timezone()
    if not chosen:
        raise usage("this computer has no time zone set: give one, e.g. Europe/Berlin")
    with _client() as api:
        user = {**api.update_me(timezone=chosen), "url": api.base_url}
    if out.human:
        output.write(f"Time zone set to {user['timezone']}.")
    else:
        out.record(user, PROFILE_FIELDS)


@app.command()
def password(
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the current password, then the new one, from the first two lines of stdin.",
    ),
) -> None:
    """Change your password. Every other session is signed out; this one stays logged in.

    Example: behflow account password
    """
    if password_stdin:
        current = sys.stdin.readline().rstrip("\r\n")
        new = sys.stdin.readline().rstrip("\r\n")
        if not current or not new:
            raise usage("--password-stdin: give the current password and the new one, a line each")
    else:
        if not accounts.interactive():
            raise usage("use --password-stdin when not running on a terminal")
        output.info(f"The new password must be {accounts.PASSWORD_RULE}.")
        current = accounts.ask_password(new=False, prompt="Current password")
        new = accounts.ask_password(new=True, prompt="New password")
    url = config.server_url()
    with _client() as api:
        username = api.me()["username"]
        token = api.change_password(current, new)["access_token"]
    if not config.env_token():
        credentials.store_token(url, username, token)
    output.info("Password changed; other sessions are signed out.")


@app.command()
@declares(SESSION_FIELDS)
def sessions(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """List where you are signed in: when each session began, was last seen, and from what.

    Example: behflow account sessions
    """
    out = output.Output(fmt, json_fields, SESSION_FIELDS)
    with _client() as api:
        rows = [dict(row) for row in api.sessions()]
    if not out.human:
        out.records(rows, SESSION_FIELDS[:-1])
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("Id", "Client", "Signed in", "Last seen", "Expires", ""):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["id"][:8],
            row.get("client") or "",
            output.local_time(row["created_at"]),
            output.local_time(row.get("last_seen_at")),
            output.day_and_time(row["expires_at"], with_time=False),
            "[green]this one[/]" if row.get("current") else "",
        )
    output.console().print(table)


@app.command()
def revoke(
    ref: str = typer.Argument(..., metavar="ID", help="A session id (or its start)."),
) -> None:
    """Sign a session out (see `behflow account sessions` for the ids).

    Example: behflow account revoke 3f2a9c1e
    """
    with _client() as api:
        rows = api.sessions()
        matches = [row for row in rows if row["id"].startswith(ref.lower())]
        if not matches:
            raise CliError(f"no session {ref!r}; see `behflow account sessions`", FAILURE)
        if len(matches) > 1:
            raise CliError(f"{ref!r} matches {len(matches)} sessions; give more of the id", FAILURE)
        api.revoke_session(matches[0]["id"])
    current = " (this one: log in again to continue)" if matches[0].get("current") else ""
    output.info(f"Signed out session {matches[0]['id'][:8]}{current}.")
