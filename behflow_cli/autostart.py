"""Start the local server in the background and find it again: one pid file, one log file.

Used by autostart (the default local URL answers nothing) and by `behflow server start
--background|stop|status|logs`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from behflow_cli import config
from behflow_cli.errors import CliError

PID_FILE = "server.pid"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"
START_TIMEOUT = 60.0


def pid_path() -> Path:
    return config.state_dir() / PID_FILE


def log_path() -> Path:
    return config.state_dir() / LOG_FILE


def _is_server(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): the pid is alive, trust the pid file
    return b"behflow" in cmdline


def running_pid() -> int | None:
    """The pid of the background server we started, if it is still running."""
    try:
        pid = int(pid_path().read_text().strip())
    except (OSError, ValueError):
        return None
    if _is_server(pid):
        return pid
    pid_path().unlink(missing_ok=True)
    return None


def spawn(host: str, port: int) -> subprocess.Popen[bytes]:
    """Start `python -m behflow_server` detached from this terminal; returns the process."""
    state = config.state_dir()
    state.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BEHFLOW_HOST": host, "BEHFLOW_PORT": str(port)}
    with log_path().open("ab") as log:
        log.write(f"--- behflow server starting on {host}:{port} ---\n".encode())
        log.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", "behflow_server"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # survives this shell and Ctrl-C in it
            close_fds=True,
        )
    pid_path().write_text(f"{process.pid}\n")
    return process


def _last_log_line() -> str:
    try:
        lines = [line for line in log_path().read_text(errors="replace").splitlines() if line]
    except OSError:
        return ""
    errors = [line for line in lines if line.startswith("error:")]
    return (errors or lines or [""])[-1].strip()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pid_path().unlink(missing_ok=True)
            raise CliError(
                f"the Behflow server exited during start-up: {_last_log_line()} "
                f"(full log: {log_path()})"
            )
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise CliError(
        f"the Behflow server did not answer at {url} within {timeout:.0f} s; see {log_path()}"
    )


def start_background(host: str, port: int, timeout: float = START_TIMEOUT) -> int:
    """Start the server detached and wait for /health; returns its pid."""
    with _start_lock():
        process = spawn(host, port)
        wait_until_healthy(f"http://{host}:{port}", process, timeout)
    return process.pid


@contextmanager
def _start_lock() -> Iterator[None]:
    """One starter at a time: two commands run at once must not both spawn a server."""
    import fcntl

    state = config.state_dir()
    state.mkdir(parents=True, exist_ok=True)
    with (state / LOCK_FILE).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def autostart(url: str) -> None:
    """Start the default local server (the caller found nothing answering there)."""
    with _start_lock():
        if _answers(url):  # another command started it while we waited for the lock
            return
        if running_pid() is not None:
            # Our server is still starting (or stuck): give it the time it needs.
            wait_until_healthy(url, None, START_TIMEOUT)
            return
        print(f"Starting the Behflow server at {url} (log: {log_path()})...", file=sys.stderr)
        process = spawn(config.DEFAULT_HOST, config.default_port())
        wait_until_healthy(url, process, START_TIMEOUT)


def stop(timeout: float = 15.0) -> int | None:
    """Stop the background server; returns its pid, or None when none was running."""
    pid = running_pid()
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _is_server(pid):
        time.sleep(0.05)
        _reap(pid)
    if _is_server(pid):
        os.kill(pid, signal.SIGKILL)
    pid_path().unlink(missing_ok=True)
    return pid


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (`start --background`)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@contextmanager
def foreground_pid() -> Iterator[None]:
    """While a server runs in the foreground (`behflow server start`, `python3 dev.py run`),
    the pid file names it, so `behflow server stop` and `status` know it."""
    pid = running_pid()
    if pid is not None:
        raise CliError(
            f"a Behflow server is already running (pid {pid}); see `behflow server status`"
        )
    path = pid_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n")
    try:
        yield
    finally:
        try:
            if path.read_text().strip() == str(os.getpid()):
                path.unlink()
        except OSError:
            pass
