"""A real Behflow server in a subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        port: int | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.command = command or [sys.executable, "-m", "behflow_server"]
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **env,
            "BEHFLOW_PORT": str(self.port),
            "BEHFLOW_HOST": "127.0.0.1",
        }
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> LiveServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n{self.log_path.read_text()}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer /health:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def server_on(
    database: str, home: Path, secret_key: str, extra_env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """A live server on a fresh store: 'sqlite' (a file in `home`) or 'postgresql' (the run's
    test database, emptied). Skips when PostgreSQL is asked for but not configured."""
    import pytest

    from tests.support.databases import empty_postgres, postgres_url, prepare_postgres

    if database == "sqlite":
        url = f"sqlite:///{home / 'behflow.db'}"
    else:
        pg = postgres_url()
        if pg is None:
            pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
        prepare_postgres(pg)
        empty_postgres(pg)
        url = pg
    env = {
        "BEHFLOW_DATABASE_URL": url,
        "BEHFLOW_DATA_DIR": str(home),
        "BEHFLOW_SECRET_KEY": secret_key,
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    server = LiveServer(env, home / "server.log").start()
    try:
        yield server
    finally:
        server.stop()
