"""`behflow filter add|list|show|run|remove`: saved filters in the filter language
(docs/filters.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import typer

from behflow_cli import output
from behflow_cli.commands.common import JsonOption
from behflow_cli.commands.filtertext import filter_errors

app = typer.Typer(
    help="Saved filters: name a filter once, list with it anywhere (docs/filters.md).",
    no_args_is_help=True,
    add_completion=False,
)
FILTERS = "/api/v1/filters"
FILTER_FIELDS = ("name", "query", "context", "active", "created_at", "updated_at")


def _client() -> Any:
    from behflow_cli.session import client

    return client()


def path(name: str) -> str:
    return f"{FILTERS}/{quote(name, safe='')}"


def show_filters(items: list[dict[str, Any]], json_fields: str | None, empty: str) -> None:
    if json_fields is not None:
        output.Output("json", json_fields or None, FILTER_FIELDS).records(items, FILTER_FIELDS)
        return
    if not items:
        output.info(empty)
        return
    width = max(len(item["name"]) for item in items)
    for item in items:
        mark = "*" if item["active"] else " "
        output.write(f"{mark} {item['name']:<{width}}  {item['query']}")
    if any(item["active"] for item in items):
        output.info("* the active context")


@app.command()
def add(
    name: str = typer.Argument(..., help="letters, digits, . _ -"),
    query: list[str] = typer.Argument(..., metavar="QUERY...", help="The filter."),
    force: bool = typer.Option(False, "--force", help="Replace a filter of that name."),
    context: bool = typer.Option(False, "--context", help="List it with `context list`."),
) -> None:
    """Save a filter: behflow filter add today-work 'due:today project:work'."""
    text = " ".join(query)
    from behflow_cli.client import ApiError

    with _client() as api, filter_errors(text):
        try:
            saved = api.request(
                "POST", FILTERS, json={"name": name, "query": text, "context": context}
            )
        except ApiError as exc:
            if exc.code != "filter_exists" or not force:
                raise
            saved = api.request("PUT", path(name), json={"query": text})
    output.info(f"saved filter {saved['name']}: {saved['query']}")


@app.command("list")
def list_(json_fields: str | None = JsonOption) -> None:
    """Your saved filters by name (* marks the active context)."""
    with _client() as api:
        items = api.request("GET", FILTERS)["items"]
    show_filters(items, json_fields, "No saved filters. Add one: behflow filter add NAME QUERY")


@app.command()
def show(name: str, json_fields: str | None = JsonOption) -> None:
    """One saved filter's query."""
    with _client() as api:
        saved = api.request("GET", path(name))
    if json_fields is not None:
        output.Output("json", json_fields or None, FILTER_FIELDS).record(saved, FILTER_FIELDS)
        return
    output.write(saved["query"])


@app.command()
def run(name: str) -> None:
    """List the tasks a saved filter matches (as `behflow task list --filter NAME`)."""
    from behflow_cli.commands import task

    task.list_(
        words=[],
        saved=name,
        status=[],
        priority=None,
        tag=[],
        project=None,
        due=None,
        search=None,
        all_=False,
        sort=None,
        limit=100,
        fmt=None,
        json_fields=None,
    )


@app.command()
def remove(name: str) -> None:
    """Delete a saved filter (if it is the active context, the context goes off)."""
    with _client() as api:
        api.request("DELETE", path(name))
    output.info(f"removed filter {name}")
