"""Automated processes: their rules once (create, change, enable, run, history) and the
execution engine the scheduler drives (claim due slots, retry, time out, record results).

Exactly-once: a scheduled run first claims its slot, inserting the execution row whose
(process_id, scheduled_for) pair is unique while moving the process's next_run_at forward with
a compare-and-set; whoever loses either step runs nothing. Retries claim the same row by its
attempt number, so they too happen once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.config import Settings
from behflow_server.db import Database, utcnow
from behflow_server.errors import Conflict, InvalidInput, NotFound
from behflow_server.events.service import record_event
from behflow_server.processes import defaults
from behflow_server.processes.jobs import JobContext, get_kind
from behflow_server.processes.models import (
    AutomatedProcess,
    AutomatedProcessExecution,
    ExecutionStatus,
    ProcessCreate,
    ProcessUpdate,
)
from behflow_server.processes.schedules import Schedule, parse_schedule
from behflow_server.timezones import check_timezone, get_zone

Clock = Callable[[], datetime]
Execution = AutomatedProcessExecution
log = logging.getLogger("behflow.processes")
WORKER = f"{socket.gethostname()}:{os.getpid()}"[:100]
MAX_CLAIMS_PER_TICK = 200
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
            worker=WORKER,
        )
        session.add(execution)
        try:
            session.commit()
            break
        except sa.exc.IntegrityError:
            session.rollback()
            if not _exists(session, process_id):  # deleted meanwhile: the slot's key is gone
                raise _deleted(name) from None
    else:
        raise Conflict("The process is being started already; try again.", code="busy")
    return run_execution(db, execution.id, settings=settings, clock=clock)


# --- The engine the scheduler drives ----------------------------------------------------------


def claim_due(
    session: Session, now: datetime, *, settings: Settings, worker: str = WORKER
) -> list[uuid.UUID]:
    """Claim every due slot (at most one per process, however many were missed); returns the
    executions to run."""
    grace = timedelta(seconds=max(60.0, 2 * settings.scheduler_tick_seconds))
    # Plain rows, not entities: a claim lost to another scheduler rolls back, and must not
    # leave the rest of the batch to be reloaded (or found deleted) one by one.
    due = session.execute(
        sa.select(
            AutomatedProcess.id,
            AutomatedProcess.next_run_at,
            AutomatedProcess.schedule,
            AutomatedProcess.timezone,
        )
        .where(col(AutomatedProcess.enabled), col(AutomatedProcess.next_run_at) <= now)
        .order_by(col(AutomatedProcess.next_run_at))
        .limit(MAX_CLAIMS_PER_TICK)
    ).all()
    claimed: list[uuid.UUID] = []
    for process_id, slot, schedule, timezone in due:
        try:
            following = parse_schedule(
                schedule, get_zone(timezone), min_interval_seconds=1
            ).next_after(max(now, slot))
        except InvalidInput as exc:
            log.error("process %s has an unusable schedule, disabling: %s", process_id, exc)
            session.execute(
                sa.update(AutomatedProcess)
                .where(col(AutomatedProcess.id) == process_id)
                .values(enabled=False, next_run_at=None)
            )
            session.commit()
            continue
        execution = Execution(
            process_id=process_id,
            scheduled_for=slot,
            trigger="catch_up" if slot < now - grace else "schedule",
            started_at=now,
            worker=worker,
        )
        try:
            moved = session.execute(
                sa.update(AutomatedProcess)
                .where(
                    col(AutomatedProcess.id) == process_id,
                    col(AutomatedProcess.next_run_at) == slot,
                )
                .values(next_run_at=following)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                continue
            session.add(execution)
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()  # another scheduler ran this slot
            continue
        claimed.append(execution.id)
    return claimed


def claim_retries(session: Session, now: datetime, *, worker: str = WORKER) -> list[uuid.UUID]:
    """Claim failed runs whose back-off has passed for their next attempt."""
    waiting = session.exec(
        select(Execution).where(
            col(Execution.status) == ExecutionStatus.retrying.value,
            col(Execution.next_attempt_at) <= now,
        )
    ).all()
    claimed: list[uuid.UUID] = []
    for execution in waiting:
        taken = _transition(
            session,
            execution,
            ExecutionStatus.retrying,
            status=ExecutionStatus.running.value,
            attempt=execution.attempt + 1,
            started_at=now,
            finished_at=None,
            next_attempt_at=None,
            worker=worker,
        )
        session.commit()
        if taken:
            claimed.append(execution.id)
    return claimed


def _transition(
    session: Session, execution: Execution, expected: ExecutionStatus, **values: Any
) -> bool:
    """Move an execution on only if nobody else did first (same status, same attempt)."""
    result = session.execute(
        sa.update(Execution)
        .where(
            col(Execution.id) == execution.id,
            col(Execution.status) == expected.value,
            col(Execution.attempt) == execution.attempt,
        )
        .values(**values)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def fail_timed_out(session: Session, now: datetime) -> int:
    """Mark runs that outlived their process's timeout (or their crashed worker) as failed."""
    rows = session.execute(
        sa.select(Execution, AutomatedProcess)
        .join(AutomatedProcess, col(AutomatedProcess.id) == col(Execution.process_id))
        .where(col(Execution.status) == ExecutionStatus.running.value)
    ).all()
    count = 0
    for execution, process in rows:
        if execution.started_at + timedelta(seconds=process.timeout_seconds) > now:
            continue
        marked = _transition(
            session,
            execution,
            ExecutionStatus.running,
            status=ExecutionStatus.failed.value,
            finished_at=now,
            error=f"timed out after {process.timeout_seconds} s",
        )
        if marked:
            count += 1
            _announce(session, process, execution, "process.failed")
        session.commit()
    return count


