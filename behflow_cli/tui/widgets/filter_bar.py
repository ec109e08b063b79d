"""The filter/search bar: the filters of `behflow task list` as words (see tui/filters.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from behflow_cli.tui.filters import FilterError, TaskFilter, parse_filter


class FilterBar(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Apply the filter")]

    class Applied(Message):
        def __init__(self, task_filter: TaskFilter) -> None:
            super().__init__()
            self.filter = task_filter

    class Rejected(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            placeholder="Filter: #tag due:today !high status:blocked all words…",
            max_length=300,
            compact=True,
            **kwargs,
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.post_message(self.Applied(parse_filter(event.value)))
        except FilterError as exc:
            self.post_message(self.Rejected(str(exc)))
