"""In-process, per-user doorbells for committed events, rung for asyncio subscribers (the SSE
streams).

Events are published from whatever thread committed them (request worker threads, the
PostgreSQL listener thread), so each hand-over to a subscriber goes through its loop's
`call_soon_threadsafe`. A subscriber is told that the user has new events, not which: it reads
them from the events table after its own cursor (events/stream.py), in the order of their ids,
which is the order their transactions committed. Its queue holds each kind of news once at
most (new events, a revocation, the shutdown), so a slow client costs no memory however many
events it has yet to read.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from behflow_server import metrics
from behflow_server.events.models import Event

# Remembered event ids, so an event reaching the bus twice (committed here and announced by
# PostgreSQL, or replayed after a listener reconnect) is delivered once.
DEDUPE_WINDOW = 10_000


class Signal(enum.Enum):
    """What a subscriber is told, in the order it happened."""

    # The user has new committed events: read the table after the stream's cursor.
    EVENTS = "events"
    # Some of the user's tokens were revoked: re-check the stream's token before going on.
    REVOKED = "revoked"
    # The server is shutting down: end the stream (the client resumes on another replica).
    CLOSING = "closing"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """A committed event detached from its session, safe to pass between threads."""

    id: int
    user_id: uuid.UUID
    type: str
    data: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, event: Event) -> LiveEvent:
        assert event.id is not None, "only committed events are published"
        return cls(event.id, event.user_id, event.type, dict(event.data), event.created_at)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "data": self.data,
            "created_at": self.created_at.isoformat(),
        }


class Subscription:
    """One subscriber's news: each Signal waits in its queue once at most."""

    def __init__(self, user_id: uuid.UUID, loop: asyncio.AbstractEventLoop) -> None:
        self.user_id = user_id
        self.loop = loop
        self._queue: asyncio.Queue[Signal] = asyncio.Queue()
        self._waiting: set[Signal] = set()
        self._bus: EventBus | None = None

    def close(self) -> None:
        """Leave the bus (idempotent): the slot counts against the user's cap until then."""
        bus, self._bus = self._bus, None
        if bus is not None:
            bus._remove(self)

    def _ring(self, signal: Signal) -> None:  # on the subscriber's loop
        if signal not in self._waiting:
            self._waiting.add(signal)
            self._queue.put_nowait(signal)

    async def next(self) -> Signal:
        """The next news, waiting for it."""
        signal = await self._queue.get()
        self._waiting.discard(signal)
        return signal

    def waiting(self) -> list[Signal]:
        """Every news already there, without waiting."""
        signals: list[Signal] = []
        while not self._queue.empty():
            signal = self._queue.get_nowait()
            self._waiting.discard(signal)
            signals.append(signal)
        return signals


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[uuid.UUID, set[Subscription]] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        self.closed = False

    def open(self, user_id: uuid.UUID, *, limit: int | None = None) -> Subscription | None:
        """Subscribe the running event loop to `user_id`'s events; None when the user already
        has `limit` open subscriptions. The count and the add happen under one lock, so a
        burst of concurrent opens cannot overshoot the cap. Close it with `close()`."""
        subscription = Subscription(user_id, asyncio.get_running_loop())
        with self._lock:
            subscribers = self._subscribers.setdefault(user_id, set())
            if limit is not None and len(subscribers) >= limit:
                if not subscribers:
                    del self._subscribers[user_id]
                return None
            subscribers.add(subscription)
            subscription._bus = self
            metrics.SSE_SUBSCRIBERS.inc()
            if self.closed:
                subscription._ring(Signal.CLOSING)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            subscribers = self._subscribers.get(subscription.user_id)
            if subscribers is not None and subscription in subscribers:
                subscribers.discard(subscription)
                metrics.SSE_SUBSCRIBERS.dec()
                if not subscribers:
                    del self._subscribers[subscription.user_id]

    @contextmanager
    def subscribe(self, user_id: uuid.UUID) -> Iterator[Subscription]:
        """Subscribe the running event loop to `user_id`'s events until the block ends."""
        subscription = self.open(user_id)
        assert subscription is not None  # no limit asked
        try:
            yield subscription
        finally:
            subscription.close()

    def has_subscribers(self, user_id: uuid.UUID) -> bool:
        return user_id in self._subscribers

    def subscriptions_of(self, user_id: uuid.UUID) -> int:
        with self._lock:
            return len(self._subscribers.get(user_id, ()))

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subscribers.values())

    def sink(self, events: list[Event]) -> None:
        """An event sink (see events.sinks): publishes a batch of just-committed events."""
        self.publish(LiveEvent.of(event) for event in events)

    def publish(self, events: Iterable[LiveEvent]) -> None:
        """Hand events to their users' subscribers; callable from any thread."""
        targets: set[Subscription] = set()
        with self._lock:
            for event in events:
                if event.id in self._seen:
                    continue
                self._seen[event.id] = None
                if len(self._seen) > DEDUPE_WINDOW:
                    self._seen.popitem(last=False)
                targets.update(self._subscribers.get(event.user_id, ()))
        for subscription in targets:
            _hand_over(subscription, Signal.EVENTS)

    def revoke(self, user_id: uuid.UUID) -> None:
        """Tell the user's streams that some of the user's tokens were revoked (any thread).

        Told after the events already announced, before any committed later."""
        with self._lock:
            subscriptions = list(self._subscribers.get(user_id, ()))
        for subscription in subscriptions:
            _hand_over(subscription, Signal.REVOKED)

    def close(self) -> None:
        """Ask every open stream to end (the server is shutting down)."""
        with self._lock:
            self.closed = True
            subscriptions = [s for group in self._subscribers.values() for s in group]
        for subscription in subscriptions:
            _hand_over(subscription, Signal.CLOSING)


def _hand_over(subscription: Subscription, signal: Signal) -> None:
    # A RuntimeError means that loop has closed: its subscriber is gone.
    with contextlib.suppress(RuntimeError):
        subscription.loop.call_soon_threadsafe(subscription._ring, signal)
