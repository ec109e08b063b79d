"""Alembic migrations create exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from behflow_server.db import Database
from behflow_server.migrate import alembic_config, pending_revisions, upgrade
from behflow_server.models import metadata


def test_there_is_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = [
            change
            for change in compare_metadata(context, metadata)
            # the search machinery (FTS5 table on SQLite, expression/GIN indexes on
            # PostgreSQL) is created by hand in the migration and unknown to the models
            if not _is_search_object(change)
        ]
    assert diff == []
    assert pending_revisions(database.engine) == []


def _is_search_object(change: object) -> bool:
    text = repr(change)
    hand_made = (
        "tasks_fts",
        "ix_tasks_search",
        "ix_tasks_tags",
        "ix_tasks_user_due_order",
        "search_vector",
        "task_notes_fts",
        "ix_task_notes_search",
    )
    return any(name in text for name in hand_made)


def test_downgrade_to_base_and_up_again(database: Database) -> None:
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert pending_revisions(database.engine) != []
    assert upgrade(database.engine) != []
    assert pending_revisions(database.engine) == []


def test_the_cheap_head_check_agrees_with_alembic() -> None:
    """upgrade() skips alembic when the database is at script_heads(): they must agree."""
    from alembic.script import ScriptDirectory

    from behflow_server import migrate

    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert migrate.script_heads() == set(script.get_heads())
