"""The TUI driven by keys through Textual's pilot, against a real server: keys -> API effects."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from behflow_cli.client import BehflowClient
from behflow_cli.tui.app import create_app
from behflow_cli.tui.screens.confirm import ConfirmScreen, SubtasksQuestion
from behflow_cli.tui.screens.edit import EditScreen
from behflow_cli.tui.screens.help import HelpScreen
from behflow_cli.tui.screens.saved_filters import SavedFiltersScreen
from behflow_cli.tui.widgets.chat_pane import ChatPane
from behflow_cli.tui.widgets.live_status import LiveStatus
from behflow_cli.tui.widgets.task_card import TaskCard
from behflow_cli.tui.widgets.task_table import TaskTable
from tests.support.live import LiveServer
from tests.tui.conftest import server_env, sign_up
from tests.tui.helpers import main_screen, notified, ready, titles, until


def drive(
    client: BehflowClient,
    scenario: Callable[[Pilot[Any]], Awaitable[None]],
    size: tuple[int, int] = (100, 30),
) -> None:
    async def run() -> None:
        app = create_app(client)
        async with app.run_test(size=size) as pilot:
            await scenario(pilot)

    asyncio.run(run())


def status_of(api: BehflowClient, number: int) -> str:
    return str(api.get_task(number)["status"])


def test_keys_change_tasks_through_the_api(client: BehflowClient, other: BehflowClient) -> None:
    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        await pilot.press("a")
        await pilot.press(*"Buy milk tomorrow #home !high", "enter")
        await until(pilot, lambda: "Buy milk" in titles(pilot))
        task = other.list_tasks()["items"][0]
        assert (task["title"], task["tags"], task["priority"]) == ("Buy milk", ["home"], "high")
        number = task["number"]
        await pilot.press("escape")
        assert isinstance(pilot.app.focused, TaskTable)

        for key, expected in (("s", "in_progress"), ("b", "blocked"), ("d", "completed")):
            await pilot.press(key)
            await until(pilot, lambda expected=expected: status_of(other, number) == expected)
        await until(pilot, lambda: len(screen.changes) == 4)  # add, start, block, done
        await pilot.press("u")  # undo the completion
        await until(pilot, lambda: status_of(other, number) == "blocked")
        await until(pilot, lambda: "Buy milk" in titles(pilot))  # back in the open list
        await pilot.press("d")
        await until(pilot, lambda: status_of(other, number) == "completed")
        await pilot.press("slash", *"all", "enter", "escape")  # completed tasks listed too
        await until(pilot, lambda: "Buy milk" in titles(pilot))
        await pilot.press("o")  # reopen: POST /tasks/{n}/reopen
        await until(pilot, lambda: status_of(other, number) == "not_started")
        await pilot.press("slash", "ctrl+u", "enter", "escape")

        await pilot.press("x")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("n")  # declined: nothing happens
        await pilot.press("x")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: other.get_task(number)["archived_at"] is not None)
        await until(pilot, lambda: "Buy milk" not in titles(pilot))
        await until(pilot, lambda: screen.changes.labels()[-1] == f"delete #{number}")
        await pilot.press("u")  # undo the delete
        await until(pilot, lambda: other.get_task(number)["archived_at"] is None)
        await until(pilot, lambda: "Buy milk" in titles(pilot))

        await pilot.press("e")
        form = await until(
            pilot, lambda: isinstance(pilot.app.screen, EditScreen) and pilot.app.screen
        )
        form.query_one("#title", Input).value = "Buy oat milk"
        form.query_one("#tags", Input).value = "home shop"
        form.query_one("#due", Input).value = ""
        form.query_one("#repeat", Input).value = "every 2 weeks after done"  # words, not RRULE
        await pilot.press("ctrl+s")
        await until(pilot, lambda: other.get_task(number)["title"] == "Buy oat milk")
        saved = other.get_task(number)
        assert saved["tags"] == ["home", "shop"] and saved["due_at"] is None
        assert saved["recurrence_text"] == "every 2 weeks after done"
        await until(pilot, lambda: screen.changes.labels()[-1] == f"edit #{number}")
        await pilot.press("u")  # undo the edit: title, tags and due date come back
        await until(pilot, lambda: other.get_task(number)["title"] == "Buy milk")
        restored = other.get_task(number)
        assert restored["tags"] == ["home"] and restored["due_at"] == task["due_at"]
        assert restored["recurrence"] is None

        # A bad due date: the server says no, the TUI shows it and carries on.
        await pilot.press("e")
        form = await until(
            pilot, lambda: isinstance(pilot.app.screen, EditScreen) and pilot.app.screen
        )
        form.query_one("#due", Input).value = "when pigs fly"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: notified(pilot, f"Edit #{number} failed"))
        assert pilot.app.is_running and screen.is_current

    drive(client, scenario)


def test_changes_made_elsewhere_appear_live(client: BehflowClient, other: BehflowClient) -> None:
    async def scenario(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        # Added from a shell in another pane: the real CLI, same server and account.
        env = {**os.environ, "BEHFLOW_URL": client.base_url, "BEHFLOW_TOKEN": client.token or ""}
        added = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "behflow_cli", "task", "add", "Made in another terminal"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert added.returncode == 0, added.stderr
        await until(pilot, lambda: "Made in another terminal" in titles(pilot))
        made = other.list_tasks(search="another terminal")["items"][0]
        table = main_screen(pilot).query_one(TaskTable)
        assert made["number"] in table.highlighted  # the changed row stands out
        other.complete_task(made["number"])
        await until(pilot, lambda: "Made in another terminal" not in titles(pilot))

    drive(client, scenario)


def test_filter_sort_help_and_palette(client: BehflowClient, other: BehflowClient) -> None:
    other.create_task("Alpha report", tags=["work"], priority="low")
    other.create_task("Bravo groceries", tags=["home"], priority="urgent")
    other.create_task("Charlie slides", tags=["work"], priority="high")

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        await pilot.press("slash", *"#work", "enter")
        await until(pilot, lambda: sorted(titles(pilot)) == ["Alpha report", "Charlie slides"])
        await pilot.press("slash", "ctrl+u", *"sort:-title", "enter")
        await until(
            pilot, lambda: titles(pilot) == ["Charlie slides", "Bravo groceries", "Alpha report"]
        )
        await pilot.press("slash", "ctrl+u", *"status:bogus", "enter")
        await until(pilot, lambda: any("status" in n.message for n in pilot.app._notifications))
        await pilot.press("slash", "ctrl+u", "enter", "escape", "S")  # next sort: priority
        await until(
            pilot, lambda: titles(pilot) == ["Bravo groceries", "Charlie slides", "Alpha report"]
        )
        assert screen.filter.sort == "-priority"  # the most urgent first

        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.press("escape")
        await until(pilot, lambda: screen.is_current)
        await pilot.press("enter")  # Enter on a row edits it too
        await until(pilot, lambda: isinstance(pilot.app.screen, EditScreen))
        await pilot.press("escape")
        await until(pilot, lambda: screen.is_current)

        # Every action is in the command palette too.
        selected = screen.query_one(TaskTable).selected_task()
        assert selected is not None
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Complete the selected")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: other.get_task(selected["number"])["status"] == "completed")

    drive(client, scenario)


def test_theme_is_remembered(client: BehflowClient) -> None:
    async def scenario(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        assert pilot.app.theme == "atom-one-dark"
        await pilot.press("t")
        assert pilot.app.theme == "atom-one-light"

    drive(client, scenario)
    saved = json.loads((Path(os.environ["BEHFLOW_CONFIG_DIR"]) / "config.json").read_text())
    assert saved["tui_theme"] == "light"
    assert create_app(client).theme_name == "light"


def test_offline_then_back_with_nothing_missed(tmp_path: Path) -> None:
    server = LiveServer(server_env(tmp_path), tmp_path / "server.log").start()
    try:
        token = sign_up(server.url)
        api = BehflowClient(server.url, token)
        other = BehflowClient(server.url, token)

        async def scenario(pilot: Pilot[Any]) -> None:
            status = (await ready(pilot)).query_one(LiveStatus)
            server.stop()
            await until(pilot, lambda: not status.online, timeout=10)
            assert "offline" in str(status.render())
            server.start()
            other.create_task("Added while the TUI was offline")
            await until(pilot, lambda: status.online, timeout=15)
            await until(pilot, lambda: "Added while the TUI was offline" in titles(pilot))

        drive(api, scenario)
        other.close()
    finally:
        server.stop()


def test_chat_pane_adds_a_task(client: BehflowClient, other: BehflowClient) -> None:
    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        await pilot.press("c")
        pane = screen.query_one(ChatPane)
        assert pane.display
        await pilot.press(*"add buy milk tomorrow", "enter")
        await until(pilot, lambda: pane.query(TaskCard), timeout=20)
        await until(pilot, lambda: "buy milk" in [t.lower() for t in titles(pilot)])
        milk = next(t for t in other.list_tasks()["items"] if t["title"].lower() == "buy milk")

        # A delete waits for a confirmation: the No button cancels it...
        await pilot.press(*"delete the buy milk task", "enter")
        await until(pilot, lambda: pane.query_one("#confirm").display, timeout=20)
        await pilot.click("#confirm-no")
        await until(pilot, lambda: len(pane.query(".msg.agent")) == 3 and not pane._reply)
        assert other.get_task(milk["number"])["archived_at"] is None
        # ...and `y`, pressed in the list, confirms it.
        await pilot.press(*"delete the buy milk task", "enter")
        await until(pilot, lambda: pane.query_one("#confirm").display, timeout=20)
        await pilot.press("escape", "y")
        await until(pilot, lambda: other.get_task(milk["number"])["archived_at"] is not None)
        await until(pilot, lambda: "buy milk" not in [t.lower() for t in titles(pilot)])
        assert not pane.query_one("#confirm").display

    drive(client, scenario)


def test_subtasks_are_indented_and_completing_a_parent_asks(
    client: BehflowClient, other: BehflowClient
) -> None:
    """Issue #14: subtasks sit under their parent with its progress; d on a parent with open
    subtasks asks (n: nothing, y: them too), and u reopens them all."""
    trip = other.create_task("Trip")["number"]
    other.create_task("Unrelated")
    pack = other.create_task("Pack", parent=trip)["number"]
    tickets = other.create_task("Tickets", parent=trip)["number"]

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        table = screen.query_one(TaskTable)
        assert titles(pilot) == ["Trip", "Pack", "Tickets", "Unrelated"]
        title_cells = [str(table.get_row_at(row)[3]) for row in range(4)]
        assert title_cells[:3] == ["Trip 0/2", "  Pack", "  Tickets"]

        await pilot.press("d")  # the cursor is on Trip
        await until(pilot, lambda: isinstance(pilot.app.screen, SubtasksQuestion))
        await pilot.press("n")
        await until(pilot, lambda: screen.is_current)
        assert status_of(other, trip) == "not_started"
        await pilot.press("d")
        await until(pilot, lambda: isinstance(pilot.app.screen, SubtasksQuestion))
        await pilot.press("y")
        await until(pilot, lambda: status_of(other, tickets) == "completed")
        assert status_of(other, trip) == status_of(other, pack) == "completed"
        await until(pilot, lambda: screen.changes.labels()[-1] == f"complete #{trip}")
        await pilot.press("u")
        await until(pilot, lambda: status_of(other, trip) == "not_started")
        assert status_of(other, pack) == status_of(other, tickets) == "not_started"


def test_notes_in_the_detail_pane(client: BehflowClient, other: BehflowClient) -> None:
    from textual.widgets import Markdown, TextArea

    from behflow_cli.tui.screens.note import NoteScreen
    from behflow_cli.tui.widgets.task_notes import TaskNotes

    number = other.quick_add("Fix the heating")["number"]
    other.add_note(number, "called the **landlord**")

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        pane = screen.query_one(TaskNotes)
        table = screen.query_one(TaskTable)
        table.move_cursor(row=titles(pilot).index("Fix the heating"))
        await until(pilot, lambda: [n["body"] for n in pane.notes] == ["called the **landlord**"])
        shown = pane.query_one(Markdown)
        assert "landlord" in str(shown.source) and pane.display
        await pilot.press("N")
        await until(pilot, lambda: isinstance(pilot.app.screen, NoteScreen))
        await pilot.press("ctrl+s")  # empty: refused, the dialog stays
        assert isinstance(pilot.app.screen, NoteScreen)
        pilot.app.screen.query_one(TextArea).insert("plumber comes *friday*")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(other.list_notes(number)) == 2)
        await until(pilot, lambda: len(pane.notes) == 2)
        assert other.list_notes(number)[1]["body"] == "plumber comes *friday*"
        await pilot.press("u")  # undo: the note goes again
        await until(pilot, lambda: len(other.list_notes(number)) == 1)
        # A note added elsewhere shows up live.
        other.add_note(number, "boiler part ordered")
        await until(pilot, lambda: pane.notes and pane.notes[-1]["body"] == "boiler part ordered")


def test_filter_language_saved_filters_and_context(
    client: BehflowClient, other: BehflowClient
) -> None:
    other.create_task("Alpha report", project="work", tags=["urgent"])
    other.create_task("Bravo groceries", project="home")
    other.create_task("Charlie slides", project="work.q1")
    other.request("POST", "/api/v1/filters", json={"name": "home", "query": "project:home"})
    other.request("POST", "/api/v1/filters", json={"name": "work", "query": "project:work"})
    other.request("PUT", "/api/v1/context", json={"name": "work"})

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        status = screen.query_one(LiveStatus)
        await until(pilot, lambda: status.context == "work")
        assert "context: work" in str(status.render())
        assert sorted(titles(pilot)) == ["Alpha report", "Charlie slides"]
        # the filter language goes to the server (AND with the context)
        await pilot.press("slash", *"-urgent or is:overdue", "enter")
        await until(pilot, lambda: titles(pilot) == ["Charlie slides"])
        # the server's error for a bad filter is shown
        await pilot.press("ctrl+u", *"prio:high", "enter")
        await until(pilot, lambda: notified(pilot, "did you mean 'priority'?"))
        await pilot.press("escape")
        other.request("DELETE", "/api/v1/context")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(pilot.app.screen, SavedFiltersScreen))
        await pilot.press("down", "enter")  # the first saved filter: home
        await until(pilot, lambda: titles(pilot) == ["Bravo groceries"])
        await until(pilot, lambda: status.context == "")
        assert screen.filter.saved == "home"

    drive(client, scenario)
