"""Windows: the stretch of time a phrase names, half-open [start, end), for list filters.

The grammar's rules for phrases that name a stretch of time: "next 3 days", "within the next two
weeks", "the coming days" (a plural without a count is a few), "past 2 weeks" (the days before
today), "recently" / "lately" (the past seven days, today included), "the rest of the week" (from
now). A part of day ("tomorrow afternoon") and a weekend are read in clock.py and days.py and
carry their window in `ParsedWhen.window`.

`parsed_window` turns what a phrase reads as into a window (`behflow_server.dates.read_window`
reads a whole phrase with the grammar and calls it): its `window` or interval (`value` to `end`),
else the whole day / week / month / quarter / year the phrase names, or the hour of a clock time.

`WINDOW_PATTERNS` only locate, in a longer message, the window phrases that `find_when` leaves
alone on purpose (a task title keeps "recently" and "the rest of"); reading them is the grammar's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from behflow_server.phrases.reading import GrammarBase, Reading
from behflow_server.phrases.result import ParsedWhen
from behflow_server.phrases.vocabulary import SMALL, TENS, UNIT_GRAIN, UNITS

# A window is half-open, [start, end), timezone-aware, in the user's zone.
Window = tuple[datetime, datetime]

# "next 3 days", "past 2 weeks", "the following two weeks": windows of that many units.
FORWARD = {"next", "upcoming", "coming", "following"}
BACKWARD = {"last", "past", "previous", "recent"}
WINDOW_ANCHORS = FORWARD | BACKWARD
# Words that open a window: "within the next 3 days", "over the past 2 weeks".
WINDOW_OPENERS = {"within", "over", "during"}
# A plural without a count ("the coming days") is a few.
PLURALS = {"days", "weeks", "months", "quarters", "years"}
FEW = 3
# "recently", "lately", "of late": the past seven days, today included.
RECENT_DAYS = 7
# "the rest of the day/week/month/year".
# A date range without a year that ended this many days ago or less is the one just gone.
RECENT_DAYS_PAST = 31
REST_UNITS = {"day": "day", "today": "day", "week": "week", "month": "month", "year": "year"}
_WHOLE = {"day", "week", "month", "quarter", "year"}


class WindowRules(GrammarBase):
    """Phrases that name a stretch of time."""

    def span(self, i: int, reading: Reading) -> int | None:
        """ "next 3 days", "within the next two weeks", "the coming days", "past 2 weeks"."""
        w = self.word
        k = i
        if w(k) in WINDOW_OPENERS:
            k += 1 + (w(k + 1) == "the")
        anchor = w(k)
        if anchor not in WINDOW_ANCHORS:
            return None
        k += 1
        if w(k) in PLURALS:
            return self._window(anchor, FEW, UNITS[w(k)], k, reading)
        counted = self.number(k)
        if counted is None or (w(k) in {"a", "an"} and counted[1] == k + 1):
            return None  # "next a week" is not said; "next a couple of days" is
        count, k = int(counted[0]), counted[1]
        unit = UNITS.get(w(k))
        if unit is None or count < 1:
            return None
        return self._window(anchor, count, unit, k, reading)

    def _window(self, anchor: str, count: int, unit: str, k: int, reading: Reading) -> int:
        """A window from today (from now for hours and minutes) for that long; backwards, the
        window that ends today (now): "last 2 weeks", "past 3 days"."""
        zone = self.now.tzinfo
        forward = anchor in FORWARD
        if unit in {"seconds", "minutes", "hours"}:
            delta = timedelta(**{unit: count})
            start = self.now if forward else self.elapsed(-delta)
            reading.exact, reading.grain = start, UNIT_GRAIN[unit]
            reading.end = self.elapsed(delta, start)
        else:
            months = {"months": 1, "quarters": 3, "years": 12}.get(unit)
            length = (
                relativedelta(months=count * months)
                if months
                else relativedelta(days=count * (7 if unit == "weeks" else 1))
            )
            first = self.today if forward else self.today - length
            reading.day, reading.grain = first, "day"
            reading.end = datetime.combine(first + length, time(0), tzinfo=zone)
        reading.strong = True
        return k + 1

    def window_phrase(self, i: int, reading: Reading) -> int | None:
        """ "recently", "lately", "of late"; "the rest of the day/week/month/year"."""
        w = self.word
        zone = self.now.tzinfo
        today = self.today
        tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
        if w(i) in {"recently", "lately"} or (w(i) == "of" and w(i + 1) == "late"):
            first = today - timedelta(days=RECENT_DAYS - 1)
            reading.day = today
            reading.window = datetime.combine(first, time(0), tzinfo=zone), tomorrow
            return i + (2 if w(i) == "of" else 1)
        if w(i) != "rest" or w(i + 1) != "of":
            return None
        k = i + 2
        if w(k) in {"the", "this"} and w(k + 1) in REST_UNITS:
            k += 1
        unit = REST_UNITS.get(w(k))
        if unit is None:
            return None
        after = {
            "day": today + timedelta(days=1),
            "week": self.week_start(today) + timedelta(weeks=1),
            "month": today.replace(day=1) + relativedelta(months=1),
            "year": date(today.year + 1, 1, 1),
        }[unit]
        # Due by its last day; as a window, from now to its end.
        reading.day = after - timedelta(days=1)
        reading.window = self.now, datetime.combine(after, time(0), tzinfo=zone)
        return k + 1


def parsed_window(parsed: ParsedWhen, zone: ZoneInfo) -> Window:
    """The stretch of time a parsed phrase names: its window or range, else its day, week,
    month, quarter or year, or the hour of a clock time."""
    if parsed.window is not None:
        start, stop = (edge.astimezone(zone) for edge in parsed.window)
        return start, max(stop, start)
    value = parsed.value.astimezone(zone)
    if parsed.end is not None:
        end = parsed.end.astimezone(zone)
        start = (
            value
            if parsed.has_time and parsed.grain not in _WHOLE
            else _day_start(value.date(), zone)
        )
        if (end.hour, end.minute) in {(23, 59), (0, 0)} and end.second == 0:
            # A date-only end names a whole day.
            stop = _day_start(end.date() + timedelta(days=1), zone) if end.hour == 23 else end
        else:
            stop = end
        return start, max(stop, start)
    grain = parsed.grain
    if grain == "week":
        monday = value.date() - timedelta(days=value.weekday())
        return _day_start(monday, zone), _day_start(monday + timedelta(weeks=1), zone)
    if grain in {"month", "quarter", "year"}:
        first = value.date().replace(day=1)
        if grain == "year":
            first = first.replace(month=1)
        elif grain == "quarter":
            first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        months = {"month": 1, "quarter": 3, "year": 12}[grain]
        return _day_start(first, zone), _day_start(first + relativedelta(months=months), zone)
    if parsed.has_time and grain in {"hour", "minute", "second"}:
        start = value.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    return _day_start(value.date(), zone), _day_start(value.date() + timedelta(days=1), zone)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


_COUNT = "|".join(
    [r"\d{1,3}", r"(?:a\s+)?(?:couple|few)(?:\s+of)?", *sorted(set(SMALL) | set(TENS))]
)
_ANCHORS = "|".join(sorted(WINDOW_ANCHORS))
_UNIT_WORDS = r"days?|weeks?|months?|quarters?|years?"

# Where a message says a window that find_when leaves alone; dates.read_window reads each match.
WINDOW_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "span",
        re.compile(
            rf"\b(?:(?:with)?in\s+|over\s+|during\s+|for\s+)?(?:the\s+)?(?:{_ANCHORS})\s+"
            rf"(?:(?:{_COUNT})\s+)?(?:{_UNIT_WORDS})\b",
            re.I,
        ),
    ),
    ("recent", re.compile(r"\b(?:recently|lately|of\s+late)\b", re.I)),
    (
        "rest",
        re.compile(
            r"\b(?:the\s+)?rest\s+of\s+(?:the\s+|this\s+)?(?:day|today|week|month|year)\b", re.I
        ),
    ),
]
