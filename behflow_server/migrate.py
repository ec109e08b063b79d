"""Apply Alembic migrations programmatically (at start-up and via `behflow server migrate`)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
log = logging.getLogger("behflow.migrate")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions not yet applied, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    if set(script.get_heads()) == set(current):
        return []
    lower = current if current else "base"
    pending = script.iterate_revisions("heads", lower)
    return [rev.revision for rev in reversed(list(pending)) if rev is not None]


def schema_is_newer(engine: Engine) -> bool:
    """The database is at a revision this code does not know: a newer release migrated it
    (a rolling update). Migrations stay backward compatible for one version, so this code
    runs on it (docs/deployment.md#rolling-upgrades)."""
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return any(revision not in known for revision in current)


def upgrade(engine: Engine) -> list[str]:
    """Bring the schema to the newest revision; returns the revisions applied. A schema newer
    than this code is left as it is."""
    if schema_is_newer(engine):
        log.warning("the database schema is newer than this version of Behflow: not migrating")
        return []
    pending = pending_revisions(engine)
    if not pending:
        return []
    config = alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A migration (and waiting for another replica's) may take longer than the
            # statement timeout that bounds requests (BEHFLOW_DB_STATEMENT_TIMEOUT_SECONDS).
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            # Two replicas starting together must not both migrate.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727001)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return pending
