"""The date-phrase grammar behind behflow_server.dates (use that module's functions).

A small hand-made grammar over words, because locating a date inside a task title needs to know
exactly which words a phrase consumed and which words are too weak to be a date on their own
("the 5th", "may", "sun"); calendar arithmetic comes from python-dateutil.

Conventions (a task manager's, documented in docs/agent.md):
- a bare weekday is the next one, today included; "next friday" is the Friday of next week;
- a date without a time is due at the end of that day; "in 3 days" names a day, not an hour;
- a bare hour ("at 5") without am/pm means 1-7 pm, 8-11 am, 12 noon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from dateutil.easter import EASTER_ORTHODOX, easter
from dateutil.relativedelta import relativedelta

from behflow_server.dates import END_OF_DAY, FoundWhen, ParsedWhen

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
# Words that are also ordinary words: a date on their own only after a preposition.
WEAK_WORDS = {"sat", "sun", "wed", "mar", "may", "jan", "jun", "dec", "aug", "now", "march"}
UNITS = {
    "second": "seconds",
    "seconds": "seconds",
    "sec": "seconds",
    "secs": "seconds",
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "hour": "hours",
    "hours": "hours",
    "hr": "hours",
    "hrs": "hours",
    "h": "hours",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
    "yr": "years",
    "yrs": "years",
    "quarter": "quarters",
    "quarters": "quarters",
}
UNIT_GRAIN = {
    "seconds": "second",
    "minutes": "minute",
    "hours": "hour",
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "quarters": "quarter",
}
SMALL = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
PERIODS = {
    "morning": time(9, 0),
    "afternoon": time(15, 0),
    "evening": time(18, 0),
    "night": time(21, 0),
    "tonight": time(21, 0),
    "noon": time(12, 0),
    "midday": time(12, 0),
    "midnight": END_OF_DAY,
    "eod": time(17, 0),
}
PM_PERIODS = {"afternoon", "evening", "night", "tonight"}
FIXED_HOLIDAYS = {
    "christmas": (12, 25),
    "xmas": (12, 25),
    "halloween": (10, 31),
    "valentine's": (2, 14),
    "valentines": (2, 14),
    "new year's": (1, 1),
}
EASTER_OFFSETS = {
    ("easter",): 0,
    ("good", "friday"): -2,
    ("palm", "sunday"): -7,
    ("easter", "monday"): 1,
    ("whit", "monday"): 50,
    ("pentecost",): 49,
    ("trinity", "sunday"): 56,
    ("ascension", "day"): 39,
}
# Words that may sit inside a phrase without meaning anything alone.
FILLERS = {
    "at",
    "on",
    "by",
    "the",
    "of",
    "for",
    "due",
    "this",
    "in",
    "around",
    "about",
    "ish",
    "until",
    "till",
    "before",
    "o'clock",
    "oclock",
    "a",
    "an",
    "coming",
    "orthodox",
}
ZONE_OFFSETS = {
    "gmt": 0.0,
    "utc": 0.0,
    "ist": 5.5,
    "est": -5.0,
    "edt": -4.0,
    "cst": -6.0,
    "cdt": -5.0,
    "mst": -7.0,
    "mdt": -6.0,
    "pst": -8.0,
    "pdt": -7.0,
    "cet": 1.0,
    "cest": 2.0,
    "bst": 1.0,
}
PREPOSITIONS = {"on", "by", "at", "due", "before", "until", "till", "for", "in"}
AMPM = {
    "am": "am",
    "a.m.": "am",
    "a.m": "am",
    "a": "am",
    "pm": "pm",
    "p.m.": "pm",
    "p.m": "pm",
    "p": "pm",
    "p.": "pm",
    "a.": "am",
}

_TOKEN = re.compile(r"\S+")
_STRIP = ".,;!?()"


@dataclass(frozen=True)
class Token:
    word: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Lower-cased words with their positions; commas and full stops are separators."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        word = raw.lower()
        if word in AMPM or word in {"a.d.", "b.c."}:
            tokens.append(Token(word, match.start(), match.end()))
            continue
        word = word.strip(_STRIP)
        start = match.start() + len(raw) - len(raw.lstrip(_STRIP))
        end = start + len(word)
        if word.endswith(("'s", "\u2019s")) and word[:-2] in _VOCAB:
            word = word[:-2]  # "tomorrow's meeting": the phrase still spans the "'s"
        if word:
            tokens.append(Token(word, start, end))
    return tokens


@dataclass
class _Reading:
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


class _Grammar:
    def __init__(self, words: list[str], now: datetime) -> None:
        self.w = words
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
    def ampm(self, i: int) -> tuple[str, int] | None:
        word = self.word(i)
        if word in {"a", "p"}:  # spoken style: "nine fifty nine a m"
            return (AMPM[word], i + 2) if self.word(i + 1) == "m" else None
        if word in AMPM:
            return AMPM[word], i + 1
        return None

    def clock(self, i: int, *, after_at: bool) -> tuple[time, int, bool, str] | None:
        """(time, next, ambiguous_hour, grain)."""
        word = self.word(i)
        match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?(am|pm|a|p|a\.m\.|p\.m\.)?", word)
        match_h = re.fullmatch(r"(\d{1,2})h(\d{2})?", word)
        match_compact = re.fullmatch(r"(\d{1,2})(\d{2})(am|pm)?(?:ish)?", word)
        hour = minute = second = None
        suffix: str | None = None
        j = i + 1
        grain = "hour"
        if match:
            hour = int(match.group(1))
            minute = int(match.group(2) or 0)
            second = int(match.group(3) or 0)
            grain = "second" if match.group(3) else "minute" if match.group(2) else "hour"
            if match.group(4) in {"a", "p"} and not after_at:
                return None  # "4a" alone is not a time; "at 4p" is
            if match.group(4):
                suffix = "am" if match.group(4).startswith("a") else "pm"
            elif (
                not match.group(2)
                and self.word(j) not in AMPM
                and not after_at
                and not (self.number(j) and self.word(j + 1) in AMPM)
            ):
                return None  # a bare number is a time only after "at" or before am/pm
        elif match_h:
            hour, minute = int(match_h.group(1)), int(match_h.group(2) or 0)
            grain = "minute"
            suffix = "24h"
        elif match_compact and (match_compact.group(3) or self.ampm(j) or after_at):
            hour, minute = int(match_compact.group(1)), int(match_compact.group(2))
            grain = "minute"
            if match_compact.group(3):
                suffix = match_compact.group(3)
        elif word in SMALL or word in TENS:
            parsed = self.number(i)
            if parsed is None:
                return None
            hour, j = int(parsed[0]), parsed[1]
            if hour > 12 or hour == 0:
                return None
            minute = 0
            if self.word(j) in {"o'clock", "oclock"}:
                j += 1
            else:
                minutes = self._minutes_words(j)
                if minutes is not None:
                    minute, j = minutes
                    grain = "minute"
            if (
                self.ampm(j) is None
                and not after_at
                and self.word(j) != "o'clock"
                and self.word(i + 1) not in {"o'clock", "oclock"}
            ):
                return None
        else:
            return None
        if hour is None:
            return None
        if suffix is None:
            if self.word(j) in {"o'clock", "oclock"}:
                j += 1
            elif self.word(j) == "o" and self.word(j + 1) == "clock":
                j += 2
            elif (
                match
                and not match.group(2)
                and re.fullmatch(r"\d{2}", self.word(j))
                and after_at
                and int(self.word(j)) < 60
            ):
                minute, j, grain = int(self.word(j)), j + 1, "minute"
            marker = self.ampm(j)
            if marker is not None:
                suffix, j = marker
        second = second or 0
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        if hour > 23 or (minute or 0) > 59 or second > 59:
            return None
        if suffix in {"am", "pm"} and (hour > 23 or int(match.group(1) if match else 1) > 12):
            return None
        ambiguous = suffix is None and 1 <= hour <= 12
        return time(hour, minute or 0, second), j, ambiguous, grain

    def _minutes_words(self, i: int) -> tuple[int, int] | None:
        word = self.word(i)
        if word == "oh" and self.word(i + 1) in SMALL:
            return SMALL[self.word(i + 1)], i + 2
        if word in TENS:
            parsed = self.number(i)
            return (int(parsed[0]), parsed[1]) if parsed else None
        if word in SMALL and SMALL[word] >= 10:
            return SMALL[word], i + 1
        return None

    def time_phrase(self, i: int, reading: _Reading) -> int | None:
        """Consume a time of day at i; returns the next index."""
        word = self.word(i)
        after_at = self.word(i - 1) in {"at", "for", "@"}
        if word in {"quarter", "half"} or (word == "a" and self.word(i + 1) == "quarter"):
            k = i + 1 if word != "a" else i + 2
            minutes = 30 if word == "half" else 15
            if self.word(k) in {"past", "after", "to", "before"}:
                clock = self.clock(k + 1, after_at=True)
                if clock is None:
                    return None
                base = datetime.combine(self.today, clock[0])
                delta = timedelta(minutes=minutes)
                moved = base + delta if self.word(k) in {"past", "after"} else base - delta
                reading.clock, reading.ambiguous_hour = moved.time(), clock[2]
                reading.grain = "minute"
                return clock[1]
            return None
        if word in PERIODS:
            if word == "tonight":
                reading.day = reading.day or self.today
            if word == "night" and self.word(i - 1) == "last":
                return None
            reading.period = word
            if reading.clock is None:
                reading.clock = PERIODS[word]
                reading.ambiguous_hour = False
                reading.grain = "hour"
                reading.clock_from_period = True
            elif reading.ambiguous_hour and word in PM_PERIODS and reading.clock.hour < 12:
                reading.clock = reading.clock.replace(hour=reading.clock.hour + 12)
                reading.ambiguous_hour = False
            return i + 1
        if word == "mid" and self.word(i + 1) == "day":
            reading.clock, reading.grain = time(12, 0), "hour"
            return i + 2
        clock = self.clock(i, after_at=after_at)
        if clock is None:
            return None
        value, j, ambiguous, grain = clock
        if ambiguous and reading.period in PM_PERIODS and value.hour < 12:
            value = value.replace(hour=value.hour + 12)
            ambiguous = False
        elif ambiguous and reading.period in {"morning"}:
            ambiguous = False
        elif ambiguous and value.hour < 8:
            value = value.replace(hour=value.hour + 12)
        reading.clock, reading.ambiguous_hour, reading.grain = value, ambiguous, grain
        reading.clock_from_period = False
        return j

    # dates -----------------------------------------------------------------
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

    def relative(self, i: int, reading: _Reading) -> int | None:
        """ "in 3 days", "2 weeks from now", "a day ago", "3 fridays from now"."""
        word = self.word(i)
        forward = True
        k = i
        if word in {"in", "within", "after"}:
            k = i + 1
            if self.word(k) in {"about", "around", "roughly", "approximately"}:
                k += 1
        amount = self.number(k)
        if amount is None:
            if self.word(k) in {"few"}:
                amount = (3, k + 1)
            else:
                return None
        count, k = amount
        if self.word(k) in {"upcoming", "next", "coming"} and self.word(k + 1) in UNITS:
            self._shift(UNITS[self.word(k + 1)], int(count), reading)
            return k + 2
        unit_word = self.word(k)
        weekday_plural = unit_word.rstrip("s") if unit_word.endswith("s") else unit_word
        tail = k + 1
        if unit_word in UNITS:
            unit = UNITS[unit_word]
        elif weekday_plural in WEEKDAYS and unit_word.endswith("s"):
            unit = "weekday"
        elif word == "in" and unit_word == "" and count <= 60:
            unit = "minutes"  # "in 15": Duckling's reading, minutes
            tail = k
        else:
            return None
        if self.word(tail) in {"from", "after"} and self.word(tail + 1) in {"now", "today"}:
            tail += 2
        elif (
            self.word(tail) == "from"
            and self.word(tail + 1) == "right"
            and self.word(tail + 2) == "now"
        ):
            tail += 3
        elif self.word(tail) in {"hence", "later"}:
            tail += 1
        elif self.word(tail) == "ago":
            forward = False
            tail += 1
        elif self.word(tail) in {"after", "before"} and unit in {"days", "weeks"}:
            base = _Grammar(self.w[tail + 1 :], self.now).parse()
            if base is None or base.has_time:
                return None
            sign = 1 if self.word(tail) == "after" else -1
            reading.day = base.value.date() + timedelta(**{unit: int(count) * sign})
            reading.strong = True
            return len(self.w)
        elif word not in {"in", "within", "after"}:
            return None
        sign = 1 if forward else -1
        if unit == "weekday":
            target = WEEKDAYS[weekday_plural]
            if forward:
                first = self.weekday_on_or_after(self.today + timedelta(days=1), target)
                reading.day = first + timedelta(weeks=int(count) - 1)
            else:
                back = (self.today.weekday() - target) % 7 or 7
                reading.day = self.today - timedelta(days=back) - timedelta(weeks=int(count) - 1)
            reading.strong = True
            return tail
        if unit in {"seconds", "minutes", "hours"}:
            delta = timedelta(**{unit: count * sign})
            reading.exact = self.now + delta
            reading.grain = "minute" if unit != "seconds" else "second"
        else:
            if unit == "quarters":
                shift = relativedelta(months=int(count * 3) * sign)
            else:
                whole = int(count)
                shift = relativedelta(**{unit: whole * sign})
                if count != whole and unit == "days":
                    shift = relativedelta(hours=int(count * 24) * sign)
            reading.day = self.today + shift
            reading.grain = "day" if unit in {"days", "weeks"} else "month"
        reading.strong = True
        return tail

    def date_phrase(self, i: int, reading: _Reading) -> int | None:
        w = self.word
        word = w(i)
        today = self.today
        if word in {"today", "tonite"}:
            reading.day, reading.strong = today, True
            return i + 1
        if word in {"tomorrow", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow", "tmw"}:
            reading.day, reading.strong = today + timedelta(days=1), True
            return i + 1
        if word == "yesterday":
            reading.day, reading.strong = today - timedelta(days=1), True
            return i + 1
        if word == "day" and w(i + 1) in {"after", "before"}:
            target = w(i + 2)
            if target == "tomorrow" and w(i + 1) == "after":
                reading.day, reading.strong = today + timedelta(days=2), True
                return i + 3
            if target == "yesterday" and w(i + 1) == "before":
                reading.day, reading.strong = today - timedelta(days=2), True
                return i + 3
            return None
        if (
            word == "now"
            or (word == "right" and w(i + 1) == "now")
            or (word == "just" and w(i + 1) == "now")
        ):
            reading.exact, reading.grain = self.now, "second"
            reading.strong = word != "now"
            return i + (1 if word == "now" else 2)
        for names, offset in EASTER_OFFSETS.items():
            if tuple(w(i + n) for n in range(len(names))) == names:
                orthodox = w(i - 1) == "orthodox"
                k = i + len(names)
                year_hit = self.year(k)
                year = year_hit[0] if year_hit else today.year
                day = easter(year, EASTER_ORTHODOX if orthodox else 3) + timedelta(days=offset)
                if year_hit is None and day < today:
                    day = easter(year + 1, EASTER_ORTHODOX if orthodox else 3) + timedelta(
                        days=offset
                    )
                reading.day, reading.strong = day, True
                return year_hit[1] if year_hit else k
        holiday = word if word in FIXED_HOLIDAYS else None
        if word == "new" and w(i + 1) in {"year's", "years"}:
            holiday = "new year's"
        if holiday is not None:
            month, day_number = FIXED_HOLIDAYS[holiday]
            k = i + (2 if holiday == "new year's" else 1)
            if w(k) in {"day", "eve"}:
                if w(k) == "eve":
                    day_number -= 1
                    if day_number == 0:
                        month, day_number = 12, 31
                k += 1
            year_hit = self.year(k)
            found = self.month_day(month, day_number, year_hit[0] if year_hit else None)
            if found is None:
                return None
            reading.day, reading.strong = found, True
            return year_hit[1] if year_hit else k
        nth = self._nth_of_month(i, reading)
        if nth is not None:
            return nth
        if word == "the" and w(i + 1) == "week" and w(i + 2) == "of":
            inner = _Reading()
            k = self.date_phrase(i + 3, inner)
            if k is None or inner.day is None:
                return None
            reading.day, reading.grain, reading.strong = self.week_start(inner.day), "week", True
            return k
        if word == "this" and w(i + 1) == "time":
            reading.exact, reading.grain, reading.strong = self.now, "second", True
            return i + 2
        quarter = self.ordinal(i, bare_numbers=False)
        if quarter is not None and quarter[0] <= 4 and w(quarter[1]) == "quarter":
            k = quarter[1] + 1
            year_hit = self.year(k)
            year = year_hit[0] if year_hit else self.today.year
            reading.day = date(year, 3 * (quarter[0] - 1) + 1, 1)
            reading.grain, reading.strong = "quarter", True
            return year_hit[1] if year_hit else k
        # "next friday", "last tuesday", "this week", "next month", "friday after next"
        if word in {"next", "last", "this", "coming", "upcoming", "past", "previous", "current"}:
            return self._anchored(i, reading)
        if word in {"end", "eow", "eom", "eoy"} or (word == "the" and w(i + 1) == "end"):
            return self._end_of(i, reading)
        if word in {"weekend", "wkend"}:
            reading.day = self.weekday_on_or_after(today, 5)
            reading.strong = True
            return i + 1
        if word in WEEKDAYS:
            return self._weekday(i, reading)
        if word in MONTHS:
            return self._month_first(i, reading)
        if word == "the" or word in ORDINAL_WORDS or re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", word):
            return self._day_first(i, reading)
        numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?", word)
        if numeric:
            year = int(numeric.group(3)) if numeric.group(3) else None
            if year is not None and year < 100:
                year += 2000
            found = self.month_day(int(numeric.group(1)), int(numeric.group(2)), year)
            if found is None:
                return None
            reading.day, reading.strong = found, True
            return i + 1
        iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", word)
        if iso:
            try:
                reading.day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
            except ValueError:
                return None
            reading.strong = True
            return i + 1
        if word in {"in", "during"} and self.year(i + 1):
            year, k = self.year(i + 1)  # type: ignore[misc]
            if w(k) in {"a.d.", "ad"}:
                k += 1
            reading.day, reading.grain, reading.strong = date(year, 1, 1), "year", True
            return k
        if word in {"in", "during"} and w(i + 1) in MONTHS:
            k = self._month_first(i + 1, reading)
            if k is not None:
                reading.strong = True
            return k
        return None

    def _weekday(self, i: int, reading: _Reading, *, shift_weeks: int | None = None) -> int:
        weekday = WEEKDAYS[self.word(i)]
        reading.weekday = weekday
        k = i + 1
        if shift_weeks is not None:
            reading.day = self.week_start(self.today) + timedelta(weeks=shift_weeks, days=weekday)
        elif self.word(k) == "after" and self.word(k + 1) == "next":
            upcoming = self.weekday_on_or_after(self.today + timedelta(days=1), weekday)
            reading.day = upcoming + timedelta(weeks=1)
            k += 2
        elif (
            self.word(k) in {"of", "from"}
            and self.word(k + 1) in {"this", "next", "last"}
            and self.word(k + 2) == "week"
        ):
            shift = {"this": 0, "next": 1, "last": -1}[self.word(k + 1)]
            reading.day = self.week_start(self.today) + timedelta(weeks=shift, days=weekday)
            k += 3
        else:
            reading.day = self.weekday_on_or_after(self.today, weekday)
            reading.day_from_weekday = True
        reading.strong = reading.strong or self.word(i) not in WEAK_WORDS
        return k

    def _anchored(self, i: int, reading: _Reading) -> int | None:
        w = self.word
        anchor = w(i)
        k = i + 1
        count = 1
        if anchor in {"next", "upcoming", "coming"} and self.number(k) and w(k) not in {"a", "an"}:
            count, k = int(self.number(k)[0]), self.number(k)[1]  # type: ignore[index]
        step = {
            "next": 1,
            "coming": 1,
            "upcoming": 1,
            "this": 0,
            "current": 0,
            "last": -1,
            "past": -1,
            "previous": -1,
        }[anchor] * count
        target = w(k)
        if target in WEEKDAYS:
            weekday = WEEKDAYS[target]
            if anchor in {"this", "coming", "upcoming"}:
                reading.day = self.weekday_on_or_after(self.today, weekday)
                reading.weekday, reading.strong = weekday, True
                return k + 1
            if anchor in {"last", "past", "previous"}:
                back = (self.today.weekday() - weekday) % 7 or 7
                reading.day = self.today - timedelta(days=back)
                reading.weekday, reading.strong = weekday, True
                return k + 1
            reading.strong = True
            return self._weekday(k, reading, shift_weeks=step)
        if target in {"weekend", "wkend"}:
            saturday = self.week_start(self.today) + timedelta(weeks=max(step, 0), days=5)
            reading.day, reading.strong = saturday, True
            return k + 1
        if target in MONTHS:
            month = MONTHS[target]
            year = self.today.year
            if anchor in {"next", "coming", "upcoming"} and month <= self.today.month:
                year += 1
            elif anchor in {"last", "past", "previous"} and month >= self.today.month:
                year -= 1
            reading.day, reading.grain, reading.strong = date(year, month, 1), "month", True
            return k + 1
        unit = UNITS.get(target)
        if unit in {"days", "weeks", "months", "years", "quarters"}:
            self._shift(unit, step, reading)
            return k + 1
        if anchor == "this" and target in PERIODS:
            reading.day = self.today
            return k
        return None

    def _shift(self, unit: str, step: int, reading: _Reading) -> None:
        """The start of the day/week/month/quarter/year `step` units from this one."""
        if unit in {"days", "weeks", "months", "years", "quarters"}:
            if unit == "days":
                reading.day = self.today + timedelta(days=step)
                reading.grain = "day"
            elif unit == "weeks":
                reading.day = self.week_start(self.today) + timedelta(weeks=step)
                reading.grain = "week"
            elif unit == "months":
                first = self.today.replace(day=1)
                reading.day, reading.grain = first + relativedelta(months=step), "month"
            elif unit == "quarters":
                first = date(self.today.year, 3 * ((self.today.month - 1) // 3) + 1, 1)
                reading.day, reading.grain = first + relativedelta(months=3 * step), "quarter"
            else:
                reading.day, reading.grain = date(self.today.year + step, 1, 1), "year"
            reading.strong = True

    def _end_of(self, i: int, reading: _Reading) -> int | None:
        w = self.word
        k = i + (1 if w(i) != "the" else 2)
        short = {"eow": "week", "eom": "month", "eoy": "year"}.get(w(i))
        if short is None:
            if w(k) != "of":
                if w(k) == "day" or w(i) == "eod":
                    reading.day, reading.clock = reading.day or self.today, time(17, 0)
                    reading.strong = True
                    return k + 1
                return None
            k += 1
            if w(k) in {"the", "this"}:
                k += 1
            short = {"week": "week", "month": "month", "year": "year", "day": "day"}.get(w(k))
            if short is None:
                return None
        k = k + 1 if w(i) in {"end", "the"} else i + 1
        if short == "day":
            reading.day, reading.clock = reading.day or self.today, time(17, 0)
        elif short == "week":
            reading.day = self.week_start(self.today) + timedelta(days=6)
        elif short == "month":
            reading.day = self.today + relativedelta(day=31)
        else:
            reading.day = date(self.today.year, 12, 31)
        reading.strong = True
        return k

    def _nth_of_month(self, i: int, reading: _Reading) -> int | None:
        """ "third tuesday of september 2014", "last friday of october", "last day in may"."""
        w = self.word
        k = i + (1 if w(i) == "the" else 0)
        if w(k) == "last":
            nth, k = -1, k + 1
        else:
            ordinal = self.ordinal(k, bare_numbers=False)
            if ordinal is None:
                return None
            nth, k = ordinal
            if nth > 5:
                return None
        target = w(k)
        if target not in WEEKDAYS and target != "day":
            return None
        if w(k + 1) not in {"of", "in"}:
            return None
        k += 2
        if w(k) == "the" and w(k + 1) == "month":
            month, year, k = self.today.month, self.today.year, k + 2
        elif w(k) in {"last", "next", "this"} and w(k + 1) == "month":
            shift = {"last": -1, "next": 1, "this": 0}[w(k)]
            first = self.today.replace(day=1) + relativedelta(months=shift)
            month, year, k = first.month, first.year, k + 2
        elif w(k) in MONTHS:
            month = MONTHS[w(k)]
            k += 1
            year_hit = self.year(k)
            if year_hit:
                year, k = year_hit
            else:
                year = self.today.year
                if month < self.today.month:
                    year += 1
        else:
            return None
        first = date(year, month, 1)
        if target == "day":
            day = first + relativedelta(day=31) if nth == -1 else first + timedelta(days=nth - 1)
        else:
            from dateutil.relativedelta import weekday as rd_weekday

            weekday = rd_weekday(WEEKDAYS[target])
            if nth == -1:
                day = first + relativedelta(day=31, weekday=weekday(-1))
            else:
                day = first + relativedelta(weekday=weekday(nth))
        if day.month != month:
            return None
        reading.day, reading.strong = day, True
        return k

    def _month_first(self, i: int, reading: _Reading) -> int | None:
        """ "march 3", "march third 2015", "Feb 18", "March" (the month)."""
        month = MONTHS[self.word(i)]
        k = i + 1
        day_hit = self.ordinal(k, bare_numbers=True)
        if day_hit is not None and not (self.word(day_hit[1]) in AMPM or ":" in self.word(k)):
            day_number, k = day_hit
            year_hit = self.year(k)
            found = self.month_day(month, day_number, year_hit[0] if year_hit else None)
            if found is None:
                return None
            reading.day = found
            reading.strong = True
            reading.year_given = year_hit is not None
            return year_hit[1] if year_hit else k
        year_hit = self.year(k)
        if year_hit:
            reading.day, reading.grain, reading.strong = date(year_hit[0], month, 1), "month", True
            return year_hit[1]
        year = self.today.year + (1 if month < self.today.month else 0)
        if self.word(k) == "in" and self.number(k + 1) and self.word(k + 2) in {"year", "years"}:
            year = self.today.year + int(self.number(k + 1)[0])  # type: ignore[index]
            k += 3
        reading.day, reading.grain = date(year, month, 1), "month"
        reading.strong = reading.strong or self.word(i) not in WEAK_WORDS
        return k

    def _day_first(self, i: int, reading: _Reading) -> int | None:
        """ "the 5th", "15 of february", "14th April 15", "the 20th of the previous month"."""
        w = self.word
        k = i + 1 if w(i) == "the" else i
        if w(k) == "ides" and w(k + 1) == "of" and w(k + 2) in MONTHS:
            month = MONTHS[w(k + 2)]
            found = self.month_day(month, 15 if month in {3, 5, 7, 10} else 13, None)
            reading.day, reading.strong = found, True
            return k + 3
        day_hit = self.ordinal(k, bare_numbers=True)
        if day_hit is None:
            return None
        day_number, k = day_hit
        is_ordinal = not re.fullmatch(r"\d+", w(k - 1))
        if w(k) == "of":
            k += 1
        if w(k) in MONTHS:
            month = MONTHS[w(k)]
            k += 1
            year_hit = self.year(k)
            year = year_hit[0] if year_hit else None
            if year_hit:
                k = year_hit[1]
            elif re.fullmatch(r"\d{2}", w(k)):
                year, k = 2000 + int(w(k)), k + 1
            found = self.month_day(month, day_number, year)
            if found is None:
                return None
            reading.day, reading.strong = found, True
            reading.year_given = year is not None
            return k
        if (
            w(k) == "the"
            and w(k + 1) in {"previous", "last", "next", "following"}
            and w(k + 2) == "month"
        ):
            shift = 1 if w(k + 1) in {"next", "following"} else -1
            first = self.today.replace(day=1) + relativedelta(months=shift)
            try:
                reading.day = first.replace(day=day_number)
            except ValueError:
                return None
            reading.strong = True
            return k + 3
        if not is_ordinal and w(i) != "the":
            return None
        if reading.weekday is None and (
            w(k - 1) == "of" or (w(i) != "the" and w(i - 1) not in {"on", "by", "due"})
        ):
            return None
        # A day of the month alone: the next such day, today included.
        candidate = self.today.replace(day=1)
        for _ in range(24):
            try:
                day = candidate.replace(day=day_number)
            except ValueError:
                day = None
            if (
                day is not None
                and day >= self.today
                and (reading.weekday is None or day.weekday() == reading.weekday)
            ):
                reading.day = day
                reading.strong = reading.strong or reading.weekday is not None
                return k
            candidate += relativedelta(months=1)
        return None

    # the whole phrase ------------------------------------------------------
    def parse(self) -> ParsedWhen | None:
        reading = _Reading()
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
        return self._finish(reading)

    def _refine_weekday(self, i: int, reading: _Reading) -> int | None:
        """ "Monday, Feb 18", "Fri, Jul 18", "Tuesday 19th": the weekday picks the year/month."""
        weekday = reading.weekday
        inner = _Reading(weekday=weekday)
        k = self.date_phrase(i, inner)
        if k is None or inner.day is None or inner.grain != "day":
            return None
        day = inner.day
        if weekday is not None and day.weekday() != weekday and not inner.year_given:
            for shift in (1, -1, 2, -2, 3, -3, 4, 5, 6):
                try:
                    candidate = day.replace(year=day.year + shift)
                except ValueError:
                    continue
                if candidate.weekday() == weekday:
                    day = candidate
                    break
        reading.day, reading.day_from_weekday, reading.strong = day, False, True
        return k

    def _finish(self, reading: _Reading) -> ParsedWhen | None:
        zone = self.now.tzinfo
        if reading.utc_offset is not None and reading.clock is not None:
            source = timezone(timedelta(hours=reading.utc_offset))
            day = reading.day or self.today
            moment = datetime.combine(day, reading.clock, tzinfo=source).astimezone(zone)
            return ParsedWhen(moment, True, "minute")
        if reading.exact is not None:
            return ParsedWhen(reading.exact, True, reading.grain)
        if reading.clock is not None:
            day = reading.day
            if day is None:
                day = self.today
                if datetime.combine(day, reading.clock, tzinfo=zone) <= self.now:
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


def parse_tokens(words: list[str], now: datetime) -> ParsedWhen | None:
    """The phrase made of exactly these words, or None."""
    if not words:
        return None
    try:
        return _Grammar(words, now).parse()
    except (OverflowError, ValueError):
        return None  # "in 99999999 years": past the calendar's end is not a date


_VOCAB = (
    set(WEEKDAYS)
    | set(MONTHS)
    | set(UNITS)
    | set(SMALL)
    | set(TENS)
    | set(ORDINAL_WORDS)
    | set(PERIODS)
    | FILLERS
    | set(AMPM)
    | {
        "today",
        "tonite",
        "tomorrow",
        "tmrw",
        "tmr",
        "tomorow",
        "tommorow",
        "tommorrow",
        "tmw",
        "yesterday",
        "next",
        "last",
        "this",
        "coming",
        "upcoming",
        "past",
        "previous",
        "current",
        "end",
        "eow",
        "eom",
        "eoy",
        "weekend",
        "wkend",
        "after",
        "before",
        "from",
        "now",
        "right",
        "hence",
        "later",
        "ago",
        "quarter",
        "half",
        "mid",
        "day",
        "of",
        "within",
        "few",
        "couple",
        "several",
        "christmas",
        "xmas",
        "halloween",
        "new",
        "year's",
        "eve",
        "easter",
        "good",
        "palm",
        "whit",
        "pentecost",
        "trinity",
        "ascension",
        "orthodox",
        "ides",
        "to",
        "just",
        "time",
        *ZONE_OFFSETS,
    }
)
_VOCAB_PATTERN = re.compile(
    r"\d{1,2}(st|nd|rd|th)|\d{1,4}|\d{1,2}(:\d{2}){1,2}(am|pm|a|p)?|\d{1,4}(am|pm|a|p)"
    r"|\d{1,2}h(\d{2})?|\d{1,2}/\d{1,2}(/\d{2,4})?|\d{4}-\d{2}-\d{2}|\d+\.\d+|1/2"
)


def in_vocabulary(word: str) -> bool:
    return word in _VOCAB or bool(_VOCAB_PATTERN.fullmatch(word))


def worth_fallback(tokens: list[Token]) -> bool:
    """Only hand a phrase to dateparser when most of it looks like date words."""
    known = sum(in_vocabulary(t.word) for t in tokens)
    return known * 2 > len(tokens) and any(
        in_vocabulary(t.word)
        and t.word not in FILLERS | {"this", "one", "past"} | set(SMALL) | set(TENS)
        and not t.word.isdigit()
        for t in tokens
    )


MAX_SPAN = 9


def find(text: str, now: datetime) -> FoundWhen | None:
    """The longest date phrase in `text`, grammar only; weak phrases need a preposition.

    A date and a time said apart ("tomorrow's meeting at 10am") are read together.
    """
    tokens = tokenize(text)
    spans: list[tuple[int, int, ParsedWhen]] = []
    i = 0
    n = len(tokens)
    while i < n:
        if not in_vocabulary(tokens[i].word):
            i += 1
            continue
        run_end = i
        while run_end < n and in_vocabulary(tokens[run_end].word) and run_end - i < MAX_SPAN:
            run_end += 1
        found = _longest_in_run(tokens, i, run_end, now)
        if found is not None:
            spans.append(found)
            i = found[1]
        else:
            i = run_end if run_end > i else i + 1
    if not spans:
        return None
    best = max(spans, key=lambda span: span[1] - span[0])
    start, end, parsed = best
    extra: tuple[tuple[int, int], ...] = ()
    for other in sorted(spans, key=lambda span: abs(span[0] - start)):
        if other is best or other[2].has_time == parsed.has_time:
            continue
        first, second = sorted([best, other])
        words = [t.word for t in tokens[first[0] : first[1]] + tokens[second[0] : second[1]]]
        merged = parse_tokens(words, now)
        if merged is not None and merged.has_time:
            parsed = merged
            extra = (_with_preposition(tokens, other[0], other[1]),)
            break
    return FoundWhen(parsed, *_with_preposition(tokens, start, end), extra)


def _with_preposition(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """Character range of the phrase, taking a leading preposition along ("on friday")."""
    if (
        start > 0
        and tokens[start - 1].word in PREPOSITIONS
        and tokens[start].word not in PREPOSITIONS
    ):
        start -= 1
    return tokens[start].start, tokens[end - 1].end


def _longest_in_run(
    tokens: list[Token], run_start: int, run_end: int, now: datetime
) -> tuple[int, int, ParsedWhen] | None:
    for length in range(run_end - run_start, 0, -1):
        for start in range(run_start, run_end - length + 1):
            words = [t.word for t in tokens[start : start + length]]
            if words[0] in FILLERS - {"this", "in", "the", "a", "an", "at"} or words[
                -1
            ] in FILLERS - {"o'clock", "oclock", "ish"}:
                continue
            parsed = parse_tokens(words, now)
            if parsed is None:
                continue
            preceded = start > 0 and tokens[start - 1].word in PREPOSITIONS | {"next", "every"}
            if not preceded and not _strong(words):
                continue
            # Leave leading filler words that add nothing to the title: "a 7pm meeting".
            while len(words) > 1 and words[0] in FILLERS and parse_tokens(words[1:], now) == parsed:
                words, start, length = words[1:], start + 1, length - 1
            return start, start + length, parsed
    return None


def _strong(words: list[str]) -> bool:
    """A phrase is weak when every word could be an ordinary word: "the 5th", "may", "sun"."""
    meaningful = [w for w in words if w not in FILLERS]
    if not meaningful:
        return False
    if "at" in words[:-1] and words[-1] not in FILLERS:
        return True  # "at 5": a clock time
    weak = [
        w in WEAK_WORDS
        or w in ORDINAL_WORDS
        or w in SMALL
        or w in TENS
        or bool(re.fullmatch(r"\d{1,2}(st|nd|rd|th)?|\d+", w))
        for w in meaningful
    ]
    if not all(weak):
        return True
    # Only numbers and weak words: a date when it names a month and a day ("may 5").
    return any(w in MONTHS for w in meaningful) and len(meaningful) > 1
