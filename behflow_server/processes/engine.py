"""The process engine the scheduler drives: claim due slots and retries, run them, time them
out, record how each went.

Exactly-once: a scheduled run first claims its slot, inserting the execution row whose
(process_id, scheduled_for) pair is unique while moving the process's next_run_at forward with
a compare-and-set (claims.compare_and_set); whoever loses either step runs nothing. Retries
claim the same row by its attempt number, so they too happen once. Recording a result locks
the process row first, the order DELETE takes (the process, then its executions), so a run
and a delete never deadlock; a process deleted mid-run ends its run with a NotFound.
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

from behflow_server import metrics
from behflow_server.auth.models import User
from behflow_server.claims import backoff, compare_and_set
from behflow_server.config import Settings
from behflow_server.db import Database, utcnow
from behflow_server.errors import InvalidInput, NotFound
from behflow_server.events.service import record_event
from behflow_server.processes.jobs import JobContext, get_kind
from behflow_server.processes.models import (
    AutomatedProcess,
    AutomatedProcessExecution,
    ExecutionStatus,
)
from behflow_server.processes.schedules import parse_schedule
from behflow_server.tasks import changelog
from behflow_server.timezones import get_zone

Clock = Callable[[], datetime]
Execution = AutomatedProcessExecution
log = logging.getLogger("behflow.processes")
WORKER = f"{socket.gethostname()}:{os.getpid()}"[:100]
MAX_CLAIMS_PER_TICK = 200


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
            col(AutomatedProcess.id),
            col(AutomatedProcess.next_run_at),
            col(AutomatedProcess.schedule),
            col(AutomatedProcess.timezone),
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
            moved = compare_and_set(
                session, AutomatedProcess, process_id, {"next_run_at": slot}, next_run_at=following
            )
            if not moved:
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
            execution.id,
            execution.attempt,
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
    session: Session,
    execution_id: uuid.UUID,
    read_attempt: int,
    expected: ExecutionStatus,
    **values: Any,
) -> bool:
    """Move an execution on only if nobody else did first (same status, same attempt)."""
    expect = {"status": expected.value, "attempt": read_attempt}
    return compare_and_set(session, Execution, execution_id, expect, **values)


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
            execution.id,
            execution.attempt,
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
            raise deleted(process.name if process else None)
        attempt, ref = execution.attempt, (process.id, process.name)
        kind_name = process.kind
        owner = session.get(User, process.user_id) if process.user_id else None
        now = clock()
        try:
            kind = get_kind(process.kind)
            context = JobContext(session, process, owner, now, get_zone(process.timezone), settings)
            # One run is one changeset in the owner's history, by "automation:<kind>".
            with changelog.changeset(session, client=f"automation:{kind.name}"):
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
            metrics.scheduler_run(kind_name, "failed")
            return _finish_failed(session, ref, execution_id, attempt, error, clock(), settings)
        metrics.scheduler_run(kind_name, "succeeded")
        return _finish_succeeded(session, ref, execution_id, attempt, result, clock())


def process_exists(session: Session, process_id: uuid.UUID) -> bool:
    found = session.execute(
        sa.select(col(AutomatedProcess.id)).where(col(AutomatedProcess.id) == process_id)
    ).first()
    return found is not None


def deleted(name: str | None) -> NotFound:
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
        raise deleted(ref[1])
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
    done = _transition(
        session,
        execution_id,
        attempt,
        ExecutionStatus.running,
        status=ExecutionStatus.succeeded.value,
        finished_at=now,
        result=result,
        error=None,
    )
    execution = _reload(session, execution_id)
    if done:
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
        values |= {
            "status": ExecutionStatus.retrying.value,
            "next_attempt_at": now + backoff(settings.scheduler_retry_base_seconds, attempt),
        }
    else:
        values |= {"status": ExecutionStatus.failed.value, "finished_at": now}
    marked = _transition(session, execution_id, attempt, ExecutionStatus.running, **values)
    execution = _reload(session, execution_id)
    if marked and not retry:
        process.last_run_at = now
        session.add(process)
        _announce(session, process, execution, "process.failed")
    session.commit()
    return execution


def _reload(session: Session, execution_id: uuid.UUID) -> Execution:
    execution = session.get(Execution, execution_id, populate_existing=True)
    if execution is None:  # cannot happen while the process row is locked; never a 500
        session.rollback()
        raise deleted(None)
    return execution
