"""Stalled clients are cut after a bound (issue #10.9: 1,500 idle half-open connections were all
kept). Raw sockets against a real uvicorn server."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.events.sse import SSEReader
from tests.support.live import LiveServer

pytestmark = pytest.mark.e2e
HEADER_TIMEOUT = 1.0
SLACK = 2.5  # a loaded machine: the bound plus this is still far below "for ever"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home: Path = tmp_path_factory.mktemp("timeouts")
    live = LiveServer(
        {
            "BEHFLOW_DATABASE_URL": f"sqlite:///{home / 'behflow.db'}",
            "BEHFLOW_DATA_DIR": str(home),
            "BEHFLOW_SECRET_KEY": TEST_SECRET,
            "BEHFLOW_SCHEDULER_ENABLED": "false",
            "BEHFLOW_LOG_LEVEL": "warning",
            "BEHFLOW_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
            "BEHFLOW_BODY_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
            "BEHFLOW_EVENTS_HEARTBEAT_SECONDS": "0.3",
        },
        home / "server.log",
    ).start()
    yield live
    live.stop()


def _connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.settimeout(HEADER_TIMEOUT + SLACK)
    return sock


def _closed_by_server(sock: socket.socket) -> bytes:
    """Everything the server sent until it closed the connection (raises on a timeout)."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def test_connections_that_never_finish_their_headers_are_closed(server: LiveServer) -> None:
    partial = [
        b"",  # connects and says nothing
        b"GET /hea",  # half a request line
        b"GET /health HTTP/1.1\r\nHost: x\r\n",  # headers never ended
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: appl",
    ]
    sockets = []
    for i in range(40):
        sock = _connect(server)
        sock.sendall(partial[i % len(partial)])
        sockets.append(sock)
    started = time.monotonic()
    # Meanwhile a normal client is served at once.
    assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
    for sock in sockets:
        with sock:
            assert _closed_by_server(sock) == b""  # closed without an answer
    took = time.monotonic() - started
    assert took < HEADER_TIMEOUT + SLACK, took


def test_an_idle_keep_alive_connection_that_starts_a_request_and_stalls_is_closed(
    server: LiveServer,
) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        assert b"200 OK" in sock.recv(65536)
        sock.sendall(b"GET /health HTTP/1.1\r\nHo")  # the next request stalls
        started = time.monotonic()
        assert _closed_by_server(sock) == b""
        assert time.monotonic() - started < HEADER_TIMEOUT + SLACK


def test_a_body_that_never_arrives_is_answered_408(server: LiveServer) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n" + b'{"username": '
        )
        started = time.monotonic()
        answer = _closed_by_server(sock)
        assert time.monotonic() - started < HEADER_TIMEOUT + SLACK
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["error"]["code"] == "request_timeout"


def test_normal_requests_and_long_lived_streams_are_not_cut(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post("/register", json={"username": "alice", "password": "correct horse"})
        assert token.status_code == 201, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with (
            httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=5)) as streaming,
            streaming.stream("GET", "/api/v1/events", headers=headers) as response,
        ):
            assert response.status_code == 200
            stream = SSEReader(response)
            deadline = time.monotonic() + 3 * HEADER_TIMEOUT
            heartbeats = 0
            while time.monotonic() < deadline:
                # Requests on one kept-alive connection, spaced well past the header timeout
                # in total, all succeed.
                assert http.get("/health").status_code == 200
                if stream.frame().is_heartbeat:
                    heartbeats += 1
            assert heartbeats >= 3
            http.post("/api/v1/tasks", json={"title": "after a while"}, headers=headers)
            assert stream.event(skip=("ready",)).event == "task.created"
