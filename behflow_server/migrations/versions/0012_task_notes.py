"""Notes on tasks (issue #14), searchable with the task's own text.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-04

The search machinery is made by hand, as for tasks (0001, 0003): on PostgreSQL a GIN index on
the notes' tsvector (the expression db.task_text_matches queries); on SQLite an FTS5 table kept
by triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import behflow_server.db
from behflow_server.db import NOTE_SEARCH_DOCUMENT_SQL

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE task_notes_fts USING fts5("
    "body, content='task_notes', content_rowid='rowid', tokenize='unicode61')",
    "CREATE TRIGGER task_notes_fts_insert AFTER INSERT ON task_notes BEGIN "
    "INSERT INTO task_notes_fts(rowid, body) VALUES (new.rowid, new.body); END",
    "CREATE TRIGGER task_notes_fts_delete AFTER DELETE ON task_notes BEGIN "
    "INSERT INTO task_notes_fts(task_notes_fts, rowid, body) "
    "VALUES ('delete', old.rowid, old.body); END",
    "CREATE TRIGGER task_notes_fts_update AFTER UPDATE OF body ON task_notes BEGIN "
    "INSERT INTO task_notes_fts(task_notes_fts, rowid, body) "
    "VALUES ('delete', old.rowid, old.body); "
    "INSERT INTO task_notes_fts(rowid, body) VALUES (new.rowid, new.body); END",
]


def upgrade() -> None:
    op.create_table(
        "task_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", behflow_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", behflow_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_notes_task_created", "task_notes", ["task_id", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX ix_task_notes_search ON task_notes USING gin "
            f"(({NOTE_SEARCH_DOCUMENT_SQL}))"
        )
        return
    for statement in SQLITE_FTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_task_notes_search")
    else:
        for name in ("task_notes_fts_insert", "task_notes_fts_delete", "task_notes_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS task_notes_fts")
    op.drop_index("ix_task_notes_task_created", table_name="task_notes")
    op.drop_table("task_notes")
