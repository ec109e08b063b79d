"""The same commands in-process: TTY and piped output side by side, fast, beside the
subprocess end-to-end tests. `output.stdout_is_tty` is the one switch the commands read."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from behflow_cli import output
from behflow_cli.client import BehflowClient
from behflow_cli.main import run
from tests.cli.conftest import PASSWORD
from tests.support.live import LiveServer

Behflow = Callable[..., tuple[int, str, str]]


@pytest.fixture
def behflow(
    cli_server: LiveServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Behflow:
    with BehflowClient(cli_server.url) as anonymous:
        name = f"inproc{id(monkeypatch) % 100000}"
        token = anonymous.register(name, PASSWORD)["access_token"]
    monkeypatch.setenv("BEHFLOW_URL", cli_server.url)
    monkeypatch.setenv("BEHFLOW_TOKEN", token)
    monkeypatch.setenv("COLUMNS", "120")

    def call(*args: str, tty: bool = False) -> tuple[int, str, str]:
        monkeypatch.setattr(output, "stdout_is_tty", lambda: tty)
        with pytest.raises(SystemExit) as exited:
            run(list(args))
        captured = capsys.readouterr()
        return int(exited.value.code or 0), captured.out, captured.err

    return call


def test_list_on_a_terminal_and_in_a_pipe(behflow: Behflow) -> None:
    code, out, _ = behflow("task", "list", tty=True)
    assert code == 0 and "No open tasks. Add one: behflow task add" in out
    assert behflow("task", "list")[1] == ""  # piped: no hint in the data

    behflow("task", "add", "Water plants", "--every", "monday")
    behflow("task", "add", "Old report", "--due", "2020-01-01")
    behflow("task", "delete", "2", "--yes")
    code, table, _ = behflow("task", "list", "--all", tty=True)
    assert code == 0
    assert "# " in table.splitlines()[0] and "St" in table.splitlines()[0]
    assert "Water plants ↻" in table and "✗" in table
    code, piped, _ = behflow("task", "list", "--all")
    statuses = dict(line.split("\t")[:2] for line in piped.splitlines())
    assert statuses == {"1": "not_started", "2": "deleted"}
    code, as_json, _ = behflow("task", "list", "--all", "--json", "number,status", tty=True)
    # JSON keeps the server's field (archived_at says it is deleted).
    assert {row["number"]: row["status"] for row in json.loads(as_json)} == {
        1: "not_started",
        2: "not_started",
    }


def test_show_in_words_on_a_terminal(behflow: Behflow) -> None:
    code, created, _ = behflow("task", "add", "Standup", "--every", "weekday", tty=True)
    assert (
        code == 0 and created.startswith("Created #1 Standup (due ") and "every weekday" in created
    )
    code, explained, _ = behflow("task", "add", "Gym every monday", "--explain", tty=True)
    assert '"every monday" -> repeats every Monday' in explained and "FREQ=" not in explained
    code, shown, _ = behflow("task", "show", "1", tty=True)
    assert code == 0 and "every weekday" in shown and "Repeats" in shown
    code, piped, _ = behflow("task", "show", "1", "--json", "recurrence")
    assert json.loads(piped)["recurrence"].startswith("FREQ=")


def test_usage_errors_are_one_line(behflow: Behflow) -> None:
    code, out, err = behflow("task", "list", "--json", "titel")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Did you mean title?" in err
    code, _, err = behflow("task", "updte", "1")
    assert code == 2 and "Did you mean `update`?" in err


def test_notes_from_words_stdin_and_the_editor(
    behflow: Behflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import click

    from behflow_cli.commands import task_notes

    behflow("task", "add", "Fix the heating")
    code, short, _ = behflow("task", "note", "1", "called", "the", "**landlord**")
    assert code == 0 and len(short.strip()) == 8
    monkeypatch.setattr("sys.stdin", io.StringIO("- [ ] ask about the *boiler*\n"))
    assert behflow("task", "note", "1", "-")[0] == 0
    # No words on a terminal: the editor, its hint lines dropped.
    monkeypatch.setattr(task_notes, "_on_terminal", lambda: True)
    monkeypatch.setattr(click, "edit", lambda text, **_: "plumber friday\n" + text)
    assert behflow("task", "note", "1")[0] == 0
    monkeypatch.setattr(task_notes, "_on_terminal", lambda: False)

    code, listed, _ = behflow("task", "notes", "1", "--json", "short_id,body")
    notes = json.loads(listed)
    assert [n["body"] for n in notes] == [
        "called the **landlord**",
        "- [ ] ask about the *boiler*",
        "plumber friday",
    ]
    assert notes[0]["short_id"] == short.strip()
    code, shown, _ = behflow("task", "show", "1", tty=True)
    assert code == 0 and "Notes (3)" in shown and "called the landlord" in shown
    assert "**" not in shown and "(just now)" in shown  # Markdown drawn, time relative
    code, piped, _ = behflow("task", "show", "1", "--json", "notes")
    assert len(json.loads(piped)["notes"]) == 3
    code, found, _ = behflow("task", "list", "--search", "boiler")
    assert code == 0 and found.split("\t")[0] == "1"

    first = notes[0]["short_id"]
    assert behflow("task", "note", "1", "--edit", first, "landlord said yes")[0] == 0
    assert behflow("task", "note", "1", "--delete", notes[1]["short_id"])[0] == 0
    code, listed, _ = behflow("task", "notes", "1", "--json", "body")
    assert [n["body"] for n in json.loads(listed)] == ["landlord said yes", "plumber friday"]

    code, _, err = behflow("task", "note", "1")  # piped, no text
    assert code == 2 and "standard input" in err
    code, _, err = behflow("task", "note", "99", "hello")
    assert code == 1 and "no task #99" in err
    code, _, err = behflow("task", "note", "1", "--delete", "ffffffff")
    assert code == 1 and "no note ffffffff" in err
