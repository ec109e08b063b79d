"""Recurrence, fuller: from completion, ends across the chain (COUNT, UNTIL), moving one
occurrence, the rule in words, and the phrases that say them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.errors import InvalidInput
from behflow_server.tasks import recurrence, service
from behflow_server.tasks.models import Task, TaskCreate
from behflow_server.tasks.quickadd import parse_text
from behflow_server.tasks.rule_words import describe_rule

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
EVERY_3_DAYS_DONE = "FREQ=DAILY;INTERVAL=3;X-BEHFLOW-FROM=COMPLETION"


def _at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def _child(session: Session, task: Task) -> Task | None:
    return session.exec(select(Task).where(col(Task.recurrence_parent_id) == task.id)).first()


def _complete_at(
    session: Session, user: User, task: Task, when: datetime, monkeypatch: pytest.MonkeyPatch
) -> Task | None:
    monkeypatch.setattr(service, "utcnow", lambda: when.astimezone(UTC))
    service.complete_task(session, user, task.number)
    return _child(session, task)


def _create(session: Session, user: User, rule: str, due: datetime | None) -> Task:
    return service.create_task(
        session, user, TaskCreate(title="Water plants", due_at=due, recurrence=rule)
    )


def test_from_completion_counts_from_the_day_done_at_the_tasks_time(
    session: Session, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(timezone="Europe/London")
    # Due Monday 09:00, done late on Tuesday 15:00: next due Friday 09:00 (Tue + 3 days).
    task = _create(session, user, EVERY_3_DAYS_DONE, _at(LONDON, 2099, 6, 1, 9))
    child = _complete_at(session, user, task, _at(LONDON, 2099, 6, 2, 15), monkeypatch)
    assert child is not None and child.due_at == _at(LONDON, 2099, 6, 5, 9)
    assert (child.recurrence, child.recurrence_index) == (EVERY_3_DAYS_DONE, 2)
    # Done early (Thursday): counted from Thursday, not from the schedule.
    grandchild = _complete_at(session, user, child, _at(LONDON, 2099, 6, 4, 8), monkeypatch)
    assert grandchild is not None and grandchild.due_at == _at(LONDON, 2099, 6, 7, 9)


def test_from_completion_keeps_local_time_across_dst(
    session: Session, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(timezone="America/New_York")
    # Clocks spring forward on 2026-03-08: 09:00 EST is 14:00 UTC, 09:00 EDT 13:00 UTC.
    task = _create(session, user, EVERY_3_DAYS_DONE, _at(NEW_YORK, 2026, 3, 5, 9))
    child = _complete_at(session, user, task, _at(NEW_YORK, 2026, 3, 6, 22, 30), monkeypatch)
    assert child is not None and child.due_at == datetime(2026, 3, 9, 13, tzinfo=UTC)


def test_count_ends_the_chain_and_a_skip_counts(
    session: Session, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    task = _create(session, user, "FREQ=DAILY;COUNT=3", _at(UTC, 2099, 1, 1, 9))
    assert service.public(task).recurrence_text == "every day, 3 times (2 left)"
    skipped = service.skip_occurrence(session, user, task.number, zone=ZoneInfo("UTC"))
    assert (skipped.due_at, skipped.recurrence_index) == (_at(UTC, 2099, 1, 2, 9), 2)
    child = _complete_at(session, user, skipped, _at(UTC, 2099, 1, 2, 10), monkeypatch)
    assert child is not None and child.recurrence_index == 3
    assert service.public(child).recurrence_text == "every day, 3 times (last one)"
    assert _complete_at(session, user, child, _at(UTC, 2099, 1, 3, 10), monkeypatch) is None
    with pytest.raises(InvalidInput, match="no further occurrence"):
        service.skip_occurrence(session, user, child.number, zone=ZoneInfo("UTC"))


def test_until_ends_a_from_completion_series(
    session: Session, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    rule = "FREQ=WEEKLY;UNTIL=20990110T235959;X-BEHFLOW-FROM=COMPLETION"
    task = _create(session, user, rule, _at(UTC, 2099, 1, 1, 9))
    child = _complete_at(session, user, task, _at(UTC, 2099, 1, 2, 9), monkeypatch)
    assert child is not None and child.due_at == _at(UTC, 2099, 1, 9, 9)
    assert _complete_at(session, user, child, _at(UTC, 2099, 1, 9, 9), monkeypatch) is None


def test_moving_one_occurrence_keeps_the_series_on_schedule(
    session: Session, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    task = _create(session, user, "FREQ=WEEKLY;BYDAY=MO", _at(UTC, 2099, 1, 5, 8))
    moved = service.move_occurrence(
        session, user, task.number, _at(UTC, 2099, 1, 7, 8), zone=ZoneInfo("UTC")
    )
    assert (moved.due_at, moved.original_due_at) == (
        _at(UTC, 2099, 1, 7, 8),
        _at(UTC, 2099, 1, 5, 8),
    )
    child = _complete_at(session, user, moved, _at(UTC, 2099, 1, 7, 9), monkeypatch)
    assert child is not None and child.due_at == _at(UTC, 2099, 1, 12, 8)
    plain = service.create_task(session, user, TaskCreate(title="once"))
    with pytest.raises(InvalidInput, match="does not repeat"):
        service.move_occurrence(session, user, plain.number, _at(UTC, 2099, 1, 7), zone=UTC)


def test_a_from_completion_rule_is_a_plain_interval() -> None:
    with pytest.raises(InvalidInput, match="plain interval"):
        recurrence.validate_rule("FREQ=WEEKLY;BYDAY=MO;X-BEHFLOW-FROM=COMPLETION")
    with pytest.raises(InvalidInput, match="COUNT"):
        recurrence.validate_rule("FREQ=DAILY;COUNT=0")
    assert recurrence.validate_rule("rrule:x-behflow-from=completion;freq=daily") == (
        "FREQ=DAILY;X-BEHFLOW-FROM=COMPLETION"
    )


@pytest.mark.parametrize(
    ("rule", "index", "words"),
    [
        (EVERY_3_DAYS_DONE, None, "every 3 days after done"),
        ("FREQ=WEEKLY;INTERVAL=2;X-BEHFLOW-FROM=COMPLETION", None, "every 2 weeks after done"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", None, "every weekday"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270301T235959",
            None,
            "every other Tuesday until 1 Mar 2027",
        ),
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=5", 3, "every last Friday, 5 times (2 left)"),
        ("FREQ=MONTHLY;BYDAY=2WE", None, "every second Wednesday"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", None, "every month on the 1st"),
        ("FREQ=WEEKLY;INTERVAL=2", None, "every 2 weeks"),
        ("FREQ=YEARLY;BYWEEKNO=20", None, "every year (custom rule)"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,FR", None, "every Monday and Friday"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", None, "every month on the last day"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", None, "every month on the 1st and 15th"),
        ("FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO", None, "every first Monday"),
        ("FREQ=MONTHLY;BYSETPOS=2;BYDAY=MO,TU", None, "every month (custom rule)"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO", None, "every first Monday of every other month"),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25", None, "every year on 25 Dec"),
        ("FREQ=DAILY;BYHOUR=9;BYMINUTE=30", None, "every day at 09:30"),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=1", 1, "every Monday, once"),
        ("FREQ=DAILY;UNTIL=20261231T235959Z", None, "every day until 31 Dec 2026"),
        ("FREQ=HOURLY", None, "every hour"),
        (None, None, None),
    ],
)
def test_rule_in_words(rule: str | None, index: int | None, words: str) -> None:
    assert describe_rule(rule, index) == words


_CASES = Path(__file__).resolve().parents[2] / "bench" / "recurrence_cases.jsonl"


@pytest.mark.parametrize(
    "case",
    [case for line in _CASES.open() if (case := json.loads(line))["part"] == "train"],
    ids=lambda case: str(case["text"]),
)
def test_recurrence_phrases(case: dict[str, Any]) -> None:
    parsed = parse_text(case["text"], LONDON, _at(LONDON, 2026, 11, 25, 9))
    assert (parsed.title, set((parsed.recurrence or "").split(";"))) == (
        case["title"],
        set(case["rule"].split(";")),
    )


def test_phrases_that_are_no_recurrence_end() -> None:
    now = _at(LONDON, 2026, 11, 25, 9)
    assert parse_text("call 2 days after finishing the report", LONDON, now).recurrence is None
    # A weekday schedule cannot also count from completion: the words stay in the title.
    parsed = parse_text("gym every monday after done", LONDON, now)
    assert parsed.recurrence == "FREQ=WEEKLY;BYDAY=MO"


def test_occurrence_over_http(client: TestClient, register: Callable[..., dict[str, str]]) -> None:
    alice, bob = register("alice"), register("bob")
    quick = client.post(
        "/api/v1/tasks/quick",
        json={"text": "water plants every 3 days after done", "due": "2099-01-05 09:00"},
        headers=alice,
    )
    assert quick.status_code == 201, quick.text
    task = quick.json()
    assert task["recurrence_text"] == "every 3 days after done"
    number = task["number"]
    moved = client.post(
        f"/api/v1/tasks/{number}/occurrence", json={"due": "2099-01-06 10:00"}, headers=alice
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["due_at"].startswith("2099-01-06T10:00")
    assert moved.json()["original_due_at"].startswith("2099-01-05T09:00")
    both = client.post(
        f"/api/v1/tasks/{number}/occurrence",
        json={"due": "friday", "due_at": "2099-01-06T10:00:00Z"},
        headers=alice,
    )
    assert both.status_code == 422 and both.json()["error"]["code"]
    unread = client.post(
        f"/api/v1/tasks/{number}/occurrence", json={"due": "no such day"}, headers=alice
    )
    assert unread.status_code == 422 and unread.json()["error"]["code"] == "invalid_date"
    stranger = client.post(
        f"/api/v1/tasks/{number}/occurrence", json={"due": "2099-01-07"}, headers=bob
    )
    assert stranger.status_code == 404
    assert client.post(f"/api/v1/tasks/{number}/skip", headers=bob).status_code == 404


def test_todotxt_rec_without_plus_counts_from_completion() -> None:
    from behflow_server.interop import todotxt

    strict, after_done = todotxt.parse("Rent rec:+1m\nFerns rec:3d\n", LONDON)
    assert strict.recurrence == "FREQ=MONTHLY"
    assert after_done.recurrence == EVERY_3_DAYS_DONE
    assert todotxt._repeat(EVERY_3_DAYS_DONE) == "rec:3d"
