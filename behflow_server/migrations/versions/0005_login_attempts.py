"""Login attempts: failed password attempts counted in the store (issue #10, point 2).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

One row per limited key (username + address, an account's password changes, an address): the
failures in the current window, the attempts being checked right now, and until when further
attempts must wait. Shared by every process and replica on the database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import behflow_server.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", behflow_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", behflow_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reserved_at", behflow_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", behflow_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_login_attempts_updated_at"), "login_attempts", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_attempts_updated_at"), table_name="login_attempts")
    op.drop_table("login_attempts")
