"""Reading dates and times that people type ("tomorrow 5pm", "next friday", "2026-12-01").

One reader serves the REST API (`due`), quick add and the offline agent model. Phrases are
read in the user's time zone relative to `now`; results are timezone-aware.

`parse_when` reads a whole phrase: ISO first, then the phrase grammar in `behflow_server.phrases`
(fast, exact, and it knows which words are too weak to be a date on their own), then dateparser
for the long tail (marked `unsure`). `find_when` locates a date phrase inside free text, grammar
only, so a title such as "Read The 5th Wave" keeps its words. Holidays are the account's country's
(`country`, else the default that `set_default_country` sets; "US" until then). Conventions:
docs/agent.md, "Dates and times".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from behflow_server.db import utcnow
from behflow_server.phrases.holidays import set_default_country
from behflow_server.phrases.result import END_OF_DAY, FoundWhen, ParsedWhen
from behflow_server.phrases.windows import RECENT_DAYS_PAST, Window, parsed_window

__all__ = [
    "END_OF_DAY",
    "FoundWhen",
    "ParsedWhen",
    "day_bounds",
    "find_when",
    "parse_iso",
    "parse_when",
    "read_window",
    "set_default_country",
]


def parse_iso(text: str, zone: ZoneInfo) -> ParsedWhen | None:
    text = text.strip()
    if not text or not text[0].isdigit():
        return None
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
        return ParsedWhen(datetime.combine(parsed.date(), END_OF_DAY, tzinfo=zone), False)
    return ParsedWhen(parsed, has_time=True, grain="minute")


def parse_when(
    text: str, zone: ZoneInfo, now: datetime | None = None, country: str | None = None
) -> ParsedWhen | None:
    """A date/time phrase, or None when the text is not one."""
    iso = parse_iso(text, zone)
    if iso is not None:
        return iso
    from behflow_server.phrases.grammar import declined
    from behflow_server.phrases.ranges import parse_words
    from behflow_server.phrases.tokens import tokenize, worth_fallback

    reference = (now or utcnow()).astimezone(zone)
    tokens = tokenize(text)
    if not tokens:
        return None
    parsed = parse_words([t.word for t in tokens], reference, country)
    if parsed is not None:
        return parsed
    if not worth_fallback(tokens) or declined([t.word for t in tokens], reference, country):
        return None  # a wrong time is worse than no time
    return _dateparser(text, zone, reference)


def find_when(
    text: str, zone: ZoneInfo, now: datetime | None = None, country: str | None = None
) -> FoundWhen | None:
    """The longest date phrase inside `text` (leftmost on ties), or None."""
    from behflow_server.phrases.find import find

    reference = (now or utcnow()).astimezone(zone)
    return find(text, reference, country)


def _dateparser(text: str, zone: ZoneInfo, reference: datetime) -> ParsedWhen | None:
    import dateparser  # costly import, only for phrases the grammar does not know

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": reference.replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": [],
        "PREFER_DAY_OF_MONTH": "first",
    }
    try:
        parsed = dateparser.parse(text, languages=["en"], settings=settings)
    except (OverflowError, ValueError):
        return None
    if parsed is None:
        return None
    has_time = _mentions_time(text)
    value = parsed.replace(tzinfo=zone)
    unsure = f"guessed by the fallback reader: {text.strip()}"
    if not has_time:
        day_end = datetime.combine(value.date(), END_OF_DAY, tzinfo=zone)
        return ParsedWhen(day_end, False, unsure=unsure)
    return ParsedWhen(value, has_time=True, grain="minute", unsure=unsure)


def _mentions_time(text: str) -> bool:
    lowered = text.lower()
    markers = (
        "am",
        "pm",
        ":",
        "noon",
        "midnight",
        "morning",
        "evening",
        "tonight",
        "afternoon",
        "hour",
        "minute",
        "o'clock",
        "oclock",
    )
    return any(marker in lowered for marker in markers)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start of `day` and of the next day, in `zone`."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


_YEAR = re.compile(r"\b\d{4}\b")


def read_window(text: str, zone: ZoneInfo, now: datetime) -> Window | None:
    """The window a whole phrase names ("this weekend", "next 3 days", "July 13-15", "friday",
    "tomorrow afternoon", "recently", "next month", "2026-12-01"), or None."""
    phrase = " ".join(text.strip().split())
    if not phrase:
        return None
    parsed = parse_when(phrase, zone, now)
    if parsed is None:
        return None
    start, end = parsed_window(parsed, zone)
    if parsed.end is not None and not parsed.has_time and not _YEAR.search(phrase):
        # A date range said without a year that ended within the last month is the one just
        # gone (a list asks about it), not next year's as a due date would be.
        today = _window_day_start(now.astimezone(zone).date(), zone)
        start_before, end_before = (
            _window_day_start(edge.date() - relativedelta(years=1), zone) for edge in (start, end)
        )
        if start > today and today - timedelta(days=RECENT_DAYS_PAST) <= end_before <= today:
            return start_before, end_before
    return start, end


def _window_day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)
