"""Issue #11's CLI walls, through the real `behflow` process against a real server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.cli.conftest import PASSWORD, Account, Cli


def _json(result: object) -> object:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined]


def test_update_several_numbers_and_plus_minus_tags(alice: Cli) -> None:
    alice("task", "add", "-", stdin="one #home\ntwo #home #x\nthree\n")
    changed = alice("task", "update", "1", "2", "+work", "-home", "-p", "high")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.split() == ["1", "2"]
    rows = _json(alice("task", "list", "--json", "number,tags,priority"))
    assert rows == [
        {"number": 1, "tags": ["work"], "priority": "high"},
        {"number": 2, "tags": ["x", "work"], "priority": "high"},
        {"number": 3, "tags": [], "priority": "none"},
    ]
    # -dinner is a tag to remove, not `-d inner` (the due option).
    assert _json(alice("task", "update", "3", "+dinner", "--json", "tags")) == {"tags": ["dinner"]}
    assert _json(alice("task", "update", "3", "-dinner", "--json", "tags")) == {"tags": []}
    # One wording for not found; the others are still changed.
    partly = alice("task", "update", "3", "98", "99", "+y")
    assert partly.returncode == 1 and partly.stdout == "3\n"
    assert partly.stderr == (
        "error: no tasks #98, #99. See `behflow task list --all` for your task numbers.\n"
    )
    single = alice("task", "show", "97")
    assert single.stderr == (
        "error: no task #97. See `behflow task list --all` for your task numbers.\n"
    )
    assert alice("task", "done", "97").stderr == single.stderr


def test_project_and_tag_lists_count_tasks(alice: Cli) -> None:
    alice("task", "add", "-", stdin="a project:Home #x\nb project:Home due:2020-01-01\nc #x\n")
    alice("task", "done", "1")
    assert _json(alice("project", "list", "--json")) == [
        {"name": "Home", "open": 1, "overdue": 1, "total": 2}
    ]
    assert _json(alice("tag", "list", "--json", "name,open,total")) == [
        {"name": "x", "open": 1, "total": 2}
    ]
    assert alice("tag", "list").stdout == "x\t1\t0\t2\n"


def test_json_fields_with_a_space_or_equals_behave_the_same(alice: Cli) -> None:
    alice("task", "add", "Pay rent")
    spaced = alice("task", "list", "--json", "number,title")
    assert spaced.stdout == alice("task", "list", "--json=number,title").stdout
    one = alice("task", "list", "--json", "title")
    assert one.stdout == alice("task", "list", "--json=title").stdout
    typo_spaced = alice("task", "list", "--json", "titel")
    typo_equals = alice("task", "list", "--json=titel")
    assert typo_spaced.returncode == typo_equals.returncode == 2
    assert typo_spaced.stderr == typo_equals.stderr
    assert "Did you mean title?" in typo_spaced.stderr
    # On commands that take free words, a non-field word after --json is the text.
    added = _json(alice("task", "add", "--json", "buy", "milk"))
    assert added["title"] == "Buy milk"
    explained = _json(alice("task", "add", "Call Bob friday", "--explain", "--json", "title"))
    assert explained == [{"title": "Call Bob"}]


def test_did_you_mean(alice: Cli) -> None:
    for args, hint in (
        (["tsk", "list"], "Did you mean `task`?"),
        (["task", "lst"], "Did you mean `list`?"),
        (["task", "list", "--stauts", "open"], "Did you mean --status?"),
        (["projct", "list"], "Did you mean `project`?"),
    ):
        result = alice(*args)
        assert result.returncode == 2, args
        assert hint in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_sort_minus_priority_is_highest_first_and_deleted_shows_as_deleted(alice: Cli) -> None:
    alice("task", "add", "-", stdin="Mow !low\nFile taxes !urgent\nCall Bob !medium\n")
    titles = [t["title"] for t in _json(alice("task", "list", "--sort", "-priority", "--json"))]
    assert titles == ["File taxes", "Call Bob", "Mow"]
    lowest = _json(alice("task", "list", "--sort", "priority", "--json", "title"))
    assert [t["title"] for t in lowest] == ["Mow", "Call Bob", "File taxes"]

    alice("task", "delete", "2", "--yes")
    plain = alice("task", "list", "--all").stdout.splitlines()
    assert [line.split("\t")[1] for line in plain] == ["not_started", "deleted", "not_started"]
    shown = alice("task", "show", "2", "--format", "table").stdout
    assert "✗ deleted" in shown and "Deleted" in shown


def test_done_on_a_recurring_task_says_when_the_next_is_due(
    alice: Cli, cli_env: dict[str, str]
) -> None:
    from tests.cli.support import PtySession

    alice("task", "add", "Water plants", "--every", "monday")
    session = PtySession(["task", "done", "1"], cli_env)
    assert session.wait() == 0, session.text
    assert "Completed #1 Water plants (every Monday); the next one, #2, is due Mon" in session.text
    shown = alice("task", "show", "2", "--format", "table").stdout
    assert "Repeats" in shown and "every Monday" in shown


def test_restore_due_without_a_moved_date_is_a_clear_error(alice: Cli) -> None:
    alice("task", "add", "Report", "--due", "tomorrow")
    result = alice("task", "restore-due", "1")
    assert result.returncode in (1, 2)
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert alice("task", "restore-due", "99").returncode == 1


def _editor(tmp_path: Path, body: str) -> str:
    """An $EDITOR: a Python script that rewrites the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\npath = pathlib.Path(sys.argv[1])\n" + body)
    return f"{sys.executable} {script}"


