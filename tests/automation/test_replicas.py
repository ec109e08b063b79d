"""Two real server processes on one database: every scheduled slot runs once, in the leader,
and the other server takes over within seconds when the leader is killed (kill -9).

On PostgreSQL (when BEHFLOW_TEST_DATABASE_URL is set, as in CI) the leader holds an advisory
lock; two servers sharing one SQLite file elect theirs with a lock file beside it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.support.live import LiveServer
from tests.support.replicas import shared_store, two_servers


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return shared_store(request.param, tmp_path)


@pytest.fixture
def servers(store_url: str, tmp_path: Path) -> Iterator[list[LiveServer]]:
    with two_servers(store_url, tmp_path) as started:
        yield started


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
    servers: list[LiveServer], store_url: str
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
    slots = [h["scheduled_for"] for h in history]
    assert len(slots) == len(set(slots))
    # The latest run may still be going when the history is read (the machine may be busy).
    finished = [h for h in history if h["status"] != "running"]
    assert len(finished) >= 2 and len(history) - len(finished) <= 1, history
    assert {h["status"] for h in finished} == {"succeeded"}
    [leader_pid] = _workers(history)
    assert leader_pid in {_pid(first), _pid(second)}
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE type = 'reminder.due'")
            ).scalars()
            documents = [json.loads(row) if isinstance(row, str) else row for row in rows]
    finally:
        engine.dispose()
    reminders = sum(1 for d in documents if d["task"]["number"] == task["number"])
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
        assert taken_over < 8
        time.sleep(1.5)
        after = _history(http)
    slots = [h["scheduled_for"] for h in after]
    assert len(slots) == len(set(slots))
    assert _workers(after) == {leader_pid, _pid(follower)}
    assert "is now the leader" in follower.log_path.read_text()
