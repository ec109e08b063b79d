"""Events across server processes with PostgreSQL LISTEN/NOTIFY.

Each commit that recorded events also sends `NOTIFY behflow_events` from inside its own
transaction (PostgreSQL delivers it only if the transaction commits, and never before the rows
are visible). Every process runs a `PgListener`: a thread with its own psycopg connection that
hears announcements from the other processes, loads those events from the table and publishes
them on its local bus. Its own announcements are skipped: the local sink already delivered them.
A commit that revoked tokens announces `{"o", "u", "revoked": true}` the same way (before its
events), and each other process tells that user's streams on its bus to re-check their tokens.
After a lost connection the listener catches up from the table; the bus drops duplicates.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import weakref
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from behflow_server.db import Database
from behflow_server.events import service
from behflow_server.events.bus import EventBus, LiveEvent

CHANNEL = "behflow_events"
# NOTIFY payloads must stay under 8000 bytes; 400 ids of up to 19 digits fit comfortably.
IDS_PER_NOTIFY = 400
CATCH_UP_LIMIT = 10_000
log = logging.getLogger(__name__)

_announcing: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def announce_commits(engine: Engine, origin: str) -> None:
    """Make commits through `engine` NOTIFY their events, tagged with this process's `origin`."""
    _announcing[engine] = origin


def stop_announcing(engine: Engine) -> None:
    _announcing.pop(engine, None)


@sa_event.listens_for(Session, "before_commit")
def _notify_in_transaction(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release: the transaction's own commit announces its events
    pending = service.pending_events(session)
    revoked = service.pending_revocations(session)
    if not pending and not revoked:
        return
    bind = session.get_bind()
    origin = _announcing.get(bind) if isinstance(bind, Engine) else None
    if origin is None:
        return
    for user_id in revoked:
        # Sent before the commit's events; other processes' streams of the user re-check.
        payload = json.dumps({"o": origin, "u": str(user_id), "revoked": True})
        session.execute(
            sa.text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": payload},
        )
    if not pending:
        return
    service.write_pending(session)  # assigns the event ids
    by_user: dict[uuid.UUID, list[int]] = {}
    for event in pending:
        if event.id is not None:
            by_user.setdefault(event.user_id, []).append(event.id)
    for user_id, ids in by_user.items():
        for start in range(0, len(ids), IDS_PER_NOTIFY):
            chunk = ids[start : start + IDS_PER_NOTIFY]
            payload = json.dumps({"o": origin, "u": str(user_id), "ids": chunk})
            session.execute(
                sa.text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": payload},
            )


def conninfo(engine: Engine) -> str:
    """A libpq URL for psycopg from the SQLAlchemy URL (which names the +psycopg driver)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class PgListener:
    """Hears other processes' events and publishes them on the local bus."""

    def __init__(
        self, db: Database, bus: EventBus, origin: str, *, reconnect_seconds: float = 1.0
    ) -> None:
        self.db = db
        self.bus = bus
        self.origin = origin
        self.reconnect_seconds = reconnect_seconds
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._last_seen: int | None = None
        self._thread = threading.Thread(target=self._run, name="behflow-pg-listener", daemon=True)

    def start(self) -> PgListener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:
                self.listening.clear()
                if self._stop.is_set():
                    return
                log.warning("event listener lost PostgreSQL (%s); reconnecting", exc)
                self._stop.wait(self.reconnect_seconds)

    def _listen(self) -> None:
        with psycopg.connect(conninfo(self.db.engine), autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            # Announcements from before LISTEN are not heard; read what was missed from the table.
            self._catch_up()
            self.listening.set()
            while not self._stop.is_set():
                for notify in connection.notifies(timeout=0.5):
                    self._handle(notify.payload)

    def _catch_up(self) -> None:
        with self.db.session() as session:
            if self._last_seen is None:
                self._last_seen = service.latest_event_id(session)
                return
            missed = service.events_after(session, self._last_seen, CATCH_UP_LIMIT)
        if missed:
            self._last_seen = max(e.id for e in missed if e.id is not None)
            self.bus.publish(LiveEvent.of(e) for e in missed)

    def _handle(self, payload: str) -> None:
        try:
            message: dict[str, Any] = json.loads(payload)
            origin = str(message["o"])
            user_id = uuid.UUID(str(message["u"]))
            revoked = message.get("revoked") is True
            ids = [] if revoked else [int(i) for i in message["ids"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring a malformed %s notification: %.200s", CHANNEL, payload)
            return
        if revoked:
            # This process's own revocations already reached its bus after their commit.
            if origin != self.origin:
                self.bus.revoke(user_id)
            return
        if ids:
            self._last_seen = max(self._last_seen or 0, *ids)
        if origin == self.origin or not ids or not self.bus.has_subscribers(user_id):
            return
        with self.db.session() as session:
            events = service.events_by_id(session, ids)
        self.bus.publish(LiveEvent.of(e) for e in events if e.user_id == user_id)
