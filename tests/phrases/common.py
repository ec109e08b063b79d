"""A fixed clock for the phrase tests: Wednesday 4 March 2026, 10:00 in New York.

New York leaves standard time on Sunday 8 March 2026 at 02:00 (clocks jump to 03:00), so phrases
said on the weekend around then cross the change.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from behflow_server.dates import FoundWhen, ParsedWhen, find_when, parse_when

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=ZONE)  # a Wednesday
SATURDAY_NIGHT = datetime(2026, 3, 7, 23, 30, tzinfo=ZONE)  # the night the clocks change


def at(month: int, day: int, hour: int = 23, minute: int = 59, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


def read(text: str, now: datetime = NOW, country: str | None = None) -> ParsedWhen:
    parsed = parse_when(text, ZONE, now, country)
    assert parsed is not None, text
    return parsed


def found(text: str, now: datetime = NOW) -> FoundWhen:
    result = find_when(text, ZONE, now)
    assert result is not None, text
    return result


def title(text: str, now: datetime = NOW) -> str:
    """What quick add keeps of `text` once the date phrase is taken out."""
    return " ".join(found(text, now).without(text).split())
