"""CSV with a header row: one task a row, the columns named as the API names the fields.

Columns (any order, only `title` required): uuid (or id), number, title, description, status,
priority, due_at, ends_at, remind_at, tags (separated by spaces or commas), project,
recurrence, created_at, updated_at, completed_at, archived_at, parent (the parent task's
number in the same file). Dates are ISO 8601; a date without a time is all day; a time without
an offset is the user's local time. On import a row changes only the columns the file has;
updated_at is ignored, and number only says which row a `parent` names.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from zoneinfo import ZoneInfo

from behflow_server.interop.records import (
    TASK_FIELDS,
    ImportRecord,
    bad_line,
    external_uuid,
    parse_datetime,
    parse_priority,
    parse_status,
    parse_uuid,
)
from behflow_server.tasks.models import TaskPublic

FORMAT = "csv"
COLUMNS = (
    "uuid",
    "number",
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
    "created_at",
    "updated_at",
    "completed_at",
    "archived_at",
    "parent",
)
_ACCEPTED = {*COLUMNS, "id"}


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def dump(tasks: list[TaskPublic], zone: ZoneInfo) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for task in tasks:
        writer.writerow(
            [
                external_uuid(task),
                task.number,
                task.title,
                task.description or "",
                task.status,
                task.priority,
                _iso(task.due_at),
                _iso(task.ends_at),
                _iso(task.remind_at),
                " ".join(task.tags),
                task.project or "",
                task.recurrence or "",
                _iso(task.created_at),
                _iso(task.updated_at),
                _iso(task.completed_at),
                _iso(task.archived_at),
                task.parent or "",
            ]
        )
    return buffer.getvalue()


def rows(text: str, fmt: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and each row as {column: cell} with the line it starts on."""
    # strict: an unclosed quote is an error, not the rest of the file read as one cell.
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return [], []
        names = [name.strip() for name in header]
        result: list[tuple[int, dict[str, str]]] = []
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > len(names):
                    raise bad_line(start, f"{len(row)} cells but {len(names)} columns", fmt=fmt)
                result.append(
                    (start, dict(zip(names, (cell.strip() for cell in row), strict=False)))
                )
            start = reader.line_num + 1
    except csv.Error as exc:
        raise bad_line(reader.line_num, f"not valid CSV: {exc}", fmt=fmt) from None
    return names, result


def parse(text: str, zone: ZoneInfo) -> list[ImportRecord]:
    names, table = rows(text, FORMAT)
    unknown = [name for name in names if name not in _ACCEPTED]
    if unknown:
        raise bad_line(1, f"unknown column {unknown[0]!r}", fmt=FORMAT)
    if table and "title" not in names:
        raise bad_line(1, "the header needs a title column", fmt=FORMAT)
    fields = frozenset(TASK_FIELDS & set(names))
    records = []
    for line, row in table:
        title = row.get("title", "")
        if not title:
            raise bad_line(line, "the title is empty", fmt=FORMAT)
        record = ImportRecord(
            line=line,
            title=title,
            fields=fields,
            uuid=parse_uuid(row.get("uuid") or row.get("id"), line, FORMAT),
            description=row.get("description") or None,
            project=row.get("project") or None,
            recurrence=row.get("recurrence") or None,
            tags=row.get("tags", "").replace(",", " ").split(),
            created_at=parse_datetime(row.get("created_at"), line, FORMAT, zone, "created_at"),
            completed_at=parse_datetime(
                row.get("completed_at"), line, FORMAT, zone, "completed_at"
            ),
            archived=bool(row.get("archived_at")) if "archived_at" in names else None,
        )
        for name in ("due_at", "ends_at", "remind_at"):
            setattr(record, name, parse_datetime(row.get(name), line, FORMAT, zone, name))
        if row.get("status"):
            record.status = parse_status(row["status"], line, FORMAT)
        record.priority = parse_priority(row.get("priority", ""), line, FORMAT)
        for name, target in (("number", "file_number"), ("parent", "file_parent")):
            value = row.get(name, "").lstrip("#")
            if value and not value.isdigit():
                raise bad_line(line, f"{name} must be a task number", fmt=FORMAT)
            setattr(record, target, int(value) if value else None)
        records.append(record)
    return records
