"""Live events for one running app: the bus, its sink, and on PostgreSQL the cross-process parts.

Started and stopped by the app's lifespan; the route finds it in `context.live_events`.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import uuid
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from behflow_server.context import AppContext
from behflow_server.events.bus import EventBus
from behflow_server.events.service import add_revocation_sink, remove_revocation_sink
from behflow_server.events.sinks import sinks_of

if TYPE_CHECKING:
    from behflow_server.events.pg import PgListener
    from behflow_server.events.poll import TablePoller

_SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class LiveEvents:
    def __init__(self, context: AppContext, on_shutdown: Callable[[], None] | None = None) -> None:
        self.context = context
        self.on_shutdown = on_shutdown
        self.bus = EventBus()
        self.origin = uuid.uuid4().hex
        self.listener: PgListener | None = None
        self.poller: TablePoller | None = None
        self._previous_handlers: dict[int, Any] = {}

    @classmethod
    def start_for(
        cls, context: AppContext, on_shutdown: Callable[[], None] | None = None
    ) -> LiveEvents:
        live = cls(context, on_shutdown)
        live.start()
        return live

    def start(self) -> None:
        db = self.context.db
        sinks_of(db).add(self.bus.sink)
        add_revocation_sink(db.engine, self.bus.revoke)
        if db.kind == "postgresql":
            from behflow_server.events.pg import PgListener, announce_commits

            announce_commits(db.engine, self.origin)
            self.listener = PgListener(db, self.bus, self.origin).start()
        elif self.context.settings.workers > 1:
            from behflow_server.events.poll import TablePoller

            every = self.context.settings.events_poll_seconds
            self.poller = TablePoller(db, self.bus, every).start()
        self._close_streams_on_shutdown_signal()
        self.context.live_events = self

    def stop(self) -> None:
        self.context.live_events = None
        self._restore_signal_handlers()
        self.bus.close()
        sinks_of(self.context.db).remove(self.bus.sink)
        remove_revocation_sink(self.context.db.engine, self.bus.revoke)
        if self.poller is not None:
            self.poller.stop()
        if self.listener is not None:
            from behflow_server.events.pg import stop_announcing

            stop_announcing(self.context.db.engine)
            self.listener.stop()

    def _close_streams_on_shutdown_signal(self) -> None:
        # uvicorn waits for open responses to finish before it runs the lifespan shutdown, and an
        # event stream never finishes by itself; so on SIGINT/SIGTERM close the streams first,
        # then let uvicorn's own handler proceed. Signal handlers exist only in the main thread.
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in _SHUTDOWN_SIGNALS:
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                # Not bus.close() itself: the interrupted code may hold the bus's lock.
                loop.call_soon_threadsafe(self.bus.close)
                if self.on_shutdown is not None:
                    self.on_shutdown()
                previous(signum, frame)

            self._previous_handlers[sig] = previous
            signal.signal(sig, handler)

    def _restore_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, previous in self._previous_handlers.items():
            signal.signal(sig, previous)
        self._previous_handlers.clear()
