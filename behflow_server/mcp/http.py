"""Streamable HTTP at /mcp, behind the API's bearer tokens.

Every request is authenticated like an API call (the same token decoding and revocation check
as `CurrentUser`, the same zone rule as `UserZone`); a missing, expired or revoked token gets
401 with the project's JSON error body and `WWW-Authenticate: Bearer`. The SDK's session
manager runs stateless with JSON responses: no session lives on one replica, each request
carries its own token, so a replica restart or a load balancer costs nothing.

The SDK costs about a second to import, so it is loaded, and its session manager started, on
the first request to /mcp rather than with every server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.to_thread
from fastapi import FastAPI
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from behflow_server.api.deps import get_user_zone
from behflow_server.api.handlers import error_response
from behflow_server.auth import service as auth_service
from behflow_server.context import AppContext
from behflow_server.db import is_database_unavailable
from behflow_server.errors import BehflowError, ServiceUnavailable, Unauthorized
from behflow_server.mcp.scope import USER_KEY, ZONE_KEY

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

PATH = "/mcp"
# Where the authenticated caller rides on the ASGI scope for the MCP handlers (server.py).
CHALLENGE = 'Bearer realm="behflow"'


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "Log in first: /mcp needs a bearer token (Authorization: Bearer <token>).",
            code="not_authenticated",
        )
    return token.strip()


class McpEndpoint:
    """The ASGI app mounted at /mcp."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self._group: anyio.abc.TaskGroup | None = None
        self._manager: StreamableHTTPSessionManager | None = None
        self._starting = anyio.Lock()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the app's lifespan: the task group the session manager lives in once started."""
        async with anyio.create_task_group() as group:
            self._group = group
            try:
                yield
            finally:
                self._group = None
                self._manager = None
                group.cancel_scope.cancel()

    async def _session_manager(self) -> StreamableHTTPSessionManager:
        async with self._starting:
            if self._manager is None:
                if self._group is None:
                    raise ServiceUnavailable("The MCP endpoint is not running.")
                self._manager = await self._group.start(self._serve)
        return self._manager

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[Any]) -> None:
        def build() -> StreamableHTTPSessionManager:
            from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

            from behflow_server.mcp.server import build_server

            # No DNS-rebinding guard (security_settings): every request needs a bearer token,
            # which a browser never attaches on its own, and Host checks would break proxies.
            return StreamableHTTPSessionManager(
                app=build_server(self.context), stateless=True, json_response=True
            )

        manager = await anyio.to_thread.run_sync(build)
        async with manager.run():
            task_status.started(manager)
            await anyio.sleep_forever()

    async def _authenticate(self, request: Request) -> dict[str, Any]:
        claims = self.context.tokens.decode(_bearer(request))
        try:
            with self.context.db.session() as session:
                user = auth_service.user_for_token(session, claims)
        except BehflowError:
            raise
        except Exception as exc:
            if is_database_unavailable(exc):
                raise ServiceUnavailable(
                    "The database is not reachable.", code="database_unavailable"
                ) from exc
            raise
        zone = await get_user_zone(user, request.headers.get("x-timezone"))
        return {USER_KEY: user.id, ZONE_KEY: zone}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            caller = await self._authenticate(request)
            if request.method != "POST":
                # Stateless: no session to end (DELETE) and no stream of server-initiated
                # messages (GET), which would otherwise stay open with nothing to send.
                raise BehflowError(
                    "/mcp takes POST: this server keeps no MCP sessions or event streams.",
                    status=405,
                    code="method_not_allowed",
                    headers={"Allow": "POST"},
                )
            manager = await self._session_manager()
        except BehflowError as exc:
            headers = dict(exc.headers or {})
            if exc.status == 401:
                headers["WWW-Authenticate"] = CHALLENGE
            response = error_response(exc.status, exc.code, exc.message, exc.details, headers)
            await response(scope, receive, send)
            return
        await manager.handle_request({**scope, **caller}, receive, send)


def mount(app: FastAPI, context: AppContext) -> McpEndpoint:
    """Serve MCP at /mcp on `app`; enter the returned endpoint's `running()` in the lifespan."""
    endpoint = McpEndpoint(context)
    app.router.routes.append(Route(PATH, endpoint=endpoint))
    return endpoint
