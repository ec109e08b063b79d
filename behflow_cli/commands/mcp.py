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

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
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

    In the client's config: the command `behflow` with the argument `mcp` (docs/mcp.md).

    stdout carries the protocol; messages go to stderr.
    """
    import anyio

    from behflow_cli.session import client

    with client(timezone=True) as api:
        api.me()  # the login works, and a local server is running (started if need be)
        url = f"{api.base_url}/mcp"
        headers = {**api.headers(), "User-Agent": "behflow-mcp", "X-Behflow-Client": "mcp"}
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


class _Remote:
    """The server's /mcp, one connection per request: the endpoint keeps no session, so a
    server restart (or an autostart after it stopped) between two requests costs nothing. The
    first connection negotiates the protocol; later ones adopt its result without a probe."""

    def __init__(self, url: str, http: Any) -> None:
        self.url = url
        self.http = http
        self.mode = "auto"
        self.discover: Any = None
        self.server_info: Any = None
        self.instructions: str | None = None

    @asynccontextmanager
    async def _connected(self) -> AsyncIterator[Any]:
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        transport = streamable_http_client(self.url, http_client=self.http)
        # No response cache: every read shows the tasks as they are now.
        async with Client(
            transport, mode=self.mode, prior_discover=self.discover, cache=None
        ) as client:
            yield client

    async def connect(self) -> None:
        async with self._connected() as client:
            self.server_info, self.instructions = client.server_info, client.instructions
            self.discover = client.session.discover_result
            self.mode = client.protocol_version if self.discover is not None else "legacy"

    async def send(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        async with self._connected() as client:
            return await work(client)


async def _bridge(url: str, headers: dict[str, str]) -> None:
    import httpx2
    from mcp.server.stdio import stdio_server

    timeout = httpx2.Timeout(CONNECT_SECONDS, read=READ_SECONDS)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        remote = _Remote(url, http)
        await remote.connect()
        server = _forwarding_server(remote)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())


def _forwarding_server(remote: _Remote) -> Any:
    """A stdio Server that answers each request with the remote server's answer to it."""
    import anyio.to_thread
    from mcp.server.lowlevel import Server
    from mcp.shared.exceptions import MCPError
    from mcp_types import (
        INTERNAL_ERROR,
        INVALID_REQUEST,
        CallToolRequest,
        CallToolRequestParams,
        CallToolResult,
    )

    async def forward(work: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            return await remote.send(work)
        except MCPError as exc:
            # The SDK's stand-in for an HTTP error status (401 included) says only "Server
            # returned an error response": find out whether the login is the reason.
            if exc.code != INTERNAL_ERROR:
                raise
            failure: BaseException = exc
        except Exception as exc:  # the server did not answer (stopped, restarting)
            failure = exc
        # Checking the login also starts the default local server again if it stopped.
        token, problem = await anyio.to_thread.run_sync(_current_login)
        if token is None:
            raise MCPError(INVALID_REQUEST, f"Behflow: {problem}") from None
        if isinstance(failure, MCPError) and remote.http.headers.get("Authorization") == (
            f"Bearer {token}"
        ):
            raise failure  # the login is fine: the error is the server's answer
        remote.http.headers["Authorization"] = f"Bearer {token}"  # logged in again since
        return await remote.send(work)

    async def list_tools(ctx: Any, params: Any) -> Any:
        cursor = params.cursor if params else None
        return await forward(lambda client: client.list_tools(cursor=cursor))

    async def call_tool(ctx: Any, params: Any) -> Any:
        # The raw request rather than Client.call_tool, which on a fresh connection first
        # lists the tools to check the result against its output schema: the client at the
        # other end of stdio checks it anyway, and one request per call is half the time.
        request = CallToolRequest(
            params=CallToolRequestParams(name=params.name, arguments=params.arguments)
        )
        return await forward(lambda client: client.session.send_request(request, CallToolResult))

    async def list_resources(ctx: Any, params: Any) -> Any:
        cursor = params.cursor if params else None
        return await forward(lambda client: client.list_resources(cursor=cursor))

    async def list_templates(ctx: Any, params: Any) -> Any:
        cursor = params.cursor if params else None
        return await forward(lambda client: client.list_resource_templates(cursor=cursor))

    async def read_resource(ctx: Any, params: Any) -> Any:
        return await forward(lambda client: client.read_resource(params.uri))

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
