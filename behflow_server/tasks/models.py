"""The task family: TaskBase, TaskCreate, TaskUpdate, Task (table), TaskPublic."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import Field as PydanticField
from pydantic import StringConstraints, computed_field, field_validator
from sqlmodel import Field, SQLModel

from behflow_server.db import JSONType, UTCDateTime, utcnow
from behflow_server.tasks.rule_words import describe_rule


class TaskStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    completed = "completed"
    blocked = "blocked"


class TaskPriority(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


PRIORITY_RANK: dict[str, int] = {p.value: rank for rank, p in enumerate(TaskPriority)}
OPEN_STATUSES = (TaskStatus.not_started, TaskStatus.in_progress, TaskStatus.blocked)

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
MAX_TAGS = 30


def normalize_tags(tags: list[str] | None) -> list[str] | None:
    """Drop a leading '#', lower-case, de-duplicate keeping order."""
    if tags is None:
        return None
    seen: dict[str, None] = {}
    for tag in tags:
        clean = tag.strip().lstrip("#").strip().lower()
        if not clean:
            raise ValueError("tags must not be empty")
        if any(ch.isspace() for ch in clean):
            raise ValueError(f"tag {clean!r} contains white space")
        seen.setdefault(clean, None)
    if len(seen) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    return list(seen)


def normalize_project(project: str | None) -> str | None:
    """Drop a leading '+' and surrounding space; a blank project is an error."""
    if project is None:
        return None
    clean = project.strip().lstrip("+").strip()
    if not clean:
        raise ValueError("project must not be blank")
    return clean


class TaskDetails(SQLModel):
    """Optional details a client may give a task, shared by create, update and quick add."""

    description: str | None = Field(default=None, max_length=20_000)
    tags: list[Tag] | None = None
    project: str | None = Field(default=None, min_length=1, max_length=100)
    recurrence: str | None = Field(default=None, min_length=1, max_length=500)
    # A natural-language alternative to remind_at: "30 minutes before" (the due time) or a
    # date phrase such as "tomorrow 9am".
    remind: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("tags")
    @classmethod
    def _normalize_tags(cls, value: list[str] | None) -> list[str] | None:
        return normalize_tags(value)

    @field_validator("project")
    @classmethod
    def _strip_project(cls, value: str | None) -> str | None:
        return normalize_project(value)


class TaskFields(TaskDetails):
    """Fields a client may set, shared by create and update."""

    due_at: datetime | None = None
    # The end of a task that spans time ("friday 3-4pm": due_at 15:00, ends_at 16:00); its
    # rules (after due_at, moves and clears with it) live in tasks/service.py.
    ends_at: datetime | None = None
    remind_at: datetime | None = None
    extra: dict[str, Any] | None = None
    # The parent task's number, making this a subtask; null on update detaches it. The rules
    # (same user, no cycle, depth, archived parent) live in tasks/subtasks.py.
    parent: int | None = Field(default=None, ge=1, le=2_147_483_647)


class TaskCreate(TaskFields):
    title: str = Field(min_length=1, max_length=500)
    status: TaskStatus = TaskStatus.not_started
    priority: TaskPriority = TaskPriority.none
    # A natural-language alternative to due_at ("tomorrow 5pm"), read in the user's time zone.
    due: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("title must not be blank")
        return value


class TaskUpdate(TaskFields):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    status: TaskStatus | None = None
    priority: TaskPriority | None = None
    due: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("title cannot be cleared")
        value = value.strip()
        if not value:
            raise ValueError("title must not be blank")
        return value


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "number", name="uq_tasks_user_number"),
        sa.Index("ix_tasks_user_status", "user_id", "status"),
        # The default list order (see tasks/query.py); expression index from migration 0002.
        sa.Index(
            "ix_tasks_user_due_order", "user_id", sa.text("(due_at IS NULL)"), "due_at", "number"
        ),
        sa.Index("ix_tasks_user_archived", "user_id", "archived_at"),
        sa.Index("ix_tasks_user_created", "user_id", "created_at"),
        sa.Index("ix_tasks_user_updated", "user_id", "updated_at"),
        sa.Index("ix_tasks_user_parent", "user_id", "parent_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    number: int
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_type=sa.Text)
    status: str = Field(default=TaskStatus.not_started.value, max_length=16)
    priority: str = Field(default=TaskPriority.none.value, max_length=16)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    tags: list[str] = Field(default_factory=list, sa_type=JSONType)
    project: str | None = Field(default=None, max_length=100)
    recurrence: str | None = Field(default=None, max_length=500)
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The due date the user set, kept when automation (the reschedule_overdue process) moved
    # the task, and who moved it; both cleared when the user sets a due date (tasks/service.py).
    original_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_moved_by: str | None = Field(default=None, max_length=50)
    # The task this one recurs from; unique so an occurrence is created once however often
    # its predecessor is completed.
    recurrence_parent_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("tasks.id", ondelete="SET NULL"), unique=True, nullable=True
        ),
    )
    # This occurrence's place in its series (1 = first; None on older rows means 1): a rule's
    # COUNT holds across the chain (tasks/recurrence.py).
    recurrence_index: int | None = Field(default=None)
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The task this one is a subtask of (tasks/subtasks.py). A hard-deleted parent takes its
    # subtree with it (the service deletes them in one statement); without an ON DELETE action
    # the database refuses any delete that would leave a subtask pointing nowhere.
    parent_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("tasks.id"), nullable=True),
    )


class SubtaskProgress(SQLModel):
    """How many of a task's direct subtasks (archived ones left out) are completed."""

    done: int = 0
    total: int = 0


class TaskPublic(SQLModel):
    id: uuid.UUID
    number: int
    title: str
    description: str | None
    status: TaskStatus
    priority: TaskPriority
    due_at: datetime | None
    ends_at: datetime | None = None
    tags: list[str]
    project: str | None
    recurrence: str | None
    remind_at: datetime | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    archived_at: datetime | None
    extra: dict[str, Any]
    # Set when automation moved the due date: the date the user had set, and which process.
    original_due_at: datetime | None = None
    due_moved_by: str | None = None
    # Which occurrence of its series this is (1 = first); None for a task that never recurred.
    recurrence_index: int | None = None
    # Subtasks: the parent's number, and progress over this task's direct subtasks.
    parent: int | None = None
    subtasks: SubtaskProgress = PydanticField(default_factory=SubtaskProgress)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recurrence_text(self) -> str | None:
        """The rule in words ("every 3 days after done"): what clients show, never the RRULE."""
        return describe_rule(self.recurrence, self.recurrence_index or 1)


class TaskPage(SQLModel):
    items: list[TaskPublic]
    total: int
    limit: int
    offset: int


class LabelCount(SQLModel):
    """One project or tag and how many of the user's (non-archived) tasks carry it."""

    name: str
    open: int
    overdue: int
    total: int


class LabelList(SQLModel):
    items: list[LabelCount]


class TaskNumbers(SQLModel):
    numbers: list[Annotated[int, PydanticField(ge=1, le=2_147_483_647)]] = Field(
        min_length=1, max_length=1000
    )


class BulkResult(SQLModel):
    changed: list[int]
    not_found: list[int]


class TaskReminderSent(SQLModel, table=True):
    """One row per reminder delivered, so each (task, time) is reminded exactly once."""

    __tablename__ = "task_reminders_sent"
    __table_args__ = (sa.UniqueConstraint("task_id", "remind_at", name="uq_reminder_once"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    task_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False)
    )
    remind_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
