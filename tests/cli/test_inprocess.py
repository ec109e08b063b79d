"""The same commands in-process: TTY and piped output side by side, fast, beside the
subprocess end-to-end tests. `output.stdout_is_tty` is the one switch the commands read."""

from __future__ import annotations

import io
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
    # `task list` takes filter words, so a mistyped field is named with `=` (a bare word after
    # --json that is not a field is a filter word there); `task show` takes none.
    code, out, err = behflow("task", "list", "--json=titel")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Did you mean title?" in err
    code, out, err = behflow("task", "show", "1", "--json", "titel")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Did you mean title?" in err
    code, _, err = behflow("task", "updte", "1")
    assert code == 2 and "Did you mean `update`?" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_subtasks_from_the_cli(behflow: Behflow, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #14: add/update --parent, tree, list indenting and progress, show listing the
    subtasks, done asking about open subtasks."""

    def answering(answer: str, *args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", _Terminal(answer + "\n"))
        return behflow(*args, tty=True)

    behflow("task", "add", "Trip")  # 1
    assert behflow("task", "add", "Pack", "--parent", "1")[1].strip() == "2"
    behflow("task", "add", "Socks", "--parent", "2")  # 3
    behflow("task", "add", "Tickets", "--parent", "1", "--json", "number")  # 4
    behflow("task", "add", "Other")  # 5
    code, _, err = behflow("task", "add", "Orphan", "--parent", "99")
    assert code == 1 and "#99" in err

    code, out, _ = behflow("task", "tree", "--json", "number,depth")
    assert code == 0
    assert [(r["number"], r["depth"]) for r in json.loads(out)] == [
        (1, 0),
        (2, 1),
        (3, 2),
        (4, 1),
        (5, 0),
    ]
    code, table, _ = behflow("task", "list", "--sort", "number", tty=True)
    lines = [line for line in table.splitlines() if "Socks" in line or "Trip" in line]
    assert "Trip 0/2" in lines[0]
    assert "    Socks" in lines[1]  # two levels down, two spaces a level
    code, shown, _ = behflow("task", "show", "1", tty=True)
    assert "Subtasks" in shown and "0/2 done" in shown and "Pack 0/1" in shown

    code, _, err = behflow("task", "update", "1", "--parent", "3")
    assert code == 2 and "subtasks" in err  # a cycle: a usage error (422)
    assert behflow("task", "update", "4", "--parent", "none", "--json", "parent")[1].strip() == (
        '{\n  "parent": null\n}'
    )

    # done: not a terminal and no flag -> exit 1 naming the flags; nothing changed.
    code, _, err = behflow("task", "done", "1")
    assert code == 1
    assert err.count("\n") == 1 and "--with-subtasks" in err and "--leave-subtasks" in err
    assert "#2, #3" in err
    # On a terminal it asks.
    code, out, _ = answering("n", "task", "done", "1")
    assert code == 1 and "Complete its 2 open subtasks too? [y/N/leave]" in out
    code, out, _ = answering("y", "task", "done", "1")
    assert code == 0 and "Completed #1" in out
    code, out, _ = behflow("task", "tree", "1", "--all", "--json", "number,status")
    assert {r["number"]: r["status"] for r in json.loads(out)} == {
        1: "completed",
        2: "completed",
        3: "completed",
    }
    behflow("task", "add", "Hike", "--parent", "5")  # 6
    code, out, _ = behflow("task", "done", "5", "--leave-subtasks")
    assert code == 0
    code, out, _ = behflow("task", "show", "6", "--json", "status,parent")
    assert json.loads(out) == {"status": "not_started", "parent": 5}


def test_undo_a_web_change_from_the_cli(behflow: Behflow, cli_server: LiveServer) -> None:
    """History and undo (issue #14): `behflow undo` reverts a change the web page made."""
    import os

    def say(*args: str) -> tuple[int, str, str]:
        return behflow(*args, tty=True)

    web = BehflowClient(cli_server.url, os.environ["BEHFLOW_TOKEN"])
    web.client_name = "web"
    assert say("task", "add", "Pay rent")[0] == 0
    web.update_task(1, status="completed")

    code, out, err = say("undo")
    assert (code, err) == (0, "")
    assert out.strip() == "Undid: completed #1 Pay rent (from the web, just now)"
    assert web.get_task(1)["status"] == "not_started"
    code, out, _ = say("redo")
    assert out.strip() == "Redid: completed #1 Pay rent (from the web, just now)"
    assert web.get_task(1)["status"] == "completed"

    code, out, _ = say("history", "--json", "client,summary,undone")
    assert json.loads(out)[:3] == [
        {"client": "cli", "summary": "redo: completed #1 Pay rent", "undone": False},
        {"client": "cli", "summary": "undo: reopened #1 Pay rent", "undone": True},
        {"client": "web", "summary": "completed #1 Pay rent", "undone": True},
    ]
    code, out, _ = say("task", "log", "1")
    assert code == 0 and "completed from the web" in out
    assert "status: not_started -> completed" in out

    # Undoing a change that was overwritten since: refused off a terminal (exit 1), --force.
    web.update_task(1, priority="high")
    earlier = web.history(limit=1)["items"][0]["id"]
    web.client_name = "tui"
    web.update_task(1, priority="low")
    code, _, err = say("undo", "--changeset", earlier)
    assert code == 1
    assert "Changed since: #1 (priority)" in err and "--force" in err
    code, out, _ = say("undo", "--changeset", earlier, "--force")
    assert code == 0 and out.startswith("Undid: updated #1 Pay rent")
    assert web.get_task(1)["priority"] == "none"
    code, _, err = say("task", "log", "999")
    assert code == 1 and "#999" in err
    web.close()


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


# Filters and contexts (docs/filters.md) ------------------------------------------------


def _filtered_titles(behflow: Behflow, *args: str) -> list[str]:
    code, out, err = behflow("task", "list", *args, "--json", "title")
    assert code == 0, err
    return sorted(row["title"] for row in json.loads(out))


def test_filters_and_contexts_from_the_cli(behflow: Behflow) -> None:
    behflow("task", "add", "Quarterly report", "--project", "work", "--tag", "urgent")
    behflow("task", "add", "Buy milk", "--project", "home", "--due", "today")
    behflow("task", "add", "Old done", "--project", "work")
    behflow("task", "done", "3")

    assert (
        _filtered_titles(behflow, "project:work", "+urgent", "due.before:eow", "status:open") == []
    )
    assert _filtered_titles(behflow, "project:work", "+urgent") == ["Quarterly report"]
    # a word starting with - goes after -- or inside one quoted filter
    assert _filtered_titles(behflow, "project:work -urgent") == []
    code, out, _ = behflow("task", "list", "--json", "title", "--", "-urgent", "project:home")
    assert json.loads(out) == [{"title": "Buy milk"}]
    # a status in the filter replaces the default "open"
    assert _filtered_titles(behflow, "project:work", "status:completed") == ["Old done"]
    assert _filtered_titles(behflow, "project:work or due:today") == [
        "Buy milk",
        "Quarterly report",
    ]

    code, _, err = behflow("task", "list", "project:work", "prio:high")
    assert code == 2
    assert err.splitlines()[1:] == ["  project:work prio:high", "               ^^^^^^^^^"]
    assert "unknown field 'prio' at 13; did you mean 'priority'?" in err

    assert behflow("filter", "add", "today-home", "due:today project:home")[0] == 0
    code, out, _ = behflow("filter", "list")
    assert out.split() == ["today-home", "due:today", "project:home"]
    assert behflow("filter", "show", "today-home")[1].strip() == "due:today project:home"
    assert _filtered_titles(behflow, "--filter", "today-home") == ["Buy milk"]
    code, out, _ = behflow("filter", "run", "today-home")
    assert code == 0 and "Buy milk" in out
    code, _, err = behflow("filter", "add", "broken", "(project:work")
    assert code == 2 and "'(' is never closed at 0" in err
    assert behflow("filter", "show", "nope")[0] == 1
    assert behflow("filter", "remove", "today-home")[0] == 0
    assert behflow("filter", "list")[1] == ""

    assert behflow("context", "define", "work", "project:work", "+office")[0] == 0
    assert behflow("context")[1].strip() == "No context is active."
    code, out, err = behflow("context", "work")
    assert code == 0 and out.strip() == "work: project:work +office"
    assert "new tasks get project:work +office" in err
    behflow("task", "add", "Desk chair")
    assert _filtered_titles(behflow) == ["Desk chair"]  # scoped: only project:work +office
    code, out, _ = behflow("task", "show", "4", "--json", "project,tags")
    assert json.loads(out) == {"project": "work", "tags": ["office"]}
    code, out, _ = behflow("context", "list")
    assert out.split() == ["*", "work", "project:work", "+office"]
    assert behflow("context", "none")[0] == 0
    assert len(_filtered_titles(behflow)) == 3
    assert behflow("context", "nope")[0] == 1
