"""A reminder reaches an Apprise URL from real servers: two server processes share one store,
the scheduler's reminders job runs every second in the leader and "run now" runs it in both,
and the receiver still gets exactly one notification. (Whether two runs' sends overlap is up
to timing here; test_delivery.py forces that race on the claim itself.)"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.automation.receiver import Receiver
from tests.support.live import LiveServer
from tests.support.replicas import shared_store, two_servers


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return shared_store(request.param, tmp_path)


@pytest.fixture
def servers(store_url: str, tmp_path: Path) -> Iterator[list[LiveServer]]:
    with two_servers(store_url, tmp_path, {"BEHFLOW_OUTBOUND_ALLOW": "127.0.0.1/32"}) as started:
        yield started


def test_a_reminder_arrives_once_through_apprise_from_two_servers(
    servers: list[LiveServer],
) -> None:
    first, second = servers
    with Receiver(delay=0.3) as receiver, httpx.Client(timeout=15) as http:
        token = http.post(
            f"{first.url}/register", json={"username": "alice", "password": "correct horse"}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        url = receiver.url.replace("http://", "json://", 1)
        made = http.post(f"{first.url}/api/v1/notify/targets", json={"url": url})
        assert made.status_code == 201, made.text
        remind = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        http.post(f"{first.url}/api/v1/tasks", json={"title": "call mum", "remind_at": remind})
        pulse = {"name": "pulse", "kind": "reminders", "schedule": "every 1s"}
        assert http.post(f"{first.url}/api/v1/processes", json=pulse).status_code == 201
        deadline = time.monotonic() + 4
        with ThreadPoolExecutor(2) as pool:
            while time.monotonic() < deadline:
                # Both servers at once, each its own process: their runs overlap.
                runs = [
                    pool.submit(http.post, f"{server.url}/api/v1/processes/{name}/run")
                    for server, name in ((first, "reminders"), (second, "pulse"))
                ]
                for run in runs:
                    run.result()
        receiver.wait_for(2, timeout=1)
        listed = http.get(f"{second.url}/api/v1/notify/targets").json()
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0].body)["title"] == "Reminder: call mum"
    assert [(t["last_status"], t["failures"]) for t in listed] == [("delivered", 0)]
