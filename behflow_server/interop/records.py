"""What every import format reads a file into, and the helpers the formats share."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from behflow_server.errors import InvalidInput
from behflow_server.tasks.models import TaskPriority, TaskPublic, TaskStatus

# Every field an import may set on a task; a format names the ones its files carry, and only
# those are compared and changed when a record matches an existing task.
TASK_FIELDS = frozenset(
    {
        "title",
        "description",
        "status",
        "priority",
        "due_at",
        "ends_at",
        "remind_at",
        "tags",
        "project",
        "recurrence",
    }
)
# Where a task that came from another tool keeps that tool's id (Behflow's own `id` is a UUID
# too: a record whose uuid is one of the user's task ids matches that task directly).
EXTERNAL_UUID = "external_uuid"
MAX_RECORDS = 10_000
# Behflow's all-day convention (see tests/support/relative_due_cases.json): 23:59 local time.
END_OF_DAY = time(23, 59)


@dataclass
class ImportRecord:
    """One task read from a file; `line` is where it starts (1-based), for error messages."""

    line: int
    title: str
    fields: frozenset[str]
    uuid: uuid.UUID | None = None
    description: str | None = None
    status: TaskStatus = TaskStatus.not_started
    priority: TaskPriority = TaskPriority.none
    due_at: datetime | None = None
    ends_at: datetime | None = None
    remind_at: datetime | None = None
    # A date phrase read in the user's zone by the task service (Todoist's DATE column).
    due: str | None = None
    tags: list[str] = field(default_factory=list)
    project: str | None = None
    recurrence: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    # True: the file says the task is deleted; None: the format has no such notion.
    archived: bool | None = None
    # Why this record is not imported (shown in the summary as skipped).
    skip: str | None = None
    # Keys to keep in the task's `extra` (what the other tool has that Behflow does not).
    extra: dict[str, Any] = field(default_factory=dict)
    # Behflow's own files: the task's number in the file and its parent's number there; the
    # import links each subtask to the task made from its parent's record (service.py).
    file_number: int | None = None
    file_parent: int | None = None

    # The task's notes as (time, text), oldest first; None: the format has no notes.
    notes: list[tuple[datetime | None, str]] | None = None


def bad_line(line: int, message: str, *, fmt: str) -> InvalidInput:
    return InvalidInput(
        f"line {line}: {message}",
        code="invalid_import",
        details={"line": line, "format": fmt},
    )


def check_text(text: str, fmt: str) -> None:
    """Refuse what one of the two stores would refuse (NUL) before anything is read."""
    position = text.find("\x00")
    if position >= 0:
        raise bad_line(line_at(text, position), "contains a NUL character", fmt=fmt)


def check_count(records: list[ImportRecord], fmt: str) -> None:
    if len(records) > MAX_RECORDS:
        raise bad_line(
            records[MAX_RECORDS].line,
            f"a file may hold at most {MAX_RECORDS} tasks; split it",
            fmt=fmt,
        )


# Dates outside these years are refused: far enough for any real task, and far from the edges
# where converting between time zones overflows.
FIRST_YEAR, LAST_YEAR = 1900, 9000
_DATE_FIELDS = ("due_at", "ends_at", "remind_at", "created_at", "completed_at")


def _bad_string(value: Any) -> bool:
    """A string either store refuses (PostgreSQL: NUL, unpaired UTF-16 surrogates), anywhere
    inside `value`. JSON escapes (\\u0000, \\ud800) bring them in past the raw-text check."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value)
    if isinstance(value, dict):
        return any(_bad_string(key) or _bad_string(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_bad_string(item) for item in value)
    return False


MAX_EXTRA_DEPTH = 16


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (without recursion: it may be deep)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level <= MAX_EXTRA_DEPTH:
            children = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict | list):
                stack.extend((child, level + 1) for child in children)
    return deepest


