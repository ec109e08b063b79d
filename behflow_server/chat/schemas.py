"""Chat API bodies and answers, and the wire contract of POST /chat/stream.

The stream is Server-Sent Events: `token` events ({"text": ...}, pieces of the reply as the
model writes them), then one `done` event (a ChatReply) or one `error` event ({code, message,
details?}: the same body as an HTTP error's "error"). The TUI, the web page and the tests
parse exactly these; each payload class below names its event.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, ClassVar

from fastapi.sse import format_sse_event
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


class StreamPayload(BaseModel):
    """One event of the chat stream; `event` is its SSE event name."""

    event: ClassVar[str]

    def frame(self) -> bytes:
        # json.dumps (not model_dump_json) keeps the bytes the clients have always read.
        body = self.model_dump(mode="json", exclude_none=self.event == "error")
        return format_sse_event(event=self.event, data_str=json.dumps(body))


class ChatReply(StreamPayload):
    """The whole answer: POST /chat's body, and the stream's final `done` event."""

    event: ClassVar[str] = "done"

    session_id: uuid.UUID
    reply: str
    actions: list[ChatAction]
    pending: PendingAction | None = None
    model: str


class ChatToken(StreamPayload):
    """A piece of the reply text, as the model writes it."""

    event: ClassVar[str] = "token"

    text: str


class ChatStreamError(StreamPayload):
    """The turn failed after the stream started: the domain error's code and message."""

    event: ClassVar[str] = "error"

    code: str
    message: str
    details: Any = None


ChatStreamEvent = ChatToken | ChatReply


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
