"""Backups of the store: `behflow server backup PATH` and `behflow server restore PATH`.

SQLite: SQLite's online backup API (sqlite3.Connection.backup) copies a consistent snapshot
while the server goes on writing (WAL mode: readers never block writers); the copy is checked
(PRAGMA integrity_check) and renamed into place only when whole. A restore copies a checked
backup back over the store through the same API, after keeping the current store as
`<store>.bak`.

PostgreSQL: pg_dump/pg_restore do this better than anything here; `backup_command` gives the
exact command lines for the configured URL (docs/deployment.md#backups).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from behflow_server import migrate
from behflow_server.errors import Conflict, InvalidInput, NotFound


class UseNativeTool(InvalidInput):
    """The store is PostgreSQL: its own tools make the backup (the message says how)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    revision: str | None
    tasks: int


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite:/// URL; None for PostgreSQL (and for an in-memory SQLite)."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def libpq_url(url: str) -> str:
    """The URL as pg_dump and psql take it (no SQLAlchemy driver, the password hidden)."""
    parsed = sa.engine.make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=True)


def backup_command(url: str, path: str) -> str:
    target = libpq_url(url)
    return (
        f"pg_dump --format=custom --no-owner --file={shlex.quote(path)} {shlex.quote(target)}"
        "   (restore: pg_restore --clean --if-exists --no-owner "
        f"--dbname={shlex.quote(target)} {shlex.quote(path)})"
    )


def backup(url: str, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the SQLite store at `url` to `target` while it stays in use."""
    source_path = sqlite_path(url)
    if source_path is None:
        raise UseNativeTool(
            "The store is PostgreSQL: back it up with pg_dump, e.g. "
            + backup_command(url, str(target)),
            code="use_pg_dump",
        )
    if not source_path.exists():
        raise NotFound(f"There is no database at {source_path}.", code="database_not_found")
    if target.exists() and not overwrite:
        raise Conflict(f"{target} already exists (--force replaces it).", code="file_exists")
    if target.resolve() == source_path.resolve():
        raise InvalidInput("The backup cannot be the database itself.", code="same_file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(source_path, timeout=10)
        try:
            copy = sqlite3.connect(partial)
            try:
                # In one step: one read transaction, so one consistent snapshot. (Step by step,
                # every write of the server in between would restart the copy.) In WAL mode
                # the server's writes go on meanwhile.
                source.backup(copy)
                # A single file (no -wal beside it) that opens anywhere.
                copy.execute("PRAGMA journal_mode=DELETE")
                _check_integrity(copy, partial)
                revision, tasks = _describe(copy)
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, revision, tasks)


def restore(url: str, backup_file: Path) -> BackupResult:
    """Replace the SQLite store at `url` with `backup_file` (kept: the old store as .bak)."""
    store = sqlite_path(url)
    if store is None:
        raise UseNativeTool(
            "The store is PostgreSQL: restore it with pg_restore, e.g. "
            + backup_command(url, str(backup_file)).split("(restore: ", 1)[1].rstrip(")"),
            code="use_pg_restore",
        )
    if not backup_file.is_file():
        raise NotFound(f"There is no file {backup_file}.", code="backup_not_found")
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        source.close()
        raise InvalidInput(
            f"{backup_file} is not an SQLite database ({exc}).", code="not_a_backup"
        ) from None
    try:
        _check_integrity(source, backup_file)
        revision, tasks = _describe(source)
        if revision is None:
            raise InvalidInput(f"{backup_file} is not a Behflow database.", code="not_a_backup")
        script = ScriptDirectory.from_config(migrate.alembic_config())
        known = {rev.revision for rev in script.walk_revisions()}
        if revision not in known:
            raise InvalidInput(
                f"{backup_file} is at migration {revision}, which this version of Behflow "
                "does not know (a newer release made it): restore it with that release.",
                code="unknown_migration",
            )
        store.parent.mkdir(parents=True, exist_ok=True)
        if store.exists():
            keep = store.with_name(store.name + ".bak")
            current = sqlite3.connect(store, timeout=10)
            try:
                saved = sqlite3.connect(keep)
                try:
                    current.backup(saved)
                finally:
                    saved.close()
            finally:
                current.close()
        destination = sqlite3.connect(store, timeout=10)
        try:
            source.backup(destination)
            destination.execute("PRAGMA journal_mode=WAL")
        finally:
            destination.close()
    finally:
        source.close()
    return BackupResult(store, store.stat().st_size, revision, tasks)


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise InvalidInput(
            f"{path} failed SQLite's integrity check: {result[0] if result else '?'}",
            code="corrupt_backup",
        )


def _describe(connection: sqlite3.Connection) -> tuple[str | None, int]:
    """The backup's migration revision and task count (None, 0 for a foreign database)."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "alembic_version" not in tables or "tasks" not in tables:
        return None, 0
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    tasks = connection.execute("SELECT count(*) FROM tasks").fetchone()
    return (str(row[0]) if row else None), int(tasks[0] if tasks else 0)
