"""Automation never loses a deadline: `tasks.original_due_at` and `tasks.due_moved_by`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

When the reschedule_overdue process moves a task, the due date the user had set is kept in
original_due_at and the process's name in due_moved_by, so it can be shown and restored. Both
columns are nullable additions (plain ALTER TABLE on both databases), so the FTS5 triggers, the
expression index and the PostgreSQL search column are untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import behflow_server.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tasks",
        sa.Column("original_due_at", behflow_server.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "tasks",
        sa.Column("due_moved_by", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not a batch rebuild: a rebuild would lose the
    # expression index ix_tasks_user_due_order and the FTS5 triggers (see 0004).
    op.drop_column("tasks", "due_moved_by")
    op.drop_column("tasks", "original_due_at")
