"""History and undo: changesets and the rows they changed (issue #14).

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

import behflow_server.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "history_changesets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("created_at", behflow_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("reverts_id", sa.Uuid(), nullable=True),
        sa.Column("reverted_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_history_changesets_user_created", "history_changesets", ["user_id", "created_at"]
    )
    op.create_table(
        "history_task_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("changeset_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("before", _JSON, nullable=True),
        sa.Column("after", _JSON, nullable=True),
        sa.ForeignKeyConstraint(["changeset_id"], ["history_changesets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_history_task_changes_changeset", "history_task_changes", ["changeset_id"])
    op.create_index(
        "ix_history_task_changes_user_number", "history_task_changes", ["user_id", "number"]
    )


def downgrade() -> None:
    op.drop_table("history_task_changes")
    op.drop_table("history_changesets")
