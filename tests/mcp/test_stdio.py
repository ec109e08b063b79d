"""`behflow mcp` over stdio: the SDK's client spawns the real command against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.support import run as run_cli
from tests.conftest import TEST_SECRET
from tests.mcp.conftest import PASSWORD, Account, run, stdio_client, text
from tests.support.live import LiveServer, server_on

pytestmark = pytest.mark.e2e


def env_for(account: Account) -> dict[str, str]:
    return {"BEHFLOW_URL": account.url, "BEHFLOW_TOKEN": account.token}


def test_a_client_lists_and_adds_tasks_with_the_token(new_account: Callable[[], Account]) -> None:
    alice = new_account()

    async def work() -> tuple[Any, ...]:
        async with stdio_client(env_for(alice)) as client:
            listed = await client.list_tools()
            added = await client.call_tool("quick_add", {"text": "Water plants friday #home"})
            tasks = await client.call_tool("list_tasks", {})
            resource = await client.read_resource("behflow://tasks/1")
            bad = await client.call_tool("update_task", {"numbers": [1], "priority": "very"})
            return client.server_info, listed, added, tasks, resource, bad

    info, listed, added, tasks, resource, bad = run(work)
    assert info.name == "behflow"
    assert "delete_task" in {tool.name for tool in listed.tools}
    assert text(added).startswith("Created #1 Water plants")
    assert "#1 Water plants" in text(tasks)
    assert json.loads(resource.contents[0].text)["tags"] == ["home"]
    assert bad.is_error and text(bad).startswith("Invalid arguments: priority:")
    # The task is on the server, where every other client sees it.
    assert alice.api("GET", "/api/v1/tasks/1").json()["title"] == "Water plants"


def test_delete_confirmation_over_stdio_and_a_handshake_era_client(
    new_account: Callable[[], Account],
) -> None:
    alice = new_account()

    async def work() -> tuple[Any, ...]:
        # mode="legacy": the initialize handshake older clients (2025 protocol) use.
        async with stdio_client(env_for(alice), mode="legacy") as client:
            await client.call_tool("add_task", {"title": "Old note"})
            asked = await client.call_tool("delete_task", {"ref": "old note"})
            still_there = alice.api("GET", "/api/v1/tasks/1").json()["archived_at"]
            confirmation_id = asked.structured_content["confirmation_id"]
            done = await client.call_tool("delete_task", {"confirmation_id": confirmation_id})
            return client.protocol_version, asked, still_there, done

    version, asked, still_there, done = run(work)
    assert version.startswith("2025")
    assert asked.structured_content["status"] == "needs_confirmation"
    assert still_there is None
    assert done.structured_content["status"] == "done", text(done)
    assert alice.api("GET", "/api/v1/tasks/1").json()["archived_at"] is not None


def test_users_stay_apart_over_stdio(new_account: Callable[[], Account]) -> None:
    alice, bob = new_account(), new_account()
    assert alice.api("POST", "/api/v1/tasks", json={"title": "Alice only"}).status_code == 201

    async def work() -> tuple[Any, Any, Any]:
        async with stdio_client(env_for(bob)) as client:
            listed = await client.call_tool("list_tasks", {"status": "all"})
            completed = await client.call_tool("complete_task", {"numbers": [1]})
            overdue = await client.read_resource("behflow://overdue")
            return listed, completed, overdue

    listed, completed, overdue = run(work)
    assert "Alice" not in text(listed)
    assert completed.is_error and text(completed) == "Task #1 not found."
    assert json.loads(overdue.contents[0].text) == {"items": [], "total": 0}
    assert alice.api("GET", "/api/v1/tasks/1").json()["status"] == "not_started"


def test_the_stored_login_is_used(mcp_server: LiveServer) -> None:
    env = {**os.environ, "BEHFLOW_URL": mcp_server.url}
    name = f"stored{os.getpid()}"
    registered = run_cli(
        ["register", "--username", name, "--password-stdin"], env, stdin=PASSWORD + "\n"
    )
    assert registered.returncode == 0, registered.stderr
    run_cli(["task", "add", "From the CLI"], env)

    async def work() -> str:
        async with stdio_client({"BEHFLOW_URL": mcp_server.url}) as client:
            return text(await client.call_tool("list_tasks", {}))

    assert "#1 From the CLI" in run(work)


@pytest.mark.parametrize(
    ("token", "expected"),
    [("not-a-token", "The access token is not valid"), (None, "behflow login")],
)
def test_no_usable_login_exits_4_with_one_line(
    mcp_server: LiveServer, token: str | None, expected: str
) -> None:
    env = {**os.environ, "BEHFLOW_URL": mcp_server.url}
    if token:
        env["BEHFLOW_TOKEN"] = token
    result = subprocess.run(
        [sys.executable, "-m", "behflow_cli", "mcp"],
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4, result.stderr
    assert result.stdout == ""  # nothing on the protocol channel
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]


def test_a_revoked_login_is_explained_and_a_new_login_is_picked_up(
    mcp_server: LiveServer,
) -> None:
    env = {**os.environ, "BEHFLOW_URL": mcp_server.url}
    name = f"relogin{os.getpid()}"
    registered = run_cli(
        ["register", "--username", name, "--password-stdin"], env, stdin=PASSWORD + "\n"
    )
    assert registered.returncode == 0, registered.stderr

    async def work() -> tuple[str, str, str]:
        async with stdio_client({"BEHFLOW_URL": mcp_server.url}) as client:
            first = text(await client.call_tool("add_task", {"title": "Before"}))
            assert run_cli(["logout"], env).returncode == 0  # revokes the token in use
            try:
                await client.call_tool("list_tasks", {})
                refused = "not refused"
            except Exception as exc:
                refused = str(exc)
            login = ["login", "--username", name, "--password-stdin"]
            assert run_cli(login, env, stdin=PASSWORD + "\n").returncode == 0
            # The same MCP session carries on with the new login: no client restart.
            after = text(await client.call_tool("list_tasks", {}))
            return first, refused, after

    first, refused, after = run(work)
    assert first.startswith("Created #1 Before")
    assert "behflow login" in refused and "Server returned an error" not in refused
    assert "#1 Before" in after


def test_the_bridge_outlives_a_server_restart(tmp_path: Path) -> None:
    with server_on("sqlite", tmp_path, TEST_SECRET) as server:
        token = httpx.post(
            f"{server.url}/register", json={"username": "restart", "password": PASSWORD}
        ).json()["access_token"]

        async def work() -> tuple[str, str, str]:
            async with stdio_client({"BEHFLOW_URL": server.url, "BEHFLOW_TOKEN": token}) as client:
                before = text(await client.call_tool("add_task", {"title": "Survives"}))
                server.stop()
                try:
                    await client.call_tool("list_tasks", {})
                    down = "answered"
                except Exception as exc:
                    down = str(exc)
                server.start()
                after = text(await client.call_tool("list_tasks", {}))
                return before, down, after

        before, down, after = run(work)
    assert before.startswith("Created #1 Survives")
    assert "cannot reach the Behflow server" in down
    assert "#1 Survives" in after
