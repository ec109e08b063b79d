"""The automated processes every new account starts with."""

from __future__ import annotations

from sqlmodel import Session

from behflow_server.auth.models import User


def create_for_user(session: Session, user: User) -> None:
    """Add the default processes for `user` to the session (committed by the caller)."""
    # Filled in by the automation work (issue #6); a new account has none until then.
    return None
