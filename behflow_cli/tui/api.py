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


def notes(client: BehflowClient, number: int) -> list[Task]:
    return [dict(note) for note in client.list_notes(number)]


def add_note(client: BehflowClient, task: Task, body: str) -> Applied:
    number = task["number"]
    note = client.add_note(number, body)
    return Applied(task, "Added a note to", lambda: client.delete_note(number, note["id"]))


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


def set_status(
    client: BehflowClient, number: int, status: str, verb: str, subtasks: str | None = None
) -> Applied:
    """`subtasks` (complete | leave) for a parent with open subtasks; undo reopens the
    subtasks completing it completed too."""
    # The row may be a moment old: undo must restore what the server had.
    before = client.get_task(number)["status"]
    also: list[int] = []
    if status == "completed" and subtasks == "complete":
        tree = client.task_tree(number)  # open tasks of the subtree, as the server has them
        also = [item["number"] for item in tree["items"] if item["number"] != number]
    if status == "completed":
        task = dict(client.complete_task(number, subtasks=subtasks))
    elif status == "not_started" and before == "completed":
        task = dict(client.reopen_task(number))
    else:
        task = dict(client.update_task(number, status=status))

    def undo() -> Any:
        for sub in also:
            client.reopen_task(sub)
        return _put_status_back(client, number, before)

    return Applied(task, verb, undo)


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


def _rule(client: BehflowClient, words: str) -> str:
    """The RRULE for the form's repeat words, read by the server's grammar (as `--every`)."""
    text = words if words.lower().startswith(("every", "on ")) else f"every {words}"
    rule = client.quick_preview(f"x {text}").get("recurrence")
    if not rule:
        raise Failed(
            "Edit", f"Cannot read {words!r} as a repeat; try 'every 3 days after done'.", 422
        )
    return str(rule)


def edit(client: BehflowClient, number: int, changes: dict[str, Any]) -> Applied:
    """Changes from the edit form; None clears a field ("due" is a phrase the server reads,
    "repeat" words such as "every 2 weeks after done")."""
    if "repeat" in changes:
        words = changes.pop("repeat")
        changes = {**changes, "recurrence": _rule(client, words) if words else None}
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


@dataclass
class Reverted:
    """What the server's undo (or redo) reverted: said as "Undid completed #3 Buy milk"."""

    summary: str
    origin: str  # the client that had made the change
    number: int | None


class Conflict(Exception):
    """The change to undo was overwritten since: the server's message, and which changeset."""

    def __init__(self, message: str, changeset: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.changeset = changeset


def undo(
    client: BehflowClient, *, redo: bool = False, changeset: str | None = None, force: bool = False
) -> Reverted:
    """The server's history undo/redo: it reverts the user's last change from any client."""
    try:
        result = client.undo(redo=redo, changeset=changeset, force=force)
    except ApiError as exc:
        if exc.code != "history_conflict":
            raise
        target = exc.details.get("changeset") if isinstance(exc.details, dict) else None
        raise Conflict(exc.message, target) from exc
    from behflow_cli.commands.history import origin

    done = result["original"]
    numbers = [c["number"] for c in done["changes"] if c.get("number") is not None]
    return Reverted(
        done["summary"].removeprefix("redo: "),
        origin(done["client"]),
        numbers[0] if numbers else None,
    )


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
    except (Failed, Conflict):
        raise
    except ApiError as exc:
        raise Failed(label, exc.message, exc.status) from exc
    except Exception as exc:  # the UI must survive anything a request throws
        raise Failed(label, str(exc) or type(exc).__name__, 0) from exc
