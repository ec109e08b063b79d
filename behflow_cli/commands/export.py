"""`behflow export` and `behflow import`: tasks to and from Taskwarrior, todo.txt, CSV,
Todoist and JSON files."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import JsonOption
from behflow_cli.errors import FAILURE, CliError, usage

app = typer.Typer(add_completion=False)


class FileFormat(StrEnum):
    taskwarrior = "taskwarrior"
    todotxt = "todotxt"
    csv = "csv"
    json = "json"
    todoist = "todoist"


class Priority(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


IMPORT_FIELDS = ("line", "action", "number", "title", "reason", "changed")


def _client() -> Any:
    from behflow_cli.session import client

    api = client(timezone=True)
    # One ordinary call first: it starts the local server or asks for the password again when
    # needed (the raw file transfer below goes around that machinery).
    api.me()
    return api


def _send(api: Any, method: str, path: str, *, params: dict[str, Any], body: bytes | None) -> Any:
    """One request whose body or answer is a file rather than JSON; errors as ApiError."""
    import httpx

    from behflow_cli.client import ApiError, BehflowClient

    headers = api.headers()
    if body is not None:
        headers["Content-Type"] = "text/plain; charset=utf-8"
    try:
        response = api.http.request(
            method,
            path,
            params={key: value for key, value in params.items() if value not in (None, [], "")},
            content=body,
            headers=headers,
            timeout=120,
        )
    except httpx.HTTPError as exc:
        raise ApiError(
            f"request to {api.base_url} failed: {exc}", code="transport_error", status=0
        ) from exc
    if not response.is_success:
        BehflowClient._decode(response)  # raises the server's error as ApiError
    return response


@app.command("export")
def export(
    words: list[str] = typer.Argument(None, metavar="[WORDS]...", help="Text in title or notes."),
    fmt: FileFormat = typer.Option(FileFormat.json, "--format", "-F", help="The file format."),
    status: list[str] = typer.Option(
        [], "--status", "-s", help="not_started, in_progress, blocked, completed or open."
    ),
    priority: Priority | None = typer.Option(
        None, "--priority", "-p", help="Only this priority or higher."
    ),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Has this tag (repeat: all of them)."),
    project: str | None = typer.Option(None, "--project", "-P", help="In this project."),
    due: str | None = typer.Option(
        None, "--due", "-d", help="today, tomorrow, week, overdue, none or a date."
    ),
    all_: bool = typer.Option(False, "--all", "-a", help="Include deleted (archived) tasks."),
    to: Path | None = typer.Option(None, "--output", "-o", help="Write to this file, not stdout."),
) -> None:
    """Write your tasks (done ones too; filters as for `task list`) to stdout as a file.

    Formats: taskwarrior (for `task import`), todotxt, csv, json (as the API returns tasks),
    todoist (a project template; open tasks only).

    Examples:

      behflow export --format taskwarrior > tasks.json && task import tasks.json

      behflow export --format todotxt --project Home -o todo.txt

      behflow export --format csv --status open report
    """
    with _client() as api:
        response = _send(
            api,
            "GET",
            "/api/v1/export",
            params={
                "format": fmt.value,
                "status": status,
                "priority": priority.value if priority else None,
                "tag": tag,
                "project": project,
                "due": due,
                "search": " ".join(words or []) or None,
                "archived": "include" if all_ else None,
            },
            body=None,
        )
    if to is not None:
        to.write_bytes(response.content)
        output.info(f"wrote {to}")
        return
    sys.stdout.buffer.write(response.content)
    sys.stdout.flush()


def _read(source: str) -> bytes:
    if source == "-":
        if sys.stdin.isatty():
            raise usage("`import -` reads the file from standard input; pipe it in")
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror or exc}", FAILURE) from None


@app.command("import")
def import_(
    source: str = typer.Argument(..., metavar="FILE|-", help="The file, or - for stdin."),
    fmt: FileFormat = typer.Option(..., "--format", "-F", help="The file's format."),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Show what would be created and changed; change nothing."
    ),
    project: str | None = typer.Option(
        None, "--project", "-P", help="Project for tasks the file gives none."
    ),
    json_fields: str | None = JsonOption,
) -> None:
    """Import tasks from a file: all of it, or (if a line is bad) none of it.

    A task whose uuid matches one of yours (one exported from Behflow, or imported before) is
    updated instead of added again, so importing the same file twice changes nothing.

    Examples:

      task export | behflow import --format taskwarrior - --dry-run

      behflow import --format todotxt ~/todo.txt

      behflow import --format todoist Groceries.csv --project Groceries
    """
    body = _read(source)
    with _client() as api:
        response = _send(
            api,
            "POST",
            "/api/v1/import",
            params={
                "format": fmt.value,
                "dry_run": "true" if dry_run else None,
                "project": project,
            },
            body=body,
        )
    result = response.json()
    if json_fields == "":  # --json alone: the whole answer, counts included
        output.write(response.text)
    elif json_fields is not None:  # --json line,action,...: those fields of each item
        output.Output("json", json_fields, IMPORT_FIELDS).records(result["items"], IMPORT_FIELDS)
    else:
        _summary(result)


def _summary(result: dict[str, Any]) -> None:
    dry = result["dry_run"]
    verbs = {"created": "would create" if dry else "created"}
    verbs["updated"] = "would update" if dry else "updated"
    verbs["skipped"] = "would skip" if dry else "skipped"
    for item in result["items"]:
        number = f"#{item['number']} " if item.get("number") else ""
        detail = ""
        if item["action"] == "updated" and item.get("changed"):
            detail = f" ({', '.join(item['changed'])})"
        elif item.get("reason"):
            detail = f" ({item['reason']})"
        output.write(
            f"line {item['line']}: {verbs[item['action']]} {number}{item['title']}{detail}"
        )
    counts = (
        f"{result['created']} created, {result['updated']} updated, {result['skipped']} skipped"
    )
    output.info(("dry run, nothing changed: " if dry else "") + counts)
