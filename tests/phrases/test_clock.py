"""Times of day as people type them, with parts of day and clock wording."""

from __future__ import annotations

import pytest

from behflow_server.dates import parse_when
from tests.phrases.common import NOW, SATURDAY_NIGHT, ZONE, at, read


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 tonight", at(3, 4, 20, 0)),
        ("at 11 tonight", at(3, 4, 23, 0)),
        ("9 tomorrow morning", at(3, 5, 9, 0)),
        ("tomorrow at 7 in the evening", at(3, 5, 19, 0)),
        ("6 this evening", at(3, 4, 18, 0)),
        ("friday at 2 in the afternoon", at(3, 6, 14, 0)),
        ("tomorrow morning at 7", at(3, 5, 7, 0)),
        ("quarter to noon", at(3, 4, 11, 45)),
        ("half past 3", at(3, 4, 15, 30)),
        ("quarter past 9am", at(3, 5, 9, 15)),  # 9:15 today has passed
        ("10 to 5", at(3, 4, 16, 50)),
        ("20 minutes past 4pm", at(3, 4, 16, 20)),
        ("noon", at(3, 4, 12, 0)),
        ("midnight", at(3, 4, 23, 59)),
        ("5pm", at(3, 4, 17, 0)),
        ("at 5", at(3, 4, 17, 0)),  # a bare hour 1-7 is in the afternoon
    ],
)
def test_times_of_day(text: str, expected: object) -> None:
    parsed = read(text)
    assert parsed.value == expected
    assert parsed.has_time
    assert parsed.unsure is None
    assert parsed.end is None


def test_tomorrow_morning_across_the_clock_change() -> None:
    """Saturday night before the change: tomorrow 9am is 9:00 daylight time (UTC-4)."""
    parsed = read("9 tomorrow morning", SATURDAY_NIGHT)
    assert parsed.value == at(3, 8, 9, 0)
    assert parsed.value.utcoffset().total_seconds() == -4 * 3600  # type: ignore[union-attr]


def test_tonight_after_midnight_means_the_coming_night() -> None:
    """Saturday 23:30: "at 11 tonight" has passed today; 8am is the next morning."""
    assert read("8am", SATURDAY_NIGHT).value == at(3, 8, 8, 0)


@pytest.mark.parametrize(
    ("text", "day", "words"),
    [
        ("tomorrow at 11 in the afternoon", (3, 5), "11 afternoon"),
        ("7am tonight", (3, 4), "7am tonight"),
        ("friday at 5pm in the morning", (3, 6), "5pm morning"),
    ],
)
def test_an_hour_that_conflicts_with_its_part_of_day_is_left_out(
    text: str, day: tuple[int, int], words: str
) -> None:
    parsed = read(text)
    assert not parsed.has_time
    assert parsed.value == at(*day)
    assert parsed.unsure == words


def test_a_conflicting_time_alone_is_no_time() -> None:
    assert parse_when("11 in the afternoon", ZONE, NOW) is None
