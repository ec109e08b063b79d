"""Issue #10.6, noisy neighbours: one account's slow webhook receiver must not delay another
account's deliveries, and synchronous webhook tests must not starve the server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from behflow_server.config import Settings
from behflow_server.main import create_app
from tests.automation.receiver import Receiver
from tests.conftest import TEST_SECRET
from tests.support.live import LiveServer

Headers = dict[str, str]
SLOW_SECONDS = 3.0


@pytest.fixture
def app_client(database_url: str, isolated_env: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=isolated_env / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
        webhook_timeout_seconds=SLOW_SECONDS + 2,
        outbound_allow=["127.0.0.1/32"],  # the local test receivers
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _account(client: TestClient | httpx.Client, name: str) -> Headers:
    made = client.post("/register", json={"username": name, "password": "correct horse"})
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['access_token']}"}


def _hook(client: TestClient | httpx.Client, auth: Headers, url: str) -> str:
    made = client.post(
        "/api/v1/webhooks", headers=auth, json={"url": url, "events": ["task.created"]}
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_slow_receiver_does_not_delay_another_accounts_delivery(
    app_client: TestClient,
) -> None:
    with Receiver(delay=SLOW_SECONDS) as slow, Receiver() as fast:
        noisy, quiet = _account(app_client, "noisy"), _account(app_client, "quiet")
        _hook(app_client, noisy, slow.url)
        _hook(app_client, quiet, fast.url)
        for n in range(8):  # 8 deliveries x 3 s queued ahead: 24 s one after another
            app_client.post("/api/v1/tasks", headers=noisy, json={"title": f"noisy {n}"})
        time.sleep(0.3)  # the noisy deliveries are claimed and in flight first
        started = time.monotonic()
        app_client.post("/api/v1/tasks", headers=quiet, json={"title": "quiet"})
        got = fast.wait_for(1, timeout=15)
        waited = time.monotonic() - started
        print(f"quiet account delivered after {waited:.2f} s")
        assert got, "the quiet account's delivery never arrived"
        assert waited < 2.0, f"the quiet account waited {waited:.1f} s behind a slow receiver"
        # The slow receiver is not flooded either: a bounded number of its deliveries at once.
        slow.wait_for(2, timeout=SLOW_SECONDS * 2 + 2)
        assert slow.max_in_flight <= 2, slow.max_in_flight


@pytest.fixture
def live_with_receivers(live_server_env: dict[str, str], tmp_path: Path) -> Iterator[LiveServer]:
    env = {
        **live_server_env,
        "BEHFLOW_OUTBOUND_ALLOW": "127.0.0.1/32",
        "BEHFLOW_WEBHOOK_TIMEOUT_SECONDS": str(SLOW_SECONDS + 2),
        "BEHFLOW_LOG_LEVEL": "warning",
    }
    server = LiveServer(env, tmp_path / "server.log").start()
    yield server
    server.stop()


# /health is timed from a process of its own: in the test's process 45 sender threads and the
# receiver would compete with the probe for the GIL and the timings would be the test's own.
PROBE = """
import json, sys, time, httpx
url, seconds = sys.argv[1], float(sys.argv[2])
times = []
with httpx.Client(base_url=url, timeout=30) as client:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        client.get("/health")
        times.append(time.monotonic() - started)
        time.sleep(0.05)
print(json.dumps(times))
"""


def test_concurrent_webhook_tests_do_not_starve_the_server(
    live_with_receivers: LiveServer,
) -> None:
    url = live_with_receivers.url
    with Receiver(delay=SLOW_SECONDS) as slow, httpx.Client(base_url=url, timeout=30) as http:
        accounts = [_account(http, f"tester{n}") for n in range(5)]
        hooks = [(auth, _hook(http, auth, slow.url)) for auth in accounts]

        def send(index: int) -> int:
            auth, hook = hooks[index % len(hooks)]
            with httpx.Client(base_url=url, timeout=60) as client:
                return client.post(f"/api/v1/webhooks/{hook}/test", headers=auth).status_code

        probe = subprocess.Popen(
            [sys.executable, "-c", PROBE, url, str(SLOW_SECONDS + 1)],
            stdout=subprocess.PIPE,
            text=True,
        )
        with ThreadPoolExecutor(45) as pool:
            statuses = Counter(pool.map(send, range(45)))
        health = json.loads(probe.communicate(timeout=60)[0])
    assert set(statuses) <= {200, 429, 503}, statuses
    assert statuses[200] >= 1, statuses
    worst = max(health)
    print(f"/health during 45 webhook tests: n={len(health)} worst={worst:.3f} s", statuses)
    assert worst < 1.0, f"/health took {worst:.1f} s during 45 webhook tests ({statuses})"
    assert slow.max_in_flight <= 8, slow.max_in_flight
