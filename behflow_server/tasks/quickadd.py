"""Quick add: one line of text -> task fields ("Call mom tomorrow 5pm #family !high").

The one reader of task text: POST /api/v1/tasks/quick, `behflow task add`, the TUI and web
quick-add boxes and the offline agent model all use `parse_text`.

Reads, in this order: "quoted words" (kept literally), `#tag`, `+project`, `!priority` / `p1`,
recurrence words ("every other friday at 5pm"), priority words ("urgent"), then one date phrase.
What is left is the title.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from pydantic import Field
from sqlmodel import Session, SQLModel

from behflow_server.auth.models import User
from behflow_server.dates import END_OF_DAY, find_when, parse_when
from behflow_server.db import utcnow
from behflow_server.errors import InvalidInput
from behflow_server.tasks import recurrence as recurrence_rules
from behflow_server.tasks import service
from behflow_server.tasks.models import (
    Task,
    TaskCreate,
    TaskDetails,
    TaskPriority,
    normalize_tags,
)
from behflow_server.timezones import get_zone

MAX_TEXT = 2000

PRIORITY_MARKS = {
    "urgent": TaskPriority.urgent,
    "high": TaskPriority.high,
    "medium": TaskPriority.medium,
    "med": TaskPriority.medium,
    "low": TaskPriority.low,
    "none": TaskPriority.none,
    "1": TaskPriority.urgent,
    "2": TaskPriority.high,
    "3": TaskPriority.medium,
    "4": TaskPriority.low,
}
# Words that set a priority; longest first so "high priority" wins over "high".
PRIORITY_WORDS: list[tuple[str, TaskPriority]] = [
    ("top priority", TaskPriority.urgent),
    ("high priority", TaskPriority.high),
    ("medium priority", TaskPriority.medium),
    ("low priority", TaskPriority.low),
    ("urgently", TaskPriority.urgent),
    ("urgent", TaskPriority.urgent),
    ("asap", TaskPriority.urgent),
    ("important", TaskPriority.high),
]

_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|'([^']{2,})'(?!\w)")
_TAG = re.compile(r"(?<!\S)#([\w][\w\-/.]*)")
_PROJECT = re.compile(r"(?<!\S)\+([\w][\w\-/.]*)")
_PRIORITY = re.compile(
    r"(?<!\S)(?:!(urgent|high|medium|med|low|none|[1-4])|p([1-4]))(?!\S)", re.IGNORECASE
)

_DAY_CODES = {"mo": "MO", "tu": "TU", "we": "WE", "th": "TH", "fr": "FR", "sa": "SA", "su": "SU"}
_WD = (
    r"(?:mondays?|mon|tuesdays?|tues?|wednesdays?|wed|thursdays?|thur?s?|fridays?|fri"
    r"|saturdays?|sat|sundays?|sun)"
)
_COUNT_WORDS = {
    "other": 2,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "2nd": 2,
    "second": 2,
    "3rd": 3,
    "third": 3,
}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november"
    "|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_EVERY = r"(?:every|each)"
_NTH = r"(?P<md>\d{1,2})(?:st|nd|rd|th)?"
_RECURRENCE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "monthday",
        re.compile(rf"\b(?:on\s+)?(?:the\s+)?{_NTH}\s+(?:day\s+)?of\s+{_EVERY}\s+month\b", re.I),
    ),
    ("monthday", re.compile(rf"\b(?:{_EVERY}\s+month|monthly)\s+on\s+the\s+{_NTH}\b", re.I)),
    ("monthday", re.compile(rf"\b{_EVERY}\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)\b", re.I)),
    (
        "yearday",
        re.compile(rf"\b{_EVERY}\s+(?:year\s+on\s+)?(?P<month>{_MONTHS})\s+{_NTH}\b", re.I),
    ),
    (
        "weekdays",
        re.compile(
            r"\b(?:every|each)\s+(?:weekday|workday|work\s+day|business\s+day)s?\b"
            r"|\b(?:on\s+)?weekdays\b",
            re.I,
        ),
    ),
    ("weekend", re.compile(r"\b(?:every|each)\s+weekend\b|\b(?:on\s+)?weekends\b", re.I)),
    (
        "days",
        re.compile(
            rf"\b{_EVERY}\s+(?:(?P<count>other|\d+|two|three|four|five|six|2nd|second|3rd|third)"
            rf"\s+)?(?P<days>{_WD}(?:\s*(?:,|and|&|,\s*and)\s*{_WD})*)\b",
            re.I,
        ),
    ),
    ("days", re.compile(r"\bon\s+(?P<days>(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b", re.I)),
    (
        "unit",
        re.compile(
            rf"\b{_EVERY}\s+(?:(?P<count>other|\d+|two|three|four|five|six|2nd|second|3rd|third)"
            r"\s+)?(?P<unit>day|week|month|year)s?\b",
            re.I,
        ),
    ),
    ("unit", re.compile(r"\b(?P<unit>everyday)\b", re.I)),
    # "weekly" and friends only at the very end: "Water plants daily", not "Weekly report".
    (
        "adverb",
        re.compile(
            r"\b(?P<adverb>daily|weekly|monthly|yearly|annually|biweekly|fortnightly)\s*$", re.I
        ),
    ),
]
_FREQ = {
    "day": "DAILY",
    "everyday": "DAILY",
    "week": "WEEKLY",
    "month": "MONTHLY",
    "year": "YEARLY",
}
_ADVERBS = {
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
    "annually": "FREQ=YEARLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
}


class QuickAdd(TaskDetails):
    """POST /api/v1/tasks/quick: text plus optional fields that win over what the text says."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    due: str | None = Field(default=None, min_length=1, max_length=200)
    priority: TaskPriority | None = None
    dry_run: bool = False


