"""The endpoints every client shares: reopen, projects and tags with counts, and the overdue
automation that keeps the user's own due date (original_due_at) and can put it back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.errors import Conflict
from behflow_server.events.models import Event
from behflow_server.tasks import overdue, service
from behflow_server.tasks.models import TaskCreate, TaskStatus, TaskUpdate

Headers = dict[str, str]
TASKS = "/api/v1/tasks"
UTC_ZONE = ZoneInfo("UTC")


def _add(client: TestClient, headers: Headers, **fields: object) -> dict:
    response = client.post(TASKS, headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- reopen ------------------------------------------------------------------------------------


def test_reopen_puts_a_completed_task_back_to_not_started(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice, bob = register("alice"), register("bob")
    _add(client, alice, title="Pay rent")
    done = client.post(f"{TASKS}/1/complete", headers=alice).json()
    assert done["status"] == "completed" and done["completed_at"] is not None
    reopened = client.post(f"{TASKS}/1/reopen", headers=alice)
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "not_started"
    assert reopened.json()["completed_at"] is None
    assert client.get(f"{TASKS}/1", headers=alice).json() == reopened.json()
    # Another user's number is not found, with the project's JSON error body.
    other = client.post(f"{TASKS}/1/reopen", headers=bob)
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "task_not_found"
    assert client.post(f"{TASKS}/99/reopen", headers=alice).status_code == 404


def test_reopen_leaves_an_open_task_as_it_is(client: TestClient, auth: Headers) -> None:
    """Two clients reopening at once both succeed; an in-progress task stays in progress."""
    _add(client, auth, title="Write report", status="in_progress")
    before = client.get(f"{TASKS}/1", headers=auth).json()
    again = client.post(f"{TASKS}/1/reopen", headers=auth)
    assert again.status_code == 200
    assert again.json() == before


def test_reopen_records_one_update_event(session: Session) -> None:
    user = _user(session)
    task = service.create_task(session, user, TaskCreate(title="t"))
    service.complete_task(session, user, task.number)
    service.reopen_task(session, user, task.number)
    service.reopen_task(session, user, task.number)  # already open: no second event
    types = [e.type for e in session.exec(select(Event).order_by(col(Event.id))).all()]
    assert types == ["task.created", "task.completed", "task.updated"]


# --- projects and tags ---------------------------------------------------------------------------


def test_projects_and_tags_with_counts_per_user(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice, bob = register("alice"), register("bob")
    past = _iso(datetime.now(UTC) - timedelta(days=2))
    future = _iso(datetime.now(UTC) + timedelta(days=2))
    _add(client, alice, title="a", project="work", tags=["urgent", "money"], due_at=past)
    _add(client, alice, title="b", project="Work", tags=["money"], due_at=future)
    _add(client, alice, title="c", project="home", tags=["money"], due_at=past)
    _add(client, alice, title="d", project="garden", tags=["outside"])
    _add(client, alice, title="e")
    client.post(f"{TASKS}/3/complete", headers=alice)  # done: not open, not overdue
    client.delete(f"{TASKS}/4", headers=alice)  # archived: not counted at all
    _add(client, bob, title="secret", project="bobs-project", tags=["bobs-tag"], due_at=past)

    projects = client.get("/api/v1/projects", headers=alice)
    assert projects.status_code == 200, projects.text
    assert projects.json() == {
        "items": [
            {"name": "home", "open": 0, "overdue": 0, "total": 1},
            {"name": "Work", "open": 2, "overdue": 1, "total": 2},
        ]
    }
    tags = client.get("/api/v1/tags", headers=alice).json()
    assert tags == {
        "items": [
            {"name": "money", "open": 2, "overdue": 1, "total": 3},
            {"name": "urgent", "open": 1, "overdue": 1, "total": 1},
        ]
    }
    # Isolation: bob sees only his own; alice never sees bob's.
    assert client.get("/api/v1/projects", headers=bob).json()["items"] == [
        {"name": "bobs-project", "open": 1, "overdue": 1, "total": 1}
    ]
    assert [t["name"] for t in client.get("/api/v1/tags", headers=bob).json()["items"]] == [
        "bobs-tag"
    ]
    assert client.get("/api/v1/projects").status_code == 401
    assert client.get("/api/v1/tags").json()["error"]["code"] == "not_authenticated"


def test_projects_and_tags_of_a_new_account_are_empty(client: TestClient, auth: Headers) -> None:
    assert client.get("/api/v1/projects", headers=auth).json() == {"items": []}
    assert client.get("/api/v1/tags", headers=auth).json() == {"items": []}


# --- automation keeps the deadline ---------------------------------------------------------------


def _user(session: Session, name: str = "sam", zone: str = "UTC") -> User:
    return auth_service.register(
        session, RegisterRequest(username=name, password="long enough", timezone=zone)
    )


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def _run_job(session: Session, user: User, now: datetime) -> list[dict[str, object]]:
    policy = overdue.OverduePolicy.from_config({"policy": "today", "time": "09:00"})
    moved = overdue.reschedule_overdue(session, user, policy, now, UTC_ZONE)
    session.expire_all()
    return moved


def test_the_overdue_job_keeps_the_original_across_runs_and_restore_puts_it_back(
    session: Session,
) -> None:
    user = _user(session)
    task = service.create_task(
        session,
        user,
        TaskCreate(title="Pay rent", due_at=DUE, remind_at=DUE - timedelta(hours=1)),
    )
    moved = _run_job(session, user, NOW)
    assert [m["number"] for m in moved] == [task.number]
    first = service.get_task(session, user, task.number)
    assert first.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 09:00 passed: tomorrow
    assert first.remind_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # the lead time stays
    assert first.original_due_at == DUE
    assert first.due_moved_by == "reschedule_overdue"

    # A second night: moved again, but the date the user set is still the one kept.
    _run_job(session, user, NOW + timedelta(days=2))
    second = service.get_task(session, user, task.number)
    assert second.due_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert second.original_due_at == DUE
    assert second.due_moved_by == "reschedule_overdue"

    restored = service.restore_due(session, user, task.number)
    assert restored.due_at == DUE
    assert restored.remind_at == DUE - timedelta(hours=1)
    assert restored.original_due_at is None and restored.due_moved_by is None
    with pytest.raises(Conflict) as nothing:
        service.restore_due(session, user, task.number)
    assert nothing.value.code == "nothing_to_restore"


def test_a_due_date_the_user_sets_forgets_the_original(session: Session) -> None:
    user = _user(session)
    task = service.create_task(session, user, TaskCreate(title="t", due_at=DUE))
    _run_job(session, user, NOW)
    moved = service.get_task(session, user, task.number)
    assert moved.original_due_at == DUE
    # Saving the same due date (a form sending every field) keeps what was kept.
    service.update_task(
        session, user, task.number, TaskUpdate(title="renamed", due_at=moved.due_at)
    )
    assert service.get_task(session, user, task.number).original_due_at == DUE
    # A new date from the user is theirs: nothing to restore any more.
    service.update_task(session, user, task.number, TaskUpdate(due="2026-12-01 10:00"))
    chosen = service.get_task(session, user, task.number)
    assert chosen.original_due_at is None and chosen.due_moved_by is None
    # Clearing the due date forgets it too.
    _run_job(session, user, datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    assert service.get_task(session, user, task.number).original_due_at is not None
    service.update_task(session, user, task.number, TaskUpdate(due_at=None))
    cleared = service.get_task(session, user, task.number)
    assert cleared.due_at is None and cleared.original_due_at is None


def test_completed_and_future_tasks_are_not_moved(session: Session) -> None:
    user = _user(session)
    done = service.create_task(session, user, TaskCreate(title="done", due_at=DUE))
    service.complete_task(session, user, done.number)
    ahead = service.create_task(session, user, TaskCreate(title="ahead", due_at=NOW + timedelta(1)))
    assert _run_job(session, user, NOW) == []
    for number in (done.number, ahead.number):
        assert service.get_task(session, user, number).original_due_at is None


def test_moved_tasks_over_http_and_in_events(client: TestClient, auth: Headers) -> None:
    """TaskPublic and the task events carry both fields; restore-due is one POST."""
    _add(client, auth, title="Pay rent", due_at=_iso(DUE), remind="1 hour before")
    fresh = client.get(f"{TASKS}/1", headers=auth).json()
    assert fresh["original_due_at"] is None and fresh["due_moved_by"] is None
    nothing = client.post(f"{TASKS}/1/restore-due", headers=auth)
    assert nothing.status_code == 409
    assert nothing.json()["error"]["code"] == "nothing_to_restore"

    context = client.app.state.context  # type: ignore[attr-defined]
    with context.db.session() as session:
        user = session.exec(select(User).where(col(User.username) == "alice")).one()
        _run_job(session, user, NOW)
    moved = client.get(f"{TASKS}/1", headers=auth).json()
    assert moved["original_due_at"] == "2026-11-20T17:00:00Z"
    assert moved["due_moved_by"] == "reschedule_overdue"
    assert moved["due_at"] == "2026-11-23T09:00:00Z"
    assert moved["remind_at"] == "2026-11-23T08:00:00Z"
    listed = client.get(TASKS, headers=auth).json()["items"][0]
    assert listed["original_due_at"] == moved["original_due_at"]
    # The agent, a client too, says where it was moved from.
    chat = client.post("/api/v1/chat", headers=auth, json={"message": "what is overdue?"})
    assert "due Mon 23 Nov 2026 09:00 (moved from Fri 20 Nov)" in chat.json()["reply"]
    with context.db.session() as session:
        event = session.exec(select(Event).order_by(col(Event.id).desc())).first()
        assert event is not None and event.type == "task.updated"
        assert event.data["task"]["original_due_at"] == "2026-11-20T17:00:00Z"
        assert event.data["task"]["due_moved_by"] == "reschedule_overdue"

    restored = client.post(f"{TASKS}/1/restore-due", headers=auth)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["due_at"] == "2026-11-20T17:00:00Z"
    assert body["remind_at"] == "2026-11-20T16:00:00Z"
    assert body["original_due_at"] is None and body["due_moved_by"] is None
    assert client.post(f"{TASKS}/1/restore-due", headers=auth).status_code == 409
    assert client.post(f"{TASKS}/2/restore-due", headers=auth).status_code == 404


def test_a_recurring_series_follows_the_date_the_user_set(session: Session) -> None:
    """Completing a task automation moved brings the next occurrence of the user's series."""
    user = _user(session)
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    task = service.create_task(
        session, user, TaskCreate(title="Standup notes", due_at=monday, recurrence="FREQ=WEEKLY")
    )
    _run_job(session, user, datetime(2026, 11, 18, 12, 0, tzinfo=UTC))  # a Wednesday
    moved = service.get_task(session, user, task.number).due_at
    assert moved is not None and moved.weekday() == 3
    service.complete_task(session, user, task.number)
    following = service.get_task(session, user, task.number + 1)
    assert following.status == TaskStatus.not_started.value
    assert following.due_at is not None and following.due_at.weekday() == 0
    assert following.original_due_at is None
