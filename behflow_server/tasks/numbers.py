"""Per-user task numbers (`#12`): handed out in order, never twice, never reused.

The counter is a column of the user's row (`users.task_counter`), next to `tasks_version`, the
version list totals are cached against (tasks/query.py). Taking a number updates that row, so
two creates by one user wait for each other while the row is locked, and a row lock lasts
until its transaction has committed, which on PostgreSQL means until the commit is on disk
(~6 ms with fsync on this kind of machine). With the number taken inside the create's own
transaction, creates by one user ran one after another, an fsync each: ~45 requests/s per
server from two servers, p99 ~1.5 s (docs/benchmarks.md).

So on PostgreSQL a create takes its number in a transaction of its own that does not wait for
the disk (`synchronous_commit = off`): the row is locked for the one UPDATE (microseconds).
That loses nothing: PostgreSQL's log is written in order, so the create's own (synchronous)
commit puts the number's commit on disk first; a task that exists always has its number
counted. A create that fails after taking its number (the database going away mid-request)
leaves that number unused: numbers can have gaps, never duplicates. The version bump, which
must come after the task is visible, follows the create's commit the same way.

Where the request's transaction has already written (the next occurrence of a recurring task,
made while completing its predecessor), where the session is joined to a caller's transaction
(an import, all or nothing), or on SQLite (one writer at a time anyway), the number is taken
inside that transaction as before.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from behflow_server.auth.models import User
from behflow_server.db import dialect_of

log = logging.getLogger(__name__)


def _bump(
    session: Session, user: User, *, counter: bool, version: bool, alone: bool = False
) -> int:
    values: dict[str, Any] = {}
    if counter:
        values["task_counter"] = User.task_counter + 1
    if version:
        values["tasks_version"] = User.tasks_version + 1
    statement = (
        sa.update(User)
        .where(col(User.id) == user.id)
        .values(**values)
        .returning(col(User.task_counter), col(User.tasks_version))
    )
    if alone:
        # One statement, one round trip, its own transaction on a connection of its own: the
        # row is locked while PostgreSQL runs it, not while Python gets round to COMMIT. The
        # setting, local to that transaction, lets its commit skip the wait for the disk.
        statement = statement.where(
            sa.func.set_config("synchronous_commit", "off", True).is_not(None)
        )
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            number, tasks_version = connection.execute(statement).one()
    else:
        number, tasks_version = session.execute(statement).one()
    set_committed_value(user, "task_counter", number)
    set_committed_value(user, "tasks_version", tasks_version)
    return int(number)


def next_in_transaction(session: Session, user: User) -> int:
    """The user's next number, taken in the session's transaction (its row lock lasts until
    that transaction ends); also marks the user's task data as changed."""
    return _bump(session, user, counter=True, version=True)


def touch(session: Session, user: User) -> None:
    """Mark the user's task data as changed (list totals are cached against this version)."""
    _bump(session, user, counter=False, version=True)


def _owns_its_transaction(session: Session) -> bool:
    """A PostgreSQL session whose commit is a real commit: not one joined to a caller's
    connection (an import's single transaction, rolled back in a dry run: its numbers must
    roll back with it) nor inside a savepoint."""
    return (
        dialect_of(session) == "postgresql"
        and isinstance(session.get_bind(), Engine)
        and not session.in_nested_transaction()
    )


def _nothing_written(session: Session) -> bool:
    """The session's transaction holds no row locks and has nothing to flush, so another
    connection can update the user's row without waiting for it (no transaction id: no
    write, no FOR UPDATE)."""
    if session.new or session.dirty or session.deleted:
        return False
    assigned = session.execute(sa.text("SELECT txid_current_if_assigned()")).scalar_one()
    return assigned is None


def take(session: Session, user: User) -> tuple[int, bool]:
    """The user's next number for a new task, and whether it was taken in a transaction of its
    own; if so, call `after_commit` once the task's transaction has committed."""
    if not _owns_its_transaction(session) or not _nothing_written(session):
        return next_in_transaction(session, user), False
    # Ending the read-only transaction hands its connection back to the pool, so this thread
    # holds one connection at a time: many creates at once cannot exhaust the pool waiting
    # for a second one each.
    session.commit()
    return _bump(session, user, counter=True, version=False, alone=True), True


def after_commit(session: Session, user: User) -> None:
    """Mark the data changed after a create that took its number alone. The task is already
    saved, so a failure here only costs a cached list total until the user's next change."""
    try:
        _bump(session, user, counter=False, version=True, alone=True)
    except sa.exc.SQLAlchemyError:
        log.warning("could not mark user %s's tasks as changed after a create", user.id)
