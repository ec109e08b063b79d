"""The real `behflow tui` in a real pseudo-terminal (a tmux pane) against a real server: keys
sent as a person types them, the screen read back with capture-pane."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live import LiveServer
from tests.support.peers import needs_program

pytestmark = needs_program("tmux", "tmux")


class Pane:
    """One tmux session on a private socket (never the user's own tmux server)."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "tui")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "tui", *(["-l"] if literal else []), *keys)
        time.sleep(0.4)  # as a person types: Escape then a letter is not Alt+letter

    def wait(self, condition: Callable[[str], bool], timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never matched:\n{screen}")
            time.sleep(0.2)

    def alive(self) -> bool:
        probe = ["tmux", "-L", self.socket, "has-session", "-t", "tui"]
        return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0


@pytest.fixture
def pane(tui_server: LiveServer, token: str, tmp_path: Path) -> Iterator[Pane]:
    env = {
        "BEHFLOW_URL": tui_server.url,
        "BEHFLOW_TOKEN": token,
        "BEHFLOW_CONFIG_DIR": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }
    assignments = [shlex.quote(f"{k}={v}") for k, v in env.items()]
    command = " ".join(
        ["env", "-i", *assignments, shlex.quote(sys.executable), "-m", "behflow_cli", "tui"]
    )
    pane = Pane(f"behflow-test-{os.getpid()}")
    pane.tmux("new-session", "-d", "-s", "tui", "-x", "100", "-y", "30", command)
    try:
        yield pane
    finally:
        subprocess.run(["tmux", "-L", pane.socket, "kill-server"], capture_output=True, timeout=10)


def test_a_person_at_a_real_terminal(pane: Pane, tui_server: LiveServer, token: str) -> None:
    api = httpx.Client(base_url=tui_server.url, headers={"Authorization": f"Bearer {token}"})
    api.post("/api/v1/tasks", json={"title": "Water the plants", "tags": ["home"]})
    pane.wait(lambda s: "Water the plants" in s and "● live" in s)

    # Add a task; the box keeps the focus, so the next letters are text, not commands.
    pane.keys("aBuy bread tomorrow #home", literal=True)  # at once, as a fast typist or a paste
    pane.keys("Enter")
    screen = pane.wait(lambda s: "Buy bread" in s and "tomorrow" in s)
    assert "Add the task" in screen and "Back to the list" in screen  # the key bar stays
    pane.keys("dtx", literal=True)
    pane.keys("Escape")
    screen = pane.wait(lambda s: "a Add" in s)

    # Filter, Enter, then type on: still the filter box.
    pane.keys("/")
    pane.keys("#home", literal=True)
    pane.keys("Enter")
    pane.keys(" dq", literal=True)
    screen = pane.wait(lambda s: "#home dq" in s)
    assert pane.alive()  # `q` was typed, it did not quit
    tasks = api.get("/api/v1/tasks", params={"status": "open"}).json()["items"]
    assert sorted(t["title"] for t in tasks) == ["Buy bread", "Water the plants"]
    assert all(t["status"] == "not_started" for t in tasks)
    pane.keys("C-u")
    pane.keys("Enter")
    pane.keys("Escape")

    # d then u at once: the completion is undone, whatever the timing.
    pane.keys("d", "u")
    pane.wait(lambda s: "Undid complete" in s)
    tasks = api.get("/api/v1/tasks", params={"status": ["open", "completed"]}).json()["items"]
    assert all(t["status"] == "not_started" for t in tasks)

    # The legend on `?`, then quit.
    pane.keys("?")
    screen = pane.wait(lambda s: "Status:" in s)
    assert "◐ in progress" in screen and "!!! urgent" in screen
    pane.keys("Escape")
    pane.keys("q")
    deadline = time.monotonic() + 10
    while pane.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pane.alive()
    api.close()
