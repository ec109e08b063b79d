"""The saved filters (docs/filters.md) in a modal: Enter applies one, Escape closes."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

# What the screen answers: a saved filter's name, "" for no filter, None for "leave it".
Choice = str | None


class SavedFiltersScreen(ModalScreen[Choice]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, filters: list[dict[str, Any]]) -> None:
        super().__init__()
        self.filters = filters

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Saved filters (Enter applies, Esc closes)"), classes="question")
            options = [Option(Text("(no saved filter)", style="dim"), id="")]
            for saved in self.filters:
                label = Text(saved["name"], style="bold")
                label.append(f"  {saved['query']}")
                if saved["active"]:
                    label.append("  (context)", style="italic")
                options.append(Option(label, id=saved["name"]))
            yield OptionList(*options, id="saved-filters")
            if not self.filters:
                yield Static("None yet: behflow filter add NAME 'QUERY'", classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id or "")

    def action_close(self) -> None:
        self.dismiss(None)
