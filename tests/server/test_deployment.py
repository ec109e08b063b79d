"""compose.yaml and the Dockerfile can't be run here (no Docker engine): read them, and run
the same start-up sequence they describe without Docker."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import yaml

from behflow_server.config import Settings
from tests.support.databases import postgres_url
from tests.support.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_names_only_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    server = compose["services"]["server"]
    known = {f"BEHFLOW_{name.upper()}" for name in Settings.model_fields}
    assert set(server["environment"]) <= known
    assert server["environment"]["BEHFLOW_DATABASE_URL"].startswith("postgresql://")
    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    assert compose["services"]["db"]["image"].startswith("postgres:15")


def test_dockerfile_installs_the_lock_and_serves_with_migrations() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements.lock" in dockerfile
    assert 'CMD ["python", "-m", "behflow_server"]' in dockerfile
    for path in ("behflow_server", "behflow_cli", "requirements.lock", "pyproject.toml"):
        assert (ROOT / path).exists()


def test_server_starts_on_an_empty_postgresql_database_with_only_its_url(tmp_path: Path) -> None:
    """What the compose `server` service does: a fresh database, only BEHFLOW_DATABASE_URL."""
    base = postgres_url()
    if base is None:
        pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
    name = f"behflow_fresh_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = base.rsplit("/", 1)[0] + f"/{name}"
    for variable in ("BEHFLOW_SECRET_KEY", "BEHFLOW_DATABASE_URL"):
        os.environ.pop(variable, None)
    server = LiveServer(
        {"BEHFLOW_DATABASE_URL": url, "BEHFLOW_DATA_DIR": str(tmp_path / "data")},
        tmp_path / "server.log",
    )
    try:
        server.start()
        assert httpx.get(f"{server.url}/health").json()["database"] == "postgresql"
        token = httpx.post(
            f"{server.url}/register", json={"username": "compose", "password": "long enough"}
        ).json()["access_token"]
        created = httpx.post(
            f"{server.url}/api/v1/tasks",
            headers={"Authorization": f"Bearer {token}"},
            json={"title": "from a fresh database"},
        )
        assert created.status_code == 201
    finally:
        server.stop()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
