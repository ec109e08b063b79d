"""Webhook deliveries to a real local HTTP receiver: signatures a receiver can verify, event
filters, retries with back-off, the delivery log, and a request never waiting on a receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from behflow_server.config import Settings
from behflow_server.main import create_app
from behflow_server.webhooks.delivery import sign, verify_signature
from tests.automation.receiver import Receiver
from tests.conftest import TEST_SECRET

Headers = dict[str, str]


@pytest.fixture
def fast_client(database_url: str, isolated_env: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=isolated_env / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
        webhook_retry_base_seconds=0.2,
        webhook_max_attempts=3,
        webhook_timeout_seconds=2,
        outbound_allow=["127.0.0.1/32"],  # the local test receiver; loopback is refused by default
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _login(client: TestClient, name: str = "alice") -> Headers:
    token = client.post("/register", json={"username": name, "password": "correct horse"}).json()[
        "access_token"
    ]
    return {"Authorization": f"Bearer {token}"}


def _deliveries(client: TestClient, auth: Headers, hook: str) -> list[dict[str, object]]:
    response = client.get(f"/api/v1/webhooks/{hook}/deliveries", headers=auth)
    return response.json()  # type: ignore[no-any-return]


def test_signed_deliveries_a_receiver_can_verify(fast_client: TestClient) -> None:
    auth = _login(fast_client)
    with Receiver() as receiver:
        hook = fast_client.post(
            "/api/v1/webhooks",
            headers=auth,
            json={"url": receiver.url, "events": ["task.completed"]},
        ).json()
        number = fast_client.post("/api/v1/tasks", headers=auth, json={"title": "ship"}).json()[
            "number"
        ]
        fast_client.post(f"/api/v1/tasks/{number}/complete", headers=auth)
        [got] = receiver.wait_for(1)
        time.sleep(0.3)  # the task.created event must not follow: not subscribed
        assert len(receiver.received) == 1
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert headers["x-behflow-event"] == "task.completed"
    assert verify_signature(
        hook["secret"], headers["x-behflow-timestamp"], got.body, headers["x-behflow-signature"]
    )
    assert not verify_signature(
        "wrong-secret", headers["x-behflow-timestamp"], got.body, headers["x-behflow-signature"]
    )
    assert not verify_signature(
        hook["secret"],
        headers["x-behflow-timestamp"],
        got.body + b" ",
        headers["x-behflow-signature"],
    )
    stale = str(int(headers["x-behflow-timestamp"]) - 3600)
    assert not verify_signature(
        hook["secret"], stale, got.body, sign(hook["secret"], int(stale), got.body)
    )
    document = json.loads(got.body)
    assert document["event"] == "task.completed"
    assert document["data"]["task"]["number"] == number
    [logged] = _deliveries(fast_client, auth, hook["id"])
    assert (logged["status"], logged["attempts"], logged["response_status"]) == (
        "delivered",
        1,
        200,
    )


def test_failed_deliveries_retry_with_backoff_and_are_logged(fast_client: TestClient) -> None:
    auth = _login(fast_client)
    with Receiver(statuses=[500, 503]) as receiver:
        hook = fast_client.post("/api/v1/webhooks", headers=auth, json={"url": receiver.url})
        hook_id = hook.json()["id"]
        fast_client.post("/api/v1/tasks", headers=auth, json={"title": "retry me"})
        got = receiver.wait_for(3)
        assert len(got) == 3
        assert len({r.headers["X-Behflow-Delivery"] for r in got}) == 1  # one delivery, 3 tries
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            [logged] = _deliveries(fast_client, auth, hook_id)
            if logged["status"] == "delivered":
                break
            time.sleep(0.05)
    assert (logged["status"], logged["attempts"], logged["error"]) == ("delivered", 3, None)


def test_an_unreachable_receiver_gives_up_and_never_blocks_requests(
    fast_client: TestClient,
) -> None:
    auth = _login(fast_client)
    with Receiver() as receiver:
        url = receiver.url
    # The receiver is gone: connections to its port are refused.
    hook_id = fast_client.post("/api/v1/webhooks", headers=auth, json={"url": url}).json()["id"]
    fast_client.post("/api/v1/tasks", headers=auth, json={"title": "nobody listens"})
    deadline = time.monotonic() + 8
    logged: dict[str, object] = {}
    while time.monotonic() < deadline:
        [logged] = _deliveries(fast_client, auth, hook_id) or [{}]
        if logged.get("status") == "failed":
            break
        time.sleep(0.05)
    assert logged["status"] == "failed" and logged["attempts"] == 3
    assert logged["error"] == "failed (no response)"  # no connection error text


def test_the_test_command_delivers_once(fast_client: TestClient) -> None:
    auth = _login(fast_client)
    with Receiver() as receiver:
        hook = fast_client.post("/api/v1/webhooks", headers=auth, json={"url": receiver.url})
        result = fast_client.post(f"/api/v1/webhooks/{hook.json()['id']}/test", headers=auth)
        assert result.json()["status"] == "delivered"
        [got] = receiver.wait_for(1)
    assert json.loads(got.body)["event"] == "webhook.test"


def test_a_due_reminder_reaches_the_webhook(fast_client: TestClient) -> None:
    auth = _login(fast_client)
    with Receiver() as receiver:
        fast_client.post(
            "/api/v1/webhooks", headers=auth, json={"url": receiver.url, "events": ["reminder.due"]}
        )
        remind_at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        task = fast_client.post(
            "/api/v1/tasks", headers=auth, json={"title": "call bob", "remind_at": remind_at}
        ).json()
        ran = fast_client.post("/api/v1/processes/reminders/run", headers=auth).json()
        assert ran["result"]["reminded"] == [task["number"]]
        fast_client.post("/api/v1/processes/reminders/run", headers=auth)  # nothing new
        [got] = receiver.wait_for(1)
        time.sleep(0.3)
        assert len(receiver.received) == 1
    document = json.loads(got.body)
    assert document["event"] == "reminder.due"
    assert document["data"]["task"]["title"] == "call bob"


def test_a_slow_receiver_never_delays_the_request(fast_client: TestClient) -> None:
    auth = _login(fast_client)
    with Receiver(delay=1.5) as receiver:
        fast_client.post("/api/v1/webhooks", headers=auth, json={"url": receiver.url})
        started = time.monotonic()
        for index in range(3):
            fast_client.post("/api/v1/tasks", headers=auth, json={"title": f"quick {index}"})
        elapsed = time.monotonic() - started
        # Three deliveries take 4.5 s at the receiver; the three requests did not wait for them.
        assert elapsed < 1.5
        assert len(receiver.wait_for(3, timeout=15)) == 3
