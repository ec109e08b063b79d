"""Taskwarrior's JSON (`task export` / `task import`, 2.6 and 3.x): reading and writing.

Fields both models have map one to one (uuid, description = title, status, entry = created,
end = completed, due, priority H/M/L, project, tags, recur). What Taskwarrior has no field for
travels as attributes it keeps untouched (it preserves unknown attributes, "orphaned UDAs"):
behflow_status (blocked), behflow_priority (urgent), behflow_recurrence (a rule `recur` can only
approximate), behflow_ends and behflow_remind. A task's notes are its annotations, each with
its own time (entry), both ways; the description goes out as the first annotation and as
behflow_description, which tells that annotation apart on the way back. Taskwarrior's own
attributes that Behflow has no field for (wait, scheduled, depends, start, a template's mask,
the user's UDAs) are kept in the task's extra["taskwarrior"] and written back on export, so a
template's occurrences are not made twice and nothing the user set in Taskwarrior is lost on
the way through Behflow.

Taskwarrior keeps a repeating task as a template (status "recurring") plus one task per
occurrence (with `parent`); Behflow keeps one task per series, so a template becomes the task
(due when its earliest open occurrence is due) and the occurrences are skipped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from behflow_server.interop.records import (
    FIRST_YEAR,
    LAST_YEAR,
    TASK_FIELDS,
    ImportRecord,
    bad_line,
    external_uuid,
    json_objects,
    parse_uuid,
)
from behflow_server.tasks.models import TaskPriority, TaskPublic, TaskStatus

FORMAT = "taskwarrior"
KEPT = "taskwarrior"
# What this module reads into task fields (or Taskwarrior computes: id, urgency, modified).
_MAPPED = {"uuid", "description", "status", "entry", "end", "due", "priority", "project"}
_MAPPED |= {"tags", "recur", "annotations", "id", "urgency", "modified", "parent", "imask"}
_STAMP = "%Y%m%dT%H%M%SZ"

_TO_PRIORITY = {"H": TaskPriority.high, "M": TaskPriority.medium, "L": TaskPriority.low}
_FROM_PRIORITY = {
    TaskPriority.urgent: "H",
    TaskPriority.high: "H",
    TaskPriority.medium: "M",
    TaskPriority.low: "L",
}

# Taskwarrior's named periods and duration units -> (FREQ, INTERVAL multiplier).
_NAMED = {
    "daily": ("DAILY", 1),
    "day": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "week": ("WEEKLY", 1),
    "biweekly": ("WEEKLY", 2),
    "fortnight": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
    "month": ("MONTHLY", 1),
    "bimonthly": ("MONTHLY", 2),
    "quarterly": ("MONTHLY", 3),
    "semiannual": ("MONTHLY", 6),
    "yearly": ("YEARLY", 1),
    "annual": ("YEARLY", 1),
    "year": ("YEARLY", 1),
    "biannual": ("YEARLY", 2),
    "biyearly": ("YEARLY", 2),
    "hourly": ("HOURLY", 1),
}
_UNITS = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), ("HOURLY", 1)),
    **dict.fromkeys(("d", "day", "days"), ("DAILY", 1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), ("WEEKLY", 1)),
    **dict.fromkeys(("mo", "mos", "mth", "mths", "month", "months"), ("MONTHLY", 1)),
    **dict.fromkeys(("q", "qtr", "qtrs", "quarter", "quarters"), ("MONTHLY", 3)),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), ("YEARLY", 1)),
}
_ISO_UNITS = {"H": ("HOURLY", 1), "D": ("DAILY", 1), "W": ("WEEKLY", 1), "M": ("MONTHLY", 1)}
_DURATION = re.compile(r"^(\d+)\s*([a-z]+)$")
_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(\d+)H)?$")
WEEKDAYS_RULE = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
_EXPORT_UNITS = {"HOURLY": "h", "DAILY": "d", "WEEKLY": "w", "MONTHLY": "mo", "YEARLY": "y"}
_EXPORT_NAMES = {"HOURLY": "hourly", "DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly"}


def recur_to_rule(recur: str) -> str | None:
    """An RRULE for a Taskwarrior `recur` value; None if it is not one Taskwarrior knows."""
    text = recur.strip().lower()
    if text == "weekdays":
        return WEEKDAYS_RULE
    if text in _NAMED:
        frequency, interval = _NAMED[text]
    elif (match := _DURATION.match(text)) and match.group(2) in _UNITS:
        frequency, multiplier = _UNITS[match.group(2)]
        interval = int(match.group(1)) * multiplier
    elif text in _UNITS:
        frequency, interval = _UNITS[text]
    elif match := _ISO.match(recur.strip().upper()):
        years, months, weeks, days, hours = (int(part) if part else 0 for part in match.groups())
        found = [(n, unit) for n, unit in ((years, "Y"), (months, "M"), (weeks, "W"), (days, "D"))]
        found += [(hours, "H")]
        found = [(n, unit) for n, unit in found if n]
        if len(found) != 1:
            return None
        amount, unit = found[0]
        frequency, interval = ("YEARLY", 1) if unit == "Y" else _ISO_UNITS[unit]
        interval *= amount
    else:
        return None
    if interval < 1:
        return None
    return f"FREQ={frequency}" + (f";INTERVAL={interval}" if interval > 1 else "")


def rule_to_recur(rule: str) -> tuple[str, bool]:
    """Taskwarrior's `recur` for an RRULE, and whether it says exactly the same."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    frequency = parts.pop("FREQ", "DAILY")
    interval = int(parts.pop("INTERVAL", "1") or 1)
    weekdays = parts == {"BYDAY": "MO,TU,WE,TH,FR"} and frequency in ("DAILY", "WEEKLY")
    if weekdays and interval == 1:
        return "weekdays", True
    unit = _EXPORT_UNITS.get(frequency, "d")
    if interval == 1 and frequency in _EXPORT_NAMES:
        text = _EXPORT_NAMES[frequency]
    elif interval == 1 and frequency == "YEARLY":
        text = "yearly"
    else:
        text = f"{interval}{unit}"
    return text, not parts and frequency in _EXPORT_UNITS


