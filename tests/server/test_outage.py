"""The store goes away for a while (issue 10, point 5): the API says 503 `database_unavailable`
with Retry-After instead of 500, and an open event stream outlives a short outage.

PostgreSQL outages are made for one live server only: its database stops accepting connections
(`ALLOW_CONNECTIONS false`) and the server's sessions are terminated, then it is re-allowed. The
shared PostgreSQL service keeps running for everyone else.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import TEST_SECRET
from tests.events.sse import Frame, SSEReader
from tests.support.databases import empty_postgres, postgres_url, prepare_postgres
from tests.support.live import LiveServer

pytestmark = pytest.mark.e2e


def _start(url: str, home: Path, **env: str) -> LiveServer:
    return LiveServer(
        {
            "BEHFLOW_DATABASE_URL": url,
            "BEHFLOW_DATA_DIR": str(home),
            "BEHFLOW_SECRET_KEY": TEST_SECRET,
            "BEHFLOW_SCHEDULER_ENABLED": "false",
            "BEHFLOW_LOG_LEVEL": "warning",
            **env,
        },
        home / "server.log",
    ).start()


@pytest.fixture
def pg_url() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
    prepare_postgres(url)
    empty_postgres(url)
    return url


@pytest.fixture
def pg_server(pg_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    # Short heartbeats: the stream re-checks its token at each, so it meets the outage quickly.
    server = _start(pg_url, tmp_path, BEHFLOW_EVENTS_HEARTBEAT_SECONDS="0.3")
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def database_down(url: str) -> Iterator[None]:
    """The database at `url` refuses new connections and its open ones are cut; then it is back."""
    name = sa.make_url(url).database
    admin = sa.create_engine(
        sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    finally:
        admin.dispose()


def _client(url: str, timeout: float) -> httpx.Client:
    """No kept-alive connections: an outage can outlast uvicorn's 5 s keep-alive, and a request
    sent on a connection the server is closing at that moment is reset (a race that says
    nothing of how the server answers outages)."""
    return httpx.Client(
        base_url=url, timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0)
    )


def _register(http: httpx.Client, name: str = "alice") -> dict[str, str]:
    response = http.post(
        "/register", json={"username": name, "password": "correct horse", "timezone": "UTC"}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.json()["error"]["message"]
    retry_after = response.headers.get("Retry-After")
    assert retry_after is not None and retry_after.isdigit(), response.headers
    assert 1 <= int(retry_after) <= 30


def test_requests_during_a_postgres_outage_answer_503_with_retry_after(
    pg_server: LiveServer, pg_url: str
) -> None:
    with _client(pg_server.url, timeout=20) as http:
        auth = _register(http)
        assert http.get("/api/v1/tasks", headers=auth).status_code == 200
        with database_down(pg_url):
            _assert_unavailable(http.get("/api/v1/tasks", headers=auth))
            _assert_unavailable(http.post("/api/v1/tasks", json={"title": "x"}, headers=auth))
            _assert_unavailable(http.get("/api/v1/events", headers=auth))
            _assert_unavailable(http.get("/api/v1/tasks", headers=auth))
        # Back: the next requests work again, without a restart.
        assert http.get("/api/v1/tasks", headers=auth).status_code == 200
        created = http.post("/api/v1/tasks", json={"title": "after"}, headers=auth)
        assert created.status_code == 201, created.text


def _read_frames(reader: SSEReader, frames: queue.Queue[Frame | None]) -> None:
    try:
        while True:
            frames.put(reader.frame())
    except (EOFError, httpx.HTTPError):
        frames.put(None)


def _next(frames: queue.Queue[Frame | None], timeout: float) -> Frame:
    frame = frames.get(timeout=timeout)
    assert frame is not None, "the event stream ended"
    return frame


def test_an_open_stream_survives_a_short_outage(pg_server: LiveServer, pg_url: str) -> None:
    with _client(pg_server.url, timeout=20) as http:
        auth = _register(http)
        frames: queue.Queue[Frame | None] = queue.Queue()
        with http.stream("GET", "/api/v1/events", headers=auth) as response:
            assert response.status_code == 200
            reader = threading.Thread(
                target=_read_frames, args=(SSEReader(response), frames), daemon=True
            )
            reader.start()
            while _next(frames, 10).event != "ready":
                pass
            with database_down(pg_url):
                started = time.monotonic()
                heartbeats = 0
                while time.monotonic() - started < 3:
                    frame = _next(frames, 5)
                    heartbeats += frame.is_heartbeat
                assert heartbeats >= 2, "heartbeats stopped during the outage"
            deadline = time.monotonic() + 15
            while True:  # the server's pool finds the database again
                created = http.post("/api/v1/tasks", json={"title": "after"}, headers=auth)
                if created.status_code == 201 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert created.status_code == 201, created.text
            while (frame := _next(frames, 10)).event != "task.created":
                pass
            assert "after" in frame.data


def test_a_revoked_token_still_ends_the_stream(pg_server: LiveServer) -> None:
    with _client(pg_server.url, timeout=20) as http:
        auth = _register(http)
        frames: queue.Queue[Frame | None] = queue.Queue()
        with http.stream("GET", "/api/v1/events", headers=auth) as response:
            assert response.status_code == 200
            threading.Thread(
                target=_read_frames, args=(SSEReader(response), frames), daemon=True
            ).start()
            while _next(frames, 10).event != "ready":
                pass
            assert http.post("/logout", headers=auth).status_code == 204
            deadline = time.monotonic() + 10
            while (frame := frames.get(timeout=10)) is not None:
                assert time.monotonic() < deadline, "the stream outlived its revoked token"
            assert frame is None


def test_sqlite_write_blocked_by_a_long_write_lock_answers_503(tmp_path: Path) -> None:
    path = tmp_path / "behflow.db"
    server = _start(f"sqlite:///{path}", tmp_path)
    try:
        with _client(server.url, timeout=60) as http:
            auth = _register(http)
            blocker = sqlite3.connect(path, timeout=1, isolation_level=None)
            try:
                blocker.execute("BEGIN IMMEDIATE")  # holds the write lock until rolled back
                response = http.post("/api/v1/tasks", json={"title": "x"}, headers=auth)
                _assert_unavailable(response)
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()
            created = http.post("/api/v1/tasks", json={"title": "x"}, headers=auth)
            assert created.status_code == 201, created.text
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (sa.exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached"), True),
        (sa.exc.DisconnectionError("gone"), True),
        (
            sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")),
            True,
        ),
        (
            sa.exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")),
            False,
        ),
        (sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE failed")), False),
        (ValueError("not a database error"), False),
    ],
)
def test_which_errors_mean_the_database_is_unavailable(error: Exception, unavailable: bool) -> None:
    from behflow_server.db import is_database_unavailable

    assert is_database_unavailable(error) is unavailable
    wrapped = RuntimeError("while streaming")
    wrapped.__cause__ = error
    assert is_database_unavailable(wrapped) is unavailable
