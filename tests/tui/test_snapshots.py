"""Snapshots of the main screens in both themes, at 80x24, on fixed data and a fixed clock.

Update them after a deliberate change with: pytest tests/tui --snapshot-update
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from behflow_cli.client import BehflowClient
from behflow_cli.tui import prefs
from behflow_cli.tui.app import BehflowApp, create_app
from behflow_cli.tui.screens.edit import EditScreen
from behflow_cli.tui.screens.help import HelpScreen
from tests.tui.helpers import ready, until

NOW = datetime(2031, 3, 14, 9, 0, tzinfo=UTC)


def at(**offset: float) -> str:
    return (NOW + timedelta(**offset)).isoformat()


@pytest.fixture
def tasks(other: BehflowClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)  # snapshots show the themes' colours
    other.create_task("Renew passport", due_at=at(days=-2), priority="urgent", tags=["admin"])
    other.create_task(
        "Write quarterly report",
        due_at=at(hours=5),
        priority="high",
        tags=["work"],
        status="in_progress",
    )
    other.create_task("Buy oat milk", due_at=at(days=1, hours=3), tags=["home"])
    other.create_task("Call the plumber", priority="low", status="blocked", tags=["home"])
    other.create_task("Plan the trip <b>[bold]not markup[/bold]</b>", priority="medium")


def app_for(client: BehflowClient) -> BehflowApp:
    return create_app(client, clock=lambda: NOW)


async def loaded(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await pilot.pause(0.2)


def then(*keys: str, screen: type | None = None) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        if keys:
            await pilot.press(*keys)
        if screen is not None:
            await until(pilot, lambda: isinstance(pilot.app.screen, screen))
        for shown in pilot.app.screen_stack:
            for box in shown.query(Input):
                box.cursor_blink = False  # a blinking cursor would make the picture random
        await pilot.pause(0.3)

    return run_before


@pytest.mark.usefixtures("tasks")
def test_main_screen_dark(snap_compare: Any, client: BehflowClient) -> None:
    assert snap_compare(app_for(client), run_before=then())


@pytest.mark.usefixtures("tasks")
def test_main_screen_light(snap_compare: Any, client: BehflowClient) -> None:
    prefs.save_theme("light")
    assert snap_compare(app_for(client), run_before=then())


@pytest.mark.usefixtures("tasks")
def test_help_screen(snap_compare: Any, client: BehflowClient) -> None:
    assert snap_compare(app_for(client), run_before=then("question_mark", screen=HelpScreen))


@pytest.mark.usefixtures("tasks")
def test_edit_form_light(snap_compare: Any, client: BehflowClient) -> None:
    prefs.save_theme("light")
    assert snap_compare(app_for(client), run_before=then("down", "e", screen=EditScreen))


@pytest.mark.usefixtures("tasks")
def test_chat_pane_below_the_list(snap_compare: Any, client: BehflowClient) -> None:
    assert snap_compare(app_for(client), run_before=then("c"))


@pytest.mark.usefixtures("tasks")
def test_wide_with_chat_beside(snap_compare: Any, client: BehflowClient) -> None:
    prefs.save_theme("light")
    assert snap_compare(app_for(client), run_before=then("c"), terminal_size=(120, 30))
