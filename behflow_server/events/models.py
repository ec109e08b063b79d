"""The event log: every change a client may want to hear about, kept briefly for resumption."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from behflow_server.db import JSONType, UTCDateTime, utcnow


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_user_id", "user_id", "id"),)

    # Monotonic: clients resume with Last-Event-ID.
    id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    type: str = Field(max_length=50)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
