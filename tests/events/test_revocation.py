"""Revoking a token ends its open event streams at once, busy or idle, on every server process.

Issue #10, point 1: a stream kept receiving the owner's task events after logout, password
change or "log out everywhere" for as long as events kept coming, because the token was only
re-checked when the stream was idle. Each test streams with one token while another token of
the same user keeps creating tasks, revokes the streaming token, and checks that the stream ends
within two seconds and carries nothing created after the revocation answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.events.sse import SSEReader
from tests.events.test_stream import subscribe
from tests.support.live import LiveServer

PASSWORD = "correct horse"
NEW_PASSWORD = "battery staple"
DEADLINE_SECONDS = 2.0
Headers = dict[str, str]


def bearer(response: httpx.Response) -> Headers:
    assert response.status_code in (200, 201), response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def login(http: httpx.Client, password: str = PASSWORD) -> Headers:
    return bearer(http.post("/login", json={"username": "alice", "password": password}))


@dataclass
class Writer:
    """Creates alice's tasks back to back in a thread, noting when each request was sent."""

    url: str
    headers: Headers
    sent_at: dict[str, float] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            number = 0
            while not self._stop.is_set():
                number += 1
                title = f"task {number}"
                self.sent_at[title] = time.monotonic()
                response = http.post("/api/v1/tasks", json={"title": title}, headers=self.headers)
                if response.status_code == 201:
                    self.created.append(title)
                else:  # the writer's own token was revoked too, until it gets a new one
                    assert response.status_code == 401, response.text
                self._stop.wait(0.02)

    @contextmanager
    def running(self) -> Iterator[Writer]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(15)


@dataclass
class Outcome:
    ended_after: float | None  # seconds from the revocation's answer to the stream's end
    titles_after: list[str]  # task events received whose creation was sent after that answer
    received: int  # task events received before the revocation


def read_task_titles(stream: SSEReader, until: float) -> tuple[list[str], bool]:
    """Task titles from the stream until it ends (True) or `until` passes (False)."""
    titles: list[str] = []
    while time.monotonic() < until:
        try:
            frame = stream.frame()
        except EOFError:
            return titles, True
        except httpx.ReadTimeout:  # quiet for the whole read timeout, but not ended
            continue
        if frame.event == "task.created":
            titles.append(frame.json["data"]["task"]["title"])
    return titles, False


def revoke_while_busy(
    stream_url: str,
    streaming: Headers,
    writer: Writer,
    revoke: Callable[[], Headers | None],
) -> Outcome:
    """Stream with `streaming` while `writer` adds tasks, call `revoke` (which returns the
    writer's new token when the writer's own was revoked too) and watch the stream end."""
    with subscribe(stream_url, streaming) as stream, writer.running():
        stream.until("ready")
        before = 0
        while before < 5:  # the stream is busy: task events keep arriving
            if stream.event().event == "task.created":
                before += 1
        new_headers = revoke()
        revoked_at = time.monotonic()
        if new_headers is not None:
            writer.headers = new_headers
        titles, ended = read_task_titles(stream, revoked_at + DEADLINE_SECONDS + 1)
        ended_after = time.monotonic() - revoked_at if ended else None
        # The writer kept going: events after the revocation existed and could have leaked.
        wait_until = time.monotonic() + 5
        while time.monotonic() < wait_until and not any(
            writer.sent_at[t] > revoked_at for t in writer.created
        ):
            time.sleep(0.05)
    assert any(writer.sent_at[t] > revoked_at for t in writer.created)
    after = [t for t in titles if writer.sent_at[t] > revoked_at]
    print(f"revocation -> stream end: {ended_after}")
    return Outcome(ended_after, after, before)


def assert_ended_cleanly(outcome: Outcome) -> None:
    assert outcome.ended_after is not None, "the stream was still open 3 s after revocation"
    assert outcome.ended_after < DEADLINE_SECONDS
    assert outcome.titles_after == [], "events created after the revocation were streamed"


