"""User webhooks and their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from behflow_server.db import JSONType, UTCDateTime, utcnow


class Webhook(SQLModel, table=True):
    __tablename__ = "webhooks"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    url: str = Field(max_length=2000)
    # Event types to deliver; empty means every event.
    events: list[str] = Field(default_factory=list, sa_type=JSONType)
    secret: str = Field(max_length=128)
    enabled: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_deliveries_webhook_created", "webhook_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    webhook_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
        )
    )
    event_type: str = Field(max_length=50)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = Field(default=0)
    response_status: int | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# Events a webhook can subscribe to.
WEBHOOK_EVENTS = (
    "task.created",
    "task.updated",
    "task.completed",
    "task.deleted",
    "task.note_added",
    "task.note_updated",
    "task.note_deleted",
    "reminder.due",
    "process.succeeded",
    "process.failed",
)
TEST_EVENT = "webhook.test"


class WebhookCreate(SQLModel):
    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(default_factory=list, max_length=len(WEBHOOK_EVENTS))


class WebhookPublic(SQLModel):
    id: uuid.UUID
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    # Shown once, at creation: receivers verify signatures with it.
    secret: str


class DeliveryPublic(SQLModel):
    id: uuid.UUID
    webhook_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    response_status: int | None
    error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
