"""A rolling update: the previous release's server keeps answering the basic task routes after
the new release migrated the store under it (docs/deployment.md#rolling-upgrades).

The previous release is commit PREVIOUS_RELEASE, taken out of this repository's history with
`git archive` and run from a temporary directory against the same virtualenv.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from behflow_server import migrate
from behflow_server.config import normalize_database_url
from behflow_server.db import Database
from tests.conftest import TEST_SECRET
from tests.support.databases import postgres_url
from tests.support.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]
# The last commit before the round that added migrations past 0010; move it forward with
# each release so this always runs the release before the current one.
PREVIOUS_RELEASE = "2301f39"

# Run the old package, not the editable install of the new one (its finder sits in
# sys.meta_path, ahead of PYTHONPATH).
_BOOT = (
    "import runpy, sys; "
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
    "sys.path.insert(0, sys.argv[1]); "
    "runpy.run_module('behflow_server', run_name='__main__', alter_sys=True)"
)


def previous_release(target: Path) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the previous release cannot be taken out of history")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", PREVIOUS_RELEASE, "behflow_server"],
        capture_output=True,
    )
    if archive.returncode != 0:
        pytest.fail(
            f"commit {PREVIOUS_RELEASE} is not in this checkout's history (a shallow clone?): "
            + archive.stderr.decode(errors="replace").strip()
        )
    target.mkdir()
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
    name = f"behflow_upgrade_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.mark.e2e
def test_previous_release_serves_task_routes_on_the_new_schema(
    fresh_store: str, tmp_path: Path
) -> None:
    old_code = previous_release(tmp_path / "previous")
    server = LiveServer(
        {
            "BEHFLOW_DATABASE_URL": fresh_store,
            "BEHFLOW_DATA_DIR": str(tmp_path / "data"),
            "BEHFLOW_SECRET_KEY": TEST_SECRET,
            "BEHFLOW_SCHEDULER_ENABLED": "false",
        },
        tmp_path / "old-server.log",
        command=[sys.executable, "-c", _BOOT, str(old_code)],
    ).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as old:
            # Really the previous release: it has no probes yet.
            assert old.get("/livez").status_code == 404
            token = old.post("/register", json={"username": "old", "password": "long enough"})
            auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            before = old.post("/api/v1/tasks", json={"title": "made before"}, headers=auth)
            assert before.status_code == 201, before.text

            # The new release's migration job runs while the old replica serves.
            database = Database(normalize_database_url(fresh_store))
            applied = migrate.upgrade(database.engine)
            assert not migrate.pending_revisions(database.engine)
            database.dispose()

            made = old.post(
                "/api/v1/tasks",
                json={"title": "made after", "priority": "high", "labels": ["x"]},
                headers=auth,
            )
            assert made.status_code == 201, made.text
            number = made.json()["number"]
            listed = old.get("/api/v1/tasks", headers=auth)
            assert listed.status_code == 200
            assert {t["title"] for t in listed.json()["items"]} == {"made before", "made after"}
            assert old.get(f"/api/v1/tasks/{number}", headers=auth).status_code == 200
            changed = old.patch(f"/api/v1/tasks/{number}", json={"title": "changed"}, headers=auth)
            assert changed.status_code == 200, changed.text
            done = old.post(f"/api/v1/tasks/{number}/complete", headers=auth)
            assert done.status_code == 200, done.text
            assert done.json()["status"] == "completed"
            gone = old.delete(f"/api/v1/tasks/{before.json()['number']}", headers=auth)
            assert gone.status_code == 204, gone.text
    finally:
        server.stop()
    log = (tmp_path / "old-server.log").read_text()
    assert "Traceback" not in log, log
    assert isinstance(applied, list)
