"""Subtask rules (issue #14), called by the task service: where a task may hang, what
completing, archiving and recurring a parent does to its subtree, and progress counts.

Depth is bounded (MAX_DEPTH levels: a task and four levels below it). A checklist deeper than
that no longer reads as an indented list in a terminal, and the bound keeps every walk up or
down a tree to at most MAX_DEPTH indexed queries, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.errors import Conflict, InvalidInput, NotFound
from behflow_server.tasks import numbers
from behflow_server.tasks.models import OPEN_STATUSES, SubtaskProgress, Task, TaskStatus

MAX_DEPTH = 5
_OPEN = [s.value for s in OPEN_STATUSES]


class SubtaskAction(StrEnum):
    """What completing a parent does to its open subtasks (`?subtasks=`)."""

    complete = "complete"
    leave = "leave"


def _children(session: Session, user_id: uuid.UUID, parent_ids: Iterable[uuid.UUID]) -> list[Task]:
    ids = list(parent_ids)
    if not ids:
        return []
    return list(
        session.exec(
            select(Task)
            .where(col(Task.user_id) == user_id, col(Task.parent_id).in_(ids))
            .order_by(col(Task.number))
        ).all()
    )


def descendants(session: Session, task: Task) -> list[Task]:
    """Every task below `task` (archived ones too), level by level."""
    found: list[Task] = []
    level = [task.id]
    for _ in range(MAX_DEPTH):
        children = _children(session, task.user_id, level)
        if not children:
            break
        found.extend(children)
        level = [child.id for child in children]
    return found


def _height(session: Session, task: Task) -> int:
    """How many levels hang below `task` (0 for a task without subtasks)."""
    height, level = 0, [task.id]
    for _ in range(MAX_DEPTH):
        level = [child.id for child in _children(session, task.user_id, level)]
        if not level:
            break
        height += 1
    return height


def ancestors(session: Session, task: Task) -> list[Task]:
    """The chain above `task`, its parent first."""
    chain: list[Task] = []
    current = task
    while current.parent_id is not None and len(chain) <= MAX_DEPTH:
        parent = session.get(Task, current.parent_id)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return chain


def check_parent(session: Session, user: User, number: int, child: Task | None) -> Task:
    """The task numbered `number` as the parent of `child` (None: a task being created).

    NotFound when the user has no such task (another user's number included), Conflict
    `parent_archived` for an archived parent, InvalidInput `parent_cycle` when the parent is
    the child or below it, `subtask_too_deep` past MAX_DEPTH levels."""
    parent = session.exec(
        select(Task).where(col(Task.user_id) == user.id, col(Task.number) == number)
    ).first()
    if parent is None:
        raise NotFound(
            f"Parent task #{number} not found.",
            code="task_not_found",
            details={"field": "parent", "number": number},
        )
    if parent.archived_at is not None:
        raise Conflict(
            f"Task #{number} is archived; restore it before adding subtasks to it.",
            code="parent_archived",
            details={"field": "parent", "number": number},
        )
    above = ancestors(session, parent)
    if child is not None and (parent.id == child.id or any(a.id == child.id for a in above)):
        raise InvalidInput(
            f"Task #{child.number} cannot go under #{number}: #{number} is "
            f"{'the task itself' if parent.id == child.id else 'one of its subtasks'}.",
            code="parent_cycle",
            details={"field": "parent", "number": number},
        )
    levels = len(above) + 2 + (_height(session, child) if child is not None else 0)
    if levels > MAX_DEPTH:
        raise InvalidInput(
            f"Subtasks go at most {MAX_DEPTH} levels deep; under #{number} this would make "
            f"{levels}.",
            code="subtask_too_deep",
            details={"field": "parent", "number": number, "max_depth": MAX_DEPTH},
        )
    return parent


def open_subtasks(session: Session, task: Task) -> list[Task]:
    """The open, non-archived tasks anywhere below `task`."""
    return [t for t in descendants(session, task) if t.archived_at is None and t.status in _OPEN]


def check_completion(
    session: Session, task: Task, action: SubtaskAction | None, *, also: Sequence[int] = ()
) -> list[Task]:
    """The subtasks to complete along with `task`. With open subtasks and no action (and not
    all of them among `also`, the other numbers completed in the same request), Conflict
    `open_subtasks` naming them."""
    pending = open_subtasks(session, task)
    if not pending or action is SubtaskAction.leave:
        return []
    if action is SubtaskAction.complete:
        return pending
    left = [t.number for t in pending if t.number not in also]
    if not left:
        return []
    raise Conflict(
        f"Task #{task.number} has {len(left)} open subtask{'s' if len(left) != 1 else ''} "
        f"({', '.join(f'#{n}' for n in left)}); say subtasks=complete to complete them too or "
        "subtasks=leave to leave them open.",
        code="open_subtasks",
        details={"number": task.number, "open_subtasks": left},
    )


def archive_subtree(session: Session, task: Task, when: datetime) -> list[Task]:
    """Archive the subtasks below `task` (at `when`, as the parent), the not yet archived."""
    changed = [t for t in descendants(session, task) if t.archived_at is None]
    for t in changed:
        t.archived_at = when
        t.updated_at = when
        session.add(t)
    return changed


def restore_subtree(
    session: Session, task: Task, archived_at: datetime | None, now: datetime
) -> list[Task]:
    """Bring back the subtasks archived together with `task` (same archived_at); a subtask
    archived on its own before stays archived."""
    if archived_at is None:
        return []
    changed = [t for t in descendants(session, task) if t.archived_at == archived_at]
    for t in changed:
        t.archived_at = None
        t.updated_at = now
        session.add(t)
    return changed


def copy_subtree(
    session: Session, user: User, source: Task, target: Task, now: datetime
) -> list[Task]:
    """Copy the non-archived subtree of `source` under `target` (its next occurrence), every
    copy reopened; due, end and reminder times move by as much as the parent's due date did."""
    shift: timedelta | None = None
    if source.due_at is not None and target.due_at is not None:
        shift = target.due_at - source.due_at

    def moved(value: datetime | None) -> datetime | None:
        return value + shift if value is not None and shift is not None else value

    copies: list[Task] = []
    mapping = {source.id: target.id}
    level = [source.id]
    for _ in range(MAX_DEPTH):
        children = [c for c in _children(session, source.user_id, level) if c.archived_at is None]
        if not children:
            break
        for child in children:
            copy = Task(
                user_id=child.user_id,
                number=numbers.next_in_transaction(session, user),
                title=child.title,
                description=child.description,
                priority=child.priority,
                due_at=moved(child.due_at),
                ends_at=moved(child.ends_at),
                tags=list(child.tags),
                project=child.project,
                recurrence=child.recurrence,
                remind_at=moved(child.remind_at),
                extra=dict(child.extra),
                parent_id=mapping[child.parent_id] if child.parent_id else target.id,
                status=TaskStatus.not_started.value,
                created_at=now,
                updated_at=now,
            )
            mapping[child.id] = copy.id
            session.add(copy)
            copies.append(copy)
        level = [child.id for child in children]
    return copies


def progress(
    session: Session, user_id: object, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SubtaskProgress]:
    """Done/total over the direct, non-archived subtasks of each of the user's tasks: one
    grouped query on the (user_id, parent_id) index."""
    if not task_ids:
        return {}
    done = sa.func.sum(sa.case((col(Task.status) == TaskStatus.completed.value, 1), else_=0))
    if session.new or session.dirty:
        session.flush()  # counts include changes of this request not yet sent
    # Core on the connection: the ORM path costs several times the query itself on a page.
    rows = session.connection().execute(
        sa.select(col(Task.parent_id), sa.func.count(), done)
        .where(
            col(Task.user_id) == user_id,
            col(Task.parent_id).in_(list(task_ids)),
            col(Task.archived_at).is_(None),
        )
        .group_by(col(Task.parent_id))
    )
    return {
        parent_id: SubtaskProgress(done=int(d or 0), total=int(total))
        for parent_id, total, d in rows
    }


def parent_number(session: Session, task: Task) -> int | None:
    if task.parent_id is None:
        return None
    parent = session.get(Task, task.parent_id)
    return parent.number if parent is not None else None
