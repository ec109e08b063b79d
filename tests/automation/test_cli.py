"""`behflow process`, `behflow webhook`, `behflow stats` and `task add --every`: the real CLI in
a subprocess against a real server process (one per module and database)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.automation.receiver import Receiver
from tests.cli.support import run
from tests.conftest import TEST_SECRET
from tests.support.live import LiveServer, server_on

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("automation-cli")
    # The webhook test's receiver listens on loopback, which the outbound policy must allow.
    allow = {"BEHFLOW_OUTBOUND_ALLOW": "127.0.0.1/32"}
    with server_on(request.param, home, TEST_SECRET, allow) as server:
        yield server


@pytest.fixture
def cli(server: LiveServer, request: pytest.FixtureRequest) -> Cli:
    env = {**os.environ, "BEHFLOW_URL": server.url}

    def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return run(list(args), env, stdin=stdin)

    name = f"u{abs(hash(request.node.nodeid)) % 10**8}"
    made = _cli("register", "--username", name, "--password-stdin", stdin="correct horse\n")
    assert made.returncode == 0, made.stderr
    return _cli


def test_process_commands(cli: Cli) -> None:
    listed = cli("process", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {p["name"] for p in json.loads(listed.stdout)} == {
        "analytics",
        "reminders",
        "reschedule-overdue",
    }
    selected = cli("process", "list", "--json", "name,kind")  # fields as the next word
    assert selected.returncode == 0, selected.stderr
    assert all(set(p) == {"name", "kind"} for p in json.loads(selected.stdout))
    made = cli(
        "process",
        "create",
        "moves",
        "--kind",
        "reschedule_overdue",
        "--schedule",
        "0 7 * * *",
        "-c",
        "policy=plus_days",
        "-c",
        "days=2",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["config"] == {"policy": "plus_days", "time": "09:00", "days": 2}
    changed = cli("process", "update", "moves", "--schedule", "every 2h", "--json")
    assert json.loads(changed.stdout)["schedule"] == "every 2h"
    assert cli("process", "disable", "moves").returncode == 0
    assert json.loads(cli("process", "show", "moves", "--json").stdout)["enabled"] is False
    assert cli("process", "enable", "moves").returncode == 0
    ran = cli("process", "run", "moves")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split("\t")[:2] == ["status", "succeeded\n"] or "succeeded" in ran.stdout
    history = json.loads(cli("process", "history", "moves", "--json").stdout)
    assert [h["trigger"] for h in history] == ["manual"]


BAD_INPUT: list[tuple[tuple[str, ...], int, str]] = [
    (
        ("process", "create", "x", "--kind", "reminders", "--schedule", "61 * * * *"),
        2,
        "Invalid schedule",
    ),
    (
        ("process", "create", "x", "--kind", "teleport", "--schedule", "every 1h"),
        2,
        "Unknown process kind",
    ),
    (("process", "show", "nope"), 1, "No process named 'nope'"),
    (("process", "update", "reminders"), 2, "nothing to change"),
    (
        ("process", "create", "x", "--kind", "reminders", "--schedule", "every 1h", "-c", "x"),
        2,
        "key=value",
    ),
    (("webhook", "add", "ftp://example.com/x"), 2, "http or https"),
    (("webhook", "remove", "abc"), 1, "no webhook"),
]


def test_bad_input_is_one_line_with_an_exit_code(cli: Cli) -> None:
    for args, code, fragment in BAD_INPUT:
        result = cli(*args)
        assert result.returncode == code, (args, result.stderr)
        assert fragment in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, args


def test_webhook_commands(cli: Cli) -> None:
    with Receiver() as receiver:
        added = cli("webhook", "add", receiver.url, "--event", "task.completed", "--json")
        assert added.returncode == 0, added.stderr
        hook = json.loads(added.stdout)
        # A Standard Webhooks secret: whsec_ + base64 of 32 random bytes.
        assert hook["secret"].startswith("whsec_") and len(hook["secret"]) == 50
        listed = json.loads(cli("webhook", "list", "--json").stdout)
        assert [h["url"] for h in listed] == [receiver.url]
        tested = cli("webhook", "test", hook["id"][:8])
        assert tested.returncode == 0, tested.stderr
        assert receiver.wait_for(1)
    refused = cli("webhook", "test", hook["id"][:8])  # the receiver is gone
    assert refused.returncode == 1 and "test delivery failed" in refused.stderr
    assert cli("webhook", "remove", hook["id"][:8]).returncode == 0
    assert json.loads(cli("webhook", "list", "--json").stdout) == []


def test_stats_and_every(cli: Cli) -> None:
    added = cli("task", "add", "Water plants", "--every", "monday", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"
    friday = cli("task", "add", "Review", "--every", "other friday at 5pm", "--json")
    task = json.loads(friday.stdout)
    assert task["recurrence"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    assert task["title"] == "Review" and task["due_at"].endswith("17:00:00Z")
    bad = cli("task", "add", "Nope", "--every", "blue moon")
    assert bad.returncode == 2 and "cannot read --every" in bad.stderr
    done = cli("task", "done", "1")
    assert done.returncode == 0, done.stderr
    figures = json.loads(cli("stats", "--days", "3", "--json").stdout)
    assert len(figures) == 3 and figures[-1]["completed"] == 1
    chart = cli("stats", "--days", "3", "--format", "table")
    assert chart.returncode == 0, chart.stderr
    assert "█ 1" in chart.stdout and "Streak: 1 day" in chart.stdout


def test_from_completion_then_move_and_skip(cli: Cli) -> None:
    added = cli(
        "task", "add", "Water ferns", "--every", "3 days after done", "--due", "2099-01-05 09:00",
        "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    task = json.loads(added.stdout)
    assert task["recurrence"] == "FREQ=DAILY;INTERVAL=3;X-BEHFLOW-FROM=COMPLETION"
    shown = cli("task", "show", str(task["number"]), "--format", "table")
    assert "every 3 days after done" in shown.stdout and "FREQ" not in shown.stdout
    done = cli("task", "done", str(task["number"]), "--format", "table")
    assert done.returncode == 0, done.stderr
    assert "(every 3 days after done); the next one" in done.stdout
    following = json.loads(cli("task", "show", str(task["number"] + 1), "--json").stdout)
    # Counted from today (the completion day), at the task's own time of day.
    expected = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    assert following["due_at"].startswith(f"{expected}T09:00")
    moved = cli("task", "move", str(following["number"]), "2099-02-01 10:00", "--format", "table")
    assert moved.returncode == 0, moved.stderr
    assert (
        "Moved this occurrence only" in moved.stdout and "every 3 days after done" in moved.stdout
    )
    skipped = cli("task", "skip", str(following["number"]), "--json")
    assert skipped.returncode == 0, skipped.stderr
    assert json.loads(skipped.stdout)["recurrence_index"] == 3
    plain = json.loads(cli("task", "add", "Once only", "--json").stdout)
    refused = cli("task", "skip", str(plain["number"]))
    assert refused.returncode == 2 and "does not repeat" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
