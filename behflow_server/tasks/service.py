"""Task rules, once: REST routes, agent tools and scheduler jobs all call these."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.dates import parse_when
from behflow_server.db import utcnow
from behflow_server.errors import Conflict, InvalidInput, NotFound
from behflow_server.events.service import record_event
from behflow_server.filters.service import new_task_defaults, scope
from behflow_server.notes.models import TaskNote
from behflow_server.tasks import changelog, filterlang, numbers, recurrence, subtasks
from behflow_server.tasks.models import (
    MAX_TAGS,
    BulkResult,
    LabelCount,
    Task,
    TaskCreate,
    TaskPublic,
    TaskStatus,
    TaskUpdate,
)
from behflow_server.tasks.query import TaskQuery, is_open, is_overdue, select_page
from behflow_server.tasks.subtasks import SubtaskAction
from behflow_server.timezones import get_zone


def public(task: Task | TaskPublic) -> TaskPublic:
    if isinstance(task, TaskPublic):
        return task
    record = TaskPublic.model_validate(task, from_attributes=True)
    session = object_session(task)
    if session is not None:
        record.parent = subtasks.parent_number(session, task)  # type: ignore[arg-type]
        found = subtasks.progress(session, task.user_id, [task.id]).get(task.id)  # type: ignore[arg-type]
        if found is not None:
            record.subtasks = found
    return record


def _event(session: Session, task: Task, type: str) -> None:
    record_event(session, task.user_id, type, {"task": public(task).model_dump(mode="json")})


def _touch(session: Session, user: User) -> None:
    numbers.touch(session, user)


def resolve_due(text: str, zone: ZoneInfo, now: datetime | None = None) -> datetime:
    """A due-date phrase read in `zone`, in UTC; InvalidInput (field `due`) if unreadable."""
    parsed = parse_when(text, zone, now)
    if parsed is None:
        raise InvalidInput(
            f"Cannot read {text!r} as a date or time.",
            code="invalid_date",
            details={"field": "due"},
        )
    return parsed.value.astimezone(UTC)


_BEFORE_DUE = re.compile(
    r"^(?:(\d+)|an?)\s*(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)"
    r"\s+before(?:\s+(?:it\s+is\s+)?due)?$"
)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def resolve_reminder(
    text: str, due_at: datetime | None, zone: ZoneInfo, now: datetime | None = None
) -> datetime:
    """A reminder phrase in UTC: relative to the due time ("30 minutes before") or a date phrase."""
    relative = _BEFORE_DUE.match(text.strip().lower())
    if relative is None:
        parsed = parse_when(text, zone, now)
        if parsed is None:
            raise InvalidInput(
                f"Cannot read {text!r} as a reminder; say e.g. '30 minutes before' or "
                "'tomorrow 9am'.",
                code="invalid_date",
                details={"field": "remind"},
            )
        return parsed.value.astimezone(UTC)
    if due_at is None:
        raise InvalidInput(
            "A reminder relative to the due time needs a due date.",
            code="invalid_reminder",
            details={"field": "remind"},
        )
    amount = int(relative.group(1) or 1)
    return due_at.astimezone(UTC) - timedelta(**{_UNIT[relative.group(2)[0]]: amount})


def _aware(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """In UTC, as stored; naive datetimes from clients mean the user's local time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _end_error(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_end", details={"field": "ends_at"})


def check_end(due_at: datetime | None, ends_at: datetime | None) -> None:
    """An end needs a due time (its start) and must come after it; InvalidInput otherwise.

    Both times are aware (as `_aware` makes them)."""
    if ends_at is None:
        return
    if due_at is None:
        raise _end_error("ends_at needs a due time: a task ends after it starts (due_at).")
    if ends_at <= due_at:
        raise _end_error(
            f"ends_at ({ends_at.isoformat()}) must be after due_at ({due_at.isoformat()})."
        )


