"""Task list filters, turned into SQL."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.dates import day_bounds, parse_iso, read_window
from behflow_server.db import json_list_contains, table_of, task_text_matches, utcnow
from behflow_server.errors import InvalidInput
from behflow_server.phrases.windows import (
    WINDOW_PATTERNS,
    Window,
    parsed_window,
)
from behflow_server.tasks.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Task,
    TaskPriority,
    TaskPublic,
    TaskStatus,
)

__all__ = [
    "WINDOW_PATTERNS",
    "ArchivedFilter",
    "TaskQuery",
    "TaskSort",
    "Window",
    "build_filters",
    "is_overdue",
    "order_by",
    "parse_statuses",
    "parsed_window",
    "read_window",
    "select_page",
    "window_bound",
]


class TaskSort(StrEnum):
    due = "due"
    priority = "priority"
    created = "created"
    updated = "updated"
    number = "number"
    # The member shadows str.title (the enum is a StrEnum); TaskSort.title is the member.
    title = "title"  # type: ignore[assignment]  # see the line above
    completed = "completed"


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
    # Completion time window, half-open [completed_after, completed_before).
    completed_after: datetime | None = None
    completed_before: datetime | None = None
    due: str | None = None  # today | tomorrow | week | overdue | none | a date phrase
    overdue: bool = False
    archived: ArchivedFilter = ArchivedFilter.exclude
    search: str | None = None
    # Filter-language texts (docs/filters.md), combined with AND: context, saved filter, q.
    q: tuple[str, ...] = ()
    sort: TaskSort = TaskSort.due
    descending: bool = False
    # Sorting by due date: equal due times put the higher priority first.
    priority_ties: bool = False
    limit: int = 50
    offset: int = 0


OPEN_FILTER = "open"


def parse_statuses(values: list[str]) -> list[TaskStatus]:
    """Status filter words to statuses: each a TaskStatus value or `open` (not completed).
    An empty list means no status filter; an unknown word is InvalidInput (field `status`)."""
    result: list[TaskStatus] = []
    for value in values:
        word = value.strip().lower()
        if word == OPEN_FILTER:
            result.extend(s for s in OPEN_STATUSES if s not in result)
            continue
        try:
            status = TaskStatus(word)
        except ValueError:
            allowed = ", ".join(s.value for s in TaskStatus)
            raise InvalidInput(
                f"status: unknown value {value!r}; use one of {allowed} or {OPEN_FILTER}",
                details={"field": "status"},
            ) from None
        if status not in result:
            result.append(status)
    return result


def is_open() -> sa.ColumnElement[bool]:
    """The task is not completed (whatever else its status)."""
    return col(Task.status).in_([s.value for s in OPEN_STATUSES])


def is_overdue(now: datetime) -> sa.ColumnElement[bool]:
    """The one overdue rule: open and due before `now` (archived tasks are filtered apart)."""
    return sa.and_(col(Task.due_at) < now, is_open())


# SQLModel table classes get __table__ at runtime; its stubs do not declare it.
TASKS_TABLE = table_of(Task)
_PUBLIC_COLUMNS = [TASKS_TABLE.c[name] for name in TaskPublic.model_fields if name in TASKS_TABLE.c]
# A subtask's `parent` is its parent's number, read with the page by a self-join; a task's
# progress by two correlated counts on the (user_id, parent_id) index. In the page query
# itself they cost less than a second query binding the page's ids (docs/benchmarks.md).
_PARENT = TASKS_TABLE.alias("parent_task")
_CHILD = TASKS_TABLE.alias("child_task")


def _child_count(*extra: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    return (
        sa.select(sa.func.count())
        .where(
            _CHILD.c.user_id == TASKS_TABLE.c.user_id,
            _CHILD.c.parent_id == TASKS_TABLE.c.id,
            _CHILD.c.archived_at.is_(None),
            *extra,
        )
        .scalar_subquery()
    )


def public_select() -> sa.Select[Any]:
    """The public columns of tasks, `parent` (the number) and subtask progress included;
    add where/order and read it with public_rows."""
    return sa.select(
        *_PUBLIC_COLUMNS,
        _PARENT.c.number.label("parent"),
        _child_count().label("subtasks_total"),
        _child_count(_CHILD.c.status == TaskStatus.completed.value).label("subtasks_done"),
    ).outerjoin(_PARENT, _PARENT.c.id == TASKS_TABLE.c.parent_id)


def public_rows(session: Session, user_id: object, statement: sa.Select[Any]) -> list[TaskPublic]:
    """Run a public_select statement: rows as TaskPublic, progress included."""
    validate = TaskPublic.__pydantic_validator__.validate_python
    rows: list[TaskPublic] = []
    for row in session.connection().execute(statement).mappings():
        values = dict(row)
        values["subtasks"] = {
            "done": values.pop("subtasks_done", 0) or 0,
            "total": values.pop("subtasks_total", 0) or 0,
        }
        rows.append(validate(values))
    return rows


PRIORITY_ORDER = sa.case(
    {name: rank for name, rank in PRIORITY_RANK.items()}, value=col(Task.priority), else_=0
)


def _due_window(due: str, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """[after, before) for a named due filter other than none and overdue."""
    key = due.strip().lower()
    if key == "week":
        # The next seven days, today included.
        today = now.astimezone(zone).date()
        start, _ = day_bounds(today, zone)
        _, end = day_bounds(today + timedelta(days=6), zone)
        return start, end
    window = read_window(due, zone, now)
    if window is None:
        raise InvalidInput(
            f"Cannot read {due!r} as a date; use today, tomorrow, week, overdue, none or a date.",
            code="invalid_date",
            details={"field": "due"},
        )
    return window[0], window[1]


# Windows ------------------------------------------------------------------------------------
# A window is half-open, [start, end), in the user's zone; the phrases package reads it.


def window_bound(text: str, zone: ZoneInfo, now: datetime, *, end: bool) -> datetime:
    """One edge of a window given as ISO 8601 or a phrase. A start without a time is the start
    of that day (week, ...); an end without a time includes that whole day (week, ...)."""
    iso = parse_iso(text, zone)
    if iso is not None and iso.has_time:
        return iso.value
    window = read_window(text, zone, now)
    if window is None:
        raise InvalidInput(
            f"Cannot read {text!r} as a date or time.",
            code="invalid_date",
            details={"field": "to" if end else "from"},
        )
    return window[1] if end else window[0]


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
        key = query.due.strip().lower()
        if key == "none":
            conditions.append(col(Task.due_at).is_(None))
        elif key == "overdue":
            conditions.append(is_overdue(now))
        else:
            after, before = _due_window(query.due, zone, now)
            if after is not None:
                conditions.append(col(Task.due_at) >= after)
            if before is not None:
                conditions.append(col(Task.due_at) < before)
    if query.overdue:
        conditions.append(is_overdue(now))
    if query.due_before is not None:
        conditions.append(col(Task.due_at) < query.due_before)
    if query.due_after is not None:
        conditions.append(col(Task.due_at) >= query.due_after)
    if query.completed_after is not None:
        conditions.append(col(Task.completed_at) >= query.completed_after)
    if query.completed_before is not None:
        conditions.append(col(Task.completed_at) < query.completed_before)
    if query.search:
        conditions.append(task_text_matches(session, TASKS_TABLE, query.search))
    return conditions


def order_by(query: TaskQuery) -> list[sa.ColumnElement[Any]]:
    desc = query.descending
    number = col(Task.number).desc() if desc else col(Task.number).asc()
    if query.sort is TaskSort.due:
        # Undated last, then by number: the order of the ix_tasks_user_due_order index.
        undated = col(Task.due_at).is_(None)
        ties = [PRIORITY_ORDER.desc()] if query.priority_ties else []
        if desc:
            return [undated, col(Task.due_at).desc(), *ties, number]
        return [undated, col(Task.due_at).asc(), *ties, number]
    if query.sort is TaskSort.priority:
        # Descending (-priority) is the highest first, as `-` means everywhere else.
        rank = PRIORITY_ORDER.desc() if desc else PRIORITY_ORDER.asc()
        return [rank, sa.nulls_last(col(Task.due_at).asc()), number]
    if query.sort is TaskSort.completed:
        # Never-completed last, whichever the direction.
        done = col(Task.completed_at)
        return [done.is_(None), done.desc() if desc else done.asc(), number]
    column = {
        TaskSort.created: col(Task.created_at),
        TaskSort.updated: col(Task.updated_at),
        TaskSort.title: sa.func.lower(col(Task.title)),
        TaskSort.number: col(Task.number),
    }[query.sort]
    return [column.desc() if desc else column.asc(), number]


def select_page(
    session: Session,
    user_id: object,
    query: TaskQuery,
    zone: ZoneInfo,
    *,
    data_version: int | None = None,
    now: datetime | None = None,
    where: sa.ColumnElement[bool] | None = None,
    where_clock: int = 0,
) -> tuple[list[TaskPublic], int]:
    """`where`: the compiled filter-language condition of `query.q`; `where_clock` what it
    depends on (0 nothing, 1 the day, 2 the instant: no cached total)."""
    now = now or utcnow()
    conditions = build_filters(session, user_id, query, zone, now)
    if where is not None:
        conditions.append(where)
    # Core rows straight into the public model's validator: a page of ORM objects (or
    # SQLModel's model_validate wrapper) costs about twice as much per row.
    page = (
        public_select()
        .where(*conditions)
        .order_by(*order_by(query))
        .limit(query.limit)
        .offset(query.offset)
    )
    rows = public_rows(session, user_id, page)
    if query.offset == 0 and len(rows) < query.limit:
        return rows, len(rows)
    key = _total_key(user_id, data_version, query, zone, now, where_clock)
    total = _TOTALS.get(key) if key is not None else None
    if total is None:
        total = int(
            session.exec(select(sa.func.count()).select_from(Task).where(*conditions)).one()
        )
        if key is not None:
            _TOTALS.put(key, total)
    return rows, total


class _TotalsCache:
    """Exact list totals, keyed by the user's task data version (bumped on every task write)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[tuple[object, ...], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> int | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[object, ...], value: int) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)


_TOTALS = _TotalsCache()


def _total_key(
    user_id: object,
    data_version: int | None,
    query: TaskQuery,
    zone: ZoneInfo,
    now: datetime,
    where_clock: int = 0,
) -> tuple[object, ...] | None:
    """None when the total depends on the current instant (overdue filters)."""
    if data_version is None or query.overdue or (query.due or "").strip().lower() == "overdue":
        return None
    if where_clock >= 2:
        return None
    day = now.astimezone(zone).date() if query.due or where_clock else None
    return (
        user_id,
        data_version,
        tuple(query.statuses),
        query.min_priority,
        tuple(query.tags),
        query.project,
        query.due,
        day,
        zone.key,
        query.due_before,
        query.due_after,
        query.completed_after,
        query.completed_before,
        query.archived,
        query.search,
        query.q,
    )
