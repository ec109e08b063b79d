"""Issue #12.4: deliveries are signed the Standard Webhooks way, so a receiver verifies them
with the stock `standardwebhooks` library; the original X-Behflow-Signature stays for a release."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from behflow_server.auth import service as auth_service
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.main import create_app
from behflow_server.webhooks.delivery import verify_signature
from behflow_server.webhooks.models import Webhook as WebhookRow
from tests.automation.receiver import Receiver
from tests.conftest import TEST_SECRET


@pytest.fixture
def app_client(database_url: str, isolated_env: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=isolated_env / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
        outbound_allow=["127.0.0.1/32"],  # the local test receiver
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _auth(client: TestClient) -> dict[str, str]:
    made = client.post("/register", json={"username": "sam", "password": "correct horse"})
    return {"Authorization": f"Bearer {made.json()['access_token']}"}


def test_a_real_delivery_verifies_with_the_standardwebhooks_library(
    app_client: TestClient,
) -> None:
    auth = _auth(app_client)
    with Receiver() as receiver:
        hook = app_client.post(
            "/api/v1/webhooks",
            headers=auth,
            json={"url": receiver.url, "events": ["task.created"]},
        ).json()
        app_client.post("/api/v1/tasks", headers=auth, json={"title": "signed"})
        [got] = receiver.wait_for(1)
    secret = hook["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    headers = {k.lower(): v for k, v in got.headers.items()}
    payload = Webhook(secret).verify(got.body, headers)
    assert payload["event"] == "task.created"
    assert payload["data"]["task"]["title"] == "signed"
    assert headers["webhook-id"] == headers["x-behflow-delivery"] == payload["id"]
    assert headers["webhook-signature"].startswith("v1,")
    # Tampering, another secret or a missing header is refused by the same library.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body + b" ", headers)
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(got.body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body, {k: v for k, v in headers.items() if k != "webhook-id"})
    # The original signature is still there and still checks out.
    assert verify_signature(
        secret, headers["x-behflow-timestamp"], got.body, headers["x-behflow-signature"]
    )


def test_the_test_endpoint_is_signed_too(app_client: TestClient) -> None:
    auth = _auth(app_client)
    with Receiver() as receiver:
        hook = app_client.post("/api/v1/webhooks", headers=auth, json={"url": receiver.url}).json()
        sent = app_client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth)
        assert sent.status_code == 200 and sent.json()["status"] == "delivered", sent.text
        [got] = receiver.wait_for(1)
    payload = Webhook(hook["secret"]).verify(got.body, dict(got.headers))
    assert payload["event"] == "webhook.test"


def test_webhooks_made_before_whsec_secrets_verify_with_their_text_as_the_key(
    app_client: TestClient, database: Database, session: Session
) -> None:
    auth = _auth(app_client)
    user = auth_service.get_by_username(session, "sam")
    assert user is not None
    legacy = "ab" * 32  # what secrets.token_hex(32) gave before
    with Receiver() as receiver:
        row = WebhookRow(user_id=user.id, url=receiver.url, events=[], secret=legacy)
        session.add(row)
        session.commit()
        sent = app_client.post(f"/api/v1/webhooks/{row.id}/test", headers=auth)
        assert sent.json()["status"] == "delivered", sent.text
        [got] = receiver.wait_for(1)
    as_whsec = "whsec_" + base64.b64encode(legacy.encode()).decode()
    assert json.loads(got.body) == Webhook(as_whsec).verify(got.body, dict(got.headers))