def _moved_end(
    task: Task, changes: dict[str, Any], due_at: datetime | None, zone: ZoneInfo
) -> datetime | None:
    """The task's end after an update. An explicit `ends_at` wins (a naive one is local time,
    as for due_at); otherwise clearing the due time clears the end, and moving it moves the
    end by the same amount, so the length stays."""
    if "ends_at" in changes:
        ends_at = _aware(changes["ends_at"], zone)
        if ends_at is not None and "due_at" in changes and due_at is None:
            raise _end_error("ends_at cannot be set while clearing the due time.")
        return ends_at
    if task.ends_at is None or due_at is None:
        return None
    if task.due_at is not None and "due_at" in changes:
        return task.ends_at + (due_at - task.due_at)
    return task.ends_at


def _due_move(
    task: Task, due_at: datetime | None, *, explicit_reminder: bool = False, by: str | None = None
) -> dict[str, Any]:
    """What else changes when the due date moves to `due_at` (the one reschedule rule).

    The reminder keeps its lead time (moves by the same amount) unless the caller sets one
    itself. Automation (`by`, a process name) keeps the due date the user set in
    original_due_at (only the first move sets it, later moves keep it); a due date the user
    sets clears both. Setting the date it already has changes nothing, so a client that sends
    every field on save does not lose the original."""
    if due_at == task.due_at:
        return {}
    changes: dict[str, Any] = {}
    if not explicit_reminder and task.remind_at and task.due_at and due_at:
        changes["remind_at"] = task.remind_at + (due_at - task.due_at)
    if by is None:
        changes["original_due_at"] = None
        changes["due_moved_by"] = None
    else:
        changes["original_due_at"] = task.original_due_at or task.due_at
        changes["due_moved_by"] = by
    return changes


def reschedule(
    session: Session,
    user: User,
    number: int,
    due_at: datetime | None,
    *,
    by: str | None = None,
    zone: ZoneInfo | None = None,
) -> Task:
    """Move a task's due date: its end and reminder move with it (same length, same lead).

    `by` names the automation moving it ("reschedule_overdue"); None means the user did, which
    forgets any kept original due date. PATCH, the agent, the overdue job and skip all land in
    this rule (PATCH through update_task, which applies the same `_due_move`)."""
    zone = zone or get_zone(user.timezone)
    task = get_task(session, user, number)
    due_at = _aware(due_at, zone)
    ends_at = _moved_end(task, {"due_at": due_at}, due_at, zone)
    check_end(due_at, ends_at)
    moved = _due_move(task, due_at, by=by)
    if not moved:
        return task
    task.due_at = due_at
    task.ends_at = ends_at
    for name, value in moved.items():
        setattr(task, name, value)
    return _save(session, user, task, "task.updated")


def restore_due(session: Session, user: User, number: int) -> Task:
    """Put back the due date the user set before automation moved it (the reminder and the end
    move with it); Conflict (`nothing_to_restore`) when automation never moved this task."""
    task = get_task(session, user, number)
    if task.original_due_at is None:
        raise Conflict(
            f"Task #{number}'s due date was not moved by automation; there is nothing to restore.",
            code="nothing_to_restore",
            details={"number": number},
        )
    return reschedule(session, user, number, task.original_due_at)


def _recurring(session: Session, user: User, number: int, verb: str) -> Task:
    task = get_task(session, user, number)
    if not task.recurrence:
        raise InvalidInput(
            f"Task #{number} does not repeat; only recurring tasks can {verb} an occurrence.",
            code="not_recurring",
        )
    return task


def skip_occurrence(session: Session, user: User, number: int, *, zone: ZoneInfo) -> Task:
    """Move a recurring task to its next occurrence without completing it. The skipped
    occurrence counts towards the rule's COUNT ("5 times" means five dates)."""
    task = _recurring(session, user, number, "skip")
    following = recurrence.next_task(task, zone, utcnow())
    if following is None or following.due_at is None:
        raise InvalidInput(
            f"Task #{number}'s recurrence has no further occurrence.", code="recurrence_ended"
        )
    task.recurrence_index = following.recurrence_index
    task = reschedule(session, user, number, following.due_at, zone=zone)
    if task in session.dirty:  # the same due date again (from completion): the index moved
        task = _save(session, user, task, "task.updated")
    return task


