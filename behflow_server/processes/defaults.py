"""The automated processes every new account (and the server itself) starts with."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from behflow_server.auth.models import User
from behflow_server.db import utcnow

# name, kind, schedule, config
USER_PROCESSES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("reminders", "reminders", "every 1m", {"lead_minutes": 15, "window_hours": 24}),
    ("reschedule-overdue", "reschedule_overdue", "5 0 * * *", {"policy": "today", "time": "09:00"}),
    ("analytics", "analytics", "every 1h", {}),
)
# name, kind, schedule (server-wide, owned by no account)
SYSTEM_PROCESSES: tuple[tuple[str, str, str], ...] = (
    ("session-cleanup", "session_cleanup", "every 1h"),
)


def create_for_user(session: Session, user: User) -> None:
    """Add the default processes for `user` to the session (committed by the caller)."""
    from behflow_server.processes.service import new_process

    now = utcnow()
    for name, kind, schedule, config in USER_PROCESSES:
        session.add(
            new_process(
                user, name, kind, schedule, now=now, timezone=user.timezone or "UTC", config=config
            )
        )
