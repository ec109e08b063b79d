"""`behflow notify ...`: Apprise notification targets (add, list, remove, test)."""

from __future__ import annotations

from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import FormatOption, JsonOption
from behflow_cli.commands.common import json_fields as declares
from behflow_cli.errors import FAILURE, CliError

app = typer.Typer(
    help="Get reminders on your phone, by email or chat: Apprise URLs (ntfy, Telegram, ...).",
    no_args_is_help=True,
    add_completion=False,
)

TARGET_FIELDS = (
    "id",
    "url",
    "service",
    "last_status",
    "last_attempt_at",
    "last_error",
    "failures",
    "created_at",
)
TARGET_COLUMNS = ("id", "service", "url", "last_status", "last_attempt_at", "failures")
TEST_FIELDS = ("status", "error", "target")


def _client() -> Any:
    from behflow_cli.session import client

    return client()


def _resolve(api: Any, ref: str) -> str:
    """A target id from a full id or an unambiguous prefix of one (as `list` shows)."""
    targets = api.notify_targets()
    matches = [t["id"] for t in targets if t["id"] == ref or t["id"].startswith(ref.lower())]
    if len(matches) == 1:
        return str(matches[0])
    if not matches:
        raise CliError(f"no notification target {ref!r}; see `behflow notify list`", FAILURE)
    raise CliError(f"{ref!r} matches {len(matches)} targets; give more of the id", FAILURE)


@app.command()
@declares(TARGET_FIELDS)
def add(
    url: str = typer.Argument(..., help="An Apprise URL, e.g. ntfys://my-topic."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Add a notification target: each due reminder is sent to it once.

    Any Apprise URL works (https://github.com/caronc/apprise/wiki): ntfy://, mailto://,
    tgram://, matrix://, pover://, json://... An unknown service exits with code 2.

    Example: behflow notify add ntfys://my-secret-topic
    """
    out = output.Output(fmt, json_fields, TARGET_FIELDS)
    with _client() as api:
        target = api.add_notify_target(url)
    if out.human:
        output.key_value_table(
            [("Id", target["id"]), ("Service", target["service"])], title=target["url"]
        )
        output.info(f"Try it: behflow notify test {target['id'][:8]}")
    else:
        out.record(target, ("id", "service", "url"))


def _when(value: str | None) -> str:
    return value.replace("T", " ")[:16] if value else "never"


@app.command("list")
@declares(TARGET_FIELDS)
def list_(fmt: str | None = FormatOption, json_fields: str | None = JsonOption) -> None:
    """List your targets (secrets masked) with their last delivery and failure count."""
    out = output.Output(fmt, json_fields, TARGET_FIELDS)
    with _client() as api:
        targets = api.notify_targets()
    if not out.human:
        out.records(targets, TARGET_COLUMNS)
        return
    from rich.table import Table

    if not targets:
        output.console().print("No notification targets. Add one: behflow notify add URL")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("Id", "Service", "URL", "Last", "When", "Failures"):
        table.add_column(column, overflow="fold")
    for target in targets:
        last = target["last_status"] or "-"
        if target["last_error"] and target["last_status"] != "delivered":
            last = f"{last}: {target['last_error']}"
        table.add_row(
            target["id"][:8],
            target["service"],
            target["url"],
            last,
            _when(target["last_attempt_at"]),
            str(target["failures"]),
        )
    output.console().print(table)


@app.command()
def remove(ref: str = typer.Argument(..., metavar="ID", help="The id (or its start).")) -> None:
    """Remove a notification target (its pending reminders go with it)."""
    with _client() as api:
        target_id = _resolve(api, ref)
        api.remove_notify_target(target_id)
    output.info(f"removed notification target {target_id}")


@app.command()
@declares(TEST_FIELDS)
def test(
    ref: str = typer.Argument(..., metavar="ID", help="The id (or its start)."),
    fmt: str | None = FormatOption,
    json_fields: str | None = JsonOption,
) -> None:
    """Send a test notification now (exit code 1 if it did not get through)."""
    out = output.Output(fmt, json_fields, TEST_FIELDS)
    with _client() as api:
        result = api.test_notify_target(_resolve(api, ref))
    if not out.human:
        out.record(result, ("status", "error"))
    if result["status"] != "delivered":
        raise CliError(f"test notification {result['status']}: {result.get('error')}", FAILURE)
    if out.human:
        output.info(f"delivered to {result['target']['service']}")
