"""Chat rules, once: sessions (with inactivity expiry), messages, and one agent turn."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from behflow_server import metrics
from behflow_server.auth.models import User
from behflow_server.chat.models import ChatMessage, ChatSession
from behflow_server.chat.schemas import (
    ChatAction,
    ChatMessagePublic,
    ChatReply,
    ChatSessionPublic,
    ChatStreamEvent,
    ChatToken,
    PendingAction,
)
from behflow_server.config import Settings
from behflow_server.context import AppContext
from behflow_server.db import utcnow
from behflow_server.errors import NotFound

HISTORY_MESSAGES = 20


@dataclass
class Agent:
    """The compiled graph and the name of the model that answers."""

    graph: Any
    model: str


def get_agent(context: AppContext) -> Agent:
    """The app's agent, built once on first use (langgraph and langchain are slow imports)."""
    if context.agent is None:
        context.agent = build_agent(context.settings)
    return context.agent


def build_agent(settings: Settings) -> Agent:
    """The offline model, or the configured LLM with the offline model as its fallback."""
    from behflow_server.agent.graph import build_graph
    from behflow_server.agent.models import (
        OfflineChatModel,
        llm_configured,
        make_llm,
        model_name,
    )

    offline = OfflineChatModel()
    if llm_configured(settings):
        graph = build_graph(
            make_llm(settings),
            offline,
            fallback_note=f"The language model at {settings.llm_base_url or 'OpenAI'} did "
            "not answer, so the offline model handled this message.",
        )
    else:
        graph = build_graph(offline)
    return Agent(graph=graph, model=model_name(settings))


def _expired(row: ChatSession, ttl_hours: int, now: datetime) -> bool:
    return row.expired_at is not None or row.last_active_at < now - timedelta(hours=ttl_hours)


