"""Waiting for the app: HTTP happens in worker threads, so tests poll for its effects."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from behflow_cli.tui.screens.main import MainScreen
from behflow_cli.tui.widgets.live_status import LiveStatus
from behflow_cli.tui.widgets.task_table import TaskTable


async def until(pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 8.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', '?')}")
        await pilot.pause(0.05)


def main_screen(pilot: Pilot[Any]) -> MainScreen:
    screen = pilot.app.screen_stack[1] if len(pilot.app.screen_stack) > 1 else pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def titles(pilot: Pilot[Any]) -> list[str]:
    return [task["title"] for task in main_screen(pilot).query_one(TaskTable).tasks]


async def ready(pilot: Pilot[Any]) -> MainScreen:
    """The event stream is live and the list it asked for (on `ready`) is shown."""
    await until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = main_screen(pilot)
    await until(pilot, lambda: screen.query_one(LiveStatus).online)
    await pilot.pause(0.2)  # the reload that `ready` schedules starts after 50 ms

    def settled() -> bool:
        loading = [w for w in screen.workers if w.group == "load" and not w.is_finished]
        return screen.loads >= 1 and not loading

    await until(pilot, settled)
    await pilot.pause(0.05)
    return screen


def notified(pilot: Pilot[Any], text: str) -> bool:
    """Whether a notification (title or message) says `text`."""
    return any(text in f"{n.title or ''} {n.message}" for n in pilot.app._notifications)
