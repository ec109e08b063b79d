"""The edit form: title, notes, due, repeats, priority, status, tags and project of one task."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from behflow_cli.output import parse_time
from behflow_cli.tui.format import moved_from, recurrence_words

PRIORITIES = ("none", "low", "medium", "high", "urgent")
STATUSES = ("not_started", "in_progress", "blocked", "completed")


def local_due(value: str | None) -> str:
    moment = parse_time(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


class EditScreen(ModalScreen[dict[str, Any] | None]):
    """Dismisses with the changed fields only (an empty dict: nothing changed), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, task: dict[str, Any], zone: str | None = None) -> None:
        super().__init__()
        self.task_data = task
        self.zone = zone

    def compose(self) -> ComposeResult:
        task = self.task_data
        with Vertical(classes="dialog edit"):
            yield Label(f"Edit #{task['number']}  (Ctrl+S saves, Escape cancels)", classes="title")
            with Grid(classes="fields"):
                yield Label("Title")
                yield Input(task["title"], id="title", max_length=500, compact=True)
                yield Label("Notes")
                yield Input(
                    task.get("description") or "",
                    id="description",
                    max_length=20000,
                    placeholder="(none)",
                    compact=True,
                )
                yield Label("Due")
                yield Input(
                    local_due(task.get("due_at")),
                    id="due",
                    max_length=200,
                    placeholder="tomorrow 5pm, 2026-12-01 (empty: none)",
                    compact=True,
                )
                yield Label("Repeats")
                yield Input(
                    recurrence_words(task),
                    id="repeat",
                    max_length=200,
                    placeholder="every 3 days after done, every last friday (empty: no repeat)",
                    compact=True,
                )
                yield Label("Priority")
                yield Select(
                    [(p, p) for p in PRIORITIES],
                    value=task["priority"],
                    allow_blank=False,
                    id="priority",
                    compact=True,
                )
                yield Label("Status")
                yield Select(
                    [(s.replace("_", " "), s) for s in STATUSES],
                    value=task["status"],
                    allow_blank=False,
                    id="status",
                    compact=True,
                )
                yield Label("Tags")
                yield Input(
                    " ".join(task.get("tags") or []),
                    id="tags",
                    placeholder="none (separate tags with spaces)",
                    compact=True,
                )
                yield Label("Project")
                yield Input(
                    task.get("project") or "", id="project", placeholder="(none)", compact=True
                )
            if task.get("recurrence") or task.get("original_due_at"):
                yield Static(self.dates_note(), classes="note")
            yield Static("", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def dates_note(self) -> Text:
        task = self.task_data
        note = Text()
        if task.get("recurrence"):
            note.append(f"↻ Repeats {recurrence_words(task)}")
        moved = moved_from(task, self.zone)
        if moved:
            note.append("  " if note else "")
            note.append(f"Due date {moved} by automation (m in the list puts it back)")
        return note

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def changes(self) -> dict[str, Any]:
        task = self.task_data
        value = {
            name: self.query_one(f"#{name}", Input).value.strip()
            for name in ("title", "description", "due", "repeat", "tags", "project")
        }
        changes: dict[str, Any] = {}
        if value["title"] != task["title"]:
            changes["title"] = value["title"]
        if value["description"] != (task.get("description") or ""):
            changes["description"] = value["description"] or None
        if value["due"] != local_due(task.get("due_at")):
            changes["due"] = value["due"] or None
        if value["repeat"] != recurrence_words(task):
            changes["repeat"] = value["repeat"] or None  # words the server reads (tui/api.py)
        tags = value["tags"].replace(",", " ").split()
        if tags != list(task.get("tags") or []):
            changes["tags"] = tags
        if value["project"] != (task.get("project") or ""):
            changes["project"] = value["project"] or None
        for name in ("priority", "status"):
            selected = self.query_one(f"#{name}", Select).value
            if selected != task[name]:
                changes[name] = selected
        return changes

    def action_save(self) -> None:
        if not self.query_one("#title", Input).value.strip():
            self.query_one("#form-error", Static).update("A task needs a title.")
            self.query_one("#title", Input).focus()
            return
        self.dismiss(self.changes())

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
