"""BehflowClient (used by the CLI, the TUI and chat) against the real server process."""

from __future__ import annotations

import json

import pytest

from behflow_cli.client import ApiError, BehflowClient
from behflow_cli.transport import PlainHTTPTransport
from tests.cli.conftest import PASSWORD
from tests.support.live import LiveServer, free_port


def test_typed_methods_errors_and_keep_alive(cli_server: LiveServer) -> None:
    with BehflowClient(cli_server.url, timezone="Europe/Berlin") as anonymous:
        assert isinstance(anonymous.http._transport, PlainHTTPTransport)
        assert anonymous.health()["status"] == "ok"
        token = anonymous.register("client-test", PASSWORD)["access_token"]

    with BehflowClient(cli_server.url, token, timezone="Europe/Berlin") as api:
        task = api.create_task("Plan", due="tomorrow 09:00", tags=["a"])
        assert task["due_at"].endswith(("T08:00:00Z", "T07:00:00Z"))  # 09:00 in Berlin
        assert api.quick_add("Call Bob #x")["tags"] == ["x"]
        assert api.quick_preview("Pay rent !high")["priority"] == "high"
        assert api.update_task(task["number"], clear=["due_at"])["due_at"] is None
        page = api.list_tasks(status=["open"], sort="-number", limit=1)
        assert (page["total"], page["items"][0]["title"]) == (2, "Call Bob")
        assert api.bulk_complete([1, 99]) == {"changed": [1], "not_found": [99]}
        assert api.request("GET", "/api/v1/tasks/2")["title"] == "Call Bob"

        with pytest.raises(ApiError) as missing:
            api.get_task(42)
        assert (missing.value.status, missing.value.code) == (404, "task_not_found")
        with pytest.raises(ApiError) as invalid:
            api.create_task("x", priority="extreme")
        assert invalid.value.status == 422 and "priority" in invalid.value.message

        # Several requests ran over one idle keep-alive connection.
        transport = api.http._transport
        assert isinstance(transport, PlainHTTPTransport)
        assert sum(len(pool) for pool in transport._idle.values()) == 1

        # Streaming through the same transport (what chat uses for SSE).
        with api.http.stream("GET", "/api/v1/tasks", headers=api.headers()) as response:
            body = b"".join(response.iter_bytes())
        assert json.loads(body)["total"] == 2


def test_unreachable_server_is_an_api_error() -> None:
    with (
        BehflowClient(f"http://127.0.0.1:{free_port()}", "t") as api,
        pytest.raises(ApiError) as err,
    ):
        api.list_tasks()
    assert (err.value.code, err.value.status) == ("unreachable", 0)
    assert "behflow server start" in err.value.message
