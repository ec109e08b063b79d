"""GET /api/v1/events against real server processes: live delivery, resume, isolation, auth."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.events.sse import SSEReader
from tests.support.live import LiveServer

EVENTS = "/api/v1/events"


def register(http: httpx.Client, name: str) -> dict[str, str]:
    response = http.post(
        "/register", json={"username": name, "password": "correct horse", "timezone": "UTC"}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def subscribe(base_url: str, headers: dict[str, str], **params: str) -> Iterator[SSEReader]:
    timeout = httpx.Timeout(10, read=5)
    with (
        httpx.Client(base_url=base_url, timeout=timeout) as http,
        http.stream("GET", EVENTS, headers=headers, params=params) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield SSEReader(response)


def add(http: httpx.Client, headers: dict[str, str], title: str) -> int:
    response = http.post("/api/v1/tasks", json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["number"])


def test_live_events_heartbeats_resume_and_shutdown(
    live_server: LiveServer, api: httpx.Client
) -> None:
    alice = register(api, "alice")
    with subscribe(live_server.url, alice) as stream:
        opening = stream.frame()
        assert opening.comments and opening.data == ""  # a comment carrying `retry:`
        assert stream.event().event == "ready"
        assert stream.frame().is_heartbeat  # idle: heartbeats keep proxies from closing it
        number = add(api, alice, "Write the report")
        created = stream.event()
        assert created.event == "task.created"
        assert created.json["type"] == "task.created"
        assert created.json["data"]["task"]["title"] == "Write the report"
        assert created.id == str(created.json["id"])
        api.post(f"/api/v1/tasks/{number}/complete", headers=alice).raise_for_status()
        completed = stream.event()
        assert completed.event == "task.completed"
        assert int(completed.id or 0) > int(created.id or 0)
        api.delete(f"/api/v1/tasks/{number}", headers=alice).raise_for_status()
        deleted = stream.event()
        assert deleted.event == "task.deleted"
        cursor = deleted.id
    assert cursor is not None
    # Disconnected: these happen while nobody listens.
    add(api, alice, "two")
    add(api, alice, "three")

    with subscribe(live_server.url, {**alice, "Last-Event-ID": cursor}) as stream:
        titles = [stream.event().json["data"]["task"]["title"] for _ in range(2)]
        assert titles == ["two", "three"]
        ready = stream.event()
        assert ready.event == "ready"
        assert ready.json["last_event_id"] > int(cursor)
        add(api, alice, "four")  # live after the replay, sent once
        assert stream.event().json["data"]["task"]["title"] == "four"

    with subscribe(live_server.url, alice, since=cursor) as stream:
        replayed = [stream.event().json["data"]["task"]["title"] for _ in range(3)]
        assert replayed == ["two", "three", "four"]
        assert stream.event().event == "ready"

    with subscribe(live_server.url, alice, since="999999") as stream:
        reset = stream.event()  # a cursor this database never issued: reload everything
        assert reset.event == "reset"
        assert reset.json["last_event_id"] == int(reset.id or 0) >= 4
        assert stream.event().event == "ready"

        started = time.monotonic()
        live_server.stop()  # an open stream must not hold up a graceful shutdown
        with pytest.raises((EOFError, httpx.HTTPError)):
            while True:
                stream.frame()
    assert time.monotonic() - started < 5
    # A graceful exit (uvicorn re-raises SIGTERM once it is done), not the kill after 10 s.
    assert "Application shutdown complete" in live_server.log_path.read_text()


def test_isolation_auth_and_logout(live_server: LiveServer, api: httpx.Client) -> None:
    missing = api.get(EVENTS)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "not_authenticated"
    assert api.get(EVENTS, headers={"Authorization": "Bearer nonsense"}).status_code == 401
    alice = register(api, "alice")
    bob = register(api, "bob")
    malformed = api.get(EVENTS, headers={**alice, "Last-Event-ID": "abc"})
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "invalid_input"
    assert api.get(EVENTS, headers=alice, params={"since": "-1"}).status_code == 422

    add(api, alice, "alice's secret before")
    with (
        subscribe(live_server.url, bob, since="0") as bob_stream,
        subscribe(live_server.url, alice) as alice_stream,
    ):
        # Bob's replay from the very beginning holds none of Alice's events.
        assert bob_stream.event().event == "ready"
        alice_stream.until("ready")
        add(api, alice, "alice's secret")
        assert alice_stream.event().json["data"]["task"]["title"] == "alice's secret"
        add(api, bob, "bob's task")
        assert bob_stream.event().json["data"]["task"]["title"] == "bob's task"

        api.post("/logout", headers=alice).raise_for_status()
        with pytest.raises(EOFError):  # noticed at the next heartbeat
            while True:
                alice_stream.frame()
    assert api.get(EVENTS, headers=alice).status_code == 401


@pytest.mark.postgres
def test_two_servers_on_one_postgres_share_events(
    database_url: str, live_server_env: dict[str, str], tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("cross-process events need PostgreSQL")
    first = LiveServer(live_server_env, tmp_path / "server-a.log").start()
    other = LiveServer(live_server_env, tmp_path / "server-b.log").start()
    api = httpx.Client(base_url=first.url, timeout=10)
    try:
        alice = register(api, "alice")
        bob = register(api, "bob")
        with (
            subscribe(other.url, alice) as on_b,
            subscribe(other.url, bob) as bob_on_b,
            httpx.Client(base_url=other.url, timeout=10) as api_b,
        ):
            on_b.until("ready")
            bob_on_b.until("ready")
            number = add(api, alice, "made on server A")
            created = on_b.event()
            assert created.event == "task.created"
            assert created.json["data"]["task"]["title"] == "made on server A"
            api.post(f"/api/v1/tasks/{number}/complete", headers=alice).raise_for_status()
            assert on_b.event().event == "task.completed"
            # Server B's own changes reach its subscribers once, not again via NOTIFY.
            add(api_b, alice, "made on server B")
            mine = on_b.event()
            assert mine.json["data"]["task"]["title"] == "made on server B"
            add(api, bob, "bob on A")
            assert bob_on_b.event().json["data"]["task"]["title"] == "bob on A"
            add(api, alice, "again on A")
            assert on_b.event().json["data"]["task"]["title"] == "again on A"
    finally:
        api.close()
        first.stop()
        other.stop()
