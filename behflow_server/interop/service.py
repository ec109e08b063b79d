"""Export and import through the task service: every rule stays there, once.

An import reads the whole file first (a bad line fails before anything is written), then runs
every create and update in ONE database transaction: the task service commits after each
change, and here those commits only release savepoints inside the outer transaction, which
commits at the end (or rolls back: on any error, and always in a dry run, so a dry run reports
exactly what the real import would do, task numbers included). Events the changes record reach
the live stream and webhooks only once the outer transaction has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlmodel import Session, col, select

from behflow_server.auth.models import User
from behflow_server.db import Database
from behflow_server.errors import BehflowError, InvalidInput
from behflow_server.events.models import Event
from behflow_server.events.service import SINK, pending_events, write_pending
from behflow_server.interop import taskwarrior
from behflow_server.interop.formats import FileFormat, get_format
from behflow_server.interop.models import ImportAction, ImportItem, ImportResult
from behflow_server.interop.records import (
    EXTERNAL_UUID,
    ImportRecord,
    bad_line,
    check_count,
    check_record,
    check_text,
)
from behflow_server.notes import service as notes_service
from behflow_server.tasks import changelog, recurrence, service
from behflow_server.tasks.models import (
    Task,
    TaskCreate,
    TaskPublic,
    TaskStatus,
    TaskUpdate,
    normalize_project,
    normalize_tags,
)
from behflow_server.tasks.query import TaskQuery

EXPORT_PAGE = 1000


# --- Export ----------------------------------------------------------------------------------


def matching_tasks(
    session: Session, user: User, query: TaskQuery, zone: ZoneInfo
) -> list[TaskPublic]:
    """Every task the query matches (the task service's list, page by page)."""
    tasks: list[TaskPublic] = []
    query.limit = EXPORT_PAGE
    query.offset = 0
    while True:
        page, total = service.list_tasks(session, user, query, zone=zone)
        tasks.extend(page)
        if len(page) < EXPORT_PAGE or len(tasks) >= total:
            return tasks
        query.offset += EXPORT_PAGE


def export_text(session: Session, user: User, fmt: str, query: TaskQuery, zone: ZoneInfo) -> str:
    tasks = _one_claim_each(session, user, matching_tasks(session, user, query, zone))
    if fmt == FileFormat.taskwarrior:  # the one format with a place for notes: annotations
        notes = notes_service.notes_by_task(session, user, [task.id for task in tasks])
        return taskwarrior.dump(tasks, zone, notes)
    return get_format(fmt).dump(tasks, zone)


def _one_claim_each(session: Session, user: User, tasks: list[TaskPublic]) -> list[TaskPublic]:
    """A repeating task's next occurrence inherits its `extra`, the other tool's uuid with it;
    that uuid stays with the latest of the series (the one matching finds, see _known_uuids),
    and the earlier occurrences are exported under their own ids."""
    owners = _known_uuids(session, user)
    result = []
    for task in tasks:
        foreign = task.extra.get(EXTERNAL_UUID)
        foreign_id = _as_uuid(foreign) if isinstance(foreign, str) else None
        if isinstance(foreign, str) and (
            foreign_id is None or owners.get(foreign_id) != task.number
        ):
            extra = {key: value for key, value in task.extra.items() if key != EXTERNAL_UUID}
            task = task.model_copy(update={"extra": extra})
        result.append(task)
    return result


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


# --- Import ----------------------------------------------------------------------------------


def read_file(fmt: str, text: str, zone: ZoneInfo) -> list[ImportRecord]:
    """The file's records, checked; InvalidInput naming the line when one is bad."""
    check_text(text, fmt)
    records = get_format(fmt).parse(text, zone)
    check_count(records, fmt)
    seen: dict[uuid.UUID, int] = {}
    for record in records:
        check_record(record, fmt)
        if record.uuid is None:
            continue
        if record.uuid in seen:
            raise bad_line(
                record.line, f"uuid {record.uuid} is also on line {seen[record.uuid]}", fmt=fmt
            )
        seen[record.uuid] = record.line
    return records


def import_text(
    db: Database,
    user_id: uuid.UUID,
    fmt: str,
    text: str,
    *,
    zone: ZoneInfo,
    dry_run: bool = False,
    project: str | None = None,
) -> ImportResult:
    records = read_file(fmt, text, zone)
    if project is not None:
        try:
            project = normalize_project(project)
        except ValueError as exc:
            raise InvalidInput(str(exc), details={"field": "project"}) from None
        for record in records:
            record.project = record.project or project
    creates = [_create_data(record, fmt) for record in records]
    items: list[ImportItem] = []
    with _one_transaction(db, keep=not dry_run) as session:
        # The user's row locked first (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the
        # write lock): a second import of the same file waits, then finds these tasks.
        user = session.exec(select(User).where(col(User.id) == user_id).with_for_update()).first()
        if user is None:
            raise InvalidInput("The account no longer exists.", code="user_not_found")
        known = _known_uuids(session, user)
        with changelog.changeset(session, client="import"):  # the import: one changeset
            for record, create in zip(records, creates, strict=True):
                try:
                    items.append(_apply(session, user, record, create, known, zone))
                except InvalidInput as exc:
                    raise bad_line(record.line, exc.message, fmt=fmt) from None
            _link_parents(session, user, records, items, zone)
            session.flush()
    counts = {action: sum(item.action is action for item in items) for action in ImportAction}
    return ImportResult(
        format=fmt,
        dry_run=dry_run,
        created=counts[ImportAction.created],
        updated=counts[ImportAction.updated],
        skipped=counts[ImportAction.skipped],
        items=items,
    )


@contextmanager
def _one_transaction(db: Database, *, keep: bool) -> Iterator[Session]:
    delivered: list[Event] = []
    with db.engine.connect() as connection:
        outer = connection.begin()
        if connection.dialect.name == "sqlite":
            # pysqlite opens a transaction only before its first write, so the session's first
            # SAVEPOINT would open (and its RELEASE commit) one of its own: open it here, and
            # take the write lock now rather than fail to upgrade a read lock halfway through.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        # Each savepoint "commit" hands its events here; they are passed on after the real one.
        session.info[SINK] = delivered.extend
        try:
            yield session
            write_pending(session)
            delivered.extend(pending_events(session))
            if keep:
                outer.commit()
            else:
                outer.rollback()
        except BaseException:
            outer.rollback()
            raise
        finally:
            session.close()
    if keep and delivered and db.event_sink is not None:
        db.event_sink(delivered)


def _create_data(record: ImportRecord, fmt: str) -> TaskCreate | None:
    if record.skip:
        return None
    values: dict[str, Any] = {
        "title": record.title[:500],
        "description": record.description,
        "status": record.status,
        "priority": record.priority,
        "due_at": record.due_at,
        "ends_at": record.ends_at,
        "remind_at": record.remind_at,
        "due": record.due,
        "tags": record.tags or None,
        "project": record.project,
        "recurrence": record.recurrence,
    }
    extra = dict(record.extra)
    if record.uuid is not None:
        extra[EXTERNAL_UUID] = str(record.uuid)
    values["extra"] = extra or None
    try:
        return TaskCreate(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        raise bad_line(record.line, f"{where}: {message}", fmt=fmt) from None


def _known_uuids(session: Session, user: User) -> dict[uuid.UUID, int]:
    """The user's tasks (archived ones too) by id and by the other tool's uuid: matching looks
    only here, so a uuid of someone else's task can never reach that task. Occurrences of a
    repeating task share the other tool's uuid: it names the latest (highest number)."""
    rows = session.exec(
        select(Task.id, Task.number, Task.extra)
        .where(col(Task.user_id) == user.id)
        .order_by(col(Task.number))
    ).all()
    known: dict[uuid.UUID, int] = {}
    for _, number, extra in rows:
        foreign = (extra or {}).get(EXTERNAL_UUID)
        claimed = _as_uuid(foreign) if isinstance(foreign, str) else None
        if claimed is not None:
            known[claimed] = number
    for task_id, number, _ in rows:
        known[task_id] = number
    return known


def _item(record: ImportRecord, action: ImportAction, **values: Any) -> ImportItem:
    return ImportItem(line=record.line, action=action, title=record.title, **values)


def _apply(
    session: Session,
    user: User,
    record: ImportRecord,
    create: TaskCreate | None,
    known: dict[uuid.UUID, int],
    zone: ZoneInfo,
) -> ImportItem:
    if record.skip or create is None:
        return _item(record, ImportAction.skipped, reason=record.skip)
    number = known.get(record.uuid) if record.uuid is not None else None
    if number is None:
        if record.archived:
            return _item(record, ImportAction.skipped, reason="deleted in the file")
        task = service.create_task(session, user, create, zone=zone, use_context=False)
        _keep_dates(task, record, created=True)
        if record.uuid is not None:
            known[record.uuid] = task.number
        if record.notes:
            notes_service.merge_notes(session, user, task.number, record.notes)
        return _item(record, ImportAction.created, number=task.number)
    task = service.get_task(session, user, number)
    changes = _changes(task, record, create, zone)
    was_completed = task.status == TaskStatus.completed.value
    if changes:
        task = service.update_task(session, user, number, TaskUpdate(**changes), zone=zone)
    changed = sorted(changes)
    if record.archived and task.archived_at is None:
        task = service.delete_task(session, user, number)
        changed.append("deleted")
    elif record.archived is False and task.archived_at is not None:
        task = service.restore_task(session, user, number)
        changed.append("restored")
    if not was_completed:
        _keep_dates(task, record, created=False)
    if record.notes and notes_service.merge_notes(session, user, number, record.notes):
        changed.append("notes")
    if not changed:
        return _item(record, ImportAction.skipped, number=number, reason="unchanged")
    return _item(record, ImportAction.updated, number=number, changed=changed)


def _link_parents(
    session: Session,
    user: User,
    records: list[ImportRecord],
    items: list[ImportItem],
    zone: ZoneInfo,
) -> None:
    """Behflow's own files name a subtask's parent by its number in the file: hang each
    imported subtask under the task its parent's record became (through the task rules; a
    link they refuse, e.g. to a deleted parent, is left out and the task imported alone)."""
    became = {
        record.file_number: item.number
        for record, item in zip(records, items, strict=True)
        if record.file_number is not None and item.number is not None
    }
    for record, item in zip(records, items, strict=True):
        parent = became.get(record.file_parent) if record.file_parent is not None else None
        if parent is None or item.number is None:
            continue
        if service.public(service.get_task(session, user, item.number)).parent == parent:
            continue
        try:
            service.update_task(session, user, item.number, TaskUpdate(parent=parent), zone=zone)
        except BehflowError:
            # Back to the last service commit (a savepoint here): only this link is undone.
            session.rollback()
            continue
        if item.action is ImportAction.skipped and item.reason == "unchanged":
            item.action, item.reason = ImportAction.updated, None
        if item.action is ImportAction.updated:
            item.changed = sorted({*item.changed, "parent"})


def _keep_dates(task: Task, record: ImportRecord, *, created: bool) -> None:
    """Keep when the task was made and finished in the other tool, not when it was imported.

    Only set here: the next change's commit (or the final flush) writes it, which spares a
    savepoint per task."""
    if created and record.created_at is not None:
        task.created_at = record.created_at
    if record.completed_at is not None and task.status == TaskStatus.completed.value:
        task.completed_at = record.completed_at


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    """Equal to the second: most files keep no fractions of a second."""
    if a is None or b is None:
        return a is b
    return abs(a - b) < timedelta(seconds=1)


def _changes(
    task: Task, record: ImportRecord, create: TaskCreate, zone: ZoneInfo
) -> dict[str, Any]:
    """The fields (of those the format carries) where the file differs from the task."""
    changes: dict[str, Any] = {}
    fields = record.fields
    due_at = create.due_at
    if create.due is not None:
        due_at = service.resolve_due(create.due, zone)
    if "title" in fields and create.title != task.title:
        changes["title"] = create.title
    if "description" in fields and (create.description or None) != (task.description or None):
        changes["description"] = create.description
    if "status" in fields and create.status.value != task.status:
        changes["status"] = create.status
    if "priority" in fields and create.priority.value != task.priority:
        changes["priority"] = create.priority
    if "due_at" in fields and not _same_time(_utc(due_at, zone), task.due_at):
        changes["due_at"] = due_at
    if "ends_at" in fields and (
        not _same_time(_utc(create.ends_at, zone), task.ends_at) or "due_at" in changes
    ):
        changes["ends_at"] = create.ends_at
    if "remind_at" in fields and not _same_time(_utc(create.remind_at, zone), task.remind_at):
        changes["remind_at"] = create.remind_at
    if "tags" in fields and (normalize_tags(create.tags) or []) != list(task.tags):
        changes["tags"] = create.tags or []
    if "project" in fields and create.project != task.project:
        changes["project"] = create.project
    merged = {**task.extra, **record.extra}
    if merged != task.extra:
        changes["extra"] = merged
    if "recurrence" in fields:
        rule = recurrence.validate_rule(create.recurrence) if create.recurrence else None
        if rule != task.recurrence:
            changes["recurrence"] = rule
    return changes


def _utc(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(zone)
