"""Recording events: written in the same transaction as the change, handed on after commit.

Services call `record_event`; the Event row commits or rolls back with the change itself, and
once the transaction commits the session's `event_sink` (set by the app: the live bus, webhooks)
receives the committed events. A rollback drops them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session

from behflow_server.events.models import Event

EventSink = Callable[[list[Event]], None]
_PENDING = "behflow_pending_events"
SINK = "behflow_event_sink"
log = logging.getLogger(__name__)


def record_event(session: Session, user_id: uuid.UUID, type: str, data: dict[str, Any]) -> Event:
    event = Event(user_id=user_id, type=type, data=data)
    session.add(event)
    session.info.setdefault(_PENDING, []).append(event)
    return event


@sa_event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    events: list[Event] = session.info.pop(_PENDING, [])
    sink: EventSink | None = session.info.get(SINK)
    if events and sink is not None:
        try:
            sink(events)
        except Exception:  # a listener failing must never undo or fail a committed change
            log.exception("event sink failed")


@sa_event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)
