"""Every HTTP call the TUI makes, in one place: each returns what the screen shows next and,
for changes, how to undo them. They run in worker threads (never on the UI's event loop).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from behflow_cli.client import ApiError, BehflowClient
from behflow_cli.tui.undo import Inverse

Task = dict[str, Any]
LIST_LIMIT = 500


@dataclass
class Applied:
    """A change the server made: the task as it is now and what puts it back."""

    task: Task
    verb: str  # "Completed", shown as "Completed #3 Buy milk"
    inverse: Inverse | None


def load(client: BehflowClient, params: dict[str, Any]) -> tuple[list[Task], int]:
    page = client.list_tasks(**params, limit=LIST_LIMIT)
    return [dict(task) for task in page["items"]], page["total"]


def active_context(client: BehflowClient) -> str | None:
    """The name of the context that scopes the list (docs/filters.md), or None."""
    name: str | None = client.request("GET", "/api/v1/context")["name"]
    return name


def saved_filters(client: BehflowClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.request("GET", "/api/v1/filters")["items"]
    return items


def add(client: BehflowClient, text: str) -> Applied:
    try:
        created = client.quick_add(text)
    except ApiError as exc:  # the text goes back to the box, to fix rather than retype
        raise Failed("Add", exc.message, exc.status, typed=text) from exc
    number = created["number"]
    return Applied(dict(created), "Added", lambda: client.delete_task(number))


def _put_status_back(client: BehflowClient, number: int, before: str) -> Any:
    """Undo a status change: reopening is its own call; other states are a PATCH."""
    if before == "completed":
        return client.complete_task(number)
    current: Task = dict(client.get_task(number))
    if current["status"] == "completed":
        current = dict(client.reopen_task(number))
    if current["status"] != before:
        current = dict(client.update_task(number, status=before))
    return current


def set_status(client: BehflowClient, number: int, status: str, verb: str) -> Applied:
    # The row may be a moment old: undo must restore what the server had.
    before = client.get_task(number)["status"]
    if status == "completed":
        task = dict(client.complete_task(number))
    elif status == "not_started" and before == "completed":
        task = dict(client.reopen_task(number))
    else:
        task = dict(client.update_task(number, status=status))
    return Applied(task, verb, lambda: _put_status_back(client, number, before))


def delete(client: BehflowClient, task: Task) -> Applied:
    number = task["number"]
    client.delete_task(number)
    return Applied(task, "Deleted", lambda: client.restore_task(number))


def restore_due(client: BehflowClient, number: int) -> Applied:
    moved_to = client.get_task(number)["due_at"]
    task = dict(client.restore_due(number))
    # The "moved" mark cannot come back, the date the automation chose can.
    return Applied(
        task, "Due date put back for", lambda: client.update_task(number, due_at=moved_to)
    )


def edit(client: BehflowClient, number: int, changes: dict[str, Any]) -> Applied:
    """Changes from the edit form; None clears a field ("due" is a phrase the server reads)."""
    clear = ["due_at" if name == "due" else name for name, v in changes.items() if v is None]
    fields = {name: value for name, value in changes.items() if value is not None}
    names = {"due_at" if name == "due" else name for name in (*fields, *clear)}
    current = client.get_task(number)
    previous = {name: current.get(name) for name in names}
    task = dict(client.update_task(number, **fields, clear=clear))

    def undo() -> Any:
        return client.update_task(
            number,
            **{k: v for k, v in previous.items() if v is not None},
            clear=[k for k, v in previous.items() if v is None],
        )

    return Applied(task, "Saved", undo)


class Failed(Exception):
    """A worker's request did not succeed: what was being done and the server's reason."""

    def __init__(self, label: str, message: str, status: int, typed: str | None = None) -> None:
        super().__init__(f"{label}: {message}")
        self.label = label
        self.message = message
        self.status = status
        self.typed = typed  # what the user had typed for it, when there is a box to put it back


@contextmanager
def failing_as(label: str) -> Iterator[None]:
    """Turn anything a request throws into Failed(label, ...) for the screen's one handler."""
    try:
        yield
    except Failed:
        raise
    except ApiError as exc:
        raise Failed(label, exc.message, exc.status) from exc
    except Exception as exc:  # the UI must survive anything a request throws
        raise Failed(label, str(exc) or type(exc).__name__, 0) from exc
