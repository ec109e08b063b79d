"""The walls a new user hit in the TUI (issue #11), each driven through Textual's pilot
against a real server: keys typed in boxes, undo timing, navigation, the list's layout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from textual import events
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from behflow_cli.client import BehflowClient
from behflow_cli.dates import short_day
from behflow_cli.tui.app import create_app
from behflow_cli.tui.screens.edit import EditScreen
from behflow_cli.tui.screens.help import HelpScreen
from behflow_cli.tui.widgets.chat_pane import ChatPane
from behflow_cli.tui.widgets.filter_bar import FilterBar
from behflow_cli.tui.widgets.quick_add import QuickAdd
from behflow_cli.tui.widgets.task_table import TaskTable
from tests.support.live import LiveServer
from tests.tui.helpers import notified, ready, titles, until


def drive(
    client: BehflowClient,
    scenario: Callable[[Pilot[Any]], Awaitable[None]],
    size: tuple[int, int] = (100, 30),
) -> None:
    async def run() -> None:
        async with create_app(client, remember_theme=False).run_test(size=size) as pilot:
            await scenario(pilot)

    asyncio.run(run())


def statuses(api: BehflowClient) -> dict[str, str]:
    return {t["title"]: t["status"] for t in api.list_tasks(status=["open", "completed"])["items"]}


def footer_keys(pilot: Pilot[Any]) -> list[str]:
    return [key.key for key in pilot.app.screen.query(FooterKey)]


def test_typing_in_a_box_never_runs_list_commands(
    client: BehflowClient, other: BehflowClient
) -> None:
    """After Enter in the filter bar the next letters typed are text, not commands (they
    used to complete a task, switch the theme and open the edit form)."""
    other.create_task("Water the plants", tags=["home"])
    other.create_task("Pay rent", tags=["home"])
    before = statuses(other)

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        theme = pilot.app.theme
        await pilot.press("slash", *"#home", "enter")
        await until(pilot, lambda: sorted(titles(pilot)) == ["Pay rent", "Water the plants"])
        await pilot.press(*" dtxesbo")
        await pilot.pause(0.5)
        bar = screen.query_one(FilterBar)
        assert pilot.app.focused is bar and bar.value == "#home dtxesbo"
        assert pilot.app.theme == theme and pilot.app.screen is screen
        assert len(screen.changes) == 0

        await pilot.press("escape")  # Escape leaves the box for the list
        assert isinstance(pilot.app.focused, TaskTable)

        await pilot.press("a", *"#home !high", "enter")  # nothing left for a title: refused
        await until(pilot, lambda: notified(pilot, "Add failed"))
        add = screen.query_one(QuickAdd)
        assert add.value == "#home !high"  # given back to fix, not lost
        await pilot.press("ctrl+u", *"Buy bread", "enter")
        await until(pilot, lambda: notified(pilot, "Added"))
        await pilot.press(*"dtx")  # still in the add box: text again
        assert pilot.app.focused is add and add.value == "dtx"
        await pilot.press("escape")
        assert isinstance(pilot.app.focused, TaskTable)

        await pilot.press("c", *"dtx")  # the chat box too
        chat_input = screen.query_one(ChatPane).query_one(Input)
        assert pilot.app.focused is chat_input and chat_input.value == "dtx"
        await pilot.press("escape")
        assert isinstance(pilot.app.focused, TaskTable)
        assert pilot.app.theme == theme

    drive(client, scenario)
    after = statuses(other)
    assert {k: after[k] for k in before} == before
    assert after["Buy bread"] == "not_started"


def test_key_bar_stays_while_typing(client: BehflowClient) -> None:
    async def scenario(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        assert "a" in footer_keys(pilot) and "d" in footer_keys(pilot)
        for opener, enter_label in (("a", "Add the task"), ("slash", "Apply the filter")):
            await pilot.press(opener)
            await pilot.pause(0.2)
            keys = footer_keys(pilot)
            # The bar says what Enter and Escape do here, not the list's keys that would be typed.
            assert "escape" in keys and "enter" in keys and "d" not in keys, keys
            labels = [k.description for k in pilot.app.screen.query(FooterKey)]
            assert enter_label in labels
            await pilot.press("escape")
            await pilot.pause(0.2)
            assert "d" in footer_keys(pilot) and "escape" not in footer_keys(pilot)

    drive(client, scenario)


def test_undo_right_after_a_change_undoes_that_change(
    client: BehflowClient, other: BehflowClient
) -> None:
    """`u` pressed before the change has landed waits for it, then undoes it on the server;
    undo is the server's history, so it goes on to a change made by another client."""
    number = other.create_task("Undo me")["number"]

    async def scenario(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("s", "b", "u", "u")  # no pause: undo while the changes are in flight
        undid = f"Undid updated #{number} Undo me (from the TUI)"
        await until(pilot, lambda: notified(pilot, undid), timeout=15)
        await until(pilot, lambda: other.get_task(number)["status"] == "not_started")

        await pilot.press("d", "u")
        undid = f"Undid completed #{number} Undo me (from the TUI)"
        await until(pilot, lambda: notified(pilot, undid), timeout=15)
        task = other.get_task(number)
        assert (task["status"], task["completed_at"]) == ("not_started", None)
        await until(pilot, lambda: "Undo me" in titles(pilot))
        await pilot.press("u")  # the create, made by the other client (the CLI)
        await until(
            pilot, lambda: notified(pilot, f"Undid created #{number} Undo me (from the CLI)")
        )
        assert other.get_task(number)["archived_at"] is not None
        await pilot.press("U")  # redo: back again
        await until(pilot, lambda: other.get_task(number)["archived_at"] is None)
        await until(pilot, lambda: notified(pilot, f"Redid created #{number} Undo me"))

    drive(client, scenario)


def test_jk_move_and_the_cursor_stays_after_a_delete(
    client: BehflowClient, other: BehflowClient
) -> None:
    for title in ("First", "Second", "Third", "Fourth"):
        other.create_task(title)

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        table = screen.query_one(TaskTable)
        assert titles(pilot) == ["First", "Second", "Third", "Fourth"]
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert (table.selected_task() or {}).get("title") == "Second"
        await pilot.press("x", "y")
        await until(pilot, lambda: "Second" not in titles(pilot))
        # The cursor is on the task that followed, not back at the top.
        assert table.cursor_row == 1
        assert (table.selected_task() or {}).get("title") == "Third"
        await pilot.press("u")
        await until(pilot, lambda: "Second" in titles(pilot))
        assert (table.selected_task() or {}).get("title") == "Second"

    drive(client, scenario)


LONG = "Write the quarterly report for the board with every figure in it"  # 65 characters


def test_titles_use_the_room_the_title_column_has(
    client: BehflowClient, other: BehflowClient
) -> None:
    other.create_task(LONG, tags=["work"])

    async def scenario(pilot: Pilot[Any]) -> None:
        table = (await ready(pilot)).query_one(TaskTable)
        assert table.get_cell_at(Coordinate(0, 3)).plain == LONG
        await pilot.resize_terminal(70, 30)
        await until(pilot, lambda: table.get_cell_at(Coordinate(0, 3)).plain != LONG)
        cut = table.get_cell_at(Coordinate(0, 3)).plain
        assert cut.endswith("…") and LONG.startswith(cut[:-1])
        # Every column still fits: nothing scrolls sideways.
        assert table.virtual_size.width <= table.size.width

    drive(client, scenario, size=(110, 30))


def test_edit_form_hints_and_refuses_an_empty_title(
    client: BehflowClient, other: BehflowClient
) -> None:
    number = other.create_task("Keep my title")["number"]

    async def scenario(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("e")
        form = await until(
            pilot, lambda: isinstance(pilot.app.screen, EditScreen) and pilot.app.screen
        )
        tags = form.query_one("#tags", Input)
        assert tags.value == "" and "none" in tags.placeholder
        form.query_one("#title", Input).value = "   "
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert pilot.app.screen is form  # not saved, still editing
        assert "needs a title" in str(form.query_one("#form-error").render())
        await pilot.press("escape")

    drive(client, scenario)
    assert other.get_task(number)["title"] == "Keep my title"


def test_help_explains_the_marks(client: BehflowClient) -> None:
    async def scenario(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        help_screen = await until(
            pilot, lambda: isinstance(pilot.app.screen, HelpScreen) and pilot.app.screen
        )
        text = str(help_screen.query_one(".legend").render())
        marks = ("○ not started", "◐ in progress", "⊘ blocked", "✓ completed", "!!! urgent")
        assert all(mark in text for mark in marks), text
        assert "↻ repeats" in text

    drive(client, scenario)


def test_a_moved_due_date_is_shown_and_m_puts_it_back(
    client: BehflowClient, other: BehflowClient
) -> None:
    """The reschedule_overdue process moves an overdue task; the list says "moved from",
    `m` restores the date the user set (POST restore-due) and `u` takes that back."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    number = other.create_task("Renew passport", due_at=yesterday.isoformat())["number"]
    run = other.run_process("reschedule-overdue")
    assert run["status"] == "succeeded", run
    moved = other.get_task(number)
    assert moved["original_due_at"] is not None and moved["due_at"] != moved["original_due_at"]
    words = f"moved from {short_day(moved['original_due_at'], 'UTC')}"

    async def scenario(pilot: Pilot[Any]) -> None:
        table = (await ready(pilot)).query_one(TaskTable)
        assert table.get_cell_at(Coordinate(0, 5)).plain.endswith(f"· {words}")
        assert f"{words} (m puts it back)" in str(pilot.app.screen.query_one("#detail").render())
        await pilot.press("m")
        await until(pilot, lambda: other.get_task(number)["original_due_at"] is None)
        assert other.get_task(number)["due_at"] == moved["original_due_at"]
        await until(pilot, lambda: "moved" not in table.get_cell_at(Coordinate(0, 5)).plain)
        assert table.get_cell_at(Coordinate(0, 5)).plain == "overdue 1 day"
        await pilot.press("m")  # nothing left to put back: said, not sent
        await until(pilot, lambda: notified(pilot, "was not moved"))
        await pilot.press("u")
        await until(pilot, lambda: other.get_task(number)["due_at"] == moved["due_at"])

    drive(client, scenario)


def test_keys_typed_at_once_after_a_land_in_the_box(
    client: BehflowClient, other: BehflowClient
) -> None:
    """A fast typist or a paste: "a" and the text arrive together. Each key is judged in the
    order typed, so the text is not lost, nor run as list commands (d completed, t themed)."""
    number = other.create_task("Stay open")["number"]

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        theme = pilot.app.theme
        for char in "aBuy dtx":  # queued before the app has handled the first one
            pilot.app.post_message(events.Key("space" if char == " " else char, char))
        box = screen.query_one(QuickAdd)
        await until(pilot, lambda: box.value == "Buy dtx")
        assert pilot.app.focused is box and pilot.app.theme == theme
        for key, char in (("escape", None), ("slash", "/"), ("d", "d"), ("q", "q")):
            pilot.app.post_message(events.Key(key, char))
        bar = screen.query_one(FilterBar)
        await until(pilot, lambda: bar.value == "dq")
        assert pilot.app.is_running and pilot.app.focused is bar

    drive(client, scenario)
    assert other.get_task(number)["status"] == "not_started"


def test_chat_pane_shows_the_last_conversation(client: BehflowClient, other: BehflowClient) -> None:
    """The server keeps chat sessions: opening the pane shows the last one, labelled."""
    first = other.chat("add water the plants tomorrow")

    async def scenario(pilot: Pilot[Any]) -> None:
        screen = await ready(pilot)
        await pilot.press("c")
        pane = screen.query_one(ChatPane)
        await until(pilot, lambda: len(pane.query(".msg")) >= 2)
        said = [str(m.render()) for m in pane.query(".msg")]
        assert said[0] == "you  add water the plants tomorrow"
        assert said[1].startswith("agent  ") and first["reply"] in said[1]
        assert screen.chat_session == str(first["session_id"])  # the next message continues it

    drive(client, scenario)


class SlowForWork(httpx.HTTPTransport):
    """The real server, but listing #work tasks takes a second and a half."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.params.get("tag") == "work":
            time.sleep(1.5)
        return super().handle_request(request)


def test_a_late_answer_never_replaces_the_list_asked_for_last(
    tui_server: LiveServer, token: str, other: BehflowClient
) -> None:
    other.create_task("Slides", tags=["work"])
    other.create_task("Groceries", tags=["home"])
    slow = BehflowClient(tui_server.url, token, timezone="UTC", transport=SlowForWork())

    async def scenario(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("slash", *"#work", "enter")  # slow to answer...
        await pilot.press("ctrl+u", *"#home", "enter")  # ...overtaken by this one
        await until(pilot, lambda: titles(pilot) == ["Groceries"])
        await asyncio.sleep(2.0)  # the #work answer has come and gone meanwhile
        assert titles(pilot) == ["Groceries"]

    drive(slow, scenario)
