"""The history records every change path (issue #14): each one below is exactly one changeset,
named after the client that made it, with the fields' before and after."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from behflow_server.auth.models import User
from behflow_server.mcp.confirmations import Confirmations
from behflow_server.mcp.tools import ToolCall
from behflow_server.timezones import get_zone

Headers = dict[str, str]
TASKS = "/api/v1/tasks"


def _add(client: TestClient, headers: Headers, **fields: object) -> dict[str, Any]:
    response = client.post(TASKS, headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


class History:
    def __init__(self, client: TestClient, headers: Headers) -> None:
        self.client, self.headers = client, headers
        self.seen = self.count()

    def count(self) -> int:
        return int(self.client.get("/api/v1/history", headers=self.headers).json()["total"])

    def one_new(self, client_name: str) -> dict[str, Any]:
        """Exactly one changeset since the last look, by `client_name`; returns it."""
        page = self.client.get("/api/v1/history", headers=self.headers).json()
        assert page["total"] == self.seen + 1, [c["summary"] for c in page["items"][:3]]
        self.seen = page["total"]
        newest: dict[str, Any] = page["items"][0]
        assert newest["client"] == client_name, newest
        return newest


def _fields(row: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {f["field"]: (f["before"], f["after"]) for f in row["fields"]}


def test_every_change_path_is_one_changeset(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    auth = register("walker")
    cli = {**auth, "X-Behflow-Client": "cli/0.1"}
    history = History(client, auth)

    # CLI/REST create and PATCH.
    first = _add(client, cli, title="Pay rent")
    assert history.one_new("cli/0.1")["changes"][0]["action"] == "created"
    client.patch(f"{TASKS}/{first['number']}", headers=cli, json={"title": "Pay the rent"})
    row = history.one_new("cli/0.1")["changes"][0]
    assert _fields(row) == {"title": ("Pay rent", "Pay the rent")}

    # The web page and the TUI send their own names; a bulk change is one changeset.
    second = _add(client, {**auth, "X-Behflow-Client": "web"}, title="Water plants")
    history.one_new("web")
    numbers = [first["number"], second["number"]]
    bulk = client.post(
        f"{TASKS}/bulk/complete",
        headers={**auth, "X-Behflow-Client": "tui"},
        json={"numbers": numbers},
    )
    assert bulk.status_code == 200
    changes = history.one_new("tui")["changes"]
    assert [(c["number"], c["action"]) for c in changes] == [(n, "completed") for n in numbers]
    assert _fields(changes[0])["status"] == ("not_started", "completed")

    # A completion that brings the next occurrence: one changeset with both.
    daily = _add(client, cli, title="Stretch", due="today 23:00", recurrence="FREQ=DAILY")
    history.one_new("cli/0.1")
    client.post(f"{TASKS}/{daily['number']}/complete", headers=cli)
    changes = history.one_new("cli/0.1")["changes"]
    assert [c["action"] for c in changes] == ["completed", "created"]

    # The agent, through chat from the web page.
    reply = client.post(
        "/api/v1/chat",
        headers={**auth, "X-Behflow-Client": "web"},
        json={"message": "add a task to call the plumber tomorrow"},
    )
    assert reply.status_code == 200, reply.text
    assert history.one_new("agent (via web)")["changes"][0]["action"] == "created"

    # An MCP tool call.
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.db.session() as session:
        user = session.exec(select(User).where(col(User.username) == "walker")).one()
        call = ToolCall(session, user, get_zone("UTC"), datetime.now(UTC), Confirmations("k" * 32))
        outcome = call.run("update_task", {"numbers": [second["number"]], "priority": "high"})
        assert outcome.structured_content["status"] == "done", outcome
    assert _fields(history.one_new("mcp")["changes"][0]) == {"priority": ("none", "high")}

    # Automation: one reschedule_overdue run moves both overdue tasks, one changeset.
    late = datetime.now(UTC) - timedelta(days=2)
    for title in ("Late one", "Late two"):
        _add(client, cli, title=title, due_at=late.isoformat())
        history.one_new("cli/0.1")
    process = {"name": "mover", "kind": "reschedule_overdue", "schedule": "every 1h"}
    assert client.post("/api/v1/processes", headers=auth, json=process).status_code == 201
    run = client.post("/api/v1/processes/mover/run", headers=auth)
    assert run.json()["status"] == "succeeded", run.text
    changes = history.one_new("automation:reschedule_overdue")["changes"]
    assert len(changes) == 2 and "due_at" in _fields(changes[0])
    assert _fields(changes[0])["due_moved_by"] == (None, "reschedule_overdue")

    # An import: one changeset for the whole file.
    imported = client.post(
        "/api/v1/import",
        headers={**auth, "Content-Type": "text/plain"},
        params={"format": "todotxt"},
        content=b"Buy milk +home\nCall bank due:2030-01-02\n",
    )
    assert imported.status_code == 200, imported.text
    changes = history.one_new("import")["changes"]
    assert [c["title"] for c in changes] == ["Buy milk", "Call bank"]
    assert all(c["action"] == "created" for c in changes)

    # Deleting (archive and hard) is a change too; the hard delete keeps the whole row.
    client.delete(f"{TASKS}/{first['number']}", headers=cli)
    assert history.one_new("cli/0.1")["changes"][0]["action"] == "archived"
    client.delete(f"{TASKS}/{second['number']}", headers=cli, params={"hard": "true"})
    row = history.one_new("cli/0.1")["changes"][0]
    assert row["action"] == "deleted" and _fields(row)["title"] == ("Water plants", None)

    # Who made it is bounded: a bad client name is refused, not recorded.
    bad = client.get("/api/v1/history", headers={**auth, "X-Behflow-Client": "x" * 41})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_client"
