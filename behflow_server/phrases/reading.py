"""What the words of a phrase said so far, and the grammar's shared helpers (numbers, calendar)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from behflow_server.phrases.result import ParsedWhen
from behflow_server.phrases.vocabulary import ORDINAL_WORDS, SMALL, TENS


@dataclass
class Reading:
    """What the words of a phrase said so far."""

    day: date | None = None
    clock: time | None = None
    exact: datetime | None = None
    grain: str = "day"
    weekday: int | None = None
    period: str | None = None
    ambiguous_hour: bool = False
    strong: bool = False
    # Set only by a bare weekday / a period word, so a later date or clock may refine them.
    day_from_weekday: bool = False
    clock_from_period: bool = False
    year_given: bool = False
    utc_offset: float | None = None
    # The hour as said when no am/pm was given, and the words of the clock time.
    bare_hour: int | None = None
    clock_words: str = ""
    # Words left out because they could not be read with confidence (see ParsedWhen.unsure).
    unsure: str | None = None
    clock_dropped: bool = False
    # The exclusive end of a window ("next 3 days").
    end: datetime | None = None
    # The stretch of time named, where wider than the value (see ParsedWhen.window).
    window: tuple[datetime, datetime] | None = None


class GrammarBase:
    """Word access, numbers and calendar helpers; the concern mixins add the rules."""

    def __init__(self, words: list[str], now: datetime, country: str | None = None) -> None:
        self.w = words
        self.country = country
        # Set by parse when a time was left out as unsure.
        self.declined = False
        self.now = now
        self.today = now.date()

    def word(self, i: int) -> str:
        return self.w[i] if 0 <= i < len(self.w) else ""

    # numbers ---------------------------------------------------------------
    def number(self, i: int) -> tuple[float, int] | None:
        word = self.word(i)
        if re.fullmatch(r"\d{1,6}(\.\d+)?", word):
            return float(word), i + 1
        if word == "1/2":
            return 0.5, i + 1
        if word in TENS:
            if self.word(i + 1) in SMALL and 0 < SMALL[self.word(i + 1)] < 10:
                return TENS[word] + SMALL[self.word(i + 1)], i + 2
            return TENS[word], i + 1
        if word in SMALL and word != "oh":
            return SMALL[word], i + 1
        if word in {"a", "an"} and self.word(i + 1) in {"couple", "few"}:
            return (2 if self.word(i + 1) == "couple" else 3), i + 2 + (self.word(i + 2) == "of")
        if word in {"couple", "few", "several"}:
            return (2 if word == "couple" else 3), i + 1 + (self.word(i + 1) == "of")
        if word in {"a", "an"}:
            return 1, i + 1
        if word == "half" and self.word(i + 1) in {"a", "an"}:
            return 0.5, i + 2
        return None

    def ordinal(self, i: int, *, bare_numbers: bool) -> tuple[int, int] | None:
        word = self.word(i)
        match = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)", word)
        if match:
            value = int(match.group(1))
            return (value, i + 1) if 1 <= value <= 31 else None
        if bare_numbers and re.fullmatch(r"\d{1,2}", word) and 1 <= int(word) <= 31:
            return int(word), i + 1
        if word in {"twenty", "thirty"} and self.word(i + 1) in ORDINAL_WORDS:
            value = TENS[word] + ORDINAL_WORDS[self.word(i + 1)]
            return (value, i + 2) if value <= 31 else None
        if word in ORDINAL_WORDS:
            return ORDINAL_WORDS[word], i + 1
        return None

    def year(self, i: int) -> tuple[int, int] | None:
        word = self.word(i)
        if re.fullmatch(r"\d{4}", word) and 1900 <= int(word) <= 2200:
            return int(word), i + 1
        return None

    # times of day ----------------------------------------------------------
    # rules the concern mixins provide (declared here so every mixin may call every other) ---
    def date_phrase(self, i: int, reading: Reading) -> int | None:
        raise NotImplementedError

    def time_phrase(self, i: int, reading: Reading) -> int | None:
        raise NotImplementedError

    def holiday(self, i: int, reading: Reading) -> int | None:
        raise NotImplementedError

    def shift(self, unit: str, step: int, reading: Reading) -> None:
        raise NotImplementedError

    def boundary(self, i: int, reading: Reading) -> int | None:
        raise NotImplementedError

    def span(self, i: int, reading: Reading) -> int | None:
        raise NotImplementedError

    def window_phrase(self, i: int, reading: Reading) -> int | None:
        raise NotImplementedError

    def parse(self) -> ParsedWhen | None:
        raise NotImplementedError

    def elapsed(self, delta: timedelta, start: datetime | None = None) -> datetime:
        """`start` (now) plus real elapsed time, so "in 1 hour" is right across a clock change."""
        start = start or self.now
        return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)

    # calendar ----------------------------------------------------------------
    def weekday_on_or_after(self, start: date, weekday: int) -> date:
        return start + timedelta(days=(weekday - start.weekday()) % 7)

    def week_start(self, day: date) -> date:
        return day - timedelta(days=day.weekday())

    def month_day(self, month: int, day: int, year: int | None) -> date | None:
        try:
            if year is not None:
                return date(year, month, day)
            candidate = date(self.today.year, month, day)
            if candidate < self.today:
                candidate = date(self.today.year + 1, month, day)
            return candidate
        except ValueError:
            return None
