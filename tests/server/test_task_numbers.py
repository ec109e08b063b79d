"""Per-user task numbers (tasks/numbers.py): unique and never reused under concurrent creates,
no number used up by a refused create, and on PostgreSQL the counter row is not held locked
while a create's transaction runs (issue #10, point 9)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.db import Database
from behflow_server.errors import InvalidInput
from behflow_server.interop import service as interop
from behflow_server.tasks import service
from behflow_server.tasks.models import Task, TaskCreate
from behflow_server.tasks.query import TaskQuery
from tests.support.live import LiveServer


def _user(database: Database, name: str = "sam") -> User:
    with database.session() as session:
        return auth_service.register(
            session, RegisterRequest(username=name, password="long enough", timezone="UTC")
        )


def _create(database: Database, user_id: Any, title: str) -> int:
    with database.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return service.create_task(session, user, TaskCreate(title=title)).number


def _stored(database: Database, user_id: Any) -> list[int]:
    with database.session() as session:
        return sorted(session.exec(select(Task.number).where(col(Task.user_id) == user_id)))


def test_concurrent_creates_by_one_user_are_numbered_one_to_n(database: Database) -> None:
    """8 threads creating at once: every number from 1 to N once, none twice, none skipped
    (numbers are skipped only by a create that fails after taking one), and the list total
    counts every task."""
    user = _user(database)
    other = _user(database, "kim")
    handed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create_some(worker: int) -> None:
        try:
            for i in range(12):
                number = _create(database, user.id, f"w{worker} t{i}")
                with lock:
                    handed.append(number)
            _create(database, other.id, f"other {worker}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=create_some, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(handed) == list(range(1, 97))
    assert _stored(database, user.id) == list(range(1, 97))
    assert _stored(database, other.id) == list(range(1, 9))
    with database.session() as session:
        fresh = session.get(User, user.id)
        assert fresh is not None and fresh.task_counter == 96
        query = TaskQuery(limit=10)
        assert service.list_tasks(session, fresh, query)[1] == 96


def test_a_refused_create_uses_up_no_number(database: Database) -> None:
    user = _user(database)
    assert _create(database, user.id, "first") == 1
    with database.session() as session:
        fresh = session.get(User, user.id)
        assert fresh is not None
        for bad in (
            TaskCreate(title="x", recurrence="FREQ=NEVERLY"),
            TaskCreate(title="x", remind="10 minutes before"),  # no due time to be before
            TaskCreate(title="x", due="whenever, really"),
        ):
            with pytest.raises(InvalidInput):
                service.create_task(session, fresh, bad)
            session.rollback()
    assert _create(database, user.id, "second") == 2


@pytest.fixture
def slow_inserts(database: Database) -> Iterator[threading.Event]:
    """While set up, an INSERT INTO tasks from the thread named 'slow' takes a second."""
    started = threading.Event()

    def delay(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO tasks") and threading.current_thread().name == "slow":
            started.set()
            time.sleep(1.0)

    sa.event.listen(database.engine, "before_cursor_execute", delay)
    yield started
    sa.event.remove(database.engine, "before_cursor_execute", delay)


def test_a_slow_create_does_not_hold_up_the_next_one(
    database: Database, slow_inserts: threading.Event
) -> None:
    """The counter row is locked for the UPDATE that takes the number, not for the whole
    create: a second create by the same user finishes while the first is still inside its
    transaction. (Before, it waited for the first one's commit.)"""
    if database.kind != "postgresql":
        pytest.skip("SQLite has one writer at a time: creates wait for each other anyway")
    user = _user(database)
    first: list[int] = []
    slow = threading.Thread(
        target=lambda: first.append(_create(database, user.id, "slow")), name="slow"
    )
    slow.start()
    assert slow_inserts.wait(10)
    began = time.monotonic()
    second = _create(database, user.id, "fast")
    waited = time.monotonic() - began
    slow.join(10)
    assert waited < 0.6, f"the second create waited {waited:.2f} s for the first"
    assert (first, second) == ([1], 2)
    assert _stored(database, user.id) == [1, 2]


def test_a_create_inside_a_transaction_that_wrote_takes_the_number_there(
    database: Database,
) -> None:
    """A caller whose transaction already locked the user's row (an uncommitted change) gets its
    number in that transaction, instead of waiting on itself from a second connection."""
    user = _user(database)
    done: list[int] = []

    def create_after_a_write() -> None:
        with database.session() as session:
            fresh = session.get(User, user.id)
            assert fresh is not None
            service._touch(session, fresh)  # the row is now locked by this transaction
            done.append(service.create_task(session, fresh, TaskCreate(title="t")).number)

    worker = threading.Thread(target=create_after_a_write, daemon=True)
    worker.start()
    worker.join(15)
    assert done == [1], "the create waited on its own transaction's lock"


def test_numbers_are_never_reused_after_deletes(session: Session) -> None:
    user = auth_service.register(
        session, RegisterRequest(username="lee", password="long enough", timezone="UTC")
    )
    for title in "abc":
        service.create_task(session, user, TaskCreate(title=title))
    service.delete_task(session, user, 3, hard=True)
    assert service.create_task(session, user, TaskCreate(title="d")).number == 4


def test_two_servers_creating_for_one_user_never_share_a_number(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    """As in production: two real servers on one database, one account, creates at once on
    both. Every create answers 201 and the numbers are 1..N, each once."""
    servers = [LiveServer(live_server_env, tmp_path / f"server{i}.log").start() for i in range(2)]
    try:
        registered = httpx.post(
            f"{servers[0].url}/register",
            json={"username": "pat", "password": "long enough", "timezone": "UTC"},
            timeout=30,
        )
        assert registered.status_code == 201, registered.text
        headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}

        def create(index: int) -> int:
            url = servers[index % 2].url
            response = httpx.post(
                f"{url}/api/v1/tasks", headers=headers, json={"title": f"t{index}"}, timeout=60
            )
            assert response.status_code == 201, response.text
            return int(response.json()["number"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            numbers = list(pool.map(create, range(40)))
        assert sorted(numbers) == list(range(1, 41))
        listed = httpx.get(
            f"{servers[1].url}/api/v1/tasks", headers=headers, params={"limit": 10}, timeout=30
        ).json()
        assert listed["total"] == 40
    finally:
        for server in servers:
            server.stop()


def test_a_dry_run_import_uses_up_no_numbers(database: Database) -> None:
    """An import runs in one transaction joined by the task service's session and rolls back in
    a dry run: its numbers must roll back with it, so the real import gets the numbers the dry
    run showed. (Taking the first number in a transaction of its own broke that.)"""
    user = _user(database)
    text = "Pay rent\nCall mom\n"
    zone = ZoneInfo("UTC")
    dry = interop.import_text(database, user.id, "todotxt", text, zone=zone, dry_run=True)
    shown = [item.number for item in dry.items]
    assert shown == [1, 2]
    real = interop.import_text(database, user.id, "todotxt", text, zone=zone)
    assert [item.number for item in real.items] == shown
    assert _create(database, user.id, "after") == 3
