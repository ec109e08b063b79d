"""The agent answers "what did I change today?" and "undo that" from the same history."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Headers = dict[str, str]


def _say(client: TestClient, headers: Headers, message: str) -> dict:
    response = client.post("/api/v1/chat", headers=headers, json={"message": message})
    assert response.status_code == 200, response.text
    return response.json()


def test_what_did_i_change_and_undo_that(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    auth = register("agnes")
    web = {**auth, "X-Behflow-Client": "web"}
    assert client.post("/api/v1/tasks", headers=web, json={"title": "Pay rent"}).status_code == 201
    assert client.post("/api/v1/tasks/1/complete", headers=web).status_code == 200

    listed = _say(client, auth, "what did I change today?")["reply"]
    assert "completed #1 Pay rent, from web" in listed
    assert "created #1 Pay rent, from web" in listed

    undone = _say(client, auth, "undo that")
    assert "Undid: completed #1 Pay rent (from web)" in undone["reply"]
    assert undone["actions"] == [{"action": "undone", "number": 1, "title": "Pay rent"}]
    assert client.get("/api/v1/tasks/1", headers=auth).json()["status"] == "not_started"
    newest = client.get("/api/v1/history", headers=auth).json()["items"][0]
    assert (newest["kind"], newest["client"]) == ("undo", "agent")

    _say(client, auth, "redo")
    assert client.get("/api/v1/tasks/1", headers=auth).json()["status"] == "completed"
    # Off-topic words about undoing are not an undo.
    _say(client, auth, "how do I undo a git commit?")
    assert client.get("/api/v1/tasks/1", headers=auth).json()["status"] == "completed"
