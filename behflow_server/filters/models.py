"""Saved filters and contexts (issue #14): a named filter-language text per user; at most one
of them is the user's active context."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from behflow_server.db import UTCDateTime, utcnow

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$"


class SavedFilter(SQLModel, table=True):
    __tablename__ = "saved_filters"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=50)  # lower case
    query: str = Field(max_length=1000)
    # Defined with `behflow context define`: listed by `behflow context list`.
    is_context: bool = False
    # The user's active context (the service keeps at most one per user).
    active: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FilterCreate(SQLModel):
    name: str = Field(min_length=1, max_length=50)
    query: str = Field(min_length=1, max_length=1000)
    context: bool = False


class FilterUpdate(SQLModel):
    query: str | None = Field(default=None, min_length=1, max_length=1000)
    context: bool | None = None


class FilterPublic(SQLModel):
    name: str
    query: str
    context: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class FilterList(SQLModel):
    items: list[FilterPublic]


class ContextSet(SQLModel):
    name: str = Field(min_length=1, max_length=50)


class ContextState(SQLModel):
    """GET /api/v1/context: the active context (name null when none) and what it gives new
    tasks."""

    name: str | None = None
    query: str | None = None
    project: str | None = None
    tags: list[str] = Field(default_factory=list)
