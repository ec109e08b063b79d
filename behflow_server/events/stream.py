"""One client's Server-Sent Events stream: replay from the table, then live events, heartbeats.

Everything the stream sends is read from the events table after its cursor, the backlog and
each live event alike (the bus only says when to read), so ids only rise and nothing is
skipped, however several replicas' commits interleave.

Frames: `event: <type>`, `id: <event id>`, `data: {"id", "type", "data", "created_at"}`.
Besides the domain events (task.created ...) the stream sends:
- `ready` once the backlog is replayed, with the cursor to resume from (also as its `id`);
- `reset` when the backlog cannot be replayed (too long, purged, or an unknown cursor): reload
  everything, then carry on from the cursor it carries;
- a `: heartbeat` comment line when idle, so proxies keep the connection open.

A revoked token (logout, log out everywhere, password change) ends its streams at once: the
revocation's commit signals the user's streams on the bus (on every process, via NOTIFY on
PostgreSQL), each re-checks its own token, and a stream also re-checks before sending an event
when its last check is older than RECHECK_SECONDS, so a missed signal cannot leak for longer.

A short database outage does not end an open stream: heartbeats keep flowing, a token re-check
that cannot reach the database is tried again at the next heartbeat (a token that is revoked
still ends the stream), and a backlog that cannot be read yet is read once the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi.sse import format_sse_event
from starlette.concurrency import run_in_threadpool

from behflow_server.auth import service as auth_service
from behflow_server.auth.security import TokenClaims
from behflow_server.db import Database, is_database_unavailable, utcnow
from behflow_server.errors import Unauthorized
from behflow_server.events import service
from behflow_server.events.bus import LiveEvent, Signal, Subscription

RETRY_MILLISECONDS = 2000
HEARTBEAT = b": heartbeat\n\n"
# While the database is away, how often a stream tries again to read its backlog.
BACKLOG_RETRY_SECONDS = 1.0
# An event is sent only if the stream's token was found valid at most this long ago.
RECHECK_SECONDS = 1.0
log = logging.getLogger(__name__)


@dataclass
class Backlog:
    cursor: int
    events: list[LiveEvent] = field(default_factory=list)
    reset: bool = False


def load_backlog(db: Database, user_id: uuid.UUID, since: int | None, limit: int) -> Backlog:
    """What a (re)connecting client missed since its cursor, or where a fresh client starts."""
    with db.session() as session:
        own_latest = service.latest_event_id(session, user_id)
        if since is None:
            return Backlog(cursor=own_latest)
        if since > own_latest:
            # Not a cursor this user was given (another database, or a probe): comparing it
            # with the server-wide newest id would tell anyone how busy the other users are.
            return Backlog(cursor=own_latest, reset=True)
        if since < service.oldest_event_id(session) - 1:
            return Backlog(cursor=own_latest, reset=True)  # events after it were purged
        missed = service.events_since(session, user_id, since, limit + 1)
    if len(missed) > limit:
        return Backlog(cursor=own_latest, reset=True)
    events = [LiveEvent.of(e) for e in missed]
    return Backlog(cursor=max([since, *(e.id for e in events)]), events=events)


def frame(event: LiveEvent) -> bytes:
    return format_sse_event(
        data_str=json.dumps(event.public(), separators=(",", ":")),
        event=event.type,
        id=str(event.id),
    )


def control(kind: str, cursor: int) -> bytes:
    return format_sse_event(
        data_str=json.dumps({"last_event_id": cursor}), event=kind, id=str(cursor)
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _token_still_valid(db: Database, claims: TokenClaims) -> bool:
    """False once the token is revoked (or its user gone); True while the database cannot say,
    so a database outage does not cut streams that the next check may well keep."""
    try:
        with db.session() as session:
            auth_service.user_for_token(session, claims)
    except Unauthorized:
        return False
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        log.warning(
            "event stream: token re-check skipped, database unavailable: %s", _first_line(exc)
        )
    return True


class _TokenCheck:
    """When the stream's token was last found valid (the route checked it on opening)."""

    def __init__(self, db: Database, claims: TokenClaims) -> None:
        self.db = db
        self.claims = claims
        self.checked_at = time.monotonic()

    async def still_valid(self, *, force: bool = False) -> bool:
        if not force and time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return True
        if not await run_in_threadpool(_token_still_valid, self.db, self.claims):
            return False
        self.checked_at = time.monotonic()
        return True


