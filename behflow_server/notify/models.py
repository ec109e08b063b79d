"""Apprise notification targets and the log of reminders delivered to them."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from behflow_server.db import UTCDateTime, utcnow


class NotifyTarget(SQLModel, table=True):
    __tablename__ = "notify_targets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # The Apprise URL as given: it carries the service's credentials, so it is never shown
    # back in full (see `masked`).
    url: str = Field(sa_type=sa.Text)
    service: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The latest attempt of any delivery (or test) and how many attempts ever failed.
    last_status: str | None = Field(default=None, max_length=16)  # delivered | failed | refused
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    failures: int = Field(default=0)


class NotifyDelivery(SQLModel, table=True):
    """One reminder to one target: the unique triple is claimed before anything is sent."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("target_id", "task_id", "remind_at", name="uq_notify_once"),
        sa.Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    target_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("notify_targets.id", ondelete="CASCADE"), nullable=False
        )
    )
    task_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False)
    )
    remind_at: datetime = Field(sa_type=UTCDateTime)
    title: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, sa_type=sa.Text)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotifyTargetCreate(SQLModel):
    url: str = Field(min_length=1, max_length=4000)


class NotifyTargetPublic(SQLModel):
    id: uuid.UUID
    # The URL with passwords and tokens masked by Apprise (`url(privacy=True)`).
    url: str
    service: str
    created_at: datetime
    last_status: str | None
    last_attempt_at: datetime | None
    last_error: str | None
    failures: int


class NotifyTestResult(SQLModel):
    """POST /api/v1/notify/targets/{id}/test: how the one test notification went."""

    status: str  # delivered | failed | refused
    error: str | None
    target: NotifyTargetPublic
