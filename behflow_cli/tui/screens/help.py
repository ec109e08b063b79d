"""The `?` screen: every key and what it does (the same list as the command palette), what
the marks in the list mean, and the filter words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from behflow_cli.tui.filters import __doc__ as FILTER_HELP


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]], legend: str) -> None:
        super().__init__()
        self.keys = keys
        self.legend = legend

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self.keys:
            table.add_row(key, description)
        filters = (FILTER_HELP or "").strip()
        with VerticalScroll(classes="dialog help"):
            yield Static("Behflow keys  (Escape closes; Ctrl+P: command palette)", classes="title")
            yield Static(
                Text(self.legend + "\nTitle:    ↻ repeats (the line under the list says how)"),
                classes="legend",
            )
            yield Static(table, classes="keys")
            yield Static(filters, classes="filters-help")
