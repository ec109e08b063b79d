"""Periods and their boundaries: "next week", "this month", "end of the month", "EOW".

Conventions: a period named alone ("next week") is its first day at the period's grain; "end of
the month" is its last day, "end of the week"/"EOW" the Friday of the work week, "end of day"/"EOD"
17:00 today, "beginning/start of next week" its Monday, "mid next week" its Wednesday.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from dateutil.relativedelta import relativedelta

from behflow_server.phrases.reading import GrammarBase, Reading

# "end of day"/"EOD": the end of the working day.
END_OF_WORKDAY = time(17, 0)
BOUNDARY = {"end": "end", "start": "start", "beginning": "start", "mid": "mid", "middle": "mid"}
SHORT = {
    "eod": ("end", "day"),
    "eow": ("end", "week"),
    "eom": ("end", "month"),
    "eoq": ("end", "quarter"),
    "eoy": ("end", "year"),
}
PERIOD_UNITS = {
    "day": "day",
    "week": "week",
    "wk": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
}


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

    def boundary(self, i: int, reading: Reading) -> int | None:
        """ "end of the month", "EOW", "beginning of next week", "mid next week", "EOD"."""
        w = self.word
        k = i + (w(i) == "the")
        short = SHORT.get(w(k))
        named_current = True
        unit: str | None
        which: str | None
        if short is not None:
            which, unit = short
            base, k = self.today, k + 1
        else:
            which = BOUNDARY.get(w(k))
            if which is None:
                return None
            k += 1
            if w(k) == "of":
                k += 1
            elif which != "mid" and not (which == "end" and w(k) == "day"):
                return None
            if w(k) in {"the", "this"} and w(k + 1) in PERIOD_UNITS:
                named_current, k = w(k) == "the", k + 1
            if w(k) in PERIOD_UNITS:
                base, unit, k = self.today, PERIOD_UNITS[w(k)], k + 1
            else:
                inner = Reading()
                nxt = self.date_phrase(k, inner)
                if nxt is None or inner.day is None or inner.exact is not None:
                    return None
                base, unit, k, named_current = inner.day, inner.grain, nxt, False
        if unit == "day":
            reading.day = base
            reading.clock = {"end": END_OF_WORKDAY, "start": time(9, 0), "mid": time(12, 0)}[which]
            reading.grain, reading.clock_from_period = "hour", True
            reading.strong = True
            return k
        day = self._boundary_day(base, unit, which)
        if unit == "week" and which == "end" and named_current and day < self.today:
            day += timedelta(weeks=1)  # "EOW" on a weekend: the coming Friday
        reading.day, reading.grain, reading.strong = day, "day", True
        return k

    def _boundary_day(self, base: date, unit: str, which: str) -> date:
        if unit == "week":
            monday = self.week_start(base)
            return monday + timedelta(days={"start": 0, "mid": 2, "end": 4}[which])
        if unit == "month":
            first = base.replace(day=1)
            return {"start": first, "mid": first.replace(day=15)}.get(
                which, first + relativedelta(day=31)
            )
        if unit == "quarter":
            first = date(base.year, 3 * ((base.month - 1) // 3) + 1, 1)
            return {"start": first, "mid": first + relativedelta(months=1, day=15)}.get(
                which, first + relativedelta(months=2, day=31)
            )
        return {"start": date(base.year, 1, 1), "mid": date(base.year, 7, 1)}.get(
            which, date(base.year, 12, 31)
        )
