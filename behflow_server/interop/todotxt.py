"""todo.txt (github.com/todotxt/todo.txt): one task a line.

    x 2026-12-02 2026-11-30 (B) Pay rent +Home @money due:2026-12-05 rec:+1m uuid:...

Read: `x` and the completion date, `(A)` priority (A urgent, B high, C medium, D-Z low; on a
done line the `pri:` extension), the creation date, `+project` (the first; more become tags),
`@context` as tags, and the extensions `due:` (a date, all day, or date and time), `rec:`
(`[+]N` and d, w, m, y or b for business days; without `+` counted from completion, as
todo.txt's rec: extension means it), `rrule:` (an RFC 5545 rule, for repeats `rec:`
cannot say), `status:` (in_progress or blocked) and `uuid:` (matches the task it came from).
Other `key:value` words stay in the title.

A small parser rather than pytodotxt: that library reads any line without complaint, and an
import must name the line whose date or repeat cannot be read.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from behflow_server.interop.records import (
    FIRST_YEAR,
    LAST_YEAR,
    ImportRecord,
    bad_line,
    external_uuid,
    is_all_day,
    local_day_end,
    parse_uuid,
)
from behflow_server.interop.taskwarrior import WEEKDAYS_RULE
from behflow_server.tasks.models import TaskPriority, TaskPublic, TaskStatus
from behflow_server.tasks.rule_words import FROM_COMPLETION, MODE_KEY

FORMAT = "todotxt"
FIELDS = frozenset({"title", "status", "priority", "due_at", "tags", "project", "recurrence"})
_PRIORITY = {"A": TaskPriority.urgent, "B": TaskPriority.high, "C": TaskPriority.medium}
_LETTER = {TaskPriority.urgent: "A", TaskPriority.high: "B", TaskPriority.medium: "C"}
_LETTER[TaskPriority.low] = "D"
_DONE = re.compile(r"^x (?:(\d{4}-\d{2}-\d{2}) (?:(\d{4}-\d{2}-\d{2}) )?)?")
_PRIORITY_MARK = re.compile(r"^\(([A-Z])\) ")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}) ")
_REC = re.compile(r"^(\+?)(\d*)([dwmyb])$")
_REC_FREQ = {"d": "DAILY", "w": "WEEKLY", "m": "MONTHLY", "y": "YEARLY"}
_FREQ_REC = {value: key for key, value in _REC_FREQ.items()}
_KEYS = {"due", "rec", "rrule", "uuid", "pri", "status"}


def _day(text: str, line: int, what: str) -> date:
    try:
        day = date.fromisoformat(text)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(text)
        return day
    except ValueError:
        raise bad_line(line, f"{what} {text!r} is not a date (YYYY-MM-DD)", fmt=FORMAT) from None


def _rule(value: str, line: int) -> str:
    match = _REC.match(value)
    if match is None:
        raise bad_line(line, f"rec:{value} is not a repeat such as rec:1w or rec:+2m", fmt=FORMAT)
    count = int(match.group(2) or 1)
    if count < 1:
        raise bad_line(line, f"rec:{value} must repeat at least every 1", fmt=FORMAT)
    if match.group(3) == "b":
        if count != 1:
            raise bad_line(line, f"rec:{value}: only rec:1b (every weekday) is kept", fmt=FORMAT)
        return WEEKDAYS_RULE
    frequency = _REC_FREQ[match.group(3)]
    rule = f"FREQ={frequency}" + (f";INTERVAL={count}" if count > 1 else "")
    # todo.txt's rec: without "+" counts from completion ("rec:1w": a week after it is done).
    return rule if match.group(1) else f"{rule};{MODE_KEY}={FROM_COMPLETION}"


def _due(value: str, line: int, zone: ZoneInfo) -> datetime:
    if len(value) == 10:
        return local_day_end(_day(value, line, "due:"), zone)
    try:
        parsed = datetime.fromisoformat(value)
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            raise ValueError(value)
    except ValueError:
        raise bad_line(
            line, f"due:{value} is not a date (YYYY-MM-DD[THH:MM])", fmt=FORMAT
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)


def _local_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)


def _record(text: str, line: int, zone: ZoneInfo) -> ImportRecord:
    record = ImportRecord(line=line, title="", fields=FIELDS)
    rest = text
    done = _DONE.match(rest)
    if done is not None:
        record.status = TaskStatus.completed
        if done.group(1):
            record.completed_at = _local_start(_day(done.group(1), line, "completion date"), zone)
        if done.group(2):
            record.created_at = _local_start(_day(done.group(2), line, "creation date"), zone)
        rest = rest[done.end() :]
    mark = _PRIORITY_MARK.match(rest)
    if mark is not None:
        record.priority = _PRIORITY.get(mark.group(1), TaskPriority.low)
        rest = rest[mark.end() :]
    created = _DATE.match(rest) if done is None else None
    if created is not None:
        record.created_at = _local_start(_day(created.group(1), line, "creation date"), zone)
        rest = rest[created.end() :]
    words: list[str] = []
    projects: list[str] = []
    tags: list[str] = []
    for word in rest.split():
        key, colon, value = word.partition(":")
        if word.startswith("+") and len(word) > 1:
            projects.append(word[1:])
        elif word.startswith("@") and len(word) > 1:
            tags.append(word[1:])
        elif colon and value and key in _KEYS:
            _extension(record, key, value, line, zone)
        else:
            words.append(word)
    record.title = " ".join(words)
    if not record.title:
        raise bad_line(line, "nothing is left for a title", fmt=FORMAT)
    record.project = projects[0] if projects else None
    record.tags = tags + projects[1:]
    return record


def _extension(record: ImportRecord, key: str, value: str, line: int, zone: ZoneInfo) -> None:
    if key == "due":
        record.due_at = _due(value, line, zone)
    elif key == "rec":
        record.recurrence = _rule(value, line)
    elif key == "rrule":
        record.recurrence = value
    elif key == "uuid":
        record.uuid = parse_uuid(value, line, FORMAT)
    elif key == "pri":
        if len(value) != 1 or not value.isalpha():
            raise bad_line(line, f"pri:{value} is not a priority letter", fmt=FORMAT)
        record.priority = _PRIORITY.get(value.upper(), TaskPriority.low)
    elif key == "status" and record.status is not TaskStatus.completed:
        if value not in (TaskStatus.in_progress, TaskStatus.blocked):
            raise bad_line(line, f"status:{value} is not in_progress or blocked", fmt=FORMAT)
        record.status = TaskStatus(value)


def parse(text: str, zone: ZoneInfo) -> list[ImportRecord]:
    return [
        _record(content.strip(), number, zone)
        for number, content in enumerate(text.splitlines(), start=1)
        if content.strip()
    ]


# --- Export ----------------------------------------------------------------------------------


def _repeat(rule: str) -> str:
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    frequency = parts.pop("FREQ", "")
    interval = parts.pop("INTERVAL", "1")
    if rule == WEEKDAYS_RULE:
        return "rec:+1b"
    if not parts and frequency in _FREQ_REC:
        return f"rec:+{interval}{_FREQ_REC[frequency]}"
    if parts == {MODE_KEY: FROM_COMPLETION} and frequency in _FREQ_REC:
        return f"rec:{interval}{_FREQ_REC[frequency]}"
    return f"rrule:{rule}"


def to_line(task: TaskPublic, zone: ZoneInfo) -> str:
    words: list[str] = []
    priority = TaskPriority(task.priority)
    letter = _LETTER.get(priority)
    created = task.created_at.astimezone(zone).date().isoformat()
    if task.status == TaskStatus.completed:
        finished = (task.completed_at or task.updated_at).astimezone(zone).date().isoformat()
        words += ["x", finished, created]
    else:
        if letter:
            words.append(f"({letter})")
        words.append(created)
    words.append(" ".join(task.title.split()))
    if task.project:
        words.append("+" + "_".join(task.project.split()))
    words += [f"@{tag}" for tag in task.tags]
    if task.due_at is not None:
        local = task.due_at.astimezone(zone)
        due = local.date().isoformat()
        if not is_all_day(task.due_at, zone):
            due += local.strftime("T%H:%M")
        words.append(f"due:{due}")
    if task.recurrence:
        words.append(_repeat(task.recurrence))
    if task.status in (TaskStatus.in_progress, TaskStatus.blocked):
        words.append(f"status:{task.status}")
    if task.status == TaskStatus.completed and letter:
        words.append(f"pri:{letter}")
    words.append(f"uuid:{external_uuid(task)}")
    return " ".join(words)


def dump(tasks: list[TaskPublic], zone: ZoneInfo) -> str:
    return "".join(to_line(task, zone) + "\n" for task in tasks)
