"""The filter language, saved filters and contexts over HTTP (both databases)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

AuthHeaders = dict[str, str]


def _add(client: TestClient, auth: AuthHeaders, **fields: object) -> int:
    response = client.post("/api/v1/tasks", json=fields, headers=auth)
    assert response.status_code == 201, response.text
    number: int = response.json()["number"]
    return number


def _numbers(client: TestClient, auth: AuthHeaders, **params: str) -> list[int]:
    response = client.get("/api/v1/tasks", params=params, headers=auth)
    assert response.status_code == 200, response.text
    return sorted(task["number"] for task in response.json()["items"])


def test_q_filters_saved_filters_and_contexts(client: TestClient, auth: AuthHeaders) -> None:
    report = _add(client, auth, title="Quarterly report", project="work", tags=["urgent"])
    offsite = _add(client, auth, title="Plan offsite", project="work.q1", due="today")
    milk = _add(client, auth, title="Buy milk", project="home", tags=["urgent"])

    # q, combined with AND with the other parameters
    assert _numbers(client, auth, q="project:work") == [report, offsite]
    assert _numbers(client, auth, q="project:work", tag="urgent") == [report]
    assert _numbers(client, auth, q="+urgent or due:today") == [report, offsite, milk]
    assert _numbers(client, auth, q="quarterly") == [report]
    export = client.get("/api/v1/export", params={"q": "-project:work"}, headers=auth)
    assert [t["title"] for t in export.json()] == ["Buy milk"]

    # an invalid filter: 422 invalid_filter pointing at the token
    bad = client.get("/api/v1/tasks", params={"q": "project:work prio:high"}, headers=auth)
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid_filter"
    assert error["details"] == {"position": 13, "token": "prio:high"}
    assert error["message"] == "unknown field 'prio' at 13; did you mean 'priority'?"
    too_long = client.get("/api/v1/tasks", params={"q": "x" * 1001}, headers=auth)
    assert too_long.status_code == 422

    # saved filters: CRUD, validated on save, used with ?filter=
    made = client.post(
        "/api/v1/filters",
        json={"name": "Today-Work", "query": "due:today project:work"},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "today-work"
    assert _numbers(client, auth, filter="today-work") == [offsite]
    assert _numbers(client, auth, filter="today-work", q="offsite") == [offsite]
    invalid = client.post("/api/v1/filters", json={"name": "x", "query": "due:"}, headers=auth)
    assert invalid.status_code == 201
    bad_save = client.post("/api/v1/filters", json={"name": "y", "query": "(a"}, headers=auth)
    assert bad_save.json()["error"]["code"] == "invalid_filter"
    dup = client.post("/api/v1/filters", json={"name": "x", "query": "a"}, headers=auth)
    assert dup.status_code == 409
    assert (
        client.post(
            "/api/v1/filters", json={"name": "none", "query": "a"}, headers=auth
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/filters", json={"name": "has space", "query": "a"}, headers=auth
        ).status_code
        == 422
    )
    changed = client.put("/api/v1/filters/x", json={"query": "+urgent"}, headers=auth)
    assert changed.json()["query"] == "+urgent"
    names = [f["name"] for f in client.get("/api/v1/filters", headers=auth).json()["items"]]
    assert names == ["today-work", "x"]
    assert client.delete("/api/v1/filters/x", headers=auth).status_code == 204
    assert client.get("/api/v1/filters/x", headers=auth).status_code == 404
    missing = client.get("/api/v1/tasks", params={"filter": "nope"}, headers=auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "filter_not_found"

    # contexts: scope reads and counts, give new tasks their project and tags
    defined = client.post(
        "/api/v1/filters",
        json={"name": "work", "query": "project:work +office", "context": True},
        headers=auth,
    )
    assert defined.status_code == 201
    assert client.get("/api/v1/context", headers=auth).json()["name"] is None
    state = client.put("/api/v1/context", json={"name": "work"}, headers=auth).json()
    assert state == {
        "name": "work",
        "query": "project:work +office",
        "project": "work",
        "tags": ["office"],
    }
    assert _numbers(client, auth) == []  # nothing is tagged office yet
    added = client.post(
        "/api/v1/tasks", json={"title": "Desk", "tags": ["chair"]}, headers=auth
    ).json()
    assert (added["project"], added["tags"]) == ("work", ["chair", "office"])
    own = client.post(
        "/api/v1/tasks", json={"title": "Home desk", "project": "home"}, headers=auth
    ).json()
    assert own["project"] == "home"  # a project given wins over the context's
    assert _numbers(client, auth) == [added["number"]]
    imported = client.post(
        "/api/v1/import",
        params={"format": "json"},
        content='[{"title": "Imported"}]',
        headers={**auth, "Content-Type": "text/plain"},
    )
    assert imported.status_code == 200, imported.text
    every_task = client.get("/api/v1/export", params={"context": "none"}, headers=auth).json()
    assert [(t["project"], t["tags"]) for t in every_task if t["title"] == "Imported"] == [
        (None, [])
    ]  # import keeps the file's fields: no context defaults
    assert len(_numbers(client, auth, context="none")) == 6
    projects = client.get("/api/v1/projects", headers=auth).json()["items"]
    assert [p["name"] for p in projects] == ["work"]
    every = client.get("/api/v1/projects", params={"context": "none"}, headers=auth).json()
    assert [p["name"] for p in every["items"]] == ["home", "work", "work.q1"]
    assert client.get("/api/v1/tasks", params={"context": "x"}, headers=auth).status_code == 422
    listed = client.get("/api/v1/filters", params={"context": "true"}, headers=auth).json()
    assert [(f["name"], f["active"]) for f in listed["items"]] == [("work", True)]
    assert client.delete("/api/v1/context", headers=auth).status_code == 204
    assert client.get("/api/v1/context", headers=auth).json()["name"] is None
    assert len(_numbers(client, auth)) == 6


def test_another_users_filters_are_not_found(
    client: TestClient, register: Callable[..., AuthHeaders]
) -> None:
    alice, bob = register("alice"), register("bob")
    client.post("/api/v1/filters", json={"name": "mine", "query": "+secret"}, headers=alice)
    _add(client, alice, title="Alice's secret", tags=["secret"])
    client.put("/api/v1/context", json={"name": "mine"}, headers=alice)
    assert client.get("/api/v1/filters", headers=bob).json()["items"] == []
    for method, path in [
        ("GET", "/api/v1/filters/mine"),
        ("PUT", "/api/v1/filters/mine"),
        ("DELETE", "/api/v1/filters/mine"),
    ]:
        response = client.request(method, path, json={"query": "x"}, headers=bob)
        assert response.status_code == 404, (method, response.text)
    assert client.put("/api/v1/context", json={"name": "mine"}, headers=bob).status_code == 404
    assert client.get("/api/v1/tasks", params={"filter": "mine"}, headers=bob).status_code == 404
    # Alice's context neither scopes nor fills Bob's tasks
    assert client.get("/api/v1/context", headers=bob).json()["name"] is None
    bobs = client.post("/api/v1/tasks", json={"title": "Bob's"}, headers=bob).json()
    assert bobs["tags"] == []
    assert _numbers(client, bob, q="+secret") == []
    assert client.get("/api/v1/filters/mine", headers=alice).json()["active"] is True