class QuickParsed(SQLModel):
    """The fields quick add would create."""

    title: str
    description: str | None = None
    due_at: datetime | None = None
    due_has_time: bool = False
    priority: TaskPriority = TaskPriority.none
    tags: list[str] = Field(default_factory=list)
    project: str | None = None
    recurrence: str | None = None
    remind_at: datetime | None = None


class QuickPreview(SQLModel):
    parsed: QuickParsed


@dataclass
class _Text:
    """The text being read, with the parts already taken blanked out."""

    text: str
    quoted: dict[str, str] = field(default_factory=dict)

    def take(self, start: int, end: int) -> None:
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]


def parse_text(text: str, zone: ZoneInfo, now: datetime | None = None) -> QuickParsed:
    """Read one line of task text; raises InvalidInput when no title is left."""
    now = (now or utcnow()).astimezone(zone)
    work = _Text(_mask_quotes(text, quoted := {}), quoted)
    tags = _take_all(work, _TAG)
    projects = _take_all(work, _PROJECT)
    priority = _take_priority_marks(work)
    rule = _take_recurrence(work)
    word_priority = _take_priority_words(work)
    priority = priority or word_priority or TaskPriority.none
    found = find_when(work.text, zone, now)
    due_at: datetime | None = None
    has_time = False
    if found is not None:
        work.text = found.without(work.text)
        due_at, has_time = found.when.value, found.when.has_time
    if rule is not None:
        due_at, has_time = _first_occurrence(rule, due_at, has_time, now)
    title = _title(work)
    if not title:
        raise InvalidInput(
            "Nothing is left for a title after reading dates, tags and priorities; "
            'put literal words in quotes, e.g. "Tomorrow" tomorrow.',
            code="empty_title",
            details={"field": "text"},
        )
    return QuickParsed(
        title=title[:500],
        due_at=due_at.astimezone(UTC) if due_at else None,
        due_has_time=has_time,
        priority=priority,
        tags=normalize_tags(tags) or [],
        project=projects[-1] if projects else None,
        recurrence=rule,
    )


def _mask_quotes(text: str, quoted: dict[str, str]) -> str:
    def mask(match: re.Match[str]) -> str:
        key = f"\x00{len(quoted)}\x00"
        quoted[key] = next(group for group in match.groups() if group is not None)
        return key

    return _QUOTED.sub(mask, text)


def _take_all(work: _Text, pattern: re.Pattern[str]) -> list[str]:
    values: list[str] = []
    for match in list(pattern.finditer(work.text)):
        values.append(match.group(1).rstrip(".,;"))
        work.take(match.start(), match.end())
    return values


def _take_priority_marks(work: _Text) -> TaskPriority | None:
    priority: TaskPriority | None = None
    for match in list(_PRIORITY.finditer(work.text)):
        priority = PRIORITY_MARKS[(match.group(1) or match.group(2)).lower()]
        work.take(match.start(), match.end())
    return priority


def _take_priority_words(work: _Text) -> TaskPriority | None:
    """A priority word sets the priority; it leaves the title only when it stands at an edge."""
    lowered = work.text.lower()
    for phrase, priority in PRIORITY_WORDS:
        match = re.search(rf"(?<![\w\x00]){phrase}(?![\w\x00])", lowered)
        if match is None:
            continue
        before = work.text[: match.start()].strip(" ,;:-!")
        after = work.text[match.end() :].strip(" ,;:-!.")
        if not before or not after or "priority" in phrase:
            work.take(match.start(), match.end())
        return priority
    return None


def _take_recurrence(work: _Text) -> str | None:
    for kind, pattern in _RECURRENCE_PATTERNS:
        match = pattern.search(work.text)
        if match is None:
            continue
        rule = _rule(kind, match)
        if rule is None:
            continue
        work.take(match.start(), match.end())
        return recurrence_rules.validate_rule(rule)
    return None


