"""Reading dates and times that people type ("tomorrow 5pm", "next friday", "2026-12-01").

One reader serves the REST API (`due`), quick add and the offline agent model. Phrases are
read in the user's time zone relative to `now`; results are timezone-aware.

`parse_when` reads a whole phrase: ISO first, then the phrase grammar in `behflow_server.when`
(fast, exact, and it knows which words are too weak to be a date on their own), then dateparser
for the long tail. `find_when` locates a date phrase inside free text, grammar only, so a title
such as "Read The 5th Wave" keeps its words.
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
    # The precision the phrase named: second, minute, hour, day, week, month, quarter or year.
    grain: str = "day"


@dataclass(frozen=True)
class FoundWhen:
    """A date phrase found inside a longer text: text[start:end] reads as `when`."""

    when: ParsedWhen
    start: int
    end: int
    # Further parts read with it, e.g. the time in "tomorrow's meeting at 10am".
    more: tuple[tuple[int, int], ...] = ()

    def without(self, text: str) -> str:
        """`text` with the phrase's parts blanked out (positions stay valid)."""
        for start, end in ((self.start, self.end), *self.more):
            text = text[:start] + " " * (end - start) + text[end:]
        return text


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


def parse_when(text: str, zone: ZoneInfo, now: datetime | None = None) -> ParsedWhen | None:
    """A date/time phrase, or None when the text is not one."""
    iso = parse_iso(text, zone)
    if iso is not None:
        return iso
    from behflow_server import when

    reference = (now or utcnow()).astimezone(zone)
    tokens = when.tokenize(text)
    if not tokens:
        return None
    parsed = when.parse_tokens([t.word for t in tokens], reference)
    if parsed is not None:
        return parsed
    if not when.worth_fallback(tokens):
        return None
    return _dateparser(text, zone, reference)


def find_when(text: str, zone: ZoneInfo, now: datetime | None = None) -> FoundWhen | None:
    """The longest date phrase inside `text` (leftmost on ties), or None."""
    from behflow_server import when

    reference = (now or utcnow()).astimezone(zone)
    return when.find(text, reference)


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
        parsed = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
    except (OverflowError, ValueError):
        return None
    if parsed is None:
        return None
    has_time = _mentions_time(text)
    value = parsed.replace(tzinfo=zone)
    if not has_time:
        return ParsedWhen(datetime.combine(value.date(), END_OF_DAY, tzinfo=zone), False)
    return ParsedWhen(value, has_time=True, grain="minute")


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
