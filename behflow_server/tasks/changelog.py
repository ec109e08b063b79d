"""Recording every change to a user's tasks as changesets (issue #14): the tables and the hook.

A `before_flush` hook on every session reads SQLAlchemy's attribute history of the recorded
models (the REGISTRY: tasks today; another model registers with `register`) and writes, per
user, one ChangeSet with one TaskChange per row: every column that changed, before and after
(a created row has before=None, a hard-deleted one after=None, each with its full image). So a
column added to Task later is recorded without an edit here.

What counts as one changeset: by default one transaction (one commit). `changeset(session)`
widens that to everything committed inside it (a bulk complete, an import, an agent tool call,
one automation run). Who made it: `acting_as(client)` for the code inside it, else the
request's X-Behflow-Client header (api/deps.py puts it in CLIENT), else "api".

This module knows nothing of the task service, so the service can use it without a cycle;
reading and undoing changesets is tasks/history.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from behflow_server.db import JSONType, UTCDateTime, utcnow
from behflow_server.tasks.models import Task

# Who is changing things in this context: "cli/0.1", "tui", "web", "mcp", "agent (via web)",
# "automation:reschedule_overdue", "import". Set per request from the header (api/deps.py).
CLIENT: ContextVar[str | None] = ContextVar("behflow_history_client", default=None)
DEFAULT_CLIENT = "api"
MAX_CLIENT = 60

_GROUP = "behflow_history_group"  # session.info: the open changeset scope, if any
_TX_GROUP = "behflow_history_tx_group"  # session.info: this transaction's changesets


class ChangeKind:
    change = "change"
    undo = "undo"
    redo = "redo"


class ChangeSet(SQLModel, table=True):
    """One logical change by one user: a PATCH, a bulk action, an import, an undo."""

    __tablename__ = "history_changesets"
    __table_args__ = (sa.Index("ix_history_changesets_user_created", "user_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    client: str = Field(max_length=MAX_CLIENT)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # "change" (anything a user or automation did), "undo" or "redo".
    kind: str = Field(default=ChangeKind.change, max_length=8)
    # For an undo: the changeset it reverted; for a redo: the undo it reverted.
    reverts_id: uuid.UUID | None = Field(default=None)
    # The undo (or redo) that reverted this changeset; set once, by a conditional UPDATE, so
    # of two replicas undoing the same changeset exactly one wins.
    reverted_by_id: uuid.UUID | None = Field(default=None)


class TaskChange(SQLModel, table=True):
    """One recorded row's change inside a changeset: the columns that changed, before/after."""

    __tablename__ = "history_task_changes"
    __table_args__ = (
        sa.Index("ix_history_task_changes_changeset", "changeset_id"),
        sa.Index("ix_history_task_changes_user_number", "user_id", "number"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    changeset_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("history_changesets.id", ondelete="CASCADE"), nullable=False
        )
    )
    user_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    # Which registered model ("task") and row; no foreign key: a hard-deleted row stays here.
    model: str = Field(default="task", max_length=30)
    row_id: uuid.UUID
    number: int | None = None
    position: int = 0  # the order the rows changed in, within the changeset
    # JSON objects of column -> value; None: the row did not exist before (or after).
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


@dataclass(frozen=True)
class Recorded:
    """A model whose changes are recorded: its name in history, and columns left out."""

    name: str
    model: type[SQLModel]
    # Bookkeeping that changes with every write; recording it would make every change a
    # conflict with every other.
    ignored: frozenset[str] = frozenset({"updated_at"})
    # The task number a row belongs to, when the row has no `number` of its own (a note).
    number_of: Callable[[OrmSession, Any], int | None] | None = None


REGISTRY: dict[type[SQLModel], Recorded] = {}


def register(
    model: type[SQLModel],
    name: str,
    ignored: frozenset[str] | None = None,
    number_of: Callable[[OrmSession, Any], int | None] | None = None,
) -> None:
    """Record changes to `model` (which has `id`, `user_id` and optionally `number`)."""
    entry = Recorded(name, model, ignored if ignored is not None else Recorded.ignored, number_of)
    REGISTRY[model] = entry
    # active_history: the old value is loaded before a set, so `before` is always known.
    for column in sa.inspect(model).column_attrs:
        sa_event.listen(column, "set", _noop, active_history=True)


def _noop(*_: Any) -> None:
    return None


def columns(model: type[SQLModel]) -> list[str]:
    entry = REGISTRY[model]
    return [c.key for c in sa.inspect(model).column_attrs if c.key not in entry.ignored]


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)  # one spelling per instant, so values compare
    return to_jsonable_python(value)


def image(obj: Any) -> dict[str, Any]:
    """Every recorded column of a row, as JSON values."""
    return {name: jsonable(getattr(obj, name)) for name in columns(type(obj))}


@dataclass
class _Group:
    client: str
    kind: str = ChangeKind.change
    reverts_id: uuid.UUID | None = None
    changeset_id: uuid.UUID | None = None
    sets: dict[uuid.UUID, ChangeSet] = field(default_factory=dict)
    rows: dict[tuple[str, uuid.UUID], TaskChange] = field(default_factory=dict)


def current_client() -> str:
    return CLIENT.get() or DEFAULT_CLIENT


@contextmanager
def acting_as(client: str) -> Iterator[None]:
    """Changes made inside are recorded as made by `client`."""
    token = CLIENT.set(client[:MAX_CLIENT])
    try:
        yield
    finally:
        CLIENT.reset(token)


