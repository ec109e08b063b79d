"""The Behflow TUI: `create_app(client)` builds it around a BehflowClient (tests pass their own)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from textual.app import App, SystemCommand
from textual.screen import Screen

from behflow_cli.client import BehflowClient
from behflow_cli.tui import prefs
from behflow_cli.tui.actions import ACTIONS, key_label
from behflow_cli.tui.screens.main import MainScreen


def _now() -> datetime:
    return datetime.now(UTC)


class BehflowApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Behflow"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        client: BehflowClient,
        *,
        clock: Callable[[], datetime] = _now,
        live: bool = True,
        remember_theme: bool = True,
    ) -> None:
        super().__init__()
        self.client = client
        client.client_name = "tui"  # the server's history names the TUI's changes
        self.clock = clock
        self.live = live
        self.remember_theme = remember_theme
        self.theme_name = prefs.load_theme() if remember_theme else prefs.DEFAULT_THEME

    def on_mount(self) -> None:
        self.theme = prefs.THEMES[self.theme_name]
        self.push_screen(MainScreen())

    def toggle_theme(self) -> None:
        self.theme_name = "light" if self.theme_name == "dark" else "dark"
        self.theme = prefs.THEMES[self.theme_name]
        if self.remember_theme:
            try:
                prefs.save_theme(self.theme_name)
            except OSError as exc:
                self.notify(f"Cannot remember the theme: {exc}", severity="warning")
        self.notify(f"{self.theme_name.capitalize()} theme", timeout=2)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        if isinstance(screen, MainScreen):
            for action in ACTIONS:
                if not action.palette:
                    continue
                label = action.description.split(" (")[0]
                command = getattr(screen, f"action_{action.name}")
                help_text = f"{action.description} (key: {key_label(action.key)})"
                yield SystemCommand(label, help_text, command)
        yield from super().get_system_commands(screen)

    def on_unmount(self) -> None:
        self.client.close()


def create_app(
    client: BehflowClient,
    *,
    clock: Callable[[], datetime] = _now,
    live: bool = True,
    remember_theme: bool = True,
) -> BehflowApp:
    return BehflowApp(client, clock=clock, live=live, remember_theme=remember_theme)
