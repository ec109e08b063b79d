"""The scheduler engine with an injected clock: each built-in kind's effect, retries and
giving up, coalescing missed runs, time-outs, leader election, reminders exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import RevokedToken, User
from behflow_server.chat.models import ChatSession
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.events.models import Event
from behflow_server.processes import engine, jobs
from behflow_server.processes import service as processes
from behflow_server.processes.models import (
    AutomatedProcess,
    AutomatedProcessExecution,
    DailyStat,
    ProcessCreate,
)
from behflow_server.scheduler import Scheduler
from behflow_server.tasks import service as tasks
from behflow_server.tasks.models import Task, TaskCreate, TaskReminderSent, TaskUpdate
from tests.automation.conftest import FakeClock

Execution = AutomatedProcessExecution


def _process(session: Session, user: User, name: str) -> AutomatedProcess:
    return processes.get_process(session, user, name)


def _executions(session: Session, process: AutomatedProcess) -> list[Execution]:
    session.expire_all()
    return list(
        session.exec(
            select(Execution)
            .where(col(Execution.process_id) == process.id)
            .order_by(col(Execution.scheduled_for))
        )
    )


def _events(session: Session, user: User, type: str) -> list[Event]:
    return list(
        session.exec(select(Event).where(col(Event.user_id) == user.id, col(Event.type) == type))
    )


def _task(session: Session, user: User, **fields: Any) -> Task:
    return tasks.create_task(session, user, TaskCreate(title=fields.pop("title", "t"), **fields))


def test_new_accounts_get_the_default_processes(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user("Europe/Berlin")
    listed = processes.list_processes(session, user)
    assert {(p.name, p.kind) for p in listed} == {
        ("analytics", "analytics"),
        ("reminders", "reminders"),
        ("reschedule-overdue", "reschedule_overdue"),
    }
    assert all(p.timezone == "Europe/Berlin" for p in listed)
    enabled = {p.name: p.enabled and p.next_run_at is not None for p in listed}
    # Moving due dates is a choice made at sign-up, off unless chosen (issue #11).
    assert enabled == {"analytics": True, "reminders": True, "reschedule-overdue": False}
    chosen = processes.get_process(
        session, make_user(reschedule_overdue=True), "reschedule-overdue"
    )
    assert chosen.enabled and chosen.next_run_at is not None


def test_the_leader_creates_the_system_cleanup_process_once(
    session: Session, scheduler: Scheduler, clock: FakeClock
) -> None:
    scheduler.tick()
    scheduler.is_leader = False  # as if leadership was lost and regained
    scheduler.tick()
    rows = session.exec(
        select(AutomatedProcess).where(col(AutomatedProcess.user_id).is_(None))
    ).all()
    assert [(p.name, p.kind) for p in rows] == [("session-cleanup", "session_cleanup")]


def test_reminders_go_out_exactly_once_per_task_and_time(
    session: Session, make_user: Callable[..., User], scheduler: Scheduler, clock: FakeClock
) -> None:
    user = make_user()
    now = clock.now
    by_due = _task(session, user, title="by due", due_at=now + timedelta(minutes=20))
    explicit = _task(session, user, title="explicit", remind_at=now + timedelta(minutes=2))
    _task(session, user, title="later", due_at=now + timedelta(hours=3))
    _task(session, user, title="long ago", remind_at=now - timedelta(days=3))
    clock.advance(minutes=1)
    scheduler.tick()
    assert _events(session, user, "reminder.due") == []
    clock.advance(minutes=5)  # both reminders have come (due - 15 min, and remind_at)
    scheduler.tick()
    clock.advance(minutes=1)
    scheduler.tick()
    processes.run_now(
        scheduler.db, session, user, "reminders", settings=scheduler.settings, clock=clock
    )
    reminded = sorted(e.data["task"]["number"] for e in _events(session, user, "reminder.due"))
    assert reminded == sorted([by_due.number, explicit.number])
    # A new reminder time is a new reminder.
    tasks.update_task(
        session, user, explicit.number, TaskUpdate(remind_at=clock.now + timedelta(minutes=1))
    )
    clock.advance(minutes=2)
    scheduler.tick()
    assert len(_events(session, user, "reminder.due")) == 3
    assert len(session.exec(select(TaskReminderSent)).all()) == 3


def test_reschedule_overdue_moves_open_tasks_by_policy(
    session: Session, make_user: Callable[..., User], scheduler: Scheduler, clock: FakeClock
) -> None:
    user = make_user("Europe/Berlin")
    late = _task(session, user, title="late", due_at=clock.now - timedelta(days=2))
    done = _task(session, user, title="done", due_at=clock.now - timedelta(days=2))
    tasks.complete_task(session, user, done.number)
    future = _task(session, user, title="future", due_at=clock.now + timedelta(days=1))
    execution = processes.run_now(
        scheduler.db, session, user, "reschedule-overdue", settings=scheduler.settings, clock=clock
    )
    assert execution.status == "succeeded"
    # 12:00 UTC is 13:00 in Berlin: 09:00 today has passed, so 09:00 tomorrow (08:00 UTC).
    assert execution.result["moved"] == [
        {
            "number": late.number,
            "from": late.due_at.isoformat(),  # type: ignore[union-attr]
            "to": "2026-03-03T08:00:00+00:00",
        }
    ]
    session.expire_all()
    assert tasks.get_task(session, user, done.number).due_at == done.due_at
    assert tasks.get_task(session, user, future.number).due_at == future.due_at
    # plus_days keeps the time of day and steps whole days into the future.
    processes.update_process(
        session,
        user,
        "reschedule-overdue",
        processes.ProcessUpdate(config={"policy": "plus_days", "days": 1}),
        settings=scheduler.settings,
        now=clock.now,
    )
    clock.advance(days=3)
    processes.run_now(
        scheduler.db, session, user, "reschedule-overdue", settings=scheduler.settings, clock=clock
    )
    session.expire_all()
    assert tasks.get_task(session, user, late.number).due_at == datetime(
        2026, 3, 6, 8, 0, tzinfo=UTC
    )


def test_session_cleanup_expires_idle_chats_and_purges_old_rows(
    session: Session, make_user: Callable[..., User], scheduler: Scheduler, clock: FakeClock
) -> None:
    user = make_user()
    idle = ChatSession(user_id=user.id, last_active_at=clock.now - timedelta(days=8))
    fresh = ChatSession(user_id=user.id, last_active_at=clock.now - timedelta(hours=1))
    old_event = Event(
        user_id=user.id, type="task.updated", created_at=clock.now - timedelta(days=9)
    )
    revoked = RevokedToken(jti="gone", expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    session.add_all([idle, fresh, old_event, revoked])
    session.commit()
    reminders = processes.get_process(session, user, "reminders")
    for days, status in ((9, "succeeded"), (9, "retrying"), (1, "succeeded")):
        session.add(
            Execution(
                process_id=reminders.id,
                scheduled_for=clock.now - timedelta(days=days, seconds=len(status)),
                started_at=clock.now - timedelta(days=days),
                status=status,
            )
        )
    session.commit()
    old_event_id = old_event.id
    scheduler.tick()  # becomes leader, creates the system process
    system = session.exec(
        select(AutomatedProcess).where(col(AutomatedProcess.user_id).is_(None))
    ).one()
    clock.set(system.next_run_at)  # type: ignore[arg-type]
    scheduler.tick()
    [execution] = _executions(session, system)
    assert execution.status == "succeeded"
    assert execution.result["expired_chat_sessions"] == 1
    assert execution.result["purged_revocations"] == 1
    assert execution.result["purged_events"] >= 1
    assert execution.result["purged_executions"] == 1  # the old finished one only
    week_ago = clock.now - timedelta(days=7)
    old_runs = [e.status for e in _executions(session, reminders) if e.started_at < week_ago]
    assert old_runs == ["retrying"]
    session.expire_all()
    assert session.get(ChatSession, idle.id).expired_at is not None  # type: ignore[union-attr]
    assert session.get(ChatSession, fresh.id).expired_at is None  # type: ignore[union-attr]
    assert session.get(Event, old_event_id) is None


def test_analytics_stores_daily_figures(
    session: Session, make_user: Callable[..., User], scheduler: Scheduler, clock: FakeClock
) -> None:
    user = make_user()
    first = _task(session, user, title="a", due_at=clock.now - timedelta(hours=1))
    second = _task(session, user, title="b", due_at=clock.now - timedelta(hours=2))
    session.execute(
        sa.update(Task).where(col(Task.user_id) == user.id).values(created_at=clock.now)
    )
    session.execute(
        sa.update(Task)
        .where(col(Task.id) == first.id)
        .values(
            status="completed",
            created_at=clock.now - timedelta(hours=4),
            completed_at=clock.now - timedelta(minutes=30),
        )
    )
    session.commit()
    execution = processes.run_now(
        scheduler.db, session, user, "analytics", settings=scheduler.settings, clock=clock
    )
    assert execution.result["days"] == ["2026-03-01", "2026-03-02"]
    today = session.exec(
        select(DailyStat).where(
            col(DailyStat.user_id) == user.id, col(DailyStat.day) == "2026-03-02"
        )
    ).one()
    assert today.figures["created"] == 2
    assert today.figures["completed"] == 1
    assert today.figures["mean_hours_to_complete"] == 3.5
    assert today.figures["streak"] == 1
    assert today.figures["overdue"] == 0  # "b" was created after its due time had passed
    session.execute(
        sa.update(Task)
        .where(col(Task.id) == second.id)
        .values(created_at=clock.now - timedelta(hours=5))
    )
    session.commit()
    processes.run_now(
        scheduler.db, session, user, "analytics", settings=scheduler.settings, clock=clock
    )
    session.refresh(today)
    assert today.figures["overdue"] == 1


@pytest.fixture
def flaky_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """A kind that fails until told otherwise (the built-in kinds have no reason to fail)."""
    failures = [99]

    def run(ctx: jobs.JobContext) -> dict[str, Any]:
        if failures[0] > 0:
            failures[0] -= 1
            raise RuntimeError("receiver down")
        return {"count": 1}

    kind = jobs.Kind("flaky", "test", run, lambda config: config)
    monkeypatch.setitem(jobs.KINDS, "flaky", kind)
    yield failures


def _make(session: Session, user: User, settings: Settings, clock: FakeClock, **kw: Any) -> Any:
    data = ProcessCreate(name=kw.pop("name", "job"), kind=kw.pop("kind", "flaky"), **kw)
    return processes.create_process(session, user, data, settings=settings, now=clock.now)


def test_failed_runs_retry_with_backoff_then_give_up(
    session: Session,
    make_user: Callable[..., User],
    scheduler: Scheduler,
    clock: FakeClock,
    flaky_kind: list[int],
    settings: Settings,
) -> None:
    user = make_user()
    process = _make(session, user, settings, clock, schedule="0 * * * *", max_attempts=3)
    clock.set(process.next_run_at)
    scheduler.tick()
    [execution] = _executions(session, process)
    assert (execution.status, execution.attempt) == ("retrying", 1)
    assert execution.next_attempt_at == clock.now + timedelta(seconds=30)
    assert "receiver down" in (execution.error or "")
    clock.advance(seconds=29)
    scheduler.tick()
    assert _executions(session, process)[0].attempt == 1  # back-off not over
    clock.advance(seconds=1)
    scheduler.tick()
    [execution] = _executions(session, process)
    assert (execution.status, execution.attempt) == ("retrying", 2)
    assert execution.next_attempt_at == clock.now + timedelta(seconds=60)
    clock.advance(seconds=60)
    scheduler.tick()
    [execution] = _executions(session, process)
    assert (execution.status, execution.attempt) == ("failed", 3)
    assert execution.finished_at == clock.now
    [failed] = _events(session, user, "process.failed")
    assert failed.data["process"]["name"] == "job"
    clock.advance(hours=1)
    scheduler.tick()
    assert [e.status for e in _executions(session, process)] == ["failed", "retrying"]


def test_a_retry_can_succeed(
    session: Session,
    make_user: Callable[..., User],
    scheduler: Scheduler,
    clock: FakeClock,
    flaky_kind: list[int],
    settings: Settings,
) -> None:
    flaky_kind[0] = 1
    user = make_user()
    process = _make(session, user, settings, clock, schedule="every 1h")
    clock.set(process.next_run_at)
    scheduler.tick()
    clock.advance(seconds=30)
    scheduler.tick()
    [execution] = _executions(session, process)
    assert (execution.status, execution.attempt, execution.error) == ("succeeded", 2, None)
    assert [e.type for e in _events(session, user, "process.succeeded")] == ["process.succeeded"]


def test_missed_runs_are_coalesced_into_one_at_start_up(
    session: Session,
    make_user: Callable[..., User],
    scheduler: Scheduler,
    clock: FakeClock,
    flaky_kind: list[int],
    settings: Settings,
) -> None:
    flaky_kind[0] = 0
    user = make_user()
    process = _make(session, user, settings, clock, schedule="every 1m")
    first_slot = process.next_run_at
    clock.advance(hours=5)  # the server was down for five hours: 300 slots missed
    scheduler.tick()
    scheduler.tick()
    [execution] = _executions(session, process)
    assert execution.scheduled_for == first_slot
    assert execution.trigger == "catch_up"
    session.refresh(process)
    assert process.next_run_at == clock.now + timedelta(minutes=1) - timedelta(
        seconds=clock.now.second, microseconds=clock.now.microsecond
    )
    clock.set(process.next_run_at)  # type: ignore[arg-type]
    scheduler.tick()
    assert [e.trigger for e in _executions(session, process)] == ["catch_up", "schedule"]


def test_a_run_over_its_timeout_is_marked_failed(
    session: Session,
    make_user: Callable[..., User],
    database: Database,
    settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    started = threading.Event()

    def hang(ctx: jobs.JobContext) -> dict[str, Any]:
        started.set()
        release.wait(10)
        return {"count": 1}

    monkeypatch.setitem(jobs.KINDS, "hang", jobs.Kind("hang", "test", hang, lambda c: c))
    user = make_user()
    process = _make(
        session, user, settings, clock, kind="hang", schedule="every 1h", timeout_seconds=60
    )
    threaded = Scheduler(database, settings, clock=clock, worker="threaded")
    try:
        clock.set(process.next_run_at)
        threaded.tick()
        assert started.wait(5)
        clock.advance(seconds=61)
        threaded.tick()
        [execution] = _executions(session, process)
        assert (execution.status, execution.error) == ("failed", "timed out after 60 s")
        release.set()
        threaded._pool.shutdown(wait=True)
        [execution] = _executions(session, process)
        assert execution.status == "failed"  # the late finish does not overwrite it
        assert len(_events(session, user, "process.failed")) == 1
    finally:
        release.set()
        threaded.stop()


def test_only_the_leader_runs_and_a_slot_runs_once(
    session: Session,
    make_user: Callable[..., User],
    database: Database,
    settings: Settings,
    clock: FakeClock,
    flaky_kind: list[int],
) -> None:
    flaky_kind[0] = 0
    user = make_user()
    process = _make(session, user, settings, clock, schedule="every 1m")
    one = Scheduler(database, settings, clock=clock, inline=True, worker="one")
    two = Scheduler(database, settings, clock=clock, inline=True, worker="two")
    try:
        clock.set(process.next_run_at)
        assert one.tick() and one.is_leader
        assert two.tick() == [] and not two.is_leader
        one.stop()  # the leader goes away; the other takes over on its next tick
        clock.advance(minutes=1)
        assert two.tick() and two.is_leader
        # Even a second claimer for the same slot (two leaders during a hand-over) gets nothing.
        with database.session() as other:
            assert engine.claim_due(other, clock.now, settings=settings) == []
    finally:
        one.stop()
        two.stop()
    assert [e.worker for e in _executions(session, process)] == ["one", "two"]
