"""Automation fixtures: a clock the tests move, accounts made through the auth service, and a
scheduler whose ticks the tests drive by hand (runs happen inline, in the test's thread)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.processes import service as processes
from behflow_server.processes.schedules import parse_schedule
from behflow_server.scheduler import Scheduler
from behflow_server.timezones import get_zone


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
def make_user(session: Session, clock: FakeClock) -> Callable[..., User]:
    """An account with its default processes, planned from the test clock's "now"."""
    counter = iter(range(1, 1000))

    def make(timezone: str = "UTC", *, reschedule_overdue: bool = False) -> User:
        user = auth_service.register(
            session,
            RegisterRequest(
                username=f"user{next(counter)}",
                password="correct horse",
                timezone=timezone,
                reschedule_overdue=reschedule_overdue,
            ),
        )
        for process in processes.list_processes(session, user):
            if not process.enabled:
                continue
            schedule = parse_schedule(process.schedule, get_zone(process.timezone))
            process.next_run_at = schedule.next_after(clock.now)
            session.add(process)
        session.commit()
        return user

    return make


@pytest.fixture
def scheduler(database: Database, settings: Settings, clock: FakeClock) -> Iterator[Scheduler]:
    sched = Scheduler(database, settings, clock=clock, inline=True, worker="test-worker")
    yield sched
    sched.stop()
