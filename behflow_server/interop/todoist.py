"""Todoist's CSV project template (Settings > Templates, or a project's "Export as template").

Columns: TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE, DATE, DATE_LANG,
TIMEZONE (newer files add DURATION, DURATION_UNIT, DEADLINE, DEADLINE_LANG). Rows of TYPE
`task` are tasks, `section` rows name the project of the tasks below them, `note` rows add to
the notes of the task above; `meta` rows and blank separator rows are skipped. PRIORITY counts
the other way from the app: 4 is p1 (urgent), 3 p2 (high), 2 p3 (medium), 1 p4 (none). DATE is
Todoist's own phrase ("tomorrow 5pm", "every monday"), read by Behflow's date grammar in the
user's time zone; `@label` words in CONTENT become tags. A template carries no ids, so every
import creates new tasks, and only open tasks are written (a template has no done state).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from behflow_server.errors import InvalidInput
from behflow_server.interop.csvfile import rows
from behflow_server.interop.records import ImportRecord, bad_line, is_all_day
from behflow_server.tasks import quickadd
from behflow_server.tasks.models import TaskPriority, TaskPublic, TaskStatus

FORMAT = "todoist"
COLUMNS = (
    "TYPE",
    "CONTENT",
    "DESCRIPTION",
    "PRIORITY",
    "INDENT",
    "AUTHOR",
    "RESPONSIBLE",
    "DATE",
    "DATE_LANG",
    "TIMEZONE",
    "DURATION",
    "DURATION_UNIT",
    "DEADLINE",
    "DEADLINE_LANG",
)
FIELDS = frozenset({"title", "description", "priority", "due_at", "tags", "project", "recurrence"})
_PRIORITY = {
    "4": TaskPriority.urgent,
    "3": TaskPriority.high,
    "2": TaskPriority.medium,
    "1": TaskPriority.none,
}
_NUMBER = {
    TaskPriority.urgent: 4,
    TaskPriority.high: 3,
    TaskPriority.medium: 2,
    TaskPriority.low: 1,
    TaskPriority.none: 1,
}
_EVERY = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_DAYS = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday", "FR": "friday"}
_DAYS |= {"SA": "saturday", "SU": "sunday"}


_STARTING = re.compile(r"\s+(?:starting|from)\s+", re.IGNORECASE)


def _dated(record: ImportRecord, phrase: str, line: int, zone: ZoneInfo) -> None:
    """DATE: a due phrase, or a repeat ("every monday 9am"), optionally "starting <date>"."""
    if not phrase.lower().startswith("every"):
        record.due = phrase  # read by the task service, like any due phrase
        return
    pieces = _STARTING.split(phrase, maxsplit=1)
    repeat, first = pieces[0], (pieces[1] if len(pieces) > 1 else "")
    try:
        parsed = quickadd.parse_text(f"x {repeat}", zone)
    except InvalidInput as exc:
        raise bad_line(line, f"DATE {phrase!r}: {exc.message}", fmt=FORMAT) from None
    if parsed.recurrence is None:
        raise bad_line(line, f"DATE {phrase!r} is not a repeat Behflow can read", fmt=FORMAT)
    record.recurrence = parsed.recurrence
    if first:
        record.due = first
    else:
        record.due_at = parsed.due_at


def parse(text: str, zone: ZoneInfo) -> list[ImportRecord]:
    names, table = rows(text, FORMAT)
    if table and not {"TYPE", "CONTENT"} <= set(names):
        raise bad_line(1, "a Todoist template needs TYPE and CONTENT columns", fmt=FORMAT)
    records: list[ImportRecord] = []
    section: str | None = None
    for line, row in table:
        kind = row.get("TYPE", "").lower()
        content = row.get("CONTENT", "")
        if kind == "section":
            section = content or None
        elif kind == "note":
            if not records:
                raise bad_line(line, "a note needs a task above it", fmt=FORMAT)
            previous = records[-1]
            previous.description = "\n".join(filter(None, [previous.description, content]))
        elif kind == "task":
            records.append(_task(row, line, section, zone))
        elif kind not in ("meta", ""):
            raise bad_line(line, f"unknown TYPE {row.get('TYPE')!r}", fmt=FORMAT)
    return records


def _task(row: dict[str, str], line: int, section: str | None, zone: ZoneInfo) -> ImportRecord:
    words = row.get("CONTENT", "").split()
    tags = [word[1:] for word in words if word.startswith("@") and len(word) > 1]
    title = " ".join(word for word in words if not (word.startswith("@") and len(word) > 1))
    if not title:
        raise bad_line(line, "the task has no CONTENT", fmt=FORMAT)
    priority = row.get("PRIORITY", "") or "1"
    if priority not in _PRIORITY:
        raise bad_line(line, f"PRIORITY {priority!r} is not 1-4", fmt=FORMAT)
    record = ImportRecord(
        line=line,
        title=title,
        fields=FIELDS,
        description=row.get("DESCRIPTION") or None,
        priority=_PRIORITY[priority],
        tags=tags,
        project=section,
    )
    phrase = row.get("DATE") or row.get("DEADLINE") or ""
    if phrase:
        _dated(record, phrase, line, zone)
    return record


def _phrase(task: TaskPublic, zone: ZoneInfo) -> str:
    if task.recurrence:
        parts = dict(part.split("=", 1) for part in task.recurrence.split(";") if "=" in part)
        interval = int(parts.get("INTERVAL", "1"))
        days = [_DAYS[day] for day in parts.get("BYDAY", "").split(",") if day in _DAYS]
        if parts.get("FREQ") == "WEEKLY" and days and interval == 1:
            repeat = "every " + ", ".join(days)
            return repeat + (f" starting {_when(task.due_at, zone)}" if task.due_at else "")
        unit = _EVERY.get(parts.get("FREQ", ""), "day")
        repeat = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
        if task.due_at is None:
            return repeat
        return f"{repeat} starting {_when(task.due_at, zone)}"
    return _when(task.due_at, zone) if task.due_at is not None else ""


def _when(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return local.strftime("%Y-%m-%d" if is_all_day(value, zone) else "%Y-%m-%d %H:%M")


def dump(tasks: list[TaskPublic], zone: ZoneInfo) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    open_tasks = [task for task in tasks if task.status != TaskStatus.completed]
    projects = sorted({task.project or "" for task in open_tasks})
    for project in projects:
        if project:
            writer.writerow(["section", project, *[""] * (len(COLUMNS) - 2)])
        for task in (task for task in open_tasks if (task.project or "") == project):
            content = " ".join([task.title, *(f"@{tag}" for tag in task.tags)])
            phrase = _phrase(task, zone)
            writer.writerow(
                [
                    "task",
                    content,
                    task.description or "",
                    _NUMBER[TaskPriority(task.priority)],
                    1,
                    "",
                    "",
                    phrase,
                    "en" if phrase else "",
                    str(zone),
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return buffer.getvalue()
