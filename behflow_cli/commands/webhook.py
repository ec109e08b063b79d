"""`behflow webhook ...`: add, list, remove, test."""

from __future__ import annotations

from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import FAILURE, CliError

app = typer.Typer(
    help="Send events (task changes, reminders, failed processes) to your own URLs.",
    no_args_is_help=True,
    add_completion=False,
)

WEBHOOK_FIELDS = ("id", "url", "events", "enabled", "created_at", "secret")
DELIVERY_FIELDS = (
    "status",
    "response_status",
    "error",
    "attempts",
    "event_type",
    "id",
    "webhook_id",
    "created_at",
    "delivered_at",
    "next_attempt_at",
)


WEBHOOK_COLUMNS = ("id", "url", "events")


def _client() -> Any:
    from behflow_cli.session import client

    return client()


def _resolve(api: Any, ref: str) -> str:
    """A webhook id from a full id or an unambiguous prefix of one (as `list` shows)."""
    hooks = api.webhooks()
    matches = [h["id"] for h in hooks if h["id"] == ref or h["id"].startswith(ref.lower())]
    if len(matches) == 1:
        return str(matches[0])
    if not matches:
        raise CliError(f"no webhook {ref!r}; see `behflow webhook list`", FAILURE)
    raise CliError(f"{ref!r} matches {len(matches)} webhooks; give more of the id", FAILURE)


@app.command()
@declares(WEBHOOK_FIELDS)
def add(
    url: str = typer.Argument(..., help="Where to POST events (http or https)."),
    event: list[str] = typer.Option(
        [], "--event", "-e", help="An event type (repeat for more); none means every event."
    ),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Register a webhook. Prints its signing secret, shown only this once.

    Events: task.created, task.updated, task.completed, task.deleted, reminder.due,
    process.succeeded, process.failed.

    Example: behflow webhook add http://127.0.0.1:9000/hook --event reminder.due
    """
    out = output.Output(fmt, json_fields, WEBHOOK_FIELDS)
    with _client() as api:
        hook = api.create_webhook(url, event)
    if out.human:
        output.key_value_table(
            [
                ("Id", hook["id"]),
                ("Events", ", ".join(hook["events"]) or "every event"),
                ("Secret", hook["secret"]),
            ],
            title=hook["url"],
        )
        output.info("Keep the secret: it signs every delivery and is not shown again.")
    else:
        out.record(hook, ("id", "secret"))


@app.command("list")
@declares(WEBHOOK_FIELDS[:-1])
def list_(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """List your webhooks."""
    out = output.Output(fmt, json_fields, WEBHOOK_FIELDS[:-1])
    with _client() as api:
        hooks = api.webhooks()
    if out.human:
        from rich.table import Table

        if not hooks:
            output.console().print("No webhooks.")
            return
        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in ("Id", "URL", "Events"):
            table.add_column(column, overflow="fold")
        for hook in hooks:
            table.add_row(hook["id"][:8], hook["url"], ", ".join(hook["events"]) or "all")
        output.console().print(table)
    else:
        out.records(hooks, WEBHOOK_COLUMNS)


@app.command()
def remove(ref: str = typer.Argument(..., metavar="ID", help="The id (or its start).")) -> None:
    """Remove a webhook."""
    with _client() as api:
        webhook_id = _resolve(api, ref)
        api.delete_webhook(webhook_id)
    output.info(f"removed webhook {webhook_id}")


@app.command()
@declares(DELIVERY_FIELDS)
def test(
    ref: str = typer.Argument(..., metavar="ID", help="The id (or its start)."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Send a test event now (exit code 1 if the receiver did not take it)."""
    out = output.Output(fmt, json_fields, DELIVERY_FIELDS)
    with _client() as api:
        delivery = api.test_webhook(_resolve(api, ref))
    if not out.human:
        out.record(delivery, ("status", "response_status", "error"))
    if delivery["status"] != "delivered":
        raise CliError(f"test delivery failed: {delivery.get('error')}", FAILURE)
    if out.human:
        output.info(f"delivered (HTTP {delivery['response_status']})")
