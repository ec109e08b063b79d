"""Two real server processes on one store, with the scheduler on: for the tests of what must
happen exactly once across replicas (scheduled runs, reminders)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.support.databases import empty_postgres, postgres_url, prepare_postgres
from tests.support.live import LiveServer


def shared_store(kind: str, tmp_path: Path) -> str:
    """A store two processes can share: a SQLite file, or the run's emptied PostgreSQL."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    url = postgres_url()
    if url is None:
        pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
    prepare_postgres(url)
    empty_postgres(url)
    return url


@contextmanager
def two_servers(
    store_url: str, tmp_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[list[LiveServer]]:
    env = {
        "BEHFLOW_DATABASE_URL": store_url,
        "BEHFLOW_SECRET_KEY": TEST_SECRET,
        "BEHFLOW_SCHEDULER_ENABLED": "true",
        "BEHFLOW_SCHEDULER_TICK_SECONDS": "0.2",
        "BEHFLOW_SCHEDULER_MIN_INTERVAL_SECONDS": "1",
        "BEHFLOW_LOG_LEVEL": "info",
        **(extra_env or {}),
    }
    started: list[LiveServer] = []
    try:
        for index in range(2):
            data = tmp_path / f"server{index}"
            data.mkdir()
            server = LiveServer({**env, "BEHFLOW_DATA_DIR": str(data)}, data / "server.log")
            started.append(server.start())
        yield started
    finally:
        for server in started:
            server.stop()
