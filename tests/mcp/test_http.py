"""/mcp over streamable HTTP, driven by the official SDK's client against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from behflow_server.mcp import tools
from tests.mcp.conftest import Account, http_client, run, text

pytestmark = pytest.mark.e2e

EXPECTED_TOOLS = {
    "add_task",
    "quick_add",
    "list_tasks",
    "search_tasks",
    "update_task",
    "complete_task",
    "start_task",
    "block_task",
    "delete_task",
    "list_history",
    "undo",
    "add_note",
}


def call(account: Account, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    """Each (tool, arguments) in turn on one connection; the results."""

    async def work() -> list[Any]:
        async with http_client(account.url, account.token) as client:
            return [await client.call_tool(name, args) for name, args in calls]

    return run(work)


def read(account: Account, uri: str) -> Any:
    async def work() -> Any:
        async with http_client(account.url, account.token) as client:
            result = await client.read_resource(uri)
            return json.loads(result.contents[0].text)

    return run(work)


def task(account: Account, number: int) -> dict[str, Any]:
    response = account.api("GET", f"/api/v1/tasks/{number}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_tools_are_the_shared_definitions(new_account: Callable[[], Account]) -> None:
    alice = new_account()

    async def work() -> Any:
        async with http_client(alice.url, alice.token) as client:
            return client.server_info, await client.list_tools()

    info, listed = run(work)
    assert info.name == "behflow"
    by_name = {tool.name: tool for tool in listed.tools}
    assert set(by_name) == EXPECTED_TOOLS
    for name, tool in by_name.items():
        # One definition: what a client sees is the model the server validates with.
        assert tool.input_schema == tools.TOOLS[name].args.model_json_schema()
        assert tool.description == tools.TOOLS[name].description
    assert by_name["delete_task"].annotations.destructive_hint is True
    assert by_name["list_tasks"].annotations.read_only_hint is True


def test_add_list_and_quick_add(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    preview, added, quick, listed, found = call(
        alice,
        ("quick_add", {"text": "Pay rent friday !urgent", "dry_run": True}),
        ("add_task", {"title": "Buy milk", "due": "tomorrow", "tags": ["home"]}),
        ("quick_add", {"text": "Call mom tomorrow 5pm #family !high"}),
        ("list_tasks", {}),
        ("search_tasks", {"query": "mom"}),
    )
    shown = json.loads(text(preview).split(": ", 1)[1])
    assert (shown["title"], shown["priority"]) == ("Pay rent", "urgent")
    assert not added.is_error and added.structured_content["status"] == "done"
    assert added.structured_content["actions"] == [
        {"action": "created", "number": 1, "title": "Buy milk"}
    ]
    assert text(quick).startswith("Created #2 Call mom")
    second = task(alice, 2)
    assert (second["priority"], second["tags"]) == ("high", ["family"])
    assert second["due_at"] is not None and second["due_at"].endswith("17:00:00Z")
    assert "#1 Buy milk" in text(listed) and "#2 Call mom" in text(listed)
    assert "#2 Call mom" in text(found) and "Buy milk" not in text(found)
    assert task(alice, 1)["tags"] == ["home"]


def test_start_block_complete_and_update(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    call(alice, ("add_task", {"title": "Write report"}), ("add_task", {"title": "Pay rent"}))
    started, blocked, updated, completed, noted = call(
        alice,
        ("start_task", {"numbers": [1]}),
        ("block_task", {"numbers": [2], "reason": "waiting for the invoice"}),
        ("update_task", {"numbers": [1], "priority": "urgent", "add_tags": ["work"]}),
        ("complete_task", {"ref": "report"}),
        ("add_note", {"ref": "rent", "text": "landlord asked for **cash**"}),
    )
    for result in (started, blocked, updated, completed, noted):
        assert result.structured_content["status"] == "done", text(result)
    assert task(alice, 2)["status"] == "blocked"
    notes = alice.api("GET", "/api/v1/tasks/2/notes").json()["items"]
    assert [n["body"] for n in notes] == ["waiting for the invoice", "landlord asked for **cash**"]
    first = task(alice, 1)
    assert (first["status"], first["priority"], first["tags"]) == ("completed", "urgent", ["work"])


def test_delete_waits_for_its_confirmation_id(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    call(alice, ("add_task", {"title": "Old idea"}))
    (asked,) = call(alice, ("delete_task", {"numbers": [1]}))
    pending = asked.structured_content
    assert pending["status"] == "needs_confirmation" and not asked.is_error
    assert "delete #1 Old idea" in pending["message"]
    assert pending["confirmation_id"] in text(asked)  # clients that show only text see it too
    assert task(alice, 1)["archived_at"] is None  # nothing happened yet

    done, again = call(
        alice,
        ("delete_task", {"confirmation_id": pending["confirmation_id"]}),
        ("delete_task", {"confirmation_id": pending["confirmation_id"]}),
    )
    assert done.structured_content["status"] == "done", text(done)
    assert task(alice, 1)["archived_at"] is not None
    # Used once: the confirmed change made it stale.
    assert again.is_error and "changed after this was proposed" in text(again)


def test_bulk_change_waits_and_a_changed_task_voids_it(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    call(
        alice,
        ("add_task", {"title": "Email Ann", "tags": ["calls"]}),
        ("add_task", {"title": "Email Bob", "tags": ["calls"]}),
    )
    (asked,) = call(alice, ("complete_task", {"match": {"tag": "calls"}}))
    assert asked.structured_content["status"] == "needs_confirmation"
    assert "#1 Email Ann" in text(asked) and "#2 Email Bob" in text(asked)
    assert task(alice, 1)["status"] == task(alice, 2)["status"] == "not_started"
    confirmation_id = asked.structured_content["confirmation_id"]

    # Another tool cannot run it.
    (wrong_tool,) = call(alice, ("delete_task", {"confirmation_id": confirmation_id}))
    assert wrong_tool.is_error and "complete_task" in text(wrong_tool)
    assert task(alice, 1)["archived_at"] is None

    (done,) = call(alice, ("complete_task", {"confirmation_id": confirmation_id}))
    assert done.structured_content["status"] == "done", text(done)
    assert task(alice, 1)["status"] == task(alice, 2)["status"] == "completed"

    # A task edited between proposal and confirmation: nothing is done.
    call(alice, ("add_task", {"title": "Tidy desk"}), ("add_task", {"title": "Tidy shelf"}))
    (asked,) = call(alice, ("update_task", {"numbers": [3, 4], "priority": "high"}))
    assert alice.api("PATCH", "/api/v1/tasks/4", json={"title": "Tidy books"}).status_code == 200
    (stale,) = call(
        alice, ("update_task", {"confirmation_id": asked.structured_content["confirmation_id"]})
    )
    assert stale.is_error and "#4 changed" in text(stale)
    assert task(alice, 3)["priority"] == "none"


def test_bad_arguments_are_tool_errors_not_crashes(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    results = call(
        alice,
        ("add_task", {"title": ""}),
        ("add_task", {}),
        ("update_task", {"numbers": [1], "priority": "very"}),
        ("list_tasks", {"limit": 0}),
        ("complete_task", {"numbers": [42]}),
        ("add_task", {"title": "x", "due": "the twelfth of never"}),
        ("delete_task", {"confirmation_id": "not-a-real-id"}),
        ("no_such_tool", {}),
    )
    messages = [text(r) for r in results]
    assert all(r.is_error for r in results), messages
    assert all(r.structured_content["status"] == "error" for r in results)
    assert messages[0] == "Invalid arguments: title: String should have at least 1 character."
    assert messages[1] == "Invalid arguments: title: Field required."
    assert messages[2].startswith("Invalid arguments: priority: Input should be")
    assert "limit" in messages[3]
    assert messages[4] == "Task #42 not found."
    assert "never" in messages[5]
    assert "confirmation id is not valid" in messages[6]
    assert "no tool called 'no_such_tool'" in messages[7]
    # The connection survived all of it.
    (ok,) = call(alice, ("list_tasks", {}))
    assert not ok.is_error


def test_one_users_token_never_reaches_another_users_tasks(
    new_account: Callable[[], Account],
) -> None:
    alice, bob = new_account(), new_account()
    call(alice, ("add_task", {"title": "Alice's secret plan", "due": "today 23:00"}))
    (asked,) = call(alice, ("delete_task", {"numbers": [1]}))
    confirmation_id = asked.structured_content["confirmation_id"]

    listed, searched, completed, deleted, stolen = call(
        bob,
        ("list_tasks", {"status": "all"}),
        ("search_tasks", {"query": "secret"}),
        ("complete_task", {"numbers": [1]}),
        ("update_task", {"ref": "secret plan", "title": "pwned"}),
        ("delete_task", {"confirmation_id": confirmation_id}),
    )
    for result in (listed, searched):
        assert "Alice" not in text(result) and "#1" not in text(result), text(result)
    assert completed.is_error and text(completed) == "Task #1 not found."
    assert deleted.structured_content["status"] in ("question", "error")
    assert stolen.is_error and "not valid" in text(stolen)
    assert read(bob, "behflow://today") == {"items": [], "total": 0}

    async def bob_reads_task_1() -> str:
        async with http_client(bob.url, bob.token) as client:
            try:
                await client.read_resource("behflow://tasks/1")
            except Exception as exc:
                return str(exc)
            return "read it"

    assert run(bob_reads_task_1) == "Task #1 not found."
    alices = task(alice, 1)
    assert (alices["title"], alices["status"], alices["archived_at"]) == (
        "Alice's secret plan",
        "not_started",
        None,
    )


def test_resources_today_overdue_and_one_task(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    late = datetime.now(UTC).replace(hour=23, minute=59, second=0, microsecond=0).isoformat()
    for body in (
        {"title": "Late report", "due_at": yesterday},
        {"title": "Today's call", "due_at": late},
        {"title": "Someday"},
    ):
        assert alice.api("POST", "/api/v1/tasks", json=body).status_code == 201

    async def work() -> Any:
        async with http_client(alice.url, alice.token) as client:
            return await client.list_resources(), await client.list_resource_templates()

    listed, templates = run(work)
    assert {r.uri for r in listed.resources} == {"behflow://today", "behflow://overdue"}
    assert [t.uri_template for t in templates.resource_templates] == ["behflow://tasks/{number}"]

    overdue = read(alice, "behflow://overdue")
    assert [t["title"] for t in overdue["items"]] == ["Late report"]
    assert [t["title"] for t in read(alice, "behflow://today")["items"]] == ["Today's call"]
    one = read(alice, "behflow://tasks/3")
    assert (one["number"], one["title"], one["due_at"]) == (3, "Someday", None)


def test_missing_bad_and_revoked_tokens_get_401(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    mcp = f"{alice.url}/mcp"
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eA=="}):
        response = httpx.post(mcp, json=hello, headers={**accept, **headers}, timeout=30)
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        error = response.json()["error"]
        assert error["code"] in ("not_authenticated", "invalid_token")
        assert error["message"]

    # The token works, then is revoked by logging out: /mcp refuses it like the API does.
    ok = httpx.post(mcp, json=hello, headers={**accept, **alice.headers}, timeout=30)
    assert ok.status_code == 200, ok.text
    assert alice.api("POST", "/logout").status_code == 204
    revoked = httpx.post(mcp, json=hello, headers={**accept, **alice.headers}, timeout=30)
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "token_revoked"

    async def connect() -> str:
        async with http_client(alice.url, alice.token) as client:
            await client.list_tools()
        return "connected"

    with pytest.raises(Exception):  # noqa: B017  (the SDK's error type is its business)
        run(connect)


def test_odd_requests_get_4xx_never_500(new_account: Callable[[], Account]) -> None:
    alice = new_account()
    mcp = f"{alice.url}/mcp"
    headers = {**alice.headers, "Accept": "application/json, text/event-stream"}
    for method in ("GET", "DELETE", "PUT"):
        # Stateless: no sessions to end and no server-initiated stream to hold open.
        response = httpx.request(method, mcp, headers=headers, timeout=10)
        assert response.status_code == 405, (method, response.text)
        assert response.json()["error"]["code"] == "method_not_allowed"
    for body in (b"{not json", b"[1, 2]", b'{"jsonrpc": "2.0", "id": 1}'):
        response = httpx.post(
            mcp, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (body, response.text)
    unknown = httpx.post(
        mcp, json={"jsonrpc": "2.0", "id": 1, "method": "nope"}, headers=headers, timeout=10
    )
    assert unknown.json()["error"]["code"] == -32601  # JSON-RPC "method not found"


def test_dates_are_read_in_the_clients_time_zone(new_account: Callable[[], Account]) -> None:
    alice = new_account()  # the account's zone is UTC
    zone = ZoneInfo("Pacific/Kiritimati")  # UTC+14: "today" there is often not today in UTC

    async def work() -> Any:
        async with http_client(alice.url, alice.token, X_Timezone=zone.key) as client:
            return await client.call_tool("add_task", {"title": "Late call", "due": "today 23:00"})

    run(work)
    local_today = datetime.now(zone).date()
    expected = datetime(*local_today.timetuple()[:3], 23, 0, tzinfo=zone).astimezone(UTC)
    assert task(alice, 1)["due_at"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_server_starts_without_loading_the_sdk() -> None:
    # The SDK costs about a second to import: only a request to /mcp loads it.
    probe = "import sys, behflow_server.main; print('mcp' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
