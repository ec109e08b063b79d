"""`behflow context [NAME|none|list|define NAME QUERY|show]`: the saved filter that scopes every
read and gives new tasks its project and tags, as Taskwarrior's contexts (docs/filters.md)."""

from __future__ import annotations

from typing import Any

import typer

from behflow_cli import output
from behflow_cli.commands.common import JsonOption
from behflow_cli.commands.filters import FILTERS, path, show_filters
from behflow_cli.commands.filtertext import filter_errors
from behflow_cli.errors import usage

CONTEXT = "/api/v1/context"
STATE_FIELDS = ("name", "query", "project", "tags")
VERBS = ("list", "define", "show", "none", "delete")

app = typer.Typer(add_completion=False)


@app.callback()
def _group() -> None:
    """The command is shown at the top level (main.py COMMANDS)."""


def _client() -> Any:
    from behflow_cli.session import client

    return client()


def _show_state(state: dict[str, Any], json_fields: str | None) -> None:
    if json_fields is not None:
        output.Output("json", json_fields or None, STATE_FIELDS).record(state, STATE_FIELDS)
        return
    if state["name"] is None:
        output.write("No context is active.")
        return
    output.write(f"{state['name']}: {state['query']}")
    defaults = [f"project:{state['project']}"] if state["project"] else []
    defaults += [f"+{tag}" for tag in state["tags"]]
    if defaults:
        output.info(f"new tasks get {' '.join(defaults)}")


@app.command(
    context_settings={"allow_extra_args": False},
    help="Show the active context; `context NAME` switches to a saved filter, `context none` "
    "switches it off, `context list` lists contexts, `context define NAME QUERY` saves one.",
)
def context(
    verb: str | None = typer.Argument(None, metavar="[NAME|none|list|define|show]"),
    args: list[str] | None = typer.Argument(None, metavar="[NAME QUERY...]"),
    json_fields: str | None = JsonOption,
) -> None:
    """Taskwarrior's verbs: behflow context work; behflow context none; behflow context."""
    rest = args or []
    with _client() as api:
        if verb is None or verb == "show":
            _show_state(api.request("GET", CONTEXT), json_fields)
        elif verb in ("none", "off"):
            api.request("DELETE", CONTEXT)
            output.info("context off: reads show every task")
        elif verb == "list":
            items = api.request("GET", FILTERS, params={"context": "true"})["items"]
            active = api.request("GET", CONTEXT)["name"]
            if active and active not in [item["name"] for item in items]:
                items.append(api.request("GET", path(active)))
            show_filters(
                items, json_fields, "No contexts. Define one: behflow context define NAME QUERY"
            )
        elif verb == "define":
            if len(rest) < 2:
                raise usage("context define NAME QUERY: give a name and a filter")
            name, text = rest[0], " ".join(rest[1:])
            with filter_errors(text):
                api.request("POST", FILTERS, json={"name": name, "query": text, "context": True})
            output.info(
                f"defined context {name.lower()}: {text} (switch to it: behflow context {name})"
            )
        elif verb == "delete":
            if len(rest) != 1:
                raise usage("context delete NAME")
            api.request("DELETE", path(rest[0]))
            output.info(f"deleted context {rest[0]}")
        else:
            if rest:
                raise usage(f"context {verb}: unexpected {' '.join(rest)!r}")
            _show_state(api.request("PUT", CONTEXT, json={"name": verb}), json_fields)
