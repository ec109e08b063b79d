"""`python3 dev.py run` and `dev.py test` as a person runs them: the real process, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.support import run
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.fixture
def dev_env(live_server_env: dict[str, str], isolated_env: Path) -> dict[str, str]:
    return {**os.environ, **live_server_env, "BEHFLOW_PORT": str(free_port())}


def _healthy(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the server never answered")


def _gone(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
    except httpx.HTTPError:
        return True
    return False


@pytest.fixture
def dev_run(dev_env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`python3 dev.py run` in its own session, as a terminal's foreground job would be."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "dev.py"), "run"],
        env=dev_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _healthy(int(dev_env["BEHFLOW_PORT"]))
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_dev_run_stops_its_server(
    how: str, dev_run: subprocess.Popen[str], dev_env: dict[str, str]
) -> None:
    port = int(dev_env["BEHFLOW_PORT"])
    status = run(["server", "status", "--json", "status,pid"], dev_env)
    assert '"status": "running"' in status.stdout and '"pid": null' not in status.stdout
    if how == "ctrl-c":  # the terminal sends SIGINT to the whole foreground process group
        os.killpg(dev_run.pid, signal.SIGINT)
    else:
        dev_run.send_signal(signal.SIGTERM)
    _, err = dev_run.communicate(timeout=40)
    assert "Ctrl-C" in err and "Traceback" not in err
    assert dev_run.returncode in (0, 128 + (signal.SIGINT if how == "ctrl-c" else signal.SIGTERM))
    assert _gone(port), "the server outlived dev.py run"
    assert run(["server", "status"], dev_env).returncode == 5


def test_server_stop_knows_the_dev_run_server(
    dev_run: subprocess.Popen[str], dev_env: dict[str, str], isolated_env: Path
) -> None:
    stopped = run(["server", "stop"], dev_env)
    assert stopped.returncode == 0, stopped.stderr
    dev_run.communicate(timeout=40)
    assert dev_run.returncode in (0, 128 + signal.SIGTERM)  # not a crash, not a leftover
    assert _gone(int(dev_env["BEHFLOW_PORT"]))
    assert not (isolated_env / "state" / "server.pid").exists()


def test_dev_test_says_when_postgresql_is_skipped(dev_env: dict[str, str]) -> None:
    env = {k: v for k, v in dev_env.items() if k != "BEHFLOW_TEST_DATABASE_URL"}
    # --co: collect only, so this stays quick; the note comes before pytest starts.
    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "test", "--co", "-q", "tests/cli/test_dates.py"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "PostgreSQL" in line]
    assert len(notes) == 1
    assert "BEHFLOW_TEST_DATABASE_URL=postgresql://user@host:5432/dbname" in notes[0]
