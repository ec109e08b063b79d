"""The task API over HTTP: create, read, update, complete, delete, list with filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

Headers = dict[str, str]
TASKS = "/api/v1/tasks"


def _add(client: TestClient, headers: Headers, **fields: object) -> dict:
    response = client.post(TASKS, headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def _numbers(client: TestClient, headers: Headers, **params: object) -> list[int]:
    response = client.get(TASKS, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [task["number"] for task in response.json()["items"]]


def test_create_returns_the_full_contract(client: TestClient, auth: Headers) -> None:
    task = _add(
        client,
        auth,
        title="Pay rent",
        description="to the landlord",
        due_at="2026-12-01T09:00:00+01:00",
        tags=["#Home", "money", "home"],
        project="+Life",
        priority="high",
        extra={"source": "test"},
    )
    assert task["number"] == 1
    assert task["title"] == "Pay rent"
    assert task["status"] == "not_started"
    assert task["priority"] == "high"
    assert task["due_at"] == "2026-12-01T08:00:00Z"
    assert task["tags"] == ["home", "money"]
    assert task["project"] == "Life"
    assert task["extra"] == {"source": "test"}
    assert task["completed_at"] is None and task["archived_at"] is None
    expected = {
        "id",
        "number",
        "title",
        "description",
        "status",
        "priority",
        "due_at",
        "tags",
        "project",
        "recurrence",
        "remind_at",
        "created_at",
        "updated_at",
        "completed_at",
        "archived_at",
        "extra",
    }
    assert expected <= set(task)
    fetched = client.get(f"{TASKS}/1", headers=auth).json()
    assert fetched == task


def test_numbers_are_per_user_and_never_reused(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice, bob = register("alice"), register("bob")
    assert [_add(client, alice, title=t)["number"] for t in "abc"] == [1, 2, 3]
    assert _add(client, bob, title="x")["number"] == 1
    assert client.delete(f"{TASKS}/3?hard=true", headers=alice).status_code == 204
    assert _add(client, alice, title="d")["number"] == 4


def test_natural_due_is_read_in_the_users_zone(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    berlin = register("berta", timezone="Europe/Berlin")
    task = _add(client, berlin, title="Call mom", due="2026-12-01 17:00")
    assert task["due_at"] == "2026-12-01T16:00:00Z"
    tokyo = client.post(
        TASKS,
        headers={**berlin, "X-Timezone": "Asia/Tokyo"},
        json={"title": "x", "due": "2026-12-01 17:00"},
    ).json()
    assert tokyo["due_at"] == "2026-12-01T08:00:00Z"
    relative = _add(client, berlin, title="Soon", due="in 3 days")
    due = datetime.fromisoformat(relative["due_at"])
    assert timedelta(days=2) < due - datetime.now(UTC) < timedelta(days=4)
    bad = client.post(TASKS, headers=berlin, json={"title": "x", "due": "when pigs fly"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "due"


def test_status_changes_keep_completed_at_consistent(client: TestClient, auth: Headers) -> None:
    _add(client, auth, title="Write report")
    done = client.post(f"{TASKS}/1/complete", headers=auth).json()
    assert done["status"] == "completed"
    assert done["completed_at"] is not None
    again = client.post(f"{TASKS}/1/complete", headers=auth).json()
    assert again["completed_at"] == done["completed_at"]
    reopened = client.patch(f"{TASKS}/1", headers=auth, json={"status": "in_progress"}).json()
    assert reopened["status"] == "in_progress"
    assert reopened["completed_at"] is None
    created_done = _add(client, auth, title="Already", status="completed")
    assert created_done["completed_at"] is not None


def test_patch_changes_only_what_is_sent_and_null_clears(client: TestClient, auth: Headers) -> None:
    _add(
        client,
        auth,
        title="Dentist",
        description="bring card",
        due_at="2026-12-01T10:00:00Z",
        tags=["health"],
        priority="low",
    )
    updated = client.patch(f"{TASKS}/1", headers=auth, json={"priority": "urgent"}).json()
    assert updated["priority"] == "urgent"
    assert updated["description"] == "bring card"
    assert updated["tags"] == ["health"]
    cleared = client.patch(
        f"{TASKS}/1", headers=auth, json={"due_at": None, "tags": None, "description": None}
    ).json()
    assert cleared["due_at"] is None and cleared["tags"] == [] and cleared["description"] is None
    assert cleared["updated_at"] > cleared["created_at"]
    no_title = client.patch(f"{TASKS}/1", headers=auth, json={"title": None})
    assert no_title.status_code == 422
    assert client.get(f"{TASKS}/1", headers=auth).json()["title"] == "Dentist"


def test_delete_archives_by_default_and_restore_undoes_it(
    client: TestClient, auth: Headers
) -> None:
    _add(client, auth, title="Old")
    assert client.delete(f"{TASKS}/1", headers=auth).status_code == 204
    assert _numbers(client, auth) == []
    assert _numbers(client, auth, archived="only") == [1]
    archived = client.get(f"{TASKS}/1", headers=auth).json()
    assert archived["archived_at"] is not None
    restored = client.post(f"{TASKS}/1/restore", headers=auth).json()
    assert restored["archived_at"] is None
    assert client.delete(f"{TASKS}/1?hard=true", headers=auth).status_code == 204
    assert client.get(f"{TASKS}/1", headers=auth).status_code == 404


def test_bulk_complete_and_delete_report_what_they_did(client: TestClient, auth: Headers) -> None:
    for title in "abc":
        _add(client, auth, title=title)
    result = client.post(f"{TASKS}/bulk/complete", headers=auth, json={"numbers": [1, 2, 99, 2]})
    assert result.json() == {"changed": [1, 2], "not_found": [99]}
    assert _numbers(client, auth, status="completed") == [1, 2]
    deleted = client.post(f"{TASKS}/bulk/delete", headers=auth, json={"numbers": [3]})
    assert deleted.json() == {"changed": [3], "not_found": []}
    assert _numbers(client, auth, archived="only") == [3]
    empty = client.post(f"{TASKS}/bulk/delete", headers=auth, json={"numbers": []})
    assert empty.status_code == 422


def test_filters(client: TestClient, auth: Headers) -> None:
    now = datetime.now(UTC)
    _add(
        client,
        auth,
        title="Buy milk",
        tags=["shop"],
        priority="low",
        due_at=(now + timedelta(days=1)).isoformat(),
    )
    _add(
        client,
        auth,
        title="File taxes",
        tags=["money", "admin"],
        project="Home",
        priority="urgent",
        due_at=(now - timedelta(days=2)).isoformat(),
    )
    _add(
        client, auth, title="Read book", description="The milk of human kindness", priority="medium"
    )
    _add(
        client,
        auth,
        title="Done thing",
        status="completed",
        due_at=(now - timedelta(days=5)).isoformat(),
    )
    assert _numbers(client, auth, status="completed") == [4]
    assert _numbers(client, auth, status="open", sort="number") == [1, 2, 3]
    assert _numbers(client, auth, status=["not_started", "completed"], sort="number") == [
        1,
        2,
        3,
        4,
    ]
    assert _numbers(client, auth, priority="medium", sort="number") == [2, 3]
    assert _numbers(client, auth, tag="money") == [2]
    assert _numbers(client, auth, tag=["money", "admin"]) == [2]
    assert _numbers(client, auth, tag=["money", "shop"]) == []
    assert _numbers(client, auth, project="home") == [2]
    assert _numbers(client, auth, overdue="true") == [2]
    assert _numbers(client, auth, due="overdue") == [2]
    assert _numbers(client, auth, due="tomorrow") == [1]
    assert _numbers(client, auth, due="none") == [3]
    assert _numbers(client, auth, due_before=now.isoformat(), sort="number") == [2, 4]
    assert _numbers(client, auth, search="milk", sort="number") == [1, 3]
    assert _numbers(client, auth, search="MIL") == [1, 3]
    assert _numbers(client, auth, search="taxes file") == [2]
    assert _numbers(client, auth, search="nothing-like-this") == []
    # no searchable words: no search filter at all
    assert _numbers(client, auth, search="!!! ???") == [4, 2, 1, 3]


def test_search_ignores_query_syntax(client: TestClient, auth: Headers) -> None:
    _add(client, auth, title='Fix the NEAR(bug) AND OR * "quoted"')
    for text in ['"', "AND", "NEAR(", "*", "a:b", "'); drop table tasks; --", "\\"]:
        response = client.get(TASKS, headers=auth, params={"search": text})
        assert response.status_code == 200, (text, response.text)
    assert _numbers(client, auth, search="near bug") == [1]


def test_sorting(client: TestClient, auth: Headers) -> None:
    _add(client, auth, title="b", priority="low", due_at="2026-12-03T00:00:00Z")
    _add(client, auth, title="a", priority="urgent")
    _add(client, auth, title="c", priority="high", due_at="2026-12-01T00:00:00Z")
    assert _numbers(client, auth) == [3, 1, 2]  # due first, undated last
    assert _numbers(client, auth, sort="-due") == [1, 3, 2]
    assert _numbers(client, auth, sort="-priority") == [2, 3, 1]  # highest first
    assert _numbers(client, auth, sort="priority") == [1, 3, 2]
    assert _numbers(client, auth, sort="title") == [2, 1, 3]
    assert _numbers(client, auth, sort="-number") == [3, 2, 1]
    assert _numbers(client, auth, sort="created") == [1, 2, 3]


def test_pagination_reports_the_total(client: TestClient, auth: Headers) -> None:
    for i in range(7):
        _add(client, auth, title=f"t{i}")
    page = client.get(TASKS, headers=auth, params={"limit": 3, "offset": 3, "sort": "number"})
    body = page.json()
    assert [t["number"] for t in body["items"]] == [4, 5, 6]
    assert body["total"] == 7 and body["limit"] == 3 and body["offset"] == 3
    last = client.get(TASKS, headers=auth, params={"limit": 3, "offset": 6}).json()
    assert last["total"] == 7 and len(last["items"]) == 1


def test_users_only_see_their_own_tasks(
    client: TestClient, register: Callable[..., Headers]
) -> None:
    alice, mallory = register("alice"), register("mallory")
    _add(client, alice, title="Alice's secret", tags=["private"])
    assert client.get(f"{TASKS}/1", headers=mallory).status_code == 404
    for method, path, body in [
        ("PATCH", f"{TASKS}/1", {"title": "pwned"}),
        ("POST", f"{TASKS}/1/complete", None),
        ("POST", f"{TASKS}/1/restore", None),
        ("DELETE", f"{TASKS}/1?hard=true", None),
    ]:
        response = client.request(method, path, headers=mallory, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "task_not_found"
    bulk = client.post(f"{TASKS}/bulk/delete", headers=mallory, json={"numbers": [1]})
    assert bulk.json() == {"changed": [], "not_found": [1]}
    assert client.get(TASKS, headers=mallory, params={"search": "secret"}).json()["total"] == 0
    assert client.get(TASKS, headers=mallory, params={"tag": "private"}).json()["total"] == 0
    untouched = client.get(f"{TASKS}/1", headers=alice).json()
    assert untouched["title"] == "Alice's secret"
    assert untouched["status"] == "not_started" and untouched["archived_at"] is None


@pytest.mark.parametrize(
    ("method", "path", "body", "params"),
    [
        ("POST", TASKS, {}, None),
        ("POST", TASKS, {"title": ""}, None),
        ("POST", TASKS, {"title": "   "}, None),
        ("POST", TASKS, {"title": "x" * 501}, None),
        ("POST", TASKS, {"title": 5}, None),
        ("POST", TASKS, {"title": ["a"]}, None),
        ("POST", TASKS, {"title": "x", "status": "done"}, None),
        ("POST", TASKS, {"title": "x", "priority": "p9"}, None),
        ("POST", TASKS, {"title": "x", "due_at": "not a date"}, None),
        ("POST", TASKS, {"title": "x", "due_at": "2026-13-45T99:00:00"}, None),
        ("POST", TASKS, {"title": "x", "tags": "home"}, None),
        ("POST", TASKS, {"title": "x", "tags": ["has space"]}, None),
        ("POST", TASKS, {"title": "x", "tags": [""]}, None),
        ("POST", TASKS, {"title": "x", "recurrence": "every blue moon"}, None),
        ("POST", TASKS, {"title": "x", "extra": [1, 2]}, None),
        ("POST", TASKS, {"title": "x", "description": "d" * 20_001}, None),
        ("POST", TASKS, [1, 2, 3], None),
        ("PATCH", f"{TASKS}/1", {"status": "finished"}, None),
        ("GET", f"{TASKS}/abc", None, None),
        ("GET", f"{TASKS}/0", None, None),
        ("GET", f"{TASKS}/99999999999999999999999", None, None),
        ("GET", TASKS, None, {"status": "nope"}),
        ("GET", TASKS, None, {"priority": "mega"}),
        ("GET", TASKS, None, {"sort": "colour"}),
        ("GET", TASKS, None, {"limit": 0}),
        ("GET", TASKS, None, {"limit": 100000}),
        ("GET", TASKS, None, {"offset": -1}),
        ("GET", TASKS, None, {"due_before": "yesterday-ish"}),
        ("GET", TASKS, None, {"due": "the twelfth of never"}),
        ("GET", TASKS, None, {"archived": "maybe"}),
        ("GET", TASKS, None, {"overdue": "perhaps"}),
        ("POST", f"{TASKS}/bulk/complete", {"numbers": ["a"]}, None),
        ("POST", f"{TASKS}/bulk/complete", {"numbers": [-1]}, None),
    ],
)
def test_bad_input_is_a_4xx_json_error(
    client: TestClient, auth: Headers, method: str, path: str, body: object, params: object
) -> None:
    _add(client, auth, title="keep me")
    response = client.request(method, path, headers=auth, json=body, params=params)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert client.get(f"{TASKS}/1", headers=auth).json()["title"] == "keep me"


def test_malformed_bodies(client: TestClient, auth: Headers) -> None:
    raw = client.post(TASKS, headers={**auth, "Content-Type": "application/json"}, content=b"{bad")
    assert raw.status_code == 400
    assert raw.json()["error"]["code"] == "invalid_json"
    huge = client.post(
        TASKS,
        headers={**auth, "Content-Type": "application/json"},
        content=b'{"title": "' + b"x" * 2_000_000 + b'"}',
    )
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "payload_too_large"
    binary = client.post(
        TASKS, headers={**auth, "Content-Type": "application/json"}, content=b"\xff\xfe\x00garbage"
    )
    assert binary.status_code == 400
    unknown = client.get("/api/v1/nothing-here", headers=auth)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    wrong_method = client.put(TASKS, headers=auth, json={})
    assert wrong_method.status_code == 405


def test_list_totals_follow_every_kind_of_change(client: TestClient, auth: Headers) -> None:
    def total(**params: object) -> int:
        response = client.get(TASKS, headers=auth, params={"limit": 1, **params})
        return int(response.json()["total"])

    for title in ("a", "b", "c"):
        _add(client, auth, title=title)
    assert total() == 3 and total(status="completed") == 0
    _add(client, auth, title="d")
    assert total() == 4
    client.post(f"{TASKS}/1/complete", headers=auth)
    assert total(status="completed") == 1 and total(status="open") == 3
    client.patch(f"{TASKS}/2", headers=auth, json={"tags": ["x"]})
    assert total(tag="x") == 1
    client.delete(f"{TASKS}/3", headers=auth)
    assert total() == 3 and total(archived="only") == 1
    client.post(f"{TASKS}/3/restore", headers=auth)
    assert total() == 4
    client.delete(f"{TASKS}/4?hard=true", headers=auth)
    assert total(archived="include") == 3


def test_nul_characters_are_refused_not_a_server_error(client: TestClient, auth: Headers) -> None:
    # PostgreSQL cannot store NUL in text; SQLite can. Either way: no 500.
    created = client.post(TASKS, headers=auth, json={"title": "a\u0000b"})
    assert created.status_code in (201, 422)
    for params in ({"project": "a\x00b"}, {"search": "a\x00b"}, {"tag": "x\x00"}):
        assert client.get(TASKS, headers=auth, params=params).status_code in (200, 422)
    login = client.post("/login", json={"username": "a\u0000b", "password": "whatever"})
    assert login.status_code in (401, 422)


def test_reminders_absolute_or_relative_to_the_due_time(client: TestClient, auth: Headers) -> None:
    task = _add(
        client, auth, title="Dentist", due_at="2026-12-01T10:00:00Z", remind="30 minutes before"
    )
    assert task["remind_at"] == "2026-12-01T09:30:00Z"
    moved = client.patch(
        f"{TASKS}/1",
        headers=auth,
        json={"due_at": "2026-12-02T10:00:00Z", "remind": "1 day before"},
    ).json()
    assert moved["remind_at"] == "2026-12-01T10:00:00Z"
    absolute = client.patch(f"{TASKS}/1", headers=auth, json={"remind": "2026-11-30 08:00"}).json()
    assert absolute["remind_at"] == "2026-11-30T08:00:00Z"
    quick = client.post(
        f"{TASKS}/quick",
        headers=auth,
        json={"text": "Call mom 2026-12-05 17:00", "remind": "an hour before"},
    ).json()
    assert quick["remind_at"] == "2026-12-05T16:00:00Z"
    undated = client.post(TASKS, headers=auth, json={"title": "x", "remind": "10 minutes before"})
    assert undated.status_code == 422
    assert undated.json()["error"]["details"]["field"] == "remind"
    unreadable = client.patch(f"{TASKS}/1", headers=auth, json={"remind": "whenever, really"})
    assert unreadable.status_code == 422
    assert client.get(f"{TASKS}/1", headers=auth).json()["remind_at"] == "2026-11-30T08:00:00Z"
