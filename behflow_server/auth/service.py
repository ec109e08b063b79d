"""Accounts: register, authenticate, tokens, revocation, password and profile changes."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import (
    PasswordChange,
    ProfileUpdate,
    RegisterRequest,
    RevokedToken,
    User,
)
from behflow_server.auth.security import TokenClaims, hash_password, verify_password
from behflow_server.db import rowcount, utcnow
from behflow_server.errors import Conflict, InvalidInput, Unauthorized
from behflow_server.events.service import record_revocation


def get_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username_key == username.lower())).first()


def register(session: Session, data: RegisterRequest) -> User:
    if get_by_username(session, data.username) is not None:
        raise Conflict(
            f"The username {data.username!r} is taken.",
            code="username_taken",
            details={"field": "username"},
        )
    user = User(
        username=data.username,
        username_key=data.username.lower(),
        password_hash=hash_password(data.password),
        timezone=data.timezone or "UTC",
    )
    session.add(user)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise Conflict(
            f"The username {data.username!r} is taken.",
            code="username_taken",
            details={"field": "username"},
        ) from None
    for hook in _account_hooks.values():
        hook(session, user, data)
    session.commit()
    return user


# What other domains give a new account (processes: its default processes; see
# processes/defaults.py), run inside the registration's transaction so an account never exists
# without them. Domains add themselves here, so auth imports none of them.
AccountHook = Callable[[Session, User, RegisterRequest], None]
_account_hooks: dict[str, AccountHook] = {}


def on_account_created(name: str, hook: AccountHook) -> None:
    """Run `hook` for every account registered from now on (`name` keeps it added once)."""
    _account_hooks[name] = hook


def user_for_token(session: Session, claims: TokenClaims) -> User:
    """The user a valid token belongs to; raises if the token was revoked."""
    revoked = sa.exists().where(col(RevokedToken.jti) == claims.jti)
    row = session.exec(select(User, revoked).where(col(User.id) == claims.user_id)).first()
    if row is None or row[1] or row[0].token_version != claims.version:
        raise Unauthorized("This token was revoked; log in again.", code="token_revoked")
    return row[0]


def revoke_token(session: Session, claims: TokenClaims) -> None:
    if session.get(RevokedToken, claims.jti) is None:
        session.add(
            RevokedToken(jti=claims.jti, user_id=claims.user_id, expires_at=claims.expires_at)
        )
        record_revocation(session, claims.user_id)  # open event streams of the token end
        session.commit()


def revoke_all_tokens(session: Session, user: User) -> None:
    user.token_version += 1
    user.updated_at = utcnow()
    session.add(user)
    record_revocation(session, user.id)  # open event streams of the old tokens end
    session.commit()


def change_password(session: Session, user: User, data: PasswordChange) -> None:
    if not verify_password(data.current_password, user.password_hash):
        raise InvalidInput(
            "The current password is wrong.",
            code="invalid_credentials",
            details={"field": "current_password"},
        )
    user.password_hash = hash_password(data.new_password)
    revoke_all_tokens(session, user)


def update_profile(session: Session, user: User, data: ProfileUpdate) -> User:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("timezone"):
        user.timezone = changes["timezone"]
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    return user


def purge_expired_revocations(session: Session) -> int:
    """Drop revocation records of tokens that have expired anyway."""
    result = session.execute(sa.delete(RevokedToken).where(col(RevokedToken.expires_at) < utcnow()))
    session.commit()
    return rowcount(result)
