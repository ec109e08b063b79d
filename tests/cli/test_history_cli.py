"""`behflow undo`, `redo`, `history` and `task log` (issue #14), in-process against a real
server: an undo here reverts a change another client (the web page) made."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from behflow_cli import output
from behflow_cli.client import BehflowClient
from behflow_cli.main import run
from tests.cli.conftest import PASSWORD
from tests.support.live import LiveServer


class Behflow:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch, self.capsys = monkeypatch, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
        with pytest.raises(SystemExit) as exited:
            run(list(args))
        captured = self.capsys.readouterr()
        return int(exited.value.code or 0), captured.out, captured.err


@pytest.fixture
def web(cli_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[BehflowClient]:
    """The same account through another client: the web page's name in the history."""
    with BehflowClient(cli_server.url) as anonymous:
        token = anonymous.register(f"hist{id(monkeypatch) % 100000}", PASSWORD)["access_token"]
    monkeypatch.setenv("BEHFLOW_URL", cli_server.url)
    monkeypatch.setenv("BEHFLOW_TOKEN", token)
    monkeypatch.setenv("COLUMNS", "120")
    with BehflowClient(cli_server.url, token) as client:
        client.client_name = "web"
        yield client


def test_undo_a_web_change_from_the_cli(
    web: BehflowClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    behflow = Behflow(monkeypatch, capsys)
    assert behflow("task", "add", "Pay rent")[0] == 0
    web.update_task(1, status="completed")

    code, out, err = behflow("undo")
    assert (code, err) == (0, "")
    assert out.strip() == "Undid: completed #1 Pay rent (from the web, just now)"
    assert web.get_task(1)["status"] == "not_started"
    code, out, _ = behflow("redo")
    assert out.strip() == "Redid: completed #1 Pay rent (from the web, just now)"
    assert web.get_task(1)["status"] == "completed"

    code, out, _ = behflow("history", "--json", "client,summary,undone")
    assert json.loads(out)[:3] == [
        {"client": "cli", "summary": "redo: completed #1 Pay rent", "undone": False},
        {"client": "cli", "summary": "undo: reopened #1 Pay rent", "undone": True},
        {"client": "web", "summary": "completed #1 Pay rent", "undone": True},
    ]
    code, out, _ = behflow("task", "log", "1")
    assert code == 0 and "completed from the web" in out
    assert "status: not_started -> completed" in out

    # Undoing a change that was overwritten since: refused off a terminal (exit 1), --force.
    web.update_task(1, priority="high")
    earlier = web.history(limit=1)["items"][0]["id"]
    web.client_name = "tui"
    web.update_task(1, priority="low")
    code, _, err = behflow("undo", "--changeset", earlier)
    assert code == 1
    assert "Changed since: #1 (priority)" in err and "--force" in err
    code, out, _ = behflow("undo", "--changeset", earlier, "--force")
    assert code == 0 and out.startswith("Undid: updated #1 Pay rent")
    assert web.get_task(1)["priority"] == "none"
    code, _, err = behflow("task", "log", "999")
    assert code == 1 and "#999" in err
