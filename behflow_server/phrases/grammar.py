"""The whole phrase: each concern's rules tried word by word, then the reading made a value."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache

from behflow_server.phrases.clock import ClockRules
from behflow_server.phrases.days import DayRules
from behflow_server.phrases.durations import DurationRules
from behflow_server.phrases.holidays import HolidayRules, default_country
from behflow_server.phrases.periods import PeriodRules
from behflow_server.phrases.reading import Reading
from behflow_server.phrases.result import END_OF_DAY, ParsedWhen
from behflow_server.phrases.vocabulary import (
    FILLERS,
    MONTHS,
    PART_WINDOWS,
    PERIODS,
    ZONE_OFFSETS,
)
from behflow_server.phrases.windows import WindowRules


class Grammar(DayRules, ClockRules, PeriodRules, DurationRules, HolidayRules, WindowRules):
    """A phrase made of exactly these words, read relative to `now` (aware, in the user's zone)."""

    def parse(self) -> ParsedWhen | None:
        reading = Reading()
        i = 0
        n = len(self.w)
        consumed_any = False
        while i < n:
            word = self.w[i]
            if word in {"ago"}:
                return None
            nxt = None
            if reading.day is None:
                nxt = self.date_phrase(i, reading)
            elif reading.day_from_weekday and (
                word in MONTHS or self.ordinal(i, bare_numbers=False)
            ):
                nxt = self._refine_weekday(i, reading)
            if nxt is None and reading.exact is None and reading.day is None:
                nxt = self.relative(i, reading)
            if nxt is None and (
                reading.clock is None or reading.clock_from_period or word in PERIODS
            ):
                nxt = self.time_phrase(i, reading)
            if nxt is None and word in ZONE_OFFSETS and reading.clock is not None:
                reading.utc_offset, nxt = ZONE_OFFSETS[word], i + 1
            if (
                nxt is None
                and word in {"in"}
                and self.word(i + 1) == "the"
                and self.word(i + 2) in PERIODS
            ):
                nxt = self.time_phrase(i + 2, reading)
            if nxt is None:
                if word in FILLERS and i + 1 < n:
                    i += 1
                    continue
                if word in {"a.d.", "ad"} and consumed_any:
                    i += 1
                    continue
                return None
            consumed_any = True
            if reading.clock is not None or reading.exact is not None:
                reading.strong = True
            i = nxt
        if not consumed_any:
            return None
        self.declined = reading.clock_dropped
        result = self._finish(reading)
        if result is None:
            return None
        window = reading.window or self._part_window(reading, result)
        if reading.unsure is None and reading.end is None and window is None:
            return result
        return replace(result, unsure=reading.unsure, end=reading.end, window=window)

    def _part_window(
        self, reading: Reading, result: ParsedWhen
    ) -> tuple[datetime, datetime] | None:
        """A part of day named alone ("tomorrow afternoon") is due at one hour inside it, but
        names all of its hours."""
        if not reading.clock_from_period or reading.period not in PART_WINDOWS:
            return None
        if reading.end is not None or not result.has_time:
            return None
        zone = self.now.tzinfo
        day = result.value.date()
        first, last = PART_WINDOWS[reading.period]
        start = datetime.combine(day, time(first), tzinfo=zone)
        if last == 24:
            return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return start, datetime.combine(day, time(last), tzinfo=zone)

    def _finish(self, reading: Reading) -> ParsedWhen | None:
        zone = self.now.tzinfo
        if reading.utc_offset is not None and reading.clock is not None:
            source = timezone(timedelta(hours=reading.utc_offset))
            day = reading.day or self.today
            moment = datetime.combine(day, reading.clock, tzinfo=source).astimezone(zone)
            return ParsedWhen(moment, True, "minute")
        if reading.exact is not None:
            return ParsedWhen(reading.exact, True, reading.grain)
        if reading.clock is not None:
            day = reading.day or self.today
            if (
                reading.day is None
                and datetime.combine(day, reading.clock, tzinfo=zone) <= self.now
            ):
                if reading.ambiguous_hour and reading.clock.hour < 12:
                    later = reading.clock.replace(hour=reading.clock.hour + 12)
                    if datetime.combine(day, later, tzinfo=zone) > self.now:
                        reading.clock = later
                    else:
                        day += timedelta(days=1)
                else:
                    day += timedelta(days=1)
            grain = reading.grain if reading.grain in {"hour", "minute", "second"} else "hour"
            return ParsedWhen(datetime.combine(day, reading.clock, tzinfo=zone), True, grain)
        if reading.day is None:
            return None
        return ParsedWhen(
            datetime.combine(reading.day, END_OF_DAY, tzinfo=zone), False, reading.grain
        )


def parse_tokens(words: list[str], now: datetime, country: str | None = None) -> ParsedWhen | None:
    """The phrase made of exactly these words, or None."""
    if not words:
        return None
    return _parse(tuple(words), now, country or default_country())


@lru_cache(maxsize=4096)
def _parse(words: tuple[str, ...], now: datetime, country: str) -> ParsedWhen | None:
    """Cached: locating a phrase reads the same few words many times over."""
    try:
        return Grammar(list(words), now, country).parse()
    except (OverflowError, ValueError):
        return None  # "in 99999999 years": past the calendar's end is not a date


def declined(words: list[str], now: datetime, country: str | None = None) -> bool:
    """The words were read but left out as unsure ("11 in the afternoon" with no day): no other
    reader should guess them either."""
    grammar = Grammar(words, now, country)
    try:
        grammar.parse()
    except (OverflowError, ValueError):
        return False
    return grammar.declined
