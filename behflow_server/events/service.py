"""Recording events: written in the same transaction as the change, handed on after commit.

Services call `record_event`; the Event row commits or rolls back with the change itself, and
once the transaction commits the session's `event_sink` (set by the app: the live bus, webhooks)
receives the committed events. A rollback drops them.

A user's events are numbered in the order their transactions commit, on every replica, so that
a stream can resume after the last id it sent and miss nothing (`Last-Event-ID`). Ids come from
the table's sequence, and two transactions could take them in one order and commit in the
other: one replica's event 11 visible while another's 10 is not yet, and a client that read 11
never sees 10. So the rows are written only as the transaction commits (`write_pending`, from
`before_commit`), and on PostgreSQL after taking a per-user advisory lock that is held until
the commit is done: a user's next event id is taken only once the previous transaction with
events of that user has committed. The lock is taken last in a transaction, for as long as its
COMMIT, so writes by one user wait for each other's commit only, never for each other's work.
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
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from behflow_server import metrics
from behflow_server.db import dialect_of
from behflow_server.events.models import Event

EventSink = Callable[[list[Event]], None]
# Told the id of a user some of whose tokens were just revoked (after the commit).
RevocationSink = Callable[[uuid.UUID], None]
_PENDING = "behflow_pending_events"
_PENDING_REVOCATIONS = "behflow_pending_revocations"
# How many of the pending events have rows in the session (written by `write_pending`).
_WRITTEN = "behflow_written_events"
# Savepoints open in the session: how many events were pending when each began.
_SAVEPOINT_MARKS = "behflow_event_savepoint_marks"
# The first key of the two-key advisory locks that order each user's events (PostgreSQL).
EVENT_LOCK_CLASS = 727002
SINK = "behflow_event_sink"
log = logging.getLogger(__name__)

_revocation_sinks: weakref.WeakKeyDictionary[Engine, tuple[RevocationSink, ...]] = (
    weakref.WeakKeyDictionary()
)
_revocation_lock = threading.Lock()


def record_event(session: Session, user_id: uuid.UUID, type: str, data: dict[str, Any]) -> Event:
    """An event of the open transaction; its row (and id) is written as the transaction
    commits."""
    event = Event(user_id=user_id, type=type, data=data)
    session.info.setdefault(_PENDING, []).append(event)
    return event


def event_lock_key(user_id: uuid.UUID) -> int:
    """The second key of the user's event lock (a 32-bit int; two users sharing one only wait
    for each other's commits)."""
    return int.from_bytes(user_id.bytes[:4], "big", signed=True)


def write_pending(session: Session) -> None:
    """Give the events recorded so far their rows and ids, in the session's transaction: on
    PostgreSQL first take the event lock of each of their users (held until the transaction
    ends), in one order, so that transactions with several users cannot deadlock."""
    pending: list[Event] = session.info.get(_PENDING, [])
    written: int = session.info.get(_WRITTEN, 0)
    fresh = pending[written:]
    if not fresh:
        return
    if dialect_of(session) == "postgresql":
        for key in sorted({event_lock_key(event.user_id) for event in fresh}):
            # Re-taking a lock this transaction holds (an import's savepoints) returns at once.
            session.execute(
                sa.text("SELECT pg_advisory_xact_lock(:lock_class, :key)"),
                {"lock_class": EVENT_LOCK_CLASS, "key": key},
            )
    session.add_all(fresh)
    session.info[_WRITTEN] = len(pending)
    session.flush()


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


@sa_event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    # A savepoint's release is not the commit: rows written there would go with the savepoint
    # if its own flush then failed, and the lock would be held for the rest of the transaction.
    if not session.in_nested_transaction():
        write_pending(session)


@sa_event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault(_SAVEPOINT_MARKS, {})
        marks[id(transaction)] = len(session.info.get(_PENDING, ()))


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.get(_SAVEPOINT_MARKS, {}).pop(id(transaction), None)


@sa_event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its events wait for the transaction's commit
    session.info.pop(_WRITTEN, None)
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
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        # Only what was recorded inside the savepoint goes; its rows were never written, since
        # rows are written at the transaction's commit only.
        mark = session.info.get(_SAVEPOINT_MARKS, {}).get(id(savepoint))
        if mark is not None:
            del session.info.get(_PENDING, [])[mark:]
        return
    session.info.pop(_PENDING, None)
    session.info.pop(_WRITTEN, None)
    session.info.pop(_PENDING_REVOCATIONS, None)
