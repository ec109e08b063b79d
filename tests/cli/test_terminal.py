"""What a person sees: the first-use flow with autostart, and the rich table, on a real pty."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from behflow_server.auth.security import TokenIssuer
from tests.cli.conftest import PASSWORD, Account, Cli
from tests.cli.support import CLI, PtySession, run
from tests.conftest import TEST_SECRET
from tests.support.live import free_port


@pytest.fixture
def local_default_env(
    live_server_env: dict[str, str], isolated_env: Path
) -> Iterator[dict[str, str]]:
    """No BEHFLOW_URL: the CLI uses the default local URL, whose port BEHFLOW_PORT moves."""
    env = {**os.environ, **live_server_env, "BEHFLOW_PORT": str(free_port())}
    yield env
    pid_file = isolated_env / "state" / "server.pid"
    if pid_file.exists():  # the test failed before `server stop`
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_first_use_autostarts_the_server_and_creates_an_account(
    local_default_env: dict[str, str], isolated_env: Path
) -> None:
    session = PtySession(["task", "add", "Buy milk", "--due", "tomorrow"], local_default_env)
    session.expect("Create a new account now?")
    session.send("y")
    # The rules come first; a mistake is explained and asked again, not an exit.
    session.expect("a password is at least 8 characters")
    session.expect("Username:")
    session.send("d")
    session.expect("'d' is not. Try again.")
    session.send("dana")
    session.expect("Password: ")
    session.send("short")
    session.expect("Repeat for confirmation: ")
    session.send("short")
    session.expect("The password must be at least 8 characters. Try again.")
    session.expect("Password: ", count=2)
    session.send(PASSWORD)
    session.expect("Repeat for confirmation: ", count=2)
    session.send(PASSWORD)
    session.expect("Move overdue tasks to today every night? [y/N]")
    session.send("")
    assert session.wait() == 0, session.text
    assert "Starting the Behflow server" in session.text
    assert "Created #1 Buy milk (due tomorrow)" in session.text

    listed = run(["task", "list"], local_default_env)
    assert listed.returncode == 0, listed.stderr
    assert "\tBuy milk\t" in listed.stdout

    status = run(["server", "status", "--json", "status,pid"], local_default_env)
    assert status.returncode == 0, status.stderr
    assert '"status": "running"' in status.stdout
    assert "behflow server starting" in run(["server", "logs"], local_default_env).stdout
    assert (isolated_env / "state" / "server.pid").exists()

    assert run(["server", "start", "--background"], local_default_env).returncode == 1
    stopped = run(["server", "stop"], local_default_env)
    assert stopped.returncode == 0, stopped.stderr
    assert run(["server", "status"], local_default_env).returncode == 5
    assert not (isolated_env / "state" / "server.pid").exists()

    # Two commands at once with no server: one server is started, both commands succeed.
    both = [
        subprocess.Popen(
            [*CLI, "task", "list"],
            env=local_default_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=90) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    assert all("Buy milk" in out for out, _ in outputs)
    assert sum("Starting the Behflow server" in err for _, err in outputs) == 1
    assert run(["server", "stop"], local_default_env).returncode == 0
    assert run(["server", "status"], local_default_env).returncode == 5  # no second server

    # Started again by hand, the same account and task are there.
    started = run(["server", "start", "--background"], local_default_env)
    assert started.returncode == 0, started.stderr
    assert run(["task", "list", "--json", "title"], local_default_env).stdout.count("Buy milk")
    assert run(["server", "stop"], local_default_env).returncode == 0


def test_tty_shows_a_table_and_asks_before_deleting(alice: Cli, cli_env: dict[str, str]) -> None:
    alice("task", "add", "Late report", "--due", "2020-03-01", "-p", "urgent", "-t", "work")
    alice("task", "add", "Plan trip", "--due", "in 3 days", "--project", "travel")

    table = PtySession(["task", "list"], cli_env)
    assert table.wait() == 0
    lines = table.text.splitlines()
    assert any(line.split()[:3] == ["#", "St", "Pri"] for line in lines), table.text
    assert "overdue" in table.text and "!!!" in table.text and "#work" in table.text
    assert "in 3 days" in table.text  # calendar days, the shared relative-due rule

    ask = PtySession(["task", "delete", "2"], cli_env)
    ask.expect('Delete #2 "Plan trip"?')
    ask.send("n")
    assert ask.wait() == 1
    assert "nothing deleted" in ask.text

    forced = alice("task", "show", "1", "--format", "table")
    assert forced.returncode == 0
    assert "#1 Late report" in forced.stdout and "Priority" in forced.stdout


def test_cli_imports_stay_cheap(alice: Cli, cli_env: dict[str, str]) -> None:
    """Client commands never load the server stack, and rich only for a terminal."""
    for args in (
        ["task", "list"],
        ["task", "add", "x", "--due", "tomorrow"],
        ["task", "done", "1"],
    ):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "behflow_cli", *args],
            capture_output=True,
            text=True,
            env=cli_env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        modules = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
        for heavy in (
            "behflow_server",
            "sqlmodel",
            "fastapi",
            "pydantic",
            "dateparser",
            "rich",
            "httpx",
            "httpcore",
            "trio",
            "keyring",
        ):
            assert heavy not in modules, f"{' '.join(args)} imported {heavy}"


def test_expired_session_on_a_terminal_asks_for_the_password_again(
    account: Account, cli_env: dict[str, str], isolated_env: Path
) -> None:
    user_id = json.loads(account.cli("whoami", "--json", "id").stdout)["id"]
    expired, _ = TokenIssuer(TEST_SECRET, timedelta(minutes=-1)).issue(uuid.UUID(user_id), 0)
    tokens_file = isolated_env / "config" / "tokens.json"
    tokens = json.loads(tokens_file.read_text())
    tokens[cli_env["BEHFLOW_URL"]][account.username] = expired
    tokens_file.write_text(json.dumps(tokens))

    piped = account.cli("task", "list")
    assert piped.returncode == 4  # no terminal: say what to do, do not prompt

    session = PtySession(["task", "add", "Renew passport"], cli_env)
    session.expect("Password: ")
    session.send(PASSWORD)
    assert session.wait() == 0, session.text
    assert "expired" in session.text and f"Log in again as {account.username}" in session.text
    assert "Created #1 Renew passport" in session.text
    assert account.cli("task", "list").stdout.count("Renew passport") == 1


def test_a_wrong_login_password_is_asked_again(account: Account, cli_env: dict[str, str]) -> None:
    account.cli("logout")
    session = PtySession(["login", "--username", account.username], cli_env)
    session.expect("Password: ")
    session.send("not the password")
    session.expect("Wrong username or password. Try again (2 left).")
    session.expect("Password: ", count=2)
    session.send(PASSWORD)
    assert session.wait() == 0, session.text
    assert f"Logged in as {account.username}" in session.text

    piped = account.cli("login", "--username", account.username, "--password-stdin", stdin="x\n")
    assert piped.returncode == 4 and len(piped.stderr.splitlines()) == 1


def test_register_piped_with_a_short_password_is_one_line(cli: Cli) -> None:
    result = cli("register", "--username", "erin", "--password-stdin", stdin="short\n")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert "8" in result.stderr


def test_ctrl_c_at_a_prompt_exits_130_without_a_traceback(
    alice: Cli, cli_env: dict[str, str]
) -> None:
    alice("task", "add", "Keep me")
    session = PtySession(["task", "delete", "1"], cli_env)
    session.expect('Delete #1 "Keep me"?')
    session.process.send_signal(signal.SIGINT)
    assert session.wait() == 130
    assert "Traceback" not in session.text and "aborted" in session.text
    assert alice("task", "list", "--json", "title").stdout.count("Keep me") == 1
