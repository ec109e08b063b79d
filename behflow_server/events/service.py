"""Recording events: written in the same transaction as the change, handed on after commit.

Services call `record_event`; the Event row commits or rolls back with the change itself, and
once the transaction commits the session's `event_sink` (set by the app: the live bus, webhooks)
receives the committed events. A rollback drops them.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from behflow_server import metrics
from behflow_server.events.models import Event

EventSink = Callable[[list[Event]], None]
# Told the id of a user some of whose tokens were just revoked (after the commit).
RevocationSink = Callable[[uuid.UUID], None]
_PENDING = "behflow_pending_events"
_PENDING_REVOCATIONS = "behflow_pending_revocations"
SINK = "behflow_event_sink"
log = logging.getLogger(__name__)

_revocation_sinks: weakref.WeakKeyDictionary[Engine, tuple[RevocationSink, ...]] = (
    weakref.WeakKeyDictionary()
)
_revocation_lock = threading.Lock()


def record_event(session: Session, user_id: uuid.UUID, type: str, data: dict[str, Any]) -> Event:
    event = Event(user_id=user_id, type=type, data=data)
    session.add(event)
    session.info.setdefault(_PENDING, []).append(event)
    return event


def pending_events(session: Session) -> list[Event]:
    """Events recorded in the session's open transaction, not yet committed."""
    return list(session.info.get(_PENDING, ()))


def record_revocation(session: Session, user_id: uuid.UUID) -> None:
    """Signal, once the open transaction commits, that some of the user's tokens were revoked:
    the user's open event streams re-check their tokens and the revoked ones end."""
    session.info.setdefault(_PENDING_REVOCATIONS, {})[user_id] = None


def pending_revocations(session: Session) -> list[uuid.UUID]:
    """Users with a revocation in the session's open transaction, not yet committed."""
    return list(session.info.get(_PENDING_REVOCATIONS, ()))


def add_revocation_sink(engine: Engine, sink: RevocationSink) -> None:
    """Call `sink(user_id)` after each commit through `engine` that revoked tokens of the user."""
    with _revocation_lock:
        current = _revocation_sinks.get(engine, ())
        if sink not in current:
            _revocation_sinks[engine] = (*current, sink)


def remove_revocation_sink(engine: Engine, sink: RevocationSink) -> None:
    with _revocation_lock:
        remaining = tuple(s for s in _revocation_sinks.get(engine, ()) if s != sink)
        if remaining:
            _revocation_sinks[engine] = remaining
        else:
            _revocation_sinks.pop(engine, None)


def events_since(session: Session, user_id: uuid.UUID, after: int, limit: int) -> list[Event]:
    """The user's events with an id above `after`, oldest first."""
    return list(
        session.exec(
            select(Event)
            .where(col(Event.user_id) == user_id, col(Event.id) > after)
            .order_by(col(Event.id))
            .limit(limit)
        ).all()
    )


def events_after(session: Session, after: int, limit: int) -> list[Event]:
    """Everyone's events with an id above `after`, oldest first (for catching up a listener)."""
    return list(
        session.exec(
            select(Event).where(col(Event.id) > after).order_by(col(Event.id)).limit(limit)
        )
    )


def events_by_id(session: Session, ids: list[int]) -> list[Event]:
    return list(session.exec(select(Event).where(col(Event.id).in_(ids)).order_by(col(Event.id))))


def latest_event_id(session: Session, user_id: uuid.UUID | None = None) -> int:
    """The highest event id (the user's, or anyone's); 0 when there is none."""
    query = sa.select(sa.func.max(col(Event.id)))
    if user_id is not None:
        query = query.where(col(Event.user_id) == user_id)
    return int(session.execute(query).scalar_one() or 0)


def oldest_event_id(session: Session) -> int:
    """The lowest event id still kept (older ones were purged); 0 when there is none."""
    return int(session.execute(sa.select(sa.func.min(col(Event.id)))).scalar_one() or 0)


@sa_event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    revoked: dict[uuid.UUID, None] = session.info.pop(_PENDING_REVOCATIONS, {})
    if revoked:
        _signal_revocations(session, list(revoked))
    events: list[Event] = session.info.pop(_PENDING, [])
    if events:
        metrics.events_published([event.type for event in events])
    sink: EventSink | None = session.info.get(SINK)
    if events and sink is not None:
        try:
            sink(events)
        except Exception:  # a listener failing must never undo or fail a committed change
            log.exception("event sink failed")


def _signal_revocations(session: Session, user_ids: list[uuid.UUID]) -> None:
    bind = session.get_bind()
    sinks = _revocation_sinks.get(bind, ()) if isinstance(bind, Engine) else ()
    for user_id in user_ids:
        for sink in sinks:
            try:
                sink(user_id)
            except Exception:  # never fail the committed revocation itself
                log.exception("revocation sink %r failed", sink)


@sa_event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_REVOCATIONS, None)
