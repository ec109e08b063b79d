"""Recurrence rules (RFC 5545 RRULE text) and the next occurrence of a recurring task.

Two things a plain RRULE cannot say travel inside the rule text, so every client, the agent,
import/export and history carry them without a field of their own:
- `X-BEHFLOW-FROM=COMPLETION` (an RFC 2445 x-name part): the next due date is counted from when
  the task was completed ("every 3 days after done"), not from the schedule. Such a rule is a
  plain interval (FREQ, INTERVAL, COUNT, UNTIL): "every Monday after done" would mean nothing.
- COUNT and UNTIL hold across the chain of occurrences. Each occurrence is its own task; it
  knows its place in the series (Task.recurrence_index, 1 for the first), so "5 times" ends
  after the fifth, whichever anchor the schedule is counted from. A skipped occurrence counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from behflow_server.errors import InvalidInput
from behflow_server.phrases.result import END_OF_DAY
from behflow_server.tasks.models import Task
from behflow_server.tasks.rule_words import FROM_COMPLETION, MODE_KEY, rule_parts

MAX_COUNT = 10_000
_PLAIN_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_recurrence", details={"field": "recurrence"})


def split_mode(rule: str) -> tuple[str, bool]:
    """The RRULE without Behflow's mode part, and whether it counts from completion."""
    parts = rule_parts(rule)
    mode = parts.pop(MODE_KEY, "").upper()
    return ";".join(f"{key}={value}" for key, value in parts.items()), mode == FROM_COMPLETION


def validate_rule(rule: str) -> str:
    """The rule in canonical form (no 'RRULE:' prefix, upper case); raises InvalidInput if bad."""
    parts = rule_parts(rule.upper())
    mode = parts.pop(MODE_KEY, None)
    if mode not in (None, FROM_COMPLETION, "SCHEDULE"):
        raise _invalid(f"{MODE_KEY} is COMPLETION or SCHEDULE, not {mode!r}.")
    text = ";".join(f"{key}={value}" for key, value in parts.items())
    try:
        rrulestr(text)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"Not a valid recurrence rule: {exc}",
            code="invalid_recurrence",
            details={"field": "recurrence"},
        ) from None
    if "FREQ=" not in text:
        raise InvalidInput(
            "A recurrence rule needs FREQ, e.g. FREQ=WEEKLY;BYDAY=MO.",
            code="invalid_recurrence",
            details={"field": "recurrence"},
        )
    count = parts.get("COUNT", "1")
    if not count.isdigit() or not 1 <= int(count) <= MAX_COUNT:
        raise _invalid(f"COUNT is a number of times from 1 to {MAX_COUNT}.")
    if mode != FROM_COMPLETION:
        return text
    if set(parts) - _PLAIN_PARTS:
        raise _invalid(
            "A rule counted from completion is a plain interval (e.g. 'every 3 days after done'); "
            "days of the week or month need a schedule."
        )
    return f"{text};{MODE_KEY}={FROM_COMPLETION}"


# --- Next occurrences ------------------------------------------------------------------------
#
# Occurrences are computed in the owner's zone on wall-clock time, so a task due 09:00 every
# day stays at 09:00 local across DST changes. A monthly rule starting on the 29th-31st (with
# no BYMONTHDAY/BYDAY of its own) lands on the month's last day in shorter months, and a yearly
# one from February 29th on February 28th, instead of skipping those months as plain RFC 5545
# would. A wall-clock time that does not exist on a DST-change day (02:30 when clocks jump from
# 02:00 to 03:00) is read with the offset before the change, i.e. one hour later.

_BY_PARTS = ("BYMONTHDAY", "BYDAY", "BYSETPOS", "BYYEARDAY", "BYWEEKNO", "BYMONTH")


def _parts(rule: str) -> dict[str, str]:
    return {
        key.strip().upper(): value.strip()
        for key, _, value in (part.partition("=") for part in rule.split(";") if part.strip())
    }


