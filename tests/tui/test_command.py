"""`behflow tui` as a command: it needs a terminal, and says so in one line."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import httpx

from tests.support.live import LiveServer


def test_tui_refuses_without_a_terminal() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "behflow_cli", "tui"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: `behflow tui` needs a terminal; use `behflow task list` in scripts"
    )
    assert "Traceback" not in result.stderr


def test_tui_is_listed_in_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "behflow_cli", "--help"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert "tui" in result.stdout


def test_tui_runs_in_a_terminal_and_quits_with_q(tui_server: LiveServer, token: str) -> None:
    """The real command in a pseudo-terminal: it draws the list from the server, q quits."""
    import os
    import pty
    import select
    import time

    httpx.post(
        f"{tui_server.url}/api/v1/tasks",
        json={"title": "Seen through a real terminal"},
        headers={"Authorization": f"Bearer {token}"},
    ).raise_for_status()
    env = {
        **os.environ,
        "BEHFLOW_URL": tui_server.url,
        "BEHFLOW_TOKEN": token,
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    pid, fd = pty.fork()
    if pid == 0:  # the child: become `behflow tui`
        os.execve(sys.executable, [sys.executable, "-m", "behflow_cli", "tui"], env)
    screen = b""
    deadline = time.monotonic() + 30
    try:
        while b"Seen through a real terminal" not in screen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                screen += os.read(fd, 65536)
        assert b"Seen through a real terminal" in screen, screen[-2000:]
        os.write(fd, b"q")
        while time.monotonic() < deadline:
            finished, status = os.waitpid(pid, os.WNOHANG)
            if not finished and select.select([fd], [], [], 0.2)[0]:
                try:
                    os.read(fd, 65536)
                    continue
                except OSError:  # the terminal closed: the process has ended
                    finished, status = os.waitpid(pid, 0)
            if finished:
                assert os.waitstatus_to_exitcode(status) == 0
                return
        raise AssertionError("`behflow tui` did not quit on q")
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)


def test_every_key_has_its_action() -> None:
    from behflow_cli.tui.actions import ACTIONS
    from behflow_cli.tui.screens.main import MainScreen

    missing = [a.name for a in ACTIONS if not hasattr(MainScreen, f"action_{a.name}")]
    assert missing == []
