"""Task list filters, turned into SQL."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.dates import ParsedWhen, day_bounds, parse_iso, parse_when
from behflow_server.db import json_list_contains, task_text_matches, utcnow
from behflow_server.errors import InvalidInput
from behflow_server.tasks.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Task,
    TaskPriority,
    TaskPublic,
    TaskStatus,
)


class TaskSort(StrEnum):
    due = "due"
    priority = "priority"
    created = "created"
    updated = "updated"
    number = "number"
    title = "title"
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
    sort: TaskSort = TaskSort.due
    descending: bool = False
    # Sorting by due date: equal due times put the higher priority first.
    priority_ties: bool = False
    limit: int = 50
    offset: int = 0


_PUBLIC_COLUMNS = [Task.__table__.c[name] for name in TaskPublic.model_fields]  # type: ignore[attr-defined]

PRIORITY_ORDER = sa.case(
    {name: rank for name, rank in PRIORITY_RANK.items()}, value=col(Task.priority), else_=0
)


def _due_window(
    due: str, zone: ZoneInfo, now: datetime
) -> tuple[datetime | None, datetime | None, bool]:
    """(after, before, open_only) for a named due filter."""
    key = due.strip().lower()
    if key == "overdue":
        return None, now, True
    if key == "week":
        # The next seven days, today included.
        today = now.astimezone(zone).date()
        start, _ = day_bounds(today, zone)
        _, end = day_bounds(today + timedelta(days=6), zone)
        return start, end, False
    window = read_window(due, zone, now)
    if window is None:
        raise InvalidInput(
            f"Cannot read {due!r} as a date; use today, tomorrow, week, overdue, none or a date.",
            code="invalid_date",
            details={"field": "due"},
        )
    return window[0], window[1], False


# Windows ------------------------------------------------------------------------------------
# A window is half-open, [start, end), timezone-aware, in the user's zone.
Window = tuple[datetime, datetime]

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "couple": 2,
    "a couple": 2,
    "a couple of": 2,
    "couple of": 2,
    "three": 3,
    "few": 3,
    "a few": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fourteen": 14,
    "thirty": 30,
}
_COUNT = (
    r"(?P<n>\d{1,3}|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|an?|one|two|three|four|five|six"
    r"|seven|eight|nine|ten|fourteen|thirty)"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_TO = r"\s*(?:-|\u2013|\u2014|to|until|till|til|through|thru|and)\s*"

WINDOW_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # "July 13-15", "13-15 July", "from July 13 to 15"
    (
        "month_days",
        re.compile(
            rf"\b(?:(?:between|from)\s+)?(?P<m1>{_MONTHS})\.?\s+(?P<d1>{_DAY}){_TO}"
            rf"(?:(?P<m2>{_MONTHS})\.?\s+)?(?P<d2>{_DAY})\b(?!\s*(?:am|pm|:))",
            re.I,
        ),
    ),
    (
        "days_month",
        re.compile(
            rf"\b(?:(?:between|from)\s+)?(?:the\s+)?(?P<d1>{_DAY})(?:\s+(?:of\s+)?(?P<m1>{_MONTHS}))?"
            rf"{_TO}(?:the\s+)?(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MONTHS})\b",
            re.I,
        ),
    ),
    (
        "weekend",
        re.compile(r"\b(?:(?P<which>this|next|last|past|previous|coming|the)\s+)?weekend\b", re.I),
    ),
    (
        "span",
        re.compile(
            rf"\b(?:(?:with)?in\s+|over\s+|during\s+|for\s+)?(?:the\s+)?"
            rf"(?P<which>next|coming|following|past|last|previous|recent)\s+"
            rf"(?:{_COUNT}\s+(?P<unit>days?|weeks?|months?)|(?P<units>days|weeks|months))\b",
            re.I,
        ),
    ),
    ("recent", re.compile(r"\b(?:recently|lately|of\s+late)\b", re.I)),
    (
        "rest",
        re.compile(
            r"\b(?:the\s+)?rest\s+of\s+(?:the\s+|this\s+)?(?P<unit>day|today|week|month)\b",
            re.I,
        ),
    ),
    (
        "part",
        re.compile(
            r"\b(?P<day>this|today|tomorrow|yesterday|tonight)(?:'?s)?\s*"
            r"(?P<part>morning|afternoon|evening|night)?\b",
            re.I,
        ),
    ),
]
# Parts of a day: [from hour, to hour).
_PARTS = {"morning": (5, 12), "afternoon": (12, 17), "evening": (17, 24), "night": (17, 24)}


def _month_number(name: str) -> int:
    return [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
    ].index(name[:3].lower()) + 1


def _day_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _days(first: date, last: date, zone: ZoneInfo) -> Window:
    """From the start of `first` to the end of `last` (whole days)."""
    return day_bounds(first, zone)[0], day_bounds(last, zone)[1]


def _window_of_match(
    kind: str, match: re.Match[str], zone: ZoneInfo, now: datetime
) -> Window | None:
    local = now.astimezone(zone)
    today = local.date()
    if kind in {"month_days", "days_month"}:
        m1 = match["m1"] or match["m2"]
        m2 = match["m2"] or match["m1"]
        assert m1 is not None and m2 is not None
        try:
            first = date(today.year, _month_number(m1), _day_number(match["d1"]))
            last = date(today.year, _month_number(m2), _day_number(match["d2"]))
        except ValueError:
            return None
        if last < first:
            last = last.replace(year=last.year + 1)
        # A range wholly past this year is the next one (as "July 13" means the coming one).
        if last < today - timedelta(days=31):
            try:
                first, last = first.replace(year=first.year + 1), last.replace(year=last.year + 1)
            except ValueError:
                return None
        return _days(first, last, zone)
    if kind == "weekend":
        which = (match["which"] or "this").lower()
        weekday = today.weekday()  # Saturday 5, Sunday 6
        saturday = (
            today - timedelta(days=weekday - 5)
            if weekday >= 5
            else today + timedelta(days=5 - weekday)
        )
        if which == "next":
            saturday += timedelta(days=7)
        elif which in {"last", "past", "previous"}:
            saturday -= timedelta(days=7)
        return _days(saturday, saturday + timedelta(days=1), zone)
    if kind == "recent":
        # "recently": the past seven days, today included.
        return _days(today - timedelta(days=6), today, zone)
    if kind == "rest":
        unit = match["unit"].lower()
        if unit in {"day", "today"}:
            return local, day_bounds(today, zone)[1]
        if unit == "week":
            return local, day_bounds(today + timedelta(days=6 - today.weekday()), zone)[1]
        following = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        return local, day_bounds(following, zone)[0]
    if kind == "span":
        # A plural without a count ("the coming days") is a few.
        raw = (match["n"] or "few").lower()
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(" ".join(raw.split()), 1)
        unit = (match["unit"] or match["units"]).lower().rstrip("s")
        days = {"day": 1, "week": 7, "month": 30}[unit] * count
        if match["which"].lower() in {"next", "coming", "following"}:
            # Today and the days after it: "the next 3 days" on a Monday is Monday to Wednesday.
            return _days(today, today + timedelta(days=days - 1), zone)
        return _days(today - timedelta(days=days - 1), today, zone)
    if kind == "part":
        day_word = match["day"].lower()
        part = (match["part"] or "").lower()
        if day_word == "tonight":
            part = "evening"
        elif day_word == "this" and not part:
            return None
        offset = {"tomorrow": 1, "yesterday": -1}.get(day_word, 0)
        day = today + timedelta(days=offset)
        if not part:
            return _days(day, day, zone)
        start_hour, end_hour = _PARTS[part]
        start = datetime.combine(day, time(start_hour), tzinfo=zone)
        end = (
            day_bounds(day, zone)[1]
            if end_hour == 24
            else datetime.combine(day, time(end_hour), tzinfo=zone)
        )
        return start, end
    return None


def parsed_window(parsed: ParsedWhen, zone: ZoneInfo) -> Window:
    """The stretch of time a parsed phrase names: its day, week, month... or its own range."""
    value = parsed.value.astimezone(zone)
    end = getattr(parsed, "end", None)
    if end is not None:
        end = end.astimezone(zone)
        start = (
            value
            if parsed.has_time and parsed.grain not in _WHOLE
            else day_bounds(value.date(), zone)[0]
        )
        if (end.hour, end.minute) in {(23, 59), (0, 0)} and end.second == 0:
            # A date-only end names a whole day.
            stop = day_bounds(end.date(), zone)[1] if end.hour == 23 else end
        else:
            stop = end
        return start, max(stop, start)
    grain = parsed.grain
    if grain == "week":
        monday = value.date() - timedelta(days=value.weekday())
        return _days(monday, monday + timedelta(days=6), zone)
    if grain in {"month", "quarter", "year"}:
        months = {"month": 1, "quarter": 3, "year": 12}[grain]
        first = value.date().replace(day=1)
        if grain == "year":
            first = first.replace(month=1)
        elif grain == "quarter":
            first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        total = first.month - 1 + months
        after = date(first.year + total // 12, total % 12 + 1, 1)
        return day_bounds(first, zone)[0], day_bounds(after, zone)[0]
    if parsed.has_time and grain in {"hour", "minute", "second"}:
        start = value.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    return _days(value.date(), value.date(), zone)


_WHOLE = {"day", "week", "month", "quarter", "year"}


def read_window(text: str, zone: ZoneInfo, now: datetime) -> Window | None:
    """The window a whole phrase names ("this weekend", "next 3 days", "July 13-15",
    "friday", "next month", "2026-12-01"), or None."""
    phrase = " ".join(text.strip().split())
    if not phrase:
        return None
    for kind, pattern in WINDOW_PATTERNS:
        match = pattern.fullmatch(phrase)
        if match is not None:
            window = _window_of_match(kind, match, zone, now)
            if window is not None:
                return window
    # "monday to wednesday", "dec 1 - dec 5": two phrases around a connector.
    ranged = re.fullmatch(
        r"(?:(?:between|from)\s+)?(?P<a>.+?)\s+(?:-|\u2013|to|until|till|through|thru|and)\s+(?P<b>.+)",
        phrase,
        re.I,
    )
    if ranged is not None:
        first = parse_when(ranged["a"], zone, now)
        if first is not None:
            start = parsed_window(first, zone)[0]
            # The second phrase is read from the first: "friday to sunday" ends after friday.
            last = parse_when(ranged["b"], zone, max(start, now))
            if last is not None:
                end = parsed_window(last, zone)[1]
                if end > start:
                    return start, end
    parsed = parse_when(phrase, zone, now)
    if parsed is None:
        return None
    return parsed_window(parsed, zone)


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
    if query.completed_after is not None:
        conditions.append(col(Task.completed_at) >= query.completed_after)
    if query.completed_before is not None:
        conditions.append(col(Task.completed_at) < query.completed_before)
    if query.search:
        conditions.append(task_text_matches(session, Task.__table__, query.search))  # type: ignore[arg-type]
    return conditions


def order_by(query: TaskQuery) -> list[sa.ColumnElement[object]]:
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
        rank = PRIORITY_ORDER.asc() if desc else PRIORITY_ORDER.desc()
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
) -> tuple[list[TaskPublic], int]:
    now = now or utcnow()
    conditions = build_filters(session, user_id, query, zone, now)
    # Core rows straight into the public model's validator: a page of ORM objects (or
    # SQLModel's model_validate wrapper) costs about twice as much per row.
    page = (
        sa.select(*_PUBLIC_COLUMNS)
        .where(*conditions)
        .order_by(*order_by(query))
        .limit(query.limit)
        .offset(query.offset)
    )
    validate = TaskPublic.__pydantic_validator__.validate_python
    rows: list[TaskPublic] = [
        validate(dict(row)) for row in session.connection().execute(page).mappings()
    ]
    if query.offset == 0 and len(rows) < query.limit:
        return rows, len(rows)
    key = _total_key(user_id, data_version, query, zone, now)
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
    user_id: object, data_version: int | None, query: TaskQuery, zone: ZoneInfo, now: datetime
) -> tuple[object, ...] | None:
    """None when the total depends on the current instant (overdue filters)."""
    if data_version is None or query.overdue or (query.due or "").strip().lower() == "overdue":
        return None
    day = now.astimezone(zone).date() if query.due else None
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
    )
