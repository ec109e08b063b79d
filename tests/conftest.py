"""Shared fixtures. Every test runs with its own data/config directories and a clean database.

The `database_url` fixture is parametrised: every test that uses the store runs on SQLite, and
again on PostgreSQL when BEHFLOW_TEST_DATABASE_URL is set (CI sets it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from behflow_server.config import Settings
from behflow_server.db import Database
from behflow_server.main import create_app
from tests.support.databases import empty_postgres, migrated, postgres_url, prepare_postgres
from tests.support.live import LiveServer

_ISOLATED_ENV = (
    "BEHFLOW_URL",
    "BEHFLOW_TOKEN",
    "BEHFLOW_DATABASE_URL",
    "BEHFLOW_SECRET_KEY",
    "BEHFLOW_LLM_BASE_URL",
    "BEHFLOW_LLM_MODEL",
    "BEHFLOW_LLM_API_KEY",
    "OPENAI_API_KEY",
    "BEHFLOW_PORT",
    "BEHFLOW_HOST",
)
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes a real home, keyring or server."""
    for name in _ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    for sub in ("data", "config", "state"):
        (home / sub).mkdir(parents=True)
    monkeypatch.setenv("BEHFLOW_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("BEHFLOW_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("BEHFLOW_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("BEHFLOW_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("NO_COLOR", "1")
    return home


_PG_PREPARED = False


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'behflow.db'}"
    url = postgres_url()
    if url is None:
        pytest.skip("BEHFLOW_TEST_DATABASE_URL is not set")
    global _PG_PREPARED
    if not _PG_PREPARED:
        prepare_postgres(url)
        _PG_PREPARED = True
    empty_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str, isolated_env: Path) -> Settings:
    return Settings(
        data_dir=isolated_env / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        scheduler_enabled=False,
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = migrated(settings.resolved_database_url)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as s:
        yield s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


AuthHeaders = dict[str, str]


@pytest.fixture
def register(client: TestClient) -> Callable[..., AuthHeaders]:
    """Create an account through the API; returns its Authorization header."""
    counter = iter(range(1, 10_000))

    def _register(
        username: str | None = None, password: str = "correct horse", timezone: str = "UTC"
    ) -> AuthHeaders:
        name = username or f"user{next(counter)}"
        response = client.post(
            "/register", json={"username": name, "password": password, "timezone": timezone}
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return _register


@pytest.fixture
def auth(register: Callable[..., AuthHeaders]) -> AuthHeaders:
    return register("alice")


@pytest.fixture
def live_server_env(settings: Settings) -> dict[str, str]:
    return {
        "BEHFLOW_DATABASE_URL": settings.resolved_database_url,
        "BEHFLOW_DATA_DIR": str(settings.data_dir),
        "BEHFLOW_SECRET_KEY": TEST_SECRET,
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "info",
    }


@pytest.fixture
def live_server(live_server_env: dict[str, str], tmp_path: Path) -> Iterator[LiveServer]:
    """A real uvicorn process on a free port, on this test's database."""
    server = LiveServer(live_server_env, tmp_path / "server.log").start()
    yield server
    server.stop()


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        yield http


def pytest_report_header(config: Any) -> str:
    url = postgres_url()
    return f"behflow databases: sqlite{' + postgresql (' + url + ')' if url else ' only'}"


os.environ.setdefault("TZ", "UTC")
