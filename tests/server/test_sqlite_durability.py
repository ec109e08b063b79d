"""BEHFLOW_SQLITE_SYNCHRONOUS (issue #10.9): SQLite runs synchronous=NORMAL unless told FULL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from behflow_server.config import ConfigError, load_settings
from behflow_server.context import AppContext
from tests.conftest import TEST_SECRET

# PRAGMA synchronous answers a number: 1 NORMAL, 2 FULL.
NORMAL, FULL = 1, 2


def _synchronous(context: AppContext) -> tuple[int, str]:
    with context.db.engine.connect() as connection:
        level = connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    return int(level), str(journal)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, NORMAL), ("normal", NORMAL), ("FULL", FULL)]
)
def test_the_setting_reaches_every_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int
) -> None:
    monkeypatch.setenv("BEHFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'behflow.db'}")
    monkeypatch.setenv("BEHFLOW_SECRET_KEY", TEST_SECRET)
    if value is not None:
        monkeypatch.setenv("BEHFLOW_SQLITE_SYNCHRONOUS", value)
    context = AppContext.from_settings(load_settings())
    try:
        assert _synchronous(context) == (expected, "wal")
        # Pooled connections opened later get it too, not just the first one.
        with context.db.engine.connect() as a, context.db.engine.connect() as b:
            for connection in (a, b):
                level = connection.execute(sa.text("PRAGMA synchronous")).scalar_one()
                assert level == expected
    finally:
        context.db.dispose()


def test_an_unknown_mode_is_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEHFLOW_SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(ConfigError, match="BEHFLOW_SQLITE_SYNCHRONOUS"):
        load_settings()