MOVED_OCCURRENCE = "move_occurrence"


def move_occurrence(
    session: Session, user: User, number: int, due_at: datetime, *, zone: ZoneInfo
) -> Task:
    """Give this occurrence of a recurring task another due date, leaving the series alone:
    the date the schedule gave it stays in original_due_at (the series anchor), so the next
    occurrence still comes on schedule. Moving it back to that date forgets the move."""
    task = _recurring(session, user, number, "move")
    due_at = _aware(due_at, zone) or due_at
    if task.original_due_at is not None and due_at == task.original_due_at:
        return reschedule(session, user, number, due_at, zone=zone)
    if task.due_at is None:
        # Nothing to keep: a task without a due date has no place in the schedule yet.
        return reschedule(session, user, number, due_at, zone=zone)
    return reschedule(session, user, number, due_at, by=MOVED_OCCURRENCE, zone=zone)


def reopen_task(session: Session, user: User, number: int) -> Task:
    """A completed task goes back to not started (completed_at cleared). A task that is not
    completed is returned as it is, so two clients reopening at once both succeed. A recurring
    task's next occurrence, already created, stays (completing again makes no second one)."""
    task = get_task(session, user, number)
    if task.status != TaskStatus.completed.value:
        return task
    _apply_status(task, TaskStatus.not_started, utcnow())
    return _save(session, user, task, "task.updated")


def _save(session: Session, user: User, task: Task, event: str) -> Task:
    task.updated_at = utcnow()
    session.add(task)
    _touch(session, user)
    _event(session, task, event)
    session.commit()
    return task


def _apply_status(task: Task, status: TaskStatus, now: datetime) -> None:
    task.status = status.value
    if status is TaskStatus.completed:
        task.completed_at = task.completed_at or now
    else:
        task.completed_at = None


def create_task(
    session: Session,
    user: User,
    data: TaskCreate,
    *,
    zone: ZoneInfo | None = None,
    use_context: bool = True,
) -> Task:
    zone = zone or get_zone(user.timezone)
    now = utcnow()
    due_at = _aware(data.due_at, zone)
    if data.due is not None:
        due_at = resolve_due(data.due, zone, now)
    ends_at = _aware(data.ends_at, zone)
    check_end(due_at, ends_at)
    rule = recurrence.validate_rule(data.recurrence) if data.recurrence else None
    remind_at = (
        resolve_reminder(data.remind, due_at, zone, now)
        if data.remind
        else _aware(data.remind_at, zone)
    )
    parent = subtasks.check_parent(session, user, data.parent, None) if data.parent else None

    project, tags = data.project, data.tags or []
    if use_context:
        # The active context's project and +tags, as Taskwarrior's write context: a project
        # only when none is given, tags added to those given (import passes use_context=False).
        context_project, context_tags = new_task_defaults(session, user)
        project = project or context_project
        # Never past the tag limit: the task's own tags come first.
        tags = (tags + [tag for tag in context_tags if tag not in tags])[:MAX_TAGS]
    # Everything is checked before the number is taken: a refused create uses up no number.
    number, alone = numbers.take(session, user)
    task = Task(
        user_id=user.id,
        number=number,
        title=data.title,
        description=data.description,
        priority=data.priority.value,
        due_at=due_at,
        ends_at=ends_at,
        tags=tags,
        project=project,
        recurrence=rule,
        remind_at=remind_at,
        extra=data.extra or {},
        parent_id=parent.id if parent is not None else None,
        created_at=now,
        updated_at=now,
    )
    _apply_status(task, data.status, now)
    session.add(task)
    _event(session, task, "task.created")
    session.commit()
    if alone:
        numbers.after_commit(session, user)
    return task


def get_task(session: Session, user: User, number: int) -> Task:
    """The user's task with this number; another user's number is simply not found."""
    task = session.exec(
        select(Task).where(col(Task.user_id) == user.id, col(Task.number) == number)
    ).first()
    if task is None:
        raise NotFound(
            f"Task #{number} not found.", code="task_not_found", details={"number": number}
        )
    return task


