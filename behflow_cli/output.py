"""Output for people (a rich table on a terminal) and for pipes (plain, tsv, json, ndjson).

`rich` is imported only when a table is drawn: pipes and scripts never pay for it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from behflow_cli import dates
from behflow_cli.errors import usage

FORMATS = ("table", "plain", "tsv", "json", "ndjson")

STATUS_MARKS = {
    "not_started": ("○", "white"),
    "in_progress": ("◐", "cyan"),
    "blocked": ("⊘", "red"),
    "completed": ("✓", "green"),
    "deleted": ("✗", "dim"),
}
REPEATS_MARK = "↻"
PRIORITY_MARKS = {
    "urgent": ("!!!", "bold red"),
    "high": ("!!", "red"),
    "medium": ("!", "yellow"),
    "low": ("·", "blue"),
    "none": ("", ""),
}


class Output:
    """The chosen format and, for machine formats, the fields to print."""

    def __init__(self, fmt: str | None, json_fields: str | None, fields: Sequence[str]) -> None:
        self.available = tuple(fields)
        if fmt is not None and fmt not in FORMATS:
            raise usage(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.selected: tuple[str, ...] | None = None
        if json_fields is not None:
            names = [name.strip() for name in json_fields.split(",") if name.strip()]
            unknown = [name for name in names if name not in self.available]
            if unknown:
                import difflib

                close = difflib.get_close_matches(unknown[0], self.available, n=1)
                hint = f" Did you mean {close[0]}?" if close else ""
                raise usage(
                    f"unknown field {unknown[0]!r} for --json.{hint} Available: "
                    + ",".join(self.available)
                )
            self.selected = tuple(names) or None
            fmt = fmt or "json"
        self.format = fmt or ("table" if stdout_is_tty() else "plain")

    @property
    def human(self) -> bool:
        return self.format == "table"

    def fields(self, default: Sequence[str]) -> Sequence[str]:
        if self.selected:
            return self.selected
        return self.available if self.format in ("json", "ndjson") else default

    def records(self, rows: Sequence[Mapping[str, Any]], default_columns: Sequence[str]) -> None:
        """Print rows in a machine format (the caller draws tables itself)."""
        names = self.fields(default_columns)
        picked = [{name: row.get(name) for name in names} for row in rows]
        if self.format == "json":
            write(json.dumps(picked, indent=2, ensure_ascii=False))
        elif self.format == "ndjson":
            for row in picked:
                write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        elif self.format == "tsv":
            write("\t".join(names))
            for row in picked:
                write("\t".join(_tsv_cell(row[name]) for name in names))
        else:
            for row in picked:
                write("\t".join(_plain_cell(row[name]) for name in names))

    def record(self, row: Mapping[str, Any], default_fields: Sequence[str]) -> None:
        """Print one object: json as an object, plain as `field<TAB>value` lines."""
        names = self.fields(default_fields)
        picked = {name: row.get(name) for name in names}
        if self.format == "json":
            write(json.dumps(picked, indent=2, ensure_ascii=False))
        elif self.format == "ndjson":
            write(json.dumps(picked, ensure_ascii=False, separators=(",", ":")))
        elif self.format == "tsv":
            write("\t".join(names))
            write("\t".join(_tsv_cell(picked[name]) for name in names))
        else:
            for name in names:
                write(f"{name}\t{_plain_cell(picked[name])}")


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def write(line: str) -> None:
    sys.stdout.write(line + "\n")


def info(message: str) -> None:
    """A note for people: stderr, so pipes stay clean."""
    sys.stderr.write(message + "\n")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _plain_cell(value: Any) -> str:
    return re.sub(r"[\t\r\n]+", " ", _text(value))


def _tsv_cell(value: Any) -> str:
    text = _text(value).replace("\\", "\\\\")
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# Human rendering -----------------------------------------------------------------------------
def parse_time(value: str | None) -> datetime | None:
    return dates.parse_time(value)


def relative_due(value: str | None, now: datetime | None = None) -> tuple[str, str]:
    """("tomorrow", style) or ("overdue 3 h", "bold red"): dates.relative_due and its style."""
    label = dates.relative_due(value, now=now)
    return label, dates.due_style(label)


def local_time(value: str | None) -> str:
    moment = parse_time(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z") if moment else ""


def day_and_time(value: str | None, *, with_time: bool = True) -> str:
    """A time as people read it, in the local zone: "Tue 1 Dec 2026 17:00"."""
    moment = parse_time(value)
    if moment is None:
        return ""
    local = moment.astimezone()
    day = f"{local:%a} {local.day} {local:%b %Y}"
    return f"{day} {local:%H:%M}" if with_time else day


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    # Rich honours NO_COLOR itself; highlight=False keeps numbers in titles uncoloured.
    return Console(stderr=stderr, highlight=False, no_color="NO_COLOR" in os.environ or None)


def status_word(task: Mapping[str, Any]) -> str:
    """The status as people read it; a deleted (archived) task is "deleted", not "open"."""
    if task.get("archived_at"):
        return "deleted"
    return str(task["status"]).replace("_", " ")


def shown_status(task: Mapping[str, Any]) -> dict[str, Any]:
    """The task with `status` as shown in plain and tsv listings ("deleted" when archived)."""
    return {**task, "status": "deleted"} if task.get("archived_at") else dict(task)


def due_cell(task: Mapping[str, Any]) -> tuple[str, str]:
    """The Due column: relative while open, the day once done or deleted; "moved from 20 Nov"
    when automation moved it."""
    if task["status"] == "completed" or task.get("archived_at"):
        text, style = dates.short_day(task.get("due_at")), "dim"
    else:
        text, style = relative_due(task.get("due_at"))
    moved = dates.moved_from(dict(task))
    return (f"{text} ({moved})" if moved else text), style


def progress(task: Mapping[str, Any]) -> str:
    """ "2/5": done of direct subtasks; empty for a task without subtasks."""
    counts = task.get("subtasks") or {}
    total = int(counts.get("total") or 0)
    return f"{int(counts.get('done') or 0)}/{total}" if total else ""


def nested(tasks: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], int]]:
    """Each task with its depth: a subtask listed together with its parent goes right under
    it (the parent's place in the order), the others keep theirs."""
    listed = {task["number"] for task in tasks}
    children: dict[int, list[Mapping[str, Any]]] = {}
    roots: list[Mapping[str, Any]] = []
    for task in tasks:
        parent = task.get("parent")
        if isinstance(parent, int) and parent in listed and parent != task["number"]:
            children.setdefault(parent, []).append(task)
        else:
            roots.append(task)
    result: list[tuple[Mapping[str, Any], int]] = []
    seen: set[int] = set()

    def walk(task: Mapping[str, Any], depth: int) -> None:
        if task["number"] in seen:
            return
        seen.add(task["number"])
        result.append((task, depth))
        for child in children.get(task["number"], []):
            walk(child, depth + 1)

    for task in roots:
        walk(task, 0)
    result.extend((task, 0) for task in tasks if task["number"] not in seen)
    return result


def task_table(
    tasks: Iterable[Mapping[str, Any]], *, total: int | None = None, empty: str | None = None
) -> None:
    from rich.table import Table

    rows = list(tasks)
    out = console()
    if not rows:
        out.print(empty or "No tasks.")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", style="bold")
    table.add_column("St")
    table.add_column("Pri")
    table.add_column("Title", overflow="fold")
    table.add_column("Due")
    table.add_column("Tags", style="magenta")
    table.add_column("Project", style="cyan")
    for task, depth in nested(rows):
        deleted = bool(task.get("archived_at"))
        mark, mark_style = STATUS_MARKS.get("deleted" if deleted else task["status"], ("?", ""))
        pri, pri_style = PRIORITY_MARKS.get(task["priority"], ("", ""))
        due_text, due_style = due_cell(task)
        title_style = "dim strike" if task["status"] == "completed" or deleted else ""
        title = _escape(task["title"])
        if task.get("recurrence"):
            title += f" [dim]{REPEATS_MARK}[/]"
        if progress(task):
            title += f" [dim]{progress(task)}[/]"
        title = "  " * depth + title
        table.add_row(
            str(task["number"]),
            f"[{mark_style}]{mark}[/]" if mark_style else mark,
            f"[{pri_style}]{pri}[/]" if pri_style else pri,
            f"[{title_style}]{title}[/]" if title_style else title,
            f"[{due_style}]{due_text}[/]" if due_style else due_text,
            " ".join("#" + t for t in task.get("tags") or []),
            task.get("project") or "",
        )
    out.print(table)
    if total is not None and total > len(rows):
        out.print(f"[dim]{len(rows)} of {total} tasks shown; use --limit to see more[/]")


def key_value_table(pairs: Sequence[tuple[str, str]], title: str | None = None) -> None:
    from rich.table import Table

    table = Table(box=None, show_header=False, pad_edge=False, title=title, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in pairs:
        table.add_row(key, _escape(value))
    console().print(table)


def task_details(task: Mapping[str, Any]) -> None:
    deleted = bool(task.get("archived_at"))
    mark, _ = STATUS_MARKS.get("deleted" if deleted else task["status"], ("?", ""))
    due_text = dates.relative_due(task.get("due_at"))
    due = day_and_time(task.get("due_at"), with_time=not dates.is_all_day(task.get("due_at")))
    moved = dates.moved_from(dict(task))
    if moved and task.get("due_moved_by"):
        moved += f" by {task['due_moved_by']}; `behflow task restore-due {task['number']}`"
    due_line = f"{due} ({due_text})" if due else ""
    if due_line and moved:
        due_line += f", {moved}"
    pairs = [
        ("Status", f"{mark} {status_word(task)}"),
        ("Priority", task["priority"]),
        ("Due", due_line),
        ("Ends", local_time(task.get("ends_at"))),
        ("Repeats", dates.repeats(task)),
        ("Tags", " ".join("#" + t for t in task.get("tags") or [])),
        ("Project", task.get("project") or ""),
        ("Parent", f"#{task['parent']}" if task.get("parent") else ""),
        ("Subtasks", f"{progress(task)} done" if progress(task) else ""),
        ("Remind", local_time(task.get("remind_at"))),
        ("Created", local_time(task.get("created_at"))),
        ("Updated", local_time(task.get("updated_at"))),
        ("Completed", local_time(task.get("completed_at"))),
        ("Deleted", local_time(task.get("archived_at"))),
        ("Description", task.get("description") or ""),
    ]
    key_value_table(
        [(k, v) for k, v in pairs if v], title=f"#{task['number']} {_escape(task['title'])}"
    )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
