"""What a date phrase reads as: the dataclasses behind `behflow_server.dates`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

# A due date given without a time means "by the end of that day".
END_OF_DAY = time(23, 59)


@dataclass(frozen=True)
class ParsedWhen:
    value: datetime
    has_time: bool
    # The precision the phrase named: second, minute, hour, day, week, month, quarter or year.
    grain: str = "day"
    # For an interval ("friday 3-4pm", "July 13-15", "next 3 days"): its exclusive end; `value`
    # is then its start. None for a single instant.
    end: datetime | None = None
    # Words the reader saw but left out because it could not read them with confidence (a wrong
    # time is worse than no time), e.g. "11" in "tomorrow at 11 in the afternoon"; or a note
    # that the whole value is a fallback guess. None when every word was read with confidence.
    unsure: str | None = None
    # The stretch of time the phrase names, [start, end), where it is wider than `value` to
    # `end`: a part of day ("tomorrow afternoon" is due at 15:00 but names 12:00-17:00), a
    # weekend under way (due today, Sunday, but names Saturday-Monday), "the rest of the week"
    # (from now), "recently". None when the phrase names its own value (or interval).
    window: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class FoundWhen:
    """A date phrase found inside a longer text: text[start:end] reads as `when`."""

    when: ParsedWhen
    start: int
    end: int
    # Further parts read with it, e.g. the time in "tomorrow's meeting at 10am".
    more: tuple[tuple[int, int], ...] = ()

    @property
    def unsure(self) -> str | None:
        """Words next to the phrase that were left out rather than guessed (see ParsedWhen)."""
        return self.when.unsure

    def without(self, text: str) -> str:
        """`text` with the phrase's parts blanked out (positions stay valid)."""
        for start, end in ((self.start, self.end), *self.more):
            text = text[:start] + " " * (end - start) + text[end:]
        return text
