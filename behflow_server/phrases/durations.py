"""Offsets from now: "in 3 days", "in 1.5 hours", "in half an hour", "2 weeks ago".

"in 3 days" names a day (due at its end), "in 2 hours" an instant; "a couple" is 2,
"a few" and "several" 3.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from behflow_server.phrases.reading import GrammarBase, Reading
from behflow_server.phrases.vocabulary import UNITS, WEEKDAYS


class DurationRules(GrammarBase):
    """Offsets from now."""

    def relative(self, i: int, reading: Reading) -> int | None:
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
            self.shift(UNITS[self.word(k + 1)], int(count), reading)
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
        if (
            self.word(tail) == "and"
            and self.word(tail + 1) in {"a", "an"}
            and self.word(tail + 2) in {"half", "quarter"}
        ):
            count += 0.5 if self.word(tail + 2) == "half" else 0.25  # "an hour and a half"
            tail += 3
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
            base = type(self)(self.w[tail + 1 :], self.now, self.country).parse()
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
            reading.exact = self.elapsed(delta)
            reading.grain = "minute" if unit != "seconds" else "second"
        else:
            if unit == "quarters":
                shift = relativedelta(months=int(count * 3) * sign)
            else:
                whole = int(count)
                units: dict[str, Any] = {unit: whole * sign}
                shift = relativedelta(**units)
                if count != whole and unit == "days":
                    shift = relativedelta(hours=int(count * 24) * sign)
            reading.day = self.today + shift
            reading.grain = "day" if unit in {"days", "weeks"} else "month"
        reading.strong = True
        return tail
