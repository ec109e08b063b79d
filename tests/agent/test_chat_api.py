"""The chat API over HTTP: replies and actions, confirmation, sessions, expiry, bad input, SSE."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from behflow_server.chat.models import ChatSession
from behflow_server.db import Database, utcnow

CHAT = "/api/v1/chat"
Headers = dict[str, str]


def _say(client: TestClient, headers: Headers, message: str, session_id: str | None = None) -> dict:
    response = client.post(
        CHAT, headers=headers, json={"message": message, "session_id": session_id}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_conversation_manages_tasks(client: TestClient, auth: Headers) -> None:
    first = _say(client, auth, "remind me to call mom tomorrow at 5pm")
    assert first["actions"] == [{"action": "created", "number": 1, "title": "Call mom"}]
    assert first["model"] == "offline" and first["pending"] is None
    session_id = first["session_id"]
    done = _say(client, auth, "mark it done", session_id)
    assert done["actions"] == [{"action": "completed", "number": 1, "title": "Call mom"}]
    assert client.get("/api/v1/tasks/1", headers=auth).json()["status"] == "completed"

    history = client.get(f"{CHAT}/sessions/{session_id}/messages", headers=auth).json()
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert history[2]["content"] == "mark it done"
    assert history[3]["actions"] == done["actions"]
    sessions = client.get(f"{CHAT}/sessions", headers=auth).json()
    assert [s["id"] for s in sessions] == [session_id]


def test_delete_is_confirmed_in_the_next_message(client: TestClient, auth: Headers) -> None:
    client.post("/api/v1/tasks", headers=auth, json={"title": "Buy groceries"})
    asked = _say(client, auth, "delete the grocery task")
    assert asked["actions"] == []
    assert asked["pending"] == {
        "action": "delete_task",
        "numbers": [1],
        "summary": "delete #1 Buy groceries",
    }
    session_id = asked["session_id"]
    cancelled = _say(client, auth, "hmm, actually list my tasks", session_id)
    assert cancelled["pending"] is None and "Cancelled" in cancelled["reply"]
    assert client.get("/api/v1/tasks/1", headers=auth).json()["archived_at"] is None

    _say(client, auth, "delete #1", session_id)
    confirmed = _say(client, auth, "yes", session_id)
    assert confirmed["actions"] == [{"action": "deleted", "number": 1, "title": "Buy groceries"}]
    assert client.get("/api/v1/tasks/1", headers=auth).json()["archived_at"] is not None
    # A stray "yes" later confirms nothing.
    assert _say(client, auth, "yes", session_id)["actions"] == []


def test_sessions_are_private(client: TestClient, register: Callable[..., Headers]) -> None:
    alice, bob = register("alice"), register("bob")
    client.post("/api/v1/tasks", headers=bob, json={"title": "Bob's plan"})
    session_id = _say(client, bob, "hello")["session_id"]
    for method, path in (
        ("GET", f"{CHAT}/sessions/{session_id}/messages"),
        ("DELETE", f"{CHAT}/sessions/{session_id}"),
    ):
        response = client.request(method, path, headers=alice)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "session_not_found"
    response = client.post(CHAT, headers=alice, json={"message": "hi", "session_id": session_id})
    assert response.status_code == 404
    assert client.get(f"{CHAT}/sessions", headers=alice).json() == []
    reply = _say(client, alice, "mark #1 done")
    assert reply["actions"] == [] and "not found" in reply["reply"]
    assert client.get("/api/v1/tasks/1", headers=bob).json()["status"] == "not_started"


def test_sessions_expire_after_inactivity(
    client: TestClient, auth: Headers, database: Database
) -> None:
    session_id = _say(client, auth, "hello")["session_id"]
    ttl = client.app.state.context.settings.chat_session_ttl_hours  # type: ignore[attr-defined]
    with database.session() as db:
        row = db.get(ChatSession, uuid.UUID(session_id))
        assert row is not None
        row.last_active_at = utcnow() - timedelta(hours=ttl, minutes=1)
        db.add(row)
        db.commit()
    assert client.get(f"{CHAT}/sessions", headers=auth).json() == []
    response = client.post(CHAT, headers=auth, json={"message": "hi", "session_id": session_id})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_expired"
    with Session(database.engine) as db:
        row = db.get(ChatSession, uuid.UUID(session_id))
        assert row is not None and row.expired_at is not None


def test_delete_session(client: TestClient, auth: Headers) -> None:
    session_id = _say(client, auth, "hello")["session_id"]
    assert client.delete(f"{CHAT}/sessions/{session_id}", headers=auth).status_code == 204
    assert client.get(f"{CHAT}/sessions/{session_id}/messages", headers=auth).status_code == 404


BAD_BODIES: list[tuple[dict[str, object], int, str]] = [
    ({"message": ""}, 422, "invalid_input"),
    ({"message": "   "}, 422, "invalid_input"),
    ({"message": "x" * 100_000}, 422, "invalid_input"),
    ({"message": "hi", "session_id": "not-a-uuid"}, 422, "invalid_input"),
    ({"message": "hi", "session_id": str(uuid.uuid4())}, 404, "session_not_found"),
    ({}, 422, "invalid_input"),
]


def test_bad_input(client: TestClient, auth: Headers) -> None:
    for body, status, code in BAD_BODIES:
        response = client.post(CHAT, headers=auth, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["code"] == code
        streamed = client.post(f"{CHAT}/stream", headers=auth, json=body)
        if status == 404:
            # The stream has started by then: the error arrives as an SSE event.
            assert streamed.status_code == 200
            assert f'"code": "{code}"' in streamed.text
        else:
            assert streamed.status_code == status
    assert client.get(f"{CHAT}/sessions", headers=auth).json() == []


def test_chat_needs_a_login(client: TestClient) -> None:
    assert client.post(CHAT, json={"message": "hi"}).status_code == 401
    assert client.get(f"{CHAT}/sessions").status_code == 401


def test_stream_sends_tokens_then_the_reply(client: TestClient, auth: Headers) -> None:
    with client.stream(
        "POST", f"{CHAT}/stream", headers=auth, json={"message": "add pay rent friday"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = []
        for block in response.read().decode().split("\n\n"):
            if block.strip():
                name, data = block.split("\n", 1)
                events.append((name.removeprefix("event: "), json.loads(data[6:])))
    tokens = "".join(body["text"] for name, body in events if name == "token")
    name, done = events[-1]
    assert name == "done"
    assert done["actions"] == [{"action": "created", "number": 1, "title": "Pay rent"}]
    assert tokens.strip() == done["reply"]


def _frames(client: TestClient, auth: Headers, body: dict[str, object]) -> list[tuple[str, str]]:
    """The stream's events as httpx-sse (the clients' parser) reads them."""
    from httpx_sse import connect_sse

    with connect_sse(client, "POST", f"{CHAT}/stream", headers=auth, json=body) as source:
        return [(event.event, event.data) for event in source.iter_sse()]


def test_stream_payloads_are_the_declared_schemas(client: TestClient, auth: Headers) -> None:
    """Every frame validates as its class in chat/schemas.py, and the bytes stay the ones the
    TUI and the web page have always parsed (json.dumps spacing, `pending: null` kept)."""
    from behflow_server.chat.schemas import ChatReply, ChatStreamError, ChatToken

    frames = _frames(client, auth, {"message": "add water plants tomorrow"})
    names = [name for name, _ in frames]
    assert names[-1] == "done" and set(names[:-1]) == {"token"}
    for _, data in frames[:-1]:
        assert ChatToken.model_validate_json(data).text
    reply = ChatReply.model_validate_json(frames[-1][1])
    assert reply.actions[0].title == "Water plants"
    assert '"pending": null' in frames[-1][1]

    missing = _frames(client, auth, {"message": "hi", "session_id": str(uuid.uuid4())})
    assert [name for name, _ in missing] == ["error"]
    error = ChatStreamError.model_validate_json(missing[0][1])
    assert error.code == "session_not_found" and error.message
    assert {"code", "message"} <= json.loads(missing[0][1]).keys()
