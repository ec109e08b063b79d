"""Windows: the stretch of time a phrase names, [start, end), for list filters.

`read_window` reads with the grammar (`parse_when`): an interval is its `value` to its `end`, a
day/week/month phrase the whole day/week/month, a part of day its hours, and a few phrases that
only make sense as a window ("recently", "the rest of the week") are read here too.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from behflow_server.dates import read_window
from tests.phrases.common import NOW, ZONE, at, read

SUNDAY = datetime(2026, 3, 8, 15, 0, tzinfo=ZONE)


def window(text: str, now: datetime = NOW) -> tuple[datetime, datetime]:
    found = read_window(text, ZONE, now)
    assert found is not None, text
    return found


def days(first: tuple[int, int], after: tuple[int, int]) -> tuple[datetime, datetime]:
    return at(*first, 0, 0), at(*after, 0, 0)


@pytest.mark.parametrize(
    ("text", "first", "after"),
    [
        ("July 13-15", (7, 13), (7, 16)),
        ("from July 13 to 15", (7, 13), (7, 16)),
        ("Jul. 13th - 15th", (7, 13), (7, 16)),
        ("July 13 to August 2", (7, 13), (8, 3)),
        ("13-15 July", (7, 13), (7, 16)),
        ("13 July - 15 July", (7, 13), (7, 16)),
        ("the 13th to the 15th of July", (7, 13), (7, 16)),
        ("between the 13th and 15th of July", (7, 13), (7, 16)),
        ("monday to wednesday", (3, 9), (3, 12)),
    ],
)
def test_date_ranges(text: str, first: tuple[int, int], after: tuple[int, int]) -> None:
    assert window(text) == days(first, after)


def test_the_day_said_first_borrows_the_month_said_last() -> None:
    parsed = read("the 13th to the 15th of July")
    assert (parsed.value, parsed.end) == (at(7, 13), at(7, 16, 0, 0))


@pytest.mark.parametrize(
    ("text", "first", "after"),
    [
        ("weekend", (3, 7), (3, 9)),
        ("this weekend", (3, 7), (3, 9)),
        ("the weekend", (3, 7), (3, 9)),
        ("coming weekend", (3, 7), (3, 9)),  # the coming one, as "coming friday"
        ("next weekend", (3, 14), (3, 16)),
        ("last weekend", (2, 28), (3, 2)),
        ("past weekend", (2, 28), (3, 2)),
        ("previous weekend", (2, 28), (3, 2)),
    ],
)
def test_weekends(text: str, first: tuple[int, int], after: tuple[int, int]) -> None:
    assert window(text) == days(first, after)


def test_a_weekend_under_way_is_the_whole_weekend() -> None:
    # Due on what is left of it (today), but a list of it starts on Saturday.
    assert read("this weekend", SUNDAY).value.date() == SUNDAY.date()
    assert window("this weekend", SUNDAY) == days((3, 7), (3, 9))


@pytest.mark.parametrize(
    ("text", "first", "after"),
    [
        ("next 3 days", (3, 4), (3, 7)),
        ("in the next 3 days", (3, 4), (3, 7)),
        ("within the next 3 days", (3, 4), (3, 7)),
        ("for the next few days", (3, 4), (3, 7)),
        ("during the next two weeks", (3, 4), (3, 18)),
        ("the following 2 weeks", (3, 4), (3, 18)),
        ("next couple of days", (3, 4), (3, 6)),
        ("the next fourteen days", (3, 4), (3, 18)),
        # A plural without a count is a few.
        ("the coming days", (3, 4), (3, 7)),
        ("the next weeks", (3, 4), (3, 25)),
        # Backwards: the days before today.
        ("last 3 days", (3, 1), (3, 4)),
        ("over the past 2 weeks", (2, 18), (3, 4)),
        ("the recent 2 weeks", (2, 18), (3, 4)),
        ("last thirty days", (2, 2), (3, 4)),
    ],
)
def test_spans(text: str, first: tuple[int, int], after: tuple[int, int]) -> None:
    assert window(text) == days(first, after)


def test_past_months_without_a_count() -> None:
    assert window("past months") == (at(12, 4, 0, 0, year=2025), at(3, 4, 0, 0))


@pytest.mark.parametrize("text", ["recently", "lately", "of late"])
def test_recently_is_the_past_week_today_included(text: str) -> None:
    assert window(text) == days((2, 26), (3, 5))


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ("rest of the day", (3, 5)),
        ("the rest of today", (3, 5)),
        ("rest of this week", (3, 9)),
        ("the rest of the week", (3, 9)),
        ("the rest of the month", (4, 1)),
    ],
)
def test_the_rest_of_a_period_starts_now(text: str, after: tuple[int, int]) -> None:
    assert window(text) == (NOW, at(*after, 0, 0))


@pytest.mark.parametrize(
    ("text", "day", "hours"),
    [
        ("this morning", (3, 4), (5, 12)),
        ("today's morning", (3, 4), (5, 12)),
        ("tomorrow afternoon", (3, 5), (12, 17)),
        ("tonight", (3, 4), (17, 24)),
        ("yesterday evening", (3, 3), (17, 24)),
        ("tomorrow night", (3, 5), (17, 24)),
        ("tomorrow's evening", (3, 5), (17, 24)),
        ("friday afternoon", (3, 6), (12, 17)),
    ],
)
def test_a_part_of_day_is_its_hours(
    text: str, day: tuple[int, int], hours: tuple[int, int]
) -> None:
    start = at(*day, hours[0], 0)
    end = at(day[0], day[1] + 1, 0, 0) if hours[1] == 24 else at(*day, hours[1], 0)
    assert window(text) == (start, end)


def test_a_part_of_day_stays_one_instant_for_a_due_time() -> None:
    parsed = read("tomorrow afternoon")
    assert (parsed.value, parsed.end) == (at(3, 5, 15, 0), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", days((3, 4), (3, 5))),
        ("friday", days((3, 6), (3, 7))),
        ("next week", days((3, 9), (3, 16))),
        ("next month", days((4, 1), (5, 1))),
        ("2026-12-01", days((12, 1), (12, 2))),
        ("tomorrow 5pm", (at(3, 5, 17, 0), at(3, 5, 18, 0))),
        ("friday 3-4pm", (at(3, 6, 15, 0), at(3, 6, 16, 0))),
    ],
)
def test_single_phrases_name_their_whole_grain(
    text: str, expected: tuple[datetime, datetime]
) -> None:
    assert window(text) == expected


@pytest.mark.parametrize("text", ["", "this", "hello", "recently published"])
def test_not_a_window(text: str) -> None:
    assert read_window(text, ZONE, NOW) is None


@pytest.mark.parametrize("text", ["Review recently merged PRs", "Finish the rest of the slides"])
def test_window_words_stay_in_titles(text: str) -> None:
    from behflow_server.dates import find_when

    assert find_when(text, ZONE, NOW) is None


def test_a_clock_time_to_a_day_includes_that_day() -> None:
    assert window("monday 9am to friday") == (at(3, 9, 9, 0), at(3, 14, 0, 0))
    assert window("today to friday") == days((3, 4), (3, 7))


def test_a_date_range_that_just_ended_is_this_years() -> None:
    # Asked about in a list, "Feb 20-25" on March 4 is the one just gone, not next year's;
    # a range that ended longer ago, or with its year said, is read as the grammar reads it.
    assert window("Feb 20-25") == days((2, 20), (2, 26))
    assert window("Jan 13-15") == (at(1, 13, 0, 0, year=2027), at(1, 16, 0, 0, year=2027))
    assert window("Feb 20 2027 - Feb 25 2027") == (
        at(2, 20, 0, 0, year=2027),
        at(2, 26, 0, 0, year=2027),
    )