def list_tasks(
    session: Session,
    user: User,
    query: TaskQuery,
    *,
    zone: ZoneInfo | None = None,
    now: datetime | None = None,
) -> tuple[list[TaskPublic], int]:
    """A page of the user's tasks (as public records, ready to return) and the total.

    `now` is the instant relative filters ("overdue", "today") are read at; default: now."""
    zone = zone or get_zone(user.timezone)
    now = now or utcnow()
    compiled = filterlang.compile_filter(session, list(query.q), zone, now)
    return select_page(
        session,
        user.id,
        query,
        zone,
        data_version=user.tasks_version,
        now=now,
        where=compiled.condition if compiled else None,
        where_clock=compiled.clock if compiled else 0,
    )


def update_task(
    session: Session,
    user: User,
    number: int,
    data: TaskUpdate,
    *,
    zone: ZoneInfo | None = None,
    subtask_action: SubtaskAction | None = None,
    completing_too: Iterable[int] = (),
) -> Task:
    """Change a task. Completing one with open subtasks needs `subtask_action` (complete them
    too, or leave them) unless they are all in `completing_too` (Conflict `open_subtasks`)."""
    zone = zone or get_zone(user.timezone)
    task = get_task(session, user, number)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    now = utcnow()
    if "parent" in changes:
        parent_number = changes.pop("parent")
        task.parent_id = (
            subtasks.check_parent(session, user, parent_number, task).id
            if parent_number is not None
            else None
        )
    due_text = changes.pop("due", None)
    if due_text is not None:
        changes["due_at"] = resolve_due(due_text, zone, now)
    if "due_at" in changes:
        changes["due_at"] = _aware(changes["due_at"], zone)
    if "remind_at" in changes:
        changes["remind_at"] = _aware(changes["remind_at"], zone)
    due_at = changes.get("due_at", task.due_at)
    ends_at = _moved_end(task, changes, due_at, zone)
    check_end(due_at, ends_at)
    if ends_at != task.ends_at:
        changes["ends_at"] = ends_at
    else:
        changes.pop("ends_at", None)
    remind_text = changes.pop("remind", None)
    if remind_text is not None:
        changes["remind_at"] = resolve_reminder(remind_text, due_at, zone, now)
    if "due_at" in changes:
        changes.update(_due_move(task, due_at, explicit_reminder="remind_at" in changes))
    if changes.get("recurrence"):
        changes["recurrence"] = recurrence.validate_rule(changes["recurrence"])
    if "tags" in changes and changes["tags"] is None:
        changes["tags"] = []
    if "extra" in changes and changes["extra"] is None:
        changes["extra"] = {}
    status = changes.pop("status", None)
    also_done: list[Task] = []
    if status == TaskStatus.completed and task.status != TaskStatus.completed.value:
        also_done = subtasks.check_completion(
            session, task, subtask_action, also=list(completing_too)
        )
    if "priority" in changes and changes["priority"] is not None:
        changes["priority"] = changes["priority"].value
    elif "priority" in changes:
        changes["priority"] = "none"
    for name, value in changes.items():
        setattr(task, name, value)
    was_completed = task.status == TaskStatus.completed.value
    if status is not None:
        _apply_status(task, TaskStatus(status), now)
    task.updated_at = now
    session.add(task)
    completed_now = not was_completed and task.status == TaskStatus.completed.value
    _touch(session, user)
    for sub in also_done:
        _apply_status(sub, TaskStatus.completed, now)
        sub.updated_at = now
        session.add(sub)
        _event(session, sub, "task.completed")
    _event(session, task, "task.completed" if completed_now else "task.updated")
    if completed_now and task.recurrence:
        _create_next_occurrence(session, user, task, zone, now)
    session.commit()
    return task