def _announce(session: Session, process: AutomatedProcess, execution: Execution, type: str) -> None:
    if process.user_id is None:
        return
    record_event(
        session,
        process.user_id,
        type,
        {
            "process": {"id": str(process.id), "name": process.name, "kind": process.kind},
            "execution": {
                "id": str(execution.id),
                "attempt": execution.attempt,
                "trigger": execution.trigger,
                "scheduled_for": execution.scheduled_for.isoformat(),
                "result": execution.result,
                "error": execution.error,
            },
        },
    )


def run_execution(
    db: Database, execution_id: uuid.UUID, *, settings: Settings, clock: Clock = utcnow
) -> Execution:
    """Run one claimed execution and record how it went (unless it timed out meanwhile)."""
    with db.session() as session:
        execution = session.get(Execution, execution_id)
        process = session.get(AutomatedProcess, execution.process_id) if execution else None
        if execution is None or process is None:
            # Deleting a process deletes its runs: one deleted before its run began.
            raise _deleted(process.name if process else None)
        attempt, ref = execution.attempt, (process.id, process.name)
        kind_name = process.kind
        owner = session.get(User, process.user_id) if process.user_id else None
        now = clock()
        try:
            kind = get_kind(process.kind)
            context = JobContext(session, process, owner, now, get_zone(process.timezone), settings)
            result = kind.run(context)
        except Exception as exc:
            session.rollback()
            log.warning(
                "process %s (%s) attempt %d failed: %s",
                ref[1],
                kind_name,
                attempt,
                exc,
                exc_info=not isinstance(exc, InvalidInput),
            )
            error = f"{type(exc).__name__}: {exc}"
            return _finish_failed(session, ref, execution_id, attempt, error, clock(), settings)
        return _finish_succeeded(session, ref, execution_id, attempt, result, clock())


def _exists(session: Session, process_id: uuid.UUID) -> bool:
    found = session.execute(
        sa.select(AutomatedProcess.id).where(col(AutomatedProcess.id) == process_id)
    ).first()
    return found is not None


def _deleted(name: str | None) -> NotFound:
    what = f"The process {name!r}" if name else "The process"
    return NotFound(
        f"{what} was deleted before its run could finish.",
        code="process_not_found",
        details={"name": name} if name else {},
    )


ProcessRef = tuple[uuid.UUID, str]  # id and name, read before the run (they outlive a rollback)


def _lock_process(session: Session, ref: ProcessRef) -> AutomatedProcess:
    """Lock the process row before touching its execution, as DELETE does (the process, then
    its executions by cascade): taking them in the other order deadlocked on PostgreSQL. A
    process deleted while its run went on is gone by now: the run's record went with it."""
    locked = session.get(AutomatedProcess, ref[0], with_for_update=True, populate_existing=True)
    if locked is None:
        session.rollback()
        raise _deleted(ref[1])
    return locked


def _finish_succeeded(
    session: Session,
    ref: ProcessRef,
    execution_id: uuid.UUID,
    attempt: int,
    result: dict[str, Any],
    now: datetime,
) -> Execution:
    process = _lock_process(session, ref)
    done = session.execute(
        sa.update(Execution)
        .where(
            col(Execution.id) == execution_id,
            col(Execution.status) == ExecutionStatus.running.value,
            col(Execution.attempt) == attempt,
        )
        .values(status=ExecutionStatus.succeeded.value, finished_at=now, result=result, error=None)
    )
    execution = _reload(session, execution_id)
    if done.rowcount == 1:  # type: ignore[attr-defined]
        process.last_run_at = now
        session.add(process)
        # Quiet runs (nothing reminded, moved or cleaned) announce nothing; manual ones always.
        if execution.trigger == "manual" or result.get("count"):
            _announce(session, process, execution, "process.succeeded")
    session.commit()
    return execution


def _finish_failed(
    session: Session,
    ref: ProcessRef,
    execution_id: uuid.UUID,
    attempt: int,
    error: str,
    now: datetime,
    settings: Settings,
) -> Execution:
    process = _lock_process(session, ref)
    retry = attempt < process.max_attempts
    values: dict[str, Any] = {"error": error[:4000]}
    if retry:
        delay = settings.scheduler_retry_base_seconds * 2 ** (attempt - 1)
        values |= {
            "status": ExecutionStatus.retrying.value,
            "next_attempt_at": now + timedelta(seconds=delay),
        }
    else:
        values |= {"status": ExecutionStatus.failed.value, "finished_at": now}
    marked = session.execute(
        sa.update(Execution)
        .where(
            col(Execution.id) == execution_id,
            col(Execution.status) == ExecutionStatus.running.value,
            col(Execution.attempt) == attempt,
        )
        .values(**values)
    )
    execution = _reload(session, execution_id)
    if marked.rowcount == 1 and not retry:  # type: ignore[attr-defined]
        process.last_run_at = now
        session.add(process)
        _announce(session, process, execution, "process.failed")
    session.commit()
    return execution


def _reload(session: Session, execution_id: uuid.UUID) -> Execution:
    execution = session.get(Execution, execution_id, populate_existing=True)
    if execution is None:  # cannot happen while the process row is locked; never a 500
        session.rollback()
        raise _deleted(None)
    return execution


def ensure_system_processes(session: Session, now: datetime) -> None:
    """Create the server-wide processes missing from the store (run by the scheduler leader)."""
    existing = set(
        session.exec(select(AutomatedProcess.name).where(col(AutomatedProcess.user_id).is_(None)))
    )
    for name, kind, schedule in defaults.SYSTEM_PROCESSES:
        if name not in existing:
            session.add(new_process(None, name, kind, schedule, now=now))
    session.commit()
