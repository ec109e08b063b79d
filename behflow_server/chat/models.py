"""Chat sessions with the agent and their messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from behflow_server.db import JSONType, UTCDateTime, utcnow


class ChatSession(SQLModel, table=True):
    __tablename__ = "chat_sessions"
    __table_args__ = (sa.Index("ix_chat_sessions_user_active", "user_id", "last_active_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    title: str | None = Field(default=None, max_length=200)
    # Agent memory between messages: recently mentioned task numbers, a pending action, ...
    state: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_active_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChatMessage(SQLModel, table=True):
    __tablename__ = "chat_messages"
    __table_args__ = (sa.Index("ix_chat_messages_session_created", "session_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    session_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False
        )
    )
    role: str = Field(max_length=16)  # user | assistant | tool
    content: str = Field(sa_type=sa.Text)
    # Task changes made while answering this message, and model metadata.
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