def _create_next_occurrence(
    session: Session, user: User, task: Task, zone: ZoneInfo, now: datetime
) -> None:
    """Completing a recurring task brings its next occurrence, once: the unique
    recurrence_parent_id turns a second (even concurrent) completion into a no-op."""
    exists = select(Task.id).where(col(Task.recurrence_parent_id) == task.id)
    if session.exec(exists).first() is not None:
        return
    following = recurrence.next_task(task, zone, now)
    if following is None:
        return
    # A recurring subtask's next occurrence stays under the same parent.
    following.parent_id = task.parent_id
    try:
        with session.begin_nested():
            following.number = numbers.next_in_transaction(session, user)
            session.add(following)
            copies = subtasks.copy_subtree(session, user, task, following, now)
    except sa.exc.IntegrityError:
        return
    _event(session, following, "task.created")
    for copy in copies:
        _event(session, copy, "task.created")


def set_status(
    session: Session,
    user: User,
    number: int,
    status: TaskStatus,
    *,
    subtask_action: SubtaskAction | None = None,
) -> Task:
    return update_task(
        session, user, number, TaskUpdate(status=status), subtask_action=subtask_action
    )


def complete_task(
    session: Session, user: User, number: int, *, subtask_action: SubtaskAction | None = None
) -> Task:
    return set_status(session, user, number, TaskStatus.completed, subtask_action=subtask_action)


def delete_task(session: Session, user: User, number: int, *, hard: bool = False) -> Task:
    """Archive the task (the default, undoable) or remove it for good; either way its
    subtasks go with it (restore_task brings back the ones archived with it)."""
    task = get_task(session, user, number)
    snapshot = public(task)
    below: list[Task]
    if hard:
        below = subtasks.descendants(session, task)
        gone = [public(t) for t in below]
        ids = [task.id, *(t.id for t in below)]
        # An undo reverts rows last-recorded first: so the notes (gone with their tasks, ON
        # DELETE CASCADE) come first and the task last, and an undo puts the task back, then its
        # subtasks level by level, then the notes that hang on them.
        notes = session.exec(select(TaskNote).where(col(TaskNote.task_id).in_(ids))).all()
        changelog.record_deleted(session, [*notes, *reversed(below), task])
        for doomed in [task, *below]:
            session.expunge(doomed)
        # One statement: the parent_id constraint is checked once the whole subtree is gone.
        session.execute(sa.delete(Task).where(col(Task.id).in_(ids)))
    else:
        task.archived_at = task.archived_at or utcnow()
        task.updated_at = utcnow()
        session.add(task)
        below = subtasks.archive_subtree(session, task, task.archived_at)
        gone = [public(t) for t in below]
    _touch(session, user)
    for record in [snapshot, *gone]:
        record_event(
            session,
            user.id,
            "task.deleted",
            {"task": record.model_dump(mode="json"), "hard": hard},
        )
    session.commit()
    return task


def restore_task(session: Session, user: User, number: int) -> Task:
    """Bring an archived task back, with the subtasks archived together with it."""
    task = get_task(session, user, number)
    for sub in subtasks.restore_subtree(session, task, task.archived_at, utcnow()):
        _event(session, sub, "task.updated")
    task.archived_at = None
    return _save(session, user, task, "task.updated")


def _label_counts(rows: Iterable[tuple[str, bool, bool]]) -> list[LabelCount]:
    """(name, open, overdue) per task and label, counted per name (names compared without
    case, shown as first spelled in name order), sorted by name."""
    counts: dict[str, LabelCount] = {}
    for name, open_, overdue in sorted(rows, key=lambda row: row[0]):
        entry = counts.setdefault(name.lower(), LabelCount(name=name, open=0, overdue=0, total=0))
        entry.total += 1
        entry.open += bool(open_)
        entry.overdue += bool(overdue)
    return [counts[key] for key in sorted(counts)]


def _label_rows(
    session: Session, user: User, column: Any, now: datetime | None, use_context: bool
) -> Any:
    now = now or utcnow()
    conditions = [col(Task.user_id) == user.id, col(Task.archived_at).is_(None)]
    # The active context scopes the counts as it does the list (docs/filters.md).
    texts = list(scope(session, user)) if use_context else []
    compiled = filterlang.compile_filter(session, texts, get_zone(user.timezone), now)
    if compiled is not None:
        conditions.append(compiled.condition)
    return session.execute(sa.select(column, is_open(), is_overdue(now)).where(*conditions))


