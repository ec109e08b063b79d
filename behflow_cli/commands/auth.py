"""`behflow register|login|logout|whoami`: accounts and the token kept for them."""

from __future__ import annotations

import sys

import typer

from behflow_cli import config, credentials, output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.errors import LOGIN_NEEDED, CliError, usage

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


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _username(value: str | None) -> str:
    if value:
        return value.strip()
    if not _interactive():
        raise usage("give --username when not running on a terminal")
    return str(typer.prompt("Username")).strip()


def _password(from_stdin: bool, *, confirm: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise usage("--password-stdin: standard input had no password on its first line")
        return password
    if not _interactive():
        raise usage("use --password-stdin to give the password when not running on a terminal")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


def _url(value: str | None) -> str:
    if value:
        url = config.normalize_url(value)
        config.update(url=url)
        return url
    return config.server_url()


def _signed_in(url: str, username: str, token: str, verb: str) -> None:
    credentials.store_token(url, username, token)
    config.remember_account(url, username)
    output.info(f"{verb} as {username} on {url}.")


def _register(url: str, username: str, password: str) -> str:
    from behflow_cli.session import anonymous_client, local_timezone

    with anonymous_client(url) as api:
        token = api.register(username, password, timezone=local_timezone())["access_token"]
    _signed_in(url, username, token, "Registered and logged in")
    return token


def _login(url: str, username: str, password: str) -> str:
    from behflow_cli.session import anonymous_client

    with anonymous_client(url) as api:
        token = api.login(username, password)["access_token"]
    _signed_in(url, username, token, "Logged in")
    return token


@app.command()
def register(
    username: str | None = UsernameOption,
    password_stdin: bool = PasswordStdinOption,
    url: str | None = UrlOption,
) -> None:
    """Create an account on the server and log in to it.

    Examples:

      behflow register

      printf '%s\\n' "$PASSWORD" | behflow register --username alice --password-stdin
    """
    server = _url(url)
    name = _username(username)
    _register(server, name, _password(password_stdin, confirm=True))


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
    name = _username(username)
    _login(server, name, _password(password_stdin, confirm=False))


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
        raise CliError(f"not logged in to {url}", LOGIN_NEEDED)
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
def whoami(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """Show the account you are logged in as.

    Example: behflow whoami --json username
    """
    from behflow_cli.session import client

    out = output.Output(fmt, json_fields, output.USER_FIELDS)
    with client() as api:
        user = dict(api.me())
        user["url"] = api.base_url
    if out.human:
        output.key_value_table(
            [("User", user["username"]), ("Server", user["url"]), ("Time zone", user["timezone"])]
        )
    else:
        out.record(user, output.USER_FIELDS)


def first_use(url: str) -> tuple[str, str]:
    """Walk a person on a terminal through creating an account (or logging in).

    Returns (username, token)."""
    output.info(f"You are not logged in to the Behflow server at {url}.")
    if typer.confirm("Create a new account now? (answer no to log in to an existing one)", True):
        name = _username(None)
        return name, _register(url, name, _password(False, confirm=True))
    name = _username(None)
    return name, _login(url, name, _password(False, confirm=False))


def log_in_again(url: str, username: str, reason: str) -> str:
    """On a terminal, when the stored session has ended: ask for the password; the new token."""
    output.info(f"{reason} Log in again as {username} on {url}.")
    return _login(url, username, _password(False, confirm=False))
