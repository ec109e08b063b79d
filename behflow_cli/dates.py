"""Dates as people read them, shared by the CLI and the TUI.

`relative_due` is the one definition of the relative due label ("tomorrow", "in 3 h",
"overdue 2 days"); its rule and the cases it must meet are in
tests/support/relative_due_cases.json, which the web page's JavaScript copy runs too.
`recurrence_words` turns a task's RRULE into words ("every Monday", "every 2 weeks").
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "due_style",
    "is_all_day",
    "moved_from",
    "parse_time",
    "recurrence_words",
    "relative_due",
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
DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
UNITS |= {"HOURLY": "hour", "MINUTELY": "minute"}
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


def _ordinal(number: int) -> str:
    if number < 0:
        return "last day" if number == -1 else f"{-number}th-last day"
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _by_day(value: str) -> str:
    """BYDAY: "Monday and Friday", "weekday", "the first Monday"."""
    codes = [code.strip().upper() for code in value.split(",") if code.strip()]
    if sorted(codes) == sorted(WEEKDAYS):
        return "weekday"
    names = []
    for code in codes:
        day, prefix = code[-2:], code[:-2]
        name = DAY_NAMES.get(day, day)
        if prefix:
            try:
                position = int(prefix)
            except ValueError:
                return value
            name = f"{ORDINAL_WORDS.get(position, _ordinal(position))} {name}"
        names.append(name)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _on_days(month_day: str | None, month: str | None) -> str:
    """BYMONTHDAY (and BYMONTH for yearly rules): " on the 1st", " on 25 Dec"."""
    days = [int(d) for d in (month_day or "").split(",") if d.lstrip("-").isdigit()]
    months = [int(m) for m in (month or "").split(",") if m.isdigit() and 1 <= int(m) <= 12]
    names = [MONTH_NAMES[m - 1] for m in months]
    if len(days) == 1 and days[0] > 0 and len(names) == 1:
        return f" on {days[0]} {names[0]}"
    text = f" on the {' and '.join(_ordinal(d) for d in days)}" if days else ""
    return text + (f" in {' and '.join(names)}" if names else "")


def recurrence_words(rule: str | None) -> str:
    """An RRULE in words: "every Monday", "every 2 weeks", "every month on the 1st".

    A rule this does not understand is shown as it is rather than half-translated."""
    if not rule:
        return ""
    text = rule.strip().removeprefix("RRULE:")
    try:
        parts = dict(part.split("=", 1) for part in text.split(";") if part)
    except ValueError:
        return rule
    parts = {key.upper(): value for key, value in parts.items()}
    unit = UNITS.get(parts.get("FREQ", "").upper())
    if unit is None:
        return rule
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return rule
    by_day, month_day, month = parts.get("BYDAY"), parts.get("BYMONTHDAY"), parts.get("BYMONTH")
    if "BYSETPOS" in parts:
        # BYSETPOS=1;BYDAY=MO is BYDAY=1MO ("the first Monday"); other uses are left as written.
        position = parts["BYSETPOS"].strip()
        if not (by_day and by_day.isalpha() and position.lstrip("-").isdigit()):
            return rule
        by_day = f"{int(position)}{by_day}"
    if by_day and unit == "week" and interval == 1:
        phrase = f"every {_by_day(by_day)}"
    elif by_day and unit == "day" and interval == 1 and _by_day(by_day) == "weekday":
        phrase = "every weekday"
    else:
        phrase = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
        if by_day:
            named = _by_day(by_day)
            phrase += f" on the {named}" if named[0].islower() else f" on {named}"
        phrase += _on_days(month_day, month if unit == "year" else None)
    if parts.get("BYHOUR", "").isdigit():
        minute = parts.get("BYMINUTE", "0")
        phrase += f" at {int(parts['BYHOUR']):02d}:{int(minute) if minute.isdigit() else 0:02d}"
    if parts.get("COUNT", "").isdigit():
        count = int(parts["COUNT"])
        phrase += ", once" if count == 1 else f", {count} times"
    if parts.get("UNTIL"):
        until = parse_time(_until(parts["UNTIL"]))
        if until is not None:
            phrase += f", until {until.day} {until:%b %Y}"
    return phrase


def _until(value: str) -> str:
    """RRULE's UNTIL (20261231T235959Z or 20261231) as ISO text."""
    digits = value.rstrip("Z")
    if len(digits) >= 8 and digits[:8].isdigit():
        iso = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
        if len(digits) >= 15:
            iso += f"T{digits[9:11]}:{digits[11:13]}:{digits[13:15]}"
        return iso + ("+00:00" if value.endswith("Z") or len(digits) < 15 else "")
    return value
