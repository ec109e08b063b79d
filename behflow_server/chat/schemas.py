"""Chat API bodies and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

MAX_MESSAGE_CHARS = 8000


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    session_id: uuid.UUID | None = None

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("message must not be blank")
        return value


class ChatAction(BaseModel):
    """One task change made while answering: created, updated, completed or deleted."""

    action: str
    number: int
    title: str


class PendingAction(BaseModel):
    """What the agent will do once the user replies "yes"."""

    action: str
    numbers: list[int]
    summary: str


class ChatReply(BaseModel):
    session_id: uuid.UUID
    reply: str
    actions: list[ChatAction]
    pending: PendingAction | None = None
    model: str


class ChatSessionPublic(BaseModel):
    id: uuid.UUID
    title: str | None
    created_at: datetime
    last_active_at: datetime


class ChatMessagePublic(BaseModel):
    id: uuid.UUID
    role: str
    content: str
    actions: list[dict[str, Any]]
    created_at: datetime
