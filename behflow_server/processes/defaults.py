"""The automated processes every new account (and the server itself) starts with.

New accounts get theirs through the account hook of auth.service (in the registration's
transaction). Importing this module adds the hook: the scheduler module imports it (so every
app does, through create_app), and so does the operator's create-user command.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from behflow_server.auth import service as auth_service
from behflow_server.auth.models import RegisterRequest, User
from behflow_server.db import utcnow
from behflow_server.processes.models import AutomatedProcess
from behflow_server.processes.service import new_process

# The kind whose process a new account gets disabled unless it chose it at sign-up: it moves
# due dates, and a deadline the user typed must not move without their say.
OPT_IN_KIND = "reschedule_overdue"
# name, kind, schedule, config
USER_PROCESSES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("reminders", "reminders", "every 1m", {"lead_minutes": 15, "window_hours": 24}),
    ("reschedule-overdue", OPT_IN_KIND, "5 0 * * *", {"policy": "today", "time": "09:00"}),
    ("analytics", "analytics", "every 1h", {}),
)
# name, kind, schedule (server-wide, owned by no account)
SYSTEM_PROCESSES: tuple[tuple[str, str, str], ...] = (
    ("session-cleanup", "session_cleanup", "every 1h"),
)


def create_for_user(
    session: Session, user: User, *, reschedule_overdue: bool = False, now: datetime | None = None
) -> None:
    """Add the default processes for `user` to the session (committed by the caller)."""
    now = now or utcnow()
    for name, kind, schedule, config in USER_PROCESSES:
        session.add(
            new_process(
                user,
                name,
                kind,
                schedule,
                now=now,
                timezone=user.timezone or "UTC",
                config=config,
                enabled=reschedule_overdue if kind == OPT_IN_KIND else True,
            )
        )


def ensure_system_processes(session: Session, now: datetime) -> None:
    """Create the server-wide processes missing from the store (run by the scheduler leader)."""
    existing = set(
        session.exec(select(AutomatedProcess.name).where(col(AutomatedProcess.user_id).is_(None)))
    )
    for name, kind, schedule in SYSTEM_PROCESSES:
        if name not in existing:
            session.add(new_process(None, name, kind, schedule, now=now))
    session.commit()


def _on_account_created(session: Session, user: User, data: RegisterRequest) -> None:
    create_for_user(session, user, reschedule_overdue=data.reschedule_overdue)


auth_service.on_account_created("default-processes", _on_account_created)
