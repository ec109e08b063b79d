"""The store's engine and sessions. Only this module knows which database is behind it.

PostgreSQL-only features (JSONB, full-text search) sit behind small functions here that also
have a SQLite path.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware timestamps stored in UTC on both databases.

    SQLite keeps no offset, so values are normalised to UTC on the way in and tagged on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# In WAL mode NORMAL syncs at checkpoints only: a commit survives a crash of the process but
# the last ones can be lost to a power cut or an OS crash; FULL syncs the WAL at every commit
# (docs/deployment.md#sqlite-durability has the measured cost).
SqliteSynchronous = Literal["normal", "full"]


def _sqlite_pragmas(synchronous: SqliteSynchronous) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    return on_connect


CONNECT_TIMEOUT_SECONDS = 5


def create_db_engine(
    url: str,
    *,
    pool_size: int = 10,
    sqlite_synchronous: SqliteSynchronous = "normal",
    statement_timeout: float = 0,
) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas(sqlite_synchronous))
        return engine
    # A database host that stops answering (rather than refusing) fails a new connection after
    # a few seconds instead of the operating system's TCP timeout.
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    if statement_timeout and "options=" not in url:
        # A query running (or waiting for a lock) longer than this is cancelled by PostgreSQL
        # itself. Some queries run on the event loop (docs/benchmarks.md), so this bounds how
        # long one slow query can hold every other request and event stream of the process.
        # As a start-up option rather than a SET: a SET in a transaction the pool rolls back
        # would be undone.
        connect_args["options"] = f"-c statement_timeout={round(statement_timeout * 1000)}"
    return sa.create_engine(
        url,
        connect_args=connect_args,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_recycle=1800,
    )


class Database:
    """Owns the engine; hands out sessions. One per app."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        sqlite_synchronous: SqliteSynchronous = "normal",
        statement_timeout: float = 0,
    ) -> None:
        self.url = url
        self.statement_timeout = statement_timeout
        self.engine = create_db_engine(
            url,
            pool_size=pool_size,
            sqlite_synchronous=sqlite_synchronous,
            statement_timeout=statement_timeout,
        )
        self.kind = "postgresql" if self.engine.dialect.name == "postgresql" else "sqlite"
        # Receives committed events (see behflow_server.events.service); set by the app.
        self.event_sink: Callable[[list[Any]], None] | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            session.info["behflow_event_sink"] = self.event_sink
            yield session

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


# --- Outages ---------------------------------------------------------------------------------

# SQLite errors that mean "not now" (another connection holds the write lock past the busy
# timeout, the file cannot be opened) rather than a broken query such as "no such table".
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_SQLITE_UNAVAILABLE = (*_SQLITE_BUSY, "unable to open database", "disk i/o error")


def is_database_unavailable(exc: BaseException) -> bool:
    """`exc` (or what caused it) says the database cannot be used right now, not that the
    request is wrong: a lost or refused connection, a pool timeout, a database restarting or
    shutting down, an SQLite write lock held past the busy timeout."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unavailable(current):
            return True
        if isinstance(current, BaseExceptionGroup):
            return any(is_database_unavailable(inner) for inner in current.exceptions)
        current = current.__cause__ or current.__context__
    return False


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True  # TimeoutError: no pooled connection became free in time
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        return exc.orig is not None and _unavailable(exc.orig)
    # psycopg is imported by the PostgreSQL engine only: without it, no error is one of its.
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.InterfaceError):
        return True  # e.g. "the connection is closed"
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        # Connection failures, shutdowns, restarts, too many connections, statement or lock
        # timeouts. Not class 54 (program limit exceeded): that one is the request's size.
        sqlstate = getattr(exc, "sqlstate", None) or ""
        return not sqlstate.startswith("54")
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(marker in text for marker in _SQLITE_UNAVAILABLE)
    return False


def is_statement_timeout(exc: BaseException) -> bool:
    """`exc` (or what caused it) is PostgreSQL cancelling a statement that ran longer than the
    statement timeout (SQLSTATE 57014)."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return False  # only the PostgreSQL engine imports psycopg
    current: BaseException | None = exc
    for _ in range(8):
        if current is None:
            return False
        if isinstance(current, psycopg.errors.QueryCanceled):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table behind a table model (SQLModel sets `__table__` but does not declare it)."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]  # see the docstring
    return table


