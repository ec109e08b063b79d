"""/api/v1/notify/targets through the app: validation by Apprise, masked secrets, one user's
targets invisible to another (404), and a test notification's outcome recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from behflow_server.config import Settings
from behflow_server.main import create_app
from tests.automation.receiver import Receiver
from tests.conftest import AuthHeaders

TARGETS = "/api/v1/notify/targets"


@pytest.mark.parametrize(
    "url", ["foo://bar", "not a url", "json://", "https://example.com/plain-http"]
)
def test_a_url_apprise_does_not_know_is_422(
    client: TestClient, auth: AuthHeaders, url: str
) -> None:
    answer = client.post(TARGETS, json={"url": url}, headers=auth)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_notify_url"
    assert client.get(TARGETS, headers=auth).json() == []


def test_secrets_are_masked_in_every_answer(client: TestClient, auth: AuthHeaders) -> None:
    url = "json://alice:hunter2secret@example.com/hook"
    made = client.post(TARGETS, json={"url": url}, headers=auth)
    assert made.status_code == 201, made.text
    token_url = "tgram://123456789:AAHsecretTOKENvalue/987654321"
    client.post(TARGETS, json={"url": token_url}, headers=auth)
    # Apprise's own privacy URL shows custom headers and parameters in clear.
    header_url = "json://example.com/hook?+X-Api-Key=HEADERsecret&-token=PARAMsecret&method=PUT"
    client.post(TARGETS, json={"url": header_url}, headers=auth)
    listed = client.get(TARGETS, headers=auth)
    text = made.text + listed.text
    for secret in ("hunter2secret", "AAHsecretTOKENvalue", "HEADERsecret", "PARAMsecret"):
        assert secret not in text
    services = [t["service"] for t in listed.json()]
    assert services == ["JSON", "Telegram", "JSON"]
    first, _, third = listed.json()
    assert first["url"] == "json://alice:****@example.com/hook"
    assert third["url"] == "json://example.com/hook?method=PUT&+X-Api-Key=****&-token=****"
    assert (first["last_status"], first["failures"]) == (None, 0)


def test_one_user_never_sees_anothers_targets(
    client: TestClient, register: Callable[..., AuthHeaders]
) -> None:
    alice, bob = register("alice"), register("bob")
    target = client.post(TARGETS, json={"url": "ntfys://alices-topic"}, headers=alice).json()
    assert client.get(TARGETS, headers=bob).json() == []
    for method, path in (("DELETE", ""), ("POST", "/test")):
        answer = client.request(method, f"{TARGETS}/{target['id']}{path}", headers=bob)
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "notify_target_not_found"
    assert len(client.get(TARGETS, headers=alice).json()) == 1
    assert client.delete(f"{TARGETS}/{target['id']}", headers=alice).status_code == 204
    assert client.get(TARGETS, headers=alice).json() == []


def test_a_test_notification_is_sent_and_recorded(settings: Settings) -> None:
    allowed = settings.model_copy(update={"outbound_allow": ["127.0.0.1/32"]})
    with TestClient(create_app(allowed)) as client, Receiver(statuses=[200, 500]) as receiver:
        auth = client.post("/register", json={"username": "carol", "password": "correct horse"})
        assert auth.status_code == 201, auth.text
        headers = {"Authorization": f"Bearer {auth.json()['access_token']}"}
        url = receiver.url.replace("http://", "json://", 1)
        target = client.post(TARGETS, json={"url": url}, headers=headers).json()
        sent = client.post(f"{TARGETS}/{target['id']}/test", headers=headers)
        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "delivered"
        assert len(receiver.received) == 1
        failed = client.post(f"{TARGETS}/{target['id']}/test", headers=headers).json()
        assert failed["status"] == "failed" and failed["error"]
        assert (failed["target"]["last_status"], failed["target"]["failures"]) == ("failed", 1)


def test_the_default_policy_refuses_a_loopback_test(client: TestClient, auth: AuthHeaders) -> None:
    with Receiver() as receiver:
        url = receiver.url.replace("http://127.0.0.1", "json://localhost", 1)
        target = client.post(TARGETS, json={"url": url}, headers=auth).json()
        result = client.post(f"{TARGETS}/{target['id']}/test", headers=auth).json()
        assert result["status"] == "refused"
        assert "not allowed" in result["error"]
        assert receiver.received == []
