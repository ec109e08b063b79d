"""Task list filters, turned into SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.dates import day_bounds, parse_when
from behflow_server.db import json_list_contains, task_text_matches, utcnow
from behflow_server.errors import InvalidInput
from behflow_server.tasks.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Task,
    TaskPriority,
    TaskStatus,
)


class TaskSort(StrEnum):
    due = "due"
    priority = "priority"
    created = "created"
    updated = "updated"
    number = "number"
    title = "title"


class ArchivedFilter(StrEnum):
    exclude = "exclude"
    include = "include"
    only = "only"


@dataclass
class TaskQuery:
    statuses: list[TaskStatus] = field(default_factory=list)
    min_priority: TaskPriority | None = None
    tags: list[str] = field(default_factory=list)
    project: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    due: str | None = None  # today | tomorrow | week | overdue | none | a date phrase
    overdue: bool = False
    archived: ArchivedFilter = ArchivedFilter.exclude
    search: str | None = None
    sort: TaskSort = TaskSort.due
    descending: bool = False
    limit: int = 50
    offset: int = 0


PRIORITY_ORDER = sa.case(
    {name: rank for name, rank in PRIORITY_RANK.items()}, value=col(Task.priority), else_=0
)


def _due_window(
    due: str, zone: ZoneInfo, now: datetime
) -> tuple[datetime | None, datetime | None, bool]:
    """(after, before, open_only) for a named due filter."""
    today = now.astimezone(zone).date()
    key = due.strip().lower()
    if key == "today":
        start, end = day_bounds(today, zone)
        return start, end, False
    if key == "tomorrow":
        start, end = day_bounds(today + timedelta(days=1), zone)
        return start, end, False
    if key == "week":
        start, _ = day_bounds(today, zone)
        _, end = day_bounds(today + timedelta(days=6), zone)
        return start, end, False
    if key == "overdue":
        return None, now, True
    parsed = parse_when(due, zone, now)
    if parsed is None:
        raise InvalidInput(
            f"Cannot read {due!r} as a date; use today, tomorrow, week, overdue, none or a date.",
            code="invalid_date",
            details={"field": "due"},
        )
    start, end = day_bounds(parsed.value.astimezone(zone).date(), zone)
    return start, end, False


def build_filters(
    session: Session, user_id: object, query: TaskQuery, zone: ZoneInfo, now: datetime | None = None
) -> list[sa.ColumnElement[bool]]:
    now = now or utcnow()
    conditions: list[sa.ColumnElement[bool]] = [col(Task.user_id) == user_id]
    if query.archived is ArchivedFilter.exclude:
        conditions.append(col(Task.archived_at).is_(None))
    elif query.archived is ArchivedFilter.only:
        conditions.append(col(Task.archived_at).is_not(None))
    if query.statuses:
        conditions.append(col(Task.status).in_([s.value for s in query.statuses]))
    if query.min_priority is not None:
        allowed = [
            p
            for p, rank in PRIORITY_RANK.items()
            if rank >= PRIORITY_RANK[query.min_priority.value]
        ]
        conditions.append(col(Task.priority).in_(allowed))
    for tag in query.tags:
        conditions.append(json_list_contains(session, col(Task.tags), tag.lstrip("#").lower()))
    if query.project:
        conditions.append(sa.func.lower(col(Task.project)) == query.project.lstrip("+").lower())
    if query.due:
        if query.due.strip().lower() == "none":
            conditions.append(col(Task.due_at).is_(None))
        else:
            after, before, open_only = _due_window(query.due, zone, now)
            if after is not None:
                conditions.append(col(Task.due_at) >= after)
            if before is not None:
                conditions.append(col(Task.due_at) < before)
            if open_only:
                conditions.append(col(Task.status).in_([s.value for s in OPEN_STATUSES]))
    if query.overdue:
        conditions.append(col(Task.due_at) < now)
        conditions.append(col(Task.status).in_([s.value for s in OPEN_STATUSES]))
    if query.due_before is not None:
        conditions.append(col(Task.due_at) < query.due_before)
    if query.due_after is not None:
        conditions.append(col(Task.due_at) >= query.due_after)
    if query.search:
        conditions.append(task_text_matches(session, Task.__table__, query.search))  # type: ignore[arg-type]
    return conditions


def order_by(query: TaskQuery) -> list[sa.ColumnElement[object]]:
    desc = query.descending
    number = col(Task.number).desc() if desc else col(Task.number).asc()
    if query.sort is TaskSort.due:
        due = col(Task.due_at).desc() if desc else col(Task.due_at).asc()
        return [sa.nulls_last(due), PRIORITY_ORDER.desc(), number]
    if query.sort is TaskSort.priority:
        rank = PRIORITY_ORDER.asc() if desc else PRIORITY_ORDER.desc()
        return [rank, sa.nulls_last(col(Task.due_at).asc()), number]
    column = {
        TaskSort.created: col(Task.created_at),
        TaskSort.updated: col(Task.updated_at),
        TaskSort.title: sa.func.lower(col(Task.title)),
        TaskSort.number: col(Task.number),
    }[query.sort]
    return [column.desc() if desc else column.asc(), number]


def select_page(
    session: Session, user_id: object, query: TaskQuery, zone: ZoneInfo
) -> tuple[list[Task], int]:
    conditions = build_filters(session, user_id, query, zone)
    rows = session.exec(
        select(Task)
        .where(*conditions)
        .order_by(*order_by(query))
        .limit(query.limit)
        .offset(query.offset)
    ).all()
    if query.offset == 0 and len(rows) < query.limit:
        total = len(rows)
    else:
        total = session.exec(select(sa.func.count()).select_from(Task).where(*conditions)).one()
    return list(rows), int(total)