@contextmanager
def changeset(
    session: OrmSession,
    *,
    client: str | None = None,
    kind: str = ChangeKind.change,
    reverts_id: uuid.UUID | None = None,
    changeset_id: uuid.UUID | None = None,
) -> Iterator[_Group]:
    """Everything committed through `session` inside is one changeset per user. Nested scopes
    join the outer one."""
    outer = session.info.get(_GROUP)
    if outer is not None and kind == ChangeKind.change and changeset_id is None:
        yield outer
        return
    group = _Group(
        client=(client or current_client())[:MAX_CLIENT],
        kind=kind,
        reverts_id=reverts_id,
        changeset_id=changeset_id,
    )
    session.info[_GROUP] = group
    try:
        yield group
    finally:
        if outer is None:
            session.info.pop(_GROUP, None)
        else:  # an undo inside an agent's tool call is a changeset of its own
            session.info[_GROUP] = outer


def _group(session: OrmSession) -> _Group:
    group: _Group | None = session.info.get(_GROUP) or session.info.get(_TX_GROUP)
    if group is None:
        group = _Group(client=current_client())
        session.info[_TX_GROUP] = group
    return group


def open_changeset(session: OrmSession, group: _Group, user_id: uuid.UUID) -> ChangeSet:
    """The scope's changeset for this user, created (empty) if nothing was recorded yet."""
    return _changeset_for(session, group, user_id)


def _changeset_for(session: OrmSession, group: _Group, user_id: uuid.UUID) -> ChangeSet:
    found = group.sets.get(user_id)
    if found is None:
        found = ChangeSet(
            id=group.changeset_id if group.changeset_id and not group.sets else uuid.uuid4(),
            user_id=user_id,
            client=group.client,
            kind=group.kind,
            reverts_id=group.reverts_id,
        )
        group.sets[user_id] = found
        session.add(found)
    return found


def _updated(obj: Any, entry: Recorded) -> tuple[dict[str, Any], dict[str, Any]]:
    state = sa.inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in columns(entry.model):
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        old_json, new_json = jsonable(old), jsonable(new)
        if old_json != new_json:
            before[name], after[name] = old_json, new_json
    return before, after


def _record(
    session: OrmSession,
    obj: Any,
    entry: Recorded,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    group = _group(session)
    changeset = _changeset_for(session, group, obj.user_id)
    key = (entry.name, obj.id)
    row = group.rows.get(key)
    if row is None:
        row = TaskChange(
            changeset_id=changeset.id,
            user_id=obj.user_id,
            model=entry.name,
            row_id=obj.id,
            number=(
                entry.number_of(session, obj) if entry.number_of else getattr(obj, "number", None)
            ),
            position=len(group.rows),
            before=before,
            after=after,
        )
        group.rows[key] = row
        session.add(row)
        return
    # The same row again in this changeset: keep the first before, merge the afters.
    if row.before is None:  # created in this changeset
        row.after = None if after is None else {**(row.after or {}), **after}
    elif after is None:  # deleted in this changeset: its image as it first was
        row.before = {**(before or {}), **row.before}
        row.after = None
    else:
        merged_before = {**(before or {}), **row.before}
        merged_after = {**(row.after or {}), **after}
        row.before = {k: v for k, v in merged_before.items() if merged_after.get(k) != v}
        row.after = {k: merged_after[k] for k in row.before}
    session.add(row)


def record_deleted(session: OrmSession, rows: list[Any]) -> None:
    """Rows about to be removed by one bulk DELETE statement (which the flush hook cannot see):
    each recorded with its whole image, so an undo puts it back."""
    for obj in rows:
        entry = REGISTRY.get(type(obj))
        if entry is not None:
            _record(session, obj, entry, image(obj), None)


@sa_event.listens_for(OrmSession, "before_flush")
def _before_flush(session: OrmSession, _context: Any, _instances: Any) -> None:
    for obj in list(session.new):
        entry = REGISTRY.get(type(obj))
        if entry is not None:
            _record(session, obj, entry, None, image(obj))
    for obj in list(session.dirty):
        entry = REGISTRY.get(type(obj))
        if entry is None or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _updated(obj, entry)
        if after:
            _record(session, obj, entry, before, after)
    for obj in list(session.deleted):
        entry = REGISTRY.get(type(obj))
        if entry is not None:
            _record(session, obj, entry, _committed_image(obj), None)


def _committed_image(obj: Any) -> dict[str, Any]:
    state = sa.inspect(obj)
    values: dict[str, Any] = {}
    for name in columns(type(obj)):
        history = state.attrs[name].history
        value = history.deleted[0] if history.deleted else getattr(obj, name)
        values[name] = jsonable(value)
    return values


@sa_event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    session.info.pop(_TX_GROUP, None)


@sa_event.listens_for(OrmSession, "after_soft_rollback")
def _after_rollback(session: OrmSession, _previous: Any) -> None:
    """A rolled-back transaction's changesets are gone; a scope keeps those committed before."""
    session.info.pop(_TX_GROUP, None)
    group: _Group | None = session.info.get(_GROUP)
    if group is None:
        return
    group.sets = {k: v for k, v in group.sets.items() if sa.inspect(v).persistent}
    group.rows = {k: v for k, v in group.rows.items() if sa.inspect(v).persistent}


register(Task, "task")
