"""The quick-add box: one line of text the server parses ("Call mom tomorrow 5pm #family !high")."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class QuickAdd(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Add the task")]

    class Added(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            placeholder="Add: Call mom tomorrow 5pm #family !high",
            max_length=2000,
            compact=True,
            **kwargs,
        )

    def give_back(self, text: str) -> None:
        """Put back text the server refused, unless something new was typed meanwhile."""
        if not self.value:
            self.value = text
            self.cursor_position = len(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.post_message(self.Added(text))
            self.clear()
