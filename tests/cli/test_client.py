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

        # Several requests ran over one idle keep-alive connection, without httpx.
        assert api._wire is not None and api._wire.idle_connections() == 1
        assert api._http is None

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


def test_chat_streams_and_the_automation_methods(cli_server: LiveServer) -> None:
    with BehflowClient(cli_server.url) as anonymous:
        token = anonymous.register("client-chat", PASSWORD)["access_token"]
    with BehflowClient(cli_server.url, token, timezone="Europe/Berlin") as api:
        events = list(api.chat_stream("add water plants tomorrow"))
        kinds = [kind for kind, _ in events]
        assert kinds[-1] == "done" and set(kinds[:-1]) == {"token"}
        reply = events[-1][1]
        assert "".join(body["text"] for kind, body in events[:-1]).strip() == reply["reply"]
        assert reply["actions"][0]["title"] == "Water plants"

        again = api.chat("mark it done", reply["session_id"])
        assert again["actions"][0]["action"] == "completed"
        assert [s["id"] for s in api.chat_sessions()] == [reply["session_id"]]
        assert [m["role"] for m in api.chat_messages(reply["session_id"])] == [
            "user",
            "assistant",
            "user",
            "assistant",
        ]
        # An error event after the stream started is an ApiError like any other.
        with pytest.raises(ApiError) as gone:
            api.chat("hello", "00000000-0000-4000-8000-000000000000")
        assert gone.value.code == "session_not_found"
        api.delete_chat_session(reply["session_id"])
        assert api.chat_sessions() == []

        names = [p["name"] for p in api.processes()]
        assert names and api.process(names[0])["name"] == names[0]
        assert api.disable_process(names[0])["enabled"] is False
        assert api.enable_process(names[0])["enabled"] is True
        assert api.run_process(names[0])["status"] in ("succeeded", "failed", "retrying")
        assert len(api.process_history(names[0], limit=5)) == 1
        hook = api.create_webhook("http://127.0.0.1:9/hook", ["task.created"])
        assert hook["secret"] and [h["id"] for h in api.webhooks()] == [hook["id"]]
        api.delete_webhook(hook["id"])
        assert api.webhooks() == []
        assert len(api.stats(days=3)["days"]) == 3


def test_account_sessions_list_and_revoke(cli_server: LiveServer) -> None:
    with BehflowClient(cli_server.url) as anonymous:
        first = anonymous.register("client-sessions", PASSWORD)["access_token"]
        second = anonymous.login("client-sessions", PASSWORD)["access_token"]
    with BehflowClient(cli_server.url, second) as api, BehflowClient(cli_server.url, first) as old:
        rows = api.sessions()
        assert len(rows) == 2
        assert [row["current"] for row in rows] == [True, False]  # newest first
        assert {row["client"] for row in rows} == {"behflow-cli"}
        assert all(row["created_at"] and row["expires_at"] for row in rows)
        assert old.me()["username"] == "client-sessions"

        api.revoke_session(rows[1]["id"])
        with pytest.raises(ApiError) as revoked:
            old.me()
        assert (revoked.value.status, revoked.value.code) == (401, "token_revoked")
        assert [row["id"] for row in api.sessions()] == [rows[0]["id"]]

        with pytest.raises(ApiError) as missing:
            api.revoke_session("0" * 32)
        assert (missing.value.status, missing.value.code) == (404, "session_not_found")
    # Another user's session id is simply not found.
    with BehflowClient(cli_server.url) as anonymous:
        stranger = anonymous.register("client-stranger", PASSWORD)["access_token"]
    with BehflowClient(cli_server.url, stranger) as other, pytest.raises(ApiError) as foreign:
        other.revoke_session(rows[0]["id"])
    assert foreign.value.code == "session_not_found"
