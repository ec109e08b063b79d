"""Dates as people read them, shared by the CLI and the TUI.

`relative_due` is the one definition of the relative due label ("tomorrow", "in 3 h",
"overdue 2 days"); its rule and the cases it must meet are in
tests/support/relative_due_cases.json, which the web page's JavaScript copy runs too.
`repeats` is how a task repeats, in the words the server gives (TaskPublic.recurrence_text).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "due_style",
    "is_all_day",
    "moved_from",
    "parse_time",
    "relative_due",
    "repeats",
    "short_day",
]

ALL_DAY = (23, 59)  # a due time of 23:59 local means "some time that day"
MONTH_DAYS = 30


def parse_time(value: datetime | str | None) -> datetime | None:
    """An aware datetime from an API timestamp (naive ones are UTC); None when absent/unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _zone(zone: tzinfo | str | None) -> tzinfo | None:
    if isinstance(zone, str):
        try:
            return ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return zone


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    # astimezone() without a zone uses the system's rules for that very instant.
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def is_all_day(due: datetime | str | None, zone: tzinfo | str | None = None) -> bool:
    moment = parse_time(due)
    if moment is None:
        return False
    local = _local(moment, _zone(zone))
    return (local.hour, local.minute) == ALL_DAY


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 60 else f"{int(seconds // 3600)} h"


def _days(count: int) -> str:
    if count >= 2 * MONTH_DAYS:
        return f"{count // MONTH_DAYS} months"
    return "1 day" if count == 1 else f"{count} days"


def relative_due(
    due: datetime | str | None,
    *,
    now: datetime | None = None,
    zone: tzinfo | str | None = None,
) -> str:
    """The relative due label in `zone` (default: the system's local zone); '' without a due."""
    moment = parse_time(due)
    if moment is None:
        return ""
    tz = _zone(zone)
    current = parse_time(now) or datetime.now(UTC)
    local_due, local_now = _local(moment, tz), _local(current, tz)
    days = (local_due.date() - local_now.date()).days
    if days == 0:
        if (local_due.hour, local_due.minute) == ALL_DAY:
            return "today"
        delta = (moment - current).total_seconds()
        if abs(delta) < 60:
            return "due now"
        return f"in {_span(delta)}" if delta > 0 else f"overdue {_span(-delta)}"
    if days == 1:
        return "tomorrow"
    if days > 1:
        return f"in {_days(days)}"
    return f"overdue {_days(-days)}"


def due_style(label: str) -> str:
    """A rich style for a relative due label: red when overdue, yellow when due today."""
    if label.startswith("overdue"):
        return "bold red"
    if label == "due now":
        return "bold yellow"
    if label == "today" or label.endswith((" min", " h")):
        return "yellow"
    return ""


def short_day(value: datetime | str | None, zone: tzinfo | str | None = None) -> str:
    """A day as people write it, "20 Nov" (with the year when it is not this year's)."""
    moment = parse_time(value)
    if moment is None:
        return ""
    tz = _zone(zone)
    local = _local(moment, tz)
    text = f"{local.day} {local:%b}"
    if local.year != _local(datetime.now(UTC), tz).year:
        text += f" {local.year}"
    return text


def moved_from(task: dict[str, object], zone: tzinfo | str | None = None) -> str:
    """ "moved from 20 Nov" when automation moved the task's due date, else ''."""
    original = task.get("original_due_at")
    if not isinstance(original, str | datetime) or not original:
        return ""
    return f"moved from {short_day(original, zone)}"


# Recurrence in words ---------------------------------------------------------------------------
def repeats(task: Mapping[str, Any]) -> str:
    """How the task repeats, in the server's words ("every 3 days after done"); '' if it does
    not. The words come from the API (TaskPublic.recurrence_text), never from the RRULE here."""
    words = task.get("recurrence_text")
    return words if isinstance(words, str) else ""
