"""Calendar feed rules: make, rotate and revoke the secret URL; serve the feed it names.

The secret is 32 random bytes (URL-safe base64) and only its SHA-256 is stored: a copy of the
database does not give anyone a working feed URL. A plain hash (no salt, no slow KDF) is enough
for a random secret of that length, and lets a feed request find its user with one indexed
lookup."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.calendar.models import CalendarFeed, FeedStatus
from behflow_server.db import utcnow
from behflow_server.errors import NotFound
from behflow_server.interop.service import matching_tasks
from behflow_server.tasks.models import OPEN_STATUSES, TaskStatus
from behflow_server.tasks.query import TaskQuery, TaskSort
from behflow_server.timezones import get_zone

# Done tasks stay in the feed this long (a calendar shows what was finished this month).
COMPLETED_WINDOW = timedelta(days=30)
# Recording each use is a write: at most once per this interval.
LAST_USED_GRANULARITY = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def status(session: Session, user: User) -> FeedStatus:
    feed = session.get(CalendarFeed, user.id)
    if feed is None:
        return FeedStatus(active=False)
    return FeedStatus(active=True, created_at=feed.created_at, last_used_at=feed.last_used_at)


def rotate(session: Session, user: User) -> tuple[str, CalendarFeed]:
    """A new secret for the user's feed (the first one, or one replacing the old, which stops
    working at once); returns the secret, which is not stored."""
    secret = secrets.token_urlsafe(32)
    feed = session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, secret_hash=_hash(secret))
    else:
        feed.secret_hash = _hash(secret)
        feed.created_at = utcnow()
        feed.last_used_at = None
    session.add(feed)
    session.commit()
    return secret, feed


def revoke(session: Session, user: User) -> None:
    feed = session.get(CalendarFeed, user.id)
    if feed is not None:
        session.delete(feed)
        session.commit()


def owner(session: Session, secret: str) -> User:
    """The user whose feed the secret opens; NotFound (as for any unknown URL) otherwise."""
    feed = session.exec(
        select(CalendarFeed).where(col(CalendarFeed.secret_hash) == _hash(secret))
    ).first()
    user = session.get(User, feed.user_id) if feed is not None else None
    if feed is None or user is None:
        raise NotFound("No calendar feed at this address.", code="feed_not_found")
    now = utcnow()
    if feed.last_used_at is None or now - feed.last_used_at > LAST_USED_GRANULARITY:
        feed.last_used_at = now
        session.add(feed)
        session.commit()
    return user


def render(session: Session, user: User, *, events: bool = False) -> bytes:
    """The user's open tasks and those done in the last 30 days, as an iCalendar file."""
    zone: ZoneInfo = get_zone(user.timezone)
    open_tasks = matching_tasks(
        session, user, TaskQuery(statuses=list(OPEN_STATUSES), sort=TaskSort.number), zone
    )
    done = matching_tasks(
        session,
        user,
        TaskQuery(
            statuses=[TaskStatus.completed],
            completed_after=utcnow() - COMPLETED_WINDOW,
            sort=TaskSort.number,
        ),
        zone,
    )
    tasks = sorted(open_tasks + done, key=lambda task: task.number)
    from behflow_server.interop import ical  # icalendar: imported when a feed is read

    return ical.feed(tasks, zone, name=f"Behflow: {user.username}", events=events)