def check_record(record: ImportRecord, fmt: str) -> None:
    """What every format's records must satisfy before anything is written."""
    for name in _DATE_FIELDS:
        value = getattr(record, name)
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            message = f"{name}: the year {value.year} is outside {FIRST_YEAR}-{LAST_YEAR}"
            raise bad_line(record.line, message, fmt=fmt)
    if _depth(record.extra) > MAX_EXTRA_DEPTH:
        raise bad_line(record.line, "an attribute nests too deeply", fmt=fmt)
    texts = [record.title, record.description, record.project, record.recurrence, record.due]
    if _bad_string([*texts, *record.tags, record.extra]):
        raise bad_line(record.line, "contains a NUL character or an unpaired surrogate", fmt=fmt)


def line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


_SEPARATOR = re.compile(r"[\s,]*")


def json_objects(text: str, fmt: str) -> Iterator[tuple[int, Any]]:
    """The values of a JSON array, or of a sequence of objects one per line (NDJSON, and
    Taskwarrior's export without json.array), each with the line it starts on."""
    decoder = json.JSONDecoder()
    position = _SEPARATOR.match(text, 0).end()  # type: ignore[union-attr]  # [\s,]* matches anywhere
    closing = None
    if text.startswith("[", position):
        closing = "]"
        position = _SEPARATOR.match(text, position + 1).end()  # type: ignore[union-attr]  # [\s,]* matches anywhere
    while position < len(text):
        if closing and text.startswith(closing, position):
            rest = _SEPARATOR.match(text, position + 1).end()  # type: ignore[union-attr]  # [\s,]* matches anywhere
            if rest < len(text):
                raise bad_line(line_at(text, rest), "unexpected text after the array", fmt=fmt)
            return
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise bad_line(exc.lineno, f"not valid JSON: {exc.msg}", fmt=fmt) from None
        except RecursionError:
            raise bad_line(line_at(text, position), "JSON nested too deeply", fmt=fmt) from None
        yield line_at(text, position), value
        position = _SEPARATOR.match(text, end).end()  # type: ignore[union-attr]  # [\s,]* matches anywhere
    if closing:
        raise bad_line(line_at(text, len(text)), "the JSON array is not closed", fmt=fmt)


def local_day_end(day: date, zone: ZoneInfo) -> datetime:
    """A date without a time: the end of that day in the user's zone (Behflow's all-day)."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone).astimezone(UTC)


def is_all_day(value: datetime, zone: ZoneInfo) -> bool:
    local = value.astimezone(zone)
    return (local.hour, local.minute) == (END_OF_DAY.hour, END_OF_DAY.minute)


def external_uuid(task: TaskPublic) -> uuid.UUID:
    """The uuid a task is exported under: the other tool's, if it came from one."""
    foreign = task.extra.get(EXTERNAL_UUID)
    if isinstance(foreign, str):
        try:
            return uuid.UUID(foreign)
        except ValueError:
            pass
    return task.id


def parse_uuid(value: Any, line: int, fmt: str) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise bad_line(line, f"{value!r} is not a UUID", fmt=fmt) from None


def parse_datetime(value: Any, line: int, fmt: str, zone: ZoneInfo, name: str) -> datetime | None:
    """An ISO 8601 date or date-time (a naive one is the user's local time) in UTC."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise ValueError(text)
            return local_day_end(day, zone)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            raise ValueError(text)
    except ValueError:
        raise bad_line(line, f"{name}: {text!r} is not an ISO 8601 date", fmt=fmt) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def parse_status(value: Any, line: int, fmt: str) -> TaskStatus:
    try:
        return TaskStatus(str(value).strip().lower())
    except ValueError:
        names = ", ".join(item.value for item in TaskStatus)
        raise bad_line(line, f"status {value!r} is not one of {names}", fmt=fmt) from None


def parse_priority(value: Any, line: int, fmt: str) -> TaskPriority:
    try:
        return TaskPriority(str(value).strip().lower() or "none")
    except ValueError:
        names = ", ".join(item.value for item in TaskPriority)
        raise bad_line(line, f"priority {value!r} is not one of {names}", fmt=fmt) from None
