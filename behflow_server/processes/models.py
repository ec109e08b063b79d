"""Automated processes (scheduled jobs) and the log of their executions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from behflow_server.db import JSONType, UTCDateTime, utcnow


class ExecutionStatus(StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    retrying = "retrying"


class AutomatedProcess(SQLModel, table=True):
    __tablename__ = "automated_processes"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "name", name="uq_process_owner_name"),
        sa.Index("ix_processes_due", "enabled", "next_run_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # None: a system process (not owned by any user).
    user_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    )
    name: str = Field(max_length=100)
    kind: str = Field(max_length=40)
    # A five-field cron expression, or an interval such as "every 15m" / "every 1h".
    schedule: str = Field(max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    enabled: bool = Field(default=True)
    max_attempts: int = Field(default=3)
    timeout_seconds: int = Field(default=300)
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AutomatedProcessExecution(SQLModel, table=True):
    __tablename__ = "automated_process_executions"
    __table_args__ = (
        # One execution per scheduled slot: how replicas agree that a run happened once.
        sa.UniqueConstraint("process_id", "scheduled_for", name="uq_execution_slot"),
        sa.Index("ix_executions_process_started", "process_id", "started_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    process_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("automated_processes.id", ondelete="CASCADE"), nullable=False
        )
    )
    scheduled_for: datetime = Field(sa_type=UTCDateTime)
    trigger: str = Field(default="schedule", max_length=16)  # schedule | manual | catch_up
    status: str = Field(default=ExecutionStatus.running.value, max_length=16)
    attempt: int = Field(default=1)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    worker: str | None = Field(default=None, max_length=100)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    error: str | None = Field(default=None, sa_type=sa.Text)


class DailyStat(SQLModel, table=True):
    """Per-user daily figures written by the analytics process."""

    __tablename__ = "daily_stats"
    __table_args__ = (sa.UniqueConstraint("user_id", "day", name="uq_daily_stat"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    day: str = Field(max_length=10)  # ISO date in the user's time zone
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


PROCESS_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class ProcessFields(SQLModel):
    schedule: str | None = Field(default=None, min_length=1, max_length=100)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    config: dict[str, Any] | None = None
    enabled: bool | None = None
    max_attempts: int | None = Field(default=None, ge=1, le=10)
    timeout_seconds: int | None = Field(default=None, ge=1, le=24 * 3600)


class ProcessCreate(ProcessFields):
    name: Annotated[str, StringConstraints(pattern=PROCESS_NAME_PATTERN)]
    kind: str = Field(min_length=1, max_length=40)
    schedule: str = Field(min_length=1, max_length=100)


class ProcessUpdate(ProcessFields):
    pass


class ProcessPublic(SQLModel):
    id: uuid.UUID
    name: str
    kind: str
    schedule: str
    timezone: str
    config: dict[str, Any]
    enabled: bool
    max_attempts: int
    timeout_seconds: int
    next_run_at: datetime | None
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ExecutionPublic(SQLModel):
    id: uuid.UUID
    process_id: uuid.UUID
    scheduled_for: datetime
    trigger: str
    status: ExecutionStatus
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    next_attempt_at: datetime | None
    worker: str | None
    result: dict[str, Any]
    error: str | None


class DayFigures(SQLModel):
    day: str
    created: int
    completed: int
    overdue: int | None
    mean_hours_to_complete: float | None


class StatsPublic(SQLModel):
    timezone: str
    days: list[DayFigures]
    streak: int
    open: int
    overdue: int