def load_session(
    session: Session, user: User, session_id: uuid.UUID, ttl_hours: int, now: datetime
) -> ChatSession:
    row = session.get(ChatSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(
            "Chat session not found.",
            code="session_not_found",
            details={"session_id": str(session_id)},
        )
    if _expired(row, ttl_hours, now):
        if row.expired_at is None:
            row.expired_at = now
            session.add(row)
            session.commit()
        raise NotFound(
            f"This chat session expired after {ttl_hours} hours without messages; start a new one.",
            code="session_expired",
            details={"session_id": str(session_id)},
        )
    return row


def list_sessions(
    session: Session, user: User, ttl_hours: int, now: datetime | None = None
) -> list[ChatSessionPublic]:
    now = now or utcnow()
    rows = session.exec(
        select(ChatSession)
        .where(
            col(ChatSession.user_id) == user.id,
            col(ChatSession.expired_at).is_(None),
            col(ChatSession.last_active_at) >= now - timedelta(hours=ttl_hours),
        )
        .order_by(col(ChatSession.last_active_at).desc())
    ).all()
    return [ChatSessionPublic.model_validate(row, from_attributes=True) for row in rows]


def list_messages(
    session: Session,
    user: User,
    session_id: uuid.UUID,
    ttl_hours: int,
    now: datetime | None = None,
) -> list[ChatMessagePublic]:
    row = load_session(session, user, session_id, ttl_hours, now or utcnow())
    messages = session.exec(
        select(ChatMessage)
        .where(col(ChatMessage.session_id) == row.id)
        .order_by(col(ChatMessage.created_at), col(ChatMessage.role).desc())
    ).all()
    return [ChatMessagePublic.model_validate(m, from_attributes=True) for m in messages]


def delete_session(session: Session, user: User, session_id: uuid.UUID) -> None:
    row = session.get(ChatSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(
            "Chat session not found.",
            code="session_not_found",
            details={"session_id": str(session_id)},
        )
    session.delete(row)
    session.commit()


@dataclass
class Turn:
    """One message being answered: the state to run the graph on and how to save the result."""

    row: ChatSession
    state: dict[str, Any]
    runner: Any
    agent: Agent
    message: str
    now: datetime

    @property
    def config(self) -> dict[str, Any]:
        return {"configurable": {"runner": self.runner}, "recursion_limit": 25}


def start_turn(
    session: Session,
    user: User,
    message: str,
    session_id: uuid.UUID | None,
    *,
    agent: Agent,
    zone: ZoneInfo,
    ttl_hours: int,
    now: datetime | None = None,
) -> Turn:
    from langchain_core.messages import AIMessage, HumanMessage

    from behflow_server.agent.tools import ToolRunner

    now = now or utcnow()
    if session_id is None:
        row = ChatSession(user_id=user.id, title=message[:80], created_at=now, last_active_at=now)
        session.add(row)
        session.commit()
    else:
        row = load_session(session, user, session_id, ttl_hours, now)
    earlier = session.exec(
        select(ChatMessage)
        .where(col(ChatMessage.session_id) == row.id)
        .order_by(col(ChatMessage.created_at).desc(), col(ChatMessage.role))
        .limit(HISTORY_MESSAGES)
    ).all()
    history = [
        HumanMessage(content=m.content) if m.role == "user" else AIMessage(content=m.content)
        for m in reversed(earlier)
    ]
    memory = dict(row.state or {})
    runner = ToolRunner(
        session=session, user=user, zone=zone, now=now, recent=list(memory.get("recent", []))
    )
    state = {
        "messages": [*history, HumanMessage(content=message)],
        "pending": memory.get("pending"),
    }
    return Turn(row=row, state=state, runner=runner, agent=agent, message=message, now=now)


def finish_turn(session: Session, turn: Turn, result: dict[str, Any]) -> ChatReply:
    runner = turn.runner
    reply = str(result.get("reply") or "Done.")
    pending = result.get("pending")
    actions = [ChatAction(**a) for a in runner.actions]
    row = turn.row
    user_message = ChatMessage(
        session_id=row.id, role="user", content=turn.message, created_at=turn.now
    )
    answer = ChatMessage(
        session_id=row.id,
        role="assistant",
        content=reply,
        actions=[a.model_dump() for a in actions],
        meta={"model": turn.agent.model, "degraded": bool(result.get("degraded"))},
        created_at=max(utcnow(), turn.now),
    )
    row.state = {"recent": list(result.get("recent", runner.recent))[-10:], "pending": pending}
    row.last_active_at = max(utcnow(), turn.now)
    session.add_all([user_message, answer, row])
    session.commit()
    metrics.agent_message(turn.agent.model, "degraded" if result.get("degraded") else "ok")
    return ChatReply(
        session_id=row.id,
        reply=reply,
        actions=actions,
        pending=PendingAction(
            action=pending["tool"],
            numbers=pending["args"].get("numbers") or [],
            summary=pending["summary"],
        )
        if pending
        else None,
        model=turn.agent.model if not result.get("degraded") else "offline",
    )


def send_message(
    session: Session,
    user: User,
    message: str,
    session_id: uuid.UUID | None,
    *,
    agent: Agent,
    zone: ZoneInfo,
    ttl_hours: int,
    now: datetime | None = None,
) -> ChatReply:
    """Answer one message: run the agent graph, save both messages and the session's memory."""
    turn = start_turn(
        session, user, message, session_id, agent=agent, zone=zone, ttl_hours=ttl_hours, now=now
    )
    try:
        result = agent.graph.invoke(turn.state, turn.config)
    except Exception:
        metrics.agent_message(agent.model, "error")
        raise
    return finish_turn(session, turn, result)


def stream_message(
    session: Session,
    user: User,
    message: str,
    session_id: uuid.UUID | None,
    *,
    agent: Agent,
    zone: ZoneInfo,
    ttl_hours: int,
    now: datetime | None = None,
) -> Iterator[ChatStreamEvent]:
    """Like send_message, as ChatToken pieces of the reply and a final ChatReply."""
    from langchain_core.messages import AIMessageChunk

    turn = start_turn(
        session, user, message, session_id, agent=agent, zone=zone, ttl_hours=ttl_hours, now=now
    )
    result: dict[str, Any] = {}
    try:
        for mode, payload in agent.graph.stream(
            turn.state, turn.config, stream_mode=["messages", "values"]
        ):
            if mode == "values":
                result = payload
                continue
            chunk, meta = payload
            if (
                meta.get("langgraph_node") == "intent"
                and isinstance(chunk, AIMessageChunk)
                and chunk.content
                and not chunk.tool_call_chunks
            ):
                yield ChatToken(text=str(chunk.content))
    except Exception:
        metrics.agent_message(agent.model, "error")
        raise
    yield finish_turn(session, turn, result)
