"""`--workers 2` (issue #15): live events reach a stream in any worker, one scheduler leader."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.events.sse import SSEReader
from tests.support.live import free_port

COUNT = 8


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_workers_share_events_and_elect_one_leader(tmp_path: Path, database: str) -> None:
    from tests.support.databases import empty_postgres, postgres_url, prepare_postgres

    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'behflow.db'}"
    else:
        pg = postgres_url()
        if pg is None:
            pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
        prepare_postgres(pg)
        empty_postgres(pg)
        url = pg
    port = free_port()
    env = {
        **os.environ,
        "BEHFLOW_DATABASE_URL": url,
        "BEHFLOW_DATA_DIR": str(tmp_path),
        "BEHFLOW_CONFIG_DIR": str(tmp_path / "config"),
        "BEHFLOW_STATE_DIR": str(tmp_path / "state"),
        "BEHFLOW_SECRET_KEY": "workers-test-secret-key-0123456789abcdef",
        "BEHFLOW_LOG_LEVEL": "info",
        "BEHFLOW_SCHEDULER_ENABLED": "true",
        "BEHFLOW_SCHEDULER_TICK_SECONDS": "0.2",
        "BEHFLOW_EVENTS_POLL_SECONDS": "0.1",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "behflow_cli",
                "server",
                "start",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150  # two workers import the whole stack at once
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        agent = {"User-Agent": "workers-test"}
        registered = httpx.post(
            f"{base}/register",
            json={"username": "worker1", "password": "workers-password"},
            headers=agent,
            timeout=60,
        )
        assert registered.status_code == 201, registered.text
        token = registered.json()["access_token"]
        auth = {**agent, "Authorization": f"Bearer {token}"}
        with (
            httpx.Client(base_url=base, headers=auth, timeout=20) as streaming,
            streaming.stream("GET", "/api/v1/events") as response,
        ):
            assert response.status_code == 200
            reader = SSEReader(response)
            for i in range(COUNT):  # each on a new connection: the kernel spreads them
                with httpx.Client(base_url=base, headers=auth, timeout=20) as one:
                    created = one.post("/api/v1/tasks", json={"title": f"t{i}"})
                    assert created.status_code == 201, created.text
            numbers = set()
            while len(numbers) < COUNT:
                frame = reader.event(skip=("ready",))
                if frame.event == "task.created":
                    numbers.add(frame.json["data"]["task"]["number"])
            assert numbers == set(range(1, COUNT + 1))
        time.sleep(1.0)  # several scheduler ticks in both workers
        leaders = [
            line for line in log_path.read_text().splitlines() if "is now the leader" in line
        ]
        assert len(leaders) == 1, log_path.read_text()
    finally:
        process.terminate()
        process.wait(30)
