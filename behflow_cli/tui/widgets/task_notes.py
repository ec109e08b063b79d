"""The selected task's notes under the detail line: each note's time and its Markdown, drawn
by Textual's Markdown widget (links are not followed; raw HTML is shown as text)."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import Markdown

from behflow_cli.commands.task_notes import short_id, when

Note = dict[str, Any]


def notes_markdown(number: int, notes: list[Note]) -> str:
    """One Markdown document: a line per note (short id, local time, how long ago), its text."""
    if not notes:
        return f"*No notes on #{number}* · N adds one"
    parts = []
    for note in notes:
        parts.append(f"**{short_id(note)}** · {when(note)}\n\n{note['body']}")
    return "\n\n---\n\n".join(parts)


class TaskNotes(VerticalScroll, can_focus=False):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.number: int | None = None
        self.notes: list[Note] = []

    def compose(self) -> Any:
        yield Markdown("", open_links=False)

    def show(self, number: int | None, notes: list[Note]) -> None:
        self.number, self.notes = number, notes
        self.display = number is not None
        if number is not None:
            self.query_one(Markdown).update(notes_markdown(number, notes))
