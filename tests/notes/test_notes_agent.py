"""The agent adds notes as notes: the add_note tool, update_task's add_note and the offline
model's "note on ..." all land in the notes service."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from behflow_server.agent.policy import intent_of_call
from behflow_server.agent.tools import ToolRunner
from behflow_server.auth.models import User
from behflow_server.db import utcnow
from behflow_server.timezones import get_zone

Headers = dict[str, str]
TASKS = "/api/v1/tasks"


def _bodies(client: TestClient, headers: Headers, number: int) -> list[str]:
    response = client.get(f"{TASKS}/{number}/notes", headers=headers)
    assert response.status_code == 200, response.text
    return [note["body"] for note in response.json()["items"]]


def _say(client: TestClient, headers: Headers, message: str, session: str | None = None) -> dict:
    response = client.post(
        "/api/v1/chat", headers=headers, json={"message": message, "session_id": session}
    )
    assert response.status_code == 200, response.text
    reply: dict = response.json()
    return reply


def _noted(client: TestClient, headers: Headers, message: str, note: str) -> None:
    """The offline agent reads `message` as a note on #1: it asks (the intent model is not
    sure enough to act on a note) and a yes adds it."""
    asked = _say(client, headers, message)
    assert asked["actions"] == [] and asked["pending"] is not None, asked
    assert f"add the note “{note}” to #1" in asked["reply"]
    done = _say(client, headers, "yes", asked["session_id"])
    assert done["actions"] == [{"action": "updated", "number": 1, "title": "Fix the heating"}]


def test_offline_chat_adds_a_note(client: TestClient, auth: Headers) -> None:
    client.post(TASKS, headers=auth, json={"title": "Fix the heating"})
    _noted(
        client, auth, "add a note to #1: the landlord prefers email", "The landlord prefers email"
    )
    # "note on 1: ..." reads as "done with 1" to the intent model; the note rule routes it.
    _noted(client, auth, "note on 1: he comes friday", "He comes friday")
    assert _bodies(client, auth, 1) == ["The landlord prefers email", "He comes friday"]
    task = client.get(f"{TASKS}/1", headers=auth).json()
    assert task["description"] is None  # notes of their own, not appended to the description
    assert task["status"] == "not_started"


def test_add_note_tool_confirms_for_several_tasks(client: TestClient, auth: Headers) -> None:
    for title in ("Call the landlord", "Pay rent"):
        client.post(TASKS, headers=auth, json={"title": title})
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.db.session() as session:
        user = _user(session)
        runner = ToolRunner(session, user, get_zone("UTC"), utcnow())
        text = runner.run("add_note", {"numbers": [1], "text": "he comes **friday**"})
        assert text == "Added the note “he comes **friday**” to #1 Call the landlord."
        assert runner.actions == [{"action": "noted", "number": 1, "title": "Call the landlord"}]
        asked = runner.run("add_note", {"numbers": [1, 2], "text": "paid"})
        assert asked.startswith("Needs confirmation") and runner.pending is not None
        assert runner.run("add_note", {"numbers": [9], "text": "x"}) == "Error: Task #9 not found."
        assert runner.run("add_note", {"numbers": [1], "text": ""}).startswith("Error: invalid")
    assert _bodies(client, auth, 1) == ["he comes **friday**"]
    assert _bodies(client, auth, 2) == []
    # The model's add_note is reviewed against the user's words like any other change.
    assert intent_of_call("add_note", {}) == "update_task"


def _user(session: Session) -> User:
    from sqlmodel import select

    user = session.exec(select(User)).first()
    assert user is not None
    return user
