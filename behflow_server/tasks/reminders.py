"""Reminders: a task's remind_at, or its due time minus a lead time, announced exactly once.

Each announcement writes a `task_reminders_sent` row in the same transaction as its
`reminder.due` event; the unique (task, time) pair makes a second run, a second replica or a
manual run find the reminder already sent. Moving a task's time makes a new reminder.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.events.service import record_event
from behflow_server.tasks.models import Task, TaskReminderSent
from behflow_server.tasks.query import is_open


def reminder_time(task: Task, lead: timedelta) -> datetime | None:
    if task.remind_at is not None:
        return task.remind_at
    if task.due_at is not None:
        return task.due_at - lead
    return None


def _candidates(
    session: Session, user: User, now: datetime, lead: timedelta, window: timedelta
) -> list[Task]:
    oldest = now - window
    by_remind_at = sa.and_(col(Task.remind_at) <= now, col(Task.remind_at) > oldest)
    by_due = sa.and_(
        col(Task.remind_at).is_(None),
        col(Task.due_at) <= now + lead,
        col(Task.due_at) > oldest + lead,
    )
    return list(
        session.exec(
            select(Task)
            .where(
                col(Task.user_id) == user.id,
                is_open(),
                col(Task.archived_at).is_(None),
                sa.or_(by_remind_at, by_due),
            )
            .order_by(col(Task.number))
        )
    )


def _already_sent(session: Session, task: Task, at: datetime) -> bool:
    return (
        session.exec(
            select(TaskReminderSent.id).where(
                col(TaskReminderSent.task_id) == task.id, col(TaskReminderSent.remind_at) == at
            )
        ).first()
        is not None
    )


def send_due_reminders(
    session: Session,
    user: User,
    now: datetime,
    *,
    lead: timedelta,
    window: timedelta,
    settings: Settings | None = None,
) -> list[int]:
    """Announce every reminder of the user's open tasks that has come (and is not older than
    `window`, so a long downtime does not flood); returns the task numbers reminded.

    Each reminder is also queued for the user's Apprise targets in the same transaction;
    with `settings` (the outbound policy, retry limits) due notifications, new ones and
    retries, are then sent here, on the job's thread."""
    from behflow_server.notify import service as notify
    from behflow_server.tasks.service import public

    sent: list[int] = []
    for task in _candidates(session, user, now, lead, window):
        at = reminder_time(task, lead)
        if at is None or _already_sent(session, task, at):
            continue
        try:
            with session.begin_nested():
                session.add(TaskReminderSent(task_id=task.id, remind_at=at, sent_at=now))
        except sa.exc.IntegrityError:
            continue  # another run announced it first
        record_event(
            session,
            user.id,
            "reminder.due",
            {"task": public(task).model_dump(mode="json"), "remind_at": at.isoformat()},
        )
        notify.queue_reminder(session, user, task, at, now)
        sent.append(task.number)
    session.commit()
    if settings is not None:
        notify.deliver_due(session, user, now, settings=settings)
    return sent
