"""Run the real `behflow` CLI as a subprocess: piped, or on a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Mapping

CLI = [sys.executable, "-m", "behflow_cli"]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run(
    args: list[str], env: Mapping[str, str], stdin: str | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=timeout,
    )


def _controlling_tty() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtySession:
    """The CLI on a pseudo-terminal (its controlling tty, so password prompts work)."""

    def __init__(self, args: list[str], env: Mapping[str, str], columns: int = 120) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, bytes([24, 0, columns, 0, 0, 0, 0, 0]))
        self.process = subprocess.Popen(
            [*CLI, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "COLUMNS": str(columns), "TERM": "xterm"},
            preexec_fn=_controlling_tty,
            close_fds=True,
        )
        os.close(slave)
        self.buffer = ""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        if not data:
            return False
        self.buffer += data.decode(errors="replace")
        return True

    @property
    def text(self) -> str:
        return _ANSI.sub("", self.buffer).replace("\r", "")

    def expect(self, pattern: str, timeout: float = 60, count: int = 1) -> None:
        """Wait until `pattern` has been written `count` times (a prompt asked again)."""
        deadline = time.monotonic() + timeout
        while self.text.count(pattern) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"did not see {pattern!r} in:\n{self.text}")
            if not self._read(0.2) and self.process.poll() is not None:
                raise AssertionError(f"exited before {pattern!r}:\n{self.text}")

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.05):
            pass
        code = self.process.wait(timeout=max(deadline - time.monotonic(), 1))
        os.close(self.master)
        return code
