"""The task list: a DataTable of number, status, priority, title, tags and relative due date."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from behflow_cli.output import PRIORITY_MARKS, STATUS_MARKS, nested, progress
from behflow_cli.tui.format import due_label, moved_from

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
TAGS_WIDTH = 18
MIN_TITLE = 12
RECURRING = "↻ "


class TaskTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = []

    class SortRequested(Message):
        """A column header was chosen: sort by that column."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(
        self, clock: Callable[[], datetime], zone: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.clock = clock
        self.zone = zone  # the viewer's time zone for "today"/"tomorrow" (None: the system's)
        self.tasks: list[Task] = []
        # How deep each listed task sits under a listed parent (subtasks go under it).
        self.depths: dict[int, int] = {}
        self.highlighted: set[int] = set()
        self._width = 0

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def show(
        self, tasks: Iterable[Task], highlight: Iterable[int] = (), focus: int | None = None
    ) -> None:
        """Replace the rows. The cursor goes to `focus` (a task the user just added or brought
        back) when listed, else stays on the same task, else on the same row (the next task:
        after a delete it does not jump to the top). Changes from elsewhere only highlight."""
        current = self.selected_task()
        row = self.cursor_row
        ordered = nested(list(tasks))
        self.tasks = [dict(task) for task, _ in ordered]
        self.depths = {task["number"]: depth for task, depth in ordered}
        self.highlighted = set(highlight)
        self._render_rows()
        numbers = [task["number"] for task in self.tasks]
        if not numbers:
            return
        if focus is not None and focus in numbers:
            row = numbers.index(focus)
        elif current is not None and current["number"] in numbers:
            row = numbers.index(current["number"])
        self.move_cursor(row=max(0, min(row, len(numbers) - 1)), animate=False)

    def _render_rows(self) -> None:
        self._width = self.size.width
        # Columns too: a column keeps the width of its widest cell ever, so a narrower
        # terminal would otherwise scroll sideways.
        self.clear(columns=True)
        self._add_columns()
        rows = [self._cells(task) for task in self.tasks]
        width = self._title_width(rows)
        for task, cells in zip(self.tasks, rows, strict=True):
            title = cells[3]
            if title.cell_len > width:
                title.truncate(width, overflow="ellipsis")
            self.add_row(*cells, key=str(task["number"]))

    def _title_width(self, rows: list[list[Text]]) -> int:
        """The room the Title column has: the width left by the other columns, so titles are
        cut only when they do not fit (and then end in "…")."""
        if not self.size.width:
            return 10_000  # not laid out yet: a resize renders again
        others = 0
        for index, (label, _) in enumerate(COLUMNS):
            if index == 3:
                continue
            others += max([len(label), *(cells[index].cell_len for cells in rows)])
        padding = 2 * self.cell_padding * len(COLUMNS)
        scrollbar = self.scrollbar_size_vertical if len(rows) > self.size.height - 1 else 0
        return max(MIN_TITLE, self.size.width - others - padding - scrollbar)

    def on_resize(self) -> None:
        if self.tasks and self.size.width != self._width:
            self.show(self.tasks, self.highlighted)

    def selected_task(self) -> Task | None:
        if not self.tasks or self.cursor_row < 0 or self.cursor_row >= len(self.tasks):
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return next((t for t in self.tasks if str(t["number"]) == key), None)

    def sort_locally(self, column: str, reverse: bool) -> None:
        order = {"status": lambda t: t["status"], "tags": lambda t: " ".join(t.get("tags") or [])}
        self.tasks.sort(key=order[column], reverse=reverse)
        self._render_rows()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.post_message(self.SortRequested(str(event.column_key.value)))

    def _cells(self, task: Task) -> list[Text]:
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
        title = Text("  " * self.depths.get(task["number"], 0), no_wrap=True)
        if task.get("recurrence"):
            title.append(RECURRING, style=theme.secondary or "")
        title.append(task["title"], style="strike dim" if done else "")
        if progress(task):
            title.append(f" {progress(task)}", style=theme.secondary or "")
        due_text, due_kind = due_label(task, self.clock(), self.zone)
        due_style = {
            "overdue": f"bold {theme.error}",
            "now": f"bold {theme.warning}",
            "soon": theme.warning or "",
            "past": "dim",
        }.get(due_kind, "")
        due = Text(due_text, style=due_style)
        moved = moved_from(task, self.zone)
        if moved:
            due.append(f" · {moved}", style=f"italic {theme.warning}")
        number_style = (
            f"bold reverse {theme.accent}" if task["number"] in self.highlighted else "bold"
        )
        tags = Text(" ".join("#" + t for t in task.get("tags") or []), style=theme.secondary or "")
        tags.truncate(TAGS_WIDTH, overflow="ellipsis")
        return [
            Text(str(task["number"]), style=number_style, justify="right"),
            Text(mark, style=status_style or ""),
            Text(pri, style=pri_style),
            title,
            tags,
            due,
        ]
