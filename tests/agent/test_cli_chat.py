"""`behflow chat` as a real subprocess against a real server."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.live import LiveServer

pytestmark = pytest.mark.e2e


def _token(api: httpx.Client) -> str:
    response = api.post(
        "/register",
        json={"username": "carol", "password": "correct horse", "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


def _behflow(
    server: LiveServer, token: str | None, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BEHFLOW_URL": server.url}
    if token:
        env["BEHFLOW_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "behflow_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_chat_command_talks_to_the_agent_and_reports_errors(
    live_server: LiveServer, api: httpx.Client
) -> None:
    token = _token(api)
    added = _behflow(live_server, token, "chat", "remind me to call mom tomorrow at 5pm")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Created #1 Call mom")

    done = _behflow(live_server, token, "chat", "--json", "mark it done")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["actions"] == [{"action": "completed", "number": 1, "title": "Call mom"}]

    fresh = _behflow(live_server, token, "chat", "--new", "mark it done")
    assert fresh.returncode == 0
    assert "Which task" in fresh.stdout

    piped = _behflow(live_server, token, "chat", "--new", stdin="add buy milk\nmark it done\n")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines() == ["Created #2 Buy milk.", "Marked as done: #2 Buy milk."]
    headers = {"Authorization": f"Bearer {token}"}
    sessions = api.get("/api/v1/chat/sessions", headers=headers).json()
    assert len(sessions) == 3

    # Errors: one line on stderr, documented exit codes, no traceback.
    unknown = _behflow(live_server, token, "chat", "--session", "nope", "hello")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: ") and len(unknown.stderr.splitlines()) == 1
    both = _behflow(live_server, token, "chat", "--new", "--session", "x", "hi")
    assert both.returncode == 2 and "either --session or --new" in both.stderr
    logged_out = _behflow(live_server, None, "chat", "hello")
    assert logged_out.returncode == 4 and "Traceback" not in logged_out.stderr
    long = _behflow(live_server, token, "chat", "x" * 9000)
    assert long.returncode == 2 and "message" in long.stderr


def _read_until(fd: int, marker: str, timeout: float = 20.0) -> str:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {marker!r} in {seen.decode(errors='replace')!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen.decode(errors="replace")


def _interactive(server: LiveServer, token: str) -> tuple[subprocess.Popen[bytes], int]:
    """`behflow chat` on a pseudo-terminal, as a person would run it."""
    master, slave = pty.openpty()
    env = {**os.environ, "BEHFLOW_URL": server.url, "BEHFLOW_TOKEN": token}
    process = subprocess.Popen(
        [sys.executable, "-m", "behflow_cli", "chat"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    return process, master


def test_chat_alone_is_a_conversation_with_history(
    live_server: LiveServer, api: httpx.Client
) -> None:
    token = _token(api)
    process, terminal = _interactive(live_server, token)
    try:
        _read_until(terminal, "you> ")
        os.write(terminal, b"add buy milk tomorrow\n")
        assert "behflow> Created #1 Buy milk" in _read_until(terminal, "you> ")
        os.write(terminal, b"mark it done\n")
        assert "behflow> Marked as done: #1 Buy milk." in _read_until(terminal, "you> ")
        os.write(terminal, b"exit\n")
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        os.close(terminal)

    # The next conversation continues the last one and shows where it left off.
    process, terminal = _interactive(live_server, token)
    try:
        # History lines start with "you> " too: wait for the note that comes after them.
        shown = _read_until(terminal, "ends the conversation.")
        assert "you> mark it done" in shown and "behflow> Marked as done" in shown
        if "you> " not in shown.split("ends the conversation.", 1)[1]:
            _read_until(terminal, "you> ")
        os.write(terminal, b"\n")
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        os.close(terminal)
