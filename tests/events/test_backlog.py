"""What a reconnecting client is sent: the replay, or a reset when replaying cannot be complete."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from behflow_server.auth.models import RegisterRequest, User
from behflow_server.auth.service import register
from behflow_server.db import Database
from behflow_server.events.models import Event
from behflow_server.events.service import record_event
from behflow_server.events.stream import load_backlog


def account(session: Session, name: str) -> User:
    return register(session, RegisterRequest(username=name, password="correct horse"))


def test_backlog_replays_resets_and_starts_fresh(database: Database, session: Session) -> None:
    alice, bob = account(session, "alice"), account(session, "bob")
    ids = []
    for index in range(5):
        owner = alice if index != 2 else bob
        ids.append(record_event(session, owner.id, "task.created", {"n": index}))
        session.commit()
    alice_ids = [e.id for e in ids if e.user_id == alice.id]

    fresh = load_backlog(database, alice.id, None, limit=10)
    assert (fresh.cursor, fresh.events, fresh.reset) == (alice_ids[-1], [], False)

    resumed = load_backlog(database, alice.id, alice_ids[1], limit=10)
    assert [e.id for e in resumed.events] == alice_ids[2:]  # bob's event in between is not sent
    assert not resumed.reset and resumed.cursor == alice_ids[-1]

    too_many = load_backlog(database, alice.id, 0, limit=2)
    assert too_many.reset and too_many.events == [] and too_many.cursor == alice_ids[-1]

    unknown = load_backlog(database, alice.id, 10_000, limit=10)
    assert unknown.reset

    session.execute(sa.delete(Event).where(col(Event.id) <= alice_ids[1]))
    session.commit()
    purged = load_backlog(database, alice.id, alice_ids[0], limit=10)
    assert purged.reset  # events after the cursor are gone: reload instead of a partial replay
    still_whole = load_backlog(database, alice.id, alice_ids[1], limit=10)
    assert not still_whole.reset and [e.id for e in still_whole.events] == alice_ids[2:]


def test_a_cursor_says_nothing_about_other_users_events(
    database: Database, session: Session
) -> None:
    # Issue #10, point 9: `?since=` used to be compared with the server-wide newest id, so a
    # user could tell how many events other users had by probing where the reset starts.
    alice, bob = account(session, "alice"), account(session, "bob")
    bobs = record_event(session, bob.id, "task.created", {})
    session.commit()
    bob_id = bobs.id
    assert bob_id is not None
    for index in range(5):
        record_event(session, alice.id, "task.created", {"n": index})
        session.commit()
    between = load_backlog(database, bob.id, bob_id + 3, limit=10)  # below the newest id
    beyond = load_backlog(database, bob.id, bob_id + 1_000, limit=10)
    assert between.reset and beyond.reset
    assert (between.cursor, between.events) == (beyond.cursor, beyond.events) == (bob_id, [])
    assert not load_backlog(database, bob.id, bob_id, limit=10).reset
