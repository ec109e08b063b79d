"""Recurring tasks: next occurrences (month ends, leap days, DST), completing once, skipping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.db import Database
from behflow_server.errors import InvalidInput
from behflow_server.tasks import recurrence, service
from behflow_server.tasks.models import Task, TaskCreate, TaskStatus

NEW_YORK = ZoneInfo("America/New_York")
UTC_ZONE = ZoneInfo("UTC")


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("rule", "due", "expected"),
    [
        # Jan 31 monthly: the last day of shorter months, then back to the 31st.
        ("FREQ=MONTHLY", _utc(2026, 1, 31, 9), _utc(2026, 2, 28, 9)),
        ("FREQ=MONTHLY", _utc(2026, 2, 28, 9), _utc(2026, 3, 28, 9)),
        ("FREQ=MONTHLY", _utc(2026, 3, 31, 9), _utc(2026, 4, 30, 9)),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", _utc(2026, 4, 30, 9), _utc(2026, 5, 31, 9)),
        ("FREQ=MONTHLY;BYMONTHDAY=1", _utc(2026, 1, 1, 9), _utc(2026, 2, 1, 9)),
        ("FREQ=YEARLY", _utc(2024, 2, 29, 9), _utc(2025, 2, 28, 9)),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", _utc(2026, 3, 6, 17), _utc(2026, 3, 20, 17)),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", _utc(2026, 3, 6, 9), _utc(2026, 3, 9, 9)),
    ],
)
def test_next_occurrence(rule: str, due: datetime, expected: datetime) -> None:
    assert recurrence.next_occurrence(rule, due, UTC_ZONE) == expected


def test_daily_keeps_local_time_across_dst() -> None:
    # New York springs forward on 2026-03-08 and falls back on 2026-11-01.
    due = datetime(2026, 3, 7, 9, tzinfo=NEW_YORK)
    spring = recurrence.next_occurrence("FREQ=DAILY", due, NEW_YORK)
    assert spring == _utc(2026, 3, 8, 13)  # 09:00 EDT
    autumn = recurrence.next_occurrence(
        "FREQ=WEEKLY", datetime(2026, 10, 25, 9, tzinfo=NEW_YORK), NEW_YORK
    )
    assert autumn == _utc(2026, 11, 1, 14)  # 09:00 EST


def test_a_time_skipped_by_dst_lands_after_the_jump() -> None:
    due = datetime(2026, 3, 7, 2, 30, tzinfo=NEW_YORK)
    assert recurrence.next_occurrence("FREQ=DAILY", due, NEW_YORK) == _utc(2026, 3, 8, 7, 30)


def test_missed_occurrences_are_skipped_and_until_ends_the_rule() -> None:
    due = _utc(2026, 3, 2, 9)
    later = recurrence.next_occurrence("FREQ=DAILY", due, UTC_ZONE, after=_utc(2026, 3, 5, 12))
    assert later == _utc(2026, 3, 6, 9)
    rule = "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260310T000000Z"
    assert recurrence.next_occurrence(rule, due, UTC_ZONE) == _utc(2026, 3, 9, 9)
    assert recurrence.next_occurrence(rule, _utc(2026, 3, 9, 9), UTC_ZONE) is None


def _recurring(session: Session, user: User, rule: str = "FREQ=WEEKLY;BYDAY=MO") -> Task:
    return service.create_task(
        session,
        user,
        TaskCreate(
            title="Water the plants",
            due_at=datetime(2099, 1, 5, 8, 0, tzinfo=UTC),  # a Monday
            recurrence=rule,
            tags=["home"],
            remind_at=datetime(2099, 1, 5, 7, 30, tzinfo=UTC),
        ),
    )


def _children(session: Session, task: Task) -> list[Task]:
    return list(session.exec(select(Task).where(col(Task.recurrence_parent_id) == task.id)))


def test_completing_creates_the_next_occurrence_once(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    task = _recurring(session, user)
    service.complete_task(session, user, task.number)
    [child] = _children(session, task)
    assert child.due_at == datetime(2099, 1, 12, 8, 0, tzinfo=UTC)
    assert child.remind_at == datetime(2099, 1, 12, 7, 30, tzinfo=UTC)
    assert (child.title, child.tags, child.recurrence) == (task.title, ["home"], task.recurrence)
    assert child.status == TaskStatus.not_started.value and child.number == task.number + 1
    # Reopened and completed again: still one next occurrence.
    service.set_status(session, user, task.number, TaskStatus.not_started)
    service.complete_task(session, user, task.number)
    assert len(_children(session, task)) == 1


def test_concurrent_completions_create_one_occurrence(
    database: Database, make_user: Callable[..., User], session: Session
) -> None:
    user = make_user()
    task = _recurring(session, user)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def complete() -> None:
        with database.session() as own:
            owner = own.get(User, user.id)
            assert owner is not None
            barrier.wait()
            try:
                service.complete_task(own, owner, task.number)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session.expire_all()
    assert len(_children(session, task)) == 1
    numbers = sorted(session.exec(select(Task.number).where(col(Task.user_id) == user.id)))
    assert numbers == [task.number, task.number + 1]


def test_skip_moves_to_the_next_occurrence_without_completing(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    task = _recurring(session, user)
    skipped = service.skip_occurrence(session, user, task.number, zone=UTC_ZONE)
    assert skipped.due_at == datetime(2099, 1, 12, 8, 0, tzinfo=UTC)
    assert skipped.remind_at == datetime(2099, 1, 12, 7, 30, tzinfo=UTC)
    assert skipped.status == TaskStatus.not_started.value
    assert _children(session, task) == []
    plain = service.create_task(session, user, TaskCreate(title="once"))
    with pytest.raises(InvalidInput, match="does not repeat"):
        service.skip_occurrence(session, user, plain.number, zone=UTC_ZONE)


def test_ended_rule_creates_nothing(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    task = _recurring(session, user, "FREQ=WEEKLY;BYDAY=MO;UNTIL=20990106T000000Z")
    service.complete_task(session, user, task.number)
    assert _children(session, task) == []
