"""Days: "today", "tomorrow", weekdays, weekends, "March 3", "the 5th", "1st of next month".

A bare weekday is the next one, today included; "next friday" is the Friday of next week;
"this weekend" on a Saturday or Sunday is the current weekend, "next weekend" the following one.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from behflow_server.phrases.reading import GrammarBase, Reading
from behflow_server.phrases.vocabulary import (
    AMPM,
    MONTHS,
    ORDINAL_WORDS,
    PERIODS,
    UNITS,
    WEAK_WORDS,
    WEEKDAYS,
)
from behflow_server.phrases.windows import WINDOW_ANCHORS, WINDOW_OPENERS

# Words that open a period boundary: "end of the month", "EOW", "mid next week".
BOUNDARY_WORDS = {"end", "eod", "eow", "eom", "eoq", "eoy", "start", "beginning", "mid", "middle"}


class DayRules(GrammarBase):
    """Days, weekdays, weekends and dates."""

    def date_phrase(self, i: int, reading: Reading) -> int | None:
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
        held = self.holiday(i, reading)
        if held is not None:
            return held
        nth = self._nth_of_month(i, reading)
        if nth is not None:
            return nth
        if word == "the" and w(i + 1) == "week" and w(i + 2) == "of":
            inner = Reading()
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
        # "next 3 days", "within the next two weeks", "the following 2 weeks" (windows.py)
        if word in WINDOW_ANCHORS | WINDOW_OPENERS:
            spanned = self.span(i, reading)
            if spanned is not None:
                return spanned
        if word in {"recently", "lately", "of", "rest"}:
            return self.window_phrase(i, reading)
        # "next friday", "last tuesday", "this week", "next month", "friday after next"
        if word in {"next", "last", "this", "coming", "upcoming", "past", "previous", "current"}:
            return self._anchored(i, reading)
        if word in BOUNDARY_WORDS or (word == "the" and w(i + 1) in BOUNDARY_WORDS):
            return self.boundary(i, reading)
        if word in {"weekend", "wkend"}:
            self._weekend(0, reading)
            return i + 1
        if word in WEEKDAYS:
            return self._weekday(i, reading)
        if word in MONTHS:
            return self._month_first(i, reading)
        if word == "the" or word in ORDINAL_WORDS or re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", word):
            return self._day_first(i, reading)
        numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?", word)
        if numeric:
            numeric_year = int(numeric.group(3)) if numeric.group(3) else None
            if numeric_year is not None and numeric_year < 100:
                numeric_year += 2000
            found = self.month_day(int(numeric.group(1)), int(numeric.group(2)), numeric_year)
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
            year, k = self.year(i + 1)  # type: ignore[misc]  # not None: tested just above
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

    def _weekday(self, i: int, reading: Reading, *, shift_weeks: int | None = None) -> int:
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

    def _weekend(self, step: int, reading: Reading) -> None:
        """This weekend (the current one on a Saturday or Sunday), or `step` weekends on.

        Read as a window from Saturday (today on a Sunday) to Monday 00:00, due on its first day;
        its `window` is the whole weekend, Saturday included.
        """
        saturday = self.week_start(self.today) + timedelta(weeks=step, days=5)
        monday = saturday + timedelta(days=2)
        zone = self.now.tzinfo
        reading.day = max(saturday, self.today) if step == 0 else saturday
        reading.end = datetime.combine(monday, time(0), tzinfo=zone)
        reading.window = datetime.combine(saturday, time(0), tzinfo=zone), reading.end
        reading.strong = True

    def _anchored(self, i: int, reading: Reading) -> int | None:
        w = self.word
        anchor = w(i)
        k = i + 1
        count = 1
        counted = self.number(k) if anchor in WINDOW_ANCHORS else None
        if counted is not None and w(k) not in {"a", "an"}:
            count, k = int(counted[0]), counted[1]  # "next 2 fridays"
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
            # "the coming weekend" is the next one to come, as "coming friday".
            self._weekend(0 if anchor in {"coming", "upcoming"} else step, reading)
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
            self.shift(unit, step, reading)
            return k + 1
        if anchor == "this" and target in PERIODS:
            reading.day = self.today
            return k
        return None

    def _nth_of_month(self, i: int, reading: Reading) -> int | None:
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

    def _month_first(self, i: int, reading: Reading) -> int | None:
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
            year = self.today.year + int(self.number(k + 1)[0])  # type: ignore[index]  # tested above
            k += 3
        reading.day, reading.grain = date(year, month, 1), "month"
        reading.strong = reading.strong or self.word(i) not in WEAK_WORDS
        return k

    def _day_first(self, i: int, reading: Reading) -> int | None:
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
            w(k + (w(k) == "the")) in {"previous", "last", "next", "following", "this"}
            and w(k + (w(k) == "the") + 1) == "month"
        ):
            if w(k) == "the":
                k += 1
            shift = {"next": 1, "following": 1, "this": 0}.get(w(k), -1)
            first = self.today.replace(day=1) + relativedelta(months=shift)
            try:
                reading.day = first.replace(day=day_number)
            except ValueError:
                return None
            reading.strong = True
            return k + 2
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
    def _refine_weekday(self, i: int, reading: Reading) -> int | None:
        """ "Monday, Feb 18", "Fri, Jul 18", "Tuesday 19th": the weekday picks the year/month."""
        weekday = reading.weekday
        inner = Reading(weekday=weekday)
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
