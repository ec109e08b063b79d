"""Days: relative, weekdays, weekends, dates of the month."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.phrases.common import NOW, SATURDAY_NIGHT, ZONE, at, read

SUNDAY = datetime(2026, 3, 8, 11, 0, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", at(3, 4)),
        ("tomorrow", at(3, 5)),
        ("wednesday", at(3, 4)),  # a bare weekday is the next one, today included
        ("friday", at(3, 6)),
        ("next friday", at(3, 13)),  # the Friday of next week
        ("before friday", at(3, 6)),
        ("1st of next month", at(4, 1)),
        ("the 1st of next month", at(4, 1)),
        ("on the 1st of next month", at(4, 1)),
        ("the 15th of this month", at(3, 15)),
        ("March 20", at(3, 20)),
        ("3/20", at(3, 20)),
    ],
)
def test_days(text: str, expected: datetime) -> None:
    parsed = read(text)
    assert parsed.value == expected
    assert not parsed.has_time


def test_next_tuesday_at_5() -> None:
    assert read("next tuesday at 5").value == at(3, 10, 17, 0)


@pytest.mark.parametrize(
    ("now", "text", "first_day", "monday"),
    [
        (NOW, "this weekend", (3, 7), (3, 9)),
        (NOW, "weekend", (3, 7), (3, 9)),
        (NOW, "next weekend", (3, 14), (3, 16)),
        (SATURDAY_NIGHT, "this weekend", (3, 7), (3, 9)),  # the current weekend
        (SATURDAY_NIGHT, "next weekend", (3, 14), (3, 16)),
        (SUNDAY, "this weekend", (3, 8), (3, 9)),  # what is left of it: today
        (SUNDAY, "weekend", (3, 8), (3, 9)),
        (SUNDAY, "next weekend", (3, 14), (3, 16)),
    ],
)
def test_weekends(
    now: datetime, text: str, first_day: tuple[int, int], monday: tuple[int, int]
) -> None:
    parsed = read(text, now)
    assert parsed.value == at(*first_day)
    assert parsed.end == at(*monday, 0, 0)


def test_tomorrow_said_just_before_midnight_is_the_next_day() -> None:
    assert read("tomorrow", SATURDAY_NIGHT).value == at(3, 8)
    assert read("tomorrow at 2:30", SATURDAY_NIGHT).value == at(3, 8, 14, 30)
