"""Two real server processes on one PostgreSQL database: every scheduled slot runs once, in the
leader, and the other server takes over within seconds when the leader is killed (kill -9).

PostgreSQL only (CI sets BEHFLOW_TEST_DATABASE_URL): SQLite serves a single machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import TEST_SECRET
from tests.support.databases import empty_postgres, postgres_url, prepare_postgres
from tests.support.live import LiveServer

pytestmark = pytest.mark.skipif(
    postgres_url() is None, reason="BEHFLOW_TEST_DATABASE_URL is not set (PostgreSQL only)"
)


@pytest.fixture
def pg_url() -> str:
    url = postgres_url()
    assert url is not None
    prepare_postgres(url)
    empty_postgres(url)
    return url


@pytest.fixture
def servers(pg_url: str, tmp_path: Path) -> Iterator[list[LiveServer]]:
    env = {
        "BEHFLOW_DATABASE_URL": pg_url,
        "BEHFLOW_SECRET_KEY": TEST_SECRET,
        "BEHFLOW_SCHEDULER_ENABLED": "true",
        "BEHFLOW_SCHEDULER_TICK_SECONDS": "0.2",
        "BEHFLOW_SCHEDULER_MIN_INTERVAL_SECONDS": "1",
        "BEHFLOW_LOG_LEVEL": "info",
    }
    started: list[LiveServer] = []
    try:
        for index in range(2):
            data = tmp_path / f"server{index}"
            data.mkdir()
            server = LiveServer({**env, "BEHFLOW_DATA_DIR": str(data)}, data / "server.log")
            started.append(server.start())
        yield started
    finally:
        for server in started:
            server.stop()


def _pid(server: LiveServer) -> int:
    assert server.process is not None
    return server.process.pid


def _history(http: httpx.Client) -> list[dict[str, object]]:
    response = http.get("/api/v1/processes/pulse/history", params={"limit": 500})
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def _workers(history: list[dict[str, object]]) -> set[int]:
    return {int(str(h["worker"]).rsplit(":", 1)[1]) for h in history}


def test_two_servers_run_each_slot_once_and_take_over_after_kill(
    servers: list[LiveServer], pg_url: str
) -> None:
    first, second = servers
    with httpx.Client(base_url=first.url, timeout=10) as http:
        token = http.post(
            "/register", json={"username": "alice", "password": "correct horse"}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        remind = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat()
        task = http.post("/api/v1/tasks", json={"title": "once", "remind_at": remind}).json()
        created = http.post(
            "/api/v1/processes", json={"name": "pulse", "kind": "reminders", "schedule": "every 1s"}
        )
        assert created.status_code == 201, created.text
        time.sleep(4)
        history = _history(http)
    assert len(history) >= 2
    slots = [h["scheduled_for"] for h in history]
    assert len(slots) == len(set(slots))
    assert {h["status"] for h in history} == {"succeeded"}
    [leader_pid] = _workers(history)
    assert leader_pid in {_pid(first), _pid(second)}
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as connection:
            reminders = connection.execute(
                sa.text(
                    "SELECT count(*) FROM events WHERE type = 'reminder.due' "
                    "AND (data -> 'task' ->> 'number')::int = :number"
                ),
                {"number": task["number"]},
            ).scalar_one()
    finally:
        engine.dispose()
    assert reminders == 1

    leader, follower = (first, second) if leader_pid == _pid(first) else (second, first)
    leader.kill()  # SIGKILL: no clean-up; the advisory lock dies with its connection
    killed_at = time.monotonic()
    with httpx.Client(base_url=follower.url, timeout=10) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        taken_over = None
        while time.monotonic() - killed_at < 15:
            if _pid(follower) in _workers(_history(http)):
                taken_over = time.monotonic() - killed_at
                break
            time.sleep(0.2)
        assert taken_over is not None, follower.log_path.read_text()[-3000:]
        assert taken_over < 5
        time.sleep(1.5)
        after = _history(http)
    slots = [h["scheduled_for"] for h in after]
    assert len(slots) == len(set(slots))
    assert _workers(after) == {leader_pid, _pid(follower)}
    assert "is now the leader" in follower.log_path.read_text()
