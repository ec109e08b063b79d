"""Hostile bodies are refused at the edge, the same way on both stores (issue #10, points 7-8)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders

TASKS = "/api/v1/tasks"
JSON = {"Content-Type": "application/json"}


def _nested(depth: int) -> bytes:
    return b'{"title": "deep", "extra": {"a": ' + b"[" * depth + b"]" * depth + b"}}"


def test_deeply_nested_json_is_refused_before_any_handler(
    client: TestClient, auth: AuthHeaders
) -> None:
    for depth in (300, 5_000, 100_000):
        response = client.post(TASKS, headers={**auth, **JSON}, content=_nested(depth))
        assert response.status_code == 422, (depth, response.text[:200])
        error = response.json()["error"]
        assert error["code"] == "too_deeply_nested"
        assert "nest" in error["message"]
    login = client.post(
        "/login", headers=JSON, content=b'{"username": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    )
    assert login.status_code == 422 and login.json()["error"]["code"] == "too_deeply_nested"
    # Nesting a person would write still works, and brackets inside strings do not count.
    fine = client.post(
        TASKS,
        headers={**auth, **JSON},
        content=b'{"title": "[[[[ not nesting ]]]]'
        + b"[" * 100
        + b'", "extra": {"a": [[1, [2]]]}}',
    )
    assert fine.status_code == 201, fine.text


def test_a_chunked_body_over_the_limit_is_413(client: TestClient, auth: AuthHeaders) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(11):
            yield b"x" * 1_000_000
        yield b'"}'

    response = client.post(TASKS, headers={**auth, **JSON}, content=chunks())
    assert response.status_code == 413, response.text[:200]
    assert response.json()["error"]["code"] == "payload_too_large"


def test_values_one_store_would_keep_and_the_other_refuse_are_refused_on_both(
    client: TestClient, auth: AuthHeaders
) -> None:
    for body in (
        b'{"title": "nan", "extra": {"x": NaN}}',
        b'{"title": "inf", "extra": {"x": -Infinity}}',
        b'{"title": "nul \\u0000 inside"}',
        b'{"title": "lone \\ud800 surrogate"}',
        b'{"title": "lone \\udc00 low surrogate"}',
    ):
        response = client.post(TASKS, headers={**auth, **JSON}, content=body)
        assert response.status_code == 422, (body, response.text[:200])
        assert response.json()["error"]["code"] == "invalid_input"
    emoji = client.post(TASKS, headers={**auth, **JSON}, content=b'{"title": "ok \\ud83d\\ude00"}')
    assert emoji.status_code == 201 and emoji.json()["title"] == "ok \U0001f600"
    assert [t["title"] for t in client.get(TASKS, headers=auth).json()["items"]] == [
        "ok \U0001f600"
    ]


def test_a_zone_database_directory_is_not_a_time_zone(
    client: TestClient, auth: AuthHeaders
) -> None:
    """'US' names a directory of the zone database: ZoneInfo raises IsADirectoryError, which
    was a 500 on PATCH /me and on any request with X-Timezone: US (found by the fuzz)."""
    for name in ("US", "America", "Etc"):
        response = client.patch("/me", headers=auth, json={"timezone": name})
        assert response.status_code == 422, response.text
        assert "time zone" in response.json()["error"]["message"]
        listed = client.get(TASKS, headers={**auth, "X-Timezone": name})
        assert listed.status_code == 200, listed.text  # an unknown header zone is ignored
