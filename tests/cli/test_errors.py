"""Every documented exit code, each with one line on stderr that says what to do."""

from __future__ import annotations

import json
import os
import sys
import uuid
from datetime import timedelta

import pytest

from behflow_cli import main as cli_main
from behflow_server.auth.security import TokenIssuer
from tests.cli.conftest import Cli
from tests.cli.support import run
from tests.conftest import TEST_SECRET
from tests.support.live import free_port


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_bad_input(alice: Cli) -> None:
    bad_date = alice("task", "add", "x", "--due", "blorp the day after never")
    assert bad_date.returncode == 2
    _one_error_line(bad_date.stderr)

    bad_priority = alice("task", "add", "x", "--priority", "extreme")
    assert bad_priority.returncode == 2
    assert "extreme" in _one_error_line(bad_priority.stderr)

    unknown = alice("task", "show", "42")
    assert unknown.returncode == 1
    assert "#42" in _one_error_line(unknown.stderr)
    assert "task list" in unknown.stderr

    bad_status = alice("task", "list", "--status", "sleeping")
    assert bad_status.returncode == 2
    assert "sleeping" in _one_error_line(bad_status.stderr)

    not_a_number = alice("task", "done", "abc")
    assert not_a_number.returncode == 2
    _one_error_line(not_a_number.stderr)

    no_command = alice("task", "frobnicate")
    assert no_command.returncode == 2
    _one_error_line(no_command.stderr)

    assert alice("task", "list").returncode == 0  # nothing above was created
    assert alice("task", "list").stdout == ""


def test_expired_token_says_log_in_again(alice: Cli) -> None:
    user_id = json.loads(alice("whoami", "--json", "id").stdout)["id"]
    issuer = TokenIssuer(TEST_SECRET, timedelta(minutes=-5))
    expired, _ = issuer.issue(uuid.UUID(user_id), 0)
    result = alice("task", "list", BEHFLOW_TOKEN=expired)
    assert result.returncode == 4
    line = _one_error_line(result.stderr)
    assert "expired" in line and "behflow login" in line


def test_not_logged_in_without_a_terminal(cli: Cli) -> None:
    result = cli("task", "add", "x")
    assert result.returncode == 4
    line = _one_error_line(result.stderr)
    assert "behflow register" in line and "BEHFLOW_TOKEN" in line


def test_server_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # not the default local URL: no autostart
    env = {**os.environ, "BEHFLOW_URL": url, "BEHFLOW_TOKEN": "anything"}
    result = run(["task", "list"], env)
    assert result.returncode == 5
    line = _one_error_line(result.stderr)
    assert url in line and "behflow server start" in line

    status = run(["server", "status"], env)
    assert status.returncode == 5
    assert "status\tunreachable" in status.stdout


def test_usage_and_version() -> None:
    env = dict(os.environ)
    version = run(["--version"], env)
    assert version.returncode == 0
    assert version.stdout.startswith("behflow ")
    assert run(["nonsense"], env).returncode == 2
    helped = run(["task", "add", "--help"], env)
    assert helped.returncode == 0
    assert "Examples" in helped.stdout and "--due" in helped.stdout
    stop = run(["server", "stop"], env)
    assert stop.returncode == 1
    _one_error_line(stop.stderr)


@pytest.mark.parametrize(
    "command",
    [
        "register", "login", "logout", "whoami",
        "task add", "task list", "task show", "task update", "task start", "task block",
        "task done", "task reopen", "task delete",
        "server start", "server stop", "server status", "server logs", "server migrate",
    ],
)  # fmt: skip
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # run() blocks trio for its process (see behflow_cli.main); undo that after this test.
    monkeypatch.setitem(sys.modules, "trio", sys.modules.get("trio"))
    with pytest.raises(SystemExit) as exited:
        cli_main.run([*command.split(), "--help"])  # in-process: only the help text is checked
    assert exited.value.code == 0
    assert "Example" in capsys.readouterr().out