# --- Export ----------------------------------------------------------------------------------


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_STAMP)


Notes = Sequence[tuple[datetime, str]]


def to_taskwarrior(task: TaskPublic, notes: Notes = ()) -> dict[str, Any]:
    status = TaskStatus(task.status)
    kept = task.extra.get(KEPT)
    item: dict[str, Any] = {
        **(kept if isinstance(kept, dict) else {}),
        "uuid": str(external_uuid(task)),
        "description": task.title,
        "entry": _stamp(task.created_at),
        "modified": _stamp(task.updated_at),
    }
    if task.archived_at is not None:
        item["status"] = "deleted"
        item["end"] = _stamp(task.archived_at)
    elif status is TaskStatus.completed:
        item["status"] = "completed"
        item["end"] = _stamp(task.completed_at or task.updated_at)
    else:
        item["status"] = "pending"
    if status is TaskStatus.in_progress:
        item.setdefault("start", _stamp(task.updated_at))
    else:
        item.pop("start", None)
    if status is TaskStatus.blocked:
        item["behflow_status"] = "blocked"
    if task.due_at is not None:
        item["due"] = _stamp(task.due_at)
    if task.ends_at is not None:
        item["behflow_ends"] = _stamp(task.ends_at)
    if task.remind_at is not None:
        item["behflow_remind"] = _stamp(task.remind_at)
    priority = TaskPriority(task.priority)
    if priority in _FROM_PRIORITY:
        item["priority"] = _FROM_PRIORITY[priority]
    if priority is TaskPriority.urgent:
        item["behflow_priority"] = "urgent"
    if task.project:
        item["project"] = task.project
    if task.tags:
        item["tags"] = list(task.tags)
    if task.recurrence:
        recur, exact = rule_to_recur(task.recurrence)
        if task.due_at is not None:  # Taskwarrior refuses `recur` without `due`
            item["recur"] = recur
            if item["status"] == "pending":
                item["status"] = "recurring"
        if not exact or task.due_at is None:
            item["behflow_recurrence"] = task.recurrence
    item.pop("annotations", None)
    texts = list(notes)
    if task.description:
        item["behflow_description"] = task.description
        texts.insert(0, (task.created_at, task.description))
    if texts:
        item["annotations"] = _annotated(texts)
    return item


def _annotated(texts: Notes) -> list[dict[str, Any]]:
    """Annotations with distinct, rising seconds: Taskwarrior keys an annotation by its entry
    second and moves one that collides, so two notes in one second would not come back equal."""
    annotations = []
    last = 0
    for at, body in texts:
        second = max(int(at.timestamp()), last + 1)
        last = second
        entry = datetime.fromtimestamp(second, UTC).strftime(_STAMP)
        annotations.append({"entry": entry, "description": body})
    return annotations


def dump(
    tasks: list[TaskPublic], zone: ZoneInfo, notes: Mapping[uuid.UUID, Notes] | None = None
) -> str:
    """An array, one task a line, as `task export` writes it with json.array=on."""
    notes = notes or {}
    lines = [
        json.dumps(to_taskwarrior(task, notes.get(task.id, ())), ensure_ascii=False)
        for task in tasks
    ]
    return "[\n" + ",\n".join(lines) + ("\n" if lines else "") + "]\n"


# --- Import ----------------------------------------------------------------------------------


