"""Notification targets: adding (checked by Apprise), listing masked, removing, testing; and
reminders queued once per (target, task, time) and delivered with bounded, backed-off retries.

Exactly once: `queue_reminder` writes a `notify_deliveries` row per target in the reminder's
own transaction (the unique triple makes a second run or replica find it there), and an
attempt is claimed by its attempt count (claims.compare_and_set) before anything is sent, so
two workers never send the same attempt. A worker that dies after sending but before
recording leaves a lease that runs out, and the attempt is made again: at least once at the
edge, as with webhooks.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.claims import backoff, compare_and_set
from behflow_server.config import Settings
from behflow_server.db import utcnow
from behflow_server.errors import InvalidInput, NotFound
from behflow_server.notify import delivery
from behflow_server.notify.models import NotifyDelivery, NotifyTarget, NotifyTargetPublic
from behflow_server.tasks.models import Task
from behflow_server.timezones import get_zone

log = logging.getLogger("behflow.notify")
MAX_TARGETS = 20
DUE_BATCH = 100
# One run sends for at most this long; what is left waits for the next run, so a few slow
# services cannot hold the reminders job past its time-out.
RUN_BUDGET_SECONDS = 120.0


def public(target: NotifyTarget) -> NotifyTargetPublic:
    return NotifyTargetPublic.model_validate(
        {**target.model_dump(), "url": delivery.mask(target.url)}
    )


def add_target(session: Session, user: User, url: str) -> NotifyTarget:
    plugin = delivery.parse(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else url
        raise InvalidInput(
            f"Apprise does not accept {scheme!r}://...: unknown service or malformed URL "
            "(see https://github.com/caronc/apprise/wiki for the URL of each service).",
            code="invalid_notify_url",
            details={"field": "url"},
        )
    count = session.exec(
        select(sa.func.count())
        .select_from(NotifyTarget)
        .where(col(NotifyTarget.user_id) == user.id)
    ).one()
    if count >= MAX_TARGETS:
        raise InvalidInput(
            f"At most {MAX_TARGETS} notification targets per account; remove one first.",
            code="too_many_notify_targets",
            details={"field": "url"},
        )
    target = NotifyTarget(user_id=user.id, url=url.strip(), service=str(plugin.service_name))
    session.add(target)
    session.commit()
    return target


def list_targets(session: Session, user: User) -> list[NotifyTarget]:
    return list(
        session.exec(
            select(NotifyTarget)
            .where(col(NotifyTarget.user_id) == user.id)
            .order_by(col(NotifyTarget.created_at), col(NotifyTarget.id))
        )
    )


def get_target(session: Session, user: User, target_id: uuid.UUID) -> NotifyTarget:
    target = session.get(NotifyTarget, target_id)
    if target is None or target.user_id != user.id:
        raise NotFound(
            "No such notification target.",
            code="notify_target_not_found",
            details={"id": str(target_id)},
        )
    return target


def remove_target(session: Session, user: User, target_id: uuid.UUID) -> None:
    session.delete(get_target(session, user, target_id))
    session.commit()


def _record(target: NotifyTarget, outcome: delivery.Outcome, now: datetime) -> None:
    target.last_status = outcome.kind
    target.last_attempt_at = now
    target.last_error = outcome.error
    if outcome.kind != "delivered":
        target.failures += 1


def send_test(
    session: Session, user: User, target_id: uuid.UUID, *, settings: Settings
) -> delivery.Outcome:
    """Send one test notification now (on the caller's thread) and record how it went."""
    target = get_target(session, user, target_id)
    now = utcnow()
    outcome = delivery.send(
        target.url,
        "Behflow test notification",
        f"Notifications for {user.username} reach this target.",
        settings=settings,
    )
    _record(target, outcome, now)
    session.add(target)
    session.commit()
    return outcome


def queue_reminder(session: Session, user: User, task: Task, at: datetime, now: datetime) -> int:
    """Queue the reminder for each of the user's targets, in the caller's transaction;
    returns how many were new (a row already there means another run queued it)."""
    targets = session.exec(
        select(NotifyTarget.id).where(col(NotifyTarget.user_id) == user.id)
    ).all()
    title = f"Reminder: {task.title}"[:300]
    due = ""
    if task.due_at is not None:
        zone = get_zone(user.timezone)
        due = f" (due {task.due_at.astimezone(zone):%a %Y-%m-%d %H:%M} {zone.key})"
    body = f"#{task.number} {task.title}{due}"
    queued = 0
    for target_id in targets:
        try:
            with session.begin_nested():
                session.add(
                    NotifyDelivery(
                        target_id=target_id,
                        task_id=task.id,
                        remind_at=at,
                        title=title,
                        body=body,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
        except sa.exc.IntegrityError:
            continue
        queued += 1
    return queued


def _claim(
    session: Session, row_id: uuid.UUID, attempts: int, now: datetime, settings: Settings
) -> bool:
    """Take attempt number `attempts + 1`; a lease in `next_attempt_at` lets another worker
    retry it should this one die before recording the outcome."""
    lease = now + timedelta(seconds=settings.notify_timeout_seconds * 3 + 30)
    taken = compare_and_set(
        session,
        NotifyDelivery,
        row_id,
        {"status": "pending", "attempts": attempts},
        attempts=attempts + 1,
        next_attempt_at=lease,
    )
    session.commit()
    return taken


def deliver_due(session: Session, user: User, now: datetime, *, settings: Settings) -> int:
    """Attempt every due delivery of the user's targets (new ones and retries), here and
    now; returns how many were delivered."""
    rows = session.exec(
        select(NotifyDelivery.id, NotifyDelivery.attempts)
        .join(NotifyTarget, col(NotifyTarget.id) == col(NotifyDelivery.target_id))
        .where(
            col(NotifyTarget.user_id) == user.id,
            col(NotifyDelivery.status) == "pending",
            col(NotifyDelivery.next_attempt_at) <= now,
        )
        .order_by(col(NotifyDelivery.next_attempt_at))
        .limit(DUE_BATCH)
    ).all()
    delivered = 0
    started = time.monotonic()
    for row_id, attempts in rows:
        if time.monotonic() - started > RUN_BUDGET_SECONDS:
            break
        if not _claim(session, row_id, attempts, now, settings):
            continue  # another run or replica took this attempt
        row = session.get(NotifyDelivery, row_id)
        target = session.get(NotifyTarget, row.target_id) if row else None
        if row is None or target is None:
            continue
        session.refresh(row)
        outcome = delivery.send(target.url, row.title, row.body, settings=settings)
        row.error = outcome.error
        if outcome.kind == "delivered":
            row.status, row.delivered_at, row.next_attempt_at = "delivered", now, None
            delivered += 1
        elif outcome.kind == "refused" or row.attempts >= settings.notify_max_attempts:
            row.status, row.next_attempt_at = "failed", None
        else:
            row.next_attempt_at = now + backoff(settings.notify_retry_base_seconds, row.attempts)
        if outcome.kind != "delivered":
            log.warning(
                "notification %s to target %s (%s) attempt %d %s: %s",
                row.id,
                target.id,
                target.service,
                row.attempts,
                "gave up" if row.status == "failed" else "will retry",
                outcome.error,
            )
        _record(target, outcome, now)
        session.add(row)
        session.add(target)
        session.commit()
    return delivered