def list_projects(
    session: Session, user: User, *, now: datetime | None = None, use_context: bool = True
) -> list[LabelCount]:
    """The user's projects with task counts (open, overdue by the one rule, total) over their
    non-archived tasks; a project is named without regard to case, as the list filter does."""
    rows = _label_rows(session, user, col(Task.project), now, use_context).all()
    return _label_counts((p, o, d) for p, o, d in rows if p is not None)


def list_tags(
    session: Session, user: User, *, now: datetime | None = None, use_context: bool = True
) -> list[LabelCount]:
    """The user's tags with task counts, as list_projects. Tags are JSON lists on both
    databases; one pass over the user's rows counts them without a dialect-specific unnest."""
    rows = _label_rows(session, user, col(Task.tags), now, use_context)
    return _label_counts((tag, o, d) for tags, o, d in rows for tag in dict.fromkeys(tags or []))


def _bulk(session: Session, user: User, numbers: Iterable[int], action: Any) -> BulkResult:
    changed: list[int] = []
    missing: list[int] = []
    with changelog.changeset(session):  # one changeset in the history for the whole bulk
        for number in dict.fromkeys(numbers):
            try:
                action(session, user, number)
            except NotFound:
                missing.append(number)
            else:
                changed.append(number)
    return BulkResult(changed=changed, not_found=missing)


def bulk_complete(
    session: Session,
    user: User,
    numbers: Iterable[int],
    *,
    subtask_action: SubtaskAction | None = None,
) -> BulkResult:
    """Complete each task. Without `subtask_action`, a parent whose open subtasks are not all
    in the request refuses the whole request (Conflict `open_subtasks`) before any change."""
    wanted = list(dict.fromkeys(numbers))
    if subtask_action is None:
        for number in wanted:
            try:
                task = get_task(session, user, number)
            except NotFound:
                continue
            if task.status != TaskStatus.completed.value:
                subtasks.check_completion(session, task, None, also=wanted)
    return _bulk(
        session,
        user,
        wanted,
        lambda s, u, n: update_task(
            s,
            u,
            n,
            TaskUpdate(status=TaskStatus.completed),
            subtask_action=subtask_action,
            completing_too=wanted,
        ),
    )


def bulk_delete(
    session: Session, user: User, numbers: Iterable[int], *, hard: bool = False
) -> BulkResult:
    return _bulk(session, user, numbers, lambda s, u, n: delete_task(s, u, n, hard=hard))


def write_fields(
    session: Session, user: User, task: Task, values: dict[str, Any], *, event: str
) -> Task:
    """Set stored columns to recorded values without committing: history's undo and redo
    (tasks/history.py) put several tasks back in one transaction. The list version and the
    event (task.updated, or task.deleted for an archive) follow as for any other change."""
    for name, value in values.items():
        setattr(task, name, value)
    task.updated_at = utcnow()
    session.add(task)
    _touch(session, user)
    data: dict[str, Any] = {"task": public(task).model_dump(mode="json")}
    if event == "task.deleted":
        data["hard"] = False
    record_event(session, user.id, event, data)
    return task


def insert_recorded(session: Session, user: User, values: dict[str, Any]) -> Task:
    """Put a hard-deleted task back as it was recorded (same id and number), not committed."""
    task = Task(**{**values, "user_id": user.id, "updated_at": utcnow()})
    session.add(task)
    _touch(session, user)
    _event(session, task, "task.created")
    return task


def remove_recorded(session: Session, user: User, task: Task) -> None:
    """Delete a task for good without committing (redo of an undone hard delete)."""
    snapshot = public(task)
    session.delete(task)
    _touch(session, user)
    record_event(
        session, user.id, "task.deleted", {"task": snapshot.model_dump(mode="json"), "hard": True}
    )
