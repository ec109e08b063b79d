"""Subtasks: `tasks.parent_id` (issue #14).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

A nullable self-reference with no ON DELETE action: the service hard-deletes a parent together
with its subtree in one statement, and the database refuses any other delete of a task that
still has subtasks, so none is ever left pointing nowhere (nor silently removed).
SQLite cannot add a constraint to an existing table, but it can add a column that carries one
(ADD COLUMN ... REFERENCES), which keeps the table (its expression index, FTS5 triggers) as is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # A downgrade on SQLite leaves the column (see below); upgrading again reuses it.
        if "parent_id" not in {c["name"] for c in sa.inspect(bind).get_columns("tasks")}:
            op.execute("ALTER TABLE tasks ADD COLUMN parent_id CHAR(32) REFERENCES tasks (id)")
    else:
        op.add_column("tasks", sa.Column("parent_id", sa.Uuid(), nullable=True))
        op.create_foreign_key("tasks_parent_id_fkey", "tasks", "tasks", ["parent_id"], ["id"])
    op.create_index("ix_tasks_user_parent", "tasks", ["user_id", "parent_id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_user_parent", table_name="tasks")
    # SQLite refuses DROP COLUMN on a column with a constraint, and a batch rebuild would lose
    # the expression index and the FTS5 triggers: there the column stays, unused.
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("tasks_parent_id_fkey", "tasks", type_="foreignkey")
        op.drop_column("tasks", "parent_id")
