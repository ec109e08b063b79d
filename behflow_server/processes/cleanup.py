"""Housekeeping for the session_cleanup process: idle chat sessions, old events, revocations."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from behflow_server.chat.models import ChatSession
from behflow_server.db import rowcount
from behflow_server.events.models import Event
from behflow_server.processes.models import AutomatedProcessExecution, ExecutionStatus


def expire_idle_chat_sessions(session: Session, now: datetime, ttl: timedelta) -> int:
    """Mark chat sessions idle for longer than `ttl` as expired."""
    result = session.execute(
        sa.update(ChatSession)
        .where(col(ChatSession.expired_at).is_(None), col(ChatSession.last_active_at) < now - ttl)
        .values(expired_at=now)
    )
    session.commit()
    return rowcount(result)


def purge_old_events(session: Session, before: datetime) -> int:
    """Drop events older than `before`: clients resume from recent ones only."""
    result = session.execute(sa.delete(Event).where(col(Event.created_at) < before))
    session.commit()
    return rowcount(result)


def purge_old_executions(session: Session, before: datetime) -> int:
    """Drop finished runs that started before `before`: a per-minute process logs 10,000 a week."""
    result = session.execute(
        sa.delete(AutomatedProcessExecution).where(
            col(AutomatedProcessExecution.started_at) < before,
            col(AutomatedProcessExecution.status).in_(
                [ExecutionStatus.succeeded.value, ExecutionStatus.failed.value]
            ),
        )
    )
    session.commit()
    return rowcount(result)
