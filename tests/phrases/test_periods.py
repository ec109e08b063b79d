"""Periods and their boundaries; EOW is the Friday of the work week."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.phrases.common import NOW, SATURDAY_NIGHT, at, read


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of the month", at(3, 31)),
        ("by the end of the month", at(3, 31)),
        ("EOM", at(3, 31)),
        ("end of next month", at(4, 30)),
        ("end of next week", at(3, 13)),
        ("end of the week", at(3, 6)),
        ("EOW", at(3, 6)),
        ("beginning of next week", at(3, 9)),
        ("start of next month", at(4, 1)),
        ("mid next week", at(3, 11)),
        ("end of march", at(3, 31)),
        ("end of the year", at(12, 31)),
        ("next week", at(3, 9)),
        ("next month", at(4, 1)),
    ],
)
def test_period_boundaries(text: str, expected: datetime) -> None:
    parsed = read(text)
    assert parsed.value == expected
    assert not parsed.has_time


@pytest.mark.parametrize("text", ["EOD", "end of day", "by end of day"])
def test_end_of_day_is_the_end_of_the_working_day(text: str) -> None:
    parsed = read(text)
    assert parsed.value == at(3, 4, 17, 0)
    assert parsed.has_time


def test_end_of_week_on_a_saturday_is_the_coming_friday() -> None:
    assert read("EOW", SATURDAY_NIGHT).value == at(3, 13)


def test_end_of_the_month_from_the_last_day() -> None:
    assert read("end of the month", datetime(2026, 3, 31, 23, 0, tzinfo=NOW.tzinfo)).value == at(
        3, 31
    )
