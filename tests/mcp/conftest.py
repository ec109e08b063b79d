"""MCP fixtures: a real server process per module and database, and the SDK's own clients.

Tests stay independent on a shared server because each registers its own accounts, and a user
only ever sees their own tasks (which is part of what these tests check).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.support.live import LiveServer, server_on

T = TypeVar("T")
_names = itertools.count(1)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mcp_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("mcp-server")
    with server_on(request.param, home, TEST_SECRET) as server:
        yield server


@dataclass
class Account:
    username: str
    token: str
    url: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}{path}", headers=self.headers, timeout=30, **kwargs
        )


@pytest.fixture
def new_account(mcp_server: LiveServer) -> Callable[[], Account]:
    def _new() -> Account:
        name = f"mcp{os.getpid()}x{next(_names)}"
        response = httpx.post(
            f"{mcp_server.url}/register",
            json={"username": name, "password": PASSWORD, "timezone": "UTC"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return Account(name, response.json()["access_token"], mcp_server.url)

    return _new


def run(work: Callable[[], Awaitable[T]]) -> T:
    return anyio.run(work)


@asynccontextmanager
async def http_client(url: str, token: str | None, **extra_headers: str) -> Any:
    """The SDK's client over streamable HTTP to `url`/mcp with this bearer token."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update({name.replace("_", "-"): value for name, value in extra_headers.items()})
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), cache=None) as client,
    ):
        yield client


def stdio_params(env: dict[str, str]) -> Any:
    """`behflow mcp` as the SDK's stdio client starts it."""
    from mcp import StdioServerParameters

    return StdioServerParameters(
        command=sys.executable, args=["-m", "behflow_cli", "mcp"], env={**os.environ, **env}
    )


@asynccontextmanager
async def stdio_client(env: dict[str, str], mode: str = "auto") -> Any:
    from mcp import Client

    async with Client(stdio_params(env), mode=mode, cache=None) as client:
        yield client


def text(result: Any) -> str:
    return "\n".join(block.text for block in result.content)
