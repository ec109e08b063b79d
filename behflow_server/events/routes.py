"""/api/v1/events: the signed-in user's live event stream (Server-Sent Events)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from fastapi.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from behflow_server.api.deps import Context, CurrentClaims
from behflow_server.auth import service as auth_service
from behflow_server.auth.security import TokenClaims
from behflow_server.errors import InvalidInput, RateLimited, ServiceUnavailable
from behflow_server.events.bus import Subscription
from behflow_server.events.live import LiveEvents
from behflow_server.events.stream import event_stream

router = APIRouter(prefix="/events", tags=["events"])
MAX_CURSOR = 2**63 - 1


async def _live(context: Context) -> LiveEvents:
    live = context.live_events
    if live is None:
        raise ServiceUnavailable("Live events are not running.", code="events_unavailable")
    return live


async def _checked_claims(context: Context, claims: CurrentClaims) -> TokenClaims:
    """The token's claims once its user is known to exist; no session stays open with the stream."""

    def check() -> None:
        with context.db.session() as session:
            auth_service.user_for_token(session, claims)

    await run_in_threadpool(check)
    return claims


def _cursor(last_event_id: str | None, since: int | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return since
    try:
        value = int(last_event_id.strip())
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_CURSOR:
        raise InvalidInput(
            "Last-Event-ID must be an event id (a whole number of 0 or more).",
            details={"field": "Last-Event-ID"},
        )
    return value


@router.get(
    "",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An SSE stream."}},
)
async def stream_events(
    context: Context,
    claims: Annotated[TokenClaims, Depends(_checked_claims)],
    live: Annotated[LiveEvents, Depends(_live)],
    since: Annotated[int | None, Query(ge=0, le=MAX_CURSOR)] = None,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
) -> EventSourceResponse:
    """Your task/chat events as they happen. Resume with `Last-Event-ID` or `?since=<id>`."""
    settings = context.settings
    cursor = _cursor(last_event_id, since)
    # Counted and taken in one step under the bus's lock: a burst of opens cannot overshoot.
    subscription = live.bus.open(claims.user_id, limit=settings.events_max_streams_per_user)
    if subscription is None:
        raise RateLimited(
            f"At most {settings.events_max_streams_per_user} event streams per user"
            " (per server process); close one first.",
            retry_after=5,
        )
    stream = event_stream(
        context.db,
        subscription,
        claims,
        cursor,
        heartbeat_seconds=settings.events_heartbeat_seconds,
        replay_limit=settings.events_replay_limit,
    )
    return _StreamResponse(
        subscription, stream, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


class _StreamResponse(EventSourceResponse):
    """Frees the stream's slot when the response ends, also when the client left before the
    stream's first byte (then the generator never runs, and never closes it itself)."""

    def __init__(self, subscription: Subscription, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscription = subscription

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.subscription.close()