def read_after(db: Database, user_id: uuid.UUID, cursor: int, limit: int) -> list[LiveEvent]:
    """The user's committed events after `cursor`, oldest first (at most `limit`)."""
    with db.session() as session:
        return [LiveEvent.of(e) for e in service.events_since(session, user_id, cursor, limit)]


async def event_stream(
    db: Database,
    subscription: Subscription,
    claims: TokenClaims,
    since: int | None,
    *,
    heartbeat_seconds: float,
    replay_limit: int,
) -> AsyncIterator[bytes]:
    """The stream over `subscription` (opened by the caller, counted against the user's cap,
    and closed here when the stream ends).

    What the bus brings is a doorbell: the stream then reads the user's events after its
    cursor from the table. Bus deliveries can come out of order (two commits' after-commit
    hooks race, other replicas' announcements arrive late); the table, where a user's ids
    follow the order of commits (events/service.py), cannot, so the stream's ids only rise and
    a client resuming after the last one it got misses nothing."""
    token = _TokenCheck(db, claims)
    # The subscription exists before the backlog is read so nothing committed in between is
    # lost: it rings the doorbell, and the table is read again after the backlog.
    with contextlib.closing(subscription):
        yield format_sse_event(comment="behflow events", retry=RETRY_MILLISECONDS)
        while True:
            try:
                backlog = await run_in_threadpool(
                    load_backlog, db, claims.user_id, since, replay_limit
                )
                break
            except Exception as exc:
                if not is_database_unavailable(exc):
                    raise
                log.warning("event stream: backlog waits for the database: %s", _first_line(exc))
            if (claims.expires_at - utcnow()).total_seconds() <= 0:
                return
            # Doorbells meanwhile change nothing (the backlog is read from the table); a
            # revocation is acted on, and the shutdown signal ends the stream.
            try:
                async with asyncio.timeout(min(heartbeat_seconds, BACKLOG_RETRY_SECONDS)):
                    signal = await subscription.next()
                    if signal is Signal.CLOSING:
                        return
                    if signal is Signal.REVOKED and not await token.still_valid(force=True):
                        return
                    continue
            except TimeoutError:
                pass
            yield HEARTBEAT
        if not await token.still_valid():  # the backlog may have waited for the database
            return
        if backlog.reset:
            yield control("reset", backlog.cursor)
        for event in backlog.events:
            yield frame(event)
        cursor = backlog.cursor
        yield control("ready", cursor)
        behind = True  # what committed while the backlog was sent is read at once
        while True:
            if behind:
                try:
                    fresh = await run_in_threadpool(
                        read_after, db, claims.user_id, cursor, replay_limit
                    )
                except Exception as exc:
                    if not is_database_unavailable(exc):
                        raise
                    # Still behind: read again after the next heartbeat or doorbell.
                    log.warning("event stream: read waits for the database: %s", _first_line(exc))
                else:
                    for event in fresh:
                        if not await token.still_valid():
                            return
                        yield frame(event)
                        cursor = event.id
                    behind = len(fresh) >= replay_limit  # a full page: read on at once
                    if behind:
                        continue
            remaining = (claims.expires_at - utcnow()).total_seconds()
            if remaining <= 0:
                return  # the client reconnects, gets 401 and logs in again
            try:
                async with asyncio.timeout(min(heartbeat_seconds, remaining)):
                    signals = {await subscription.next(), *subscription.waiting()}
            except TimeoutError:
                if not await token.still_valid(force=True):
                    return
                yield HEARTBEAT
                continue
            if Signal.CLOSING in signals:  # the server is shutting down
                return
            # Some token of this user was revoked: this one? Checked before anything is sent.
            if Signal.REVOKED in signals and not await token.still_valid(force=True):
                return
            behind = behind or Signal.EVENTS in signals
