"""Task end times: `tasks.ends_at` for tasks that span time ("friday 3-4pm").

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

A nullable UTC timestamp beside due_at (the start). Both directions are plain ALTER TABLE
statements on both databases, so the FTS5 triggers, the expression index and the PostgreSQL
search column are untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import behflow_server.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tasks", sa.Column("ends_at", behflow_server.db.UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch table rebuild: a rebuild
    # would lose the expression index ix_tasks_user_due_order and the FTS5 triggers.
    op.drop_column("tasks", "ends_at")
