"""/api/v1/processes, /api/v1/stats, /api/v1/webhooks and task skipping over HTTP: the happy
paths, isolation between accounts, and bad input answered with a clear 4xx."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Headers = dict[str, str]


def test_process_lifecycle(client: TestClient, auth: Headers) -> None:
    listed = client.get("/api/v1/processes", headers=auth).json()
    assert [p["name"] for p in listed] == ["analytics", "reminders", "reschedule-overdue"]
    created = client.post(
        "/api/v1/processes",
        headers=auth,
        json={
            "name": "weekday-moves",
            "kind": "reschedule_overdue",
            "schedule": "30 7 * * 1-5",
            "config": {"policy": "plus_days", "days": 2},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["config"] == {"policy": "plus_days", "time": "09:00", "days": 2}
    assert body["enabled"] and body["next_run_at"]
    changed = client.patch(
        "/api/v1/processes/weekday-moves", headers=auth, json={"schedule": "every 2h"}
    ).json()
    assert changed["schedule"] == "every 2h"
    disabled = client.post("/api/v1/processes/weekday-moves/disable", headers=auth).json()
    assert (disabled["enabled"], disabled["next_run_at"]) == (False, None)
    enabled = client.post("/api/v1/processes/weekday-moves/enable", headers=auth).json()
    assert enabled["enabled"] and enabled["next_run_at"]
    run = client.post("/api/v1/processes/weekday-moves/run", headers=auth)
    assert run.status_code == 200
    assert run.json()["status"] == "succeeded" and run.json()["trigger"] == "manual"
    history = client.get("/api/v1/processes/weekday-moves/history", headers=auth).json()
    assert [h["id"] for h in history] == [run.json()["id"]]
    assert client.get("/api/v1/processes/weekday-moves", headers=auth).json()["last_run_at"]
    kinds = {k["kind"] for k in client.get("/api/v1/processes/kinds", headers=auth).json()}
    assert kinds == {"reschedule_overdue", "reminders", "analytics"}
    assert client.delete("/api/v1/processes/weekday-moves", headers=auth).status_code == 204
    assert client.get("/api/v1/processes/weekday-moves", headers=auth).status_code == 404


BAD_PROCESSES: list[tuple[dict[str, object], int, str]] = [
    ({"name": "x", "kind": "reminders", "schedule": "61 * * * *"}, 422, "invalid_schedule"),
    ({"name": "x", "kind": "reminders", "schedule": "every 5s"}, 422, "invalid_schedule"),
    ({"name": "x", "kind": "teleport", "schedule": "every 1h"}, 422, "unknown_kind"),
    ({"name": "x", "kind": "session_cleanup", "schedule": "every 1h"}, 422, "system_kind"),
    (
        {"name": "x", "kind": "reminders", "schedule": "every 1h", "config": {"lead": 5}},
        422,
        "invalid_config",
    ),
    (
        {
            "name": "x",
            "kind": "reschedule_overdue",
            "schedule": "every 1h",
            "config": {"policy": "never"},
        },
        422,
        "invalid_config",
    ),
    (
        {"name": "x", "kind": "reminders", "schedule": "every 1h", "timezone": "Mars/Base"},
        422,
        "invalid_timezone",
    ),
    ({"name": "bad name!", "kind": "reminders", "schedule": "every 1h"}, 422, "invalid_input"),
    ({"name": "reminders", "kind": "reminders", "schedule": "every 1h"}, 409, "process_exists"),
    ({"name": "kinds", "kind": "reminders", "schedule": "every 1h"}, 422, "reserved_name"),
]


def test_bad_process_input(client: TestClient, auth: Headers) -> None:
    for payload, status, code in BAD_PROCESSES:
        response = client.post("/api/v1/processes", headers=auth, json=payload)
        assert response.status_code == status, (payload, response.text)
        assert response.json()["error"]["code"] == code, payload


def test_bad_updates_and_other_accounts(
    client: TestClient, auth: Headers, register: Callable[..., Headers]
) -> None:
    bad = client.patch("/api/v1/processes/reminders", headers=auth, json={"schedule": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_schedule"
    cleared = client.patch("/api/v1/processes/reminders", headers=auth, json={"schedule": None})
    assert cleared.status_code == 422
    bob = register("bob")
    client.post("/api/v1/processes/reminders/disable", headers=bob)
    assert client.get("/api/v1/processes/reminders", headers=auth).json()["enabled"]
    assert client.get("/api/v1/processes/missing/history", headers=auth).status_code == 404
    assert client.get("/api/v1/processes", headers={}).status_code == 401


def test_stats(client: TestClient, auth: Headers) -> None:
    number = client.post("/api/v1/tasks", headers=auth, json={"title": "a"}).json()["number"]
    client.post(f"/api/v1/tasks/{number}/complete", headers=auth)
    client.post("/api/v1/tasks", headers=auth, json={"title": "b", "due": "yesterday"})
    stats = client.get("/api/v1/stats?days=7", headers=auth).json()
    assert len(stats["days"]) == 7
    assert stats["days"][-1]["created"] == 2 and stats["days"][-1]["completed"] == 1
    assert (stats["streak"], stats["open"], stats["overdue"]) == (1, 1, 1)
    assert client.get("/api/v1/stats?days=0", headers=auth).status_code == 422


def test_skip_over_http(client: TestClient, auth: Headers) -> None:
    task = client.post(
        "/api/v1/tasks",
        headers=auth,
        json={"title": "standup", "due_at": "2099-01-05T09:00:00Z", "recurrence": "FREQ=DAILY"},
    ).json()
    skipped = client.post(f"/api/v1/tasks/{task['number']}/skip", headers=auth)
    assert skipped.status_code == 200
    assert skipped.json()["due_at"].startswith("2099-01-06T09:00:00")
    plain = client.post("/api/v1/tasks", headers=auth, json={"title": "once"}).json()
    refused = client.post(f"/api/v1/tasks/{plain['number']}/skip", headers=auth)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_recurring"
    assert client.post("/api/v1/tasks/999/skip", headers=auth).status_code == 404


BAD_URLS: list[tuple[str, str]] = [
    ("ftp://127.0.0.1:9/hook", "unsupported_scheme"),
    ("file:///etc/passwd", "unsupported_scheme"),
    ("javascript:alert(1)", "unsupported_scheme"),
    ("http:///nohost", "invalid_webhook_url"),
    ("http://no-such-host.invalid/hook", "unresolvable_host"),
    ("http://127.0.0.1:8765/api/v1/tasks", "webhook_loop"),
    ("http://localhost:8765/", "webhook_loop"),
    ("http://127.0.0.1:99999/", "invalid_webhook_url"),
]


def test_bad_webhook_urls(client: TestClient, auth: Headers) -> None:
    for url, code in BAD_URLS:
        response = client.post("/api/v1/webhooks", headers=auth, json={"url": url})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["code"] == code, url


def test_webhook_management(
    client: TestClient, auth: Headers, register: Callable[..., Headers]
) -> None:
    bad = client.post(
        "/api/v1/webhooks", headers=auth, json={"url": "http://127.0.0.1:9/", "events": ["x.y"]}
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_event"
    # A loopback receiver can be saved, but by default delivery to it is refused by policy.
    made = client.post(
        "/api/v1/webhooks",
        headers=auth,
        json={"url": "http://127.0.0.1:9/hook", "events": ["task.completed", "reminder.due"]},
    )
    assert made.status_code == 201
    hook = made.json()
    # A Standard Webhooks secret: whsec_ + base64 of 32 random bytes.
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) == 50
    listed = client.get("/api/v1/webhooks", headers=auth).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    bob = register("bob")
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=bob).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=bob).status_code == 404
    # The outbound policy refuses loopback by default, and says only that.
    tested = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth).json()
    assert tested["status"] == "failed" and tested["error"] == "refused by policy"
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=auth).json()
    assert [d["event_type"] for d in log] == ["webhook.test"]
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth).status_code == 204
    assert client.get("/api/v1/webhooks/not-a-uuid", headers=auth).status_code == 422
