"""`behflow notify add|list|remove|test`: the real CLI in a subprocess against a real server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests.automation.receiver import Receiver
from tests.cli.support import run
from tests.conftest import TEST_SECRET
from tests.support.live import LiveServer, server_on

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("notify-cli")
    # The receiver listens on loopback, which the outbound policy must allow for this install.
    with server_on("sqlite", home, TEST_SECRET, {"BEHFLOW_OUTBOUND_ALLOW": "127.0.0.1/32"}) as s:
        yield s


@pytest.fixture
def cli(server: LiveServer, request: pytest.FixtureRequest) -> Cli:
    env = {**os.environ, "BEHFLOW_URL": server.url}

    def _cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run(list(args), env)

    name = f"n{abs(hash(request.node.nodeid)) % 10**8}"
    made = run(["register", "--username", name, "--password-stdin"], env, stdin="correct horse\n")
    assert made.returncode == 0, made.stderr
    return _cli


def test_add_list_test_remove(cli: Cli) -> None:
    with Receiver(statuses=[200, 500]) as receiver:
        url = receiver.url.replace("http://", "json://me:s3cretpass@", 1)
        added = cli("notify", "add", url, "--json")
        assert added.returncode == 0, added.stderr
        target = json.loads(added.stdout)
        assert "s3cretpass" not in added.stdout and target["service"] == "JSON"
        sent = cli("notify", "test", target["id"][:8])
        assert sent.returncode == 0, sent.stderr
        assert len(receiver.received) == 1
        failed = cli("notify", "test", target["id"][:8])
        assert failed.returncode == 1
        assert failed.stderr.count("\n") == 1 and "test notification failed" in failed.stderr
    listed = cli("notify", "list")
    assert listed.returncode == 0, listed.stderr
    assert "s3cretpass" not in listed.stdout
    rows = json.loads(cli("notify", "list", "--json").stdout)
    assert [(r["last_status"], r["failures"]) for r in rows] == [("failed", 1)]
    removed = cli("notify", "remove", target["id"])
    assert removed.returncode == 0, removed.stderr
    assert json.loads(cli("notify", "list", "--json").stdout) == []


def test_an_unknown_service_exits_2_with_one_line(cli: Cli) -> None:
    bad = cli("notify", "add", "nosuchservice://x")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Apprise" in bad.stderr
    missing = cli("notify", "remove", "ffffffff")
    assert missing.returncode == 1 and "no notification target" in missing.stderr
