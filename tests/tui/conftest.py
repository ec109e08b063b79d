"""TUI tests drive the app against one real server process (SQLite), a user per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from behflow_cli.client import BehflowClient
from tests.conftest import TEST_SECRET
from tests.support.live import LiveServer

_names = itertools.count(1)


def server_env(directory: Path) -> dict[str, str]:
    return {
        "BEHFLOW_DATABASE_URL": f"sqlite:///{directory / 'behflow.db'}",
        "BEHFLOW_DATA_DIR": str(directory),
        "BEHFLOW_SECRET_KEY": TEST_SECRET,
        "BEHFLOW_SCHEDULER_ENABLED": "false",
        "BEHFLOW_LOG_LEVEL": "warning",
    }


@pytest.fixture(scope="package")
def tui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("tui-server")
    server = LiveServer(server_env(directory), directory / "server.log").start()
    yield server
    server.stop()


def sign_up(url: str) -> str:
    response = httpx.post(
        f"{url}/register",
        json={"username": f"tui{next(_names)}", "password": "correct horse", "timezone": "UTC"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def token(tui_server: LiveServer) -> str:
    return sign_up(tui_server.url)


@pytest.fixture
def client(tui_server: LiveServer, token: str) -> Iterator[BehflowClient]:
    """The TUI's own client (BehflowClient), signed in as a fresh user."""
    with BehflowClient(tui_server.url, token, timezone="UTC") as api:
        yield api


@pytest.fixture
def other(tui_server: LiveServer, token: str) -> Iterator[BehflowClient]:
    """Another client of the same account: changes from 'elsewhere'."""
    with BehflowClient(tui_server.url, token, timezone="UTC") as api:
        yield api
