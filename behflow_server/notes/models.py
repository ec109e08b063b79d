"""Notes on a task: timestamped Markdown annotations (issue #14)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from behflow_server.db import UTCDateTime, utcnow

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
