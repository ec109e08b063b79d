"""The task list: a DataTable of number, status, priority, title, tags and relative due date."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable

from behflow_cli.output import PRIORITY_MARKS, STATUS_MARKS, parse_time, relative_due

Task = dict[str, Any]
COLUMNS = (
    ("#", "number"),
    ("St", "status"),
    ("Pri", "priority"),
    ("Title", "title"),
    ("Tags", "tags"),
    ("Due", "due"),
)
# Columns the server sorts by; the others are sorted here, in the table.
SERVER_SORTS = {"number": "number", "priority": "priority", "title": "title", "due": "due"}
# Everything but the title: 6 columns of cell padding, #, St, Pri, Tags, Due and a scrollbar.
FIXED_WIDTH = 12 + 3 + 2 + 3 + 14 + 14 + 2


class TaskTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = []

    class SortRequested(Message):
        """A column header was chosen: sort by that column."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(self, clock: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.clock = clock
        self.tasks: list[Task] = []
        self.highlighted: set[int] = set()

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def show(self, tasks: Iterable[Task], highlight: Iterable[int] = ()) -> None:
        """Replace the rows, keeping the cursor on the same task when it is still listed."""
        current = self.selected_task()
        self.tasks = list(tasks)
        self.highlighted = set(highlight)
        self._render_rows()
        numbers = [task["number"] for task in self.tasks]
        target = current["number"] if current and current["number"] in numbers else None
        if self.highlighted & set(numbers):
            target = next(n for n in numbers if n in self.highlighted)
        if target is not None:
            self.move_cursor(row=numbers.index(target), animate=False)

    def _render_rows(self) -> None:
        self.clear()
        width = max(12, self.size.width - FIXED_WIDTH) if self.size.width else 40
        for task in self.tasks:
            self.add_row(*self._cells(task, width), key=str(task["number"]))

    def on_resize(self) -> None:
        if self.tasks:
            self.show(self.tasks, self.highlighted)

    def selected_task(self) -> Task | None:
        if not self.tasks or self.cursor_row < 0 or self.cursor_row >= len(self.tasks):
            return None
        key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        return next((t for t in self.tasks if str(t["number"]) == key), None)

    def sort_locally(self, column: str, reverse: bool) -> None:
        order = {"status": lambda t: t["status"], "tags": lambda t: " ".join(t.get("tags") or [])}
        self.tasks.sort(key=order[column], reverse=reverse)
        self._render_rows()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.post_message(self.SortRequested(str(event.column_key.value)))

    def _cells(self, task: Task, title_width: int) -> list[Text]:
        theme = self.app.current_theme
        done = task["status"] == "completed"
        mark, _ = STATUS_MARKS.get(task["status"], ("?", ""))
        status_style = {
            "in_progress": theme.accent or theme.primary,
            "blocked": theme.error,
            "completed": theme.success,
        }.get(task["status"], "")
        pri, _ = PRIORITY_MARKS.get(task["priority"], ("", ""))
        pri_style = {
            "urgent": f"bold {theme.error}",
            "high": f"bold {theme.warning}",
            "medium": theme.warning or "",
            "low": theme.secondary or "",
        }.get(task["priority"], "")
        title = task["title"]
        if len(title) > title_width:
            title = title[: title_width - 1] + "…"
        title_style = "strike dim" if done else ""
        due_text, due_kind = "", ""
        if task.get("due_at"):
            if done or task.get("archived_at"):
                due = parse_time(task["due_at"])
                due_text = due.astimezone().strftime("%Y-%m-%d") if due else ""
            else:
                due_text, due_kind = relative_due(task["due_at"], now=self.clock())
        due_style = {
            "bold red": f"bold {theme.error}",
            "bold yellow": f"bold {theme.warning}",
            "yellow": theme.warning or "",
        }.get(due_kind, "dim" if done else "")
        number_style = (
            f"bold reverse {theme.accent}" if task["number"] in self.highlighted else "bold"
        )
        tags = " ".join("#" + tag for tag in task.get("tags") or [])
        return [
            Text(str(task["number"]), style=number_style, justify="right"),
            Text(mark, style=status_style or ""),
            Text(pri, style=pri_style),
            Text(title, style=title_style),
            Text(tags[:14], style=theme.secondary or ""),
            Text(due_text[:14], style=due_style),
        ]
