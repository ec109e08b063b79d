"""A fan-out of committed-event sinks, so several consumers (live bus, webhooks...) can listen.

`Database.event_sink` holds one callable; `sinks_of(db)` swaps in a `SinkFanout` the first time
anyone asks and every consumer adds itself to it, in any order:

    sinks_of(context.db).add(my_sink)   # my_sink(events: list[Event]) -> None
"""

from __future__ import annotations

import logging
import threading

from behflow_server.db import Database
from behflow_server.events.service import EventSink

log = logging.getLogger(__name__)
_install_lock = threading.Lock()


class SinkFanout:
    """Calls every sink with each batch of committed events; one failing never stops the rest."""

    def __init__(self) -> None:
        self._sinks: tuple[EventSink, ...] = ()
        self._lock = threading.Lock()

    def add(self, sink: EventSink) -> None:
        with self._lock:
            if sink not in self._sinks:
                self._sinks = (*self._sinks, sink)

    def remove(self, sink: EventSink) -> None:
        with self._lock:
            self._sinks = tuple(s for s in self._sinks if s != sink)

    def __len__(self) -> int:
        return len(self._sinks)

    def __call__(self, events: list[object]) -> None:
        for sink in self._sinks:  # a snapshot: the tuple is replaced, never mutated
            try:
                sink(events)  # type: ignore[arg-type]  # each sink takes its own event type
            except Exception:
                log.exception("event sink %r failed", sink)


def sinks_of(db: Database) -> SinkFanout:
    """The database's sink fan-out, created (keeping any sink already set) on first use."""
    with _install_lock:
        current = db.event_sink
        if isinstance(current, SinkFanout):
            return current
        fanout = SinkFanout()
        if current is not None:
            fanout.add(current)
        db.event_sink = fanout
        return fanout
