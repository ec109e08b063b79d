"""The sign-up choice for the overdue policy (issue #11): `reschedule_overdue` on /register,
false by default, decides whether the account's reschedule-overdue process starts enabled; the
operator's create-user command offers the same choice."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from behflow_server.auth import admin
from behflow_server.auth import service as auth_service
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.processes import service as processes


def _processes(client: TestClient, token: str) -> dict[str, dict[str, object]]:
    listed = client.get("/api/v1/processes", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text
    return {p["name"]: p for p in listed.json()}


def _register(client: TestClient, **extra: object) -> str:
    made = client.post("/register", json={"password": "correct horse", **extra})
    assert made.status_code == 201, made.text
    return str(made.json()["access_token"])


def test_reschedule_overdue_is_off_unless_chosen_at_sign_up(client: TestClient) -> None:
    plain = _processes(client, _register(client, username="plain"))
    assert plain["reschedule-overdue"]["enabled"] is False
    assert plain["reschedule-overdue"]["next_run_at"] is None
    assert plain["reminders"]["enabled"] and plain["analytics"]["enabled"]
    declined = _processes(client, _register(client, username="no", reschedule_overdue=False))
    assert declined["reschedule-overdue"]["enabled"] is False
    chosen = _processes(client, _register(client, username="yes", reschedule_overdue=True))
    assert chosen["reschedule-overdue"]["enabled"] is True
    assert chosen["reschedule-overdue"]["next_run_at"] is not None
    # Either way the process exists, so the choice can be changed later with one call.
    token = _register(client, username="later")
    enabled = client.post(
        "/api/v1/processes/reschedule-overdue/enable",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert enabled.status_code == 200 and enabled.json()["enabled"] is True


def test_the_choice_must_be_a_boolean(client: TestClient) -> None:
    bad = client.post(
        "/register",
        json={"username": "odd", "password": "correct horse", "reschedule_overdue": "maybe"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"]


def test_register_openapi_documents_the_choice(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["RegisterRequest"]
    field = schema["properties"]["reschedule_overdue"]
    assert field["type"] == "boolean" and field["default"] is False


@pytest.fixture
def operator_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BEHFLOW_DATABASE_URL", settings.resolved_database_url)
    yield


@pytest.mark.parametrize("flag", [False, True])
def test_operator_create_user_offers_the_same_choice(
    operator_env: None,
    database: Database,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    flag: bool,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    argv = ["create-user", "opal", *(["--reschedule-overdue"] if flag else [])]
    assert admin.main(argv) == 0
    user = auth_service.get_by_username(session, "opal")
    assert user is not None
    process = processes.get_process(session, user, "reschedule-overdue")
    assert process.enabled is flag
