"""register / login / whoami / logout through the real CLI and server; token storage."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.cli.conftest import PASSWORD, Account, Cli


def test_register_whoami_logout_login(account: Account, isolated_env: Path) -> None:
    alice, name = account.cli, account.username
    tokens = isolated_env / "config" / "tokens.json"
    assert stat.S_IMODE(os.stat(tokens).st_mode) == 0o600
    assert name in tokens.read_text()

    who = alice("whoami", "--json", "username,url")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["username"] == name

    plain = alice("whoami")
    assert plain.stdout.splitlines()[0] == f"username\t{name}"

    out = alice("logout")
    assert out.returncode == 0, out.stderr
    assert name not in tokens.read_text()
    after = alice("whoami")
    assert after.returncode == 4
    assert "behflow login" in after.stderr

    wrong = alice("login", "--username", name, "--password-stdin", stdin="nope-nope\n")
    assert wrong.returncode == 4
    assert wrong.stderr.startswith("error: Wrong username or password")

    back = alice("login", "--username", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert back.returncode == 0, back.stderr
    assert f"Logged in as {name}" in back.stderr
    assert alice("whoami", "--json", "username").returncode == 0


def test_file_fallback_note_is_said_once(cli: Cli) -> None:
    name = f"bob{os.getpid()}"
    first = cli("register", "--username", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert first.returncode == 0, first.stderr
    assert "no system keyring" in first.stderr
    again = cli("login", "--username", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert again.returncode == 0, again.stderr
    assert "no system keyring" not in again.stderr


def test_account_errors(account: Account) -> None:
    alice = account.cli
    taken = alice(
        "register", "--username", account.username, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert taken.returncode == 1
    assert taken.stderr.startswith("error: ") and len(taken.stderr.splitlines()) == 1

    short = alice("register", "--username", "carol", "--password-stdin", stdin="short\n")
    assert short.returncode == 2
    assert "password" in short.stderr

    no_name = alice("login", "--password-stdin", stdin=PASSWORD + "\n")
    assert no_name.returncode == 2
    assert "--username" in no_name.stderr

    no_password = alice("login", "--username", account.username)
    assert no_password.returncode == 2
    assert "--password-stdin" in no_password.stderr


def test_env_token_overrides_stored_one(alice: Cli) -> None:
    bogus = alice("task", "list", BEHFLOW_TOKEN="not-a-token")
    assert bogus.returncode == 4
    assert "not valid" in bogus.stderr and "behflow login" in bogus.stderr