def _count(match: re.Match[str]) -> int:
    raw = (match.groupdict().get("count") or "").lower()
    if not raw:
        return 1
    return int(raw) if raw.isdigit() else _COUNT_WORDS[raw]


def _rule(kind: str, match: re.Match[str]) -> str | None:
    if kind == "monthday":
        day = int(match.group("md"))
        return f"FREQ=MONTHLY;BYMONTHDAY={day}" if 1 <= day <= 31 else None
    if kind == "yearday":
        day = int(match.group("md"))
        month = _MONTH_NUMBERS[match.group("month").lower()]
        # A day the month never has ("every feb 30") would be a rule that never fires.
        longest = calendar.monthrange(2024, month)[1]
        return f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}" if 1 <= day <= longest else None
    if kind == "weekdays":
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    if kind == "weekend":
        return "FREQ=WEEKLY;BYDAY=SA,SU"
    if kind == "adverb":
        return _ADVERBS[match.group("adverb").lower()]
    interval = _count(match)
    suffix = f";INTERVAL={interval}" if interval > 1 else ""
    if interval < 1 or interval > 999:
        return None
    if kind == "days":
        names = re.findall(_WD, match.group("days"), re.I)
        codes = list(dict.fromkeys(_DAY_CODES[name[:2].lower()] for name in names))
        return f"FREQ=WEEKLY{suffix};BYDAY={','.join(codes)}"
    unit = match.group("unit").lower()
    return f"FREQ={_FREQ[unit]}{suffix}"


def _first_occurrence(
    rule: str, due_at: datetime | None, has_time: bool, now: datetime
) -> tuple[datetime, bool]:
    """The rule's first occurrence from the phrase's date (or today), at its time if one."""
    zone = now.tzinfo
    clock = due_at.astimezone(zone).time() if due_at is not None and has_time else END_OF_DAY
    start_day = due_at.astimezone(zone).date() if due_at is not None else now.date()
    if due_at is not None and has_time and due_at.astimezone(zone).date() > now.date():
        # A time-only phrase ("at 5pm") may have rolled over to tomorrow; start from today.
        start_day = now.date()
    start = datetime.combine(start_day, clock).replace(tzinfo=None)
    floor = max(start, now.replace(tzinfo=None, second=0, microsecond=0))
    occurrence = rrulestr(rule, dtstart=start).after(floor, inc=True)
    if occurrence is None:
        return datetime.combine(start_day, clock, tzinfo=zone), has_time
    return occurrence.replace(tzinfo=zone), has_time


def _title(work: _Text) -> str:
    title = re.sub(r"\s+", " ", work.text).strip(" ,;:-\u2013")
    title = re.sub(r"\s+([,.;:!?])", r"\1", title)
    for key, literal in work.quoted.items():
        title = title.replace(key, literal)
    return title.strip()


def resolve(data: QuickAdd, zone: ZoneInfo, now: datetime | None = None) -> QuickParsed:
    """The fields a quick add creates: what the text says, with the explicit fields on top."""
    now = now or utcnow()
    parsed = parse_text(data.text, zone, now)
    due_at, has_time = parsed.due_at, parsed.due_has_time
    if data.due is not None:
        # Read exactly as create_task reads an explicit `due` (same reading, same error).
        due_at = service.resolve_due(data.due, zone, now)
        explicit = parse_when(data.due, zone, now)
        has_time = explicit is not None and explicit.has_time
    rule = data.recurrence if data.recurrence is not None else parsed.recurrence
    return QuickParsed(
        title=parsed.title,
        description=data.description,
        due_at=due_at,
        due_has_time=has_time and due_at is not None,
        priority=data.priority if data.priority is not None else parsed.priority,
        tags=data.tags if data.tags is not None else parsed.tags,
        project=data.project if data.project is not None else parsed.project,
        recurrence=recurrence_rules.validate_rule(rule) if rule else None,
        remind_at=service.resolve_reminder(data.remind, due_at, zone, now) if data.remind else None,
    )


def preview(data: QuickAdd, user: User, zone: ZoneInfo | None = None) -> QuickPreview:
    """What quick add would create, without saving (dry_run)."""
    return QuickPreview(parsed=resolve(data, zone or get_zone(user.timezone)))


def quick_add(session: Session, user: User, data: QuickAdd, zone: ZoneInfo | None = None) -> Task:
    """Create the task the text describes."""
    zone = zone or get_zone(user.timezone)
    fields = resolve(data, zone).model_dump(exclude={"due_has_time"})
    return service.create_task(session, user, TaskCreate(**fields), zone=zone)
