"""`behflow register|login|logout|whoami`: accounts and the token kept for them.

The prompts themselves live in behflow_cli/accounts.py (shared with first use and with
logging in again when a session ends)."""

from __future__ import annotations

import typer

from behflow_cli import accounts, config, credentials, output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares

app = typer.Typer(help="Accounts.", no_args_is_help=True, add_completion=False)

UsernameOption = typer.Option(None, "--username", "-u", help="Account name (prompted if omitted).")
PasswordStdinOption = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)
UrlOption = typer.Option(
    None,
    "--url",
    help="Server URL to use from now on (saved in the config file; BEHFLOW_URL still wins).",
)
USER_FIELDS = ("username", "timezone", "id", "created_at", "url")


def _url(value: str | None) -> str:
    if value:
        url = config.normalize_url(value)
        config.update(url=url)
        return url
    return config.server_url()


@app.command()
def register(
    username: str | None = UsernameOption,
    password_stdin: bool = PasswordStdinOption,
    url: str | None = UrlOption,
    reschedule_overdue: bool | None = typer.Option(
        None,
        "--reschedule-overdue/--keep-overdue",
        help="Move overdue tasks to today every night (asked on a terminal; off by default).",
    ),
) -> None:
    """Create an account on the server and log in to it.

    A username is 2-39 letters, digits, '.', '_' or '-'; a password at least 8 characters.

    Examples:

      behflow register

      printf '%s\\n' "$PASSWORD" | behflow register --username alice --password-stdin
    """
    server = _url(url)
    if not accounts.interactive():
        username = accounts.ask_username(username)  # explains --username
    password = accounts.password_from_stdin() if password_stdin else None
    if password is None and not accounts.interactive():
        accounts.ask_password(new=True)  # explains --password-stdin
    from behflow_cli.session import anonymous_client

    accounts.register(
        server,
        username,
        password,
        connect=anonymous_client,
        reschedule_overdue=reschedule_overdue,
    )


@app.command()
def login(
    username: str | None = UsernameOption,
    password_stdin: bool = PasswordStdinOption,
    url: str | None = UrlOption,
) -> None:
    """Log in and keep the token in the system keyring (or a 0600 file without one).

    Examples:

      behflow login

      behflow login --url https://tasks.example.com --username alice
    """
    server = _url(url)
    name = accounts.ask_username(username)
    password = accounts.password_from_stdin() if password_stdin else None
    if password is None and not accounts.interactive():
        accounts.ask_password(new=False)  # explains --password-stdin
    from behflow_cli.session import anonymous_client

    accounts.login(server, name, password, connect=anonymous_client)


@app.command()
def logout(
    everywhere: bool = typer.Option(
        False, "--everywhere", help="Revoke every token of the account, on all devices."
    ),
) -> None:
    """Revoke the token on the server and forget it here.

    Example: behflow logout --everywhere
    """
    from behflow_cli.client import ApiError
    from behflow_cli.session import CliClient, stored_login

    url = config.server_url()
    username, token = stored_login(url)
    token = config.env_token() or token
    if token is None:
        raise accounts.not_logged_in(url)
    try:
        with CliClient(url, token) as api:
            api.logout(everywhere=everywhere)
    except ApiError as exc:
        if exc.status != 401:  # an expired token is as good as logged out
            raise
    if username is not None and not config.env_token():
        credentials.delete_token(url, username)
        config.remember_account(url, None)
    output.info(f"Logged out of {url}.")


@app.command()
@declares(USER_FIELDS)
def whoami(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """Show the account you are logged in as.

    Example: behflow whoami --json username
    """
    from behflow_cli.session import client

    out = output.Output(fmt, json_fields, USER_FIELDS)
    with client() as api:
        me = api.me()
        user = {"username": me["username"], "timezone": me["timezone"], "id": me["id"]}
        user |= {"created_at": me["created_at"], "url": api.base_url}
    if out.human:
        output.key_value_table(
            [("User", user["username"]), ("Server", user["url"]), ("Time zone", user["timezone"])]
        )
    else:
        out.record(user, USER_FIELDS)
