"""`behflow export`, `behflow import` and `behflow calendar` as users run them: the real CLI
in a subprocess against a real server process."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from icalendar import Calendar

from tests.cli.conftest import Cli
from tests.interop.support import Taskwarrior
from tests.support.peers import needs_program


def test_export_then_import_into_another_account(alice: Cli, cli: Cli, tmp_path: Path) -> None:
    assert (
        alice("task", "add", "Pay rent friday 5pm #home !high", "--project", "Life").returncode == 0
    )
    assert alice("task", "add", "Buy milk").returncode == 0
    exported = alice("export", "--format", "todotxt", "--tag", "home")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert len(lines) == 1 and "Pay rent +Life @home" in lines[0] and "(B)" in lines[0]
    searched = alice("export", "--format", "csv", "milk")
    assert searched.stdout.splitlines()[1].split(",")[2] == "Buy milk"

    everything = alice("export", "--format", "json")
    (tmp_path / "tasks.json").write_text(everything.stdout)
    bob = cli  # a second account, same server
    name = f"bob{tmp_path.name[-12:]}".replace("-", "")[:30]
    assert (
        bob(
            "register", "--username", name, "--password-stdin", stdin="correct horse battery\n"
        ).returncode
        == 0
    )
    dry = bob("import", "--format", "json", str(tmp_path / "tasks.json"), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would create #1 Pay rent" in dry.stdout
    assert "dry run, nothing changed: 2 created, 0 updated, 0 skipped" in dry.stderr
    assert bob("task", "list", "--json", "number").stdout.strip() == "[]"
    real = bob("import", "--format", "json", "-", "--json", stdin=everything.stdout)
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout)["created"] == 2
    again = bob("import", "--format", "json", str(tmp_path / "tasks.json"))
    assert "0 created, 0 updated, 2 skipped" in again.stderr


def test_a_bad_file_is_one_line_on_stderr_and_exit_code_2(alice: Cli) -> None:
    result = alice("import", "--format", "todotxt", "-", stdin="Fine\n(A) Bad due:2026-02-30\n")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: line 2: due: '2026-02-30' is not a date (YYYY-MM-DD)"
    ]
    assert alice("task", "list", "--json", "number").stdout.strip() == "[]"
    missing = alice("import", "--format", "csv", "/nonexistent/file.csv")
    assert missing.returncode == 1 and missing.stderr.startswith("error: cannot read")


@needs_program("task", "taskwarrior")
def test_taskwarrior_pipeline(alice: Cli, tmp_path: Path) -> None:
    task = Taskwarrior(tmp_path / "tw")
    task.run("add", "From Taskwarrior", "due:2026-12-24", "+gift", "priority:M")
    piped = alice("import", "--format", "taskwarrior", "-", stdin=task.run("export"))
    assert piped.returncode == 0, piped.stderr
    assert "1 created" in piped.stderr
    assert alice("task", "add", "From Behflow").returncode == 0
    out = alice("export", "--format", "taskwarrior", "-o", str(tmp_path / "out.json"))
    assert out.returncode == 0, out.stderr
    task.run("import", str(tmp_path / "out.json"))
    titles = sorted(item["description"] for item in task.export())
    assert titles == ["From Behflow", "From Taskwarrior"]


def test_calendar_url_rotate_revoke(alice: Cli, cli_env: dict[str, str]) -> None:
    assert alice("task", "add", "Dentist tomorrow 3pm").returncode == 0
    made = alice("calendar", "url")
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    assert url.startswith(cli_env["BEHFLOW_URL"] + "/calendar/") and url.endswith(".ics")
    calendar = Calendar.from_ical(httpx.get(url).content)
    assert [str(todo["summary"]) for todo in calendar.walk("VTODO")] == ["Dentist"]
    twice = alice("calendar", "url")
    assert twice.returncode == 1 and "calendar rotate" in twice.stderr
    rotated = alice("calendar", "rotate", "--json", "url")
    new_url = json.loads(rotated.stdout)["url"]
    assert new_url != url
    assert httpx.get(url).status_code == 404
    assert httpx.get(new_url).status_code == 200
    assert alice("calendar", "revoke").returncode == 0
    assert httpx.get(new_url).status_code == 404
