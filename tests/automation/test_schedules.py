"""Schedules: cron in the owner's zone (across DST), epoch-anchored intervals, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from behflow_server.errors import InvalidInput
from behflow_server.processes.schedules import parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")


def test_cron_fires_at_local_time_on_both_sides_of_dst() -> None:
    schedule = parse_schedule("0 9 * * *", BERLIN)
    # Berlin moves to summer time on 2026-03-29.
    before = schedule.next_after(datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
    after = schedule.next_after(before)
    assert before == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert schedule.next_after(datetime(2026, 3, 27, 12, tzinfo=UTC)) == datetime(
        2026, 3, 28, 8, 0, tzinfo=UTC
    )  # 09:00 CET
    assert after == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_next_is_strictly_after() -> None:
    schedule = parse_schedule("*/15 * * * *", ZoneInfo("UTC"))
    at = datetime(2026, 1, 1, 10, 15, tzinfo=UTC)
    assert schedule.next_after(at) == datetime(2026, 1, 1, 10, 30, tzinfo=UTC)
    assert schedule.next_after(at - timedelta(microseconds=1)) == at


def test_intervals_are_anchored_so_every_replica_agrees() -> None:
    schedule = parse_schedule("every 15m", BERLIN)
    a = schedule.next_after(datetime(2026, 1, 1, 10, 7, 13, tzinfo=UTC))
    b = schedule.next_after(datetime(2026, 1, 1, 10, 14, 59, tzinfo=UTC))
    assert a == b == datetime(2026, 1, 1, 10, 15, tzinfo=UTC)
    assert parse_schedule("Every  2 hours", BERLIN).interval == timedelta(hours=2)
    assert parse_schedule("every 30s", BERLIN, min_interval_seconds=1).interval == timedelta(
        seconds=30
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("61 * * * *", "Invalid schedule"),
        ("* * *", "five fields"),
        ("every 5 fortnights", "intervals look like"),
        ("every 10s", "shortest interval is 60"),
        ("every 400d", "longest interval"),
        ("", "five fields"),
        ("0 9 * * funday", "Invalid schedule"),
    ],
)
def test_bad_schedules_are_refused_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_schedule(text, BERLIN)
    assert fragment in caught.value.message
    assert caught.value.code == "invalid_schedule"
