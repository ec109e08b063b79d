"""Test databases: a SQLite file per test; one PostgreSQL database per run, emptied per test."""

from __future__ import annotations

import functools
import os

import sqlalchemy as sa

from behflow_server.config import normalize_database_url
from behflow_server.db import Database
from behflow_server.migrate import upgrade
from behflow_server.models import metadata

TEST_DATABASE_URL_ENV = "BEHFLOW_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    """The run's PostgreSQL database; under pytest-xdist each worker gets its own copy."""
    url = os.environ.get(TEST_DATABASE_URL_ENV, "").strip()
    if not url:
        return None
    url = normalize_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


@functools.cache
def _worker_database(url: str, worker: str) -> str:
    base, _, name = url.rpartition("/")
    worker_url = f"{base}/{name}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}_{worker}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}_{worker}"')
    finally:
        admin.dispose()
    return worker_url


def prepare_postgres(url: str) -> None:
    """Migrate the run's PostgreSQL database; fail loudly if it cannot be reached."""
    engine = sa.create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


def migrated(url: str) -> Database:
    database = Database(url, pool_size=2)
    upgrade(database.engine)
    return database