def _rrule(rule: str, start: datetime) -> rrule:
    parsed = rrulestr(rule, dtstart=start)
    assert isinstance(parsed, rrule)
    parts = _parts(rule)
    if any(name in parts for name in _BY_PARTS):
        return parsed
    frequency = parts.get("FREQ")
    if frequency == "MONTHLY" and start.day > 28:
        return parsed.replace(bymonthday=tuple(range(28, start.day + 1)), bysetpos=-1)
    if frequency == "YEARLY" and (start.month, start.day) == (2, 29):
        return parsed.replace(bymonth=2, bymonthday=(28, 29), bysetpos=-1)
    return parsed


def next_occurrence(
    rule: str, anchor: datetime, zone: ZoneInfo, *, after: datetime | None = None
) -> datetime | None:
    """The first occurrence of `rule` (counted from `anchor`, its first occurrence) strictly
    after both `anchor` and `after`, in UTC; None when the rule has ended."""
    local_anchor = anchor.astimezone(zone).replace(tzinfo=None)
    limit = max(anchor, after) if after is not None else anchor
    local_limit = limit.astimezone(zone).replace(tzinfo=None)
    try:
        found = _rrule(_schedule(rule), local_anchor).after(local_limit, inc=False)
    except ValueError:
        # An UNTIL in UTC ("...Z") needs an aware start: dateutil still iterates wall-clock time.
        aware = _rrule(_schedule(rule), anchor.astimezone(zone))
        found_aware = aware.after(limit.astimezone(zone), inc=False)
        return found_aware.astimezone(UTC) if found_aware else None
    if found is None:
        return None
    return _from_wall_clock(found, zone)


def _schedule(rule: str) -> str:
    return split_mode(validate_rule(rule))[0]


def _from_wall_clock(local: datetime, zone: ZoneInfo) -> datetime:
    aware = local.replace(tzinfo=zone, fold=0)
    # Round-trip: a wall-clock time skipped by DST comes back as the real instant it names.
    return aware.astimezone(UTC)


def after_completion(
    rule: str, due_at: datetime | None, zone: ZoneInfo, done: datetime
) -> datetime | None:
    """The next due date of a from-completion rule: the day it was done plus the interval, at
    the task's own time of day (end of day when it had no due time), in the owner's zone."""
    clock = due_at.astimezone(zone).time() if due_at is not None else END_OF_DAY
    start = datetime.combine(done.astimezone(zone).date(), clock)
    return next_occurrence(rule, _from_wall_clock(start, zone), zone)


def next_task(task: Task, zone: ZoneInfo, now: datetime) -> Task | None:
    """The next occurrence of a recurring task, unsaved (number and id left to the caller);
    None when the rule has ended (its UNTIL passed or its COUNT is used up)."""
    assert task.recurrence
    schedule, from_completion = split_mode(validate_rule(task.recurrence))
    parts = rule_parts(schedule)
    count = parts.pop("COUNT", None)
    index = (task.recurrence_index or 1) + 1
    if count is not None and index > int(count):
        return None
    # COUNT is kept by the index: the rule is counted from this task, not the series start.
    rule = ";".join(f"{key}={value}" for key, value in parts.items())
    if from_completion:
        due = after_completion(rule, task.due_at, zone, task.completed_at or now)
    else:
        # The series follows the due date the user set, not where this one was moved to.
        anchor = task.original_due_at or task.due_at
        if anchor is None:
            local_now = now.astimezone(zone)
            anchor = datetime.combine(local_now.date(), time(0), tzinfo=zone).astimezone(UTC)
        due = next_occurrence(rule, anchor, zone, after=now)
    if due is None:
        return None
    remind_at = None
    if task.remind_at is not None and task.due_at is not None:
        remind_at = task.remind_at + (due - task.due_at)
    ends_at = None
    if task.ends_at is not None and task.due_at is not None:
        # The next occurrence lasts as long: same length after its own due time.
        ends_at = due + (task.ends_at - task.due_at)
    return Task(
        user_id=task.user_id,
        number=0,
        title=task.title,
        description=task.description,
        priority=task.priority,
        due_at=due,
        ends_at=ends_at,
        tags=list(task.tags),
        project=task.project,
        recurrence=task.recurrence,
        remind_at=remind_at,
        recurrence_parent_id=task.id,
        recurrence_index=index,
        extra=dict(task.extra),
        created_at=now,
        updated_at=now,
    )
