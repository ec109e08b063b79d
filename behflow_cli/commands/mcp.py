"""`behflow mcp`: Behflow's tools and resources for an MCP client (Claude Desktop, Cursor, ...)
over stdio, with the CLI's login.

The command is a bridge: it speaks MCP on stdin/stdout (the official SDK's stdio server) and
forwards every request to the Behflow server's own MCP endpoint, /mcp, with the user's token
(the SDK's streamable HTTP client). So a local client gets exactly the tools, schemas,
confirmation rule and per-user isolation that /mcp serves, defined once on the server and run
through the agent's tool runner there; the CLI never touches the database and keeps no second
copy of any tool. The login, the server URL and starting a local server come from the same
session code as every other command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import typer

app = typer.Typer(add_completion=False)

# Connect, write and pool timeouts; a tool call may take longer to answer (read).
CONNECT_SECONDS = 30.0
READ_SECONDS = 300.0


@app.callback()
def _group() -> None:
    """MCP. (A callback keeps this a group, so the root CLI can pick `mcp` from it.)"""


@app.command()
def mcp() -> None:
    """Serve Behflow to an MCP client over stdio, as the logged-in user (or BEHFLOW_TOKEN).

    Add it to the client's config as the command `behflow` with the argument `mcp`; see
    docs/mcp.md. stdout carries the protocol; messages go to stderr.
    """
    import anyio

    from behflow_cli.session import client

    with client(timezone=True) as api:
        api.me()  # the login works, and a local server is running (started if need be)
        url = f"{api.base_url}/mcp"
        headers = {**api.headers(), "User-Agent": "behflow-mcp"}
    anyio.run(_bridge, url, headers)


def _current_login() -> tuple[str | None, str | None]:
    """(token, None) when the login (BEHFLOW_TOKEN or the stored one) works now, else
    (None, what to do). Run when /mcp refused a request: the token may have expired or been
    revoked, and the user may have logged in again in a terminal since."""
    from behflow_cli.client import ApiError
    from behflow_cli.errors import CliError, from_api_error
    from behflow_cli.session import client

    try:
        with client() as api:
            api.me()
            return api.token, None
    except ApiError as exc:
        return None, from_api_error(exc).message
    except CliError as exc:
        return None, exc.message


async def _bridge(url: str, headers: dict[str, str]) -> None:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.server.stdio import stdio_server

    timeout = httpx2.Timeout(CONNECT_SECONDS, read=READ_SECONDS)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
        # No response cache: every read shows the tasks as they are now.
        Client(streamable_http_client(url, http_client=http), cache=None) as remote,
        stdio_server() as (read_stream, write_stream),
    ):
        server = _forwarding_server(remote, http)
        await server.run(read_stream, write_stream, server.create_initialization_options())


def _forwarding_server(remote: Any, http: Any) -> Any:
    """A stdio Server that answers each request with the remote server's answer to it."""
    import anyio.to_thread
    from mcp.server.lowlevel import Server
    from mcp.shared.exceptions import MCPError
    from mcp_types import INTERNAL_ERROR, INVALID_REQUEST

    async def forward(send: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await send()
        except MCPError as exc:
            # The SDK's stand-in for an HTTP error status (401 included) says only "Server
            # returned an error response": find out whether the login is the reason.
            if exc.code != INTERNAL_ERROR:
                raise
            token, problem = await anyio.to_thread.run_sync(_current_login)
            if token is None:
                raise MCPError(INVALID_REQUEST, f"Behflow: {problem}") from None
            if http.headers.get("Authorization") != f"Bearer {token}":
                http.headers["Authorization"] = f"Bearer {token}"  # logged in again since
                return await send()
            raise

    async def list_tools(ctx: Any, params: Any) -> Any:
        cursor = params.cursor if params else None
        return await forward(lambda: remote.list_tools(cursor=cursor))

    async def call_tool(ctx: Any, params: Any) -> Any:
        return await forward(lambda: remote.call_tool(params.name, params.arguments))

    async def list_resources(ctx: Any, params: Any) -> Any:
        cursor = params.cursor if params else None
        return await forward(lambda: remote.list_resources(cursor=cursor))

    async def list_templates(ctx: Any, params: Any) -> Any:
        cursor = params.cursor if params else None
        return await forward(lambda: remote.list_resource_templates(cursor=cursor))

    async def read_resource(ctx: Any, params: Any) -> Any:
        return await forward(lambda: remote.read_resource(params.uri))

    info = remote.server_info
    return Server(
        info.name if info else "behflow",
        version=info.version if info else "",
        title=info.title if info else "Behflow",
        description=info.description if info else None,
        instructions=remote.instructions,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )
