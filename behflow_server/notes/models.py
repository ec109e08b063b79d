"""Notes on a task: timestamped Markdown annotations (issue #14)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from behflow_server.db import UTCDateTime, utcnow
from behflow_server.tasks import changelog
from behflow_server.tasks.models import Task

MAX_NOTE_LENGTH = 10_000
MAX_NOTES_PER_TASK = 500


class TaskNote(SQLModel, table=True):
    __tablename__ = "task_notes"
    __table_args__ = (sa.Index("ix_task_notes_task_created", "task_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    task_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NoteWrite(SQLModel):
    """A note's text, Markdown; surrounding white space is dropped, blank is refused."""

    body: str = Field(min_length=1, max_length=MAX_NOTE_LENGTH)

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a note must not be blank")
        return value


class NotePublic(SQLModel):
    id: uuid.UUID
    task_number: int
    body: str
    created_at: datetime
    updated_at: datetime


class NoteList(SQLModel):
    items: list[NotePublic]


def _task_number(session: Any, note: TaskNote) -> int | None:
    with session.no_autoflush:
        task = session.get(Task, note.task_id)
    return None if task is None else task.number


# Notes are in the history too: adding, editing or deleting one is undoable from any client.
changelog.register(TaskNote, "note", number_of=_task_number)
