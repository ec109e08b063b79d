"""Automated processes: their rules once (create, change, enable, delete, run now, history).

Running them (claiming due slots, retries, time-outs, recording results) is the engine's
(processes/engine.py); `run_now` claims a manual slot here and hands it to the engine.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.errors import Conflict, InvalidInput, NotFound
from behflow_server.processes import engine
from behflow_server.processes.engine import Clock
from behflow_server.processes.jobs import get_kind
from behflow_server.processes.models import (
    AutomatedProcess,
    AutomatedProcessExecution,
    ProcessCreate,
    ProcessUpdate,
)
from behflow_server.processes.schedules import Schedule, parse_schedule
from behflow_server.timezones import check_timezone, get_zone

Execution = AutomatedProcessExecution
# Names the routes use themselves (GET /processes/kinds).
RESERVED_NAMES = frozenset({"kinds"})


# --- Processes: the user-facing rules ---------------------------------------------------------


def _schedule(process: AutomatedProcess, min_interval_seconds: int) -> Schedule:
    return parse_schedule(
        process.schedule, get_zone(process.timezone), min_interval_seconds=min_interval_seconds
    )


def _plan(process: AutomatedProcess, now: datetime, min_interval_seconds: int) -> None:
    process.next_run_at = (
        _schedule(process, min_interval_seconds).next_after(now) if process.enabled else None
    )


def list_processes(session: Session, user: User) -> list[AutomatedProcess]:
    return list(
        session.exec(
            select(AutomatedProcess)
            .where(col(AutomatedProcess.user_id) == user.id)
            .order_by(col(AutomatedProcess.name))
        )
    )


def get_process(session: Session, user: User, name: str) -> AutomatedProcess:
    process = session.exec(
        select(AutomatedProcess).where(
            col(AutomatedProcess.user_id) == user.id, col(AutomatedProcess.name) == name
        )
    ).first()
    if process is None:
        raise NotFound(
            f"No process named {name!r}.", code="process_not_found", details={"name": name}
        )
    return process


def new_process(
    user: User | None,
    name: str,
    kind: str,
    schedule: str,
    *,
    now: datetime,
    min_interval_seconds: int = 60,
    timezone: str = "UTC",
    config: dict[str, Any] | None = None,
    enabled: bool = True,
    max_attempts: int = 3,
    timeout_seconds: int = 300,
) -> AutomatedProcess:
    """A checked, planned process row (not yet added to a session)."""
    spec = get_kind(kind)
    if name.lower() in RESERVED_NAMES:
        raise InvalidInput(
            f"{name!r} is reserved; choose another name.",
            code="reserved_name",
            details={"field": "name"},
        )
    if spec.system and user is not None:
        raise InvalidInput(
            f"{kind} is a server-wide process; accounts cannot create it.",
            code="system_kind",
            details={"field": "kind"},
        )
    process = AutomatedProcess(
        user_id=user.id if user else None,
        name=name,
        kind=kind,
        schedule=schedule,
        timezone=check_timezone(timezone),
        config=spec.check_config(config or {}),
        enabled=enabled,
        max_attempts=max_attempts,
        timeout_seconds=timeout_seconds,
        created_at=now,
        updated_at=now,
    )
    process.schedule = _schedule(process, min_interval_seconds).text
    _plan(process, now, min_interval_seconds)
    return process


def create_process(
    session: Session, user: User, data: ProcessCreate, *, settings: Settings, now: datetime
) -> AutomatedProcess:
    extras = data.model_dump(
        exclude_unset=True, exclude_none=True, exclude={"name", "kind", "schedule"}
    )
    extras.setdefault("timezone", user.timezone)
    process = new_process(
        user,
        data.name,
        data.kind,
        data.schedule,
        now=now,
        min_interval_seconds=settings.scheduler_min_interval_seconds,
        **extras,
    )
    session.add(process)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        raise Conflict(
            f"A process named {data.name!r} exists already.",
            code="process_exists",
            details={"field": "name"},
        ) from None
    return process


def update_process(
    session: Session,
    user: User,
    name: str,
    data: ProcessUpdate,
    *,
    settings: Settings,
    now: datetime,
) -> AutomatedProcess:
    process = get_process(session, user, name)
    changes = data.model_dump(exclude_unset=True)
    for field in ("schedule", "timezone", "enabled", "max_attempts", "timeout_seconds"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"{field} cannot be cleared.", details={"field": field})
    if "timezone" in changes:
        changes["timezone"] = check_timezone(changes["timezone"])
    if "config" in changes:
        changes["config"] = get_kind(process.kind).check_config(changes["config"] or {})
    for field, value in changes.items():
        setattr(process, field, value)
    process.schedule = _schedule(process, settings.scheduler_min_interval_seconds).text
    if {"schedule", "timezone", "enabled"} & changes.keys():
        _plan(process, now, settings.scheduler_min_interval_seconds)
    process.updated_at = now
    session.add(process)
    session.commit()
    return process


def set_enabled(
    session: Session, user: User, name: str, enabled: bool, *, settings: Settings, now: datetime
) -> AutomatedProcess:
    return update_process(
        session, user, name, ProcessUpdate(enabled=enabled), settings=settings, now=now
    )


def delete_process(session: Session, user: User, name: str) -> None:
    session.delete(get_process(session, user, name))
    session.commit()


def history(session: Session, user: User, name: str, limit: int = 20) -> list[Execution]:
    process = get_process(session, user, name)
    return list(
        session.exec(
            select(Execution)
            .where(col(Execution.process_id) == process.id)
            .order_by(col(Execution.started_at).desc(), col(Execution.attempt).desc())
            .limit(limit)
        )
    )


def run_now(
    db: Database, session: Session, user: User, name: str, *, settings: Settings, clock: Clock
) -> Execution:
    """Run the process at once, in the caller's thread; a failure with attempts left is retried
    by the scheduler like any other run."""
    process_id = get_process(session, user, name).id
    now = clock()
    for nudge in range(100):
        # A manual run's slot is its start; a scheduled slot at the very same instant wins it.
        execution = Execution(
            process_id=process_id,
            scheduled_for=now + timedelta(microseconds=nudge),
            trigger="manual",
            started_at=now,
            worker=engine.WORKER,
        )
        session.add(execution)
        try:
            session.commit()
            break
        except sa.exc.IntegrityError:
            session.rollback()
            if not engine.process_exists(session, process_id):  # deleted meanwhile
                raise engine.deleted(name) from None
    else:
        raise Conflict("The process is being started already; try again.", code="busy")
    return engine.run_execution(db, execution.id, settings=settings, clock=clock)
