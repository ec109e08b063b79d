"""One line under the list about the selected task: its due date in full, whether automation
moved it (and the key that puts it back), how it repeats, its tags and project."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from behflow_cli import dates
from behflow_cli.output import day_and_time
from behflow_cli.tui.format import due_label, moved_from, recurrence_words

Task = dict[str, Any]


class TaskDetail(Static):
    current: reactive[Task | None] = reactive(None, always_update=True)

    def __init__(
        self, clock: Callable[[], datetime], zone: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.zone = zone

    def render(self) -> Text:
        task = self.current
        theme = self.app.current_theme
        text = Text(no_wrap=True, overflow="ellipsis")
        if task is None:
            text.append("No task selected · a adds one · ? shows the keys", style="dim")
            return text
        text.append(f"#{task['number']} ", style="bold")
        if task.get("due_at"):
            label, _ = due_label(task, self.clock(), self.zone)
            all_day = dates.is_all_day(task["due_at"], self.zone)
            text.append(f"due {day_and_time(task['due_at'], with_time=not all_day)}")
            if label and task["status"] != "completed":
                text.append(f" ({label})", style="dim")
        else:
            text.append("no due date", style="dim")
        moved = moved_from(task, self.zone)
        if moved:
            text.append(f" · {moved}", style=f"bold {theme.warning}")
            text.append(" (m puts it back)", style="dim")
        if task.get("recurrence"):
            text.append(f" · ↻ {recurrence_words(task)}")
        if task.get("project"):
            text.append(f" · project {task['project']}")
        return text
