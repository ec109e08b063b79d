"""Offsets from now, with fractions and words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.phrases.common import NOW, ZONE, at, read


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 1.5 hours", at(3, 4, 11, 30)),
        ("in half an hour", at(3, 4, 10, 30)),
        ("in an hour and a half", at(3, 4, 11, 30)),
        ("in 90 mins", at(3, 4, 11, 30)),
        ("in a few minutes", at(3, 4, 10, 3)),  # "a few" is 3
        ("in 2 hours", at(3, 4, 12, 0)),
    ],
)
def test_offsets_to_an_instant(text: str, expected: datetime) -> None:
    parsed = read(text)
    assert parsed.value == expected
    assert parsed.has_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in a couple of days", at(3, 6)),
        ("in 3 days", at(3, 7)),
        ("in two weeks", at(3, 18)),
        ("a day ago", at(3, 3)),
    ],
)
def test_offsets_to_a_day(text: str, expected: datetime) -> None:
    parsed = read(text)
    assert parsed.value == expected
    assert not parsed.has_time


def test_an_hour_from_just_before_the_clock_change_is_an_hour_of_real_time() -> None:
    """Sunday 8 March 01:30 EST: an hour later the clocks say 03:30 EDT."""
    now = datetime(2026, 3, 8, 1, 30, tzinfo=ZONE)
    parsed = read("in 1 hour", now)
    assert parsed.value.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=1)
    assert parsed.value.astimezone(ZONE).hour == 3


def test_in_two_hours_crosses_midnight() -> None:
    now = datetime(2026, 3, 4, 23, 15, tzinfo=ZONE)
    assert read("in 2 hours", now).value == at(3, 5, 1, 15)


def test_now_is_unchanged() -> None:
    assert read("in 0 minutes").value == NOW
