"""The MCP server (the SDK's low-level Server): tools and resources for the caller only.

The low-level Server rather than MCPServer (the SDK's decorator layer) because the tools'
schemas are the agent's existing Pydantic models: MCPServer derives a schema from each
function's signature, which would be a second copy of every argument. The caller is whoever
the HTTP transport authenticated (http.py puts the user's id and time zone on the request
scope); handlers never take a user from the client's arguments.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import anyio.to_thread
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    CallToolRequestParams,
    CallToolResult,
    ListResourcesResult,
    ListResourceTemplatesResult,
    ListToolsResult,
    PaginatedRequestParams,
    ReadResourceRequestParams,
    ReadResourceResult,
    TextResourceContents,
)
from sqlmodel import Session

from behflow_server import __version__
from behflow_server.auth.models import User
from behflow_server.context import AppContext
from behflow_server.db import is_database_unavailable
from behflow_server.errors import NotFound
from behflow_server.mcp import resources, tools
from behflow_server.mcp.confirmations import Confirmations
from behflow_server.mcp.scope import USER_KEY, ZONE_KEY

# The MCP spec's code for a resource that does not exist.
RESOURCE_NOT_FOUND = -32002

INSTRUCTIONS = """\
Behflow is the user's task manager. Tasks have a #number; use numbers once you know them.
Changing several tasks, and every delete, first returns status "needs_confirmation" with a
confirmation_id: show the user what it would do, and only after they agree call the same tool
again with that confirmation_id. Resources: behflow://today, behflow://overdue and
behflow://tasks/{number} (JSON)."""

T = TypeVar("T")


def _caller(ctx: ServerRequestContext[Any, Any]) -> tuple[uuid.UUID, ZoneInfo]:
    request = ctx.request
    scope = getattr(request, "scope", None) or {}
    if USER_KEY not in scope:  # only reachable if the transport skipped authentication
        raise MCPError(INVALID_REQUEST, "Not authenticated.")
    return scope[USER_KEY], scope[ZONE_KEY]


def build_server(context: AppContext) -> Server[Any]:
    confirmations = Confirmations(context.tokens.secret_key)

    def with_user(user_id: uuid.UUID, work: Callable[[Session, User], T]) -> T:
        """Run `work` on a fresh session for this user (in a worker thread: it is blocking)."""
        try:
            with context.db.session() as session:
                user = session.get(User, user_id)
                if user is None:
                    raise MCPError(INVALID_REQUEST, "This account no longer exists.")
                return work(session, user)
        except Exception as exc:
            if is_database_unavailable(exc):
                raise MCPError(INTERNAL_ERROR, "The database is not reachable; try again.") from exc
            raise

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=list(tools.definitions()))

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult:
        user_id, zone = _caller(ctx)

        def run(session: Session, user: User) -> CallToolResult:
            call = tools.ToolCall(session, user, zone, context.clock(), confirmations)
            return call.run(params.name, params.arguments)

        return await anyio.to_thread.run_sync(partial(with_user, user_id, run))

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        return ListResourcesResult(resources=resources.RESOURCES)

    async def list_templates(
        ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourceTemplatesResult:
        return ListResourceTemplatesResult(resource_templates=resources.TEMPLATES)

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        user_id, zone = _caller(ctx)

        def read(session: Session, user: User) -> str:
            return resources.ResourceRead(session, user, zone, context.clock()).read(params.uri)

        try:
            text = await anyio.to_thread.run_sync(partial(with_user, user_id, read))
        except NotFound as exc:
            raise MCPError(RESOURCE_NOT_FOUND, exc.message, {"uri": params.uri}) from None
        return ReadResourceResult(
            contents=[TextResourceContents(uri=params.uri, mime_type=resources.MIME, text=text)]
        )

    return Server(
        "behflow",
        version=__version__,
        title="Behflow",
        description="Self-hosted task manager with an AI agent.",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=tools.input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )
