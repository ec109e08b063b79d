"""Recurrence ends across the chain of occurrences: `tasks.recurrence_index`.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-04

Each occurrence of a recurring task is its own row; recurrence_index is its place in the series
(1 for the first, NULL on older rows means 1), so a rule's COUNT ("5 times") ends after the
fifth occurrence whichever anchor the schedule is counted from. A nullable addition (plain ALTER
TABLE on both databases): the FTS5 triggers, the expression index and the PostgreSQL search
column are untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("recurrence_index", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not a batch rebuild: see 0006.
    op.drop_column("tasks", "recurrence_index")
