"""A small card for a task the agent changed, shown under its reply."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


def describe(action: dict[str, Any]) -> tuple[int | None, str]:
    """(task number, one line) for a ChatAction {action, number, title}."""
    number = action.get("number")
    line = f"{action.get('action') or 'changed'} {action.get('title') or ''}".strip()
    return (number if isinstance(number, int) else None), line


class TaskCard(Static):
    def __init__(self, action: dict[str, Any]) -> None:
        number, line = describe(action)
        self.number = number
        text = Text()
        if number is not None:
            text.append(f"#{number} ", style="bold")
        text.append(line)
        super().__init__(text, classes="task-card")
