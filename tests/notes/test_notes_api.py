"""Notes on a task over HTTP: add, list, edit, delete, bounds, privacy, events, search."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from behflow_server.notes.models import MAX_NOTE_LENGTH

Headers = dict[str, str]
TASKS = "/api/v1/tasks"


def _task(client: TestClient, headers: Headers, title: str, **fields: object) -> int:
    response = client.post(TASKS, headers=headers, json={"title": title, **fields})
    assert response.status_code == 201, response.text
    number: int = response.json()["number"]
    return number


def _note(client: TestClient, headers: Headers, number: int, body: str) -> dict:
    response = client.post(f"{TASKS}/{number}/notes", headers=headers, json={"body": body})
    assert response.status_code == 201, response.text
    note: dict = response.json()
    return note


def _search(client: TestClient, headers: Headers, text: str) -> list[int]:
    response = client.get(TASKS, headers=headers, params={"search": text})
    assert response.status_code == 200, response.text
    return [task["number"] for task in response.json()["items"]]


def test_add_list_edit_delete(client: TestClient, auth: Headers) -> None:
    number = _task(client, auth, "Fix the heating")
    first = _note(client, auth, number, "  called the **landlord**  ")
    second = _note(client, auth, number, "plumber comes *friday*")
    assert first["body"] == "called the **landlord**"
    assert first["task_number"] == number
    assert set(first) == {"id", "task_number", "body", "created_at", "updated_at"}
    listed = client.get(f"{TASKS}/{number}/notes", headers=auth).json()["items"]
    assert [n["id"] for n in listed] == [first["id"], second["id"]]

    short = first["id"].replace("-", "")[:8]
    edited = client.patch(f"{TASKS}/{number}/notes/{short}", headers=auth, json={"body": "done"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["id"] == first["id"] and edited.json()["body"] == "done"
    assert edited.json()["updated_at"] >= first["updated_at"]

    gone = client.delete(f"{TASKS}/{number}/notes/{second['id']}", headers=auth)
    assert gone.status_code == 204
    again = client.delete(f"{TASKS}/{number}/notes/{second['id']}", headers=auth)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "note_not_found"
    listed = client.get(f"{TASKS}/{number}/notes", headers=auth).json()["items"]
    assert [n["body"] for n in listed] == ["done"]


def test_bad_input_is_a_clear_422_and_missing_task_404(client: TestClient, auth: Headers) -> None:
    number = _task(client, auth, "Bounds")
    for body in ("   ", "", "x" * (MAX_NOTE_LENGTH + 1)):
        response = client.post(f"{TASKS}/{number}/notes", headers=auth, json={"body": body})
        assert response.status_code == 422, body[:10]
        assert "error" in response.json()
    response = client.post(f"{TASKS}/999/notes", headers=auth, json={"body": "hi"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "task_not_found"
    response = client.patch(f"{TASKS}/{number}/notes/zzzz", headers=auth, json={"body": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_note_id"


def test_a_task_keeps_a_bounded_number_of_notes(
    client: TestClient, auth: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from behflow_server.notes import service

    number = _task(client, auth, "Chatty")
    monkeypatch.setattr(service, "MAX_NOTES_PER_TASK", 2)
    _note(client, auth, number, "one")
    _note(client, auth, number, "two")
    response = client.post(f"{TASKS}/{number}/notes", headers=auth, json={"body": "three"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_notes"


def test_another_user_cannot_read_or_change_notes(
    client: TestClient, auth: Headers, register: Callable[..., Headers]
) -> None:
    number = _task(client, auth, "Private")
    note = _note(client, auth, number, "secret plan")
    other = register("bob")
    _task(client, other, "Bob's own #1")  # bob has a task with the same number
    url = f"{TASKS}/{number}/notes"
    assert client.get(url, headers=other).json()["items"] == []
    for method in ("patch", "delete"):
        response = client.request(method, f"{url}/{note['id']}", headers=other, json={"body": "x"})
        assert response.status_code == 404, method
    assert _search(client, other, "secret") == []
    assert client.get(url, headers=auth).json()["items"][0]["body"] == "secret plan"


def test_search_matches_note_text_word_by_word(client: TestClient, auth: Headers) -> None:
    heating = _task(client, auth, "Fix the heating")
    _note(client, auth, heating, "Called the landlord about the boiler")
    rent = _task(client, auth, "Pay rent", description="landlord wants cash")
    _task(client, auth, "Unrelated")
    assert _search(client, auth, "boil") == [heating]
    assert sorted(_search(client, auth, "landlord")) == [heating, rent]
    # One word from the title, one from a note.
    assert _search(client, auth, "heating landl") == [heating]
    assert _search(client, auth, "rent boiler") == []
    # An edit or a delete changes what is found (and the cached totals move with it).
    note_id = client.get(f"{TASKS}/{heating}/notes", headers=auth).json()["items"][0]["id"]
    client.patch(f"{TASKS}/{heating}/notes/{note_id}", headers=auth, json={"body": "radiator"})
    assert _search(client, auth, "boiler") == []
    assert _search(client, auth, "radiator") == [heating]
    client.delete(f"{TASKS}/{heating}/notes/{note_id}", headers=auth)
    assert _search(client, auth, "radiator") == []


def test_notes_go_when_the_task_is_deleted_for_good(client: TestClient, auth: Headers) -> None:
    number = _task(client, auth, "Temporary")
    _note(client, auth, number, "ephemeral words")
    assert (
        client.delete(f"{TASKS}/{number}", headers=auth, params={"hard": True}).status_code == 204
    )
    assert _search(client, auth, "ephemeral") == []
    assert client.get(f"{TASKS}/{number}/notes", headers=auth).status_code == 404


def test_note_changes_are_events(client: TestClient, auth: Headers) -> None:
    from sqlmodel import col, select

    from behflow_server.events.models import Event

    number = _task(client, auth, "Evented")
    note = _note(client, auth, number, "first")
    client.patch(f"{TASKS}/{number}/notes/{note['id']}", headers=auth, json={"body": "second"})
    client.delete(f"{TASKS}/{number}/notes/{note['id']}", headers=auth)
    with client.app.state.context.db.session() as session:  # type: ignore[attr-defined]
        events = session.exec(
            select(Event).where(col(Event.type).startswith("task.note_")).order_by(col(Event.id))
        ).all()
    assert [e.type for e in events] == ["task.note_added", "task.note_updated", "task.note_deleted"]
    assert events[0].data["note"]["body"] == "first"
    assert events[0].data["task"]["number"] == number
    assert events[1].data["note"]["body"] == "second"
