"""Signed-in sessions: one row per token issued (login, register, password change), so a user
can see where they are signed in (created, last seen, client) and sign one out.

A session is live while its token is: not expired, not revoked, issued at the account's
current token version. Revoking one adds its token to the revocation list, like a logout.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from behflow_server.auth.models import RevokedToken, User
from behflow_server.auth.security import TokenClaims
from behflow_server.db import UTCDateTime, utcnow
from behflow_server.errors import NotFound

# last_seen_at is written at most this often per session (and per server process), so a busy
# client does not turn every read into a write.
SEEN_EVERY = timedelta(minutes=5)
_SEEN_CACHE_LIMIT = 10_000
_seen: dict[str, datetime] = {}
_seen_lock = threading.Lock()


class AccountSession(SQLModel, table=True):
    __tablename__ = "account_sessions"

    jti: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    )
    token_version: int = Field(default=0)
    client: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class AccountSessionPublic(SQLModel):
    id: str
    client: str | None
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime
    current: bool


class AccountSessionList(SQLModel):
    items: list[AccountSessionPublic]


def open_session(session: Session, claims: TokenClaims, client: str | None) -> None:
    """Record a newly issued token (the caller commits)."""
    now = utcnow()
    session.add(
        AccountSession(
            jti=claims.jti,
            user_id=claims.user_id,
            token_version=claims.version,
            client=(client or "")[:200] or None,
            created_at=now,
            last_seen_at=now,
            expires_at=claims.expires_at,
        )
    )


def seen(session: Session, claims: TokenClaims) -> None:
    """Note that the session was used just now (at most every SEEN_EVERY)."""
    now = utcnow()
    with _seen_lock:
        last = _seen.get(claims.jti)
        if last is not None and now - last < SEEN_EVERY:
            return
        if len(_seen) >= _SEEN_CACHE_LIMIT:
            _seen.clear()
        _seen[claims.jti] = now
    session.execute(
        sa.update(AccountSession)
        .where(col(AccountSession.jti) == claims.jti)
        .values(last_seen_at=now)
    )
    session.commit()


def list_sessions(session: Session, user: User, claims: TokenClaims) -> list[AccountSessionPublic]:
    revoked = sa.exists().where(col(RevokedToken.jti) == col(AccountSession.jti))
    rows = session.exec(
        select(AccountSession)
        .where(
            col(AccountSession.user_id) == user.id,
            col(AccountSession.token_version) == user.token_version,
            col(AccountSession.expires_at) > utcnow(),
            ~revoked,
        )
        .order_by(col(AccountSession.created_at).desc())
    ).all()
    return [
        AccountSessionPublic(
            id=row.jti,
            client=row.client,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            current=row.jti == claims.jti,
        )
        for row in rows
    ]


def revoke_session(session: Session, user: User, session_id: str) -> None:
    """Sign one session out: its token joins the revocation list."""
    from behflow_server.auth.service import revoke_token

    row = session.get(AccountSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(
            f"No signed-in session {session_id!r}.",
            code="session_not_found",
            details={"id": session_id},
        )
    revoke_token(
        session,
        TokenClaims(
            user_id=user.id, jti=row.jti, version=row.token_version, expires_at=row.expires_at
        ),
    )
