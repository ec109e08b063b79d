"""Behflow's own JSON: an array of tasks exactly as the API returns them (TaskPublic).

On import, a record sets only the fields it has (a file of {"id", "status"} objects changes
only statuses); `id` (or `uuid`) matches the task it came from."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from behflow_server.interop.records import (
    TASK_FIELDS,
    ImportRecord,
    bad_line,
    json_objects,
    parse_datetime,
    parse_priority,
    parse_status,
    parse_uuid,
)
from behflow_server.tasks.models import TaskPublic

FORMAT = "json"
_DATES = ("due_at", "ends_at", "remind_at")
# Read-only or server-kept fields of an exported task: accepted and left alone.
_IGNORED = {"number", "updated_at", "extra", "original_due_at", "due_moved_by"}
_IGNORED |= {"recurrence_index", "recurrence_text", "parent", "subtasks"}
_KNOWN = TASK_FIELDS | _IGNORED | {"id", "uuid", "created_at", "completed_at", "archived_at"}


def dump(tasks: list[TaskPublic], zone: ZoneInfo) -> str:
    items = [task.model_dump(mode="json") for task in tasks]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _record(item: Any, line: int, zone: ZoneInfo) -> ImportRecord:
    if not isinstance(item, dict):
        raise bad_line(line, "each task must be a JSON object", fmt=FORMAT)
    unknown = sorted(set(item) - _KNOWN)
    if unknown:
        raise bad_line(line, f"unknown field {unknown[0]!r}", fmt=FORMAT)
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_line(line, "a task needs a title", fmt=FORMAT)
    record = ImportRecord(
        line=line,
        title=title.strip(),
        fields=frozenset(TASK_FIELDS & set(item)),
        uuid=parse_uuid(item.get("id") or item.get("uuid"), line, FORMAT),
        created_at=parse_datetime(item.get("created_at"), line, FORMAT, zone, "created_at"),
        completed_at=parse_datetime(item.get("completed_at"), line, FORMAT, zone, "completed_at"),
        archived=(item["archived_at"] is not None) if "archived_at" in item else None,
    )
    for name in _DATES:
        setattr(record, name, parse_datetime(item.get(name), line, FORMAT, zone, name))
    if "status" in item:
        record.status = parse_status(item["status"], line, FORMAT)
    if "priority" in item:
        record.priority = parse_priority(item["priority"] or "none", line, FORMAT)
    for name in ("description", "project", "recurrence"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise bad_line(line, f"{name} must be a string", fmt=FORMAT)
        setattr(record, name, value or None)
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise bad_line(line, "tags must be a list of strings", fmt=FORMAT)
    record.tags = tags
    # `parent` is a number within the file: linked once every record is imported.
    for name, target in (("number", "file_number"), ("parent", "file_parent")):
        value = item.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise bad_line(line, f"{name} must be a task number", fmt=FORMAT)
        setattr(record, target, value)
    return record


def parse(text: str, zone: ZoneInfo) -> list[ImportRecord]:
    return [_record(item, line, zone) for line, item in json_objects(text, FORMAT)]