def rowcount(result: sa.Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (`execute` is typed Result; its CursorResult has it)."""
    return int(cast("sa.CursorResult[Any]", result).rowcount or 0)


def dialect_of(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


# --- JSON list membership -------------------------------------------------------------------


def json_list_contains(session: Session, column: Any, value: str) -> sa.ColumnElement[bool]:
    """`value` is an element of the JSON array stored in `column`."""
    if dialect_of(session) == "postgresql":
        contains: sa.ColumnElement[bool] = column.op("@>")(
            sa.cast(sa.literal(f'["{_json_escape(value)}"]'), JSONB)
        )
        return contains
    each = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == value))


def _json_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


# --- Full-text search -----------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)][:16]


def task_text_matches(session: Session, task_table: sa.Table, text: str) -> sa.ColumnElement[bool]:
    """Every word of `text` is a prefix of some word of the task's title, description or one
    of its notes (the words may come from different places).

    PostgreSQL: the stored `search_vector` column, or the task among those of the notes the GIN
    index on the notes' text finds (one hashed subplan per word). SQLite: the FTS5 tables
    `tasks_fts` and `task_notes_fts`, one IN list of task rowids per word.
    """
    words = search_words(text)
    if not words:
        return sa.true()
    postgresql = dialect_of(session) == "postgresql"
    return sa.and_(
        *(
            _pg_word_matches(task_table, word) if postgresql else _word_matches(task_table, word)
            for word in words
        )
    )


_NOTES = sa.table("task_notes", sa.column("task_id"), sa.column("rowid"))


def _pg_word_matches(task_table: sa.Table, word: str) -> sa.ColumnElement[bool]:
    query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), f"{word}:*")
    # search_vector: a stored, GIN-indexed generated column (migration 0003), unknown to the
    # models. The notes' side is an IN under an OR, which PostgreSQL runs once as a hashed
    # subplan (GIN on the notes); a semi-join of a UNION was re-run per task under a generic
    # plan (seconds at 10,000 tasks).
    in_note = sa.select(_NOTES.c.task_id).where(
        sa.literal_column(NOTE_SEARCH_DOCUMENT_SQL).op("@@")(query)
    )
    return sa.or_(
        sa.literal_column("tasks.search_vector").op("@@")(query), task_table.c.id.in_(in_note)
    )


def _word_matches(task_table: sa.Table, word: str) -> sa.ColumnElement[bool]:
    query = f'"{word}"*'
    tasks_fts = sa.table("tasks_fts", sa.column("rowid"))
    notes_fts = sa.table("task_notes_fts", sa.column("rowid"))
    noted = sa.table("tasks", sa.column("rowid"), sa.column("id")).alias("noted")
    in_task = sa.select(tasks_fts.c.rowid).where(sa.literal_column("tasks_fts").op("MATCH")(query))
    # One IN list of task rowids (SQLite builds it once): an OR of two IN tests made it check
    # every one of the user's tasks.
    in_note = (
        sa.select(noted.c.rowid)
        .join(_NOTES, _NOTES.c.task_id == noted.c.id)
        .where(
            _NOTES.c.rowid.in_(
                sa.select(notes_fts.c.rowid).where(
                    sa.literal_column("task_notes_fts").op("MATCH")(query)
                )
            )
        )
    )
    return sa.literal_column("tasks.rowid").in_(sa.union_all(in_task, in_note))


TASK_SEARCH_DOCUMENT_SQL = (
    "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(description, ''))"
)
# The expression of the notes' GIN index (migration 0012); queries must spell it the same.
NOTE_SEARCH_DOCUMENT_SQL = "to_tsvector('simple'::regconfig, body)"
