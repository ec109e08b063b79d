"""A task's end time (`ends_at`): the rules live in tasks/service.py, for every caller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.errors import InvalidInput
from behflow_server.tasks import recurrence, service
from behflow_server.tasks.models import Task, TaskCreate, TaskUpdate

BERLIN = ZoneInfo("Europe/Berlin")
DUE = datetime(2030, 1, 2, 15, 0, tzinfo=UTC)
END = datetime(2030, 1, 2, 16, 0, tzinfo=UTC)


def _user(session: Session, zone: str = "UTC") -> User:
    return auth_service.register(
        session, RegisterRequest(username="sam", password="long enough", timezone=zone)
    )


def _stored(session: Session, number: int) -> Task:
    """The task as the database has it (not the object the service just handed back)."""
    session.expire_all()
    task = session.exec(select(Task).where(col(Task.number) == number)).one()
    return task


def test_create_stores_the_end(session: Session) -> None:
    user = _user(session)
    task = service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    assert task.ends_at == END
    assert _stored(session, task.number).ends_at == END


def test_create_reads_naive_times_in_the_users_zone(session: Session) -> None:
    user = _user(session, "Europe/Berlin")
    data = TaskCreate(
        title="Workshop", due_at=datetime(2030, 7, 1, 15, 0), ends_at=datetime(2030, 7, 1, 16, 30)
    )
    task = service.create_task(session, user, data)
    stored = _stored(session, task.number)
    assert stored.due_at == datetime(2030, 7, 1, 13, 0, tzinfo=UTC)
    assert stored.ends_at == datetime(2030, 7, 1, 14, 30, tzinfo=UTC)


def test_create_with_a_due_phrase_and_an_end(session: Session) -> None:
    user = _user(session)
    task = service.create_task(
        session, user, TaskCreate(title="Call", due="2030-01-02 15:00", ends_at=END)
    )
    assert (task.due_at, task.ends_at) == (DUE, END)


@pytest.mark.parametrize(
    ("due_at", "ends_at", "message"),
    [
        (DUE, DUE, "must be after due_at"),
        (DUE, DUE - timedelta(minutes=1), "must be after due_at"),
        (None, END, "needs a due time"),
    ],
)
def test_create_refuses_an_end_not_after_the_due_time(
    session: Session, due_at: datetime | None, ends_at: datetime, message: str
) -> None:
    user = _user(session)
    with pytest.raises(InvalidInput, match=message) as caught:
        service.create_task(session, user, TaskCreate(title="x", due_at=due_at, ends_at=ends_at))
    assert caught.value.status == 422
    assert caught.value.details == {"field": "ends_at"}
    session.rollback()
    assert session.exec(select(Task)).all() == []


def test_update_reads_a_naive_end_in_the_users_zone(session: Session) -> None:
    user = _user(session, "Europe/Berlin")
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE))
    # 17:30 in Berlin in January is 16:30 UTC, exactly as a naive due_at would be read.
    service.update_task(session, user, 1, TaskUpdate(ends_at=datetime(2030, 1, 2, 17, 30)))
    assert _stored(session, 1).ends_at == datetime(2030, 1, 2, 16, 30, tzinfo=UTC)


def test_moving_the_due_time_moves_the_end(session: Session) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    later = DUE + timedelta(days=1, hours=2)
    service.update_task(session, user, 1, TaskUpdate(due_at=later))
    stored = _stored(session, 1)
    assert (stored.due_at, stored.ends_at) == (later, later + timedelta(hours=1))


def test_moving_the_due_time_by_phrase_moves_the_end(session: Session) -> None:
    user = _user(session, "Europe/Berlin")
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    service.update_task(session, user, 1, TaskUpdate(due="2030-01-05 09:00"))
    stored = _stored(session, 1)
    assert stored.due_at == datetime(2030, 1, 5, 8, 0, tzinfo=UTC)
    assert stored.ends_at == datetime(2030, 1, 5, 9, 0, tzinfo=UTC)


def test_an_explicit_end_wins_over_the_move(session: Session) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    later = DUE + timedelta(days=1)
    service.update_task(session, user, 1, TaskUpdate(due_at=later, ends_at=later + timedelta(3)))
    assert _stored(session, 1).ends_at == later + timedelta(days=3)


def test_other_changes_leave_the_end_alone(session: Session) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    service.update_task(session, user, 1, TaskUpdate(title="Long workshop", due_at=DUE))
    assert _stored(session, 1).ends_at == END


def test_clearing_the_due_time_clears_the_end(session: Session) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    service.update_task(session, user, 1, TaskUpdate(due_at=None))
    stored = _stored(session, 1)
    assert (stored.due_at, stored.ends_at) == (None, None)


def test_clearing_only_the_end(session: Session) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    service.update_task(session, user, 1, TaskUpdate(ends_at=None))
    stored = _stored(session, 1)
    assert (stored.due_at, stored.ends_at) == (DUE, None)


@pytest.mark.parametrize(
    "change",
    [
        {"ends_at": DUE},
        {"ends_at": DUE - timedelta(hours=1)},
        {"due_at": END, "ends_at": END - timedelta(minutes=5)},
        {"due_at": None, "ends_at": END},
    ],
)
def test_update_refuses_an_end_not_after_the_due_time(
    session: Session, change: dict[str, datetime | None]
) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Workshop", due_at=DUE, ends_at=END))
    with pytest.raises(InvalidInput) as caught:
        service.update_task(session, user, 1, TaskUpdate(**change))
    assert caught.value.status == 422
    assert "ends_at" in caught.value.message
    session.rollback()
    stored = _stored(session, 1)
    assert (stored.due_at, stored.ends_at) == (DUE, END)


def test_an_end_needs_a_due_time(session: Session) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Someday"))
    with pytest.raises(InvalidInput, match="needs a due time"):
        service.update_task(session, user, 1, TaskUpdate(ends_at=END))


def test_the_api_answers_422_with_the_message(
    client: TestClient, register: Callable[..., dict[str, str]]
) -> None:
    auth = register("alice")
    body = {"title": "Workshop", "due_at": "2030-01-02T15:00:00Z", "ends_at": "2030-01-02T14:00Z"}
    response = client.post("/api/v1/tasks", headers=auth, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "ends_at" in error["message"] and "after due_at" in error["message"]
    assert error["details"] == {"field": "ends_at"}


def test_the_next_occurrence_keeps_the_length(session: Session) -> None:
    user = _user(session, "Europe/Berlin")
    service.create_task(
        session,
        user,
        TaskCreate(title="Standup", due_at=DUE, ends_at=DUE + timedelta(minutes=15)),
    )
    service.update_task(session, user, 1, TaskUpdate(recurrence="FREQ=DAILY"))
    service.complete_task(session, user, 1)
    following = _stored(session, 2)
    assert following.due_at is not None and following.due_at > DUE
    assert following.ends_at == following.due_at + timedelta(minutes=15)


def test_next_task_without_an_end_has_none(session: Session) -> None:
    user = _user(session)
    task = service.create_task(
        session, user, TaskCreate(title="Daily", due_at=DUE, recurrence="FREQ=DAILY")
    )
    following = recurrence.next_task(task, ZoneInfo("UTC"), DUE)
    assert following is not None and following.ends_at is None


def test_skipping_an_occurrence_moves_the_end(session: Session) -> None:
    user = _user(session)
    service.create_task(
        session,
        user,
        TaskCreate(title="Weekly", due_at=DUE, ends_at=END, recurrence="FREQ=WEEKLY"),
    )
    service.skip_occurrence(session, user, 1, zone=ZoneInfo("UTC"))
    stored = _stored(session, 1)
    assert stored.due_at is not None and stored.due_at > DUE
    assert stored.ends_at == stored.due_at + (END - DUE)
