"""Dependencies, named once: Context, SessionDep, CurrentUser, UserZone, Now, the agent."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from behflow_server.auth import cache as token_cache
from behflow_server.auth import service as auth_service
from behflow_server.auth import sessions as account_sessions
from behflow_server.auth.models import User
from behflow_server.auth.security import TokenClaims
from behflow_server.context import AppContext
from behflow_server.errors import InvalidInput, Unauthorized
from behflow_server.tasks import changelog
from behflow_server.timezones import get_zone, is_known_timezone

if TYPE_CHECKING:
    from behflow_server.chat.service import Agent

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/login", auto_error=False)


# Dependencies are async so FastAPI runs them on the event loop instead of paying a
# thread-pool round trip (and a GIL hand-over) for each.


async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


Context = Annotated[AppContext, Depends(get_context)]


async def get_now(context: Context) -> datetime:
    """This request's "now", from the app's clock (tests may set `context.clock`)."""
    return context.clock()


Now = Annotated[datetime, Depends(get_now)]


def get_agent(context: Context) -> Agent:
    # Sync, so the first build (slow imports, model load) runs in the thread pool.
    from behflow_server.chat.service import get_agent as build_once

    return build_once(context)


AgentDep = Annotated["Agent", Depends(get_agent)]


async def get_session(context: Context) -> AsyncIterator[Session]:
    with context.db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_claims(
    context: Context, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> TokenClaims:
    if not token:
        raise Unauthorized(
            "Log in first: this endpoint needs a bearer token.", code="not_authenticated"
        )
    return context.tokens.decode(token)


CurrentClaims = Annotated[TokenClaims, Depends(get_claims)]


async def get_current_user(session: SessionDep, claims: CurrentClaims) -> User:
    # One primary-key lookup, run on the event loop: cheaper than a thread-pool round trip;
    # none when this token was checked less than a second ago (auth/cache.py).
    user = token_cache.recall(session, claims.jti)
    if user is None:
        user = auth_service.user_for_token(session, claims)
        token_cache.remember(claims.jti, user)
    account_sessions.seen(session, claims)  # a write at most every few minutes per session
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_user_zone(
    user: CurrentUser, x_timezone: Annotated[str | None, Header()] = None
) -> ZoneInfo:
    """The client's zone (X-Timezone header) when given and known, else the account's."""
    if x_timezone and is_known_timezone(x_timezone):
        return get_zone(x_timezone)
    return get_zone(user.timezone)


UserZone = Annotated[ZoneInfo, Depends(get_user_zone)]


_CLIENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:/()+-]{0,39}")


async def history_client(
    # Out of the OpenAPI schema: it is on every route (docs/api.md says it once).
    x_behflow_client: Annotated[str | None, Header(max_length=200, include_in_schema=False)] = None,
) -> None:
    """Who this request's changes are recorded as (tasks/changelog.py): the X-Behflow-Client
    header ("cli/0.1", "tui", "web", "mcp"), at most 40 plain characters; "api" without it."""
    if x_behflow_client is None:
        return
    if not _CLIENT_NAME.fullmatch(x_behflow_client):
        raise InvalidInput(
            "X-Behflow-Client must be 1-40 letters, digits, spaces or ._:/()+- characters.",
            code="invalid_client",
            details={"field": "X-Behflow-Client"},
        )
    changelog.CLIENT.set(x_behflow_client)


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]
