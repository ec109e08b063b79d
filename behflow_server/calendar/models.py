"""The calendar feed's credential: one per user, only the secret's hash is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from behflow_server.db import UTCDateTime, utcnow


class CalendarFeed(SQLModel, table=True):
    __tablename__ = "calendar_feeds"

    user_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        )
    )
    # SHA-256 of the secret in the feed's URL (hex): the secret itself is shown once.
    secret_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FeedStatus(SQLModel):
    """GET /api/v1/calendar/feed: whether a feed URL exists (the URL is shown only when made)."""

    active: bool
    created_at: datetime | None = None
    last_used_at: datetime | None = None


class FeedCreated(FeedStatus):
    """POST /api/v1/calendar/feed: the new URL, shown this once (the old one stops working)."""

    url: str
    events_url: str