def _date(item: dict[str, Any], name: str, line: int) -> datetime | None:
    value = item.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise bad_line(line, f"{name} must be a date string", fmt=FORMAT)
    try:
        parsed = datetime.strptime(value, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            message = f"{name}: {value!r} is not a Taskwarrior date"
            raise bad_line(line, message, fmt=FORMAT) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise bad_line(line, f"{name}: {value!r} is outside the years Behflow keeps", fmt=FORMAT)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _text(item: dict[str, Any], name: str, line: int) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_line(line, f"{name} must be a string", fmt=FORMAT)
    return value


def _record(item: Any, line: int) -> ImportRecord:
    if not isinstance(item, dict):
        raise bad_line(line, "each task must be a JSON object", fmt=FORMAT)
    title = (_text(item, "description", line) or "").strip()
    if not title:
        raise bad_line(line, "a task needs a description", fmt=FORMAT)
    status_text = _text(item, "status", line) or "pending"
    if status_text not in ("pending", "waiting", "completed", "deleted", "recurring"):
        raise bad_line(line, f"unknown status {status_text!r}", fmt=FORMAT)
    record = ImportRecord(
        line=line,
        title=title,
        fields=TASK_FIELDS,
        uuid=parse_uuid(item.get("uuid"), line, FORMAT),
        due_at=_date(item, "due", line),
        ends_at=_date(item, "behflow_ends", line),
        remind_at=_date(item, "behflow_remind", line),
        project=_text(item, "project", line),
        created_at=_date(item, "entry", line),
        archived=status_text == "deleted",
    )
    record.status = _status(item, status_text, line)
    if record.status is TaskStatus.completed:
        record.completed_at = _date(item, "end", line)
    priority = _text(item, "priority", line)
    if priority is not None and priority not in _TO_PRIORITY:
        raise bad_line(line, f"priority {priority!r} is not H, M or L", fmt=FORMAT)
    record.priority = _TO_PRIORITY[priority] if priority else TaskPriority.none
    if priority == "H" and item.get("behflow_priority") == "urgent":
        record.priority = TaskPriority.urgent
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise bad_line(line, "tags must be a list of strings", fmt=FORMAT)
    record.tags = tags
    record.recurrence = _recurrence(item, line)
    notes = _annotations(item, line)
    record.description = _text(item, "behflow_description", line)
    if record.description is not None and notes and notes[0][1] == record.description:
        notes = notes[1:]  # the description, sent out as the first annotation
    record.notes = notes
    kept = {
        key: value
        for key, value in item.items()
        if key not in _MAPPED and not key.startswith("behflow_")
    }
    if kept:
        record.extra = {KEPT: kept}
    return record


def _status(item: dict[str, Any], status: str, line: int) -> TaskStatus:
    if status == "completed":
        return TaskStatus.completed
    if item.get("behflow_status") == "blocked":
        return TaskStatus.blocked
    if item.get("start") and status in ("pending", "deleted"):
        return TaskStatus.in_progress
    return TaskStatus.not_started


def _recurrence(item: dict[str, Any], line: int) -> str | None:
    rule = _text(item, "behflow_recurrence", line)
    if rule:
        return rule
    recur = _text(item, "recur", line)
    if recur is None:
        return None
    converted = recur_to_rule(recur)
    if converted is None:
        raise bad_line(line, f"recur {recur!r} is not a period Behflow can repeat", fmt=FORMAT)
    return converted


def _annotations(item: dict[str, Any], line: int) -> list[tuple[datetime | None, str]]:
    annotations = item.get("annotations") or []
    if not isinstance(annotations, list):
        raise bad_line(line, "annotations must be a list", fmt=FORMAT)
    notes = []
    for annotation in annotations:
        if not isinstance(annotation, dict) or not isinstance(annotation.get("description"), str):
            raise bad_line(line, "each annotation needs a description", fmt=FORMAT)
        if annotation["description"].strip():
            notes.append((_date(annotation, "entry", line), annotation["description"]))
    return notes


def parse(text: str, zone: ZoneInfo) -> list[ImportRecord]:
    items = list(json_objects(text, FORMAT))
    records = [_record(item, line) for line, item in items]
    by_uuid = {record.uuid: record for record in records if record.uuid is not None}
    earliest: dict[uuid.UUID, datetime] = {}
    for (line, item), record in zip(items, records, strict=True):
        parent = parse_uuid(item.get("parent"), line, FORMAT)
        template = by_uuid.get(parent) if parent is not None else None
        if parent is None or template is None or template is record:
            continue
        record.skip = f"an occurrence of the repeating task on line {template.line}"
        is_open = record.status is not TaskStatus.completed and not record.archived
        if is_open and record.due_at is not None:
            known = earliest.get(parent)
            earliest[parent] = min(known, record.due_at) if known else record.due_at
    for key, due_at in earliest.items():
        # The series is due when its earliest open occurrence is; its end and reminder move
        # with it.
        template = by_uuid[key]
        if template.due_at is not None:
            shift = due_at - template.due_at
            template.ends_at = template.ends_at + shift if template.ends_at else None
            template.remind_at = template.remind_at + shift if template.remind_at else None
        template.due_at = due_at
    return records
