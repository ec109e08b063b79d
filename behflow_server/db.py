"""The store's engine and sessions. Only this module knows which database is behind it.

PostgreSQL-only features (JSONB, full-text search) sit behind small functions here that also
have a SQLite path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlmodel import Session

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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_db_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_recycle=1800,
    )


class Database:
    """Owns the engine; hands out sessions. One per app."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_db_engine(url, pool_size=pool_size)
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


def dialect_of(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


# --- JSON list membership -------------------------------------------------------------------


def json_list_contains(session: Session, column: Any, value: str) -> sa.ColumnElement[bool]:
    """`value` is an element of the JSON array stored in `column`."""
    if dialect_of(session) == "postgresql":
        return column.op("@>")(sa.cast(sa.literal(f'["{_json_escape(value)}"]'), JSONB))
    each = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == value))


def _json_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


# --- Full-text search -----------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)][:16]


def task_text_matches(session: Session, task_table: sa.Table, text: str) -> sa.ColumnElement[bool]:
    """Every word of `text` is a prefix of some word of the task's title or description.

    PostgreSQL: the GIN-indexed `search_vector` column. SQLite: the FTS5 table `tasks_fts`.
    """
    words = search_words(text)
    if not words:
        return sa.true()
    if dialect_of(session) == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        # A stored, GIN-indexed generated column (migration 0003), unknown to the models.
        document = sa.literal_column("tasks.search_vector")
        return document.op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), query)
        )
    query = " ".join(f'"{word}"*' for word in words)
    matching = sa.text("SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH :fts_query").bindparams(
        fts_query=query
    )
    return sa.literal_column("tasks.rowid").in_(matching.columns(sa.column("rowid")))


TASK_SEARCH_DOCUMENT_SQL = (
    "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(description, ''))"
)
