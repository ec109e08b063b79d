"""Account prompts in one place: register, log in, first use, logging in again.

On a terminal a mistake is explained and asked again (the rules are stated up front); piped,
every problem is one line on stderr and an exit code, since nobody is there to answer.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import typer

from behflow_cli import config, credentials, output
from behflow_cli.client import ApiError, BehflowClient
from behflow_cli.errors import LOGIN_NEEDED, CliError, usage

# The server's rules (auth/models.py), checked here too so a person hears of a mistake at once.
USERNAME_RULE = "2-39 letters, digits, '.', '_' or '-', starting with a letter or digit"
PASSWORD_RULE = "at least 8 characters"
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}$")
MIN_PASSWORD = 8
LOGIN_TRIES = 3
OVERDUE_QUESTION = "Move overdue tasks to today every night?"

# Builds an unauthenticated client for a server URL: session.anonymous_client (autostart
# included), passed in by the caller so this module does not import the session module.
Connect = Callable[[str], BehflowClient]


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def ask_username(value: str | None = None, *, new: bool = False) -> str:
    if value:
        return value.strip()
    if not interactive():
        raise usage("give --username when not running on a terminal")
    while True:
        name = str(typer.prompt("Username")).strip()
        if not new or USERNAME_PATTERN.match(name):
            return name
        output.info(f"A username is {USERNAME_RULE}; {name!r} is not. Try again.")


def password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise usage("--password-stdin: standard input had no password on its first line")
    return password


def ask_password(*, new: bool, prompt: str = "Password") -> str:
    if not interactive():
        raise usage("use --password-stdin to give the password when not running on a terminal")
    while True:
        password = str(typer.prompt(prompt, hide_input=True, confirmation_prompt=new))
        if not new or len(password) >= MIN_PASSWORD:
            return password
        output.info(f"The password must be {PASSWORD_RULE}. Try again.")


def ask_overdue_policy() -> bool:
    """The sign-up choice: move overdue tasks to today every night (off unless chosen)."""
    if not interactive():
        return False
    return bool(typer.confirm(OVERDUE_QUESTION, default=False))


def signed_in(url: str, username: str, token: str, verb: str) -> str:
    credentials.store_token(url, username, token)
    config.remember_account(url, username)
    output.info(f"{verb} as {username} on {url}.")
    return token


def register(
    url: str,
    username: str | None,
    password: str | None,
    *,
    connect: Connect,
    reschedule_overdue: bool | None = None,
) -> tuple[str, str]:
    """Create the account and log in; on a terminal, asks for what is missing or wrong.

    Returns (username, token)."""
    from behflow_cli.zone import local_timezone

    asking = password is None
    if asking:
        output.info(f"A username is {USERNAME_RULE}; a password is {PASSWORD_RULE}.")
    name = ask_username(username, new=True)
    secret = password if password is not None else ask_password(new=True)
    if reschedule_overdue is None:
        reschedule_overdue = ask_overdue_policy()
    while True:
        try:
            with connect(url) as api:
                token = api.register(
                    name,
                    secret,
                    timezone=local_timezone(),
                    reschedule_overdue=reschedule_overdue,
                )["access_token"]
            return name, signed_in(url, name, token, "Registered and logged in")
        except ApiError as exc:
            field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
            if not asking or exc.status not in (409, 422):
                raise
            output.info(f"{exc.message} Try again.")
            if exc.code == "username_taken" or field == "username":
                name = ask_username(None, new=True)
            elif field == "password":
                secret = ask_password(new=True)
            else:
                raise


def login(
    url: str, username: str | None, password: str | None, *, connect: Connect
) -> tuple[str, str]:
    """Log in; on a terminal a wrong password is asked again (up to three tries)."""
    name = ask_username(username)
    asking = password is None
    for attempt in range(1, LOGIN_TRIES + 1):
        secret = password if password is not None else ask_password(new=False)
        try:
            with connect(url) as api:
                token = api.login(name, secret)["access_token"]
            return name, signed_in(url, name, token, "Logged in")
        except ApiError as exc:
            if not asking or exc.code != "invalid_credentials" or attempt == LOGIN_TRIES:
                raise
            output.info(f"{exc.message} Try again ({LOGIN_TRIES - attempt} left).")
    raise AssertionError("unreachable")  # pragma: no cover


def first_use(url: str, *, connect: Connect) -> tuple[str, str]:
    """Walk a person on a terminal through creating an account (or logging in).

    Returns (username, token)."""
    output.info(f"You are not logged in to the Behflow server at {url}.")
    if typer.confirm("Create a new account now? (answer no to log in to an existing one)", True):
        return register(url, None, None, connect=connect)
    return login(url, None, None, connect=connect)


def log_in_again(url: str, username: str, reason: str, *, connect: Connect) -> str:
    """On a terminal, when the stored session has ended: ask for the password; the new token."""
    output.info(f"{reason} Log in again as {username} on {url}.")
    return login(url, username, None, connect=connect)[1]


def not_logged_in(url: str) -> CliError:
    return CliError(
        f"not logged in to {url}: run `behflow register` or `behflow login` (or set BEHFLOW_TOKEN)",
        LOGIN_NEEDED,
    )
