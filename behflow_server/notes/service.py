"""Note rules, once: the REST routes, the agent's add_note tool, MCP and import call these.

Every query goes through the user's task (`tasks.service.get_task`), so another user's task
or note is simply not found. A note is named by its id or a prefix of it (the clients show the
first 8 hex digits); the prefix is matched among the task's notes, which are bounded.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.db import utcnow
from behflow_server.errors import Conflict, InvalidInput, NotFound
from behflow_server.events.service import record_event
from behflow_server.notes.models import (
    MAX_NOTE_LENGTH,
    MAX_NOTES_PER_TASK,
    NotePublic,
    NoteWrite,
    TaskNote,
)
from behflow_server.tasks import numbers
from behflow_server.tasks.models import Task
from behflow_server.tasks.service import get_task, public

_NOTE_REF = re.compile(r"^[0-9a-f-]{4,36}$")
MIN_PREFIX = 4


def note_public(note: TaskNote, task: Task) -> NotePublic:
    return NotePublic(
        id=note.id,
        task_number=task.number,
        body=note.body,
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


def _event(session: Session, user: User, task: Task, type: str, note: TaskNote) -> None:
    # Notes are searched: the version the cached list totals are keyed by moves with them.
    numbers.touch(session, user)
    record_event(
        session,
        user.id,
        type,
        {
            "task": public(task).model_dump(mode="json"),
            "note": note_public(note, task).model_dump(mode="json"),
        },
    )


def _clean(body: str) -> str:
    """The service's own check, for callers that do not come through the HTTP model."""
    try:
        return NoteWrite(body=body).body
    except ValueError:
        raise InvalidInput(
            f"A note needs text, at most {MAX_NOTE_LENGTH} characters.",
            code="invalid_note",
            details={"field": "body"},
        ) from None


def list_notes(session: Session, user: User, number: int) -> tuple[Task, list[TaskNote]]:
    """The task and its notes, oldest first."""
    task = get_task(session, user, number)
    notes = session.exec(
        select(TaskNote)
        .where(col(TaskNote.task_id) == task.id, col(TaskNote.user_id) == user.id)
        .order_by(col(TaskNote.created_at), col(TaskNote.id))
    ).all()
    return task, list(notes)


def add_note(
    session: Session, user: User, number: int, body: str, *, at: datetime | None = None
) -> tuple[Task, TaskNote]:
    """A new note on the user's task #number; `at` (import) keeps the note's own time."""
    text = _clean(body)
    task = get_task(session, user, number)
    count = session.exec(
        select(sa.func.count()).select_from(TaskNote).where(col(TaskNote.task_id) == task.id)
    ).one()
    if count >= MAX_NOTES_PER_TASK:
        raise Conflict(
            f"Task #{number} already has {MAX_NOTES_PER_TASK} notes, the most a task keeps.",
            code="too_many_notes",
            details={"number": number, "limit": MAX_NOTES_PER_TASK},
        )
    now = at or utcnow()
    note = TaskNote(task_id=task.id, user_id=user.id, body=text, created_at=now, updated_at=now)
    session.add(note)
    _event(session, user, task, "task.note_added", note)
    session.commit()
    return task, note


def get_note(session: Session, user: User, number: int, ref: str) -> tuple[Task, TaskNote]:
    """The note of task #number whose id is `ref` or starts with it (at least 4 hex digits)."""
    key = ref.strip().lower()
    if not _NOTE_REF.match(key) or len(key.replace("-", "")) < MIN_PREFIX:
        raise InvalidInput(
            f"{ref!r} is not a note id; give the id or its first {MIN_PREFIX}+ hex digits.",
            code="invalid_note_id",
            details={"field": "note_id"},
        )
    task, notes = list_notes(session, user, number)
    found = [note for note in notes if str(note.id).startswith(key) or note.id.hex.startswith(key)]
    if not found:
        raise NotFound(
            f"Task #{number} has no note {ref}.",
            code="note_not_found",
            details={"number": number, "note_id": ref},
        )
    if len(found) > 1:
        raise Conflict(
            f"{ref} names {len(found)} notes of task #{number}; give more of the id.",
            code="ambiguous_note_id",
            details={"number": number, "note_id": ref},
        )
    return task, found[0]


def update_note(
    session: Session, user: User, number: int, ref: str, body: str
) -> tuple[Task, TaskNote]:
    text = _clean(body)
    task, note = get_note(session, user, number, ref)
    if note.body != text:
        note.body = text
        note.updated_at = utcnow()
        session.add(note)
        _event(session, user, task, "task.note_updated", note)
        session.commit()
    return task, note


def delete_note(session: Session, user: User, number: int, ref: str) -> tuple[Task, TaskNote]:
    task, note = get_note(session, user, number, ref)
    _event(session, user, task, "task.note_deleted", note)
    session.delete(note)
    session.commit()
    return task, note


def notes_by_task(
    session: Session, user: User, task_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[datetime, str]]]:
    """(time, text) of each of these tasks' notes, oldest first: one query per 500 tasks."""
    found: dict[uuid.UUID, list[tuple[datetime, str]]] = {}
    for start in range(0, len(task_ids), 500):
        rows = session.exec(
            select(TaskNote.task_id, TaskNote.created_at, TaskNote.body)
            .where(
                col(TaskNote.user_id) == user.id,
                col(TaskNote.task_id).in_(task_ids[start : start + 500]),
            )
            .order_by(col(TaskNote.created_at), col(TaskNote.id))
        )
        for task_id, created_at, body in rows:
            found.setdefault(task_id, []).append((created_at, body))
    return found


def merge_notes(
    session: Session, user: User, number: int, notes: list[tuple[datetime | None, str]]
) -> int:
    """Add the notes (import) the task does not have yet, each at its own time; how many."""
    _, existing = list_notes(session, user, number)
    have = [note.body for note in existing]
    added = 0
    for at, body in notes:
        text = _clean(body)
        if text in have:
            have.remove(text)
            continue
        add_note(session, user, number, text, at=at)
        added += 1
    return added