def revocation(kind: str, http: httpx.Client, streaming: Headers) -> Callable[[], Headers | None]:
    def revoke() -> Headers | None:
        if kind == "logout":
            http.post("/logout", headers=streaming).raise_for_status()
            return None
        if kind == "logout_everywhere":
            response = http.post("/logout", headers=streaming, params={"everywhere": "true"})
            response.raise_for_status()
            return login(http)
        response = http.post(
            "/me/password",
            headers=streaming,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        return bearer(response)

    return revoke


KINDS = ["logout", "logout_everywhere", "password_change"]


@pytest.mark.parametrize("kind", KINDS)
def test_revocation_ends_a_busy_stream(
    kind: str, live_server: LiveServer, api: httpx.Client
) -> None:
    streaming = bearer(
        api.post("/register", json={"username": "alice", "password": PASSWORD, "timezone": "UTC"})
    )
    writing = login(api)
    writer = Writer(live_server.url, writing)
    outcome = revoke_while_busy(
        live_server.url, streaming, writer, revocation(kind, api, streaming)
    )
    assert_ended_cleanly(outcome)
    assert api.get("/api/v1/events", headers=streaming).status_code == 401


def test_logout_leaves_the_users_other_streams_open(
    live_server: LiveServer, api: httpx.Client
) -> None:
    streaming = bearer(
        api.post("/register", json={"username": "alice", "password": PASSWORD, "timezone": "UTC"})
    )
    other = login(api)
    with subscribe(live_server.url, other) as other_stream:
        other_stream.until("ready")
        outcome = revoke_while_busy(
            live_server.url,
            streaming,
            Writer(live_server.url, other),
            revocation("logout", api, streaming),
        )
        assert_ended_cleanly(outcome)
        # The other token's stream re-checked its own token and carries on.
        api.post("/api/v1/tasks", json={"title": "still here"}, headers=other)
        while (frame := other_stream.event()).json["data"]["task"]["title"] != "still here":
            assert frame.event == "task.created"


def test_logout_ends_an_idle_stream_before_its_heartbeat(
    live_server_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**live_server_env, "BEHFLOW_EVENTS_HEARTBEAT_SECONDS": "30"}
    server = LiveServer(env, tmp_path / "idle.log").start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            streaming = bearer(
                http.post(
                    "/register",
                    json={"username": "alice", "password": PASSWORD, "timezone": "UTC"},
                )
            )
            with subscribe(server.url, streaming) as stream:
                stream.until("ready")
                http.post("/logout", headers=streaming).raise_for_status()
                revoked_at = time.monotonic()
                _, ended = read_task_titles(stream, revoked_at + DEADLINE_SECONDS + 1)
                ended_after = time.monotonic() - revoked_at
        print(f"idle: revocation -> stream end: {ended_after}")
        assert ended and ended_after < DEADLINE_SECONDS
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("kind", KINDS)
def test_revocation_on_one_server_ends_the_stream_on_another(
    kind: str, database_url: str, live_server_env: dict[str, str], tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("cross-process events need PostgreSQL")
    # A long heartbeat: the idle re-check must not be what ends the stream here.
    env = {**live_server_env, "BEHFLOW_EVENTS_HEARTBEAT_SECONDS": "30"}
    first = LiveServer(env, tmp_path / "server-a.log").start()
    other = LiveServer(env, tmp_path / "server-b.log").start()
    api = httpx.Client(base_url=first.url, timeout=10)
    try:
        streaming = bearer(
            api.post(
                "/register", json={"username": "alice", "password": PASSWORD, "timezone": "UTC"}
            )
        )
        writer = Writer(first.url, login(api))
        # Streaming on B; the revocation and the new tasks on A.
        outcome = revoke_while_busy(other.url, streaming, writer, revocation(kind, api, streaming))
        assert_ended_cleanly(outcome)
    finally:
        api.close()
        first.stop()
        other.stop()
