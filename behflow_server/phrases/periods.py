"""Periods and their boundaries: "next week", "this month", "end of the month", "EOW".

Conventions: a period named alone ("next week") is its first day at the period's grain; "end of
the month" is its last day, "end of the week"/"EOW" the Friday of the work week, "end of day"/"EOD"
17:00 today, "beginning/start of next week" its Monday, "mid next week" its Wednesday.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from dateutil.relativedelta import relativedelta

from behflow_server.phrases.reading import GrammarBase, Reading


class PeriodRules(GrammarBase):
    """Periods and their start and end."""

    def shift(self, unit: str, step: int, reading: Reading) -> None:
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

    def _end_of(self, i: int, reading: Reading) -> int | None:
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
