"""Issue #15's server fast path: a checked token is remembered for at most a second."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient

from behflow_server.auth import cache as token_cache
from behflow_server.auth.models import User


def test_a_revocation_elsewhere_is_effective_within_a_second(
    client: TestClient, register: Callable[..., dict[str, str]]
) -> None:
    """Another worker's "log out everywhere" is a row change this process never saw."""
    auth = register("elsewhere")
    assert client.get("/me", headers=auth).status_code == 200  # now cached
    engine = client.app.state.context.db.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:  # as another process would: no ORM events here
        connection.execute(
            sa.update(User).where(User.username == "elsewhere").values(token_version=5)
        )
    deadline = time.monotonic() + token_cache.TTL_SECONDS + 0.5
    while client.get("/me", headers=auth).status_code == 200:
        assert time.monotonic() < deadline, "a revoked token still works after a second"
        time.sleep(0.05)
    assert client.get("/me", headers=auth).json()["error"]["code"] == "token_revoked"


def test_changes_in_this_process_apply_at_once(
    client: TestClient, register: Callable[..., dict[str, str]]
) -> None:
    auth = register("here")
    assert client.get("/me", headers=auth).json()["timezone"] == "UTC"
    client.patch("/me", json={"timezone": "Europe/Berlin"}, headers=auth)
    assert client.get("/me", headers=auth).json()["timezone"] == "Europe/Berlin"
    assert client.post("/logout", headers=auth).status_code == 204
    assert client.get("/me", headers=auth).status_code == 401


def test_counters_are_never_stale_and_users_stay_apart(
    client: TestClient, register: Callable[..., dict[str, str]]
) -> None:
    alice, bob = register("alice15"), register("bob15")
    for title in ("one", "two"):
        assert client.post("/api/v1/tasks", json={"title": title}, headers=alice).status_code == 201
    engine = client.app.state.context.db.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:  # another worker adds a task: counters move
        connection.execute(
            sa.update(User)
            .where(User.username == "alice15")
            .values(task_counter=User.task_counter + 5, tasks_version=User.tasks_version + 1)
        )
    created = client.post("/api/v1/tasks", json={"title": "three"}, headers=alice)
    assert created.json()["number"] == 8
    page = client.get("/api/v1/tasks", headers=alice).json()
    assert page["total"] == 3 and [t["number"] for t in page["items"]] == [1, 2, 8]
    assert client.get("/api/v1/tasks", headers=bob).json()["total"] == 0
    assert client.get("/api/v1/tasks/1", headers=bob).status_code == 404
