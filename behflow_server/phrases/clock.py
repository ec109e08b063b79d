"""Times of day: "5pm", "17:30", "at 5", "quarter to noon", "half past 3", "8 tonight".

A bare hour ("at 5") without am/pm means 1-7 pm, 8-11 am, 12 noon; a part of day next to it
decides instead ("8 tonight" is 20:00, "9 tomorrow morning" 09:00).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from behflow_server.phrases.reading import GrammarBase, Reading
from behflow_server.phrases.vocabulary import (
    AMPM,
    DAYPART_HOURS,
    DAYPARTS,
    PERIODS,
    SMALL,
    TENS,
    WEEKDAYS,
)


class ClockRules(GrammarBase):
    """Clock times and parts of day."""

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
                and not self._part_follows(j)
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
                and not self._part_follows(j)
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

    def _part_follows(self, j: int) -> bool:
        """A part of day follows within a few words: "8 tonight", "6 this evening"."""
        for k in range(j, j + 4):
            word = self.word(k)
            if word in DAYPARTS:
                return True
            if word not in {"tomorrow", "today", "this", "in", "the", "on", "at"}:
                return word in WEEKDAYS and k == j
        return False

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

    def time_phrase(self, i: int, reading: Reading) -> int | None:
        """Consume a time of day at i; returns the next index."""
        word = self.word(i)
        after_at = self.word(i - 1) in {"at", "for", "@"}
        moved = self._minutes_around(i, reading)
        if moved is not None:
            return moved
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
            elif not reading.clock_from_period and word in DAYPARTS:
                self._fit_to_part(reading, word)
            return i + 1
        if word == "mid" and self.word(i + 1) == "day":
            reading.clock, reading.grain = time(12, 0), "hour"
            return i + 2
        clock = self.clock(i, after_at=after_at)
        if clock is None:
            return None
        value, j, ambiguous, grain = clock
        bare = value.hour if ambiguous else None
        if ambiguous and value.hour < 8:
            value = value.replace(hour=value.hour + 12)
        reading.clock, reading.ambiguous_hour, reading.grain = value, ambiguous, grain
        reading.bare_hour, reading.clock_from_period = bare, False
        reading.clock_words = " ".join(self.w[i:j])
        if reading.period in DAYPARTS:
            self._fit_to_part(reading, reading.period)
        return j

    def _fit_to_part(self, reading: Reading, part: str) -> None:
        """Read an hour with its part of day ("8 tonight" is 20:00); drop it when they disagree.

        "at 11 in the afternoon" or "7am tonight" cannot both be right: the time is left out
        (a wrong time is worse than no time) and `unsure` names the words.
        """
        clock = reading.clock
        if clock is None:
            return
        hour = clock.hour
        if reading.ambiguous_hour and reading.bare_hour is not None:
            said = reading.bare_hour
            if part == "morning":
                hour = 0 if said == 12 else said
            elif part in {"night", "tonight"} and said <= 4:
                hour = said
            else:
                hour = said + 12 if said < 12 else 12
            reading.ambiguous_hour = False
        low, high = DAYPART_HOURS[part]
        fits = low <= hour <= high or (part in {"night", "tonight"} and hour <= 4)
        if not fits:
            reading.unsure = f"{reading.clock_words} {part}".strip()
            reading.clock, reading.grain = None, "day"
            reading.clock_dropped = True
            return
        reading.clock = clock.replace(hour=hour)

    def _minutes_around(self, i: int, reading: Reading) -> int | None:
        """ "quarter to noon", "half past 3", "10 to 5", "20 minutes past 9am"."""
        word = self.word(i)
        if word in {"quarter", "half"} or (word == "a" and self.word(i + 1) == "quarter"):
            k = i + 1 if word != "a" else i + 2
            minutes = 30 if word == "half" else 15
        else:
            amount = self.number(i)
            if amount is None or self.word(i) in {"a", "an", "half"}:
                return None
            minutes, k = int(amount[0]), amount[1]
            if self.word(k) in {"minutes", "mins", "min", "minute"}:
                k += 1
            elif minutes not in {5, 10, 20, 25}:
                return None  # "9 to 11" is a range, "10 to 5" a clock time
        if self.word(k) not in {"past", "after", "to", "before", "till", "til", "of"}:
            return None
        direction = 1 if self.word(k) in {"past", "after"} else -1
        target = self.word(k + 1)
        if target in {"noon", "midday", "midnight"}:
            base = datetime.combine(self.today, time(12 if target != "midnight" else 0))
            if target == "midnight" and direction < 0:
                base += timedelta(days=1)
            ambiguous, nxt = False, k + 2
            said = None
        else:
            clock = self.clock(k + 1, after_at=True)
            if clock is None:
                return None
            base = datetime.combine(self.today, clock[0])
            ambiguous, nxt = clock[2], clock[1]
            said = clock[0].hour if ambiguous else None
            if ambiguous and base.hour < 8:
                base += timedelta(hours=12)
        moved = base + direction * timedelta(minutes=minutes)
        reading.clock, reading.ambiguous_hour = moved.time(), ambiguous
        reading.bare_hour = moved.hour if said is not None and moved.hour <= 12 else None
        if reading.bare_hour is None:
            reading.ambiguous_hour = False
        reading.grain, reading.clock_from_period = "minute", False
        reading.clock_words = " ".join(self.w[i:nxt])
        return nxt

    # dates -----------------------------------------------------------------
