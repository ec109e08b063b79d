"""Who a token belongs to, remembered for at most a second (issue #15).

Every request checked its bearer token with one query (the user row and the revocation list):
about a third of a small request's time. The answer is kept here, per token id, for
`TTL_SECONDS`; revoking a token or changing the user row (password, "log out everywhere",
time zone) in this process drops it at once, and every other worker (or replica) sees the
change within TTL_SECONDS, so a revocation is effective everywhere within a second.

The per-task counters of the user row (task_counter, tasks_version) are never cached: they
change with every task write, in any worker. A request's user has them expired, so the first
read of one loads it fresh from the database (list totals are keyed by tasks_version).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from behflow_server.auth.models import RevokedToken, User

TTL_SECONDS = 1.0
MAX_ENTRIES = 10_000
_VOLATILE = ("task_counter", "tasks_version")
_columns: tuple[str, ...] = ()
_entries: dict[str, tuple[float, uuid.UUID, dict[str, Any]]] = {}
_lock = threading.Lock()


def _cached_columns() -> tuple[str, ...]:
    global _columns
    if not _columns:
        names = [attr.key for attr in sa.inspect(User).mapper.column_attrs]
        _columns = tuple(name for name in names if name not in _VOLATILE)
    return _columns


def remember(jti: str, user: User) -> None:
    values = {name: getattr(user, name) for name in _cached_columns()}
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[jti] = (time.monotonic() + TTL_SECONDS, user.id, values)


def recall(session: Session, jti: str) -> User | None:
    """The token's user, attached to `session` without a query, if known for under a second."""
    with _lock:
        entry = _entries.get(jti)
    if entry is None:
        return None
    expires, _, values = entry
    if time.monotonic() >= expires:
        with _lock:
            _entries.pop(jti, None)
        return None
    detached = User(**values)
    make_transient_to_detached(detached)
    user = session.merge(detached, load=False)
    session.expire(user, list(_VOLATILE))
    return user


def forget_token(jti: str) -> None:
    with _lock:
        _entries.pop(jti, None)


def forget_user(user_id: uuid.UUID) -> None:
    with _lock:
        for jti in [key for key, entry in _entries.items() if entry[1] == user_id]:
            del _entries[jti]


def clear() -> None:
    with _lock:
        _entries.clear()


# Dropped at flush and again after the commit, so a request that read the old row between the
# two cannot keep it for another second.
@event.listens_for(User, "after_update")
@event.listens_for(User, "after_delete")
def _user_changed(mapper: Any, connection: Any, user: User) -> None:
    forget_user(user.id)
    session = sa.orm.object_session(user)
    if session is not None:
        session.info.setdefault("auth_cache_users", set()).add(user.id)


@event.listens_for(RevokedToken, "after_insert")
def _token_revoked(mapper: Any, connection: Any, revoked: RevokedToken) -> None:
    forget_token(revoked.jti)
    session = sa.orm.object_session(revoked)
    if session is not None:
        session.info.setdefault("auth_cache_tokens", set()).add(revoked.jti)


@event.listens_for(sa.orm.Session, "after_commit")
def _after_commit(session: Session) -> None:
    for user_id in session.info.pop("auth_cache_users", ()):
        forget_user(user_id)
    for jti in session.info.pop("auth_cache_tokens", ()):
        forget_token(jti)
