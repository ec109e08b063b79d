"""`behflow calendar url|rotate|revoke`: the secret address of your tasks' calendar feed."""

from __future__ import annotations

from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import JsonOption
from behflow_cli.errors import FAILURE, CliError

app = typer.Typer(
    help="Subscribe to your tasks from a calendar app (an iCalendar feed at a secret URL).",
    no_args_is_help=True,
    add_completion=False,
)
FEED = "/api/v1/calendar/feed"
FEED_FIELDS = ("url", "events_url", "created_at")


def _client() -> Any:
    from behflow_cli.session import client

    return client()


def _show(feed: dict[str, Any], json_fields: str | None) -> None:
    if json_fields is not None:
        output.Output("json", json_fields or None, FEED_FIELDS).record(feed, FEED_FIELDS)
        return
    output.write(feed["url"])
    output.info(
        "Subscribe to this URL in your calendar app (for calendars that show no tasks, add "
        f"?events=true: {feed['events_url']}).\n"
        "Anyone with the URL can read your tasks: it is shown only now; "
        "`behflow calendar rotate` replaces it, `behflow calendar revoke` ends it."
    )


@app.command()
def url(json_fields: str | None = JsonOption) -> None:
    """Make your feed URL and print it (shown once: it is stored only as a hash).

    If you already have one, this says so and changes nothing: `rotate` makes a new one.
    """
    with _client() as api:
        status = api.request("GET", FEED)
        if status["active"]:
            raise CliError(
                "you already have a calendar feed (made "
                f"{output.local_time(status['created_at'])}); its URL is shown only when made: "
                "`behflow calendar rotate` prints a new one (the old one stops working)",
                FAILURE,
            )
        feed = api.request("POST", FEED)
    _show(feed, json_fields)


@app.command()
def rotate(json_fields: str | None = JsonOption) -> None:
    """Replace your feed URL with a new one; the old one stops working at once."""
    with _client() as api:
        feed = api.request("POST", FEED)
    _show(feed, json_fields)


@app.command()
def revoke() -> None:
    """End your feed: its URL stops working (make a new one with `url`)."""
    with _client() as api:
        api.request("DELETE", FEED)
    output.info("calendar feed revoked: its URL no longer works")
