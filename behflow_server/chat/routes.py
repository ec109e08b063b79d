"""/api/v1/chat: thin callers of the chat service."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Response, status
from fastapi.responses import StreamingResponse
from fastapi.sse import EventSourceResponse

from behflow_server.api.deps import AgentDep, Context, CurrentUser, SessionDep, UserZone
from behflow_server.chat import service
from behflow_server.chat.schemas import (
    ChatMessagePublic,
    ChatReply,
    ChatRequest,
    ChatSessionPublic,
    ChatStreamError,
)
from behflow_server.errors import BehflowError, Unauthorized

router = APIRouter(prefix="/chat", tags=["chat"])


@router.post("", response_model=ChatReply)
def chat(
    data: ChatRequest,
    session: SessionDep,
    user: CurrentUser,
    zone: UserZone,
    context: Context,
    agent: AgentDep,
) -> ChatReply:
    """Send one message to the agent; pass `session_id` to continue a conversation."""
    return service.send_message(
        session,
        user,
        data.message,
        data.session_id,
        agent=agent,
        zone=zone,
        ttl_hours=context.settings.chat_session_ttl_hours,
    )


@router.post(
    "/stream",
    # As /events does: the route returns the response itself (errors before the stream starts
    # stay HTTP errors); response_class=EventSourceResponse is for generator routes.
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`token` events ({text}), then one `done` event (a ChatReply) or "
            "one `error` event ({code, message, details}); see chat/schemas.py.",
        }
    },
)
def chat_stream(
    data: ChatRequest, user: CurrentUser, zone: UserZone, context: Context, agent: AgentDep
) -> EventSourceResponse:
    """The same as POST /chat, as Server-Sent Events: reply tokens as they come, then `done`."""
    user_id = user.id

    def events() -> Iterator[bytes]:
        # The stream outlives the request's dependencies, so it keeps its own session.
        with context.db.session() as session:
            owner = session.get(type(user), user_id)
            try:
                if owner is None:  # the account was deleted while the request waited
                    raise Unauthorized("This account no longer exists.", code="user_not_found")
                for payload in service.stream_message(
                    session,
                    owner,
                    data.message,
                    data.session_id,
                    agent=agent,
                    zone=zone,
                    ttl_hours=context.settings.chat_session_ttl_hours,
                ):
                    yield payload.frame()
            except BehflowError as exc:
                yield ChatStreamError.model_validate(exc.to_dict()["error"]).frame()

    return EventSourceResponse(
        events(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.get("/sessions", response_model=list[ChatSessionPublic])
def list_sessions(
    session: SessionDep, user: CurrentUser, context: Context
) -> list[ChatSessionPublic]:
    """The user's live chat sessions, most recent first."""
    return service.list_sessions(session, user, context.settings.chat_session_ttl_hours)


@router.get("/sessions/{session_id}/messages", response_model=list[ChatMessagePublic])
def list_messages(
    session_id: uuid.UUID, session: SessionDep, user: CurrentUser, context: Context
) -> list[ChatMessagePublic]:
    return service.list_messages(session, user, session_id, context.settings.chat_session_ttl_hours)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_session(session_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    service.delete_session(session, user, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
