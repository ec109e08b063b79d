"""Reading dates and times that people type ("tomorrow 5pm", "next friday", "2026-12-01").

One reader serves the REST API (`due`), quick add and the offline agent model. Phrases are
read in the user's time zone relative to `now`; results are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from behflow_server.db import utcnow

# A due date given without a time means "by the end of that day".
END_OF_DAY = time(23, 59)


@dataclass(frozen=True)
class ParsedWhen:
    value: datetime
    has_time: bool


def parse_iso(text: str, zone: ZoneInfo) -> ParsedWhen | None:
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return ParsedWhen(datetime.combine(day, END_OF_DAY, tzinfo=zone), has_time=False)
    has_time = "T" in text or " " in text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    if not has_time:
        parsed = datetime.combine(parsed.date(), END_OF_DAY, tzinfo=zone)
    return ParsedWhen(parsed, has_time=has_time)


def parse_when(text: str, zone: ZoneInfo, now: datetime | None = None) -> ParsedWhen | None:
    """A date/time phrase, or None when the text is not one."""
    iso = parse_iso(text, zone)
    if iso is not None:
        return iso
    import dateparser  # costly import, only when a phrase needs it

    reference = (now or utcnow()).astimezone(zone)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": reference.replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": [],
        "PREFER_DAY_OF_MONTH": "first",
    }
    parsed = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        return None
    has_time = _mentions_time(text)
    value = parsed.replace(tzinfo=zone)
    if not has_time:
        value = datetime.combine(value.date(), END_OF_DAY, tzinfo=zone)
    return ParsedWhen(value, has_time=has_time)


def _mentions_time(text: str) -> bool:
    lowered = text.lower()
    markers = ("am", "pm", ":", "noon", "midnight", "morning", "evening", "tonight",
               "afternoon", "hour", "minute", "o'clock", "oclock")
    return any(marker in lowered for marker in markers)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start of `day` and of the next day, in `zone`."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
