"""History and undo over the API (issue #14): changesets, undo/redo, conflicts, ownership."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Headers = dict[str, str]
TASKS = "/api/v1/tasks"
HISTORY = "/api/v1/history"


def _add(client: TestClient, headers: Headers, **fields: object) -> dict:
    response = client.post(TASKS, headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def _history(client: TestClient, headers: Headers) -> list[dict]:
    response = client.get(HISTORY, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_patch_undo_redo_and_conflict(client: TestClient, register: Callable[..., Headers]) -> None:
    alice = {**register("alice"), "X-Behflow-Client": "cli/0.1"}
    web = {**alice, "X-Behflow-Client": "web"}
    task = _add(client, alice, title="Pay rent", priority="low")
    n = task["number"]
    assert client.patch(f"{TASKS}/{n}", headers=web, json={"priority": "high"}).status_code == 200
    newest = _history(client, alice)[0]
    assert newest["client"] == "web"
    assert newest["changes"][0]["fields"] == [
        {"field": "priority", "before": "low", "after": "high"}
    ]

    undone = client.post(f"{HISTORY}/undo", headers=alice)
    assert undone.status_code == 200, undone.text
    assert undone.json()["reverted"]["summary"] == "updated #1 Pay rent"
    assert client.get(f"{TASKS}/{n}", headers=alice).json()["priority"] == "low"
    redone = client.post(f"{HISTORY}/redo", headers=alice)
    assert redone.status_code == 200, redone.text
    assert client.get(f"{TASKS}/{n}", headers=alice).json()["priority"] == "high"

    # A later change to the same field makes undoing the earlier one a conflict.
    client.patch(f"{TASKS}/{n}", headers=web, json={"title": "Pay the rent", "priority": "low"})
    client.patch(f"{TASKS}/{n}", headers=alice, json={"priority": "urgent"})
    earlier = _history(client, alice)[1]
    assert earlier["client"] == "web"
    conflict = client.post(f"{HISTORY}/undo", headers=alice, json={"changeset": earlier["id"]})
    assert conflict.status_code == 409, conflict.text
    error = conflict.json()["error"]
    assert error["code"] == "history_conflict"
    assert error["details"]["conflicts"] == [{"number": n, "fields": ["priority"]}]

    forced = client.post(
        f"{HISTORY}/undo", headers=alice, json={"changeset": earlier["id"], "force": True}
    )
    assert forced.status_code == 200, forced.text
    after = client.get(f"{TASKS}/{n}", headers=alice).json()
    assert (after["title"], after["priority"]) == ("Pay rent", "high")
    again = client.post(f"{HISTORY}/undo", headers=alice, json={"changeset": earlier["id"]})
    assert again.json()["error"]["code"] == "already_undone"
    # Redo after a new change (not an undo) is refused.
    client.patch(f"{TASKS}/{n}", headers=alice, json={"priority": "none"})
    refused = client.post(f"{HISTORY}/redo", headers=alice)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "nothing_to_redo"


def test_hard_delete_create_and_ownership(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice, bob = register("alice"), register("bob")
    _add(client, alice, title="Keep me", tags=["home"], due="2030-01-02 09:00")
    assert client.delete(f"{TASKS}/1", headers=alice, params={"hard": "true"}).status_code == 204
    log = client.get(f"{TASKS}/1/history", headers=alice).json()["items"]
    assert [e["action"] for e in log] == ["deleted", "created"]

    # Bob sees none of it and cannot undo it, by id or by default.
    assert client.get(HISTORY, headers=bob).json() == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }
    assert client.get(f"{TASKS}/1/history", headers=bob).status_code == 404
    target = _history(client, alice)[0]["id"]
    stolen = client.post(f"{HISTORY}/undo", headers=bob, json={"changeset": target})
    assert stolen.status_code == 404
    assert stolen.json()["error"]["code"] == "changeset_not_found"
    assert client.post(f"{HISTORY}/undo", headers=bob).json()["error"]["code"] == "nothing_to_undo"

    # Undoing the hard delete brings the row back, same number and fields.
    assert client.post(f"{HISTORY}/undo", headers=alice).status_code == 200
    back = client.get(f"{TASKS}/1", headers=alice).json()
    assert (back["title"], back["tags"], back["due_at"]) == (
        "Keep me",
        ["home"],
        "2030-01-02T09:00:00Z",
    )
    # Redo deletes it for good again; undoing that redo restores it once more.
    assert client.post(f"{HISTORY}/redo", headers=alice).status_code == 200
    assert client.get(f"{TASKS}/1", headers=alice).status_code == 404
    assert client.post(f"{HISTORY}/undo", headers=alice).status_code == 200
    assert client.get(f"{TASKS}/1", headers=alice).status_code == 200

    # Undoing a create archives the task (it stays restorable).
    _add(client, alice, title="Oops")
    assert client.post(f"{HISTORY}/undo", headers=alice).status_code == 200
    assert client.get(f"{TASKS}/2", headers=alice).json()["archived_at"] is not None
    # The next task still gets a new number: numbers are never reused.
    assert _add(client, alice, title="Next")["number"] == 3


def test_old_changesets_are_pruned(client: TestClient, register: Callable[..., Headers]) -> None:
    from datetime import timedelta

    from behflow_server.db import utcnow
    from behflow_server.tasks import history

    auth = register()
    _add(client, auth, title="Old news")
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.db.session() as session:
        assert history.prune(session, utcnow() - timedelta(days=1)) == 0
        assert history.prune(session, utcnow() + timedelta(seconds=1)) == 1
    assert client.get(HISTORY, headers=auth).json()["total"] == 0
    assert client.get(f"{TASKS}/1/history", headers=auth).json()["items"] == []


def test_undoing_a_hard_delete_brings_back_the_notes_of_the_whole_subtree(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice = register()
    _add(client, alice, title="Move house")
    _add(client, alice, title="Pack books", parent=1)
    for number, body in ((1, "Keys from the *agent*"), (2, "Boxes in the cellar")):
        added = client.post(f"{TASKS}/{number}/notes", headers=alice, json={"body": body})
        assert added.status_code == 201, added.text

    def notes(number: int) -> list[str]:
        response = client.get(f"{TASKS}/{number}/notes", headers=alice)
        assert response.status_code == 200, response.text
        return [n["body"] for n in response.json()["items"]]

    assert client.delete(f"{TASKS}/1", headers=alice, params={"hard": "true"}).status_code == 204
    assert client.get(f"{TASKS}/2", headers=alice).status_code == 404
    assert client.post(f"{HISTORY}/undo", headers=alice).status_code == 200
    assert (notes(1), notes(2)) == (["Keys from the *agent*"], ["Boxes in the cellar"])
    assert client.post(f"{HISTORY}/redo", headers=alice).status_code == 200
    assert client.get(f"{TASKS}/1/notes", headers=alice).status_code == 404
    assert client.post(f"{HISTORY}/undo", headers=alice).status_code == 200
    assert (notes(1), notes(2)) == (["Keys from the *agent*"], ["Boxes in the cellar"])
