"""The task service on its own: the rules every caller (routes, agent, scheduler) shares."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.db import Database
from behflow_server.errors import InvalidInput, NotFound
from behflow_server.events.models import Event
from behflow_server.tasks import service
from behflow_server.tasks.models import Task, TaskCreate, TaskStatus, TaskUpdate
from behflow_server.tasks.query import TaskQuery


def _user(session: Session, name: str = "sam", zone: str = "UTC") -> User:
    return auth_service.register(
        session, RegisterRequest(username=name, password="long enough", timezone=zone)
    )


def test_concurrent_creates_get_distinct_numbers(database: Database) -> None:
    with database.session() as session:
        user_id = _user(session).id
    errors: list[BaseException] = []

    def create_some() -> None:
        try:
            for i in range(10):
                with database.session() as session:
                    user = session.get(User, user_id)
                    assert user is not None
                    service.create_task(session, user, TaskCreate(title=f"t{i}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=create_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        numbers = sorted(session.exec(select(Task.number)).all())
    assert numbers == list(range(1, 41))


def test_events_are_recorded_with_the_change_and_only_if_it_commits(session: Session) -> None:
    user = _user(session)
    task = service.create_task(session, user, TaskCreate(title="Evented"))
    service.complete_task(session, user, task.number)
    service.delete_task(session, user, task.number)
    types = session.exec(select(Event.type).order_by(Event.id)).all()
    assert types == ["task.created", "task.completed", "task.deleted"]
    with pytest.raises(InvalidInput):
        service.create_task(session, user, TaskCreate(title="x", recurrence="FREQ=NEVER"))
    session.rollback()
    assert len(session.exec(select(Event)).all()) == 3


def test_committed_events_reach_the_sink(database: Database) -> None:
    received: list[str] = []
    database.event_sink = lambda events: received.extend(e.type for e in events)
    with database.session() as session:
        user = _user(session)
        service.create_task(session, user, TaskCreate(title="Heard"))
        service.update_task(session, user, 1, TaskUpdate(priority="high"))
    assert received == ["task.created", "task.updated"]


def test_naive_times_are_read_in_the_users_zone(session: Session) -> None:
    user = _user(session, zone="America/New_York")
    task = service.create_task(
        session, user, TaskCreate(title="Local", due_at=datetime(2026, 7, 1, 9, 0))
    )
    assert task.due_at == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    tokyo = service.create_task(
        session,
        user,
        TaskCreate(title="Travel", due="2026-07-01 09:00"),
        zone=ZoneInfo("Asia/Tokyo"),
    )
    assert tokyo.due_at == datetime(2026, 7, 1, 0, 0, tzinfo=UTC)


def test_status_rules(session: Session) -> None:
    user = _user(session)
    service.create_task(session, user, TaskCreate(title="Flow"))
    started = service.set_status(session, user, 1, TaskStatus.in_progress)
    assert started.completed_at is None
    done = service.complete_task(session, user, 1)
    first_completion = done.completed_at
    assert first_completion is not None
    assert service.complete_task(session, user, 1).completed_at == first_completion
    blocked = service.set_status(session, user, 1, TaskStatus.blocked)
    assert blocked.completed_at is None


def test_recurrence_rules_are_validated_and_normalised(session: Session) -> None:
    user = _user(session)
    task = service.create_task(
        session, user, TaskCreate(title="Weekly", recurrence="rrule:freq=weekly;byday=mo")
    )
    assert task.recurrence == "FREQ=WEEKLY;BYDAY=MO"
    with pytest.raises(InvalidInput) as error:
        service.update_task(session, user, 1, TaskUpdate(recurrence="BYDAY=MO"))
    assert error.value.details == {"field": "recurrence"}


def test_one_user_cannot_reach_another_users_task(session: Session) -> None:
    owner, other = _user(session, "owner"), _user(session, "other")
    service.create_task(session, owner, TaskCreate(title="Mine"))
    for action in (
        lambda: service.get_task(session, other, 1),
        lambda: service.update_task(session, other, 1, TaskUpdate(title="Yours")),
        lambda: service.complete_task(session, other, 1),
        lambda: service.delete_task(session, other, 1, hard=True),
    ):
        with pytest.raises(NotFound):
            action()
    assert service.list_tasks(session, other, TaskQuery())[1] == 0
    assert service.get_task(session, owner, 1).title == "Mine"
