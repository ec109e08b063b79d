"""Events across server processes on SQLite: each worker reads the events table.

PostgreSQL tells every process of new events (events/pg.py, LISTEN/NOTIFY); SQLite has no such
channel. With several workers (`BEHFLOW_WORKERS`), each one polls the table for events with a
higher id than it has seen, every `events_poll_seconds`, and publishes them on its bus; its own
events reached the bus at commit already, and the bus drops the duplicates.
"""

from __future__ import annotations

import logging
import threading

from behflow_server.db import Database
from behflow_server.events import service
from behflow_server.events.bus import EventBus, LiveEvent

BATCH = 10_000
log = logging.getLogger(__name__)


class TablePoller:
    def __init__(self, db: Database, bus: EventBus, every_seconds: float) -> None:
        self.db = db
        self.bus = bus
        self.every_seconds = every_seconds
        self._stop = threading.Event()
        self._last_seen: int | None = None
        self._thread = threading.Thread(target=self._run, name="behflow-event-poll", daemon=True)

    def start(self) -> TablePoller:
        with self.db.session() as session:
            self._last_seen = service.latest_event_id(session)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def poll(self) -> int:
        """Publish what other processes committed since the last poll; returns how many."""
        with self.db.session() as session:
            events = service.events_after(session, self._last_seen or 0, BATCH)
        if events:
            self._last_seen = max(e.id for e in events if e.id is not None)
            self.bus.publish(LiveEvent.of(e) for e in events)
        return len(events)

    def _run(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.poll()
            except Exception as exc:  # a locked or unreachable database: try again next time
                log.warning("event poll failed: %s", exc)
