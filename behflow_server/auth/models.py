"""Accounts and revoked tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints, field_validator
from sqlmodel import Field, SQLModel

from behflow_server.db import UTCDateTime, utcnow
from behflow_server.timezones import is_known_timezone

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}$"


class Credentials(SQLModel):
    username: Annotated[
        str, StringConstraints(min_length=2, max_length=39, pattern=USERNAME_PATTERN)
    ]
    password: str = Field(min_length=8, max_length=1024)


class LoginRequest(SQLModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class ProfileFields(SQLModel):
    timezone: str | None = Field(default=None, max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_known_timezone(value):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like 'Europe/Berlin'")
        return value


class RegisterRequest(Credentials, ProfileFields):
    # Needed only when the server runs with BEHFLOW_REGISTRATION=invite.
    invite_code: str | None = Field(default=None, max_length=200)
    # The sign-up choice for overdue tasks: the account's `reschedule-overdue` process (move
    # overdue open tasks to today every night) is created enabled only when this is true.
    reschedule_overdue: bool = Field(
        default=False,
        description="Move overdue open tasks to today every night (the reschedule-overdue "
        "process, created disabled unless true).",
    )


class PasswordChange(SQLModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=8, max_length=1024)


class ProfileUpdate(ProfileFields):
    pass


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=39)
    # Lower-cased copy: usernames are unique regardless of case.
    username_key: str = Field(max_length=39, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=255)
    timezone: str = Field(default="UTC", max_length=64)
    # Bumped on password change and "log out everywhere"; tokens carry the version
    # they were issued at.
    token_version: int = Field(default=0)
    # Last task number handed out; numbers are never reused.
    task_counter: int = Field(default=0)
    # Changes with every write to the user's tasks: list totals are cached against it.
    tasks_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    is_system: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserPublic(SQLModel):
    id: uuid.UUID
    username: str
    timezone: str
    created_at: datetime


class RevokedToken(SQLModel, table=True):
    __tablename__ = "revoked_tokens"

    jti: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    )
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TokenResponse(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
