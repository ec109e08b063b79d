"""Signed-in sessions: `account_sessions`, one row per token issued.

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-04

`behflow account sessions` (GET /me/sessions) lists them with created, last seen and client;
DELETE /me/sessions/{id} revokes one. Tokens issued before this revision have no row: they
keep working and simply are not listed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import behflow_server.db

revision: str = "0007"
# The lead re-chains at merge (the brief gave 0005; main has 0006 and 0009 now).
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_sessions",
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", behflow_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", behflow_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", behflow_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index(
        op.f("ix_account_sessions_user_id"), "account_sessions", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_account_sessions_user_id"), table_name="account_sessions")
    op.drop_table("account_sessions")
