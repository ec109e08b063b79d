"""The client a command talks through: server URL, token, local time zone, autostart, first use."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from behflow_cli import config, credentials
from behflow_cli.client import ApiError, BehflowClient, ChatEvent
from behflow_cli.zone import local_timezone

SESSION_ENDED = ("token_expired", "token_revoked", "invalid_token")


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


class CliClient(BehflowClient):
    """BehflowClient that starts the default local server when nothing answers there and, on
    a terminal, asks for the password again when the stored session has ended."""

    def __init__(self, *args: Any, username: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.username = username  # set when the token came from the store, not BEHFLOW_TOKEN

    def _recover(self, exc: ApiError) -> None:
        """Make the failed call worth one retry, or raise the error."""
        if exc.code == "unreachable" and config.is_default_url(self.base_url):
            from behflow_cli import autostart

            autostart.autostart(self.base_url)
        elif exc.code in SESSION_ENDED and self.username and interactive():
            from behflow_cli.accounts import log_in_again

            self.token = log_in_again(
                self.base_url, self.username, exc.message, connect=anonymous_client
            )
        else:
            raise exc

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return super().request(method, path, **kwargs)
        except ApiError as exc:
            self._recover(exc)
        return super().request(method, path, **kwargs)

    def chat_stream(self, message: str, session_id: str | None = None) -> Iterator[ChatEvent]:
        events = super().chat_stream(message, session_id)
        try:
            first = next(events)
        except ApiError as exc:
            self._recover(exc)
            events = super().chat_stream(message, session_id)
            first = next(events)
        yield first
        yield from events


def anonymous_client(url: str | None = None) -> CliClient:
    return CliClient(url or config.server_url(), timezone=local_timezone())


def stored_login(url: str) -> tuple[str | None, str | None]:
    """(username, token) saved for this server, if any."""
    username = config.account_for(url)
    if username is None:
        return None, None
    return username, credentials.load_token(url, username)


def client(*, timezone: bool = False) -> CliClient:
    """An authenticated client; walks a first-time user on a terminal through signing up."""
    url = config.server_url()
    zone = local_timezone() if timezone else None
    token, username = config.env_token(), None
    if token is None:
        username, token = stored_login(url)
    if token is None:
        from behflow_cli.accounts import first_use, not_logged_in

        if not interactive():
            raise not_logged_in(url)

        username, token = first_use(url, connect=anonymous_client)
    return CliClient(url, token, timezone=zone, username=username)
