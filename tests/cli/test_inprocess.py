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
