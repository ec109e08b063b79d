"""List performance: an index in the default list order, and a per-user task data version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

The default task order is "due date, undated last, then number". The expression index lets
both databases walk tasks in that order and stop after one page instead of sorting them all.
`users.tasks_version` changes with every task write, so list totals can be cached exactly.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("tasks_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.drop_index("ix_tasks_user_due", table_name="tasks")
    op.create_index(
        "ix_tasks_user_due_order",
        "tasks",
        ["user_id", sa.text("(due_at IS NULL)"), "due_at", "number"],
    )
    op.create_index("ix_tasks_user_archived", "tasks", ["user_id", "archived_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_user_archived", table_name="tasks")
    op.drop_index("ix_tasks_user_due_order", table_name="tasks")
    op.create_index("ix_tasks_user_due", "tasks", ["user_id", "due_at"])
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("tasks_version")