def test_edit_applies_what_changed_and_aborts_cleanly(alice: Cli, tmp_path: Path) -> None:
    alice("task", "add", "Buy milk", "--due", "tomorrow 17:00", "--tag", "shop")
    retitle = _editor(
        tmp_path,
        "text = path.read_text()\n"
        "text = text.replace('title: Buy milk', 'title: Buy oat milk')\n"
        "text = text.replace('tags: shop', 'tags: shop, errands')\n"
        "text = text.replace('priority: none', 'priority: high')\n"
        "path.write_text(text + 'From the corner shop.\\n')\n",
    )
    edited = alice("task", "edit", "1", EDITOR=retitle, VISUAL="")
    assert edited.returncode == 0, edited.stderr
    assert "Updated #1 Buy oat milk" in edited.stdout
    task = _json(alice("task", "show", "1", "--json"))
    assert (task["title"], task["tags"], task["priority"]) == (
        "Buy oat milk",
        ["shop", "errands"],
        "high",
    )
    assert task["description"] == "From the corner shop."
    assert task["due_at"] is not None  # unchanged fields are not sent

    untouched = alice("task", "edit", "1", EDITOR=_editor(tmp_path, "pass\n"), VISUAL="")
    assert untouched.returncode == 0 and "No changes" in untouched.stderr
    emptied = alice(
        "task", "edit", "1", EDITOR=_editor(tmp_path, "path.write_text('')\n"), VISUAL=""
    )
    assert emptied.returncode == 0 and "left as it was" in emptied.stderr

    broken = _editor(
        tmp_path,
        "path.write_text(path.read_text().replace('priority: high', 'prio: high'))\n",
    )
    failed = alice("task", "edit", "1", EDITOR=broken, VISUAL="")
    assert failed.returncode == 2
    assert "line " in failed.stderr and "unknown field 'prio'" in failed.stderr
    assert _json(alice("task", "show", "1", "--json", "priority")) == {"priority": "high"}


def test_edit_reopens_the_form_after_a_mistake_on_a_terminal(
    alice: Cli, cli_env: dict[str, str], tmp_path: Path
) -> None:
    from tests.cli.support import PtySession

    alice("task", "add", "Call Bob")
    # First save: a bad status; second save (the form again, error on top): a good one.
    fixer = _editor(
        tmp_path,
        "text = path.read_text()\n"
        "if '# ERROR:' in text:\n"
        "    text = text.replace('status: done', 'status: in_progress')\n"
        "else:\n"
        "    text = text.replace('status: not_started', 'status: done')\n"
        "path.write_text(text)\n",
    )
    session = PtySession(["task", "edit", "1"], {**cli_env, "EDITOR": fixer, "VISUAL": ""})
    session.expect("Edit again? [Y/n]")
    session.send("y")
    assert session.wait() == 0, session.text
    assert "status must be one of" in session.text
    assert _json(alice("task", "show", "1", "--json", "status")) == {"status": "in_progress"}


def test_account_timezone_password_and_show(account: Account) -> None:
    cli = account.cli
    assert cli("account", "timezone", "Asia/Tokyo").returncode == 0
    assert _json(cli("account", "show", "--json", "timezone")) == {"timezone": "Asia/Tokyo"}
    bad = cli("account", "timezone", "Mars/Olympus")
    assert bad.returncode == 2 and "time zone" in bad.stderr

    new = "a much longer passphrase"
    changed = cli("account", "password", "--password-stdin", stdin=f"{PASSWORD}\n{new}\n")
    assert changed.returncode == 0, changed.stderr
    assert cli("whoami").returncode == 0  # this session carries on with the new token
    cli("logout")
    back = cli("login", "-u", account.username, "--password-stdin", stdin=new + "\n")
    assert back.returncode == 0, back.stderr


def test_account_sessions_and_revoke(account: Account) -> None:
    cli = account.cli
    other = cli("login", "-u", account.username, "--password-stdin", stdin=PASSWORD + "\n")
    assert other.returncode == 0
    rows = _json(cli("account", "sessions", "--json"))
    assert len(rows) == 2 and rows[0]["client"] == "behflow-cli"
    revoked = cli("account", "revoke", rows[1]["id"][:8])
    assert revoked.returncode == 0, revoked.stderr
    assert len(_json(cli("account", "sessions", "--json", "id"))) == 1
    unknown = cli("account", "revoke", "zzzz")
    assert unknown.returncode == 1 and "no session" in unknown.stderr
