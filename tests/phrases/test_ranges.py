"""Intervals: `value` is the start, `end` the exclusive end."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.phrases.common import NOW, SATURDAY_NIGHT, at, read


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("friday 3-4pm", at(3, 6, 15, 0), at(3, 6, 16, 0)),
        ("3pm to 5pm", at(3, 4, 15, 0), at(3, 4, 17, 0)),
        ("3 to 4 pm", at(3, 4, 15, 0), at(3, 4, 16, 0)),
        ("from 9 to 11 tomorrow", at(3, 5, 9, 0), at(3, 5, 11, 0)),
        ("tomorrow from 9 to 11", at(3, 5, 9, 0), at(3, 5, 11, 0)),
        ("from 10 to 5", at(3, 4, 10, 0), at(3, 4, 17, 0)),
        ("10pm-1am", at(3, 4, 22, 0), at(3, 5, 1, 0)),  # across midnight
    ],
)
def test_time_ranges(text: str, start: datetime, end: datetime) -> None:
    parsed = read(text)
    assert (parsed.value, parsed.end, parsed.has_time) == (start, end, True)


@pytest.mark.parametrize(
    ("text", "first", "after"),
    [
        ("July 13-15", (7, 13), (7, 16)),
        ("13-15 July", (7, 13), (7, 16)),
        ("between monday and wednesday", (3, 9), (3, 12)),
        ("monday to friday", (3, 9), (3, 14)),
        ("next 3 days", (3, 4), (3, 7)),
        ("the next two weeks", (3, 4), (3, 18)),
    ],
)
def test_day_ranges(text: str, first: tuple[int, int], after: tuple[int, int]) -> None:
    parsed = read(text)
    assert parsed.value == at(*first)
    assert parsed.end == at(*after, 0, 0)
    assert not parsed.has_time


def test_next_two_hours_is_a_window_from_now() -> None:
    parsed = read("next 2 hours")
    assert (parsed.value, parsed.end) == (NOW, at(3, 4, 12, 0))


def test_a_range_across_the_clock_change_keeps_wall_clock_hours() -> None:
    parsed = read("sunday 1am-4am", SATURDAY_NIGHT)
    assert (parsed.value, parsed.end) == (at(3, 8, 1, 0), at(3, 8, 4, 0))


def test_a_single_instant_has_no_end() -> None:
    assert read("10 to 5").end is None  # 16:50, not 10-5
    assert read("tomorrow 5pm").end is None
