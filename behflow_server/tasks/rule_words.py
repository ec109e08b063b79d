"""A recurrence rule in words, once, for every client: "every 3 days after done", "every
weekday", "every other Tuesday until 1 Mar 2027", "every last Friday, 5 times (2 left)".

TaskPublic.recurrence_text calls `describe_rule`, so the CLI, the TUI, the web page and the
agent show the same words and none of them re-reads RRULE text. A rule using parts this cannot
say in words (BYSETPOS with several days, BYWEEKNO ...) still gets words for what it can say,
followed by "(custom rule)", never the raw RRULE.
"""

from __future__ import annotations

from datetime import datetime

MODE_KEY = "X-BEHFLOW-FROM"
FROM_COMPLETION = "COMPLETION"

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
UNITS |= {"HOURLY": "hour", "MINUTELY": "minute", "SECONDLY": "second"}
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_KNOWN = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR", "BYMINUTE"}
_KNOWN |= {"BYSETPOS", "COUNT", "UNTIL", "WKST", MODE_KEY}


def rule_parts(rule: str) -> dict[str, str]:
    """KEY=VALUE parts of a rule (keys upper case, 'RRULE:' prefix dropped), in order."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    return {
        key.strip().upper(): value.strip()
        for key, _, value in (part.partition("=") for part in text.split(";") if part.strip())
    }


def is_from_completion(rule: str | None) -> bool:
    """Whether the next occurrence is counted from when this one was completed."""
    return bool(rule) and rule_parts(rule or "").get(MODE_KEY, "").upper() == FROM_COMPLETION


def _ordinal(number: int) -> str:
    if number < 0:
        return "last day" if number == -1 else f"{-number}th-last day"
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _every_nth(interval: int) -> str:
    return "every other" if interval == 2 else f"every {_ordinal(interval)}"


def _day_names(value: str) -> tuple[list[str], bool] | None:
    """BYDAY as names ("Monday", "last Friday") and whether any has a position; None if odd."""
    names: list[str] = []
    positioned = False
    for code in (code.strip().upper() for code in value.split(",") if code.strip()):
        day, prefix = code[-2:], code[:-2]
        if day not in DAY_NAMES:
            return None
        name = DAY_NAMES[day]
        if prefix:
            try:
                position = int(prefix)
            except ValueError:
                return None
            positioned = True
            name = f"{ORDINAL_WORDS.get(position, _ordinal(position))} {name}"
        names.append(name)
    return (names, positioned) if names else None


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _on_days(month_day: str | None, month: str | None) -> str:
    """BYMONTHDAY (and BYMONTH for yearly rules): " on the 1st", " on 25 Dec"."""
    days = [int(d) for d in (month_day or "").split(",") if d.lstrip("-").isdigit()]
    months = [int(m) for m in (month or "").split(",") if m.isdigit() and 1 <= int(m) <= 12]
    names = [MONTH_NAMES[m - 1] for m in months]
    if len(days) == 1 and days[0] > 0 and len(names) == 1:
        return f" on {days[0]} {names[0]}"
    text = f" on the {' and '.join(_ordinal(d) for d in days)}" if days else ""
    return text + (f" in {' and '.join(names)}" if names else "")


def _until(value: str) -> datetime | None:
    """RRULE's UNTIL (20261231T235959Z, 20261231T235959 or 20261231) as a datetime."""
    digits = value.rstrip("Z")
    try:
        return datetime.strptime(digits[:8], "%Y%m%d")
    except ValueError:
        return None


def _schedule(parts: dict[str, str], unit: str, interval: int) -> str | None:
    """The when of the rule ("every Monday", "every 2 weeks"); None when it cannot be said."""
    by_day, month_day, month = parts.get("BYDAY"), parts.get("BYMONTHDAY"), parts.get("BYMONTH")
    if "BYSETPOS" in parts:
        # BYSETPOS=1;BYDAY=MO is BYDAY=1MO ("the first Monday").
        position = parts["BYSETPOS"].strip()
        if not (by_day and by_day.isalpha() and position.lstrip("-").isdigit()):
            return None
        by_day = f"{int(position)}{by_day}"
    days = _day_names(by_day) if by_day else None
    if by_day and days is None:
        return None
    if days is not None:
        names, positioned = days
        if sorted((by_day or "").upper().split(",")) == sorted(WEEKDAYS) and unit in (
            "day",
            "week",
        ):
            return "every weekday" if interval == 1 else f"{_every_nth(interval)} week, weekdays"
        if unit == "week" and not positioned:
            return (
                f"every {_joined(names)}"
                if interval == 1
                else f"{_every_nth(interval)} {_joined(names)}"
            )
        if unit == "month" and positioned and not month_day:
            text = f"every {_joined(names)}"
            return text if interval == 1 else f"{text} of {_every_nth(interval)} month"
    phrase = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    if days is not None:
        phrase += f" on the {_joined(days[0])}" if days[1] else f" on {_joined(days[0])}"
    return phrase + _on_days(month_day, month if unit == "year" else None)


def describe_rule(rule: str | None, index: int | None = None) -> str | None:
    """The rule in words; `index` (1 = the series' first occurrence) gives "(2 left)".

    None for no rule. Never the RRULE text itself."""
    if not rule:
        return None
    parts = rule_parts(rule)
    unit = UNITS.get(parts.get("FREQ", "").upper())
    interval_text = parts.get("INTERVAL", "1")
    interval = int(interval_text) if interval_text.isdigit() and int(interval_text) > 0 else 1
    phrase = _schedule(parts, unit, interval) if unit else None
    if phrase is None:
        phrase = (f"every {unit}" if interval == 1 else f"every {interval} {unit}s") if unit else ""
        phrase = (phrase + " (custom rule)").strip()
    elif set(parts) - _KNOWN:
        phrase += " (custom rule)"
    if parts.get("BYHOUR", "").isdigit():
        minute = parts.get("BYMINUTE", "0")
        phrase += f" at {int(parts['BYHOUR']):02d}:{int(minute) if minute.isdigit() else 0:02d}"
    if is_from_completion(rule):
        phrase += " after done"
    if parts.get("UNTIL"):
        until = _until(parts["UNTIL"])
        if until is not None:
            phrase += f" until {until.day} {until:%b %Y}"
    if parts.get("COUNT", "").isdigit():
        count = int(parts["COUNT"])
        phrase += ", once" if count == 1 else f", {count} times"
        if index is not None and count > 1:
            left = count - index
            phrase += " (last one)" if left <= 0 else f" ({left} left)"
    return phrase
