"""A slow query ends with a 503 JSON error instead of stalling the worker (issue #12.8): on
PostgreSQL every statement runs under BEHFLOW_DB_STATEMENT_TIMEOUT_SECONDS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from behflow_server.db import Database, is_statement_timeout
from tests.conftest import TEST_SECRET
from tests.events.sse import SSEReader
from tests.support.databases import empty_postgres, postgres_url, prepare_postgres
from tests.support.live import LiveServer


@pytest.fixture
def pg_url() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
    prepare_postgres(url)
    empty_postgres(url)
    return url


def test_a_statement_over_the_timeout_is_cancelled(pg_url: str) -> None:
    database = Database(pg_url, pool_size=1, statement_timeout=0.5)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar_one() == "500ms"
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError) as caught:
                connection.exec_driver_sql("SELECT pg_sleep(5)")
            assert time.monotonic() - started < 3
        assert is_statement_timeout(caught.value)
        # The connection is usable again, and a short query is untouched.
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
    finally:
        database.dispose()
    untimed = Database(pg_url, pool_size=1)  # 0: no timeout asked, PostgreSQL's default
    try:
        with untimed.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar_one() == "0"
    finally:
        untimed.dispose()


@pytest.fixture
def server(pg_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(
        {
            "BEHFLOW_DATABASE_URL": pg_url,
            "BEHFLOW_DATA_DIR": str(tmp_path),
            "BEHFLOW_SECRET_KEY": TEST_SECRET,
            "BEHFLOW_SCHEDULER_ENABLED": "false",
            "BEHFLOW_LOG_LEVEL": "warning",
            "BEHFLOW_DB_STATEMENT_TIMEOUT_SECONDS": "1",
            "BEHFLOW_EVENTS_HEARTBEAT_SECONDS": "0.3",
        },
        tmp_path / "server.log",
    ).start()
    yield live
    live.stop()


def test_a_request_stuck_on_the_database_is_answered_503_and_streams_go_on(
    server: LiveServer, pg_url: str
) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post("/register", json={"username": "alice", "password": "correct horse"})
        assert token.status_code == 201, token.text
        alice = {"Authorization": f"Bearer {token.json()['access_token']}"}
        http.post("/api/v1/tasks", json={"title": "one"}, headers=alice).raise_for_status()
        with (
            httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=5)) as streaming,
            streaming.stream("GET", "/api/v1/events", headers=alice) as response,
        ):
            stream = SSEReader(response)
            assert stream.event().event == "ready"
            # Another session holds a lock every read of a task waits for: the kind of
            # slow query that, run on the event loop, held every request and stream.
            locker = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
            release = threading.Event()
            locked = threading.Event()

            def hold_lock() -> None:
                with locker.begin() as connection:
                    connection.exec_driver_sql("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
                    locked.set()
                    release.wait(15)

            holder = threading.Thread(target=hold_lock)
            holder.start()
            try:
                assert locked.wait(10)
                started = time.monotonic()
                stuck = http.get("/api/v1/tasks/1", headers=alice)
                took = time.monotonic() - started
                assert stuck.status_code == 503, stuck.text
                assert stuck.json()["error"]["code"] == "database_timeout"
                assert stuck.json()["error"]["details"] == {"timeout_seconds": 1}
                assert stuck.headers["retry-after"] == "2"
                assert took < 4, took
                # The stream was held for at most about the timeout, and goes on.
                assert stream.frame().is_heartbeat
            finally:
                release.set()
                holder.join()
                locker.dispose()
            assert http.get("/api/v1/tasks/1", headers=alice).status_code == 200
            http.post("/api/v1/tasks", json={"title": "two"}, headers=alice).raise_for_status()
            assert stream.event().event == "task.created"
