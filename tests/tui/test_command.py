"""`behflow tui` as a command: it needs a terminal, and says so in one line."""

from __future__ import annotations

import subprocess
import sys


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
