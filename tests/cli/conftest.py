"""CLI fixtures: the real CLI in a subprocess against a real server process.

One server per test module and database (starting one costs seconds); tests stay independent
because each registers its own account, and users only ever see their own tasks.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.cli.support import run
from tests.conftest import TEST_SECRET
from tests.support.live import LiveServer, server_on

PASSWORD = "correct horse battery"
Cli = Callable[..., subprocess.CompletedProcess[str]]
_names = itertools.count(1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("cli-server")
    with server_on(request.param, home, TEST_SECRET) as server:
        yield server


@pytest.fixture
def cli_env(cli_server: LiveServer) -> dict[str, str]:
    """This test's environment (own config/state dirs, from isolated_env) plus the server."""
    return {**os.environ, "BEHFLOW_URL": cli_server.url}


@pytest.fixture
def cli(cli_env: dict[str, str]) -> Cli:
    def _cli(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return run(list(args), {**cli_env, **env}, stdin=stdin)

    return _cli


@dataclass
class Account:
    cli: Cli
    username: str


@pytest.fixture
def account(cli: Cli) -> Account:
    """A new account, logged in (token in the 0600 file: the tests have no keyring)."""
    name = f"user{os.getpid()}x{next(_names)}"
    result = cli("register", "--username", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    return Account(cli, name)


@pytest.fixture
def alice(account: Account) -> Cli:
    return account.cli
