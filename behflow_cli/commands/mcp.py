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
        server = _forwarding_server(remote)
        await server.run(read_stream, write_stream, server.create_initialization_options())


def _forwarding_server(remote: Any) -> Any:
    """A stdio Server that answers each request with the remote server's answer to it."""
    from mcp.server.lowlevel import Server

    async def list_tools(ctx: Any, params: Any) -> Any:
        return await remote.list_tools(cursor=params.cursor if params else None)

    async def call_tool(ctx: Any, params: Any) -> Any:
        return await remote.call_tool(params.name, params.arguments)

    async def list_resources(ctx: Any, params: Any) -> Any:
        return await remote.list_resources(cursor=params.cursor if params else None)

    async def list_templates(ctx: Any, params: Any) -> Any:
        return await remote.list_resource_templates(cursor=params.cursor if params else None)

    async def read_resource(ctx: Any, params: Any) -> Any:
        return await remote.read_resource(params.uri)

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
