"""`behflow server backup` / `restore`: an SQLite round trip while the API writes."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from behflow_server import backup
from behflow_server.config import Settings
from behflow_server.errors import Conflict, InvalidInput
from behflow_server.main import create_app
from tests.cli.support import run
from tests.conftest import TEST_SECRET


def sqlite_settings(home: Path) -> Settings:
    return Settings(
        data_dir=home,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
    )


def test_round_trip_under_write_load(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "data")
    url = settings.resolved_database_url
    copy = tmp_path / "backups" / "behflow-backup.db"
    acknowledged: list[str] = []
    stop = threading.Event()
    errors: list[str] = []
    with TestClient(create_app(settings)) as client:
        token = client.post("/register", json={"username": "writer", "password": "long enough"})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def write() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                response = client.post("/api/v1/tasks", json={"title": f"w{n}"}, headers=auth)
                if response.status_code != 201:
                    errors.append(response.text)
                    return
                acknowledged.append(f"w{n}")

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while len(acknowledged) < 30 and writer.is_alive():
                threading.Event().wait(0.01)
            before = list(acknowledged)  # acknowledged before the backup started
            result = backup.backup(url, copy)
            during = len(acknowledged) - len(before)
            # The server kept writing after the copy too.
            while len(acknowledged) < len(before) + during + 10 and writer.is_alive():
                threading.Event().wait(0.01)
        finally:
            stop.set()
            writer.join()
        assert not errors, errors
        final_count = len(acknowledged)

    with sqlite3.connect(copy) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        titles = {row[0] for row in check.execute("SELECT title FROM tasks")}
    assert set(before) <= titles
    assert result.tasks == len(titles) >= len(before)
    assert result.revision is not None
    assert not list(copy.parent.glob(".*partial*"))
    with pytest.raises(Conflict):
        backup.backup(url, copy)

    restored = backup.restore(url, copy)
    assert restored.tasks == result.tasks
    store = backup.sqlite_path(url)
    assert store is not None
    kept = store.with_name(store.name + ".bak")
    with sqlite3.connect(kept) as old:
        assert old.execute("SELECT count(*) FROM tasks").fetchone()[0] == final_count
    with TestClient(create_app(settings)) as client:
        login = client.post("/login", json={"username": "writer", "password": "long enough"})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        listed = client.get("/api/v1/tasks?limit=500", headers=auth)
        assert listed.status_code == 200, listed.text
        assert {task["title"] for task in listed.json()["items"]} == titles


def test_restore_refuses_what_is_not_a_behflow_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behflow.db'}"
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InvalidInput, match="not an SQLite database"):
        backup.restore(url, junk)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (x)")
    with pytest.raises(InvalidInput, match="not a Behflow database"):
        backup.restore(url, other)
    future = tmp_path / "future.db"
    with sqlite3.connect(future) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num TEXT)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999')")
        connection.execute("CREATE TABLE tasks (title TEXT)")
    with pytest.raises(InvalidInput, match="does not know"):
        backup.restore(url, future)
    assert not (tmp_path / "behflow.db").exists()  # nothing was touched


def test_postgresql_names_the_exact_pg_dump_command() -> None:
    url = "postgresql+psycopg://behflow:hunter2@db.internal:5432/behflow"
    with pytest.raises(backup.UseNativeTool) as caught:
        backup.backup(url, Path("/backups/b.dump"))
    message = caught.value.message
    assert "pg_dump --format=custom --no-owner --file=/backups/b.dump" in message
    assert "postgresql://behflow:***@db.internal:5432/behflow" in message
    assert "hunter2" not in message
    with pytest.raises(backup.UseNativeTool, match="pg_restore --clean --if-exists"):
        backup.restore(url, Path("/backups/b.dump"))


def test_cli_backup_and_restore(tmp_path: Path) -> None:
    """The commands as a user runs them (their refusals are tested on the functions above)."""
    data = tmp_path / "data"
    with TestClient(create_app(sqlite_settings(data))) as client:
        client.post("/register", json={"username": "cli", "password": "long enough"})
    env = {**os.environ, "BEHFLOW_DATA_DIR": str(data), "BEHFLOW_SECRET_KEY": TEST_SECRET}
    target = tmp_path / "b.db"
    made = run(["server", "backup", str(target)], env)
    assert made.returncode == 0, made.stderr
    assert "backed up 0 task(s)" in made.stdout and target.exists()
    restored = run(["server", "restore", str(target)], env)
    assert restored.returncode == 0, restored.stderr
    assert "behflow.db.bak" in restored.stdout
