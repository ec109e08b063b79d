"""Subtasks (issue #14) through the API: parent rules, progress, completing, archiving,
recurring parents and the tree, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from behflow_server.tasks.quickadd import parse_text
from tests.conftest import AuthHeaders

API = "/api/v1/tasks"


def _add(client: TestClient, auth: AuthHeaders, title: str, **fields: Any) -> dict[str, Any]:
    response = client.post(API, json={"title": title, **fields}, headers=auth)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _get(client: TestClient, auth: AuthHeaders, number: int) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"{API}/{number}", headers=auth).json()
    return body


def test_parent_rules_and_progress(client: TestClient, auth: AuthHeaders) -> None:
    trip = _add(client, auth, "Trip")
    pack = _add(client, auth, "Pack", parent=trip["number"])
    socks = _add(client, auth, "Socks", parent=pack["number"], status="completed")
    _add(client, auth, "Tickets", parent=trip["number"])
    assert pack["parent"] == trip["number"]
    assert _get(client, auth, trip["number"])["subtasks"] == {"done": 0, "total": 2}
    assert _get(client, auth, pack["number"])["subtasks"] == {"done": 1, "total": 1}
    # A page reads parent and progress for every row.
    page = {t["number"]: t for t in client.get(API, headers=auth).json()["items"]}
    assert page[socks["number"]]["parent"] == pack["number"]
    assert page[trip["number"]]["subtasks"] == {"done": 0, "total": 2}
    assert page[socks["number"]]["subtasks"] == {"done": 0, "total": 0}

    # No cycles: a task cannot go under itself or under one of its subtasks.
    for parent in (trip["number"], socks["number"]):
        response = client.patch(f"{API}/{trip['number']}", json={"parent": parent}, headers=auth)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "parent_cycle"
    # Unknown parent: 404, and no number is used up.
    response = client.post(API, json={"title": "x", "parent": 999}, headers=auth)
    assert response.status_code == 404
    assert response.json()["error"]["details"]["field"] == "parent"
    # Depth: five levels at most (Trip > Pack > Socks > L4 > L5).
    l4 = _add(client, auth, "L4", parent=socks["number"])
    l5 = _add(client, auth, "L5", parent=l4["number"])
    response = client.post(API, json={"title": "L6", "parent": l5["number"]}, headers=auth)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "subtask_too_deep"
    # Moving a subtree counts its own height too.
    other = _add(client, auth, "Other")
    response = client.patch(f"{API}/{other['number']}", json={"parent": l5["number"]}, headers=auth)
    assert response.json()["error"]["code"] == "subtask_too_deep"
    response = client.patch(
        f"{API}/{trip['number']}", json={"parent": other["number"]}, headers=auth
    )
    assert response.json()["error"]["code"] == "subtask_too_deep"
    # Detach with null.
    response = client.patch(f"{API}/{pack['number']}", json={"parent": None}, headers=auth)
    assert response.status_code == 200 and response.json()["parent"] is None
    assert _get(client, auth, trip["number"])["subtasks"] == {"done": 0, "total": 1}


def test_completing_a_parent_asks_about_open_subtasks(
    client: TestClient, auth: AuthHeaders
) -> None:
    parent = _add(client, auth, "Parent")["number"]
    a = _add(client, auth, "A", parent=parent)["number"]
    b = _add(client, auth, "B", parent=a)["number"]
    done = _add(client, auth, "Done", parent=parent, status="completed")["number"]

    for request in (
        lambda: client.post(f"{API}/{parent}/complete", headers=auth),
        lambda: client.patch(f"{API}/{parent}", json={"status": "completed"}, headers=auth),
        lambda: client.post(f"{API}/bulk/complete", json={"numbers": [parent, a]}, headers=auth),
    ):
        response = request()
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "open_subtasks"
        assert set(error["details"]["open_subtasks"]) <= {a, b}
        assert "subtasks=complete" in error["message"]
    assert _get(client, auth, parent)["status"] == "not_started"
    assert _get(client, auth, a)["status"] == "not_started"  # the bulk changed nothing

    # Leave: only the parent.
    response = client.post(f"{API}/{parent}/complete?subtasks=leave", headers=auth)
    assert response.json()["status"] == "completed"
    assert _get(client, auth, a)["status"] == "not_started"
    client.post(f"{API}/{parent}/reopen", headers=auth)
    # Complete: the whole open subtree, in the same request.
    response = client.patch(
        f"{API}/{parent}?subtasks=complete", json={"status": "completed"}, headers=auth
    )
    assert response.status_code == 200
    assert response.json()["subtasks"] == {"done": 2, "total": 2}
    assert {_get(client, auth, n)["status"] for n in (a, b, done)} == {"completed"}
    # A bulk that names every open subtask needs no parameter.
    p2 = _add(client, auth, "P2")["number"]
    c2 = _add(client, auth, "C2", parent=p2)["number"]
    response = client.post(f"{API}/bulk/complete", json={"numbers": [p2, c2]}, headers=auth)
    assert response.status_code == 200 and response.json()["changed"] == [p2, c2]
    response = client.post(f"{API}/{p2}/complete?subtasks=maybe", headers=auth)
    assert response.status_code == 422


def test_archive_restore_and_hard_delete_take_the_subtree(
    client: TestClient, auth: AuthHeaders
) -> None:
    parent = _add(client, auth, "Parent")["number"]
    child = _add(client, auth, "Child", parent=parent)["number"]
    grandchild = _add(client, auth, "Grandchild", parent=child)["number"]
    alone = _add(client, auth, "Archived alone", parent=parent)["number"]
    assert client.delete(f"{API}/{alone}", headers=auth).status_code == 204

    assert client.delete(f"{API}/{parent}", headers=auth).status_code == 204
    assert all(_get(client, auth, n)["archived_at"] for n in (parent, child, grandchild))
    response = client.post(API, json={"title": "late", "parent": parent}, headers=auth)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "parent_archived"

    client.post(f"{API}/{parent}/restore", headers=auth)
    assert not any(_get(client, auth, n)["archived_at"] for n in (parent, child, grandchild))
    assert _get(client, auth, alone)["archived_at"]  # archived before, on its own: stays

    assert client.delete(f"{API}/{parent}?hard=true", headers=auth).status_code == 204
    for number in (parent, child, grandchild, alone):
        assert client.get(f"{API}/{number}", headers=auth).status_code == 404


def test_recurring_parent_brings_its_subtasks_back_reopened(
    client: TestClient, auth: AuthHeaders
) -> None:
    due = "2030-01-07T09:00:00Z"
    weekly = _add(client, auth, "Weekly review", due_at=due, recurrence="FREQ=WEEKLY")
    inbox = _add(client, auth, "Inbox", parent=weekly["number"], due_at="2030-01-07T08:00:00Z")
    _add(client, auth, "Mail", parent=inbox["number"])
    gone = _add(client, auth, "Gone", parent=weekly["number"])
    client.delete(f"{API}/{gone['number']}", headers=auth)

    response = client.post(f"{API}/{weekly['number']}/complete?subtasks=complete", headers=auth)
    assert response.status_code == 200
    tree = client.get(f"{API}/tree", params={"status": "open"}, headers=auth).json()["items"]
    shape = [(n["title"], n["depth"], n["status"]) for n in tree]
    assert shape == [
        ("Weekly review", 0, "not_started"),
        ("Inbox", 1, "not_started"),
        ("Mail", 2, "not_started"),
    ]
    assert tree[0]["number"] != weekly["number"] and tree[0]["due_at"].startswith("2030-01-14")
    assert tree[1]["due_at"].startswith("2030-01-14T08:00")  # moved as far as the parent
    assert tree[0]["subtasks"] == {"done": 0, "total": 1}


def test_tree_order_filters_and_root(client: TestClient, auth: AuthHeaders) -> None:
    a = _add(client, auth, "A")["number"]
    a1 = _add(client, auth, "A1", parent=a, tags=["x"])["number"]
    _add(client, auth, "A1a", parent=a1)
    b = _add(client, auth, "B")["number"]
    _add(client, auth, "B1", parent=b)

    def tree(**params: Any) -> list[tuple[str, int, bool]]:
        response = client.get(f"{API}/tree", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [(n["title"], n["depth"], n["match"]) for n in response.json()["items"]]

    assert tree(sort="number") == [
        ("A", 0, True),
        ("A1", 1, True),
        ("A1a", 2, True),
        ("B", 0, True),
        ("B1", 1, True),
    ]
    # A matching subtask comes with its ancestors.
    assert tree(tag="x") == [("A", 0, False), ("A1", 1, True)]
    assert tree(root=a1) == [("A1", 0, True), ("A1a", 1, True)]
    assert client.get(f"{API}/tree?root=999", headers=auth).status_code == 404


def test_another_user_cannot_see_or_use_my_tasks_as_parents(
    client: TestClient, register: Callable[..., AuthHeaders]
) -> None:
    alice, bob = register("alice"), register("bob")
    parent = _add(client, alice, "Alice's")["number"]
    child = _add(client, alice, "Alice's child", parent=parent)["number"]
    mine = _add(client, bob, "Bob's")["number"]
    response = client.post(API, json={"title": "sneaky", "parent": child}, headers=bob)
    assert response.status_code == 404
    response = client.patch(f"{API}/{mine}", json={"parent": child}, headers=bob)
    assert response.status_code == 404
    assert client.get(f"{API}/tree?root={child}", headers=bob).status_code == 404
    assert [n["title"] for n in client.get(f"{API}/tree", headers=bob).json()["items"]] == ["Bob's"]


@pytest.mark.parametrize(
    ("text", "title", "parent"),
    [
        ("Buy tape subtask of #12", "Buy tape", 12),
        ("pack socks as a subtask of task 7", "Pack socks", 7),
        ("Hide gifts under #3 #xmas", "Hide gifts", 3),
        ("wait under 5 minutes", "Wait under 5 minutes", None),  # no "#": not a parent
        ("call #12", "Call", None),  # a tag
        ('"subtask of #4" notes', "subtask of #4 notes", None),  # quoted: literal
    ],
)
def test_quick_add_reads_a_parent(text: str, title: str, parent: int | None) -> None:
    parsed = parse_text(text, ZoneInfo("UTC"))
    assert (parsed.title, parsed.parent) == (title, parent)


def test_behflows_own_files_keep_subtasks(
    client: TestClient, register: Callable[..., AuthHeaders]
) -> None:
    """Exported from one account, imported into another (JSON, then CSV into a third): each
    subtask hangs under the task its parent became (numbers differ between the accounts)."""
    alice = register("alice")
    trip = _add(client, alice, "Trip")["number"]
    pack = _add(client, alice, "Pack", parent=trip)["number"]
    _add(client, alice, "Socks", parent=pack)
    for fmt in ("json", "csv"):
        other = register(f"other-{fmt}")
        _add(client, other, "Own first task")  # its numbers are taken apart from Alice's
        text = client.get("/api/v1/export", params={"format": fmt}, headers=alice).text
        for headers in (other, alice):  # into the other account, then back into Alice's
            response = client.post(
                "/api/v1/import",
                params={"format": fmt},
                content=text.encode(),
                headers={**headers, "Content-Type": "text/plain"},
            )
            assert response.status_code == 200, response.text
        # Imported again into Alice's: the same tasks, nothing duplicated or moved.
        assert response.json()["created"] == 0 and response.json()["updated"] == 0, fmt
        tree = client.get(f"{API}/tree", params={"sort": "number"}, headers=other).json()
        assert [(n["title"], n["depth"]) for n in tree["items"]] == [
            ("Own first task", 0),
            ("Trip", 0),
            ("Pack", 1),
            ("Socks", 2),
        ], fmt
