"""A user's history of changes, and undo/redo over it (issue #14).

Changesets are recorded by tasks/changelog.py whatever path made the change. Here they are
read (recent changesets, one task's log) and reverted. Undo puts the recorded before-values
back through the task service (events, webhooks and list versions follow as for any change)
and is itself a changeset, of kind "undo", that redo reverts. Rules:

- Undo takes the user's newest changeset not yet undone (or the one named); redo takes the
  newest undo not yet redone, and only while no new change was made since.
- A changeset whose fields were changed since (the current value is not the one it left) is
  not reverted silently: Conflict `history_conflict`, naming the tasks and fields, unless
  `force`.
- Undoing a create archives the task; undoing an archive or a hard delete puts the task back
  (a hard delete keeps the row's full before-image, so the same id and #number return).
- Claiming a changeset for its undo is one conditional UPDATE, so of two servers undoing the
  same changeset at once exactly one wins; the other gets Conflict `already_undone`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field, TypeAdapter
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.db import rowcount, utcnow
from behflow_server.errors import Conflict, NotFound
from behflow_server.events.service import record_event
from behflow_server.notes.models import TaskNote
from behflow_server.tasks import changelog, service
from behflow_server.tasks.changelog import ChangeKind, ChangeSet, TaskChange
from behflow_server.tasks.models import Task, TaskStatus

NOTE = "note"  # the history's name for notes (notes/service.py registers them)
MAX_PAGE = 200
# How far back the redo check and the summaries look (a bound on one request's work).
MAX_ROWS = 1000

Action = Literal[
    "created",
    "updated",
    "completed",
    "reopened",
    "archived",
    "restored",
    "deleted",
    "noted",
    "edited note on",
    "deleted note from",
]


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class RowChange(BaseModel):
    number: int | None
    title: str | None
    action: Action
    fields: list[FieldChange]


class ChangeSetPublic(BaseModel):
    id: uuid.UUID
    client: str
    created_at: datetime
    kind: Literal["change", "undo", "redo"]
    summary: str
    undone: bool
    reverts: uuid.UUID | None
    changes: list[RowChange]


class HistoryPage(BaseModel):
    items: list[ChangeSetPublic]
    total: int
    limit: int
    offset: int


class TaskLogEntry(BaseModel):
    changeset: uuid.UUID
    client: str
    created_at: datetime
    kind: Literal["change", "undo", "redo"]
    action: Action
    fields: list[FieldChange]


class TaskLog(BaseModel):
    number: int
    items: list[TaskLogEntry]


class UndoRequest(BaseModel):
    changeset: uuid.UUID | None = Field(
        default=None, description="The changeset to revert; default: the newest one."
    )
    force: bool = Field(default=False, description="Revert even over changes made since.")


class UndoResult(BaseModel):
    reverted: ChangeSetPublic = Field(description="The changeset undone (or redone).")
    changeset: ChangeSetPublic = Field(description="The new changeset that reverted it.")
    original: ChangeSetPublic = Field(
        description="The change now undone (or, for a redo, back again): what to tell the user."
    )


# reading ------------------------------------------------------------------------------------
def _action(row: TaskChange) -> Action:
    if row.model == NOTE:
        if row.before is None:
            return "noted"
        return "deleted note from" if row.after is None else "edited note on"
    if row.before is None:
        return "created"
    if row.after is None:
        return "deleted"
    after, before = row.after, row.before
    if after.get("archived_at") and not before.get("archived_at"):
        return "archived"
    if "archived_at" in after and after["archived_at"] is None:
        return "restored"
    if after.get("status") == TaskStatus.completed.value:
        return "completed"
    if before.get("status") == TaskStatus.completed.value and "status" in after:
        return "reopened"
    return "updated"


def _fields(row: TaskChange) -> list[FieldChange]:
    before, after = row.before or {}, row.after or {}
    if row.before is None or row.after is None:
        # A whole row created or deleted: its non-empty fields (the image is kept in full).
        whole = after or before
        return [
            FieldChange(field=k, before=before.get(k), after=after.get(k))
            for k, v in whole.items()
            if v not in (None, [], {}) and k not in {"id", "user_id"}
        ]
    return [FieldChange(field=k, before=before.get(k), after=after.get(k)) for k in after]


def _title(row: TaskChange, titles: dict[uuid.UUID, str]) -> str | None:
    if row.model == NOTE:
        body = str((row.after or row.before or {}).get("body") or "")
        return f"“{body[:40]}{'…' if len(body) > 40 else ''}”"
    for image in (row.after, row.before):
        if image and image.get("title"):
            return str(image["title"])
    return titles.get(row.row_id)


def _summary(kind: str, rows: list[RowChange]) -> str:
    if not rows:
        return "no change"
    parts: dict[str, list[str]] = {}
    for row in rows:
        name = f"#{row.number} {row.title}" if row.title else f"#{row.number}"
        parts.setdefault(row.action, []).append(name)
    text = "; ".join(
        f"{action} {', '.join(names[:3])}"
        + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        for action, names in parts.items()
    )
    return f"{kind}: {text}" if kind != ChangeKind.change else text


def _rows_of(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TaskChange]]:
    found: dict[uuid.UUID, list[TaskChange]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.exec(
        select(TaskChange)
        .where(col(TaskChange.changeset_id).in_(ids))
        .order_by(col(TaskChange.position))
    ).all()
    for row in rows:
        found[row.changeset_id].append(row)
    return found


def _titles(session: Session, user: User, rows: list[TaskChange]) -> dict[uuid.UUID, str]:
    ids = {r.row_id for r in rows}
    if not ids:
        return {}
    found = session.execute(
        sa.select(col(Task.id), col(Task.title)).where(
            col(Task.user_id) == user.id, col(Task.id).in_(ids)
        )
    ).all()
    return {row_id: title for row_id, title in found}


def _publics(session: Session, user: User, sets: list[ChangeSet]) -> list[ChangeSetPublic]:
    rows = _rows_of(session, [s.id for s in sets])
    titles = _titles(session, user, [r for group in rows.values() for r in group])
    result = []
    for changeset in sets:
        changes = [
            RowChange(
                number=r.number, title=_title(r, titles), action=_action(r), fields=_fields(r)
            )
            for r in rows[changeset.id]
            if r.before is not None or r.after is not None
        ]
        result.append(
            ChangeSetPublic(
                id=changeset.id,
                client=changeset.client,
                created_at=changeset.created_at,
                kind=changeset.kind,
                summary=_summary(changeset.kind, changes),
                undone=changeset.reverted_by_id is not None,
                reverts=changeset.reverts_id,
                changes=changes,
            )
        )
    return result


def list_history(session: Session, user: User, *, limit: int = 20, offset: int = 0) -> HistoryPage:
    """The user's changesets, newest first."""
    mine = col(ChangeSet.user_id) == user.id
    total = session.execute(sa.select(sa.func.count()).select_from(ChangeSet).where(mine))
    sets = session.exec(
        select(ChangeSet)
        .where(mine)
        .order_by(col(ChangeSet.created_at).desc(), col(ChangeSet.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return HistoryPage(
        items=_publics(session, user, list(sets)),
        total=int(total.scalar_one()),
        limit=limit,
        offset=offset,
    )


def task_log(session: Session, user: User, number: int, *, limit: int = 100) -> TaskLog:
    """One task's changes, newest first (also for a task since deleted for good)."""
    found = session.execute(
        sa.select(TaskChange, ChangeSet)
        .join(ChangeSet, col(ChangeSet.id) == col(TaskChange.changeset_id))
        .where(col(TaskChange.user_id) == user.id, col(TaskChange.number) == number)
        .order_by(col(ChangeSet.created_at).desc(), col(TaskChange.position).desc())
        .limit(limit)
    ).all()
    if not found:
        service.get_task(session, user, number)  # not found: 404 as for the task itself
    items = [
        TaskLogEntry(
            changeset=changeset.id,
            client=changeset.client,
            created_at=changeset.created_at,
            kind=changeset.kind,
            action=_action(row),
            fields=_fields(row),
        )
        for row, changeset in found
        if row.before is not None or row.after is not None
    ]
    return TaskLog(number=number, items=items)


# undo and redo ------------------------------------------------------------------------------
@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    annotation: Any = Task.model_fields[name].annotation
    return TypeAdapter(annotation)


@cache
def _note_adapter(name: str) -> TypeAdapter[Any]:
    annotation: Any = TaskNote.model_fields[name].annotation
    return TypeAdapter(annotation)


def _values(image: dict[str, Any]) -> dict[str, Any]:
    """Recorded JSON values back as column values (only columns Task still has)."""
    return {k: _adapter(k).validate_python(v) for k, v in image.items() if k in Task.model_fields}


def _note_values(image: dict[str, Any]) -> dict[str, Any]:
    fields = TaskNote.model_fields
    return {k: _note_adapter(k).validate_python(v) for k, v in image.items() if k in fields}


def _note_event(session: Session, user: User, note: TaskNote, type: str) -> None:
    task = session.get(Task, note.task_id)
    if task is None or task.user_id != user.id:
        return
    record_event(
        session,
        user.id,
        type,
        {
            "task": service.public(task).model_dump(mode="json"),
            "note": {
                "id": str(note.id),
                "task_number": task.number,
                "body": note.body,
                "created_at": changelog.jsonable(note.created_at),
                "updated_at": changelog.jsonable(note.updated_at),
            },
        },
    )


def _revert_note(session: Session, user: User, row: TaskChange, note: TaskNote | None) -> None:
    """A note's change undone: an added note goes, a deleted one comes back, an edit reverts."""
    if row.before is None:
        if note is not None:
            _note_event(session, user, note, "task.note_deleted")
            session.delete(note)
        return
    if row.after is None:
        if note is None:
            values = _note_values(row.before)
            task = session.get(Task, values.get("task_id"))
            if task is None or task.user_id != user.id:
                return  # its task is gone for good: nothing to put the note on
            restored = TaskNote(**values)
            session.add(restored)
            _note_event(session, user, restored, "task.note_added")
        return
    if note is not None:
        for name, value in _note_values(row.before).items():
            setattr(note, name, value)
        note.updated_at = utcnow()
        session.add(note)
        _note_event(session, user, note, "task.note_updated")


def _current(task: Any) -> dict[str, Any]:
    return changelog.image(task)


def _conflicts(rows: list[TaskChange], tasks: dict[uuid.UUID, Any]) -> list[dict[str, Any]]:
    """Where the values a changeset left are no longer there: each task and its fields."""
    found = []
    for row in rows:
        task = tasks.get(row.row_id)
        if row.after is None:
            if task is not None:
                found.append({"number": row.number, "fields": ["(task exists again)"]})
            continue
        if task is None:
            found.append({"number": row.number, "fields": ["(task deleted since)"]})
            continue
        now = _current(task)
        changed = [k for k, v in row.after.items() if k in now and now[k] != v]
        if changed:
            found.append({"number": row.number, "fields": changed})
    return found


def _newest(session: Session, user: User, *kinds: str) -> ChangeSet | None:
    return session.exec(
        select(ChangeSet)
        .where(
            col(ChangeSet.user_id) == user.id,
            col(ChangeSet.kind).in_(kinds),
            col(ChangeSet.reverted_by_id).is_(None),
        )
        .order_by(col(ChangeSet.created_at).desc(), col(ChangeSet.id).desc())
        .limit(1)
    ).first()


def _named(session: Session, user: User, changeset_id: uuid.UUID) -> ChangeSet:
    found = session.get(ChangeSet, changeset_id)
    if found is None or found.user_id != user.id:
        raise NotFound(
            f"Changeset {changeset_id} not found.",
            code="changeset_not_found",
            details={"changeset": str(changeset_id)},
        )
    if found.reverted_by_id is not None:
        raise _already_undone(found)
    return found


def _already_undone(changeset: ChangeSet) -> Conflict:
    return Conflict(
        "That changeset was already undone (perhaps from another client just now).",
        code="already_undone",
        details={"changeset": str(changeset.id)},
    )


def _changed_since(session: Session, user: User, since: ChangeSet) -> bool:
    """A new change (not an undo or redo) after `since`: redo is no longer possible."""
    newer = session.exec(
        select(ChangeSet.id)
        .where(
            col(ChangeSet.user_id) == user.id,
            col(ChangeSet.kind) == ChangeKind.change,
            col(ChangeSet.created_at) > since.created_at,
        )
        .limit(1)
    ).first()
    return newer is not None


def _undo_target(session: Session, user: User, changeset_id: uuid.UUID | None) -> ChangeSet:
    if changeset_id is None:
        target = _newest(session, user, ChangeKind.change, ChangeKind.redo)
        if target is None:
            raise Conflict("There is nothing to undo.", code="nothing_to_undo")
        return target
    target = _named(session, user, changeset_id)
    if target.kind == ChangeKind.undo:
        raise Conflict(
            "That changeset is an undo: redo it instead.",
            code="nothing_to_undo",
            details={"changeset": str(target.id)},
        )
    return target


def _redo_target(session: Session, user: User, changeset_id: uuid.UUID | None) -> ChangeSet:
    if changeset_id is None:
        target = _newest(session, user, ChangeKind.undo)
        if target is None:
            raise Conflict("There is nothing to redo.", code="nothing_to_redo")
    else:
        target = _named(session, user, changeset_id)
        if target.kind != ChangeKind.undo:
            raise Conflict(
                "Only an undo can be redone; undo that changeset instead.",
                code="nothing_to_redo",
                details={"changeset": str(target.id)},
            )
    if _changed_since(session, user, target):
        raise Conflict(
            "Cannot redo: a new change was made after the undo.",
            code="nothing_to_redo",
            details={"changeset": str(target.id)},
        )
    return target


def _revert_row(session: Session, user: User, row: TaskChange, task: Any, restoring: bool) -> None:
    if row.model == NOTE:
        _revert_note(session, user, row, task)
        return
    if row.before is None:  # created: archive it (or, if an undo had put it back, delete it)
        if task is None:
            return
        if restoring:
            service.remove_recorded(session, user, task)
        elif task.archived_at is None:
            service.write_fields(
                session, user, task, {"archived_at": utcnow()}, event="task.deleted"
            )
        return
    if row.after is None:  # deleted for good: put the recorded row back
        if task is None:
            service.insert_recorded(session, user, _values(row.before))
        return
    if task is not None:
        service.write_fields(session, user, task, _values(row.before), event="task.updated")


def _revert(session: Session, user: User, target: ChangeSet, force: bool) -> UndoResult:
    rows = _rows_of(session, [target.id])[target.id]
    ids = [r.row_id for r in rows]
    tasks: dict[uuid.UUID, Any] = {
        t.id: t
        for t in session.exec(
            select(Task).where(col(Task.user_id) == user.id, col(Task.id).in_(ids))
        ).all()
    }
    note_ids = [r.row_id for r in rows if r.model == NOTE]
    if note_ids:
        notes = select(TaskNote).where(
            col(TaskNote.user_id) == user.id, col(TaskNote.id).in_(note_ids)
        )
        tasks.update({n.id: n for n in session.exec(notes).all()})
    conflicts = _conflicts(rows, tasks)
    if conflicts and not force:
        named = "; ".join(f"#{c['number']} ({', '.join(c['fields'])})" for c in conflicts[:10])
        raise Conflict(
            f"Changed since: {named}. Reverting would overwrite that; use force to go ahead.",
            code="history_conflict",
            details={"changeset": str(target.id), "conflicts": conflicts},
        )
    kind = ChangeKind.redo if target.kind == ChangeKind.undo else ChangeKind.undo
    new_id = uuid.uuid4()
    with changelog.changeset(
        session, kind=kind, reverts_id=target.id, changeset_id=new_id
    ) as group:
        claimed = session.execute(
            sa.update(ChangeSet)
            .where(col(ChangeSet.id) == target.id, col(ChangeSet.reverted_by_id).is_(None))
            .values(reverted_by_id=new_id)
            .execution_options(synchronize_session=False)
        )
        if rowcount(claimed) != 1:
            session.rollback()
            raise _already_undone(target)
        created = changelog.open_changeset(session, group, user.id)
        restoring = target.kind != ChangeKind.change
        for row in reversed(rows):
            _revert_row(session, user, row, tasks.get(row.row_id), restoring)
        session.commit()
    session.refresh(target)
    first = session.get(ChangeSet, target.reverts_id) if target.reverts_id else None
    reverted, made, *rest = _publics(session, user, [target, created, *([first] if first else [])])
    return UndoResult(reverted=reverted, changeset=made, original=rest[0] if rest else reverted)


def undo(
    session: Session, user: User, changeset_id: uuid.UUID | None = None, *, force: bool = False
) -> UndoResult:
    """Revert the user's newest changeset not yet undone (or the one named)."""
    return _revert(session, user, _undo_target(session, user, changeset_id), force)


def redo(
    session: Session, user: User, changeset_id: uuid.UUID | None = None, *, force: bool = False
) -> UndoResult:
    """Revert the newest undo (or the one named): its changes come back."""
    return _revert(session, user, _redo_target(session, user, changeset_id), force)


def prune(session: Session, before: datetime) -> int:
    """Drop changesets older than `before` (BEHFLOW_HISTORY_RETENTION_DAYS); their rows too."""
    old = sa.select(col(ChangeSet.id)).where(col(ChangeSet.created_at) < before)
    session.execute(sa.delete(TaskChange).where(col(TaskChange.changeset_id).in_(old)))
    result = session.execute(sa.delete(ChangeSet).where(col(ChangeSet.created_at) < before))
    session.commit()
    return rowcount(result)
